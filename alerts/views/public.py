"""Public alerts pages: the list, the alert page, CAP documents, and the resident's
subscription."""

from __future__ import annotations

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


@method_decorator(cache_anonymous_page, name="dispatch")
class AlertDetailView(TemplateView):
    """One alert: what to do first, then what is happening, where, and its timeline."""

    template_name = "alerts/alert_detail.html"

    def get_context_data(self, **kwargs):
        alert = selectors.alert_get(viewer=self.request.user, pk=self.kwargs["pk"])
        if alert.is_in_force:
            page_cache_until(self.request, alert.expires_at)  # "In force" turns to "Ended"
        user = self.request.user
        return {
            **super().get_context_data(**kwargs),
            "alert": alert,
            "message": alert.current_message,
            "timeline": list(reversed(getattr(alert, "timeline", []))),
            "can_report": user.has_perm("alerts.report_groundreport", alert),
            "report_form": ReportForm(),
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
        return {**super().get_context_data(**kwargs), "subscription": self.subscription}

    def post(self, request, *args, **kwargs):
        if "delete" in request.POST:
            services.subscription_delete(user=request.user)
            messages.success(request, _("You will no longer receive alerts."))
            return redirect("alerts:subscription")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.subscription_save(
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
        return redirect("alerts:subscription")
