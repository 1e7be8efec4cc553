"""Realistic made-up data: the demo database, and the benchmark's 100,000-contact database.

Rows go in through SQLAlchemy Core in batches (about 15x faster than the ORM's add_all) and
the search index is rebuilt once at the end. Same seed, same data.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, text

from pocketcrm.core import clock, demo_analysis, demo_cases, demo_org, journal, rollup
from pocketcrm.core.demo_catalog import with_sales
from pocketcrm.core.dialect import is_sqlite
from pocketcrm.core.models import (
    AppState,
    Company,
    Contact,
    ContactEmail,
    ContactPhone,
    ContactTag,
    Deal,
    DealStageChange,
    FollowUp,
    Interaction,
    Invoice,
    Payment,
    StageChange,
    Tag,
)
from pocketcrm.core.search import fold, rebuild
from pocketcrm.core.store import Store
from pocketcrm.core.times import db_time

if TYPE_CHECKING:
    from pocketcrm.core.settings import Settings

GIVEN = [
    "Ann",
    "Ben",
    "Chloé",
    "Daniel",
    "Eva",
    "Felix",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Karin",
    "Liam",
    "Maya",
    "Noah",
    "Olivia",
    "Paul",
    "Quinn",
    "Rosa",
    "Samuel",
    "Tara",
    "Ugo",
    "Vera",
    "William",
    "Xenia",
    "Yusuf",
    "Zoë",
    "Amélie",
    "Björn",
    "Carmen",
    "Dmitri",
    "Elif",
    "François",
    "Greta",
    "Hannah",
    "Ivan",
    "Júlia",
    "Kenji",
    "Lars",
    "Marta",
    "Nils",
    "Óscar",
    "Priya",
    "Rafael",
    "Sofía",
    "Tomás",
    "Ursula",
    "Valentin",
    "Wen",
    "Yara",
    "Zeynep",
]
FAMILY = [
    "Lee",
    "Smith",
    "Müller",
    "García",
    "Rossi",
    "Dubois",
    "Novak",
    "Kowalski",
    "Johansson",
    "Åkesson",
    "Nguyen",
    "Kim",
    "Silva",
    "Santos",
    "Jensen",
    "Hansen",
    "Schmidt",
    "Fischer",
    "Martin",
    "Bernard",
    "Lopez",
    "Moreau",
    "Costa",
    "Ferreira",
    "Nakamura",
    "Patel",
    "Shah",
    "O'Brien",
    "Murphy",
    "Walsh",
    "Brennan",
    "Kovač",
    "Horváth",
    "Nielsen",
    "Larsen",
    "Berg",
    "Lindqvist",
    "Öztürk",
    "Yılmaz",
    "Papadopoulos",
    "Ivanova",
    "Petrov",
    "Cohen",
    "Levi",
    "Okafor",
    "Mensah",
    "Haddad",
    "Farouk",
    "Tanaka",
    "Wójcik",
]
COMPANY_WORDS = [
    "Acme",
    "Northwind",
    "Blue",
    "Harbor",
    "Granite",
    "Maple",
    "Summit",
    "Pioneer",
    "Beacon",
    "Cedar",
    "Atlas",
    "Orchard",
    "Falcon",
    "Riverside",
    "Copper",
    "Lantern",
    "Meadow",
    "Silver",
    "Oak",
    "Alpine",
    "Coastal",
    "Keystone",
    "Evergreen",
    "Harvest",
    "Union",
]
COMPANY_SUFFIX = [
    "Ltd",
    "GmbH",
    "& Co",
    "Supplies",
    "Bakery",
    "Studio",
    "Logistics",
    "Dental",
    "Builders",
    "Consulting",
    "Foods",
    "Print",
    "Garden Centre",
    "AB",
    "SARL",
]
CITIES = [
    "London",
    "Berlin",
    "Lyon",
    "Porto",
    "Malmö",
    "Dublin",
    "Toronto",
    "Austin",
    "Kraków",
    "Graz",
    "Utrecht",
    "Leeds",
    "Bologna",
    "Aarhus",
    "Zürich",
]
TITLES = [
    "Owner",
    "Office manager",
    "Buyer",
    "Head of purchasing",
    "CEO",
    "Accountant",
    "Operations lead",
    "Sales director",
    "Shop manager",
    "Practice manager",
    "",
]
TAGS = ["vip", "newsletter", "wholesale", "retail", "referral", "trade-show", "cold", "partner"]
OWNERS = demo_org.OWNERS  # logins of the demo's users (core/demo_org.py)
KIND_WEIGHTS = {"call": 50, "email": 25, "meeting": 12, "note": 8, "sms": 5}
OUTCOMES = {"reached": 55, "voicemail": 20, "no_answer": 15, "busy": 6, "wrong_number": 4}
CALL_NOTES = [
    "Asked for a quote for the spring order.",
    "Wants samples before deciding.",
    "Happy with the last delivery, mentioned a colleague who might buy.",
    "Complained about the late invoice; sorted it out.",
    "Discussed volume discount, will think.",
    "Left a message about the renewal.",
    "Interested in the new range; send the catalogue.",
    "Budget frozen until next quarter.",
    "Confirmed the meeting for next week.",
    "Needs a call back from the owner.",
    "Placed a repeat order by phone.",
    "Not interested at the moment, try again in autumn.",
]
FOLLOW_NOTES = [
    "Send the quote",
    "Call back about the order",
    "Check they received samples",
    "Renewal reminder",
    "Ask for a referral",
    "Follow up on the invoice",
    "Invite to the open day",
    "Send the catalogue",
]
STAGES_WEIGHTED = {"lead": 30, "prospect": 25, "customer": 35, "past_customer": 10}


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _batched(session: Any, table: Any, rows: list[dict[str, Any]], size: int = 50_000) -> None:
    """Bulk insert: the driver's executemany on SQLite (about 4x SQLAlchemy Core), Core elsewhere."""
    if not rows:
        return
    if not is_sqlite(session):
        for start in range(0, len(rows), size):
            session.execute(insert(table), rows[start : start + size])
        return
    columns = list(rows[0])
    statement = (
        f"INSERT INTO {table.__tablename__} ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)})"
    )
    cursor = session.connection().connection.dbapi_connection.cursor()
    for start in range(0, len(rows), size):
        cursor.executemany(
            statement,
            (
                tuple(db_time(v) if isinstance(v, datetime) else v for v in row.values())
                for row in rows[start : start + size]
            ),
        )


DEAL_TITLES = (
    "Spring order", "Office fit-out", "Annual contract", "Trial batch", "Website redesign",
    "Support plan", "Event catering", "Fleet service", "New showroom", "Bulk restock",
)  # fmt: skip

Row = dict[str, Any]


@dataclass(frozen=True)
class _Draw:
    """What every generator draws from: the seeded random source, the time span, the UUIDs."""

    rng: random.Random
    now: datetime
    start: datetime
    span: int
    next_uuid: Callable[[], str]

    def moment_in_past(self) -> datetime:
        return self.start + timedelta(seconds=self.rng.randrange(self.span))


def _uuid_source(rng: random.Random) -> Callable[[], str]:
    """Ascending (still valid, still unique) UUIDs: random ones made every insert a random
    write into the unique index, the largest single cost of a million-row load."""
    uuid_prefix = rng.getrandbits(64) << 64
    counter = iter(range(1, 1 << 62))

    def next_uuid() -> str:
        return str(uuid.UUID(int=uuid_prefix | next(counter), version=4))

    return next_uuid


@dataclass
class _Money:
    """The money rows as they are drawn, with each year's last invoice number."""

    deals: list[Row] = field(default_factory=list)
    steps: list[Row] = field(default_factory=list)
    invoices: list[Row] = field(default_factory=list)
    payments: list[Row] = field(default_factory=list)
    numbers: dict[int, int] = field(default_factory=dict)


def _draw_deal(
    draw: _Draw, money: _Money, row: Row, created: datetime, stages: list[str], currency: str
) -> None:
    """One deal for the contact of ROW, with the stage changes that brought it where it is."""
    rng, now, owner = draw.rng, draw.now, str(row["owner"])
    open_stages, (won, lost) = stages[:-2], stages[-2:]
    stage = rng.choice([*open_stages, *open_stages, won, lost])
    closed = stage in (won, lost)
    deal_id = len(money.deals) + 1
    money.deals.append(
        {
            "id": deal_id, "uuid": draw.next_uuid(), "contact_id": int(row["id"]),
            "company_id": row["company_id"], "title": rng.choice(DEAL_TITLES),
            "amount_cents": rng.randrange(500, 50_000) * 100, "currency": currency,
            "stage": stage, "owner": owner,
            "expected_close_on": (now + timedelta(days=rng.randint(5, 90))).date(),
            "closed_at": created + timedelta(days=rng.randint(1, 30)) if closed else None,
            "lost_reason": "went with another supplier" if stage == lost else "",
            "notes": "", "created_at": created, "updated_at": created, "deleted_at": None,
        }
    )  # fmt: skip
    money.steps.append({"deal_id": deal_id, "at": created, "from_stage": "",
                        "to_stage": open_stages[0], "changed_by": owner})  # fmt: skip
    if stage != open_stages[0]:
        moved = money.deals[-1]["closed_at"] or created + timedelta(days=1)
        money.steps.append({"deal_id": deal_id, "at": moved, "from_stage": open_stages[0],
                            "to_stage": stage, "changed_by": owner})  # fmt: skip


def _draw_invoice(
    draw: _Draw, money: _Money, contact_id: int, created: datetime, currency: str
) -> None:
    """One invoice, paid in full seven times in ten (if that day has come)."""
    rng = draw.rng
    issued = draw.moment_in_past().date()
    money.numbers[issued.year] = money.numbers.get(issued.year, 0) + 1
    amount = rng.randrange(50, 5_000) * 100
    invoice_id = len(money.invoices) + 1
    money.invoices.append(
        {
            "id": invoice_id, "uuid": draw.next_uuid(),
            "number": f"INV-{issued.year}-{money.numbers[issued.year]:04d}", "kind": "invoice",
            "contact_id": contact_id, "deal_id": None, "issued_on": issued,
            "due_on": issued + timedelta(days=30), "amount_cents": amount,
            "currency": currency, "description": "Goods and services",
            "cancelled_at": None, "cancel_reason": "",
            "created_at": created, "updated_at": created, "deleted_at": None,
        }
    )  # fmt: skip
    paid_on = issued + timedelta(days=rng.randint(3, 40))
    if rng.random() < 0.7 and paid_on <= draw.now.date():
        money.payments.append(
            {
                "uuid": draw.next_uuid(), "invoice_id": invoice_id, "contact_id": contact_id,
                "amount_cents": amount, "currency": currency, "paid_on": paid_on,
                "method": rng.choice(["bank transfer", "card"]), "notes": "",
                "created_at": created, "deleted_at": None,
            }
        )  # fmt: skip


def _money_rows(draw: _Draw, contact_rows: list[Row], settings: Any) -> list[tuple[Any, list[Row]]]:
    """Deals for one contact in twenty (open ones spread over the pipeline, the rest won or
    lost), and invoices with payments for one customer in four: a drawn-from-life pipeline
    and billing history. DRAW has a random source of its own, so the other data stay as they
    were."""
    stages = list(settings.deal_stages)
    currency = settings.currency
    money = _Money()
    for row in contact_rows:
        created = draw.moment_in_past()
        if draw.rng.random() < 0.05:
            _draw_deal(draw, money, row, created, stages, currency)
        if row["stage"] == "customer" and draw.rng.random() < 0.25:
            _draw_invoice(draw, money, int(row["id"]), created, currency)
    return [
        (Deal, money.deals),
        (DealStageChange, money.steps),
        (Invoice, money.invoices),
        (Payment, money.payments),
    ]


def _company_rows(draw: _Draw, companies: int) -> list[Row]:
    """Companies with made-up names, unique ones (a repeat gets its number)."""
    rng = draw.rng
    company_rows: list[Row] = []
    used: set[str] = set()
    for index in range(1, companies + 1):
        name = (
            f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_SUFFIX)}"
        )
        if name in used:
            name = f"{name} {index}"
        used.add(name)
        created = draw.moment_in_past()
        company_rows.append(
            {
                "id": index,
                "uuid": draw.next_uuid(),
                "name": name,
                "name_key": fold(name),
                "kind": rng.choices(
                    ["customer", "prospect", "supplier", "partner", "distributor", "other"],
                    [50, 25, 10, 7, 5, 3],
                )[0],
                "website": f"{fold(name).split()[0]}{index}.example.com",
                "phone": "",
                "email": "",
                "street": "",
                "city": rng.choice(CITIES),
                "region": "",
                "postcode": "",
                "country": "",
                "notes": "",
                "owner": rng.choice(OWNERS),
                "created_at": created,
                "updated_at": created,
                "deleted_at": None,
            }
        )
    return company_rows


def _contact_row(draw: _Draw, index: int, companies: int) -> Row:
    """One contact; last contact and next follow-up are filled in once those are drawn."""
    rng = draw.rng
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    display = f"{given} {family}"
    created = draw.moment_in_past()
    stage = _pick(rng, STAGES_WEIGHTED)
    company_id = rng.randint(1, companies) if companies and rng.random() < 0.85 else None
    owner = rng.choice(OWNERS)
    has_birthday = rng.random() < 0.3
    return {
        "id": index,
        "uuid": draw.next_uuid(),
        "display_name": display,
        "given_name": given,
        "family_name": family,
        "additional_names": "",
        "prefix": "",
        "suffix": "",
        "nickname": "",
        "name_key": fold(display),
        "company_id": company_id,
        "title": rng.choice(TITLES),
        "department": "",
        "stage": stage,
        "owner": owner,
        "notes": "",
        "birthday_year": rng.choice([None, rng.randint(1950, 2000)]) if has_birthday else None,
        "birthday_month": rng.randint(1, 12) if has_birthday else None,
        "birthday_day": rng.randint(1, 28) if has_birthday else None,
        "anniversary_year": None,
        "anniversary_month": None,
        "anniversary_day": None,
        "do_not_contact": rng.random() < 0.01,
        "email_opt_out": rng.random() < 0.05,
        "source": "demo",
        "photo": "",
        "last_contact_at": None,
        "next_follow_up_at": None,
        "created_at": created,
        "updated_at": created,
        "deleted_at": None,
    }


def _email_row(index: int, given: str, family: str) -> Row:
    address = f"{fold(given).replace(' ', '')}.{fold(family).replace(' ', '')}{index}@example.com"
    address = address.replace("'", "")
    return {
        "contact_id": index,
        "address": address,
        "address_key": address,
        "label": "work",
        "is_primary": True,
    }


def _phone_row(index: int) -> Row:
    return {
        "contact_id": index,
        "number": f"+44 20 7946 {index % 10000:04d}",
        "e164": "+44207946" + f"{index % 10000:04d}",
        "valid": True,
        "extension": "",
        "label": "work",
        "is_primary": True,
    }


@dataclass
class _People:
    """The contacts and the rows that hang off each: emails, phones, tags, stage changes."""

    contacts: list[Row] = field(default_factory=list)
    emails: list[Row] = field(default_factory=list)
    phones: list[Row] = field(default_factory=list)
    tags: list[Row] = field(default_factory=list)
    stages: list[Row] = field(default_factory=list)


def _people(draw: _Draw, contacts: int, companies: int) -> _People:
    people = _People()
    for index in range(1, contacts + 1):
        row = _contact_row(draw, index, companies)
        people.contacts.append(row)
        people.emails.append(_email_row(index, row["given_name"], row["family_name"]))
        people.phones.append(_phone_row(index))
        for tag_id in draw.rng.sample(range(1, len(TAGS) + 1), k=draw.rng.choice([0, 0, 1, 1, 2])):
            people.tags.append({"contact_id": index, "tag_id": tag_id})
        people.stages.append(
            {
                "contact_id": index,
                "at": row["created_at"],
                "from_stage": "",
                "to_stage": row["stage"],
                "by": row["owner"],
            }
        )
    return people


def _interaction_rows(
    draw: _Draw, interactions: int, contact_rows: list[Row]
) -> tuple[list[Row], dict[int, datetime]]:
    """Calls, emails, meetings, notes and texts, in time order; and each contact's last one
    that was not a note."""
    rng = draw.rng
    last_contact: dict[int, datetime] = {}
    interaction_rows = []
    for index in range(1, interactions + 1):
        contact_id = rng.randint(1, len(contact_rows))
        kind = _pick(rng, KIND_WEIGHTS)
        when = draw.moment_in_past()
        outcome = _pick(rng, OUTCOMES) if kind == "call" else ""
        interaction_rows.append(
            {
                "id": index,
                "uuid": draw.next_uuid(),
                "contact_id": contact_id,
                "company_id": contact_rows[contact_id - 1]["company_id"],
                "kind": kind,
                "direction": rng.choice(["out", "out", "in"]) if kind != "note" else "",
                "occurred_at": when,
                "duration_s": rng.choice([300, 600, 900, 1800, 3600])
                if kind in ("call", "meeting")
                else None,
                "outcome": outcome,
                "satisfaction": rng.randint(2, 5)
                if outcome == "reached" and rng.random() < 0.5
                else None,
                "owner": rng.choice(OWNERS),
                "notes": rng.choice(CALL_NOTES),
                "created_at": when,
                "deleted_at": None,
            }
        )
        if kind != "note" and when > last_contact.get(contact_id, draw.start - timedelta(days=1)):
            last_contact[contact_id] = when
    # In time order, as they would have been logged: the time-ordered indexes fill at the end.
    interaction_rows.sort(key=lambda row: row["occurred_at"])
    for new_id, row in enumerate(interaction_rows, 1):
        row["id"], row["uuid"] = new_id, draw.next_uuid()
    return interaction_rows, last_contact


def _follow_up_rows(
    draw: _Draw, follow_ups: int, contacts: int
) -> tuple[list[Row], dict[int, datetime]]:
    """Follow-ups from twenty days back to forty ahead, some done; and each contact's next
    open one."""
    rng, now = draw.rng, draw.now
    next_due: dict[int, datetime] = {}
    follow_rows = []
    for index in range(1, follow_ups + 1):
        contact_id = rng.randint(1, contacts)
        due = (now + timedelta(days=rng.randint(-20, 40))).replace(
            hour=rng.choice([9, 10, 11, 14, 15, 16]), minute=0, second=0
        )
        done = rng.random() < 0.3 and due < now
        created = due - timedelta(days=rng.randint(1, 30))
        follow_rows.append(
            {
                "id": index,
                "uuid": draw.next_uuid(),
                "contact_id": contact_id,
                "due_at": due,
                "all_day": False,
                "note": rng.choice(FOLLOW_NOTES),
                "owner": rng.choice(OWNERS),
                "created_at": created,
                "done_at": due + timedelta(hours=rng.randint(-2, 48)) if done else None,
                "snoozed_until": None,
                "notified_at": None,
                "interaction_id": None,
                "deleted_at": None,
            }
        )
        if not done and due < next_due.get(contact_id, now + timedelta(days=9999)):
            next_due[contact_id] = due
    return follow_rows, next_due


def _write(
    store: Store,
    tables: Sequence[tuple[Any, list[Row]]],
    interactions: list[Row],
    later: Sequence[tuple[Any, list[Row]]],
    seed: int,
) -> None:
    """One transaction: TABLES, then INTERACTIONS with the rollup recounted once, then LATER."""
    with (
        store.write() as session,
        journal.suspended(session.connection().connection.dbapi_connection),
    ):
        for table, rows in tables:
            _batched(session, table, rows)
        rollup.drop_triggers(session)  # one recount beats a million upserts
        _batched(session, Interaction, interactions)
        rollup.rebuild(session)
        rollup.create_triggers(session)
        for table, rows in later:
            _batched(session, table, rows)
        session.execute(insert(AppState), [{"key": "demo", "value": f"seed={seed}"}])
        rebuild(session)
    if store.is_sqlite:
        with store.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()


def generate(
    store: Store,
    *,
    contacts: int,
    companies: int,
    interactions: int,
    follow_ups: int,
    seed: int = 7,
    days: int = 365,
) -> dict[str, int]:
    """Fill an empty database with made-up but plausible data spread over the last DAYS."""
    rng = random.Random(seed)
    now = clock.now().replace(microsecond=0)
    start = now - timedelta(days=days)
    draw = _Draw(rng, now, start, int((now - start).total_seconds()), _uuid_source(rng))
    company_rows = _company_rows(draw, companies)
    people = _people(draw, contacts, companies)
    interaction_rows, last_contact = _interaction_rows(draw, interactions, people.contacts)
    follow_rows, next_due = _follow_up_rows(draw, follow_ups, contacts)
    for row in people.contacts:
        contact_id = int(row["id"])
        row["last_contact_at"] = last_contact.get(contact_id)
        row["next_follow_up_at"] = next_due.get(contact_id)
    money = _money_rows(replace(draw, rng=random.Random(seed + 1)), people.contacts, store.settings)
    money = with_sales(
        replace(draw, rng=random.Random(seed + 2)), money, people.contacts, store.settings.currency
    )
    tables = [
        (Tag, [{"id": i, "name": t} for i, t in enumerate(TAGS, 1)]),
        (Company, company_rows),
        (Contact, people.contacts),
        (ContactEmail, people.emails),
        (ContactPhone, people.phones),
        (ContactTag, people.tags),
        (StageChange, people.stages),
    ]
    demo_org.add_people(store, start)
    _write(store, tables, interaction_rows, [(FollowUp, follow_rows), *money], seed)
    demo_analysis.enrich(store, seed)
    demo_cases.generate_cases(store, count=max(1, contacts // 10), seed=seed)
    return {
        "contacts": contacts,
        "companies": companies,
        "interactions": interactions,
        "follow_ups": follow_ups,
    }


def build_demo(store: Store, *, contacts: int = 300, seed: int = 7) -> dict[str, int]:
    """A few hundred contacts with a year of history: enough to try everything at once."""
    from pocketcrm.core.errors import Invalid

    if contacts < 1:
        raise Invalid("contacts", f"{contacts} is too few; give at least 1")
    with store.read() as session:
        existing = session.execute(text("SELECT count(*) FROM contact")).scalar_one()
    if existing:
        raise Invalid("db", "the demo needs an empty database; choose another --db")
    return generate(
        store,
        contacts=contacts,
        companies=max(1, contacts // 8),
        interactions=contacts * 6,
        follow_ups=max(1, contacts // 3),
        seed=seed,
    )


def open_demo(path: Path, settings: Settings) -> Store:
    """The demo database at PATH, built on first use and reused after (the interface's one-key
    offer on an empty database): an existing demo with contacts is opened as it is."""
    from pocketcrm.core.store import open_store

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    store = open_store(path, settings)
    with store.read() as session:
        existing = session.execute(text("SELECT count(*) FROM contact")).scalar_one()
    if not existing:
        build_demo(store)
    return store
