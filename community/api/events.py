"""The events API: public reads (list with area/kind filters, detail) and residents'
actions (sign up, cancel), through the same selectors and services as the pages. Service
``ValidationError``s become 400s in the API's one exception handler."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from civicportal.accounts.models import Area
from community import selectors_events as selectors
from community.models import Event, EventKind, EventSignup
from community.services import events as services


class EventSerializer(serializers.ModelSerializer):
    area = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    places_left = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()
    ical_url = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = [
            "id", "kind", "title", "summary", "description_html", "area", "place",
            "latitude", "longitude", "starts_at", "ends_at", "capacity", "confirmed_count",
            "places_left", "what_to_bring", "state", "sequence", "cancel_reason",
            "outcome_attendance", "outcome_html", "url", "ical_url",
        ]  # fmt: skip
        read_only_fields = fields

    def get_url(self, event: Event) -> str:
        return self.context["request"].build_absolute_uri(event.get_absolute_url())

    def get_ical_url(self, event: Event) -> str:
        from django.urls import reverse

        return self.context["request"].build_absolute_uri(
            reverse("community:event-ics", args=[event.pk])
        )


class SignupSerializer(serializers.ModelSerializer):
    waiting_position = serializers.SerializerMethodField()

    class Meta:
        model = EventSignup
        fields = ["id", "event", "status", "created_at", "waiting_position"]
        read_only_fields = fields

    def get_waiting_position(self, signup: EventSignup) -> int | None:
        return selectors.waiting_position(signup)


@extend_schema(
    tags=["community"],
    parameters=[
        OpenApiParameter("area", str, description="An area's slug."),
        OpenApiParameter("kind", str, enum=EventKind.values),
    ],
)
class EventListApi(generics.ListAPIView):
    """Upcoming public events (cancelled ones say so), soonest first."""

    serializer_class = EventSerializer
    permission_classes = [permissions.AllowAny]
    filter_backends: list = []

    def get_queryset(self):
        params = self.request.query_params
        area = None
        if params.get("area"):
            area = Area.objects.filter(slug=params["area"]).first()
            if area is None:
                raise exceptions.ValidationError({"area": ["There is no area with this slug."]})
        kind = params.get("kind") or None
        if kind is not None and kind not in EventKind.values:
            raise exceptions.ValidationError({"kind": ["Choose one of the kinds offered."]})
        return selectors.event_list(viewer=self.request.user, area=area, kind=kind)


class _EventMixin:
    def event(self) -> Event:
        try:
            return selectors.event_get(viewer=self.request.user, pk=self.kwargs["pk"])
        except Event.DoesNotExist:
            raise Http404 from None


@extend_schema(tags=["community"])
class EventDetailApi(_EventMixin, generics.RetrieveAPIView):
    serializer_class = EventSerializer
    permission_classes = [permissions.AllowAny]

    def get_object(self):
        return self.event()


class _ResidentApi(_EventMixin, APIView):
    permission_classes = [permissions.IsAuthenticated]

    def handle_exception(self, exc):
        if isinstance(exc, DjangoPermissionDenied) and exc.args:
            exc = exceptions.PermissionDenied(detail=str(exc))
        return super().handle_exception(exc)


@extend_schema(tags=["community"], request=None, responses={201: SignupSerializer})
class EventSignupApi(_ResidentApi):
    """Sign up: a place if one is left, else the waiting list. Signing up again returns the
    existing sign-up."""

    def post(self, request, pk: int):
        signup = services.signup_create(actor=request.user, event=self.event())
        return Response(
            SignupSerializer(signup).data,
            status=status.HTTP_201_CREATED,
        )


@extend_schema(tags=["community"], request=None, responses={204: None})
class EventSignupCancelApi(_ResidentApi):
    """Cancel one's sign-up; a freed place goes to the first person waiting."""

    def post(self, request, pk: int):
        if services.signup_cancel(actor=request.user, event=self.event()) is None:
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)
