"""Per-request account policies: the resident's language and mandatory MFA for staff."""

from __future__ import annotations

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

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
    """A staff account without two-factor authentication cannot reach any staff page.

    It is sent to set up an authenticator app first. The admin's own login form is replaced
    by allauth's (see urls.py), so a staff account with MFA always passes the second factor.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.is_staff
            and request.path.startswith(STAFF_PATH_PREFIXES)
            and not is_mfa_enabled(user)
        ):
            messages.warning(
                request,
                _(
                    "Staff accounts must use two-factor authentication. Set up an "
                    "authenticator app to continue."
                ),
            )
            return redirect(f"{reverse('mfa_activate_totp')}?next={request.path}")
        return self.get_response(request)
