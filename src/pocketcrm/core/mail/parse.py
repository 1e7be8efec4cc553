"""One raw message as the intake needs it: who, to whom, when, about what, and the text.

The parser is the standard library's with the compat32 policy (several times faster than
the modern one, which matters at 10,000 messages); headers are decoded by hand. A message
the intake cannot file (no headers, no sender address) raises Malformed with the reason;
it is kept aside, and the rest of the fetch goes on.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

_IDS = re.compile(r"<[^<>\s]+>")
_TAGS = re.compile(r"<[^>]*>")
_QUOTE_INTRO = re.compile(r"^On .{0,200}wrote:\s*$")
_PARSER = BytesParser()


class Malformed(Exception):
    """A message that cannot be filed; `reason` says why (kept with the message)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Parsed:
    message_id: str
    subject: str
    sender: str  # the From address, lower-cased
    sender_name: str
    recipients: tuple[str, ...]  # To, Cc, Bcc, Delivered-To, X-Original-To: lower-cased
    to_cc: tuple[str, ...]  # To and Cc only (the people it was written to)
    sent_at: datetime | None
    references: tuple[str, ...]  # In-Reply-To and References Message-IDs
    text: str  # the plain text (HTML stripped when there is no text part)


def identity(raw: bytes, header: str) -> str:
    """The Message-ID, or a digest of the bytes for a message without one (stable)."""
    found = _IDS.search(header or "")
    if found:
        return found.group(0)
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _header(message: Message, name: str) -> str:
    value = message.get(name)
    if value is None:
        return ""
    try:
        return " ".join(str(make_header(decode_header(str(value)))).split())
    except (LookupError, UnicodeError, ValueError, TypeError):
        return " ".join(str(value).split())


def _addresses(message: Message, *names: str) -> list[str]:
    values = [str(v) for name in names for v in message.get_all(name, [])]
    return [a.strip().lower() for _, a in getaddresses(values) if "@" in a]


def _payload_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, "replace")
    except LookupError:
        return payload.decode("utf-8", "replace")


def body_text(message: Message) -> str:
    """The first text/plain part; else the first text/html part without its tags."""
    html = ""
    for part in message.walk():
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        kind = part.get_content_type()
        if kind == "text/plain":
            return _payload_text(part).strip()
        if kind == "text/html" and not html:
            html = _TAGS.sub(" ", _payload_text(part))
    return " ".join(html.split())


def _when(message: Message) -> datetime | None:
    value = message.get("Date")
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse(raw: bytes) -> Parsed:
    """The message's facts, or Malformed with the reason."""
    if not raw.strip():
        raise Malformed("empty message")
    try:
        message = _PARSER.parsebytes(raw)
    except (ValueError, TypeError, IndexError) as exc:  # the stdlib parser's failures
        raise Malformed(f"cannot be parsed: {exc}") from None
    if not message.keys():
        raise Malformed("no headers")
    name, sender = parseaddr(_header(message, "From"))
    if "@" not in sender:
        raise Malformed("no sender address in From")
    to_cc = _addresses(message, "To", "Cc")
    others = _addresses(message, "Bcc", "Delivered-To", "X-Original-To")
    refs = _IDS.findall(
        str(message.get("In-Reply-To", "")) + " " + str(message.get("References", ""))
    )
    return Parsed(
        message_id=identity(raw, str(message.get("Message-ID", ""))),
        subject=_header(message, "Subject"),
        sender=sender.strip().lower(),
        sender_name=name.strip(),
        recipients=tuple(dict.fromkeys(to_cc + others)),
        to_cc=tuple(dict.fromkeys(to_cc)),
        sent_at=_when(message),
        references=tuple(dict.fromkeys(refs)),
        text=body_text(message),
    )


def fresh_text(text: str) -> str:
    """The new part of a reply: up to the quoted message ("> ..." or "On ... wrote:")."""
    kept: list[str] = []
    for line in text.splitlines():
        if line.startswith(">") or _QUOTE_INTRO.match(line.strip()):
            break
        kept.append(line)
    return "\n".join(kept).strip()
