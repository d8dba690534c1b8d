"""Alerts pages: public list, alert page, CAP documents, subscription and reports; and the
staff screens under /staff/alerts/ (thin views over services and selectors)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, ListView, TemplateView
from rules.contrib.views import PermissionRequiredMixin

from alerts import selectors, services
from alerts.cap import CAP_CONTENT_TYPE, cap_document
from alerts.forms import (
    AlertMessageForm,
    CancelForm,
    ReportForm,
    ReturnForm,
    SubscriptionForm,
    TriageForm,
    UpdateForm,
)
from alerts.models import Alert, AlertMessage, GroundReport
from alerts.services.fanout import message_context
from civicportal.accounts.models import Area
from civicportal.core.pagecache import cache_anonymous_page, page_cache_until
from civicportal.notifications.models import Event
from civicportal.notifications.rendering import message_texts


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


# --- Public --------------------------------------------------------------------------------


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


class ReportCreateView(LoginRequiredMixin, View):
    """A resident's report from the ground (a plain form POST from the alert page)."""

    def post(self, request, pk: int):
        alert = selectors.alert_get(viewer=request.user, pk=pk)
        form = ReportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.report_create(
                    actor=request.user,
                    alert=alert,
                    text=data["text"],
                    latitude=data.get("latitude"),
                    longitude=data.get("longitude"),
                    location_text=data.get("location_text", ""),
                    photo=data.get("photo"),
                )
            except PermissionDenied as error:
                messages.error(request, str(error))
                return redirect(alert.get_absolute_url())
            except ValidationError as error:
                _add_service_errors(form, error)
            else:
                messages.success(request, _("Thank you. Council staff will read your report."))
                return redirect(alert.get_absolute_url())
        return render(
            request,
            "alerts/alert_detail.html",
            {
                "alert": alert,
                "message": alert.current_message,
                "timeline": list(reversed(getattr(alert, "timeline", []))),
                "can_report": request.user.has_perm("alerts.report_groundreport", alert),
                "report_form": form,
            },
            status=400,
        )


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


# --- Staff ---------------------------------------------------------------------------------


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


class StaffAlertListView(StaffMixin, TemplateView):
    template_name = "alerts/staff/alert_list.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "alerts": selectors.staff_alert_list()[:100],
            "pending": selectors.pending_message_list(),
            "new_reports": selectors.report_list(triage=GroundReport.Triage.NEW).count(),
        }


class StaffDraftCreateView(StaffMixin, FormView):
    template_name = "alerts/staff/message_form.html"
    form_class = AlertMessageForm
    permission_required = "alerts.draft_alert"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            **_map_context(),
            "title": _("Draft a new alert"),
        }

    def form_valid(self, form):
        try:
            alert = services.alert_draft_create(
                actor=self.request.user,
                content=form.content(),
                status=form.cleaned_data["status"],
            )
        except ValidationError as error:
            _add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Draft saved. Check it, then send it for approval by a second person."),
        )
        return redirect(alert.get_staff_url())


class StaffDraftUpdateView(StaffMixin, MessageMixin, FormView):
    template_name = "alerts/staff/message_form.html"
    form_class = AlertMessageForm
    permission_required = "alerts.draft_alert"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "with_status": False}

    def get_initial(self):
        return AlertMessageForm.initial_from(self.message)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            **_map_context(),
            "title": _("Change the draft"),
            "alert": self.message.alert,
        }

    def form_valid(self, form):
        try:
            services.alert_draft_update(
                actor=self.request.user, message=self.message, content=form.content()
            )
        except PermissionDenied as error:
            messages.error(self.request, str(error))
            return redirect(self.message.alert.get_staff_url())
        except ValidationError as error:
            _add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Draft saved."))
        return redirect(self.message.alert.get_staff_url())


class StaffAlertView(StaffMixin, AlertMixin, TemplateView):
    template_name = "alerts/staff/alert_detail.html"

    def get_context_data(self, **kwargs):
        alert = self.alert
        user = self.request.user
        return {
            **super().get_context_data(**kwargs),
            "alert": alert,
            "messages_list": alert.messages.all(),
            "can_update": user.has_perm("alerts.update_alert", alert) and alert.is_in_force,
            "can_cancel": user.has_perm("alerts.cancel_alert", alert)
            and alert.state in (Alert.State.PUBLISHED, Alert.State.UPDATED),
            "reports": selectors.report_list(alert=alert)[:20],
        }


class _MessageAction(StaffMixin, MessageMixin, View):
    def run(self) -> str:
        raise NotImplementedError

    def post(self, request, pk: int):
        try:
            text = self.run()
        except (PermissionDenied, ValidationError) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, text)
        return redirect(self.message.alert.get_staff_url())


class StaffSubmitView(_MessageAction):
    permission_required = "alerts.draft_alert"

    def run(self) -> str:
        services.alert_submit_for_approval(actor=self.request.user, message=self.message)
        return _("Sent for approval. A second person with the approver role must approve it.")


class StaffReturnView(StaffMixin, MessageMixin, FormView):
    template_name = "alerts/staff/return_form.html"
    form_class = ReturnForm

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "message": self.message,
            "alert": self.message.alert,
        }

    def form_valid(self, form):
        try:
            services.alert_return_to_author(
                actor=self.request.user, message=self.message, reason=form.cleaned_data["reason"]
            )
        except PermissionDenied as error:
            messages.error(self.request, str(error))
        except ValidationError as error:
            _add_service_errors(form, error)
            return self.form_invalid(form)
        else:
            messages.success(self.request, _("Sent back to its author."))
        return redirect(self.message.alert.get_staff_url())


class StaffApproveView(StaffMixin, MessageMixin, TemplateView):
    """The approval screen: exactly what goes out, and to how many people on each channel."""

    template_name = "alerts/staff/approve.html"

    def get_context_data(self, **kwargs):
        message = self.message
        previews = []
        languages = [message.language]
        if message.second_language and message.second_headline:
            languages.append(message.second_language)
        for language in languages:
            event = Event(
                kind="alerts.alert",
                urgent=True,
                context=message_context(message, language=language),
            )
            previews.append(
                {"language": language, "texts": message_texts(event=event, language=language)}
            )
        user = self.request.user
        return {
            **super().get_context_data(**kwargs),
            "message": message,
            "alert": message.alert,
            "previews": previews,
            "counts": selectors.audience_counts(message),
            "cap_xml": cap_document(message).decode(),
            "is_author": message.author_id == user.pk,
            "can_approve": user.has_perm("alerts.approve_alert", message)
            and message.state == AlertMessage.State.PENDING,
        }

    def post(self, request, pk: int):
        message = self.message
        try:
            services.alert_approve(actor=request.user, message=message)
        except (PermissionDenied, ValidationError) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
            return redirect("alerts:staff-approve", pk=message.pk)
        messages.success(request, _("Approved. The message is going out now."))
        return redirect(message.alert.get_staff_url())


class StaffDeliveryView(StaffMixin, MessageMixin, TemplateView):
    """The live delivery panel of one message; htmx polls the partial until done."""

    permission_required = "alerts.view_delivery"

    def get_template_names(self):
        if _partial(self.request):
            return ["alerts/staff/_delivery.html"]
        return ["alerts/staff/delivery.html"]

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "message": self.message,
            "alert": self.message.alert,
            "figures": selectors.delivery_figures(self.message),
        }


class StaffUpdateView(StaffMixin, AlertMixin, FormView):
    template_name = "alerts/staff/message_form.html"
    form_class = UpdateForm
    permission_required = "alerts.update_alert"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "alert": self.alert}

    def get_initial(self):
        initial = UpdateForm.initial_from(self.alert.current_message)
        report_id = self.request.GET.get("quote", "")
        if report_id.isdigit():
            initial["quoted_report"] = self.alert.reports.filter(pk=int(report_id)).first()
        return initial

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            **_map_context(),
            "title": _("Update the alert"),
            "alert": self.alert,
        }

    def form_valid(self, form):
        try:
            services.alert_update(
                actor=self.request.user,
                alert=self.alert,
                content=form.content(),
                note=form.cleaned_data.get("note", ""),
                quoted_report=form.cleaned_data.get("quoted_report"),
            )
        except PermissionDenied as error:
            messages.error(self.request, str(error))
            return redirect(self.alert.get_staff_url())
        except ValidationError as error:
            _add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Update sent for approval. It goes out when a second person approves it."),
        )
        return redirect(self.alert.get_staff_url())


class StaffCancelView(StaffMixin, AlertMixin, FormView):
    template_name = "alerts/staff/cancel_form.html"
    form_class = CancelForm
    permission_required = "alerts.cancel_alert"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "alert": self.alert}

    def form_valid(self, form):
        try:
            services.alert_cancel(
                actor=self.request.user, alert=self.alert, note=form.cleaned_data["note"]
            )
        except PermissionDenied as error:
            messages.error(self.request, str(error))
            return redirect(self.alert.get_staff_url())
        except ValidationError as error:
            _add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The alert is cancelled; the all-clear is going out."))
        return redirect(self.alert.get_staff_url())


class StaffReportQueueView(StaffMixin, ListView):
    template_name = "alerts/staff/report_queue.html"
    context_object_name = "reports"
    paginate_by = 50
    permission_required = "alerts.triage_groundreport"

    def get_queryset(self):
        triage = self.request.GET.get("triage", GroundReport.Triage.NEW)
        self.triage = triage if triage in GroundReport.Triage.values else ""
        return selectors.report_list(triage=self.triage or None)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "triage": self.triage,
            "triage_choices": GroundReport.Triage.choices,
        }


class StaffReportTriageView(StaffMixin, View):
    permission_required = "alerts.triage_groundreport"

    def post(self, request, pk: int):
        report = get_object_or_404(GroundReport, pk=pk)
        form = TriageForm(request.POST)
        if form.is_valid():
            report = services.report_triage(
                actor=request.user, report=report, triage=form.cleaned_data["triage"]
            )
            messages.success(
                request,
                _("Report marked “%(triage)s”.") % {"triage": report.get_triage_display()},
            )
        else:
            messages.error(request, _("Choose new, confirmed or dismissed."))
        if _partial(request):
            return render(request, "alerts/staff/_report.html", {"report": report})
        return redirect("alerts:staff-reports")
