"""The audit trail: django-auditlog records model saves; ``audit_record`` adds the rest.

Saves of the models each app registers (at the foot of its models module) are logged by
auditlog itself, with the request's user as actor (``AuditlogMiddleware``). Decisions
that are not a plain save of the object they concern (a moderator hiding a comment, a
block, a bulk ``update()``) are recorded with ``audit_record``, so they show in the same
admin history of that object.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditlog.models import LogEntry
from django.db import models


def _text(value: Any) -> str:
    return "None" if value is None else str(value)


def audit_record(
    *,
    actor,
    obj: models.Model,
    action: str,
    changes: Mapping[str, tuple[Any, Any]],
) -> LogEntry:
    """Log ``changes`` (``{field: (before, after)}``) of ``obj`` by ``actor`` as ``action``.

    ``action`` names what happened (``"moderation.hide"``); it is kept in the entry's
    additional data and shown in its change message. ``actor`` may be None (the system).
    Call it inside the transaction of the change, so both commit or neither.
    """
    return LogEntry.objects.log_create(
        obj,
        force_log=True,
        action=LogEntry.Action.UPDATE,
        changes={
            field: [_text(before), _text(after)] for field, (before, after) in changes.items()
        },
        actor=actor if actor is not None and actor.pk else None,
        actor_email=getattr(actor, "email", None) if actor is not None else None,
        additional_data={"action": action},
    )
