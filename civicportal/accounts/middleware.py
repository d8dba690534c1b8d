"""Per-request account policies: the resident's language, and the second factor staff powers
need."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from civicportal.kernel.second_factor import (
    is_staff_account,
    mark_second_factor,
    record_enrolment,
    session_second_factor_verified,
)

# Paths that only staff use. Every staff page of every module lives under one of these.
STAFF_PATH_PREFIXES = ("/admin/", "/staff/")


class UserLanguageMiddleware:
    """Serve a signed-in resident in their preferred language.

    An explicit choice in the language switcher (the language cookie) wins for the session,
    and the switcher also saves it as the resident's preference.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and user.preferred_language
        ):
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class StaffMfaRequiredMiddleware:
    """Staff powers need a second factor: judge the session, and guard the staff pages.

    Every request's signed-in user is marked with whether the session passed a second
    factor (``civicportal.kernel.second_factor``): the staff roles' rules refuse staff powers
    without it, on any page. A staff account without two-factor authentication cannot reach
    any staff page: it is sent to set up an authenticator app first (setting it up counts as
    passing it, for this session); one whose sign-in did not pass it (it was added elsewhere
    after this session signed in with the password) is asked for a code. The admin's own
    login form is replaced by allauth's (see urls.py), so a staff account with MFA always
    passes the second factor when it signs in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        verified = is_staff_account(user) and session_second_factor_verified(request, user)
        mark_second_factor(user, verified=verified)
        if user.is_staff and request.path.startswith(STAFF_PATH_PREFIXES) and not verified:
            return self._second_factor_needed(request, user)
        if request.method == "POST" and request.path == reverse("mfa_activate_totp"):
            return self._record_enrolment(request, user)
        return self.get_response(request)

    def _record_enrolment(self, request, user):
        """An authenticator set up in this session counts as this session's second factor."""
        before = set(Authenticator.objects.filter(user_id=user.pk).values_list("pk", flat=True))
        response = self.get_response(request)
        added = (
            Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP)
            .exclude(pk__in=before)
            .values_list("pk", flat=True)
        )
        record_enrolment(request, user, added)
        return response

    def _second_factor_needed(self, request, user):
        if not is_mfa_enabled(user):
            messages.warning(
                request,
                _(
                    "Staff accounts must use two-factor authentication. Set up an "
                    "authenticator app to continue."
                ),
            )
            return redirect(f"{reverse('mfa_activate_totp')}?next={request.path}")
        messages.warning(
            request,
            _("Enter a code from your authenticator app to reach the staff pages."),
        )
        return redirect(f"{reverse('mfa_reauthenticate')}?next={request.path}")
