"""allauth adapters: where the portal's account policies meet allauth."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.http import HttpResponseRedirect
from django.utils import translation

from civicportal.accounts.sites import site_domain


def _language_of(user) -> str | None:
    language = getattr(user, "preferred_language", None)
    return language if language in dict(settings.LANGUAGES) else None


# Pages a new account passes through before reaching where it was going, added by apps on
# a higher floor from their ``ready()`` (the voluntary profile questions): each step is
# ``step(request, user, destination) -> URL or None``; the first URL wins, and the step's
# page sends the resident on to ``destination`` afterwards.
AfterSignupStep = Callable[..., "str | None"]
_after_signup_steps: list[AfterSignupStep] = []


def after_signup_register(step: AfterSignupStep) -> None:
    """Add a step once (safe to call twice from ``ready()``)."""
    if step not in _after_signup_steps:
        _after_signup_steps.append(step)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return getattr(settings, "ACCOUNT_ALLOW_SIGNUPS", True)

    def post_login(self, request, user, *, signup: bool, **kwargs):
        """After a sign-up's first sign-in (directly, or on confirming the address), a
        registered step may come before the destination (``next`` or the home page)."""
        response = super().post_login(request, user, signup=signup, **kwargs)
        if signup and isinstance(response, HttpResponseRedirect):
            for step in _after_signup_steps:
                url = step(request, user, response.url)
                if url:
                    response["Location"] = url
                    break
        return response

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        # The resident's language is the one they were browsing in when they signed up.
        language = getattr(request, "LANGUAGE_CODE", None)
        if language in dict(settings.LANGUAGES):
            user.preferred_language = language
        if commit:
            user.save()
        return user

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Every account email (confirmation, password reset, sign-in code...) speaks as
        the council, in the recipient's language.

        The templates (``templates/account/email/``) get the portal's and council's names
        from the settings, never the Sites framework's default "example.com"; an account's
        own language wins over the one of the page that sent the email (a reset asked for
        from a shared computer in another language).
        """
        user = context.get("user")
        if user is None:
            user = self._account_for(email)
        council = {
            "current_site": SimpleNamespace(name=settings.SITE_NAME, domain=site_domain()),
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
            "council_name": settings.COUNCIL_NAME,
            "council_contact_email": settings.COUNCIL_CONTACT_EMAIL,
            "recipient_name": getattr(user, "display_name", "") or "",
            "confirmation_days": account_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS,
        }
        language = _language_of(user) or translation.get_language()
        with translation.override(language):
            super().send_mail(template_prefix, email, {**council, **context})

    def _account_for(self, email: str):
        """The account using ``email``, if any: its owner reads the email."""
        from allauth.account.models import EmailAddress

        address = EmailAddress.objects.filter(email__iexact=email).select_related("user").first()
        return address.user if address is not None else None


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        return getattr(settings, "ACCOUNT_ALLOW_SIGNUPS", True)
