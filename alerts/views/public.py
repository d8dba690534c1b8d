"""Public alerts pages: the list, the alert page, CAP documents, and the resident's
subscription."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView, TemplateView

from alerts import selectors, services
from alerts.cap import CAP_CONTENT_TYPE, cap_document
from alerts.forms import ReportForm, SubscriptionForm
from alerts.views.base import _add_service_errors
from civicportal.accounts.models import Area
from civicportal.core.pagecache import cache_anonymous_page, page_cache_until


# Anonymous visitors get a stored copy of the public pages (the crowd of an emergency); any
# alert's change of state drops the copies (selectors.banner_cache_clear).
@method_decorator(cache_anonymous_page, name="dispatch")
class AlertListView(ListView):
    """Alerts in force and past alerts, filtered by area (constant query count)."""

    template_name = "alerts/alert_list.html"
    context_object_name = "alerts"
    paginate_by = 20

    def get_queryset(self):
        show = self.request.GET.get("show", "active")
        self.show = show if show in ("active", "past", "all") else "active"
        self.area = None
        slug = self.request.GET.get("area", "")
        if slug:
            self.area = Area.objects.filter(slug=slug).first()
        active = {"active": True, "past": False, "all": None}[self.show]
        return selectors.alert_list(viewer=self.request.user, active=active, area=self.area)

    def get_context_data(self, **kwargs):
        # An alert moves from the alerts in force to the past ones at its expiry.
        page_cache_until(self.request, selectors.alert_next_expiry())
        return {
            **super().get_context_data(**kwargs),
            "show": self.show,
            "area": self.area,
            "areas": Area.objects.order_by("name"),
        }


def live_version(alert, timeline: list, reports: list) -> str:
    """Changes whenever the live part of the alert page would: a new message, a new state,
    the alert ending at its expiry, a report confirmed or withdrawn."""
    parts = [
        alert.state,
        str(alert.current_message_id),
        str(alert.is_in_force),
        ",".join(str(m.pk) for m in timeline),
        ",".join(str(r.pk) for r in reports),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def alert_page_context(request: HttpRequest, alert, *, report_form=None) -> dict:
    """What the alert page and its live part show (``AlertDetailView``, ``AlertLiveView``
    and the report form's answer when it was refused)."""
    if alert.is_in_force:
        page_cache_until(request, alert.expires_at)  # "In force" turns to "Ended"
    message = alert.current_message
    timeline = list(reversed(getattr(alert, "timeline", [])))
    reports = selectors.report_list_public(alert=alert)
    return {
        "alert": alert,
        "message": message,
        "timeline": timeline,
        "confirmed_reports": reports,
        "map_features": selectors.alert_map_features(message=message, reports=reports),
        "live_version": live_version(alert, timeline, reports),
        "live_seconds": max(settings.ALERTS_LIVE_POLL_SECONDS, 1),
        "can_report": request.user.has_perm("alerts.report_groundreport", alert),
        "report_form": report_form or ReportForm(),
    }


@method_decorator(cache_anonymous_page, name="dispatch")
class AlertDetailView(TemplateView):
    """One alert: what to do first, then what is happening, where, and its timeline; the
    live part keeps itself up to date (``AlertLiveView``) while the page is open."""

    template_name = "alerts/alert_detail.html"

    def get_context_data(self, **kwargs):
        alert = selectors.alert_get(viewer=self.request.user, pk=self.kwargs["pk"])
        return {
            **super().get_context_data(**kwargs),
            **alert_page_context(self.request, alert),
        }


# The open alert pages of a crowd ask for this every ALERTS_LIVE_POLL_SECONDS; anonymous
# visitors get the stored copy, dropped like the page's on every change.
@method_decorator(cache_anonymous_page, name="dispatch")
class AlertLiveView(TemplateView):
    """The live part of the alert page alone (alerts/static/alerts/live.js swaps it in when
    its ``X-Live-Version`` changed): state, what to do, the timeline, confirmed reports."""

    template_name = "alerts/_alert_live.html"

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["X-Live-Version"] = response.context_data["live_version"]
        return response

    def get_context_data(self, **kwargs):
        alert = selectors.alert_get(viewer=self.request.user, pk=self.kwargs["pk"])
        return {
            **super().get_context_data(**kwargs),
            **alert_page_context(self.request, alert),
        }


def cap_message(request: HttpRequest, identifier: str) -> HttpResponse:
    """One message as a CAP 1.2 document (``application/cap+xml``)."""
    message = selectors.message_get_public(viewer=request.user, identifier=identifier)
    response = HttpResponse(
        cap_document(message), content_type=f"{CAP_CONTENT_TYPE}; charset=utf-8"
    )
    response["Cache-Control"] = "public, max-age=60"
    return response


class SubscriptionView(LoginRequiredMixin, FormView):
    """Where, how severe and by which channels the resident wants alerts."""

    template_name = "alerts/subscription.html"
    form_class = SubscriptionForm

    @cached_property
    def subscription(self):
        return selectors.subscription_get(user=self.request.user)

    def get_initial(self):
        sub = self.subscription
        if sub is None:
            home = self.request.user.home_area
            return {"areas": [home] if home else [], "by_email": True}
        return {
            "areas": list(sub.areas.all()),
            "min_severity": sub.min_severity,
            "by_email": sub.by_email,
            "by_push": sub.by_push,
            "by_sms": sub.by_sms,
            "receive_tests": sub.receive_tests,
        }

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "subscription": self.subscription,
            "sms_waiting": selectors.sms_waiting_for_phone(
                user=self.request.user, subscription=self.subscription
            ),
        }

    def post(self, request, *args, **kwargs):
        if "delete" in request.POST:
            services.subscription_delete(user=request.user)
            messages.success(request, _("You will no longer receive alerts."))
            return redirect("alerts:subscription")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            subscription = services.subscription_save(
                user=self.request.user,
                areas=list(data["areas"]),
                min_severity=data["min_severity"],
                by_email=data["by_email"],
                by_push=data["by_push"],
                by_sms=data["by_sms"],
                receive_tests=data["receive_tests"],
            )
        except ValidationError as error:
            _add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Your alert subscription is saved."))
        if selectors.sms_waiting_for_phone(user=self.request.user, subscription=subscription):
            messages.warning(
                self.request,
                _(
                    "Alerts by SMS start once your phone number is verified: add it and "
                    "enter the code we text you (link below)."
                ),
            )
        return redirect("alerts:subscription")
