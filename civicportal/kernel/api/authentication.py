"""The API's authentication: personal tokens and the session.

Both mark the user they authenticate with whether the request passed a second factor
(``civicportal.kernel.second_factor``): the staff roles' rules refuse staff powers without it.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from civicportal.kernel import services
from civicportal.kernel.models import ApiToken
from civicportal.kernel.second_factor import (
    is_marked,
    is_staff_account,
    mark_second_factor,
    session_second_factor_verified,
)


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>`` (DRF's header format), checked against the stored
    digest. An expired token, or one whose account changed since it was issued, is refused
    with a message saying so, and deleted (``services.api_token_authenticate``)."""

    model = ApiToken

    def authenticate_credentials(self, key: str):
        try:
            api_token = services.api_token_authenticate(key=key)
        except services.ApiTokenRefused as refused:
            raise exceptions.AuthenticationFailed(refused.message) from None
        user = api_token.user
        mark_second_factor(user, verified=api_token.second_factor)
        return user, api_token


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication (CSRF enforced), judging the session's second factor."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            user = result[0]
            if not is_marked(user):
                # StaffMfaRequiredMiddleware has usually marked it already.
                mark_second_factor(
                    user,
                    verified=is_staff_account(user)
                    and session_second_factor_verified(request._request, user),
                )
        return result


def request_second_factor(request) -> bool:
    """Whether this API request passed a second factor (to record on a token it creates)."""
    if isinstance(request.auth, ApiToken):
        return request.auth.second_factor
    return session_second_factor_verified(request._request, request.user)


class SessionScheme(OpenApiAuthenticationExtension):
    """The schema's name for the session cookie (drf-spectacular's own, for our subclass)."""

    target_class = SessionAuthentication
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
