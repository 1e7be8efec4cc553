"""Property tests: whatever a draft holds survives a write and a read, and parsers never crash.

Generated text is any Unicode (commas, semicolons, backslashes, colons, newlines, emoji)
except a carriage return, which vCard cannot carry apart from a line break, and it is
stripped at the ends because readers trim cells and addresses. Labels are those that read
back as themselves (canonical_label), and CSV multi-value cells cannot contain ":::".
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import datetime
import io
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pocketcrm.core.errors import Invalid
from pocketcrm.core.transfer.csv_formats import CSV_FORMATS, read_csv, write_csv
from pocketcrm.core.transfer.encoding import decode_bytes
from pocketcrm.core.transfer.records import (
    AddressDraft,
    ContactDraft,
    EmailDraft,
    PhoneDraft,
    WebsiteDraft,
)
from pocketcrm.core.transfer.vcard import (
    canonical_label,
    read_vcard_text,
    write_vcard,
)

CHARS = st.characters(exclude_categories=["Cs"], exclude_characters="\r")
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def text(min_size: int = 0, max_size: int = 25, multi: bool = False) -> st.SearchStrategy[str]:
    """Stripped text; multi=True keeps out ":::", the CSV multi-value separator."""
    base = st.text(CHARS, max_size=max_size).map(str.strip)
    if multi:
        base = base.filter(lambda value: ":::" not in value)
    return base.filter(lambda value: len(value) >= min_size)


LABELS = st.one_of(
    st.sampled_from(["", "work", "home", "other", "mobile", "fax", "work fax", "main", "pager"]),
    text(1, 15, multi=True).filter(
        lambda label: canonical_label(label) == label and not label.startswith("*")
    ),
)
EMAILS = st.builds(
    EmailDraft,
    address=st.one_of(st.emails(), text(1, multi=True)).filter(
        lambda address: not address.lower().startswith("mailto:")
    ),
    label=LABELS,
    primary=st.booleans(),
)
PHONE_CHARS = st.sampled_from(list(string.digits + "+-() ./x#*"))
PHONES = st.builds(
    PhoneDraft,
    number=st.one_of(
        st.text(PHONE_CHARS, min_size=1, max_size=20).map(str.strip), text(1, multi=True)
    ).filter(bool),
    label=LABELS,
    primary=st.booleans(),
    extension=st.one_of(st.just(""), st.text(string.digits, min_size=1, max_size=5)),
)
ADDRESSES = st.builds(
    AddressDraft,
    label=LABELS,
    street=text(multi=True),
    city=text(multi=True),
    region=text(multi=True),
    postcode=text(max_size=10, multi=True),
    country=text(multi=True),
    po_box=text(max_size=10, multi=True),
    extended=text(multi=True),
).filter(lambda a: any((a.street, a.city, a.region, a.postcode, a.country, a.po_box, a.extended)))
WEBSITES = st.builds(
    WebsiteDraft,
    url=st.one_of(
        st.from_regex(r"https://[a-z]{1,10}\.example/[a-z0-9,;=&?/]{0,20}", fullmatch=True),
        text(1, multi=True),
    ),
    label=LABELS,
)
DATES = st.one_of(
    st.just(""),
    st.dates(min_value=datetime.date(1900, 1, 1)).map(lambda d: d.isoformat()),
    st.dates().map(lambda d: d.strftime("--%m-%d")),
)
PHOTOS = st.one_of(
    st.just(""),
    st.builds(
        lambda kind, data: f"data:image/{kind};base64,{base64.b64encode(data).decode()}",
        st.sampled_from(["jpeg", "png", "gif"]),
        st.binary(min_size=1, max_size=300),
    ),
    st.from_regex(r"https://photos\.example/[a-zA-Z0-9_/.-]{1,30}\.jpg", fullmatch=True),
)
X_NAMES = st.from_regex(r"X-[A-Za-z0-9][A-Za-z0-9-]{0,12}", fullmatch=True)
CUSTOM = st.dictionaries(
    st.one_of(X_NAMES, st.text(CHARS, min_size=1, max_size=15)),
    st.text(CHARS, min_size=1, max_size=40),
    max_size=4,
)
EXTERNAL_IDS = st.dictionaries(
    st.sampled_from(["vcard_uid", "hubspot", "google", "crm"]) | text(1, 10),
    text(1, 30),
    max_size=3,
)

DRAFTS = st.builds(
    ContactDraft,
    display_name=text(1),
    given_name=text(),
    family_name=text(),
    additional_names=text(),
    prefix=text(max_size=5),
    suffix=text(max_size=5),
    nickname=text(),
    emails=st.lists(EMAILS, max_size=3),
    phones=st.lists(PHONES, max_size=3),
    addresses=st.lists(ADDRESSES, max_size=2),
    websites=st.lists(WEBSITES, max_size=2),
    company=text(),
    title=text(),
    department=text(),
    birthday=DATES,
    anniversary=DATES,
    notes=text(max_size=200),
    tags=st.lists(text(1, 15, multi=True), max_size=4, unique=True),
    stage=st.sampled_from(["", "lead", "prospect", "customer", "past_customer"]),
    external_ids=EXTERNAL_IDS,
    email_opt_out=st.booleans(),
    do_not_contact=st.booleans(),
    photo=PHOTOS,
    custom=CUSTOM,
    is_company=st.booleans(),
)


def comparable(draft: ContactDraft) -> ContactDraft:
    """What a format carries: everything except where it was read from."""
    return dataclasses.replace(draft, source="", line=0, problems=[])


@pytest.mark.parametrize("version", ["4.0", "3.0"])
@SETTINGS
@given(draft=DRAFTS)
def test_vcard_round_trip(version: str, draft: ContactDraft) -> None:
    (back,) = read_vcard_text(write_vcard(draft, version))
    assert comparable(back) == comparable(draft)
    assert back.source == "vcard"


@SETTINGS
@given(drafts=st.lists(DRAFTS, min_size=1, max_size=3))
def test_raw_csv_round_trip_through_the_generic_reader(drafts: list[ContactDraft]) -> None:
    buffer = io.StringIO(newline="")
    assert write_csv(drafts, buffer, raw=True) == len(drafts)
    buffer.seek(0)
    back = list(read_csv(buffer))
    assert [comparable(d) for d in back] == [comparable(d) for d in drafts]
    assert [(d.line, d.source) for d in back] == [(n, "generic") for n in range(1, len(drafts) + 1)]


VCARD_NOISE = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "BEGIN:VCARD",
                "END:VCARD",
                "VERSION:2.1",
                "VERSION:4.0",
                "N;ENCODING=QUOTED-PRINTABLE:=C3=",
                "NOTE;QUOTED-PRINTABLE;CHARSET=nonsense:a=",
                "=A9=ZZ=",
                " folded",
                "\tfolded",
                "item1.X-ABLabel:_$!<Mobile>!$_",
                "item1.TEL;VALUE=uri:tel:;ext=",
                'EMAIL;TYPE="unterminated:x',
                "PHOTO;ENCODING=b;TYPE=:",
                "BDAY;X-APPLE-OMIT-YEAR=:--1399",
                "FN;ALTID=1;LANGUAGE=:",
                "ADR:;;;;;;;;;;",
                "CATEGORIES:,\\,,",
                "KIND:group",
                "ORG:;;",
                ":",
                ";;;:",
                "TEL:tel:%zz;ext=%",
            ]
        ),
        st.text(max_size=30),
    ),
    max_size=25,
).map("\n".join)


@SETTINGS
@given(source=st.one_of(st.text(), VCARD_NOISE))
def test_vcard_reader_raises_only_invalid(source: str) -> None:
    try:
        drafts = list(read_vcard_text(source))
    except Invalid as error:
        assert error.field == "file"
        return
    assert drafts


CSV_NOISE = st.lists(
    st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "E-mail 1 - Value",
                    "E-mail 1 - Label",
                    "* Work",
                    "a ::: b :::",
                    "Labels",
                    "* myContacts ::: x",
                    "First Name",
                    "Birthday",
                    "0/0/00",
                    "13/13/2020",
                    "Record ID",
                    "Lifecycle Stage",
                    "Email Opt Out",
                    "maybe",
                    "External IDs",
                    "Custom",
                    '{"a": 1}',
                    "Address 1 - Formatted",
                    '"',
                ]
            ),
            st.text(max_size=15),
        ),
        max_size=6,
    ),
    max_size=6,
)


@SETTINGS
@given(
    source=st.one_of(st.text(), CSV_NOISE.map(lambda rows: "\n".join(",".join(r) for r in rows))),
    fmt=st.sampled_from([None, *CSV_FORMATS]),
)
def test_csv_reader_raises_only_invalid(source: str, fmt: str | None) -> None:
    with contextlib.suppress(Invalid):
        list(read_csv(io.StringIO(source, newline=""), fmt))


@given(data=st.binary(max_size=200))
def test_decode_bytes_accepts_any_bytes(data: bytes) -> None:
    decoded, name = decode_bytes(data)
    assert name in ("utf-8", "utf-8-sig", "utf-16", "utf-32", "windows-1252")
    assert isinstance(decoded, str)
