"""The volunteer call-outs API: a resident's register entry (read, join or change, leave),
their call-outs and answers, and staff's reads of call-outs and rosters. Writes go through
``alerts.services.volunteers``; its ``ValidationError``s become 400s in the platform's
exception handler."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from alerts import selectors_volunteers as selectors
from alerts.api.views import RulesPermission
from alerts.models import CallOut, CallOutResponse, Skill, VolunteerRegistration
from alerts.services import volunteers as services
from civicportal.accounts.models import Area

# --- Serializers -------------------------------------------------------------------------


class RegistrationSerializer(serializers.ModelSerializer):
    skills = serializers.SlugRelatedField(
        slug_field="name", many=True, queryset=Skill.objects.filter(active=True)
    )
    areas = serializers.SlugRelatedField(slug_field="slug", many=True, queryset=Area.objects.all())
    consent = serializers.BooleanField()

    class Meta:
        model = VolunteerRegistration
        fields = ["skills", "areas", "availability", "consent", "receive_exercises", "updated_at"]
        read_only_fields = ["updated_at"]

    def validate_consent(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(
                "Consent is needed to be on the register; to leave it, send DELETE."
            )
        return value


class CallOutSerializer(serializers.ModelSerializer):
    skills = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    areas = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    incident = serializers.CharField(source="alert.headline", read_only=True)
    exercise = serializers.BooleanField(source="alert.is_exercise", read_only=True)
    places_left = serializers.IntegerField(read_only=True)

    class Meta:
        model = CallOut
        fields = [
            "id", "incident", "exercise", "task", "details", "place", "starts_at", "ends_at",
            "skills", "areas", "needed", "accepted_count", "places_left", "state",
        ]  # fmt: skip
        read_only_fields = fields


class MyCallOutSerializer(serializers.Serializer):
    callout = CallOutSerializer()
    answer = serializers.ChoiceField(choices=CallOutResponse.Answer.choices, allow_null=True)


class AnswerSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(choices=CallOutResponse.Answer.choices)


class AnswerResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = CallOutResponse
        fields = ["callout", "answer", "answered_at"]
        read_only_fields = fields


class RosterEntrySerializer(serializers.ModelSerializer):
    volunteer = serializers.CharField(source="user.__str__", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = CallOutResponse
        fields = ["id", "volunteer", "email", "answer", "answered_at", "checked_in_at",
                  "checked_out_at"]  # fmt: skip
        read_only_fields = fields


class RosterSerializer(serializers.Serializer):
    callout = CallOutSerializer()
    responses = RosterEntrySerializer(many=True)


# --- Residents ---------------------------------------------------------------------------


class _ResidentApi(APIView):
    permission_classes = [permissions.IsAuthenticated, RulesPermission]


class VolunteerRegistrationApi(_ResidentApi):
    """The signed-in resident's own register entry."""

    permission_required = "alerts.register_volunteer"

    def _entry(self) -> VolunteerRegistration:
        entry = selectors.registration_get(user=self.request.user)
        if entry is None:
            raise Http404("You are not on the volunteer register.")
        return entry

    @extend_schema(tags=["alerts"], responses=RegistrationSerializer)
    def get(self, request):
        return Response(RegistrationSerializer(self._entry()).data)

    @extend_schema(
        tags=["alerts"], request=RegistrationSerializer, responses=RegistrationSerializer
    )
    def put(self, request):
        serializer = RegistrationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.registration_save(
            user=request.user,
            skills=data["skills"],
            areas=data["areas"],
            availability=data.get("availability", ""),
            consent=data["consent"],
            receive_exercises=data.get("receive_exercises", False),
        )
        return Response(RegistrationSerializer(self._entry()).data)

    @extend_schema(tags=["alerts"], responses={204: None})
    def delete(self, request):
        services.registration_delete(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyCallOutListApi(_ResidentApi):
    """The call-outs that reach the signed-in resident, with their answer."""

    permission_required = "alerts.respond_callout"

    @extend_schema(tags=["alerts"], responses=MyCallOutSerializer(many=True))
    def get(self, request):
        rows = selectors.callout_list_for_volunteer(user=request.user)
        data = [
            {"callout": callout, "answer": response.answer if response else None}
            for callout, response in rows
        ]
        return Response(MyCallOutSerializer(data, many=True).data)


class CallOutAnswerApi(_ResidentApi):
    """Accept or decline; a full or stood-down call-out answers 400 with the reason."""

    permission_required = "alerts.respond_callout"

    @extend_schema(tags=["alerts"], request=AnswerSerializer, responses=AnswerResultSerializer)
    def post(self, request, pk: int):
        callout = selectors.callout_get_for_volunteer(user=request.user, pk=pk)
        serializer = AnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        response = services.callout_respond(
            actor=request.user, callout=callout, answer=serializer.validated_data["answer"]
        )
        return Response(AnswerResultSerializer(response).data)


# --- Staff -------------------------------------------------------------------------------


class StaffCallOutListApi(_ResidentApi):
    permission_required = "alerts.view_callout"

    @extend_schema(tags=["alerts"], responses=CallOutSerializer(many=True))
    def get(self, request):
        callouts = selectors.staff_callout_list().prefetch_related("skills", "areas")[:100]
        return Response(CallOutSerializer(callouts, many=True).data)


class StaffRosterApi(_ResidentApi):
    permission_required = "alerts.view_callout"

    @extend_schema(tags=["alerts"], responses=RosterSerializer)
    def get(self, request, pk: int):
        callout = selectors.callout_get(pk=pk)
        return Response(
            RosterSerializer(
                {"callout": callout, "responses": selectors.roster(callout=callout)}
            ).data
        )
