"""The two ways into one database (issue 16): the plain path (stdlib sqlite3 on SQLite) and
the ORM session must set connections up alike, store and read values alike, and keep the
same transactions. Parametrised over both backends where the Db protocol is concerned."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from pocketcrm.core import db as dbmod
from pocketcrm.core import sql
from pocketcrm.core.db import Db, PlainDb
from pocketcrm.core.errors import NotFound
from pocketcrm.core.services import activity, contacts
from pocketcrm.core.settings import Settings
from pocketcrm.core.store import Store

MOMENT = datetime(2026, 11, 26, 9, 30, 15, 123456, tzinfo=UTC)


def _both(store: Store) -> Iterator[tuple[str, Db]]:
    """The plain unit of work and the ORM's, one after the other, each in a write."""
    with store.sql_write() as plain:
        yield "plain", plain
    with store.write() as session:
        yield "orm", session


def test_the_plain_path_on_sqlite_is_sqlite3_itself(store: Store) -> None:
    with store.sql_read() as db:
        assert isinstance(db, PlainDb) == store.is_sqlite
        assert db.dialect_name == ("sqlite" if store.is_sqlite else "postgresql")


def test_times_come_back_aware_utc_from_both_paths(store: Store) -> None:
    """A moment written through either path reads back equal, aware and in UTC, through
    either path (`times=`), like the ORM's UTCDateTime."""
    written = []
    local = MOMENT.astimezone(timezone(timedelta(hours=2)))  # an offset must not leak
    for name, db in _both(store):
        change = {"contact_id": _contact(db), "at": local, "from_stage": "", "to_stage": name}
        written.append(sql.insert(db, "stage_change", {**change, "by": "Me"}))
    for _, db in _both(store):
        found = db.run(
            "SELECT at FROM stage_change WHERE id IN (:a, :b) ORDER BY id",
            {"a": written[0], "b": written[1]},
            times=("at",),
        ).scalars()
        assert found == [MOMENT, MOMENT]
        assert all(moment.tzinfo is not None for moment in found)


def _contact(db: Db) -> int:
    """A new contact made by the copy of a first one (the table has many NOT NULL columns)."""
    first = db.run("SELECT min(id) FROM contact").scalar()
    if first is None:
        raise AssertionError("make a contact with the service first")
    return int(
        db.run(
            "INSERT INTO contact (uuid, display_name, given_name, family_name, additional_names, "
            "prefix, suffix, nickname, name_key, title, department, stage, owner, notes, "
            "do_not_contact, email_opt_out, source, photo, created_at, updated_at) "
            "SELECT :u, display_name, given_name, family_name, additional_names, prefix, suffix, "
            "nickname, name_key, title, department, stage, owner, notes, do_not_contact, "
            "email_opt_out, source, photo, created_at, updated_at FROM contact WHERE id = :f "
            "RETURNING id",
            {"u": sql.new_uuid(), "f": first},
        ).scalar_one()
    )


@pytest.fixture(autouse=True)
def _ann(store: Store) -> None:
    contacts.create_contact(store, contacts.ContactInput("Ann Lee"))


def test_both_paths_store_a_moment_as_the_same_text(store: Store, backend: str) -> None:
    """A datetime bound as a parameter is stored as the ORM stores it, so SQL comparing
    stored times (the agenda's windows, `last_contact_at`) sees one format."""
    if backend != "sqlite":
        pytest.skip("PostgreSQL stores timestamps, not text")
    for name, db in _both(store):
        db.run("INSERT INTO app_state (key, value) VALUES (:k, :v)", {"k": name, "v": MOMENT})
    with store.sql_read() as db:
        stored = dict(db.run("SELECT key, value FROM app_state").all())
    assert stored["plain"] == stored["orm"] == "2026-11-26 09:30:15.123456"


def test_rows_name_their_columns_and_read_like_sqlalchemy(store: Store) -> None:
    for _, db in _both(store):
        cid = _contact(db)
        row = db.run("SELECT id, display_name AS name FROM contact WHERE id = :c", {"c": cid}).one()
        assert (row.id, row.name) == (cid, "Ann Lee") == tuple(row)
        assert db.run("SELECT count(*) FROM contact").scalar_one() >= 1
        assert db.run("SELECT id FROM contact WHERE id = -1").first() is None
        assert db.run("SELECT id FROM contact WHERE id = -1").scalar() is None
        updated = db.run("UPDATE contact SET notes = 'x' WHERE id = :c", {"c": cid})
        assert updated.rowcount == 1
        with pytest.raises(LookupError):
            db.run("SELECT id FROM contact WHERE id = -1").one()


def test_a_failed_plain_write_leaves_nothing(store: Store) -> None:
    before = contacts.count_contacts(store)
    with pytest.raises(NotFound), store.sql_write() as db:
        _contact(db)
        raise NotFound("contact", "x")
    assert contacts.count_contacts(store) == before
    with store.sql_write() as db:  # the connection went back clean: the next write works
        _contact(db)
    assert contacts.count_contacts(store) == before + 1


def test_a_plain_write_waits_for_the_write_lock_like_the_orm(store: Store, backend: str) -> None:
    """Another connection holding the write lock: the plain write says it waits, and gives
    up with Locked at the limit, having written nothing (the same _LockWait as the ORM)."""
    if backend != "sqlite":
        pytest.skip("the advisory lock is the ORM path's, tested with it")
    from pocketcrm.core.errors import Locked

    assert store.path is not None
    holder = sqlite3.connect(store.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    said: list[str] = []
    store.lock_notice = lambda: said.append("waiting")
    try:
        with store.waiting_at_most(1.5), pytest.raises(Locked), store.sql_write() as db:
            _contact(db)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert said == ["waiting"]
    with store.sql_read() as db:
        assert db.run("SELECT count(*) FROM contact").scalar_one() == 1  # Ann alone


def test_one_connection_set_up_serves_both_paths(store: Store, backend: str) -> None:
    """A step added to SQLITE_SETUP (a SQL function a trigger calls, say) reaches the plain
    path's connections and SQLAlchemy's alike, with the store's settings."""
    if backend != "sqlite":
        pytest.skip("SQLite's connection set-up")

    def who(connection: sqlite3.Connection, settings: Settings) -> None:
        connection.create_function("crm_who", 0, lambda: settings.owner, deterministic=True)

    dbmod.SQLITE_SETUP.append(who)
    try:
        store.close()  # connections made from now on
        with store.sql_read() as plain:
            assert plain.run("SELECT crm_who()").scalar() == "Me"
            assert plain.run("PRAGMA foreign_keys").scalar() == 1
            assert plain.run("PRAGMA journal_mode").scalar() == "wal"
            assert plain.run("PRAGMA busy_timeout").scalar() == dbmod.BUSY_TIMEOUT_MS
        with store.read() as session:
            assert session.run("SELECT crm_who()").scalar() == "Me"
            assert session.run("PRAGMA foreign_keys").scalar() == 1
    finally:
        dbmod.SQLITE_SETUP.remove(who)


def test_everyday_services_give_the_same_answers_through_the_orm_session(store: Store) -> None:
    """The shared helpers run inside an ORM transaction too (what dupes, trash and the
    importer do): the card read through either is the same."""
    from pocketcrm.core.services.cards import card_for
    from pocketcrm.core.services.contacts import ContactInput

    created = contacts.create_contact(store, ContactInput("Bo Stone", tags=["vip"]))
    activity.log_interaction(
        store, "#" + str(created.id), activity.InteractionInput(kind="call", notes="hello")
    )
    contacts.set_stage(store, "Bo Stone", "customer")
    contacts.change_tags(store, "Bo Stone", ["hot"], ["vip"])
    with store.sql_read() as plain:
        first = card_for(plain, created.id)
    with store.read() as session:
        second = card_for(session, created.id)
    assert first == second
    assert first.stage == "customer" and first.tags == ("hot",)
    assert [h.to_stage for h in first.stage_history] == ["lead", "customer"]
    assert first.interaction_count == 1
