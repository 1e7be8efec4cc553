"""The mail parser's short paths (plain headers around email.utils, headers-only parsing of
a single part) give what the full standard-library parse gives, on the headers that need
the long way too: quoted names with commas, comments, groups, encoded words, multipart."""

from __future__ import annotations

from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

import pytest

from pocketcrm.core.mail.parse import Malformed, parse

HEADERS = [
    "ann@example.com",
    "Ann Lee <ANN@example.com>",
    "<ann@example.com>",
    '"Lee, Ann" <ann@example.com>, bob@example.com',
    "ann@example.com (Ann Lee)",
    "Friends: ann@example.com, bob@example.com;",
    "undisclosed-recipients:;",
    "ann @ example.com",
    "Ann Lee <ann@example.com>,\r\n Bob <bob@example.com>",
    "a@example.com,, b@example.com",
    "=?utf-8?q?Zo=C3=AB?= <zoe@example.com>",
]


def _message(sender: str, to: str, body: bytes = b"Hello") -> bytes:
    head = f"From: {sender}\r\nTo: {to}\r\nCc: {to}\r\nSubject: x\r\nMessage-ID: <m@x>\r\n"
    return head.encode() + b"\r\n" + body


@pytest.mark.parametrize("header", HEADERS)
def test_addresses_agree_with_the_standard_library(header: str) -> None:
    reference = BytesParser().parsebytes(_message(header, header))
    to = [a.lower() for _, a in getaddresses([str(reference["To"])]) if "@" in a]
    name, sender = parseaddr(str(reference["From"]))
    if "@" not in sender:
        with pytest.raises(Malformed):
            parse(_message(header, header))
        return
    parsed = parse(_message(header, header))
    assert parsed.sender == sender.lower()
    assert parsed.to_cc == tuple(dict.fromkeys(to))
    if "=?" not in header:
        assert parsed.sender_name == " ".join(name.split())
    else:
        assert parsed.sender_name == "Zoë"


def test_single_part_bodies_are_decoded_without_splitting_parts() -> None:
    qp = (
        b"From: a@example.com\r\nContent-Type: text/plain; charset=latin-1\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=E9 ok"
    )
    b64 = (
        b"From: a@example.com\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nY2Fmw6kgb2s=\r\n"
    )
    html = b"From: a@example.com\r\nContent-Type: text/html\r\n\r\n<p>Hello <b>there</b></p>"
    assert [parse(raw).text for raw in (qp, b64, html)] == ["café ok", "café ok", "Hello there"]


def test_a_multipart_message_is_split_for_its_text_part() -> None:
    raw = (
        b'From: a@example.com\r\nContent-Type: multipart/alternative; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nplain part\r\n--b--\r\n"
    )
    assert parse(raw).text == "plain part"
