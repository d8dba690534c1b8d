"""The OpenAPI schema: the names of shared choice sets, and the one error format.

A choice set that several serializers share gets one stable name in the schema (drf-
spectacular's ``ENUM_NAME_OVERRIDES``). The platform's are in settings; core never names a
domain app, so each app registers its own from ``AppConfig.ready()``, before any schema is
generated::

    from civicportal.core.api import schema

    class ProposalsConfig(AppConfig):
        def ready(self):
            from proposals.models import IdeaStatus

            schema.enum_name_register("IdeaStatusEnum", IdeaStatus)

``add_error_responses`` (a post-processing hook) documents the error format on every
operation.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

_ENUM_NAMES: dict[str, Any] = {}


def enum_name_register(name: str, choices: Any) -> None:
    """Name ``choices`` (a ``TextChoices`` class, an import path or a list) ``name`` in the
    schema. Registering the same name again replaces it; a name of the platform's is refused.

    drf-spectacular reads its overrides once, at the first schema, so they are handed to it
    here, from ``ready()`` (as its own contrib modules add theirs); the settings' dict is
    left as written.
    """
    from drf_spectacular.settings import spectacular_settings

    if name in settings.SPECTACULAR_SETTINGS.get("ENUM_NAME_OVERRIDES", {}):
        raise ValueError(
            f"The schema name {name!r} is the platform's (SPECTACULAR_SETTINGS); "
            "give the module's choice set another name."
        )
    _ENUM_NAMES[name] = choices
    spectacular_settings.ENUM_NAME_OVERRIDES = enum_names()


def enum_name_unregister(name: str) -> None:
    from drf_spectacular.settings import spectacular_settings

    _ENUM_NAMES.pop(name, None)
    spectacular_settings.ENUM_NAME_OVERRIDES = enum_names()


def enum_names() -> dict[str, Any]:
    """Every name drf-spectacular gives a choice set: the platform's, then the modules'."""
    return {**settings.SPECTACULAR_SETTINGS.get("ENUM_NAME_OVERRIDES", {}), **_ENUM_NAMES}


ERROR_SCHEMA = {
    "type": "object",
    "description": "Every API error has this shape, whatever the status.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "status": {"type": "integer", "example": 400},
                "code": {"type": "string", "example": "invalid"},
                "message": {"type": "string", "example": "Choose one of the offered languages."},
                "fields": {
                    "type": "object",
                    "description": "Messages per field, for invalid input only.",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            "required": ["status", "code", "message"],
        }
    },
    "required": ["error"],
}

ERROR_RESPONSE = {
    "description": "An error, in the API's one error format (see the Error schema).",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def add_error_responses(result: dict, generator, request, public) -> dict:
    """Add the Error component and a ``4XX`` response to every operation without one."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.get("responses")
            if isinstance(responses, dict):
                responses.setdefault("4XX", ERROR_RESPONSE)
    return result
