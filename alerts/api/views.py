"""The alerts API: public reads, and staff's draft/submit/approve/update/cancel through the
same services as the pages (so the two-person rule holds here too)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from alerts import selectors, services
from alerts.api.serializers import (
    AlertSerializer,
    ApproveSerializer,
    CancelSerializer,
    DraftCreateSerializer,
    MessageContentSerializer,
    StaffAlertSerializer,
    StaffMessageSerializer,
    UpdateSerializer,
)
from alerts.models import Alert, AlertMessage
from alerts.services import StaleApproval
from civicportal.accounts.models import Area


class RulesPermission(permissions.BasePermission):
    """django-rules behind DRF: the view names its ``permission_required``."""

    def has_permission(self, request, view) -> bool:
        perm = getattr(view, "permission_required", None)
        return perm is None or request.user.has_perm(perm)


@extend_schema(
    tags=["alerts"],
    parameters=[
        OpenApiParameter("show", str, enum=["active", "past", "all"], description="Default: all."),
        OpenApiParameter("area", str, description="An area's slug."),
    ],
)
class AlertListApi(generics.ListAPIView):
    """Public alerts (exercises and tests are never listed), newest first."""

    serializer_class = AlertSerializer
    permission_classes = [permissions.AllowAny]
    filter_backends: list = []

    def get_queryset(self):
        show = self.request.query_params.get("show", "all")
        active = {"active": True, "past": False}.get(show)
        area = None
        slug = self.request.query_params.get("area")
        if slug:
            area = get_object_or_404(Area, slug=slug)
        return selectors.alert_list(viewer=self.request.user, active=active, area=area)


@extend_schema(tags=["alerts"])
class AlertDetailApi(generics.RetrieveAPIView):
    serializer_class = AlertSerializer
    permission_classes = [permissions.AllowAny]

    def get_object(self):
        return selectors.alert_get(viewer=self.request.user, pk=self.kwargs["pk"])


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The message changed since you reviewed it.")
    default_code = "conflict"


class _StaffApi(APIView):
    permission_classes = [permissions.IsAuthenticated, RulesPermission]

    def handle_exception(self, exc):
        # Keep the service's reason (e.g. the two-person rule) in the 403's message.
        if isinstance(exc, DjangoPermissionDenied) and exc.args:
            exc = exceptions.PermissionDenied(detail=str(exc))
        # An approval of a version the message no longer is: 409, nothing was sent.
        elif isinstance(exc, StaleApproval):
            exc = Conflict(detail=" ".join(exc.messages))
        return super().handle_exception(exc)

    def respond(self, alert: Alert, code: int = status.HTTP_200_OK) -> Response:
        alert = selectors.staff_alert_get(pk=alert.pk)
        return Response(
            StaffAlertSerializer(alert, context={"request": self.request}).data, status=code
        )


@extend_schema(tags=["alerts"], request=DraftCreateSerializer, responses=StaffAlertSerializer)
class AlertDraftCreateApi(_StaffApi):
    permission_required = "alerts.draft_alert"

    def post(self, request):
        serializer = DraftCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        alert = services.alert_draft_create(
            actor=request.user,
            content=serializer.content(),
            status=serializer.validated_data["status"],
        )
        return self.respond(alert, status.HTTP_201_CREATED)


@extend_schema(tags=["alerts"], request=MessageContentSerializer, responses=StaffAlertSerializer)
class MessageDraftUpdateApi(_StaffApi):
    permission_required = "alerts.draft_alert"

    def put(self, request, pk: int):
        message = get_object_or_404(AlertMessage, pk=pk)
        serializer = MessageContentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.alert_draft_update(
            actor=request.user, message=message, content=serializer.content()
        )
        return self.respond(message.alert)


@extend_schema(tags=["alerts"], request=None, responses=StaffAlertSerializer)
class MessageSubmitApi(_StaffApi):
    permission_required = "alerts.draft_alert"

    def post(self, request, pk: int):
        message = get_object_or_404(AlertMessage, pk=pk)
        services.alert_submit_for_approval(actor=request.user, message=message)
        return self.respond(message.alert)


class MessageApproveApi(_StaffApi):
    """Review (GET) and approve (POST) a message waiting for approval: never its own
    author's (two-person rule), and only the ``version`` reviewed. A message changed since
    answers 409 and nothing is sent."""

    permission_required = "alerts.view_alert"

    def _message(self, pk: int) -> AlertMessage:
        return get_object_or_404(
            AlertMessage.objects.select_related("alert", "author", "approver").prefetch_related(
                "areas"
            ),
            pk=pk,
        )

    @extend_schema(tags=["alerts"], responses=StaffMessageSerializer)
    def get(self, request, pk: int):
        message = self._message(pk)
        return Response(StaffMessageSerializer(message, context={"request": request}).data)

    @extend_schema(tags=["alerts"], request=ApproveSerializer, responses=StaffAlertSerializer)
    def post(self, request, pk: int):
        message = self._message(pk)
        serializer = ApproveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.alert_approve(
            actor=request.user, message=message, version=serializer.validated_data["version"]
        )
        return self.respond(message.alert)


@extend_schema(tags=["alerts"], request=UpdateSerializer, responses=StaffAlertSerializer)
class AlertUpdateApi(_StaffApi):
    permission_required = "alerts.update_alert"

    def post(self, request, pk: int):
        alert = get_object_or_404(Alert, pk=pk)
        serializer = UpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.alert_update(
            actor=request.user,
            alert=alert,
            content=serializer.content(),
            note=serializer.validated_data["note"],
        )
        return self.respond(alert, status.HTTP_201_CREATED)


@extend_schema(tags=["alerts"], request=CancelSerializer, responses=StaffAlertSerializer)
class AlertCancelApi(_StaffApi):
    permission_required = "alerts.cancel_alert"

    def post(self, request, pk: int):
        alert = get_object_or_404(Alert, pk=pk)
        serializer = CancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.alert_cancel(
            actor=request.user, alert=alert, note=serializer.validated_data["note"]
        )
        return self.respond(alert)
