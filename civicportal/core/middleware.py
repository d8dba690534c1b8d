"""Addresses and cookies with control characters never reach a view (specification §10).

``%00`` in a query string (``/alerts/?area=%00``) arrives in ``request.GET`` as a NUL
character; a filter that compares it with a column makes PostgreSQL refuse the query, and
the page answered 500 (SQLite let it through, so the embedded default never showed it). No
address of the portal takes a control character, so this middleware answers such a request
with a 400 saying which parameter is wrong, before any view: the portal's error page for
pages, the API's error format (``civicportal.core.api.errors``) under ``/api/``.

A cookie holding one is dropped instead (the request goes on without it): a cookie comes
back with every request, so refusing would shut the browser out until it is cleared, and a
session key with NUL in it would reach the database in the same way.

Headers are not checked: the WSGI server refuses control characters in them, and percent
decoding (which brings them into paths and query strings) does not apply to headers.
Request bodies are the forms' and serializers' business (``civicportal.kernel.validators``),
which name the field.

It sits before ``SessionMiddleware`` (so that a bad session cookie is gone before the
session is read) and so before ``LocaleMiddleware``: it picks the language itself.
"""

from __future__ import annotations

from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from civicportal.kernel.validators import find_control_character, has_control_character

API_PREFIX = "/api/"


class ControlCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        bad_cookies = [
            name
            for name, value in request.COOKIES.items()
            if has_control_character(name) or has_control_character(value)
        ]
        for name in bad_cookies:
            del request.COOKIES[name]
        problem = self._problem(request)
        if problem is not None:
            field, message = problem
            return self._refuse(request, field, message)
        return self.get_response(request)

    def _problem(self, request) -> tuple[str, str] | None:
        """(field, message) for the first control character of the path or query string."""
        found = find_control_character(request.path_info)
        if found is not None:
            return "path", _(
                "The address contains an invisible control character (%(character)s), which "
                "no page of this site takes. Check the link and try again."
            ) % {"character": found.name}
        for name, values in request.GET.lists():
            found = find_control_character(name)
            if found is not None:
                return "query", _(
                    "A parameter name in the address contains an invisible control character "
                    "(%(character)s). Check the link and try again."
                ) % {"character": found.name}
            for value in values:
                found = find_control_character(value)
                if found is not None:
                    return name, _(
                        "The value of “%(parameter)s” contains an invisible control character "
                        "(%(character)s), which is never valid. Remove it and try again."
                    ) % {"parameter": name, "character": found.name}
        return None

    def _refuse(self, request, field: str, message: str):
        with translation.override(translation.get_language_from_request(request)):
            message = str(message)
            if request.path_info.startswith(API_PREFIX):
                return _api_error(field, message)
            return render(request, "400.html", {"message": message}, status=400)


def _api_error(field: str, message: str):
    """The 400 in the API's one error format, made by the API's own exception handler."""
    from rest_framework import exceptions
    from rest_framework.renderers import JSONRenderer

    from civicportal.core.api.errors import exception_handler

    response = exception_handler(exceptions.ValidationError({field: [message]}), {})
    response.accepted_renderer = JSONRenderer()
    response.accepted_media_type = "application/json"
    response.renderer_context = {}
    return response.render()
