"""Helpers shared by the alerts pages: service errors onto forms, the form map, htmx
partials; and the mixins of the staff screens."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from rules.contrib.views import PermissionRequiredMixin

from alerts import selectors
from alerts.models import Alert, AlertMessage
from civicportal.accounts.models import Area


def _add_service_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _map_context() -> dict:
    """The form map's data: the areas' boundaries as GeoJSON features, and the tiles."""
    features = [
        {"type": "Feature", "properties": {"name": area.name}, "geometry": area.boundary}
        for area in Area.objects.exclude(boundary=None).only("name", "boundary")
        if area.boundary.get("type") in ("Polygon", "MultiPolygon")
    ]
    return {
        "leaflet": True,
        "areas_geojson": {"type": "FeatureCollection", "features": features},
        # The portal's one map tile server (empty: boundaries and shapes without tiles).
        "map_tile_url": getattr(settings, "PROPOSALS_MAP_TILE_URL", ""),
    }


def _partial(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False)) and not request.htmx.boosted


class StaffMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "alerts.view_alert"
    raise_exception = True

    def handle_no_permission(self):
        if not self.request.user.is_authenticated:
            return super(PermissionRequiredMixin, self).handle_no_permission()
        raise PermissionDenied(_("Only alert authors and approvers can open this page."))


class AlertMixin:
    @cached_property
    def alert(self) -> Alert:
        return selectors.staff_alert_get(pk=self.kwargs["pk"])


class MessageMixin:
    @cached_property
    def message(self) -> AlertMessage:
        return get_object_or_404(
            AlertMessage.objects.select_related("alert", "author", "approver").prefetch_related(
                "areas"
            ),
            pk=self.kwargs["pk"],
        )
