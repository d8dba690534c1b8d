"""Turning an event's context into a message in one recipient's language.

The event stores msgids, not text (see ``models.Event``); rendering translates them inside
``translation.override`` with the recipient's ``preferred_language`` (a subscriber without
an account: the language they signed up in), then fills in the parameters. An event whose
parameters are written in one language (an alert's author's words) names it in its
context (``language``): every recipient then reads the whole message in that language, so
no subject is half in one language and half in another. A kind may ship its own
templates (``notifications/email/<kind>.html`` and ``.txt``, extending the base ones) from
any installed app's templates directory.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.loader import select_template
from django.utils import translation
from django.utils.translation import gettext

if TYPE_CHECKING:
    from civicportal.accounts.models import User
    from civicportal.notifications.models import Delivery, Event, Subscriber


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    subject: str
    text: str
    html: str
    url: str
    language: str
    body: str = ""


@dataclass(frozen=True, slots=True)
class MessageTexts:
    """An event's words in one language, without a template: for push, SMS, inbox, social."""

    subject: str
    body: str
    url: str
    action: str


def context_validate(context: object) -> None:
    """Refuse a context that could not be rendered, before anything is stored.

    Raises ``ValidationError`` naming the problem. The subject and body are formatted with
    the parameters in the default language, so a missing parameter fails in the caller's
    request rather than in a worker.
    """
    if not isinstance(context, dict):
        raise ValidationError("The notification context must be a JSON object.")
    subject = context.get("subject")
    if not isinstance(subject, str) or not subject.strip():
        raise ValidationError("The notification context needs a non-empty 'subject' msgid.")
    for key in ("body", "url", "action", "language"):
        if key in context and not isinstance(context[key], str):
            raise ValidationError(f"The notification context's {key!r} must be a string.")
    if context.get("language") and context["language"] not in dict(settings.LANGUAGES):
        raise ValidationError(
            f"The notification context's language {context['language']!r} is not one of "
            "settings.LANGUAGES."
        )
    params = context.get("params", {})
    if not isinstance(params, dict):
        raise ValidationError("The notification context's 'params' must be a JSON object.")
    items = context.get("items", [])
    if not isinstance(items, list) or not all(type(item) is int for item in items):
        raise ValidationError("The notification context's 'items' must be a list of event ids.")
    for key in ("subject", "body", "action"):
        try:
            _format(context.get(key, ""), params)
        except (KeyError, ValueError, TypeError) as exc:
            raise ValidationError(
                f"The notification {key} {context.get(key)!r} cannot be filled in from "
                f"params: {exc!r}"
            ) from exc


def _format(msgid: str, params: dict) -> str:
    """Translate ``msgid`` in the active language and fill in ``params`` (``%(name)s``)."""
    if not msgid:
        return ""
    return gettext(msgid) % params


def language_for(user: User | Subscriber | None) -> str:
    """A user's preferred language, or the one a subscriber signed up in, if the site has it."""
    languages = dict(settings.LANGUAGES)
    language = (
        getattr(user, "preferred_language", "")
        or getattr(user, "language", "")
        or settings.LANGUAGE_CODE
    )
    return language if language in languages else settings.LANGUAGE_CODE


def event_language(event: Event) -> str:
    """The one language an event's words are in (context ``language``), or "" for any."""
    language = (event.context or {}).get("language") or ""
    return language if language in dict(settings.LANGUAGES) else ""


def delivery_language(delivery: Delivery) -> str:
    """The language ``delivery`` is rendered in: its event's own, else the person's."""
    return event_language(delivery.event) or language_for(
        delivery.recipient if delivery.recipient_id is not None else delivery.subscriber
    )


def absolute_url(url: str) -> str:
    """Site-relative links become absolute: a message is read outside the site."""
    if not url:
        return ""
    return urljoin(settings.SITE_URL + "/", url)


def message_texts(*, event: Event, language: str) -> MessageTexts:
    """The event's subject, body, absolute link and link label, translated into ``language``."""
    context = event.context or {}
    params = context.get("params") or {}
    with translation.override(language):
        return MessageTexts(
            subject=" ".join(_format(context["subject"], params).split()),
            body=_format(context.get("body", ""), params),
            url=absolute_url(context.get("url", "")),
            action=_format(context.get("action", ""), params) or gettext("Open"),
        )


def _digest_entries(event: Event, language: str) -> list[MessageTexts]:
    """The events a digest gathers (``context["items"]``), oldest first, in ``language``."""
    from civicportal.notifications.models import Event as EventModel

    ids = (event.context or {}).get("items") or []
    if not ids:
        return []
    events = EventModel.objects.filter(id__in=ids).order_by("created_at", "id")
    return [message_texts(event=item, language=language) for item in events]


def message_render(
    *,
    event: Event,
    recipient: User | None,
    language: str | None = None,
    html: bool = True,
    unsubscribe_url: str = "",
) -> RenderedMessage:
    """The event's message for ``recipient`` in ``language`` (default: the event's own
    language if it has one, else the recipient's).

    ``unsubscribe_url`` (emails) is shown in the footer. A digest event (``items`` in its
    context) lists its events' subjects and links as ``entries``. Raises
    ``KeyError``/``ValueError``/``TypeError`` when a translation's placeholders do not
    match the parameters, and ``TemplateDoesNotExist`` when no template is found.
    """
    language = language or event_language(event) or language_for(recipient)
    texts = message_texts(event=event, language=language)
    entries = _digest_entries(event, language)
    with translation.override(language):
        template_context = {
            "subject": texts.subject,
            "paragraphs": [p.strip() for p in texts.body.split("\n\n") if p.strip()],
            "url": texts.url,
            "action": texts.action,
            "entries": entries,
            "urgent": event.urgent,
            "kind": event.kind,
            # Only a name the resident chose; no greeting at all beats "Hello Resident".
            "recipient_name": getattr(recipient, "display_name", "") or "",
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
            "council_name": settings.COUNCIL_NAME,
            "brand_primary_color": settings.BRAND_PRIMARY_COLOR,
            "language": language,
            "unsubscribe_url": unsubscribe_url,
        }
        names = [f"notifications/email/{event.kind}", "notifications/email/base"]
        text = select_template([f"{name}.txt" for name in names]).render(template_context)
        rendered_html = (
            select_template([f"{name}.html" for name in names]).render(template_context)
            if html
            else ""
        )
    return RenderedMessage(
        subject=texts.subject,
        text=text.strip() + "\n",
        html=rendered_html,
        url=texts.url,
        language=language,
        body=texts.body,
    )


def rendering_preload() -> None:
    """Load what rendering a message needs: every language's catalogue and the compiled
    email templates of every topic (the cached template loader keeps them).

    A worker calls it once before it forks its pool (``tasks.worker_preload``), so every
    pool process starts with them in memory and an alert's first message does not pay
    for them: parsing the catalogues and compiling the templates costs a cold process
    seconds on a busy machine.
    """
    from django.template import TemplateDoesNotExist

    from civicportal.notifications.topics import topics_all

    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            gettext("Read the alert")
    for kind in [topic.key for topic in topics_all(include_internal=True)]:
        names = [f"notifications/email/{kind}", "notifications/email/base"]
        for extension in ("txt", "html"):
            try:
                select_template([f"{name}.{extension}" for name in names])
            except TemplateDoesNotExist:
                continue


def delivery_key(delivery: Delivery) -> str:
    """A key naming this delivery for far sides' de-duplication (idempotency headers).

    Like the Message-ID, derived from the delivery's id and its event's key only, so every
    attempt carries the same one.
    """
    event_key = hashlib.sha256(delivery.event.idempotency_key.encode()).hexdigest()[:16]
    return f"delivery-{delivery.pk}-{event_key}"


def message_id_for(delivery: Delivery) -> str:
    """A Message-ID that every copy of this delivery carries, so receivers can drop repeats.

    Derived only from the delivery's id and its event's idempotency key, never from time.
    """
    event_key = hashlib.sha256(delivery.event.idempotency_key.encode()).hexdigest()[:16]
    domain = (
        settings.NOTIFICATIONS_MESSAGE_ID_DOMAIN
        or urlsplit(settings.SITE_URL).hostname
        or "localhost"
    )
    return f"<delivery-{delivery.pk}.{event_key}@{domain}>"
