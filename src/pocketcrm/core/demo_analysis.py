"""Demo data for the analysis sections (issue 13), laid over what demo.generate wrote: lead
sources, channels, the other party's numbers, a stage history that walks each contact up
the life cycle, low scores with reasons (more often where an invoice is overdue: a cause for
`report factors` to find), and two known market sizes. Seeded: the same seed, the same data.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from pocketcrm.core import clock
from pocketcrm.core.store import Store
from pocketcrm.core.times import db_time, from_db_time

SOURCES = {"campaign": 20, "referral": 25, "web": 25, "event": 10, "cold_call": 15, "import": 5}
# Callers' numbers: (country calling code + area prefix, digits to add), the world over.
CALLER_PREFIXES = [
    ("+1212555", 4), ("+1415555", 4), ("+1312555", 4), ("+1617555", 4), ("+4420794", 5),
    ("+44161496", 4), ("+4930901", 5), ("+3314", 7), ("+3491", 7), ("+61291", 6),
]  # fmt: skip
INBOUND_CHANNELS = {"phone": 60, "web_form": 15, "walk_in": 8, "referral": 9, "social": 8}
REASONS = ["price", "quality", "delivery", "service", "billing"]
BATCH = 20_000


def _next_id(session: Session, table: str) -> int:
    """The id after the largest: demo.generate writes ids itself, so on PostgreSQL the
    table's sequence has not moved past them."""
    return int(session.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar() or 0) + 1


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _many(session: Session, sql: str, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        session.execute(text(sql), rows[start : start + BATCH])


def _sources(session: Session, rng: random.Random) -> None:
    ids = session.execute(text("SELECT id FROM contact ORDER BY id")).scalars().all()
    _many(
        session,
        "UPDATE contact SET source = :s WHERE id = :i",
        [{"i": i, "s": _pick(rng, SOURCES)} for i in ids],
    )


def _caller(rng: random.Random) -> str:
    prefix, digits = rng.choice(CALLER_PREFIXES)
    return prefix + "".join(rng.choice("0123456789") for _ in range(digits))


def _interactions(session: Session, rng: random.Random, owing: set[int]) -> None:
    """Channels, numbers, and low scores with reasons: one in ten rated calls, one in three
    where the contact has an overdue invoice."""
    phones: dict[int, str] = dict(
        session.execute(
            text("SELECT contact_id, min(e164) FROM contact_phone WHERE is_primary GROUP BY 1")
        ).all()
    )
    rows = session.execute(
        text("SELECT id, contact_id, kind, direction, satisfaction FROM interaction ORDER BY id")
    ).all()
    changes = []
    for interaction_id, contact_id, kind, direction, score in rows:
        channel = {"call": "phone", "sms": "phone", "email": "email", "meeting": "meeting"}
        chosen = channel.get(kind, "other")
        if direction == "in" and kind == "call":
            chosen = _pick(rng, INBOUND_CHANNELS)
        number = ""
        if kind == "call":
            number = _caller(rng) if direction == "in" else str(phones.get(contact_id, ""))
        reason = ""
        if score is not None and rng.random() < (0.35 if contact_id in owing else 0.1):
            score = rng.choice([1, 2])
            reason = rng.choice(REASONS)
        changes.append({"i": interaction_id, "c": chosen, "n": number, "r": reason, "s": score})
    _many(
        session,
        "UPDATE interaction SET channel = :c, number = :n, reason = :r, satisfaction = :s "
        "WHERE id = :i",
        changes,
    )


def _owing(session: Session, today: str) -> set[int]:
    """Contacts with an invoice past due and not paid in full."""
    rows = session.execute(
        text(
            "SELECT v.contact_id FROM invoice v WHERE v.deleted_at IS NULL "
            "AND v.cancelled_at IS NULL AND v.due_on < :today AND v.amount_cents > "
            "(SELECT coalesce(sum(p.amount_cents), 0) FROM payment p WHERE p.invoice_id = v.id "
            "AND p.deleted_at IS NULL)"
        ),
        {"today": today},
    )
    return {int(r[0]) for r in rows}


def _history(session: Session, rng: random.Random, stages: list[str], now: datetime) -> None:
    """Each contact's walk from the first stage to where it stands, in time order."""
    rows = session.execute(
        text("SELECT id, stage, owner, created_at FROM contact ORDER BY id")
    ).all()
    steps = []
    for contact_id, stage, owner, created in rows:
        if stage not in stages or stages.index(stage) == 0:
            continue
        at = from_db_time(created) or now
        walk = stages[: stages.index(stage) + 1]
        left = max(1.0, (now - at).total_seconds() / 86400)
        gaps = sorted(rng.uniform(0, left) for _ in walk[1:])
        for before, after, gap in zip(walk, walk[1:], gaps, strict=False):
            steps.append(
                {
                    "c": contact_id,
                    "at": db_time(at + timedelta(days=gap)),
                    "f": before,
                    "t": after,
                    "b": owner,
                }
            )
    session.execute(
        text(
            "UPDATE stage_change SET to_stage = :first WHERE from_stage = '' AND to_stage <> :first"
        ),
        {"first": stages[0]},
    )
    _many(
        session,
        "INSERT INTO stage_change (contact_id, at, from_stage, to_stage, by) "
        "VALUES (:c, :at, :f, :t, :b)",
        steps,
    )


def _past_revenue(
    session: Session, rng: random.Random, past: str, now: datetime, currency: str
) -> None:
    """What some past customers paid while they were customers: the win-back list's worth."""
    ids = (
        session.execute(text("SELECT id FROM contact WHERE stage = :p ORDER BY id"), {"p": past})
        .scalars()
        .all()
    )
    first = _next_id(session, "invoice")
    for n, contact_id in enumerate(i for i in ids if rng.random() < 0.5):
        issued = (now - timedelta(days=rng.randint(120, 360))).date()
        amount = rng.randrange(200, 8_000) * 100
        row = {
            "id": first + n, "u": f"demo-winback-{n}", "num": f"INV-DEMO-{n + 1:04d}", "c": contact_id,
            "d": issued, "due": issued + timedelta(days=30), "a": amount, "cur": currency,
            "t": db_time(now),
        }  # fmt: skip
        session.execute(
            text(
                "INSERT INTO invoice (id, uuid, number, kind, contact_id, issued_on, due_on, "
                "amount_cents, net_cents, tax_cents, cost_cents, currency, description, "
                "cancel_reason, created_at, updated_at) VALUES (:id, :u, :num, 'invoice', :c, "
                ":d, :due, :a, :a, 0, 0, :cur, 'Goods', '', :t, :t)"
            ),
            row,
        )
        session.execute(  # one untaxed line of the whole amount, as migration 0012 makes
            text(
                "INSERT INTO document_line (invoice_id, position, description, unit, "
                "quantity_milli, unit_price_cents, discount_bp, tax_rate_bp, unit_cost_cents, "
                "net_cents, tax_cents, cost_cents) "
                "VALUES (:id, 1, 'Goods', '', 1000, :a, 0, 0, 0, :a, 0, 0)"
            ),
            row,
        )
        session.execute(
            text(
                "INSERT INTO payment (uuid, invoice_id, contact_id, amount_cents, currency, "
                "paid_on, method, notes, created_at) VALUES (:u, :id, :c, :a, :cur, :due, "
                "'bank transfer', '', :t)"
            ),
            row,
        )


def _closed_deals(session: Session, rng: random.Random, now: datetime, currency: str) -> None:
    """Deals won and lost over the year, one per four contacts: referrals win more often,
    so `report factors --by deals` has something to find."""
    rows = session.execute(
        text("SELECT id, owner, source, company_id FROM contact ORDER BY id")
    ).all()
    first = _next_id(session, "deal")
    for n, (contact_id, owner, source, company_id) in enumerate(rows):
        if rng.random() >= 0.25:
            continue
        opened = now - timedelta(days=rng.uniform(20, 360))
        closed = min(now - timedelta(hours=1), opened + timedelta(days=rng.uniform(3, 90)))
        won = rng.random() < (0.6 if source == "referral" else 0.35)
        stage = "won" if won else "lost"
        session.execute(
            text(
                "INSERT INTO deal (id, uuid, contact_id, company_id, title, amount_cents, currency, "
                "stage, owner, closed_at, lost_reason, notes, created_at, updated_at) VALUES "
                "(:id, :u, :c, :co, :t, :a, :cur, :s, :o, :closed, :why, '', :opened, :closed)"
            ),
            {
                "id": first + n, "u": f"demo-deal-{n}", "c": contact_id, "co": company_id, "t": "Supply contract",
                "a": rng.randrange(500, 20_000) * 100, "cur": currency, "s": stage, "o": owner,
                "closed": db_time(closed), "why": "" if won else rng.choice(["price", "timing"]),
                "opened": db_time(opened),
            },
        )  # fmt: skip


def enrich(store: Store, seed: int) -> None:
    """Lay the analysis data over a freshly generated demo database, in one transaction."""
    rng = random.Random(seed + 13)
    now = clock.now().replace(microsecond=0)
    with store.write() as session:
        _sources(session, rng)
        _interactions(session, rng, _owing(session, now.date().isoformat()))
        _history(session, rng, list(store.settings.stages), now)
        _closed_deals(session, rng, now, store.settings.currency)
        past = store.settings.stage_for("past")
        if past:
            _past_revenue(session, rng, past, now, store.settings.currency)
        session.execute(
            text(
                "INSERT INTO segment (name, filters, created_at, updated_at) "
                "SELECT 'wholesale', :f, :t, :t WHERE NOT EXISTS "
                "(SELECT 1 FROM segment WHERE name = 'wholesale')"
            ),
            {"f": '{"company_kind": "distributor"}', "t": db_time(now)},
        )
        for name, segment, size, customers in (
            ("Bakery supplies", "", 120_000_000_00, 4000),
            ("Bakery supplies", "wholesale", 45_000_000_00, 600),
        ):
            session.execute(
                text(
                    "INSERT INTO market (name, segment, year, size_cents, customers, currency, "
                    "created_at, updated_at) VALUES (:n, :s, :y, :z, :c, :cur, :t, :t)"
                ),
                {
                    "n": name, "s": segment, "y": now.year, "z": size, "c": customers,
                    "cur": store.settings.currency, "t": db_time(now),
                },
            )  # fmt: skip
