"""Volunteer call-out pages: the resident's register entry and call-outs (answer there),
and the staff screens under /staff/alerts/callouts/ (post, roster with live refresh,
check-in and out, stand down, CSV). Thin views over services and selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView
from rules.contrib.views import PermissionRequiredMixin

from alerts import selectors_volunteers as selectors
from alerts.forms_volunteers import AnswerForm, CallOutForm, CheckForm, RegistrationForm
from alerts.models import CallOutResponse
from alerts.services import volunteers as services
from alerts.views.base import AlertMixin, StaffMixin, _add_service_errors, _partial

# --- Residents ---------------------------------------------------------------------------


class VolunteerRegisterView(LoginRequiredMixin, FormView):
    """Join, change or leave the volunteer register."""

    template_name = "alerts/volunteers/register.html"
    form_class = RegistrationForm

    @cached_property
    def registration(self):
        return selectors.registration_get(user=self.request.user)

    def get_initial(self):
        entry = self.registration
        if entry is None:
            home = self.request.user.home_area
            return {"areas": [home] if home else []}
        return {
            "skills": list(entry.skills.all()),
            "areas": list(entry.areas.all()),
            "availability": entry.availability,
            "consent": entry.consent,
            "receive_exercises": entry.receive_exercises,
        }

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "registration": self.registration}

    def post(self, request, *args, **kwargs):
        if "leave" in request.POST:
            services.registration_delete(user=request.user)
            messages.success(request, _("You have left the volunteer register."))
            return redirect("alerts:volunteer-register")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.registration_save(
                user=self.request.user,
                skills=data["skills"],
                areas=data["areas"],
                availability=data["availability"],
                consent=data["consent"],
                receive_exercises=data["receive_exercises"],
            )
        except ValidationError as error:
            _add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Thank you: you are on the volunteer register."))
        return redirect("alerts:volunteer-callouts")


class VolunteerCallOutListView(LoginRequiredMixin, TemplateView):
    """The call-outs that reach the resident, with their answer and the buttons."""

    template_name = "alerts/volunteers/callout_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return {
            **super().get_context_data(**kwargs),
            "registration": selectors.registration_get(user=user),
            "callouts": selectors.callout_list_for_volunteer(user=user),
        }


class VolunteerCallOutView(LoginRequiredMixin, TemplateView):
    """One call-out: what, where, when, places left, and the resident's answer."""

    template_name = "alerts/volunteers/callout_detail.html"

    def get_context_data(self, **kwargs):
        callout = selectors.callout_get_for_volunteer(user=self.request.user, pk=self.kwargs["pk"])
        return {
            **super().get_context_data(**kwargs),
            "callout": callout,
            "response": CallOutResponse.objects.filter(
                callout=callout, user=self.request.user
            ).first(),
        }


class VolunteerAnswerView(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = "alerts.respond_callout"
    raise_exception = True

    def post(self, request, pk):
        callout = selectors.callout_get_for_volunteer(user=request.user, pk=pk)
        form = AnswerForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Answer accept or decline."))
            return redirect(callout.get_absolute_url())
        try:
            response = services.callout_respond(
                actor=request.user, callout=callout, answer=form.cleaned_data["answer"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(callout.get_absolute_url())
        if response.answer == CallOutResponse.Answer.ACCEPTED:
            messages.success(request, _("Thank you: you have a place. See you there."))
        else:
            messages.success(request, _("Thank you for letting us know."))
        return redirect(callout.get_absolute_url())


# --- Staff -------------------------------------------------------------------------------


class StaffCallOutListView(StaffMixin, TemplateView):
    template_name = "alerts/volunteers/staff_list.html"
    permission_required = "alerts.view_callout"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "callouts": selectors.staff_callout_list()[:100],
        }


class StaffCallOutCreateView(StaffMixin, AlertMixin, FormView):
    template_name = "alerts/volunteers/staff_form.html"
    form_class = CallOutForm
    permission_required = "alerts.post_callout"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "alert": self.alert}

    def form_valid(self, form):
        try:
            callout = services.callout_create(
                actor=self.request.user, alert=self.alert, content=form.content()
            )
        except ValidationError as error:
            _add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Call-out posted: matching volunteers are asked now."))
        return redirect(callout.get_staff_url())


class StaffCallOutView(StaffMixin, TemplateView):
    """The roster; htmx refreshes its panel every few seconds while the call-out is open,
    and the page's refresh link does the same without JavaScript."""

    template_name = "alerts/volunteers/staff_callout.html"
    permission_required = "alerts.view_callout"

    def get_template_names(self):
        if _partial(self.request):
            return ["alerts/volunteers/_roster.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        callout = selectors.callout_get(pk=self.kwargs["pk"])
        return {
            **super().get_context_data(**kwargs),
            "callout": callout,
            "alert": callout.alert,
            "responses": selectors.roster(callout=callout),
            "refreshed_at": timezone.now(),
        }


class StaffCheckView(StaffMixin, View):
    permission_required = "alerts.checkin_callout"

    def post(self, request, pk):
        response = get_object_or_404(CallOutResponse.objects.select_related("callout"), pk=pk)
        form = CheckForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose check in or check out."))
        else:
            try:
                services.response_check(
                    actor=request.user, response=response, step=form.cleaned_data["step"]
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
        return redirect(response.callout.get_staff_url())


class StaffStandDownView(StaffMixin, View):
    permission_required = "alerts.standdown_callout"

    def post(self, request, pk):
        callout = selectors.callout_get(pk=pk)
        try:
            services.callout_stand_down(actor=request.user, callout=callout)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Stood down: everyone who accepted is told now."))
        return redirect(callout.get_staff_url())


class StaffRosterCsvView(StaffMixin, View):
    permission_required = "alerts.view_callout"

    def get(self, request, pk):
        callout = selectors.callout_get(pk=pk)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="callout-{callout.pk}-roster.csv"'
        services.roster_csv_write(response, responses=selectors.roster(callout=callout))
        return response
