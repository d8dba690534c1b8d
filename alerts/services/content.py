"""What an alert message says: the author's content, the rules it must meet, and the
version an approver reviews.

The state machine (``alerts.services.lifecycle``) takes a ``MessageContent`` from every
path (staff page, API, command, demo), checks it with ``content_validate`` and writes it
into a message. ``message_version`` is what the approval screen and the staff API show
beside a message, and what ``alert_approve`` compares with the message under its lock.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from alerts.models import AlertMessage, ResponseType
from alerts.validators import reject_control_characters
from civicportal.accounts.models import Area

CONTENT_FIELDS = (
    "category",
    "event",
    "response_type",
    "urgency",
    "severity",
    "certainty",
    "headline",
    "description",
    "instruction",
    "web",
    "contact",
    "onset",
    "expires",
    "second_language",
    "second_event",
    "second_headline",
    "second_description",
    "second_instruction",
    "area_description",
    "polygons",
    "circles",
)


@dataclass
class MessageContent:
    """What one CAP message says and where: everything an author writes."""

    category: str
    event: str
    urgency: str
    severity: str
    certainty: str
    headline: str
    description: str
    instruction: str
    expires: datetime
    response_type: str = ResponseType.MONITOR
    web: str = ""
    contact: str = ""
    onset: datetime | None = None
    second_language: str = ""
    second_event: str = ""
    second_headline: str = ""
    second_description: str = ""
    second_instruction: str = ""
    areas: list[Area] = field(default_factory=list)
    area_description: str = ""
    polygons: list = field(default_factory=list)
    circles: list = field(default_factory=list)

    @classmethod
    def from_message(cls, message: AlertMessage) -> MessageContent:
        values = {name: getattr(message, name) for name in CONTENT_FIELDS}
        return cls(**values, areas=list(message.areas.all()))


# The free-text fields of a message, checked for length and control characters.
TEXT_FIELDS = (
    "event",
    "headline",
    "description",
    "instruction",
    "contact",
    "web",
    "area_description",
    "second_event",
    "second_headline",
    "second_description",
    "second_instruction",
)
# Everything public in a message: what ``message_version`` covers (with the areas and the
# alert's status).
VERSION_FIELDS = ("msg_type", "note", "language", *CONTENT_FIELDS)


def message_version(message: AlertMessage) -> str:
    """The version of ``message`` an approver reviews: a SHA-256 (hex) of every field that
    reaches the public, its areas (name and boundary) and its alert's status.

    Any change of any of them, by any path, gives another version.
    """

    def plain(value):
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat()
        return value

    data = {name: plain(getattr(message, name)) for name in VERSION_FIELDS}
    data["status"] = message.alert.status
    data["areas"] = sorted(
        ([area.pk, area.slug, str(area.name), area.boundary] for area in message.areas.all()),
        key=lambda row: row[0],
    )
    payload = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def text_validate(value: str, *, field: str, max_length: int) -> str:
    """One free-text input: no control characters, at most ``max_length`` characters.
    Raises ``ValidationError`` keyed by ``field``."""
    try:
        reject_control_characters(value)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None
    if len(value) > max_length:
        raise ValidationError(
            {
                field: _("Keep this to %(limit)s characters at most (it has %(length)s).")
                % {"limit": max_length, "length": len(value)}
            }
        )
    return value


def content_validate(content: MessageContent, *, now: datetime, check_expiry: bool = True) -> None:
    """Every rule of a message's content, whatever path it came by (page, API, command).

    ``check_expiry=False`` for a cancellation's message, whose expiry may have passed.
    Raises one ``ValidationError`` keyed by field with every problem found.
    """
    errors: dict[str, list[str]] = {}

    def error(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    for name in TEXT_FIELDS:
        value = str(getattr(content, name) or "")
        try:
            text_validate(
                value, field=name, max_length=AlertMessage._meta.get_field(name).max_length
            )
        except ValidationError as invalid:
            for message in invalid.message_dict[name]:
                error(name, message)
    for name in ("event", "headline", "description", "instruction"):
        if not str(getattr(content, name) or "").strip():
            error(name, _("This is needed in every alert."))
    if content.expires is None:
        error("expires", _("Give the time the alert stops being in force."))
    elif check_expiry and content.expires <= now:
        error("expires", _("The expiry time has already passed. Choose a time in the future."))
    if content.onset and content.expires and content.onset >= content.expires:
        error("onset", _("The onset must come before the expiry time."))
    if not content.areas and not content.polygons and not content.circles:
        error(
            "areas",
            _("Choose at least one area, or draw a polygon or a circle, so residents know where."),
        )
    if (content.polygons or content.circles) and not content.area_description.strip():
        error("area_description", _("Describe the drawn area in words for people."))
    if content.second_language:
        if content.second_language == settings.LANGUAGE_CODE:
            error("second_language", _("The second language must differ from the first."))
        for name in ("second_headline", "second_description", "second_instruction"):
            if not str(getattr(content, name) or "").strip():
                error(name, _("Needed when a second language is chosen."))
    if errors:
        raise ValidationError(errors)
