"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the mail tests, with answers the tests can script."""

from __future__ import annotations

import email
import socket
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder:
    """Keeps every message received; refuses recipients listed in `refuse` with the code given."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.refuse: dict[str, str] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 Message accepted for delivery"


class MailServer:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.recorder = Recorder()
        self.controller: Controller | None = None

    def start(self) -> MailServer:
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[tuple[list[str], EmailMessage]]:
        return self.recorder.messages


class SwallowingServer:
    """An SMTP server that takes the whole message and then hangs up without saying 250.

    The client cannot know whether the message was delivered: dunner must not send it again blindly.
    """

    def __init__(self, hang: bool = False) -> None:
        import threading

        self.port = free_port()
        self.bodies: list[bytes] = []
        self.hang = threading.Event() if hang else None  # keep the line open, silent, until stopped
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                self._talk(conn.makefile("rwb"))

    def _talk(self, stream) -> None:
        def say(line: str) -> None:
            stream.write(line.encode() + b"\r\n")
            stream.flush()

        say("220 swallow ESMTP")
        while line := stream.readline():
            verb = line.decode().strip().upper()
            if verb.startswith(("EHLO", "HELO")):
                say("250 swallow")
            elif verb.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
                say("250 OK")
            elif verb == "DATA":
                say("354 go ahead")
                body = b""
                while (chunk := stream.readline()) and chunk != b".\r\n":
                    body += chunk
                self.bodies.append(body)
                if self.hang is not None:
                    self.hang.wait(60)
                return  # hang up: the final 250 never comes
            elif verb == "QUIT":
                say("221 bye")
                return

    def stop(self) -> None:
        if self.hang is not None:
            self.hang.set()
        self.sock.close()


ARCHIVE = "archives@atelier-test.fr"


def smtp_config(port: int, extra: str = "") -> str:
    return f"""
[mail]
transport = "smtp"
host = "127.0.0.1"
port = {port}
security = "none"
from = "relances@atelier-test.fr"
bcc = "archives@atelier-test.fr"
timeout = 2
{extra}"""
