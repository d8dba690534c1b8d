"""Rumour control's API: published fact checks (public reads, with their ClaimReview
ratings), a resident's question (``ask``), and the approval of an incident's fact check
through the same service as the staff page, so the two-person rule holds here too."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, parsers, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from alerts import selectors_factchecks as selectors
from alerts.api.views import Conflict, RulesPermission
from alerts.models import FactCheck, FactCheckQuestion, Verdict
from alerts.models.factchecks import QUESTION_MAX_LENGTH
from alerts.services import factchecks as services


class SourceSerializer(serializers.Serializer):
    title = serializers.CharField()
    url = serializers.URLField()


class FactCheckSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    sources = SourceSerializer(many=True)
    rating = serializers.IntegerField(help_text="ClaimReview ratingValue: 1 false … 5 true.")
    incident = serializers.PrimaryKeyRelatedField(source="alert", read_only=True)

    class Meta:
        model = FactCheck
        fields = [
            "id", "url", "claim", "claim_url", "verdict", "rating", "facts", "sources",
            "incident", "published_at", "updated_at",
        ]  # fmt: skip

    def get_url(self, obj: FactCheck) -> str:
        request = self.context.get("request")
        path = obj.get_absolute_url()
        return request.build_absolute_uri(path) if request else path


class StaffFactCheckSerializer(FactCheckSerializer):
    version = serializers.SerializerMethodField()

    class Meta(FactCheckSerializer.Meta):
        fields = [*FactCheckSerializer.Meta.fields, "state", "version"]

    def get_version(self, obj: FactCheck) -> str:
        return services.factcheck_version(obj)


class QuestionSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=QUESTION_MAX_LENGTH, trim_whitespace=False)
    # Checked by the service (http/https only), with the pages' words.
    link = serializers.CharField(max_length=500, required=False, allow_blank=True)
    screenshot = serializers.ImageField(required=False, allow_null=True)
    incident = serializers.IntegerField(required=False, allow_null=True)


class QuestionCreatedSerializer(serializers.ModelSerializer):
    incident = serializers.PrimaryKeyRelatedField(source="alert", read_only=True)

    class Meta:
        model = FactCheckQuestion
        fields = ["id", "text", "link", "incident", "state", "created_at"]


class FactCheckApproveSerializer(serializers.Serializer):
    version = serializers.CharField(help_text="The version shown by GET on this address.")


@extend_schema(
    tags=["rumours"],
    parameters=[
        OpenApiParameter("incident", int, description="An alert's id: its fact checks only."),
        OpenApiParameter("verdict", str, enum=Verdict.values),
    ],
)
class FactCheckListApi(generics.ListAPIView):
    """Published fact checks, newest first (never those about exercises)."""

    serializer_class = FactCheckSerializer
    permission_classes = [permissions.AllowAny]
    filter_backends: list = []

    def get_queryset(self):
        incident = None
        raw = self.request.query_params.get("incident", "")
        if raw:
            if not raw.isdigit():
                raise exceptions.ValidationError({"incident": "Give an alert's id (a number)."})
            incident = selectors.incident_get_public(pk=int(raw))
        verdict = self.request.query_params.get("verdict", "")
        if verdict and verdict not in Verdict.values:
            raise exceptions.ValidationError(
                {"verdict": "Choose false, misleading, true or unverified."}
            )
        return selectors.factcheck_list_public(alert=incident, verdict=verdict)


@extend_schema(tags=["rumours"])
class FactCheckDetailApi(generics.RetrieveAPIView):
    serializer_class = FactCheckSerializer
    permission_classes = [permissions.AllowAny]

    def get_object(self):
        return get_object_or_404(
            FactCheck.objects.public().select_related("alert"), pk=self.kwargs["pk"]
        )


@extend_schema(
    tags=["rumours"],
    request={"multipart/form-data": QuestionSerializer, "application/json": QuestionSerializer},
    responses={201: QuestionCreatedSerializer},
)
class QuestionAskApi(APIView):
    """A signed-in resident asks whether something is true (rate limited: 429 past it)."""

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [parsers.JSONParser, parsers.MultiPartParser, parsers.FormParser]

    def post(self, request):
        serializer = QuestionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        incident = None
        if data.get("incident"):
            incident = selectors.factcheck_incident_or_none(pk=data["incident"])
            if incident is None:
                raise exceptions.ValidationError({"incident": "No public alert has this id."})
        question = services.question_ask(
            actor=request.user,
            text=data["text"],
            link=data.get("link", ""),
            screenshot=data.get("screenshot"),
            alert=incident,
        )
        return Response(QuestionCreatedSerializer(question).data, status=status.HTTP_201_CREATED)


class FactCheckApproveApi(APIView):
    """Review (GET) and approve (POST) a fact check waiting for approval: never its own
    author's (two-person rule), and only the ``version`` reviewed (409 otherwise)."""

    permission_classes = [permissions.IsAuthenticated, RulesPermission]
    permission_required = "alerts.view_factcheck"

    def handle_exception(self, exc):
        # Keep the service's reason (e.g. the two-person rule) in the 403's message.
        if isinstance(exc, DjangoPermissionDenied) and exc.args:
            exc = exceptions.PermissionDenied(detail=str(exc))
        elif isinstance(exc, services.StaleFactCheck):
            exc = Conflict(detail=" ".join(exc.messages))
        return super().handle_exception(exc)

    def _fact_check(self, pk: int) -> FactCheck:
        return get_object_or_404(FactCheck.objects.select_related("alert"), pk=pk)

    @extend_schema(tags=["rumours"], responses=StaffFactCheckSerializer)
    def get(self, request, pk: int):
        serializer = StaffFactCheckSerializer(self._fact_check(pk), context={"request": request})
        return Response(serializer.data)

    @extend_schema(
        tags=["rumours"], request=FactCheckApproveSerializer, responses=StaffFactCheckSerializer
    )
    def post(self, request, pk: int):
        serializer = FactCheckApproveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fact_check = services.factcheck_approve(
            actor=request.user,
            fact_check=self._fact_check(pk),
            version=serializer.validated_data["version"],
        )
        return Response(StaffFactCheckSerializer(fact_check, context={"request": request}).data)
