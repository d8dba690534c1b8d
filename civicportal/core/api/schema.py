"""OpenAPI schema post-processing: the one error format, documented on every operation."""

from __future__ import annotations

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
