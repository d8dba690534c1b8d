"""One error format for the whole API.

Every error answer is ``{"error": {"status": ..., "code": ..., "message": ..., "fields": {...}}}``.
Django ``ValidationError``s raised by services become 400s here (``RateLimited`` ones 429s
with ``Retry-After``), so API views can call the same services as the pages without
translating exceptions themselves. A 403 for a staff account whose request did not pass a
second factor says so (code ``second_factor_required``), whatever refused it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from civicportal.kernel.ratelimit import RateLimited
from civicportal.kernel.second_factor import is_staff_account, lacks_second_factor


class SecondFactorRequired(exceptions.PermissionDenied):
    default_code = "second_factor_required"

    def __init__(self):
        super().__init__(
            _(
                "Staff actions need two-factor authentication: sign in with your "
                "authenticator app, and use that session or a token created from it."
            )
        )


def _lacks_second_factor(context) -> bool:
    request = context.get("request")
    try:
        user = getattr(request, "user", None) if request is not None else None
    except exceptions.APIException:  # authentication itself failed: not this case
        return False
    return bool(
        user is not None
        and user.is_authenticated
        and is_staff_account(user)
        and lacks_second_factor(user)
    )


def _django_validation_error_detail(exc: DjangoValidationError) -> dict | list:
    if hasattr(exc, "error_dict"):
        return {
            field: [str(m) for e in errors for m in e.messages]
            for field, errors in exc.error_dict.items()
        }
    return list(exc.messages)


def _flatten_message(detail) -> str:
    if isinstance(detail, list) and detail:
        return _flatten_message(detail[0])
    if isinstance(detail, dict) and detail:
        return _flatten_message(next(iter(detail.values())))
    return str(detail)


def exception_handler(exc, context):
    if isinstance(exc, RateLimited):
        # 429 with Retry-After, and the service's own words (not DRF's "throttled" text).
        retry_after = exc.retry_after
        exc = exceptions.Throttled(detail=" ".join(exc.messages))
        exc.wait = retry_after
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_validation_error_detail(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.PermissionDenied) and _lacks_second_factor(context):
        # Whatever the view's reason, the one that matters is the missing second factor.
        exc = SecondFactorRequired()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    detail = response.data
    fields: dict = {}
    if isinstance(exc, exceptions.ValidationError):
        if isinstance(detail, dict):
            fields = {k: v for k, v in detail.items() if k != "non_field_errors"}
            non_field = detail.get("non_field_errors")
            message = _flatten_message(non_field) if non_field else _flatten_message(detail)
        else:
            message = _flatten_message(detail)
        code = "invalid"
    else:
        message = (
            _flatten_message(detail.get("detail", detail))
            if isinstance(detail, dict)
            else _flatten_message(detail)
        )
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else "error"

    body = {"error": {"status": response.status_code, "code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return Response(body, status=response.status_code, headers=_retry_headers(response))


def _retry_headers(response: Response) -> dict:
    headers = {}
    for name in ("Retry-After", "WWW-Authenticate", "Allow"):
        if name in response:
            headers[name] = response[name]
    return headers


__all__ = ["exception_handler", "status"]
