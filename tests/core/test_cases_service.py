"""Support cases against a real database (SQLite and PostgreSQL) and a real SMTP server:
numbers, service levels, the status machine, replies by email, the queue and breaches.

The clock is fixed at Tue 1 Dec 2026 10:00 Berlin; business hours are the defaults."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from coresupport import FixedClock, login_tail
from smtp_kit import Recorder, Server, start
from sqlalchemy import text

from pocketcrm.core.errors import Invalid, NotFound
from pocketcrm.core.services import case_views, cases, contacts, departments, products, users
from pocketcrm.core.services.cases import CaseInput
from pocketcrm.core.services.contacts import ContactInput
from pocketcrm.core.store import Store


@pytest.fixture
def smtp(store: Store) -> Iterator[Server]:
    for server in start(Recorder()):
        config = store.settings.reminders.smtp
        config.host, config.port, config.security = "127.0.0.1", server.port, "none"
        config.sender = "help@shop.example.com"
        yield server


def ann(store: Store) -> int:
    data = ContactInput(name="Ann Lee", emails=["ann@example.com"], company="Lee Bakery")
    return contacts.create_contact(store, data).id


def test_open_numbers_and_due_times(store: Store) -> None:
    ann(store)
    first = cases.open_case(store, "ann", CaseInput("Oven broken", priority="urgent"))
    second = cases.open_case(store, "ann", CaseInput("Invoice question", product="Oven X2"))
    assert (first.number, second.number) == ("CASE-2026-0001", "CASE-2026-0002")
    assert first.status == "new" and first.company_name == "Lee Bakery"
    # Tue 10:00 Berlin + 1 business hour (urgent) = 11:00 Berlin = 10:00 UTC.
    assert first.first_response_due_at.hour == 10
    assert first.next_due_at == first.first_response_due_at
    assert second.product == "Oven X2" and second.priority == "normal"
    assert case_views.get_case(store, "case-2026-0002").id == second.id
    assert case_views.get_case(store, str(second.id)).number == second.number


def test_bad_input_names_the_field_and_writes_nothing(store: Store) -> None:
    ann(store)
    with pytest.raises(Invalid) as caught:
        cases.open_case(store, "ann", CaseInput("Broken", priority="asap"))
    assert caught.value.field == "priority"
    with pytest.raises(Invalid):
        cases.open_case(store, "ann", CaseInput("Broken", channel="pigeon"))
    with pytest.raises(NotFound):
        case_views.get_case(store, "CASE-2026-0099")
    assert case_views.list_cases(store) == []


def test_status_machine_close_needs_resolve_or_force(store: Store) -> None:
    ann(store)
    made = cases.open_case(store, "ann", CaseInput("Oven broken"))
    with pytest.raises(Invalid, match="resolve it first"):
        cases.close_case(store, made.number)
    assert case_views.get_case(store, made.number).status == "new"
    forced = cases.close_case(store, made.number, force=True)
    assert forced.status == "closed" and forced.resolved_at is not None
    reopened = cases.reopen_case(store, made.number, "still broken")
    assert reopened.status == "open" and reopened.reopen_count == 1
    assert reopened.next_due_at is not None
    resolved = cases.resolve_case(store, made.number)
    assert resolved.status == "resolved" and resolved.next_due_at is None
    assert cases.close_case(store, made.number).status == "closed"
    kinds = [(e.kind, e.to_value) for e in case_views.timeline(store, made.number)]
    assert kinds[0] == ("opened", "new")
    assert ("note", "") in kinds and kinds[-1] == ("status", "closed")
    with pytest.raises(Invalid, match="already"):
        cases.set_status(store, made.number, "closed")


def test_waiting_on_customer_stops_the_clock(store: Store) -> None:
    ann(store)
    made = cases.open_case(store, "ann", CaseInput("Question"))
    waiting = cases.set_status(store, made.number, "waiting on customer")
    assert waiting.status == "waiting" and waiting.next_due_at is None
    back = cases.set_status(store, made.number, "open")
    assert back.next_due_at == made.first_response_due_at and back.reopen_count == 0


def test_reply_is_mailed_threaded_and_logged(store: Store, smtp: Server) -> None:
    contact_id = ann(store)
    made = cases.open_case(store, "ann", CaseInput("Oven broken"))
    answered = cases.reply(store, made.number, "We send a technician tomorrow.")
    assert answered.status == "open" and answered.first_response_at is not None
    assert answered.next_due_at == answered.resolution_due_at
    [message] = smtp.handler.parsed()
    assert message["Subject"] == f"[{made.number}] Oven broken"
    assert message["To"].addresses[0].addr_spec == "ann@example.com"
    assert "technician" in message.get_content()
    events = case_views.timeline(store, made.number)
    assert events[-2].kind == "reply"
    assert events[-2].message_id == str(message["Message-ID"]).strip()
    card = contacts.get_card(store, str(contact_id))
    assert card.interactions[0].kind == "email" and made.number in card.interactions[0].notes
    second = cases.reply(store, made.number, "Did it help?", wait=True)
    assert second.status == "waiting"
    assert str(smtp.handler.parsed()[1]["In-Reply-To"]).strip() == events[-2].message_id


def test_a_failed_send_records_nothing(store: Store, smtp: Server) -> None:
    ann(store)
    made = cases.open_case(store, "ann", CaseInput("Oven broken"))
    smtp.handler.refuse_sender = True
    with pytest.raises(Exception, match="email"):
        cases.reply(store, made.number, "hello")
    after = case_views.get_case(store, made.number)
    assert after.first_response_at is None and after.status == "new"
    assert [e.kind for e in case_views.timeline(store, made.number)] == ["opened"]


def team(store: Store) -> dict[str, str]:
    """Bob Stone in Repairs, Cy Young in no department, a Support department: their logins
    (on PostgreSQL unique to the test: login roles are shared by the server's databases)."""
    tail = login_tail(store.is_sqlite)
    who = {name: f"{name}{tail}" for name in ("bob", "cy")}
    password = None if store.is_sqlite else "a long password!"
    departments.add_department(store, "Repairs")
    departments.add_department(store, "Support")
    users.add_user(store, users.UserInput(who["bob"], name="Bob Stone", department="Repairs"),
                   password=password)  # fmt: skip
    users.add_user(store, users.UserInput(who["cy"], name="Cy Young"), password=password)
    return who


def test_internal_note_and_assign(store: Store) -> None:
    ann(store)
    bob = team(store)["bob"]
    made = cases.open_case(store, "ann", CaseInput("Oven broken"))
    cases.add_note(store, made.number, "Called the supplier")
    assigned = cases.assign_case(store, made.number, bob, "support")
    assert (assigned.assignee, assigned.department) == (bob, "Support")
    found = case_views.list_cases(store, assignee=bob.upper())
    assert [c.number for c in found] == [made.number]
    with pytest.raises(Invalid):
        cases.add_note(store, made.number, "   ")


def test_the_assignee_is_a_user_and_brings_their_department(store: Store) -> None:
    ann(store)
    who = team(store)
    bob, cy = who["bob"], who["cy"]
    made = cases.open_case(store, "ann", CaseInput("Oven broken", assignee="Bob Stone"))
    assert (made.assignee, made.department) == (bob, "Repairs")  # a name finds the login
    mine = cases.open_case(store, "ann", CaseInput("Mixer", assignee=cy, department="x"))
    assert (mine.assignee, mine.department) == (cy, "x")  # given: kept as typed
    moved = cases.assign_case(store, mine.number, bob.upper())
    assert (moved.assignee, moved.department) == (bob, "Repairs")
    kept = cases.assign_case(store, made.number, "Cy Young")  # no department: it stays
    assert (kept.assignee, kept.department) == (cy, "Repairs")
    with pytest.raises(Invalid, match=f"closest: {bob}") as caught:
        cases.open_case(store, "ann", CaseInput("Scale", assignee=bob + "b"))
    assert caught.value.field == "assign"
    with pytest.raises(Invalid, match="no user 'zed'"):
        cases.assign_case(store, made.number, "zed")
    assert case_views.get_case(store, made.number).assignee == cy  # nothing written
    assert len(case_views.list_cases(store)) == 2
    users.set_active(store, bob, False)
    with pytest.raises(Invalid, match="disabled"):
        cases.assign_case(store, made.number, bob)


def test_the_product_refers_to_the_catalogue_when_it_names_an_entry(store: Store) -> None:
    ann(store)
    oven = products.add_product(store, products.ProductInput(sku="OVN-X2", name="Oven X2"))
    by_sku = cases.open_case(store, "ann", CaseInput("Smokes", product="ovn-x2"))
    by_name = cases.open_case(store, "ann", CaseInput("Door", product="oven x2"))
    free = cases.open_case(store, "ann", CaseInput("Other", product="Grandma's mixer"))
    assert (by_sku.product_id, by_sku.product, by_sku.product_sku) == (
        oven.id, "Oven X2", "OVN-X2"
    )  # fmt: skip
    assert (by_name.product_id, by_name.product) == (oven.id, "Oven X2")
    assert (free.product_id, free.product, free.product_sku) == (None, "Grandma's mixer", "")


def test_queue_order_and_breaches(store: Store, fixed_clock: FixedClock) -> None:
    ann(store)
    low = cases.open_case(store, "ann", CaseInput("Low", priority="low"))
    urgent = cases.open_case(store, "ann", CaseInput("Urgent", priority="urgent"))
    done = cases.open_case(store, "ann", CaseInput("Done"))
    cases.resolve_case(store, done.number)
    queue = [c.number for c in case_views.list_cases(store)]
    assert queue == [urgent.number, low.number, done.number]
    assert case_views.list_cases(store, breached=True) == []
    assert [c.number for c in case_views.due_cases(store)] == [urgent.number]  # within 2 h
    fixed_clock.advance(hours=2)
    breached = case_views.list_cases(store, breached=True)
    assert [c.number for c in breached] == [urgent.number] and breached[0].breached
    assert [c.number for c in case_views.list_cases(store, status="resolved")] == [done.number]
    assert len(case_views.list_cases(store, status="open")) == 2


def test_queue_lines_agree_with_the_views(store: Store, fixed_clock: FixedClock) -> None:
    """`case list`'s table reads lines, its JSON views: same cases, order, flags and cells."""
    ann(store)
    for subject, priority in (("Low", "low"), ("Urgent", "urgent"), ("High", "high")):
        cases.open_case(store, "ann", CaseInput(subject, priority=priority, product="Oven X2"))
    cases.resolve_case(store, "CASE-2026-0001")
    fixed_clock.advance(hours=3)
    for options in ({}, {"breached": True}, {"status": "resolved"}, {"limit": 1}):
        views = case_views.list_cases(store, **options)  # type: ignore[arg-type]
        lines = case_views.queue(store, **options)  # type: ignore[arg-type]
        assert views and len(lines) == len(views)
        for line, full in zip(lines, views, strict=True):
            assert (line.number, line.status, line.priority, line.next_due_at) == (
                full.number, full.status, full.priority, full.next_due_at
            )  # fmt: skip
            assert (line.breached, line.due_soon) == (full.breached, full.due_soon)
            assert (line.subject, line.contact_name, line.assignee, line.product) == (
                full.subject, full.contact_name, full.assignee, full.product
            )  # fmt: skip
    assert [line.number for line in case_views.queue(store, breached=True)] == ["CASE-2026-0002"]


def test_satisfaction_is_recorded(store: Store) -> None:
    ann(store)
    made = cases.open_case(store, "ann", CaseInput("Oven"))
    with store.write() as session:
        cases.record_satisfaction(session, store, made.id, 4, "quick", at=made.created_at)
    after = case_views.get_case(store, made.number)
    assert (after.satisfaction, after.satisfaction_comment) == (4, "quick")
    with store.read() as session:
        kinds = session.execute(text("SELECT kind FROM case_event ORDER BY id")).scalars().all()
    assert kinds[-1] == "satisfaction"


def test_close_with_survey_mails_the_question(store: Store, smtp: Server) -> None:
    ann(store)
    made = cases.open_case(store, "ann", CaseInput("Oven"))
    cases.resolve_case(store, made.number)
    closed = cases.close_case(store, made.number, survey=True)
    assert closed.status == "closed"
    [message] = smtp.handler.parsed()
    assert message["Subject"] == f"[{made.number}] How did we do?"
    assert "1 (not at all) to 5" in message.get_content()


def test_demo_cases_use_the_catalogue_and_the_users(store: Store) -> None:
    """The demo's cases link its catalogue's products and go to its users, each in the
    user's department (what `report service --by department` then shows)."""
    from pocketcrm.core.demo import generate
    from pocketcrm.core.demo_cases import generate_cases

    generate(store, contacts=60, companies=10, interactions=100, follow_ups=10, seed=3)
    departments.add_department(store, "Repairs")
    bob = "bob" if store.is_sqlite else f"bob{os.getpid()}d"
    users.add_user(store, users.UserInput(bob, name="Bob Stone", department="Repairs"),
                   password=None if store.is_sqlite else "a long password!")  # fmt: skip
    generate_cases(store, count=200, seed=4)
    made = case_views.list_cases(store, limit=1000)
    linked = [c for c in made if c.product_id is not None]
    assert linked and all(c.product_sku for c in linked)
    bobs = [c for c in made if c.assignee == bob]
    assert bobs and all(c.department == "Repairs" for c in bobs)
