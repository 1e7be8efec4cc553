"""Who changed what: every write path journaled, history read back, undo with and without a
conflict, retention, and the personal-data requests. Each test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from coresupport import FixedClock
from sqlalchemy import text

from pocketcrm.core import journal
from pocketcrm.core.errors import Invalid, NotFound
from pocketcrm.core.services import activity, contacts, deals, history
from pocketcrm.core.services.contacts import ContactInput, ContactPatch
from pocketcrm.core.store import Store
from pocketcrm.core.transfer import people
from pocketcrm.core.transfer.importer.run import import_files


@pytest.fixture(autouse=True)
def api_face() -> Iterator[None]:
    journal.set_face("api")
    yield
    journal.set_face("api")


def add(store: Store, name: str, **fields: object) -> int:
    return contacts.create_contact(store, ContactInput(name=name, **fields)).id  # type: ignore[arg-type]


def entries(store: Store, ref: str) -> list[history.Change]:
    return history.history(store, ref).changes


def test_a_new_contact_is_journaled_with_its_emails_and_stage(store: Store) -> None:
    add(store, "Ann Lee", emails=["ann@example.com"], tags=["vip"])
    found = entries(store, "Ann Lee")
    tables = sorted(c.table for c in found)
    assert tables == ["contact", "contact_email", "contact_tag"]  # the stage row: no echo
    created = next(c for c in found if c.table == "contact")
    assert created.action == "insert"
    assert created.fields["display_name"] == [None, "Ann Lee"]
    assert created.summary == "contact created: Ann Lee"
    assert {c.actor for c in found} == {history_actor(store)}
    assert {c.face for c in found} == {"api"}
    assert len({c.change for c in found}) == 1  # one command, one change
    tag = next(c for c in found if c.table == "contact_tag")
    assert tag.summary == "tag +vip"


def history_actor(store: Store) -> str:
    with store.read() as session:
        return history.whoami(session, store)


def test_an_edit_records_only_the_changed_fields_before_and_after(
    store: Store, fixed_clock: FixedClock
) -> None:
    add(store, "Ann Lee", title="Buyer")
    fixed_clock.advance(minutes=5)
    journal.set_face("cli")
    contacts.update_contact(store, "Ann Lee", ContactPatch(title="CEO", department="Sales"))
    contacts.set_stage(store, "Ann Lee", "customer")
    newest = entries(store, "Ann Lee")
    stage = next(c for c in newest if c.table == "contact" and "stage" in c.fields)
    assert stage.fields == {"stage": ["lead", "customer"]}
    assert stage.summary == "stage: lead -> customer"
    edit = next(c for c in newest if c.table == "contact" and "title" in c.fields)
    assert edit.fields == {"title": ["Buyer", "CEO"], "department": ["", "Sales"]}
    assert edit.face == "cli"
    assert newest[0].id > newest[-1].id  # newest first


def test_each_face_is_attributed(store: Store, tmp_path: Path) -> None:
    journal.set_face("tui")
    add(store, "Ann Lee")
    source = tmp_path / "people.csv"
    source.write_text("Name,Email\nBen Okafor,ben@example.com\n", encoding="utf-8")
    import_files(store, [source])
    add(store, "Ann Lee 2", emails=["ann2@example.com"])
    from pocketcrm.core.services import dupes

    dupes.merge_contacts(store, "Ann Lee", "Ann Lee 2")
    assert {c.face for c in entries(store, "Ben Okafor")} == {"import"}
    faces = {c.face for c in entries(store, "Ann Lee")}
    assert faces == {"tui", "merge"}


def test_undo_reverts_the_last_change_field_by_field_and_is_journaled(store: Store) -> None:
    add(store, "Ann Lee", title="Buyer")
    contacts.update_contact(store, "Ann Lee", ContactPatch(title="CEO", name="Ann Smith"))
    result = history.undo(store)
    card = contacts.get_card(store, "Ann Lee")
    assert (card.display_name, card.title) == ("Ann Lee", "Buyer")
    assert contacts.search_contacts(store, "Lee")[0].id == card.id  # the search index too
    assert result.entries == 1
    newest = entries(store, "Ann Lee")
    assert newest[0].face == "undo"
    assert newest[0].fields["title"] == ["CEO", "Buyer"]
    assert newest[1].undone
    # the next undo takes the change before: the creation, which goes to the trash
    history.undo(store)
    with pytest.raises(NotFound):
        contacts.get_card(store, "Ann Lee")


def test_undo_refuses_when_a_later_change_touched_the_field(store: Store) -> None:
    add(store, "Ann Lee")
    contacts.update_contact(store, "Ann Lee", ContactPatch(title="CEO"))
    first = entries(store, "Ann Lee")[0].id
    contacts.update_contact(store, "Ann Lee", ContactPatch(title="Owner"))
    with pytest.raises(Invalid) as refused:
        history.undo(store, first)
    assert "title (changed again by" in str(refused.value)
    assert "nothing was undone" in str(refused.value)
    assert contacts.get_card(store, "Ann Lee").title == "Owner"  # nothing written
    forced = history.undo(store, first, force=True)
    assert contacts.get_card(store, "Ann Lee").title == ""
    assert forced.overwritten and forced.overwritten[0].startswith("title")


def test_undo_without_conflict_on_another_field(store: Store) -> None:
    add(store, "Ann Lee")
    contacts.update_contact(store, "Ann Lee", ContactPatch(title="CEO"))
    first = entries(store, "Ann Lee")[0].id
    contacts.update_contact(store, "Ann Lee", ContactPatch(department="Sales"))
    history.undo(store, first)
    card = contacts.get_card(store, "Ann Lee")
    assert (card.title, card.department) == ("", "Sales")
    with pytest.raises(Invalid, match="already undone"):
        history.undo(store, first)


def test_undo_brings_a_removed_tag_back_and_a_stage_with_its_history(store: Store) -> None:
    add(store, "Ann Lee", tags=["vip"])
    contacts.change_tags(store, "Ann Lee", [], ["vip"])
    history.undo(store)
    assert contacts.get_card(store, "Ann Lee").tags == ("vip",)
    contacts.set_stage(store, "Ann Lee", "customer")
    history.undo(store)
    card = contacts.get_card(store, "Ann Lee")
    assert card.stage == "lead"
    assert [h.to_stage for h in card.stage_history] == ["lead"]


def test_undo_of_a_logged_call_trashes_it_and_fixes_the_last_contact(store: Store) -> None:
    ann = add(store, "Ann Lee")
    activity.log_interaction(store, "Ann Lee", activity.InteractionInput(outcome="reached"))
    assert contacts.get_card(store, "Ann Lee").last_contact_at is not None
    history.undo(store)
    assert contacts.get_card(store, "Ann Lee").last_contact_at is None
    assert activity.contact_interactions(store, ann) == []


def test_deal_history_and_undo_of_a_stage_move(store: Store) -> None:
    add(store, "Ann Lee")
    deal = deals.create_deal(store, "Ann Lee", deals.DealInput(title="Website", amount="1000"))
    deals.move_deal(store, deal.id, "proposal")
    found = history.history(store, f"deal:{deal.id}")
    assert found.subject == f"deal #{deal.id} Website"
    assert found.changes[0].fields["stage"] == ["qualified", "proposal"]
    history.undo(store)
    assert deals.get_deal(store, deal.id).stage == "qualified"


def test_unknown_references(store: Store) -> None:
    with pytest.raises(NotFound):
        history.history(store, "deal:99")
    with pytest.raises(Invalid):
        history.history(store, "deal:abc")
    with pytest.raises(NotFound):
        history.undo(store, 12345)
    with pytest.raises(NotFound):
        history.undo(store)  # nothing of mine yet


def test_an_import_of_n_rows_is_journaled(store: Store, tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    lines = ["Name,Email"] + [f"Person {i},p{i}@example.com" for i in range(50)]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_files(store, [source])
    with store.read() as session:
        counted = dict(
            session.execute(
                text("SELECT tbl, count(*) FROM journal WHERE face = 'import' GROUP BY tbl")
            ).all()
        )
    assert counted["contact"] == 50
    if store.is_sqlite:  # the replay's bulk entries: a new contact's details go with it
        assert "contact_email" not in counted
        created = entries(store, "Person 7")
        assert [c.summary for c in created] == ["contact created: Person 7"]
        with store.read() as session:  # built on the import's copy, stamped by the replay
            stamps = session.execute(
                text("SELECT DISTINCT txn, actor, face FROM journal WHERE face = 'import'")
            ).all()
        assert len(stamps) == 1 and stamps[0][0] != 0 and stamps[0][1] != ""
    else:  # the server's triggers, row by row
        assert counted["contact_email"] == 50


def test_retention_drops_old_entries(store: Store, fixed_clock: FixedClock) -> None:
    ann = add(store, "Ann Lee")
    add(store, "Ben Okafor")
    # PostgreSQL stamps entries with the server's clock: set the ages by hand on both
    with store.write() as session:
        old = fixed_clock.moment - timedelta(days=10)
        for cid, moment in ((ann, old), (None, fixed_clock.moment)):
            session.execute(
                text(
                    "UPDATE journal SET at = :at WHERE "
                    + ("contact_id = :c" if cid else "contact_id <> :c")
                ),
                {"at": moment, "c": cid or ann},
            )
    store.settings.journal.keep_days = 5
    assert history.prune(store) == 2  # the contact and its stage
    assert entries(store, "Ann Lee") == []
    assert entries(store, "Ben Okafor") != []
    store.settings.journal.keep_days = 0
    fixed_clock.advance(days=1000)
    assert history.prune(store) == 0


def test_person_export_includes_and_erase_removes_the_journal(store: Store) -> None:
    add(store, "Ann Lee", emails=["ann@example.com"])
    contacts.update_contact(store, "Ann Lee", ContactPatch(title="CEO"))
    add(store, "Ben Okafor")
    exported = people.export_person(store, "Ann Lee")
    changes = exported.document["journal"]
    assert any(c["fields"].get("title") == ["", "CEO"] for c in changes)
    people.erase_person(store, "Ann Lee")
    with store.read() as session:
        left = session.execute(text("SELECT changes, action, contact_id FROM journal")).all()
    dumped = json.dumps([list(r) for r in left])
    assert "Ann" not in dumped and "ann@example.com" not in dumped
    assert [r[1] for r in left].count("erase") == 1
    assert "Ben Okafor" in dumped  # others are kept


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_raw_sql_update_is_journaled_on_postgres(store: Store) -> None:
    """As psql would: a plain connection with no pocketcrm in it, the change still journaled,
    by the login that made it, as face 'sql'."""
    import psycopg
    from sqlalchemy.engine import make_url

    ann = add(store, "Ann Lee")
    url = make_url(store.url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE contact SET title = 'Boss' WHERE id = %s", (ann,))
        login = conn.execute("SELECT current_user").fetchone()
    newest = entries(store, "Ann Lee")[0]
    assert login is not None
    assert (newest.actor, newest.face) == (login[0], "sql")
    assert newest.fields == {"title": ["", "Boss"]}
    history.undo(store, newest.id)  # anyone's change can be named and undone
    assert contacts.get_card(store, "Ann Lee").title == ""


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_plain_sqlite_shell_still_writes(store: Store, db_path: Path) -> None:
    """TEMP triggers: a connection without pocketcrm's functions writes, unjournaled."""
    import sqlite3

    ann = add(store, "Ann Lee")
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("UPDATE contact SET title = 'Boss' WHERE id = ?", (ann,))
    conn.close()
    assert contacts.get_card(store, "Ann Lee").title == "Boss"
    assert [c.action for c in entries(store, "Ann Lee") if c.table == "contact"] == ["insert"]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_connection_set_up_without_journal_keeps_no_stale_state(
    store: Store, db_path: Path
) -> None:
    """Connection ids are reused: set-up without the journal (an import's private copy) must
    forget what an earlier connection with that id had, or its triggers would come back on a
    connection lacking the functions ('no such function: pocketcrm_now', seen in the suite)."""
    import sqlite3

    from pocketcrm.core.db import prepare_sqlite

    add(store, "Ann Lee", company="Acme")
    for _ in range(50):
        first = sqlite3.connect(db_path)
        prepare_sqlite(first, store.settings)
        journal.begin(first)  # as a write would: the triggers are made
        used = id(first)
        first.close()
        del first
        conn = sqlite3.connect(db_path)
        if id(conn) == used:
            break
        conn.close()
    else:
        pytest.skip("CPython did not reuse the connection's id")
    prepare_sqlite(conn, store.settings, journaled=False)  # the id again, unjournaled
    with journal.bulk_inserts(conn):
        pass
    journal.begin(conn)
    conn.execute("BEGIN")
    conn.execute("UPDATE company SET notes = 'x'")  # no trigger calls a missing function
    conn.execute("INSERT INTO tag(name) VALUES ('new')")
    conn.execute("INSERT INTO contact_tag(contact_id, tag_id) SELECT 1, id FROM tag")
    conn.execute("ROLLBACK")
    conn.close()
