"""The email fast path (SMTP pipelining on the channel's own socket) and the plain path
(``smtplib.SMTP.sendmail``) put the same messages on the wire, byte for byte.

Both are sent to a real SMTP relay on loopback (aiosmtpd) that records each accepted
message's envelope and bytes as they arrived; nothing is compared in the sender.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl

import pytest

from civicportal.notifications.channels import email as email_channel
from civicportal.notifications.channels.email_prepared import Filled
from civicportal.notifications.channels.email_smtp import (
    FastPathUnavailable,
    PipelinedSession,
    PlainSession,
    Relay,
)
from civicportal.notifications.models import Delivery
from civicportal.notifications.services import deliveries_send
from civicportal.notifications.tokens import unsubscribe_token_read
from tests.notifications.factories import deliveries_create, users_create
from tests.notifications.scripted_smtp import (
    ORDINARY_BACKEND,
    ScriptedRelay,
    relays_started,
    tls_files,
    use_relay,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def relay():
    yield from relays_started()


_DATE = re.compile(rb"^Date: [^\r\n]*\r\n", re.MULTILINE)
_BOUNDARY = re.compile(rb'boundary="([^"]+)"')
_TOKEN = re.compile(rb"/unsubscribe/([A-Za-z0-9_.:-]+)/")


# Messages that exercise the wire format: dot-stuffing at the start of lines (a lone dot,
# the dot of the final line), no CRLF at the end, 8-bit text, an empty body.
def filled_messages() -> list[Filled]:
    bodies = [
        b"Subject: plain\r\nMessage-ID: <a@example.org>\r\n\r\nHello.\r\n",
        b"Subject: dots\r\nMessage-ID: <b@example.org>\r\n\r\n.\r\n..two\r\n.three\r\nend.\r\n.",
        b"Subject: no final line end\r\nMessage-ID: <c@example.org>\r\n\r\nlast line",
        "Subject: 8bit\r\nMessage-ID: <d@example.org>\r\nContent-Type: text/plain; "
        "charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGóðan dag, Jón.\r\n".encode(),
        b"Subject: empty\r\nMessage-ID: <e@example.org>\r\n\r\n",
    ]
    return [
        Filled(
            sender="no-reply@example.org",
            recipient=f"resident{number}@example.org",
            message=body,
            message_id=f"<{number}@example.org>",
        )
        for number, body in enumerate(bodies)
    ]


def sent_through(session_class, messages: list[Filled]) -> None:
    session = session_class(Relay.from_settings())
    try:
        for data in messages:
            session.send(data)
    finally:
        session.close()


@pytest.mark.parametrize("security", ["none", "starttls", "smtps"])
def test_both_paths_put_the_same_bytes_and_envelope_on_the_wire(
    settings, relay, tmp_path, monkeypatch, security
):
    options = {}
    if security != "none":
        ca, cert, key = tls_files(tmp_path)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        options = {"tls": context, "implicit_tls": security == "smtps"}
        # The client's default context (Django's, and so both paths') trusts the test CA.
        monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    sink = relay(users={"portal": "s3cret"}, **options)
    use_relay(
        settings,
        sink,
        pipelining=True,
        user="portal",
        password="s3cret",
        tls=security == "starttls",
        ssl=security == "smtps",
    )
    messages = filled_messages()

    sent_through(PipelinedSession, messages)
    fast = sink.messages()
    sink.clear()
    sent_through(PlainSession, messages)
    plain = sink.messages()
    sink.clear()
    if security == "none":  # and smtplib's sendmail with nothing of ours around it
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as smtp:
            smtp.login("portal", "s3cret")
            for data in messages:
                smtp.sendmail(data.sender, [data.recipient], data.message)
        assert sink.messages() == plain

    assert len(fast) == len(plain) == len(messages)
    assert fast == plain  # envelope (sender, its options, recipients) and bytes, exactly
    for accepted, data in zip(fast, messages, strict=True):
        assert accepted.rcpt_tos == (data.recipient,)
        expected = data.message if data.message.endswith(b"\r\n") else data.message + b"\r\n"
        assert accepted.content == expected
        assert [option.lower() for option in accepted.mail_options] == [f"size={len(data.message)}"]
    assert sink.logins[:2] == ["PLAIN portal", "PLAIN portal"]


def test_the_fast_path_logs_in_with_login_when_plain_is_not_offered(settings, relay):
    sink = relay(users={"portal": "s3cret"}, auth_exclude=("PLAIN",))
    use_relay(settings, sink, pipelining=True, user="portal", password="s3cret")

    sent_through(PipelinedSession, filled_messages()[:1])

    assert sink.logins == ["LOGIN portal"]
    assert len(sink.messages()) == 1


def test_the_fast_path_declines_a_relay_without_pipelining(settings, relay):
    sink = relay(pipelining=False)
    use_relay(settings, sink, pipelining=True)

    with pytest.raises(FastPathUnavailable, match="PIPELINING"):
        PipelinedSession(Relay.from_settings())

    assert sink.messages() == []


# --- Through the channel, from delivery rows ----------------------------------------------


def _reset_to_pending(ids: list[int]) -> None:
    Delivery.objects.filter(id__in=ids).update(
        status=Delivery.Status.PENDING, claim_token=None, message_id=""
    )


def _per_send_masked(content: bytes) -> bytes:
    """The message less what each send stamps anew: its Date header and the timestamp
    and signature of each unsubscribe token (their payload, whose link it is, stays)."""
    content = _DATE.sub(b"Date: (per send)\r\n", content)
    tokens = _TOKEN.findall(content)
    assert tokens
    for token in set(tokens):
        unsubscribe_token_read(token.decode())  # a valid token of ours
        payload = token.split(b":")[0]
        content = content.replace(token, payload + b":(timestamp):(signature)")
    return content


def _normalised(content: bytes) -> bytes:
    """... and less the MIME boundary, which Django draws anew for each message."""
    content = _per_send_masked(content)
    for number, boundary in enumerate(sorted(set(_BOUNDARY.findall(content)))):
        content = content.replace(boundary, b"boundary-%d" % number)
    return content


def _by_message_id(sink: ScriptedRelay) -> dict[str, tuple]:
    found = {}
    for accepted in sink.messages():
        assert accepted.message_id not in found, accepted.message_id
        found[accepted.message_id] = accepted
    return found


@pytest.mark.django_db(transaction=True)
def test_deliveries_go_out_alike_pipelined_plain_and_the_ordinary_way(settings, relay, monkeypatch):
    sink = relay()
    named = users_create(2, preferred_language="is", display_name="Jón & <Gunna>")
    unnamed = users_create(2, preferred_language="en", display_name="")
    ids = deliveries_create([*named, *unnamed])
    sends = {"fast": 0, "plain": 0}
    for name, cls in (("fast", PipelinedSession), ("plain", PlainSession)):
        real = cls.send

        def counted(self, data, real=real, name=name):
            sends[name] += 1
            return real(self, data)

        monkeypatch.setattr(cls, "send", counted)

    use_relay(settings, sink, pipelining=True)
    assert deliveries_send(delivery_ids=ids).sent == 4
    fast = _by_message_id(sink)
    sink.clear()
    _reset_to_pending(ids)
    settings.NOTIFICATIONS_EMAIL_PIPELINING = False
    assert deliveries_send(delivery_ids=ids).sent == 4
    plain = _by_message_id(sink)
    sink.clear()
    _reset_to_pending(ids)
    settings.EMAIL_BACKEND = ORDINARY_BACKEND
    assert deliveries_send(delivery_ids=ids).sent == 4
    ordinary = _by_message_id(sink)

    assert sends == {"fast": 4, "plain": 4}
    expected_ids = set(Delivery.objects.filter(id__in=ids).values_list("message_id", flat=True))
    assert set(fast) == set(plain) == set(ordinary) == expected_ids
    for message_id in expected_ids:
        assert fast[message_id].envelope() == plain[message_id].envelope()
        # The same bytes but for what each send stamps: the Date, the links' timestamps.
        assert _DATE.search(fast[message_id].content) and _DATE.search(plain[message_id].content)
        assert _per_send_masked(fast[message_id].content) == _per_send_masked(
            plain[message_id].content
        )
        # The ordinary way: the same envelope sender and recipient, the same message but
        # for the Date and the MIME boundary (Django draws a new one for each message).
        assert fast[message_id].mail_from == ordinary[message_id].mail_from
        assert fast[message_id].rcpt_tos == ordinary[message_id].rcpt_tos
        assert _normalised(fast[message_id].content) == _normalised(ordinary[message_id].content)


@pytest.mark.django_db(transaction=True)
def test_a_relay_without_pipelining_gets_the_plain_path_logged_and_counted(settings, relay, caplog):
    from django.core.cache import cache

    cache.delete_many([email_channel.FALLBACKS_KEY, email_channel.FALLBACK_LAST_KEY])
    sink = relay(pipelining=False)
    use_relay(settings, sink, pipelining=True)
    ids = deliveries_create(users_create(3))

    with caplog.at_level(logging.WARNING, logger=email_channel.__name__):
        summary = deliveries_send(delivery_ids=ids)

    assert summary.sent == 3
    assert sorted(sink.message_ids().values()) == [1, 1, 1]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "PIPELINING" in warnings[0].getMessage()
    fallbacks = email_channel.fast_path_fallbacks()
    assert fallbacks.count == 1
    assert "PIPELINING" in fallbacks.last_reason
    assert fallbacks.last_at is not None

    # Switched off, the plain path is the choice, not a fallback: nothing logged or counted.
    caplog.clear()
    settings.NOTIFICATIONS_EMAIL_PIPELINING = False
    with caplog.at_level(logging.WARNING, logger=email_channel.__name__):
        assert deliveries_send(delivery_ids=deliveries_create(users_create(2))).sent == 2
    assert not [r for r in caplog.records if r.levelno == logging.WARNING]
    assert email_channel.fast_path_fallbacks().count == 1


@pytest.mark.django_db(transaction=True)
def test_a_relay_confused_by_pipelining_mid_batch_gets_the_rest_plain_each_message_once(
    settings, relay, caplog
):
    from django.core.cache import cache

    cache.delete_many([email_channel.FALLBACKS_KEY, email_channel.FALLBACK_LAST_KEY])
    sink = relay()
    use_relay(settings, sink, pipelining=True)
    users = users_create(4)
    ids = deliveries_create(users)
    # The second message's RCPT is answered out of sequence.
    deliveries_send(delivery_ids=ids[:1])
    sink.answer_out_of_sequence(1)

    with caplog.at_level(logging.WARNING, logger=email_channel.__name__):
        summary = deliveries_send(delivery_ids=ids[1:])

    assert summary.sent == 3
    assert set(Delivery.objects.filter(id__in=ids).values_list("status", flat=True)) == {"sent"}
    assert sorted(sink.message_ids().values()) == [1, 1, 1, 1]
    assert sorted(m.rcpt_tos[0] for m in sink.messages()) == sorted(u.email for u in users)
    assert email_channel.fast_path_fallbacks().count == 1
    assert any("out of sequence" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db(transaction=True)
def test_a_preparation_that_breaks_is_logged_and_counted_and_the_messages_still_go(
    settings, relay, monkeypatch, caplog
):
    """As if an upgrade changed the email package under us: each message goes out the
    ordinary way, once, and the operators hear of it."""
    from django.core.cache import cache

    from civicportal.notifications.channels import email_prepared

    def changed(message):
        raise TypeError("as_bytes() got an unexpected keyword argument")

    monkeypatch.setattr(email_prepared, "wire_bytes", changed)
    cache.delete_many([email_channel.FALLBACKS_KEY, email_channel.FALLBACK_LAST_KEY])
    sink = relay()
    use_relay(settings, sink, pipelining=True)
    users = users_create(3)
    ids = deliveries_create(users)

    with caplog.at_level(logging.WARNING, logger=email_channel.__name__):
        summary = deliveries_send(delivery_ids=ids)

    assert summary.sent == 3
    assert sorted(sink.message_ids().values()) == [1, 1, 1]
    assert sorted(m.rcpt_tos[0] for m in sink.messages()) == sorted(u.email for u in users)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # one group (same language, all named)
    assert "No prepared email" in warnings[0]
    fallbacks = email_channel.fast_path_fallbacks()
    assert fallbacks.count == 1  # once for the group, not once per message
    assert "preparing the message failed" in fallbacks.last_reason
