"""Residents' reports: a form in place (htmx) or on its own page, and posting it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from civicportal.core import services, targets
from civicportal.core.forms import FlagForm
from civicportal.core.views.base import add_service_errors, next_url, target_or_404


class FlagCreateView(LoginRequiredMixin, View):
    """Report an item or a comment: ``/participate/<type>/<id>/report/``."""

    def _render(self, request, item, form, *, status: int = 200):
        context = {
            "form": form,
            "object": item,
            "target_key": targets.model_key(item),
            "action": request.path,
        }
        template = "core/_flag_form.html" if request.htmx else "core/flag_form.html"
        return render(request, template, context, status=status)

    def get(self, request, target: str, object_id: int):
        item = target_or_404(request, target, object_id, "flags")
        return self._render(request, item, FlagForm(initial={"next": request.GET.get("next", "")}))

    def post(self, request, target: str, object_id: int):
        item = target_or_404(request, target, object_id, "flags")
        form = FlagForm(request.POST)
        if form.is_valid():
            try:
                services.flag_create(
                    reporter=request.user,
                    target=item,
                    reason=form.cleaned_data["reason"],
                    details=form.cleaned_data["details"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if request.htmx:
                    return render(request, "core/_flag_done.html", {"object": item})
                messages.success(
                    request, _("Thank you. The moderators will review what you reported.")
                )
                return redirect(next_url(request, form.cleaned_data.get("next"), item))
        return self._render(request, item, form)
