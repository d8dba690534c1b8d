"""A resident's own data: download it all as JSON (prepared by a background job), or
delete the account."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from civicportal.core import services
from civicportal.core.forms import AccountDeleteForm
from civicportal.core.views.base import add_service_errors
from civicportal.kernel.personal_data_jobs import (
    PERSONAL_DATA_EXPORT,
    personal_data_export_list,
    personal_data_export_pending,
)
from civicportal.kernel.services import job_start


@method_decorator(never_cache, name="dispatch")
class PersonalDataExportView(LoginRequiredMixin, View):
    """``/profile/data/``: a resident asks for everything the portal holds about them.

    GET shows the button (and their latest downloads); POST starts a private background
    job (``civicportal.kernel.personal_data_jobs``) and goes to its page, where the file is
    offered once written. Asking again while one is being prepared goes to that one.
    """

    template_name = "core/personal_data_export.html"

    def get(self, request):
        return render(
            request,
            self.template_name,
            {"exports": personal_data_export_list(user=request.user)},
        )

    def post(self, request):
        job = personal_data_export_pending(user=request.user)
        if job is None:
            job = job_start(PERSONAL_DATA_EXPORT, user=request.user)
        return redirect(job)


@method_decorator(never_cache, name="dispatch")
class AccountDeleteView(LoginRequiredMixin, View):
    """``/profile/delete/``: what deletion means, and a form confirming it."""

    template_name = "core/account_delete.html"

    def _form(self, data=None):
        return AccountDeleteForm(data, has_password=self.request.user.has_usable_password())

    def get(self, request):
        return render(request, self.template_name, {"form": self._form()})

    def post(self, request):
        form = self._form(request.POST)
        if form.is_valid():
            try:
                services.account_delete(
                    user=request.user, confirmation=form.cleaned_data["confirmation"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                logout(request)
                messages.success(
                    request,
                    _("Your account has been deleted. What you posted stays, without your name."),
                )
                return redirect("home")
        return render(request, self.template_name, {"form": form}, status=400)
