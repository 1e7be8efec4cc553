"""Demo support cases: a plausible queue over the demo's contacts (and the benchmark's 100k).

Cases are spread over the last 90 days with due times from the configured service level;
older ones are mostly answered, resolved and closed (some late, some reopened, some rated),
recent ones still open, a few past their target. Products come from the demo's catalogue
(linked by id) when it has one, with some free text beside; assignees are the file's users,
each case in its assignee's department. Rows go in with executemany: the benchmark's
100,000 cases and their timelines take seconds, not minutes.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text

from pocketcrm.core import clock
from pocketcrm.core.sla import PRIORITIES, ServiceLevels
from pocketcrm.core.store import Store
from pocketcrm.core.times import db_time

SUBJECTS = [
    "Order arrived damaged", "Invoice shows the wrong amount", "How do I reset the device?",
    "Delivery is late", "Refund for a returned item", "Cannot log in to the portal",
    "Missing parts in the box", "Question about the warranty", "Price for 200 units?",
    "The app crashes on start", "Change the delivery address", "Replacement part needed",
]  # fmt: skip
PRODUCTS = ["", "Oven X2", "Mixer Pro", "Scale S1", "Support plan", "Laser 5"]
CHANNELS = ["email", "email", "phone", "web", "chat"]
ASSIGNEES = ["", "sam", "alex", "robin"]
DEPARTMENTS = ["", "support", "repairs", "billing"]
WEIGHTS = [2, 6, 3, 1]  # low, normal, high, urgent

_CASE = (
    "INSERT INTO support_case (id, uuid, number, contact_id, company_id, product, product_id, "
    "subject, "
    "description, channel, priority, status, assignee, department, tags, created_by, "
    "first_response_due_at, resolution_due_at, next_due_at, first_response_at, resolved_at, "
    "closed_at, reopen_count, thread_id, survey_sent_at, satisfaction, satisfaction_comment, "
    "created_at, updated_at, deleted_at) VALUES (:id, :uuid, :number, :contact_id, "
    ":company_id, :product, :product_id, :subject, '', :channel, :priority, :status, :assignee, "
    ":department, '', :created_by, :first_due, :resolve_due, :next_due, :answered, :resolved, "
    ":closed, :reopens, '', NULL, :score, '', :created, :created, NULL)"
)
_EVENT = (
    "INSERT INTO case_event (case_id, at, kind, actor, from_value, to_value, body, message_id, "
    "interaction_id) VALUES (:case_id, :at, :kind, :actor, :before, :after, :body, '', NULL)"
)


def _t(moment: datetime | None) -> str | None:
    return None if moment is None else db_time(moment)


def _choices(session: Any) -> tuple[list[tuple[int | None, str]], list[tuple[str, str]]]:
    """(products, assignees) to draw from: the catalogue's products (and free text), the
    users with their departments; the fixed lists when the file has neither."""
    products: list[tuple[int | None, str]] = [
        (int(r[0]), str(r[1]))
        for r in session.execute(text("SELECT id, name FROM product WHERE retired_at IS NULL"))
    ]
    products = [*products, (None, ""), (None, "Grandma's old mixer")] if products else []
    people = [
        (str(r[0]), str(r[1] or ""))
        for r in session.execute(
            text(
                "SELECT u.login, d.name FROM app_user u LEFT JOIN department d "
                "ON d.id = u.department_id WHERE u.active ORDER BY u.id"
            )
        )
    ]
    return (
        products or [(None, p) for p in PRODUCTS],
        [("", ""), *people] if people else list(zip(ASSIGNEES, DEPARTMENTS, strict=True)),
    )


class _Maker:
    def __init__(self, store: Store, rng: random.Random, now: datetime) -> None:
        self.rng, self.now = rng, now
        self.products: list[tuple[int | None, str]] = [(None, p) for p in PRODUCTS]
        self.assignees: list[tuple[str, str]] = list(zip(ASSIGNEES, DEPARTMENTS, strict=True))
        self.levels = ServiceLevels(store.settings.service, clock.local_zone())
        self.owner = store.settings.owner.strip()
        self.cases: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []

    def _event(
        self, case_id: int, at: datetime, kind: str, before: str = "", after: str = ""
    ) -> None:
        body = "Thanks, we are on it." if kind == "reply" else ""
        self.events.append(
            {"case_id": case_id, "at": _t(at), "kind": kind, "actor": self.owner,
             "before": before, "after": after, "body": body}
        )  # fmt: skip

    def case(self, case_id: int, number: str, contact: tuple[int, int | None], days: int) -> None:
        rng, now = self.rng, self.now
        created = now - timedelta(days=rng.uniform(0, days), minutes=rng.randint(0, 600))
        priority = rng.choices(PRIORITIES, WEIGHTS)[0]
        level = self.levels.level(priority, created)
        age = (now - created).days
        answered = (
            created + timedelta(hours=rng.uniform(0.2, 30))
            if age > 1 or rng.random() < 0.5
            else None
        )
        if answered is not None and answered > now:
            answered = None
        resolved = closed = None
        reopens = 0
        if answered is not None and age > 3 and rng.random() < 0.85:
            resolved = answered + timedelta(hours=rng.uniform(1, 90))
            resolved = min(resolved, now)
            reopens = 1 if rng.random() < 0.08 else 0
            if age > 7 and rng.random() < 0.8:
                closed = min(resolved + timedelta(days=rng.uniform(0.5, 3)), now)
        status = "closed" if closed else "resolved" if resolved else "open" if answered else "new"
        if status == "open" and rng.random() < 0.25:
            status = "waiting"
        product_id, product = rng.choice(self.products)
        assignee, department = rng.choice(self.assignees)
        next_due = None
        if status in ("new", "open"):
            next_due = level.resolution_due if answered else level.first_response_due
        self.cases.append(
            {
                "id": case_id, "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "number": number, "contact_id": contact[0], "company_id": contact[1],
                "product": product, "product_id": product_id, "subject": rng.choice(SUBJECTS),
                "channel": rng.choice(CHANNELS), "priority": priority, "status": status,
                "assignee": assignee, "department": department,
                "created_by": self.owner, "first_due": _t(level.first_response_due),
                "resolve_due": _t(level.resolution_due), "next_due": _t(next_due),
                "answered": _t(answered), "resolved": _t(resolved), "closed": _t(closed),
                "reopens": reopens, "created": _t(created),
                "score": rng.choices([1, 2, 3, 4, 5], [1, 1, 2, 4, 5])[0]
                if closed and rng.random() < 0.4 else None,
            }
        )  # fmt: skip
        self._event(case_id, created, "opened", after="new")
        if answered:
            self._event(case_id, answered, "reply")
        if resolved:
            self._event(case_id, resolved, "status", "open", "resolved")
        if closed:
            self._event(case_id, closed, "status", "resolved", "closed")


def generate_cases(store: Store, *, count: int, seed: int = 7, days: int = 90) -> int:
    """Add COUNT cases over the existing contacts (none when there are no contacts)."""
    with store.read() as session:
        people = [
            (int(r[0]), None if r[1] is None else int(r[1]))
            for r in session.execute(text("SELECT id, company_id FROM contact WHERE deleted_at IS NULL ORDER BY id"))
        ]  # fmt: skip
        start = int(
            session.execute(text("SELECT coalesce(max(id), 0) FROM support_case")).scalar_one()
        )
        products, assignees = _choices(session)
    if not people or count < 1:
        return 0
    rng = random.Random(f"cases:{seed}:{start}")  # a second call makes other uuids
    maker = _Maker(store, rng, clock.now())
    maker.products, maker.assignees = products, assignees
    year = maker.now.astimezone(clock.local_zone()).year
    for i in range(1, count + 1):
        maker.case(start + i, f"CASE-{year}-{start + i:04d}", rng.choice(people), days)
    with store.write() as session:
        for at in range(0, len(maker.cases), 5000):
            session.execute(text(_CASE), maker.cases[at : at + 5000])
        for at in range(0, len(maker.events), 5000):
            session.execute(text(_EVENT), maker.events[at : at + 5000])
        if not store.is_sqlite:  # the ids were given: the sequence must move past them
            session.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('support_case', 'id'), max(id)) FROM support_case"
                )
            )
    return count
