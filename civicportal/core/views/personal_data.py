"""A resident's own data: download it all as JSON, or delete the account."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from civicportal.core import selectors, services
from civicportal.core.forms import AccountDeleteForm
from civicportal.core.views.base import add_service_errors


@method_decorator(never_cache, name="dispatch")
class PersonalDataExportView(LoginRequiredMixin, View):
    """``GET /profile/data.json``: everything the portal holds about the resident."""

    def get(self, request):
        data = selectors.personal_data_export(user=request.user)
        body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        filename = f"my-data-{timezone.localdate().isoformat()}.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


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
