"""Reports from the ground: a resident sends one from the alert page; staff triage them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView

from alerts import selectors, services
from alerts.forms import ReportForm, TriageForm
from alerts.models import GroundReport
from alerts.views.base import StaffMixin, _add_service_errors, _partial
from alerts.views.public import alert_page_context
from civicportal.kernel.client import client_address


class ReportCreateView(View):
    """A report from the ground (a plain form POST from the alert page), from a resident or
    from anyone without an account while the alert is in force. Held for triage: the
    alert page shows it only once staff confirm it, and the thanks says so."""

    def post(self, request, pk: int):
        alert = selectors.alert_get(viewer=request.user, pk=pk)
        form = ReportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            latitude, longitude = data["location"] or (None, None)
            try:
                services.report_create(
                    actor=request.user,
                    alert=alert,
                    text=data["text"],
                    latitude=latitude,
                    longitude=longitude,
                    location_text=data.get("location_text", ""),
                    photo=data.get("photo"),
                    client_key=client_address(request),
                )
            except PermissionDenied as error:
                messages.error(request, str(error))
                return redirect(alert.get_absolute_url())
            except ValidationError as error:
                _add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "Thank you: your report reached council staff. They check every "
                        "report before it is shown on this page. In danger, call the "
                        "emergency number."
                    ),
                )
                return redirect(alert.get_absolute_url())
        return render(
            request,
            "alerts/alert_detail.html",
            alert_page_context(request, alert, report_form=form),
            status=400,
        )


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
