"""The resident's own pages: profile and residency verification."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView

from civicportal.accounts import selectors, services
from civicportal.accounts.forms import ProfileForm, ResidencyRequestForm
from civicportal.accounts.models import ResidencyRequest


def _add_service_errors(form, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form, per field where it names one."""
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error)


class ProfileView(LoginRequiredMixin, FormView):
    template_name = "accounts/profile.html"
    form_class = ProfileForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        changes = dict(form.cleaned_data)
        if form.fields["home_area"].disabled:
            changes.pop("home_area")
        try:
            services.profile_update(user=self.request.user, **changes)
        except ValidationError as error:
            _add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Your profile has been saved."))
        return redirect("accounts:profile")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        requests = selectors.residency_request_list(viewer=self.request.user)
        context["pending_request"] = requests.filter(status=ResidencyRequest.Status.PENDING).first()
        return context


class VerificationView(LoginRequiredMixin, FormView):
    template_name = "accounts/verification.html"
    form_class = ResidencyRequestForm

    def get_initial(self):
        return {"area": self.request.user.home_area_id}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        requests = list(selectors.residency_request_list(viewer=self.request.user)[:10])
        context["residency_requests"] = requests
        context["pending_request"] = next((r for r in requests if r.is_pending), None)
        return context

    def form_valid(self, form):
        try:
            residency_request = services.residency_request_create(
                user=self.request.user,
                area=form.cleaned_data["area"],
                note=form.cleaned_data["note"],
                identifier=form.cleaned_data["identifier"],
            )
        except ValidationError as error:
            _add_service_errors(form, error)
            return self.form_invalid(form)
        if residency_request.matched_census:
            messages.success(
                self.request,
                _("You are verified as a resident of %(area)s.") % {"area": residency_request.area},
            )
        else:
            messages.success(
                self.request,
                _("Thank you. Council staff will review your request; the outcome will show here."),
            )
        return redirect("accounts:verification")
