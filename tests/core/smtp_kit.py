"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the campaign tests, copied in spirit from
tests/reminders/test_delivery.py: it keeps what it accepts and misbehaves on demand."""

from __future__ import annotations

import email
import email.message
import email.policy
import socket
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pocketcrm.core.delivery import SmtpSettings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Recorder:
    """Accepts mail; can refuse some addresses, refuse every message past a count, or drop
    the connection (as a dying server does) when a given message arrives."""

    refuse_rcpt: set[str] = field(default_factory=set)
    refuse_sender: bool = False
    accept_only: int | None = None  # after this many accepted messages, answer refuse_with
    refuse_with: str = "451 4.3.0 try again later"
    drop_at: int | None = None  # close the connection instead of answering this message (1-based)
    seen: int = 0
    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: Any
    ) -> str:
        if self.refuse_sender:
            return "550 5.7.1 sender not allowed"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.refuse_rcpt:
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.seen += 1
        if self.drop_at is not None and self.seen == self.drop_at:
            server.transport.close()
            return "421 4.3.0 gone"
        if self.accept_only is not None and len(self.messages) >= self.accept_only:
            return self.refuse_with
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def per_address(self) -> Counter[str]:
        return Counter(to for _, tos, _ in self.messages for to in tos)

    def parsed(self) -> list[email.message.EmailMessage]:
        found = []
        for _, _, raw in self.messages:
            message = email.message_from_bytes(raw, policy=email.policy.default)
            assert isinstance(message, email.message.EmailMessage)
            found.append(message)
        return found


@dataclass
class Server:
    handler: Recorder
    port: int

    def settings(self, **changes: Any) -> SmtpSettings:
        values: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": self.port,
            "security": "none",
            "sender": "shop@example.com",
            "timeout": 5.0,
        }
        values.update(changes)
        return SmtpSettings(**values)


def start(handler: Recorder, port: int | None = None) -> Iterator[Server]:
    from aiosmtpd.controller import Controller

    port = port or free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield Server(handler, port)
    finally:
        controller.stop()
