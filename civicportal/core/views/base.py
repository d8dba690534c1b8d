"""Helpers shared by the participation views: the item from the URL, where to go back to."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.http import Http404, HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from civicportal.core import targets


def target_or_404(request: HttpRequest, key: str, object_id: int, feature: str) -> models.Model:
    try:
        return targets.target_resolve(key, object_id, viewer=request.user, feature=feature)
    except ObjectDoesNotExist:
        raise Http404 from None


def next_url(request: HttpRequest, candidate: str | None, fallback: models.Model | None) -> str:
    """``candidate`` when it points into this site, else the item's page, else home."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    url = getattr(fallback, "get_absolute_url", None)
    if callable(url):
        return url() or "/"
    return "/"


def add_service_errors(form, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form, per field where it names one."""
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error)
