"""The follow button: a plain form POST, or an htmx swap of the button itself."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from civicportal.core import services
from civicportal.core.views.base import next_url, target_or_404


class FollowView(LoginRequiredMixin, View):
    """``POST /participate/<type>/<id>/follow/`` with ``following=1`` (follow) or ``0``."""

    http_method_names = ["post"]

    def post(self, request, target: str, object_id: int):
        item = target_or_404(request, target, object_id, "follows")
        wanted = request.POST.get("following") == "1"
        try:
            following = services.follow_set(user=request.user, target=item, following=wanted)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            following = None
        if request.htmx:
            return render(request, "core/_follow_button.html", {"object": item})
        if following is True:
            messages.success(request, _("You follow this now: you will hear about its updates."))
        elif following is False:
            messages.success(request, _("You no longer follow this."))
        return redirect(next_url(request, request.POST.get("next"), item))
