"""A real SMTP server for the tests, and in-process delivery of queued e-mails."""
from __future__ import annotations

import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from sqlalchemy import select

from app.extensions import db
from app.integration import jobs
from app.integration.models import DeliveryState, OutboxEvent
from app.mail.services import EMAIL_TOPIC


class _Recorder:
    def __init__(self, server: "RecordingSmtpServer"):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.server.refused_addresses:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.server.lock:
            self.server.messages.append(message)
        return "250 Message accepted for delivery"


class RecordingSmtpServer:
    """aiosmtpd on a free localhost port, keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refused_addresses: set[str] = set()
        self.lock = threading.Lock()
        self.port = _free_port()
        self._controller = Controller(_Recorder(self), hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()
        self.refused_addresses.clear()

    def app_config(self) -> dict:
        return {"MAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": self.port,
                "SMTP_SECURITY": "none", "SMTP_TIMEOUT": 5.0}

    def wait_for(self, count: int, timeout: float = 10) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        raise AssertionError(f"expected {count} e-mails, got {len(self.messages)}")

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if address.lower() in m["To"].lower()]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def deliver_emails() -> int:
    """Run the e-mail delivery job here for every queued e-mail; returns how many were sent."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    from app.integration.queue import get_queue, outbox_job_id

    db.session.commit()
    events = db.session.scalars(select(OutboxEvent).where(
        OutboxEvent.topic == EMAIL_TOPIC,
        OutboxEvent.state.in_([s for s in DeliveryState if s.is_open]))).all()
    sent = 0
    for event in events:
        try:
            Job.fetch(outbox_job_id(event.id), connection=get_queue().connection).delete()
        except NoSuchJobError:
            pass
        sent += jobs.deliver_outbox_event(event.id) == "synced"
    db.session.expire_all()
    return sent


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()
