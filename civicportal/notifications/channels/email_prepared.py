"""Emails over SMTP prepared once per group and filled in per recipient.

Over Django's SMTP backend the email channel renders and serialises each (event, language,
named recipient or not) once: a message whose per-recipient parts (address, Message-ID,
name, unsubscribe link) are markers, checked once against a message built the ordinary
way, and then filled in per recipient with byte replacements (``Prepared``). Whatever the
check cannot vouch for (a template that transforms the name, a non-ASCII address, an
over-long line) takes the ordinary path, so the bytes on the wire are the same either way
except for the Date header and the MIME boundary. ``email_smtp`` puts a filled message on
the wire.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from email.generator import BytesGenerator
from email.message import Message
from email.utils import formatdate, parseaddr
from io import BytesIO
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.html import escape

from civicportal.notifications.rendering import RenderedMessage, message_id_for, message_render
from civicportal.notifications.tokens import unsubscribe_url, unsubscribe_url_maker

if TYPE_CHECKING:
    from civicportal.notifications.models import Delivery

logger = logging.getLogger(__name__)


def email_message(
    *, rendered: RenderedMessage, html: str, address: str, message_id: str, unsubscribe: str
) -> EmailMultiAlternatives:
    headers = {
        "Message-ID": message_id,
        "Content-Language": rendered.language,
        # RFC 3834: no out-of-office replies to the portal.
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "All",
    }
    if unsubscribe:
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message


def wire_bytes(message: Message) -> bytes:
    """``message`` serialised as Django's SMTP backend sends it: CRLF line ends, "From "
    at the start of a line left alone. Through the email package's generator, whose API
    does not change with the class of message Django's ``EmailMessage.message()`` returns.
    """
    out = BytesIO()
    policy = message.policy.clone(linesep="\r\n")
    BytesGenerator(out, mangle_from_=False, policy=policy).flatten(message)
    return out.getvalue()


# An address the prepared path may put on the wire as it is (what sanitize_address would
# leave unchanged); anything else takes the ordinary path.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_ADDRESS = re.compile(rf"{_ATEXT}(\.{_ATEXT})*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
_DATE = re.compile(rb"^Date: [^\r\n]*\r\n", re.MULTILINE)
_BOUNDARY = re.compile(rb'boundary="([^"]+)"')
_MAX_LINE = 990  # RFC 5322 allows 998 octets; Django switches to quoted-printable past it
# A name that needs HTML escaping, for the check of a named group.
_CHECK_NAME = "A&B <Check> \"Name\" 'Q'"


@dataclass(frozen=True, slots=True)
class Filled:
    """One recipient's message, ready for the wire: plain ASCII envelope addresses (no
    angle brackets) and the message's bytes with CRLF line ends."""

    sender: str
    recipient: str
    message: bytes
    message_id: str


@dataclass(frozen=True, slots=True)
class Prepared:
    """One group's serialised message with markers where each recipient's values go."""

    sender: str  # the envelope sender: DEFAULT_FROM_EMAIL's address
    unsubscribe_url: Callable[[int], str]  # user id -> their one-click link
    skeleton: bytes
    markers: dict[str, bytes]
    longest_line: int  # the longest skeleton line that holds a marker
    eight_bit: bool  # every text part is 8bit, so a non-ASCII name may go in as it is

    @classmethod
    def build(
        cls,
        ordinary: Callable[[Delivery, str], EmailMultiAlternatives],
        delivery: Delivery,
        *,
        language: str,
        named: bool,
    ) -> Prepared | None:
        """The group's prepared message, or None when it does not reproduce the message
        ``ordinary(delivery, unsubscribe_url)`` builds the ordinary way."""
        from civicportal.accounts.models import User

        token = uuid.uuid4().hex
        # Distinct, none a part of another; the links as long as real ones, so that the
        # List-Unsubscribe header is folded alike.
        markers = {
            "address": f"cpmarkaddress{token}@example.org",
            "msgid": f"<cpmarkmsgid{token}@example.org>",
            "text_name": f"cpmarktextname{token}",
            "html_name": f"cpmarkhtmlname{token}",
            "text_url": f"https://example.org/cpmarktexturl{token}/{'0' * 60}/",
            "html_url": f"https://example.org/cpmarkhtmlurl{token}/{'0' * 60}/",
        }
        event = delivery.event

        def rendered(name: str, url: str, *, html: bool) -> RenderedMessage:
            person = User(pk=delivery.recipient_id, display_name=name, preferred_language=language)
            return message_render(
                event=event, recipient=person, language=language, html=html, unsubscribe_url=url
            )

        text = rendered(markers["text_name"] if named else "", markers["text_url"], html=False)
        html = rendered(markers["html_name"] if named else "", markers["html_url"], html=True)
        message = email_message(
            rendered=text,
            html=html.html,
            address=markers["address"],
            message_id=markers["msgid"],
            unsubscribe=markers["text_url"],
        ).message()
        skeleton = wire_bytes(message)
        wanted = [markers["address"], markers["msgid"], markers["text_url"], markers["html_url"]]
        if named:
            wanted += [markers["text_name"], markers["html_name"]]
        if not all(marker.encode() in skeleton for marker in wanted):
            return None  # a template transformed a value: it cannot be filled in later
        # The envelope sender, as smtplib takes it from the From address Django sends with.
        sender = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
        if not _PLAIN_ADDRESS.fullmatch(sender):
            return None
        # Each message gets its own Date, as Django's message() gives it.
        date_marker = f"cpmarkdate{token}"
        skeleton, dates = _DATE.subn(f"Date: {date_marker}\r\n".encode(), skeleton, count=1)
        if dates != 1:
            return None
        markers["date"] = date_marker
        lines = [line for line in skeleton.split(b"\r\n") if b"cpmark" in line]
        prepared = cls(
            sender=sender,
            unsubscribe_url=unsubscribe_url_maker(topic=event.kind, channel="email"),
            skeleton=skeleton,
            markers={key: value.encode() for key, value in markers.items()},
            longest_line=max(len(line) for line in lines),
            eight_bit=b"Content-Transfer-Encoding: 7bit" not in skeleton
            and b"Content-Transfer-Encoding: quoted" not in skeleton
            and b"Content-Transfer-Encoding: base64" not in skeleton,
        )
        # The check: a recipient built the ordinary way gives the same bytes, but for the
        # Date header and the MIME boundary.
        person = User(
            pk=delivery.recipient_id,
            display_name=_CHECK_NAME if named else "",
            preferred_language=language,
        )
        sample = type(delivery)(
            pk=delivery.pk,
            event=event,
            recipient=person,
            channel=delivery.channel,
            address="check.address@example.org",
        )
        for _attempt in range(2):  # the two may be signed a second apart: try once more
            unsubscribe = prepared.unsubscribe_url(delivery.recipient_id)
            expected = unsubscribe_url(
                user_id=delivery.recipient_id, topic=event.kind, channel="email"
            )
            if unsubscribe == expected:
                break
        else:
            return None  # the maker does not make the links unsubscribe_url makes
        expected_bytes = wire_bytes(ordinary(sample, unsubscribe).message())
        filled = prepared.fill(
            address=sample.address,
            message_id=message_id_for(sample),
            name=person.display_name,
            unsubscribe=unsubscribe,
        )
        if filled is None or _normalised(expected_bytes) != _normalised(filled.message):
            logger.info("Email of %s (%s) cannot be prepared; sent one by one", event, language)
            return None
        return prepared

    def fill(self, *, address: str, message_id: str, name: str, unsubscribe: str) -> Filled | None:
        """This recipient's bytes, or None when a value needs the ordinary path."""
        if not _PLAIN_ADDRESS.fullmatch(address) or not unsubscribe.isascii():
            return None
        if "\r" in name or "\n" in name or (not name.isascii() and not self.eight_bit):
            return None
        html_name = escape(name)
        html_url = escape(unsubscribe)
        # Even if every value landed on the longest line, no line may pass the limit.
        added = len(address) + len(message_id) + len(html_name.encode()) + 2 * len(html_url)
        if self.longest_line + added > _MAX_LINE:
            return None
        markers = self.markers
        date = formatdate(localtime=settings.EMAIL_USE_LOCALTIME)
        data = (
            self.skeleton.replace(markers["date"], date.encode())
            .replace(markers["address"], address.encode())
            .replace(markers["msgid"], message_id.encode())
            .replace(markers["text_url"], unsubscribe.encode())
            .replace(markers["html_url"], html_url.encode())
            .replace(markers["text_name"], name.encode())
            .replace(markers["html_name"], html_name.encode())
        )
        return Filled(sender=self.sender, recipient=address, message=data, message_id=message_id)


def _normalised(data: bytes) -> bytes:
    data = _DATE.sub(b"", data)
    boundaries = set(_BOUNDARY.findall(data))
    for number, boundary in enumerate(sorted(boundaries)):
        data = data.replace(boundary, b"boundary-%d" % number)
    return data
