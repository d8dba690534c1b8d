"""What the portal holds about a resident: each app registers how to export and erase it.

Every app that stores personal data registers its part once, from ``AppConfig.ready()``::

    from civicportal.kernel import personal_data

    personal_data.register(
        "proposals",
        export=lambda user: {"ideas": [...], "votes": [...]},
        erase=proposals_personal_data_erase,   # fn(user) -> None
    )

``export(user)`` returns JSON-serialisable data (dates may be datetimes); it goes into the
resident's download under ``name``. ``erase(user)`` runs inside the account deletion's
transaction, before the user row is deleted: it deletes what is only theirs and
anonymises what stays (content, votes), so that deleting the user breaks nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Exporter = Callable[[Any], dict | list]
Eraser = Callable[[Any], None]


@dataclass(frozen=True)
class Part:
    name: str
    export: Exporter
    erase: Eraser


_PARTS: dict[str, Part] = {}


def register(name: str, *, export: Exporter, erase: Eraser) -> Part:
    """Add (or replace, by ``name``) an app's part. Safe to call twice from ``ready()``."""
    part = Part(name=name, export=export, erase=erase)
    _PARTS[name] = part
    return part


def unregister(name: str) -> None:
    _PARTS.pop(name, None)


def parts() -> list[Part]:
    """Registered parts in registration order."""
    return list(_PARTS.values())
