"""Real receivers for notifications: an SMTP server (aiosmtpd) and a Slack incoming-webhook
receiver, both on 127.0.0.1, and ways to read what they received."""

from __future__ import annotations

import asyncio
import email
import json
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from icalendar import Calendar
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.fakes.server import ServedApp


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, content_type: str) -> str | None:
        for part in self.message.walk():
            if part.get_content_type() == content_type and not part.is_multipart():
                return str(part.get_content())
        return None

    @property
    def text(self) -> str:
        return self.part("text/plain") or ""

    @property
    def html(self) -> str:
        return self.part("text/html") or ""

    def calendar(self) -> Calendar | None:
        raw = self.part("text/calendar")
        return Calendar.from_ical(raw) if raw else None


@dataclass
class SmtpServer:
    """refuse=True answers every RCPT with 550, as a server that will not take the mail;
    delay_seconds keeps each message that long before accepting it (a slow server), and
    `started` counts the messages whose DATA began."""

    refuse: bool = False
    mails: list[Mail] = field(default_factory=list)
    refused: int = 0
    delay_seconds: float = 0.0
    started: int = 0

    def __post_init__(self) -> None:
        self.port = free_port()
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.refuse:
            with self._lock:
                self.refused += 1
            return "550 5.7.1 Not accepting mail for this test"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self._lock:
            self.started += 1
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.mails.append(
                Mail(str(envelope.mail_from), [str(r) for r in envelope.rcpt_tos], message)
            )
        return "250 Message accepted"

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def to(self, address: str) -> list[Mail]:
        with self._lock:
            return [m for m in self.mails if address in m.recipients]

    def snapshot(self) -> list[Mail]:
        with self._lock:
            return list(self.mails)


@dataclass
class SlackReceiver:
    """An incoming-webhook receiver: keeps every JSON body and answers `status` (after
    `delay_seconds`, for a slow receiver)."""

    status: int = 200
    bodies: list[dict[str, Any]] = field(default_factory=list)
    delay_seconds: float = 0.0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        app = Starlette(routes=[Route("/services/{rest:path}", self._hook, methods=["POST"])])
        self._served = ServedApp(app)
        self.port: int = self._served.port
        self.url = f"http://127.0.0.1:{self.port}/services/T000/B000/XXXX"

    async def _hook(self, request: Request) -> Response:
        body = json.loads(await request.body())
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        with self._lock:
            self.bodies.append(body)
        return Response(b"ok", status_code=self.status)

    def start(self) -> SlackReceiver:
        self._served.start()
        return self

    def stop(self) -> None:
        self._served.stop()

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.bodies)


def smtp_settings(server: SmtpServer, **overrides: Any) -> dict[str, Any]:
    return {
        "smtp_host": "127.0.0.1",
        "smtp_port": server.port,
        "smtp_tls": "none",
        "smtp_sender": "Hireloop <hireloop@example.com>",
        **overrides,
    }
