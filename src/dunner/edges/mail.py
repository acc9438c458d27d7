"""Mail: building a reminder message and handing it to a transport (SMTP, Maildir, or nothing).

Messages are built with the standard email package under its strict policy: a header value with a
line break raises, so client data can never add a header. Transports say whether a failure is
temporary (retry on a later run), permanent (report, do not retry blindly) or fatal for the batch
(the server is unreachable: stop trying the rest).
"""

from __future__ import annotations

import contextlib
import os
import re
import smtplib
import ssl
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from dunner.core.errors import BadInput, OperationalError
from dunner.edges import secrets

# CRLF line ends and strict headers; bodies kept 7-bit (quoted-printable) so no server needs 8BITMIME.
POLICY = SMTP.clone(cte_type="7bit")


class DeliveryError(Exception):
    """A message was not delivered (or, if `uncertain`, may have been).

    `permanent` failures are not retried, `fatal` ones stop the batch, and an `uncertain` one is left
    for the user to check: it is never re-sent blindly.
    """

    def __init__(self, message: str, *, permanent: bool = False, fatal: bool = False, uncertain: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.fatal = fatal
        self.uncertain = uncertain


@dataclass(frozen=True)
class MailSettings:
    transport: str = "dry-run"
    host: str = "localhost"
    port: int = 587
    security: str = "starttls"
    username: str | None = None
    password_env: str | None = None
    password_command: tuple[str, ...] | None = None  # the command line, already split
    sender: str = ""
    bcc: str | None = None
    maildir: Path | None = None
    timeout: int = 30
    ca_file: Path | None = None  # a CA to trust besides the system's (a company's own mail server)

    @classmethod
    def from_config(cls, section: dict[str, Any], business_email: str, resolve: Any) -> MailSettings:
        sender = section.get("from") or business_email
        transport = section.get("transport", "dry-run")
        if transport != "dry-run" and not sender:
            raise BadInput("no sender address", hint="set [mail] from (or [business] email) in the config")
        return cls(
            transport=transport,
            host=section.get("host", "localhost"),
            port=section.get("port", 465 if section.get("security") == "ssl" else 587),
            security=section.get("security", "starttls"),
            username=section.get("username"),
            password_env=section.get("password_env"),
            password_command=secrets.split_command(section.get("password_command"), "[mail] password_command"),
            sender=sender,
            bcc=section.get("bcc"),
            maildir=resolve(section.get("maildir", "outbox")),
            timeout=section.get("timeout", 30),
            ca_file=resolve(section["ca_file"]) if section.get("ca_file") else None,
        )

    @property
    def domain(self) -> str:
        return self.sender.rpartition("@")[2] or "dunner.invalid"


@dataclass
class Outgoing:
    """A message ready to go: its To addresses, and a blind copy sent separately (never a header)."""

    message: EmailMessage
    to: list[str] = field(default_factory=list)
    bcc: str | None = None

    @property
    def recipients(self) -> list[str]:
        return [*self.to, *([self.bcc] if self.bcc else [])]

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


def _header(value: str, what: str) -> str:
    if "\r" in value or "\n" in value:
        raise BadInput(f"{what} must fit on one line")
    return value


def build_message(
    settings: MailSettings,
    *,
    sender_name: str,
    to: list[tuple[str, str]],
    subject: str,
    text: str,
    html: str,
    references: list[str],
    thread_root: str | None = None,
    qr_png: bytes | None = None,
    qr_cid: str | None = None,
    attachments: list[tuple[str, bytes]] = (),  # type: ignore[assignment] # (file name, PDF bytes)
    message_id: str | None = None,
) -> Outgoing:
    """A multipart message (text + HTML with the QR image inline, PDFs attached) with threading headers.

    An invoice's first message takes its thread root as Message-ID (`message_id`); every later
    reminder refers to it, so they all thread under the invoice in the client's mail reader.
    """
    msg = EmailMessage(policy=POLICY)
    local, _, domain = settings.sender.partition("@")
    msg["From"] = Address(_header(sender_name, "the sender's name"), local, domain)
    msg["To"] = [Address(_header(name, "a client name"), *addr.split("@", 1)) for name, addr in to]
    msg["Subject"] = _header(subject, "the subject")
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = message_id or make_msgid(idstring="dunner", domain=settings.domain)
    chain = [r for r in dict.fromkeys([*([thread_root] if thread_root else []), *references]) if r != msg["Message-ID"]]
    if chain:
        msg["In-Reply-To"] = chain[-1]
        msg["References"] = " ".join(chain)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    if qr_png is not None and qr_cid is not None:
        msg.get_payload()[1].add_related(qr_png, "image", "png", cid=f"<{qr_cid}>", filename="paiement-qr.png")
    for filename, content in attachments:
        msg.add_attachment(content, "application", "pdf", filename=_header(filename, "an attachment name"))
    return Outgoing(msg, [addr for _, addr in to], settings.bcc)


class Transport:
    """Delivers messages; `close` ends any session."""

    name = "dry-run"

    def open(self) -> None:
        """Get ready before the first message (connect, log in): a failure here costs no reminder."""
        return None

    def send(self, outgoing: Outgoing) -> list[str]:  # pragma: no cover - overridden
        """Deliver; return the recipients that were refused while others accepted."""
        raise NotImplementedError

    def close(self) -> None:
        return None


class MaildirTransport(Transport):
    """Writes each message into a Maildir folder (new/), which any mail client can open."""

    name = "maildir"

    def __init__(self, folder: Path) -> None:
        try:
            self.box = _private_maildir(folder)
        except OSError as exc:
            raise OperationalError(f"cannot open the Maildir {folder}: {exc.strerror}") from None

    def send(self, outgoing: Outgoing) -> list[str]:
        try:
            self.box.add(outgoing.message)
        except OSError as exc:
            raise DeliveryError(f"cannot write to the Maildir: {exc.strerror}", fatal=True) from None
        return []


def _private_maildir(folder: Path) -> Any:
    """A Maildir whose messages are 0600 (mailbox.Maildir makes them 0666 less the umask; its folders 0700)."""
    import mailbox

    class PrivateMaildir(mailbox.Maildir):
        def _create_tmp(self) -> Any:  # every message file starts here, then moves to new/
            file = super()._create_tmp()  # type: ignore[misc]
            os.fchmod(file.fileno(), 0o600)
            return file

    return PrivateMaildir(folder, create=True)


class SmtpTransport(Transport):
    """One SMTP session for the whole batch, opened on the first message."""

    name = "smtp"

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self.session: smtplib.SMTP | None = None

    def _password(self) -> str | None:
        s = self.settings
        if s.password_env:
            return secrets.from_env(s.password_env, "SMTP password")
        if s.password_command:
            return secrets.run_command(s.password_command, "SMTP password")
        return None

    def _tls(self) -> ssl.SSLContext:
        """Certificates are verified (smtplib alone would not for STARTTLS)."""
        try:
            return ssl.create_default_context(cafile=str(self.settings.ca_file) if self.settings.ca_file else None)
        except (OSError, ssl.SSLError) as exc:
            raise OperationalError(f"cannot read [mail] ca_file {self.settings.ca_file}: {exc}") from None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            if s.security == "ssl":
                session: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self._tls())
            else:
                session = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    session.starttls(context=self._tls())
            if s.username:
                self._login(session)
        except smtplib.SMTPAuthenticationError as exc:
            raise OperationalError(
                f"the SMTP server refused the login: {exc.smtp_code} {_text(exc.smtp_error)}"
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"cannot reach the SMTP server {s.host}:{s.port}: {exc}", fatal=True) from None
        return session

    def _login(self, session: smtplib.SMTP) -> None:
        s = self.settings
        password = self._password() or ""
        try:
            session.login(s.username or "", password)
        except smtplib.SMTPNotSupportedError:  # "SMTP AUTH extension not supported by server"
            with contextlib.suppress(OSError, smtplib.SMTPException):
                session.quit()
            raise OperationalError(
                f"the SMTP server {s.host}:{s.port} does not offer authentication (no AUTH)",
                hint="remove [mail] username if it needs no login; many servers offer it only over TLS"
                ' (security = "starttls" or "ssl")',
            ) from None

    def open(self) -> None:
        if self.session is None:
            self.session = self._connect()

    def send(self, outgoing: Outgoing) -> list[str]:
        """Send to the client, then (only if that worked) the blind copy; return the refused recipients."""
        refused = self._send(outgoing.message, outgoing.to)
        if outgoing.bcc:
            with contextlib.suppress(DeliveryError):
                self._send(outgoing.message, [outgoing.bcc])
        return refused

    def _send(self, message: EmailMessage, to: list[str]) -> list[str]:
        """One SMTP transaction, step by step, so that an answer lost after the message was handed over
        is told apart from a failure before it: the first may have been delivered (uncertain)."""
        if self.session is None:
            self.session = self._connect()
        session, refused = self.session, []
        try:
            session.ehlo_or_helo_if_needed()
            code, reply = session.mail(self.settings.sender)
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, reply, self.settings.sender)
            answers = {addr: session.rcpt(addr) for addr in to}
            refused = [f"{a} ({c} {_text(r)})" for a, (c, r) in answers.items() if c not in (250, 251)]
            if len(refused) == len(to):
                session.rset()
                codes = [code for code, _ in answers.values()]
                raise DeliveryError(f"recipients refused: {'; '.join(refused)}", permanent=min(codes) >= 500)
            code, reply = session.docmd("data")
            if code != 354:
                raise smtplib.SMTPDataError(code, reply)
            session.send(_dot_stuffed(message.as_bytes()))
        except smtplib.SMTPResponseException as exc:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                session.rset()
            raise DeliveryError(
                f"SMTP {exc.smtp_code} {_text(exc.smtp_error)}", permanent=exc.smtp_code >= 500
            ) from None
        except (TimeoutError, OSError, smtplib.SMTPException) as exc:
            self.session = None
            raise DeliveryError(f"SMTP connection lost: {exc}", fatal=True) from None
        try:
            code, reply = session.getreply()
        except (TimeoutError, OSError, smtplib.SMTPException) as exc:
            self.session = None
            raise DeliveryError(
                f"the server took the message but never confirmed it ({exc}): it may have been delivered",
                uncertain=True,
                fatal=True,
            ) from None
        if code != 250:
            raise DeliveryError(f"SMTP {code} {_text(reply)}", permanent=code >= 500)
        return refused

    def close(self) -> None:
        if self.session is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.session.quit()
            self.session = None


def _dot_stuffed(payload: bytes) -> bytes:
    """The DATA section: lines starting with a dot doubled, then the lone dot that ends it (RFC 5321)."""
    body = re.sub(rb"(?m)^\.", b"..", payload)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    return body + b".\r\n"


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def transport_for(settings: MailSettings) -> Transport:
    if settings.transport == "smtp":
        return SmtpTransport(settings)
    if settings.transport == "maildir":
        assert settings.maildir is not None
        return MaildirTransport(settings.maildir)
    return Transport()


def thread_root(number: str, domain: str) -> str:
    """A stable Message-ID for an invoice's thread, so its reminders group together in mail readers."""
    return f"<invoice.{re.sub(r'[^A-Za-z0-9.-]', '-', number)}@{domain}>"
