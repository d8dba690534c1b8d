"""An SMTP relay on loopback (aiosmtpd) that records what it accepts byte for byte and can
be scripted to misbehave: answer a recipient with a chosen reply, drop the connection, or
wait before a reply.

``ScriptedRelay`` keeps, for each accepted message, the envelope (sender, its options,
recipients) and the message's bytes as they arrived (``original_content``, dot-unstuffed).
A message counts as accepted only once the relay has decided to answer 250 to its final
dot; a message whose connection is gone before that (the client timed out or the relay
dropped it) is not recorded, as a relay that could not confirm it would not deliver it.
"""

from __future__ import annotations

import asyncio
import email
import ipaddress
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from django.core.mail.backends.smtp import EmailBackend as SmtpEmailBackend

from tests.notifications.conftest import free_port

# The commands a script can act on; DATA stands for the end of the message (its final dot).
COMMANDS = ("EHLO", "MAIL", "RCPT", "DATA")


@dataclass(frozen=True)
class Accepted:
    mail_from: str
    mail_options: tuple[str, ...]
    rcpt_tos: tuple[str, ...]
    content: bytes

    @property
    def message_id(self) -> str:
        return email.message_from_bytes(self.content)["Message-ID"]

    def envelope(self) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
        return self.mail_from, self.mail_options, self.rcpt_tos


@dataclass
class Misbehaviour:
    """At the ``nth`` ``command`` from now (1 = the next): drop, or wait ``delay`` seconds."""

    command: str
    nth: int
    drop: bool = False
    delay: float = 0.0


@dataclass
class _Script:
    seen: Counter = field(default_factory=Counter)
    steps: list[Misbehaviour] = field(default_factory=list)
    every: dict[str, float] = field(default_factory=dict)  # command -> delay before each reply
    rcpt_replies: dict[str, str] = field(default_factory=dict)  # address -> reply
    out_of_sequence_rcpt: int = 0  # RCPTs to answer 503 (a relay confused by pipelining)


class _Handler:
    def __init__(self, relay: ScriptedRelay) -> None:
        self.relay = relay

    async def _act(self, server, command: str) -> None:
        """Apply the script to this command: wait, or drop the connection for good."""
        relay = self.relay
        with relay.lock:
            relay.script.seen[command] += 1
            count = relay.script.seen[command]
            delay = relay.script.every.get(command, 0.0)
            steps = [s for s in relay.script.steps if s.command == command and s.nth == count]
        for step in steps:
            if step.drop:
                server.transport.close()
                await asyncio.sleep(3600)  # cancelled as the connection goes
            delay += step.delay
        if delay:
            await asyncio.sleep(delay)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        await self._act(server, "EHLO")
        session.host_name = hostname
        if self.relay.pipelining:
            responses.insert(len(responses) - 1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        await self._act(server, "MAIL")
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await self._act(server, "RCPT")
        with self.relay.lock:
            if self.relay.script.out_of_sequence_rcpt > 0:
                self.relay.script.out_of_sequence_rcpt -= 1
                return "503 5.5.1 Error: bad sequence of commands"
            reply = self.relay.script.rcpt_replies.get(address)
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        await self._act(server, "DATA")
        if server.transport is None or server.transport.is_closing():
            return "421 4.4.2 Connection gone"  # never read: nothing was accepted
        with self.relay.lock:
            self.relay.accepted.append(
                Accepted(
                    mail_from=envelope.mail_from,
                    mail_options=tuple(envelope.mail_options),
                    rcpt_tos=tuple(envelope.rcpt_tos),
                    content=envelope.original_content,
                )
            )
        return "250 Message accepted for delivery"


class ScriptedRelay:
    """``pipelining`` offers PIPELINING; ``tls`` (an ``ssl.SSLContext``) offers STARTTLS,
    or with ``implicit_tls`` speaks TLS from the start (SMTPS); ``users`` turns on AUTH
    (PLAIN and LOGIN, less ``auth_exclude``) with those user names and passwords."""

    def __init__(
        self,
        *,
        pipelining: bool = True,
        tls=None,
        implicit_tls: bool = False,
        users: dict[str, str] | None = None,
        auth_exclude: tuple[str, ...] = (),
    ) -> None:
        self.port = free_port()
        self.pipelining = pipelining
        self.lock = threading.Lock()
        self.accepted: list[Accepted] = []
        self.script = _Script()
        self.logins: list[str] = []
        options: dict = {}
        if tls is not None and not implicit_tls:
            options.update(tls_context=tls, require_starttls=True)
        if users is not None:

            def authenticator(server, session, envelope, mechanism, auth_data):
                user = auth_data.login.decode()
                ok = users.get(user) == auth_data.password.decode()
                if ok:
                    with self.lock:
                        self.logins.append(f"{mechanism} {user}")
                return AuthResult(success=ok)

            options.update(
                authenticator=authenticator,
                # Over SMTPS the whole session is TLS (aiosmtpd only knows of STARTTLS's).
                auth_require_tls=tls is not None and not implicit_tls,
                auth_exclude_mechanism=list(auth_exclude),
            )
        self._controller = Controller(
            _Handler(self),
            hostname="127.0.0.1",
            port=self.port,
            ssl_context=tls if implicit_tls else None,
            **options,
        )

    def start(self) -> ScriptedRelay:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    # --- the script -----------------------------------------------------------------------

    def misbehave(self, command: str, nth: int = 1, *, drop=False, delay=0.0) -> None:
        assert command in COMMANDS, command
        with self.lock:
            seen = self.script.seen[command]
            self.script.steps.append(Misbehaviour(command, seen + nth, drop=drop, delay=delay))

    def slow(self, **delays: float) -> None:
        """Wait this long before every reply to these commands (``MAIL=0.2``)."""
        assert set(delays) <= set(COMMANDS), delays
        with self.lock:
            self.script.every = dict(delays)

    def answer_rcpt(self, address: str, reply: str | None) -> None:
        with self.lock:
            if reply is None:
                self.script.rcpt_replies.pop(address, None)
            else:
                self.script.rcpt_replies[address] = reply

    def answer_out_of_sequence(self, rcpts: int = 1) -> None:
        with self.lock:
            self.script.out_of_sequence_rcpt = rcpts

    def behave(self) -> None:
        with self.lock:
            seen = self.script.seen
            self.script = _Script(seen=seen)

    # --- what arrived ---------------------------------------------------------------------

    def messages(self) -> list[Accepted]:
        with self.lock:
            return list(self.accepted)

    def message_ids(self) -> Counter:
        return Counter(message.message_id for message in self.messages())

    def clear(self) -> None:
        with self.lock:
            self.accepted.clear()


def tls_files(folder: Path) -> tuple[Path, Path, Path]:
    """A certificate authority and a server certificate for 127.0.0.1 signed by it, made
    here (no files from outside): (CA certificate, server certificate, server key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.now(UTC)

    def name(common: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("Test relay CA"))
        .issuer_name(name("Test relay CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = (
        folder / "ca.pem",
        folder / "relay.pem",
        folder / "relay.key",
    )
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_path, cert_path, key_path


# --- Fixtures -------------------------------------------------------------------------------


class OrdinarySmtpBackend(SmtpEmailBackend):
    """Django's SMTP backend under another name: the email channel then sends every
    message the ordinary way (built as an EmailMessage, sent by the backend), as it does
    over anymail."""


ORDINARY_BACKEND = f"{__name__}.OrdinarySmtpBackend"


def relays_started() -> Iterator[Callable[..., ScriptedRelay]]:
    """For a fixture: ``relay(**options)`` starts a ``ScriptedRelay``; each is stopped
    after the test."""
    relays: list[ScriptedRelay] = []

    def start(**options) -> ScriptedRelay:
        relays.append(ScriptedRelay(**options).start())
        return relays[-1]

    yield start
    for started in relays:
        started.stop()


def use_relay(settings, relay: ScriptedRelay, *, pipelining: bool = True, **email) -> None:
    """This process sends email through ``relay``, pipelined or not."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", relay.port
    settings.EMAIL_HOST_USER = email.get("user", "")
    settings.EMAIL_HOST_PASSWORD = email.get("password", "")
    settings.EMAIL_USE_TLS = email.get("tls", False)
    settings.EMAIL_USE_SSL = email.get("ssl", False)
    settings.EMAIL_TIMEOUT = email.get("timeout", 5)
    settings.NOTIFICATIONS_EMAIL_PIPELINING = pipelining
