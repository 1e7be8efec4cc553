"""One raw message as the intake needs it: who, to whom, when, about what, and the text.

The parser is the standard library's with the compat32 policy (several times faster than
the modern one, which matters at 10,000 messages), reading only the headers when the
message is a single part; headers are decoded by hand, and plain ones (no encoded words,
no quoted names) take a short path around email.utils' address parser. A message
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
_HEADERS = BytesParser()  # parsebytes(raw, headersonly=True): the body stays one string
_PLAIN_ADDRESSES = re.compile(r'^[^"()\\;:\[\]]*$')  # nothing that needs the full parser
_ANGLED = re.compile(r"^([^<>]*)<([^<>\s]+)>\s*$")


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
    if "=?" not in str(value):  # no encoded words: nothing to decode
        return " ".join(str(value).split())
    try:
        return " ".join(str(make_header(decode_header(str(value)))).split())
    except (LookupError, UnicodeError, ValueError, TypeError):
        return " ".join(str(value).split())


def _plain_pairs(value: str) -> list[tuple[str, str]] | None:
    """(name, address) of each address in a plain header ("Ann <a@b>, c@d"), or None when
    it needs email.utils' full parser (quotes, comments, groups, stray spaces)."""
    if not _PLAIN_ADDRESSES.match(value):
        return None
    pairs = []
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        angled = _ANGLED.match(part)
        if angled:
            pairs.append((" ".join(angled.group(1).split()), angled.group(2)))
        elif "<" in part or ">" in part or len(part.split()) != 1:
            return None
        else:
            pairs.append(("", part))
    return pairs


def _pairs(values: list[str]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for value in values:
        plain = _plain_pairs(value)
        found += getaddresses([value]) if plain is None else plain
    return found


def _addresses(message: Message, *names: str) -> list[str]:
    values = [str(v) for name in names for v in message.get_all(name, [])]
    return [a.strip().lower() for _, a in _pairs(values) if "@" in a]


def _sender(message: Message) -> tuple[str, str]:
    """(name, address) of From."""
    value = _header(message, "From")
    plain = _plain_pairs(value)
    if plain is not None and len(plain) == 1:
        return plain[0]
    return parseaddr(value)


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


def _message(raw: bytes) -> Message:
    """The headers, and the body as one string: parts are split only for a multipart."""
    try:
        message = _HEADERS.parsebytes(raw, headersonly=True)
        if message.get_content_maintype() in ("multipart", "message"):
            message = _PARSER.parsebytes(raw)
    except (ValueError, TypeError, IndexError) as exc:  # the stdlib parser's failures
        raise Malformed(f"cannot be parsed: {exc}") from None
    return message


def parse(raw: bytes, message_id: str = "") -> Parsed:
    """The message's facts, or Malformed with the reason. MESSAGE_ID, when the caller
    already read it (intake._header_id), saves looking again."""
    if not raw.strip():
        raise Malformed("empty message")
    message = _message(raw)
    if not message.keys():
        raise Malformed("no headers")
    name, sender = _sender(message)
    if "@" not in sender:
        raise Malformed("no sender address in From")
    to_cc = _addresses(message, "To", "Cc")
    others = _addresses(message, "Bcc", "Delivered-To", "X-Original-To")
    refs = _IDS.findall(
        str(message.get("In-Reply-To", "")) + " " + str(message.get("References", ""))
    )
    return Parsed(
        message_id=message_id or identity(raw, str(message.get("Message-ID", ""))),
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
