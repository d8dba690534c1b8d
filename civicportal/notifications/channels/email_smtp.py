"""The email channel's SMTP sessions, on public interfaces only.

Both put a prepared message (``email_prepared.Filled``) on the wire with the same envelope
and the same bytes, and report refusals with smtplib's exceptions, as
``smtplib.SMTP.sendmail`` does, so the channel reads their outcome alike:

- ``PipelinedSession``, the fast path: a socket of its own that speaks SMTP itself and
  sends MAIL, RCPT and DATA in one write (PIPELINING, RFC 2920), two round trips per
  message instead of four. It raises ``FastPathUnavailable`` when it cannot serve the relay
  (no PIPELINING offered, a refused EHLO, STARTTLS or AUTH it cannot do, a relay that
  answers pipelined commands out of sequence); the channel then logs it, counts it and
  carries on over a ``PlainSession``.
- ``PlainSession``: ``smtplib.SMTP`` through its documented methods (``starttls``,
  ``login``, ``sendmail``, ``quit``).

Both open the connection Django's SMTP backend would (the documented ``EMAIL_*``
settings: host, port, TLS or SSL and their certificate files, credentials, timeout).
"""

from __future__ import annotations

import base64
import functools
import re
import smtplib
import socket
import ssl
from contextlib import suppress
from dataclasses import dataclass

from django.conf import settings

from civicportal.notifications.channels.email_prepared import Filled

# As smtplib: the longest reply line read, and dot-stuffing of the message's lines.
_MAX_REPLY_LINE = 8192
_LEADING_DOT = re.compile(rb"(?m)^\.")


class FastPathUnavailable(Exception):
    """The pipelined session cannot serve this relay; the message was not sent."""


@dataclass(frozen=True, slots=True)
class Relay:
    """Where and how to connect, from Django's documented email settings."""

    host: str
    port: int
    username: str
    password: str
    use_tls: bool
    use_ssl: bool
    timeout: float | None
    ssl_certfile: str | None
    ssl_keyfile: str | None

    @classmethod
    def from_settings(cls) -> Relay:
        return cls(
            host=settings.EMAIL_HOST,
            port=int(settings.EMAIL_PORT),
            username=settings.EMAIL_HOST_USER or "",
            password=settings.EMAIL_HOST_PASSWORD or "",
            use_tls=bool(settings.EMAIL_USE_TLS),
            use_ssl=bool(settings.EMAIL_USE_SSL),
            timeout=settings.EMAIL_TIMEOUT,
            ssl_certfile=settings.EMAIL_SSL_CERTFILE,
            ssl_keyfile=settings.EMAIL_SSL_KEYFILE,
        )

    def ssl_context(self) -> ssl.SSLContext:
        """The TLS context Django's SMTP backend uses for the same settings."""
        if self.ssl_certfile or self.ssl_keyfile:
            context = ssl.SSLContext(protocol=ssl.PROTOCOL_TLS_CLIENT)
            context.load_cert_chain(self.ssl_certfile, self.ssl_keyfile)
            return context
        return ssl.create_default_context()

    @property
    def logs_in(self) -> bool:
        return bool(self.username and self.password)  # as Django's backend decides


@functools.cache
def local_hostname() -> str:
    """The name this host gives in EHLO, found once per process (as smtplib finds it)."""
    fqdn = socket.getfqdn()
    if "." in fqdn:
        return fqdn.encode("idna").decode("ascii") if not fqdn.isascii() else fqdn
    try:
        return f"[{socket.gethostbyname(socket.gethostname())}]"
    except OSError:
        return "[127.0.0.1]"


class PlainSession:
    """One ``smtplib.SMTP`` connection, driven through its documented methods."""

    def __init__(self, relay: Relay) -> None:
        options: dict = {"local_hostname": local_hostname()}
        if relay.timeout is not None:
            options["timeout"] = relay.timeout
        if relay.use_ssl:
            smtp = smtplib.SMTP_SSL(relay.host, relay.port, context=relay.ssl_context(), **options)
        else:
            smtp = smtplib.SMTP(relay.host, relay.port, **options)
        try:
            if relay.use_tls and not relay.use_ssl:
                smtp.starttls(context=relay.ssl_context())
            if relay.logs_in:
                smtp.login(relay.username, relay.password)
        except BaseException:
            smtp.close()
            raise
        self.smtp = smtp

    def send(self, data: Filled) -> None:
        self.smtp.sendmail(data.sender, [data.recipient], data.message)

    def close(self) -> None:
        try:
            self.smtp.quit()
        except (smtplib.SMTPException, OSError):
            self.smtp.close()


class PipelinedSession:
    """SMTP spoken over a socket of our own, MAIL/RCPT/DATA pipelined.

    Setting up: the relay's greeting, EHLO, STARTTLS (``EMAIL_USE_TLS``) or TLS from the
    start (``EMAIL_USE_SSL``), AUTH PLAIN or LOGIN. A socket error or a greeting other
    than 220 is raised as it is (the relay cannot be reached, and the plain path would fare
    no better); anything else the session cannot do raises ``FastPathUnavailable``.
    """

    def __init__(self, relay: Relay) -> None:
        self.relay = relay
        self.extensions: dict[str, str] = {}
        if relay.timeout is None:
            sock = socket.create_connection((relay.host, relay.port))
        else:
            sock = socket.create_connection((relay.host, relay.port), relay.timeout)
        self._sock: socket.socket | None = sock
        self._file = None
        try:
            if relay.use_ssl:
                self._attach(relay.ssl_context().wrap_socket(sock, server_hostname=relay.host))
            else:
                self._attach(sock)
            code, reply = self._reply()
            if code != 220:
                raise smtplib.SMTPConnectError(code, reply)
            self._ehlo()
            if relay.use_tls and not relay.use_ssl:
                self._starttls()
            if "pipelining" not in self.extensions:
                raise FastPathUnavailable("the relay does not offer PIPELINING")
            if relay.logs_in:
                self._login()
        except FastPathUnavailable:
            self.close()  # a relay that answers well: say goodbye
            raise
        except BaseException:
            self.close(quit=False)
            raise
        self._size = "size" in self.extensions

    # --- the wire -------------------------------------------------------------------------

    def _attach(self, sock: socket.socket) -> None:
        if self._file is not None:
            self._file.close()
        self._sock = sock
        self._file = sock.makefile("rb")

    def _write(self, data: bytes) -> None:
        if self._sock is None:
            raise smtplib.SMTPServerDisconnected("please run connect() first")
        try:
            self._sock.sendall(data)
        except OSError as exc:  # as smtplib: the connection is gone
            self.close(quit=False)
            raise smtplib.SMTPServerDisconnected(f"Server not connected: {exc}") from exc

    def _reply(self) -> tuple[int, bytes]:
        """One reply, single or multi-line, read as ``smtplib.SMTP.getreply`` reads it."""
        if self._file is None:
            raise smtplib.SMTPServerDisconnected("please run connect() first")
        lines = []
        while True:
            try:
                line = self._file.readline(_MAX_REPLY_LINE + 1)
            except OSError as exc:  # a timeout or a reset, as smtplib reports them
                self.close(quit=False)
                raise smtplib.SMTPServerDisconnected(
                    f"Connection unexpectedly closed: {exc}"
                ) from exc
            if not line:
                self.close(quit=False)
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            if len(line) > _MAX_REPLY_LINE:
                self.close(quit=False)
                raise smtplib.SMTPResponseException(500, b"Line too long.")
            lines.append(line[4:].strip(b" \t\r\n"))
            try:
                code = int(line[:3])
            except ValueError:
                code = -1
                break
            if line[3:4] != b"-":
                break
        return code, b"\n".join(lines)

    def _command(self, line: str) -> tuple[int, bytes]:
        self._write(f"{line}\r\n".encode("ascii"))
        return self._reply()

    # --- setting up -----------------------------------------------------------------------

    def _ehlo(self) -> None:
        code, reply = self._command(f"ehlo {local_hostname()}")
        if code != 250:
            raise FastPathUnavailable(f"the relay answered EHLO with {code} {reply!r}")
        self.extensions = {}
        for line in reply.decode("latin-1").split("\n")[1:]:
            keyword, _sep, params = line.partition(" ")
            self.extensions[keyword.lower()] = params.strip()

    def _starttls(self) -> None:
        if "starttls" not in self.extensions:
            raise FastPathUnavailable("the relay does not offer STARTTLS")
        code, reply = self._command("STARTTLS")
        if code != 220:
            raise FastPathUnavailable(f"the relay answered STARTTLS with {code} {reply!r}")
        context = self.relay.ssl_context()
        self._attach(context.wrap_socket(self._sock, server_hostname=self.relay.host))
        self._ehlo()

    def _login(self) -> None:
        user, password = self.relay.username, self.relay.password
        mechanisms = self.extensions.get("auth", "").upper().split()
        if "PLAIN" in mechanisms:
            secret = _base64(f"\0{user}\0{password}")
            code, reply = self._command(f"AUTH PLAIN {secret}")
        elif "LOGIN" in mechanisms:
            code, reply = self._command("AUTH LOGIN")
            if code == 334:
                code, reply = self._command(_base64(user))
            if code == 334:
                code, reply = self._command(_base64(password))
        else:
            raise FastPathUnavailable(
                f"the relay offers no AUTH mechanism of the fast path (PLAIN, LOGIN): "
                f"{mechanisms or 'none'}"
            )
        if code not in (235, 503):  # 503: already authenticated
            raise FastPathUnavailable(f"the relay refused AUTH with {code} {reply!r}")

    # --- sending --------------------------------------------------------------------------

    def send(self, data: Filled) -> None:
        """``smtplib.SMTP.sendmail(data.sender, [data.recipient], data.message)``, pipelined.

        The same commands, envelope, message bytes, replies and exceptions; on a refusal
        the transaction is reset (or, after 421, the connection closed) before raising.
        """
        options = f" size={len(data.message)}" if self._size else ""
        self._write(
            f"mail FROM:<{data.sender}>{options}\r\nrcpt TO:<{data.recipient}>\r\ndata\r\n".encode(
                "ascii"
            )
        )
        replies: list[tuple[int, bytes]] = []
        while len(replies) < 3:
            replies.append(self._reply())
            if replies[-1][0] == 421:  # the relay is closing the connection
                break
        replies += [(-1, b"")] * (3 - len(replies))
        (mail_code, mail_reply), (rcpt_code, rcpt_reply), (data_code, data_reply) = replies
        if data_code == 354 and (mail_code != 250 or rcpt_code not in (250, 251)):
            self._write(b".\r\n")  # a relay that opened DATA anyway gets an empty message
            self._reply()
        out_of_sequence = mail_code == 250 and (
            rcpt_code == 503 or (rcpt_code in (250, 251) and data_code == 503)
        )
        if out_of_sequence:
            self._reset()
            raise FastPathUnavailable(
                f"the relay answered pipelined commands out of sequence: RCPT {rcpt_code}, "
                f"DATA {data_code} {data_reply!r}"
            )
        if mail_code != 250:
            self._refused(mail_code)
            raise smtplib.SMTPSenderRefused(mail_code, mail_reply, data.sender)
        if rcpt_code not in (250, 251):
            self._refused(rcpt_code)
            raise smtplib.SMTPRecipientsRefused({data.recipient: (rcpt_code, rcpt_reply)})
        if data_code != 354:
            self._refused(data_code)
            raise smtplib.SMTPDataError(data_code, data_reply)
        body = _LEADING_DOT.sub(b"..", data.message)  # as smtplib.SMTP.data
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        self._write(body + b".\r\n")
        code, reply = self._reply()
        if code != 250:
            self._refused(code)
            raise smtplib.SMTPDataError(code, reply)

    def _refused(self, code: int) -> None:
        if code == 421:
            self.close(quit=False)
        else:
            self._reset()

    def _reset(self) -> None:
        with suppress(smtplib.SMTPServerDisconnected):  # the next send reports it
            self._command("RSET")

    def close(self, *, quit: bool = True) -> None:
        sock, file = self._sock, self._file
        self._sock = self._file = None
        if sock is None:
            return
        if quit:
            try:
                sock.sendall(b"QUIT\r\n")
                if file is not None:
                    file.readline(_MAX_REPLY_LINE + 1)
            except OSError:
                pass
        if file is not None:
            file.close()
        sock.close()


def _base64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")
