"""Property: any contact, exported (vCard, CSV --raw, JSON) and imported into an empty database,
comes back equal, read through the core's own card. The parsers' own round trips are tested by
tests/transfer; these go through the database, the importer's normalisation and the exporter."""

from __future__ import annotations

import io
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from iehelp import export_data, full_export

from pocketcrm.core.models import ContactAddress
from pocketcrm.core.readmodels import as_dict
from pocketcrm.core.services import contacts
from pocketcrm.core.store import Store, open_store
from pocketcrm.core.transfer.exporter import export
from pocketcrm.core.transfer.importer import import_files

LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZåäöüéèçñßøÅÄÖÜÉŁłŻż'-"
WORD = st.text(LETTERS, min_size=1, max_size=12).filter(lambda w: w.strip("'-"))
NAME = st.lists(WORD, min_size=1, max_size=3).map(" ".join)
TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029\x85"),
    max_size=40,
).map(str.strip)
NOTES = st.lists(TEXT, max_size=3).map(lambda lines: "\n".join(lines).strip())
LABEL = st.sampled_from(["", "work", "home", "mobile", "other", "studio b"])
EMAIL = st.tuples(
    st.text("abcdefghijklmnopqrstuvwxyz0123456789._+-", min_size=1, max_size=10).filter(
        lambda s: s[0] not in ".-" and s[-1] != "."
    ),
    st.sampled_from(["example.com", "nordljus.se", "müller.example"]),
).map(lambda t: f"{t[0]}@{t[1]}")
PHONE = st.one_of(
    st.integers(0, 9999).map(lambda n: f"+1 415 555 {n:04d}"),
    st.integers(1000000, 9999999).map(lambda n: f"+46 70 {n}"),
    st.integers(0, 9999).map(lambda n: f"(212) 555-{n:04d}"),
    st.integers(100, 99999).map(str),
)
BIRTHDAY = st.one_of(
    st.just(""),
    st.dates().filter(lambda d: 1900 <= d.year <= 2020).map(lambda d: d.isoformat()),
    st.tuples(st.integers(1, 12), st.integers(1, 28)).map(lambda md: f"--{md[0]:02d}-{md[1]:02d}"),
)


@st.composite
def people(draw: Any) -> dict[str, Any]:
    return {
        "input": contacts.ContactInput(
            name=draw(NAME),
            emails=[
                f"{label}:{email}" if label else email
                for label, email in draw(
                    st.lists(st.tuples(LABEL, EMAIL), max_size=3, unique_by=lambda t: t[1].lower())
                )
            ],
            phones=[
                f"{label}:{phone}" if label else phone
                for label, phone in draw(
                    st.lists(st.tuples(LABEL, PHONE), max_size=3, unique_by=lambda t: t[1])
                )
            ],
            company=draw(st.one_of(st.just(""), NAME)),
            title=draw(TEXT),
            department=draw(TEXT),
            stage=draw(st.sampled_from(["lead", "prospect", "customer", "past_customer"])),
            tags=draw(
                st.lists(st.from_regex(r"[a-z0-9][a-z0-9-]{0,9}", fullmatch=True), max_size=3)
            ),
            notes=draw(NOTES),
            birthday=draw(BIRTHDAY),
            websites=draw(
                st.lists(
                    st.sampled_from(["example.com", "https://x.example/a?b=1"]),
                    max_size=2,
                    unique=True,
                )
            ),
        ),
        "custom": draw(
            st.dictionaries(
                st.text(LETTERS + " ", min_size=1, max_size=12).map(str.strip).filter(bool),
                TEXT.filter(bool),
                max_size=3,
            )
        ),
        "addresses": draw(
            st.lists(
                st.tuples(LABEL, TEXT, TEXT, TEXT, TEXT).filter(lambda a: any(a[1:])),
                max_size=2,
                unique=True,  # the importer drops an address repeated word for word
            )
        ),
        "flags": draw(st.tuples(st.booleans(), st.booleans())),
    }


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "empty.db"
    open_store(path).close()
    return path


def _fresh(template: Path, folder: Path, name: str) -> Store:
    target = folder / name
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copy(template, target)
    return open_store(target)


def _make(store: Store, person: dict[str, Any]) -> int:
    created = contacts.create_contact(store, person["input"])
    dnc, opt_out = person["flags"]
    contacts.update_contact(
        store,
        f"#{created.id}",
        contacts.ContactPatch(
            set_custom=person["custom"], do_not_contact=dnc, email_opt_out=opt_out
        ),
    )
    with store.write() as session:
        for label, street, city, postcode, country in person["addresses"]:
            session.add(
                ContactAddress(
                    contact_id=created.id,
                    label=label,
                    street=street,
                    city=city,
                    postcode=postcode,
                    country=country,
                )
            )
    return created.id


def _comparable(store: Store, contact_id: int) -> dict[str, Any]:
    """The card without what vCard and CSV do not carry: ids, times, history, the source
    (an import records where it came from) and the owner."""
    card = contacts.get_card(store, f"#{contact_id}")
    data: dict[str, Any] = as_dict(replace(card, stage_history=(), follow_ups=(), interactions=()))
    for key in ("id", "created_at", "updated_at", "last_contact_at", "next_follow_up_at", "source"):
        data.pop(key)
    if data["company"]:
        data["company"].pop("id")
    return data


def _round_trip(store: Store, fmt: str, folder: Path, template: Path) -> Store:
    buffer = io.StringIO(newline="")
    export(store, fmt, buffer, raw=True)
    suffix = {"vcard": "vcf", "csv": "csv", "json": "json"}[fmt]
    path = folder / f"export.{suffix}"
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    other = _fresh(template, folder, f"other-{fmt}.db")
    report = import_files(other, [path])
    assert report.created == 1 and report.skipped == 0
    return other


SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(person=people())
@pytest.mark.parametrize("fmt", ["vcard", "csv"])
def test_contact_survives_export_and_import(
    fmt: str, person: dict[str, Any], template: Path, tmp_path: Path
) -> None:
    store = _fresh(template, tmp_path, "source.db")
    contact_id = _make(store, person)
    other = _round_trip(store, fmt, tmp_path, template)
    assert _comparable(other, 1) == _comparable(store, contact_id)
    store.close()
    other.close()


@SETTINGS
@given(person=people())
def test_json_export_import_export_is_identical(
    person: dict[str, Any], template: Path, tmp_path: Path
) -> None:
    store = _fresh(template, tmp_path, "source.db")
    _make(store, person)
    other = _round_trip(store, "json", tmp_path, template)
    assert full_export(other) == full_export(store)
    store.close()
    other.close()


# Deals, invoices and payments: (deal title, deal cents, stage, deal notes, invoice cents,
# percent paid, payment notes). A deal goes to its stage (lost with a reason), an invoice for
# it is billed, and part of it is paid.
MONEY = st.lists(
    st.tuples(
        NAME,
        st.integers(0, 10**8),
        st.sampled_from(["qualified", "proposal", "won", "lost"]),
        TEXT,
        st.integers(1, 10**7),
        st.integers(0, 100),
        TEXT,
    ),
    max_size=3,
)


def _cents(value: int) -> str:
    return f"{value // 100}.{value % 100:02d}"


@SETTINGS
@given(person=people(), money=MONEY)
def test_json_round_trip_keeps_deals_invoices_and_payments(
    person: dict[str, Any], money: list[Any], template: Path, tmp_path: Path
) -> None:
    from pocketcrm.core.services import billing, deals

    store = _fresh(template, tmp_path, "source.db")
    contact_id = _make(store, person)
    for title, cents, stage, notes, billed, percent, paid_notes in money:
        deal = deals.create_deal(
            store, f"#{contact_id}", deals.DealInput(title=title, amount=_cents(cents), notes=notes)
        )
        if stage != "qualified":
            reason = (notes or "no budget") if stage == "lost" else ""
            deals.move_deal(store, deal.id, stage, reason=reason)
        invoice = billing.create_invoice(
            store, f"#{contact_id}", _cents(billed), deal_id=deal.id, description=notes
        )
        if billed * percent // 100:
            billing.record_payment(
                store, invoice.number, _cents(billed * percent // 100), notes=paid_notes
            )
    other = _round_trip(store, "json", tmp_path, template)
    assert full_export(other) == full_export(store)
    (record,) = cast("list[dict[str, Any]]", export_data(other)["contacts"])
    assert len(record["deals"]) == len(record["invoices"]) == len(money)
    store.close()
    other.close()
