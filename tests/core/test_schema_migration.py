"""Upgrading a database written by an older release: every row survives, a backup is left.

tests/fixtures/schema_0001.db was made by the FIRST schema (make_schema_0001.py beside it);
each test works on a copy. A throw-away revision 0002 that rebuilds the contact table (what
Alembic's batch mode does on SQLite for most changes) checks the cascade hazard for real.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from pocketcrm.core import migrations
from pocketcrm.core.migrations import HEAD, run_upgrade
from pocketcrm.core.services import activity, contacts, trash
from pocketcrm.core.settings import Settings
from pocketcrm.core.store import backup_dir, open_store

FIXTURE = Path(__file__).parents[1] / "fixtures" / "schema_0001.db"

REBUILD_CONTACT = '''"""test only: rebuild the contact table the way batch mode does

Revision ID: test_rebuild
Revises: {head}
"""

from alembic import op

revision = "test_rebuild"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contact", recreate="always"):
        pass
    op.execute(
        "INSERT INTO app_state(key, value) SELECT 'fk_during_migration', foreign_keys "
        "FROM pragma_foreign_keys"
    )


def downgrade() -> None:
    pass
'''


def counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
                "AND name NOT LIKE 'contact_fts_%' AND name != 'alembic_version'"
            )
        ]
        return {n: int(conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]) for n in names}
    finally:
        conn.close()


def foreign_key_problems(path: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.execute("PRAGMA foreign_key_check").fetchall())
    finally:
        conn.close()


@pytest.fixture
def old_db(tmp_path: Path) -> Path:
    target = tmp_path / "data" / "crm.db"
    target.parent.mkdir(mode=0o700)
    shutil.copyfile(FIXTURE, target)
    return target


@pytest.fixture
def with_revision_0002(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Point the migrations at a copy of the real script folder plus the test revision."""

    def install() -> None:
        scripts = tmp_path / "migrations"
        shutil.copytree(
            migrations.HERE, scripts, ignore=shutil.ignore_patterns("__pycache__", "__init__.py")
        )
        real_head = migrations.HEAD
        (scripts / "versions" / "test_rebuild_contact.py").write_text(
            REBUILD_CONTACT.replace("{head}", real_head)
        )
        monkeypatch.setattr(migrations, "HERE", scripts)
        monkeypatch.setattr(migrations, "HEAD", "test_rebuild")

    return install


def test_head_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrations.alembic_config())
    assert script.get_heads() == [HEAD]


def test_fixture_is_the_first_schema_with_rows_in_every_table() -> None:
    conn = sqlite3.connect(FIXTURE)
    try:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
    finally:
        conn.close()
    assert all(n > 0 for n in counts(FIXTURE).values()), counts(FIXTURE)
    assert counts(FIXTURE)["contact_fts"] == 2


def test_old_database_opens_upgraded_with_every_row(old_db: Path) -> None:
    before = counts(old_db)
    store = open_store(old_db, Settings())
    try:
        assert store.schema_version() == HEAD
        after = counts(old_db)
        assert {table: after[table] for table in before} == before
        assert foreign_key_problems(old_db) == []
        backups = list(backup_dir(old_db).glob("*.db"))
        if HEAD != "0001":
            assert len(backups) == 1
            assert counts(backups[0]) == before

        card = contacts.get_card(store, "zoe")
        assert card.display_name == "Zoë Åkesson"
        assert card.company is not None and card.company.name == "Åkesson Bakery"
        assert [e.address for e in card.emails] == ["zoe@akesson.example.com"]
        assert [p.e164 for p in card.phones] == ["+46701234567"]
        assert card.tags == ("vip",)
        assert card.birthday == "1984-05-17"
        assert card.custom == {"shoe size": "38"}
        assert [h.to_stage for h in card.stage_history] == ["lead", "customer"]
        assert [f.note for f in card.follow_ups] == ["Confirm the spring order"]
        assert card.interactions[0].satisfaction == 5
        assert [r.display_name for r in contacts.search_contacts(store, "akesson")] == [
            "Zoë Åkesson"
        ]
        assert contacts.resolve(store, "ben@flour.example.com") == 2
        assert [i.label for i in trash.list_trash(store)] == ["Old Trashed"]
        assert [f.id for f in activity.agenda(store, "all")] == [1]
        # and it takes new writes
        contacts.create_contact(store, contacts.ContactInput(name="New Person"))
    finally:
        store.close()


def test_upgrade_takes_a_backup_and_cascades_nothing(
    old_db: Path, with_revision_0002: Callable[[], None]
) -> None:
    before = counts(old_db)
    with_revision_0002()
    store = open_store(old_db, Settings())
    try:
        assert store.schema_version() == "test_rebuild"
    finally:
        store.close()
    after = counts(old_db)
    assert after["app_state"] == before["app_state"] + 1
    assert {t: after[t] for t in before if t != "app_state"} == {
        t: n for t, n in before.items() if t != "app_state"
    }
    assert foreign_key_problems(old_db) == []
    conn = sqlite3.connect(old_db)
    try:
        fk = conn.execute("SELECT value FROM app_state WHERE key='fk_during_migration'").fetchone()
    finally:
        conn.close()
    assert fk == ("0",)
    backups = list(backup_dir(old_db).glob("*.db"))
    assert len(backups) == 1
    assert "before-test_rebuild" in backups[0].name
    assert counts(backups[0]) == before
    assert backups[0].stat().st_mode & 0o777 == 0o600


def test_run_upgrade_turns_foreign_keys_off_even_on_an_engine_that_has_them_on(
    old_db: Path, with_revision_0002: Callable[[], None]
) -> None:
    """A bare engine with foreign keys on: the rebuild must not cascade into child tables."""
    from sqlalchemy import event

    before = counts(old_db)
    with_revision_0002()
    engine = create_engine(f"sqlite:///{old_db}")

    @event.listens_for(engine, "connect")
    def _on(dbapi_connection: object, _record: object) -> None:
        dbapi_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[attr-defined]

    try:
        run_upgrade(engine, True)
        with engine.connect() as conn:  # and they are back on afterwards
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()
    after = counts(old_db)
    for table in ("contact_email", "contact_phone", "interaction", "follow_up", "stage_change"):
        assert after[table] == before[table], table


def test_a_fresh_database_is_not_backed_up(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    open_store(path).close()
    assert not backup_dir(path).exists()


def test_a_failed_upgrade_names_the_backup_and_keeps_the_data(
    old_db: Path, with_revision_0002: Callable[[], None]
) -> None:
    from pocketcrm.core.errors import StoreError

    with_revision_0002()
    broken = migrations.HERE / "versions" / "test_rebuild_contact.py"
    broken.write_text(
        broken.read_text().replace(
            "    op.execute(", "    op.execute('BOGUS SQL')\n    op.execute("
        )
    )
    before = counts(old_db)
    with pytest.raises(StoreError, match="safe in"):
        open_store(old_db, Settings())
    assert counts(old_db) == before
    conn = sqlite3.connect(old_db)
    try:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
    finally:
        conn.close()


def test_0008_gives_existing_all_day_follow_ups_their_day(old_db: Path) -> None:
    """An all-day row stored as the writer's local midnight gets the day the user saw: a
    Berlin midnight read in Berlin, a UTC midnight, and a New York midnight (nearest UTC
    midnight) all mean 3 December; a timed row keeps no day."""
    from datetime import date
    from zoneinfo import ZoneInfo

    from pocketcrm.core import clock

    conn = sqlite3.connect(old_db)
    try:
        conn.execute("UPDATE follow_up SET done_at = '2026-11-01 00:00:00.000000'")
        for uuid, due, all_day in (
            ("b", "2026-12-02 23:00:00.000000", 1),  # Berlin midnight
            ("u", "2026-12-03 00:00:00.000000", 1),  # UTC midnight
            ("n", "2026-12-03 05:00:00.000000", 1),  # New York midnight
            ("t", "2026-12-03 05:00:00.000000", 0),  # a timed one
        ):
            conn.execute(
                "INSERT INTO follow_up (uuid, contact_id, due_at, all_day, note, owner, "
                "created_at) VALUES (?, 2, ?, ?, '', '', '2026-11-01 00:00:00.000000')",
                (uuid, due, all_day),
            )
        conn.execute(
            "UPDATE contact SET next_follow_up_at = '2026-12-02 23:00:00.000000' WHERE id = 2"
        )
        conn.commit()
    finally:
        conn.close()
    clock.set_local_zone(ZoneInfo("Europe/Berlin"))
    open_store(old_db, Settings()).close()
    conn = sqlite3.connect(old_db)
    try:
        days = dict(
            conn.execute("SELECT uuid, due_date FROM follow_up WHERE uuid IN ('b','u','n','t')")
        )
        assert days == {"b": "2026-12-03", "u": "2026-12-03", "n": "2026-12-03", "t": None}
        assert conn.execute("SELECT next_follow_up_date FROM contact WHERE id = 2").fetchone() == (
            "2026-12-03",
        )
    finally:
        conn.close()
    clock.set_local_zone(ZoneInfo("America/New_York"))
    store = open_store(old_db, Settings())
    try:
        shown = [(f.due_at, f.all_day) for f in activity.agenda(store, "all") if f.all_day]
        assert shown == [(date(2026, 12, 3), True)] * 3
    finally:
        store.close()


def test_upgrade_to_0009_indexes_old_notes_and_refolds_old_name_keys(old_db: Path) -> None:
    """A database from before 0009 finds its old call notes and custom fields, and names
    stored with the old folding ('łukasz') are found by the new one ('lukasz')."""
    conn = sqlite3.connect(old_db)
    with conn:
        conn.execute(
            "UPDATE contact SET display_name = 'Łukasz Żółkiewski', given_name = 'Łukasz', "
            "family_name = 'Żółkiewski', name_key = 'łukasz zołkiewski' WHERE id = 2"
        )
        conn.execute("UPDATE company SET name = 'Øresund Mølle', name_key = 'øresund mølle'")
        conn.execute("UPDATE custom_field SET value = 'narrow fit' WHERE name = 'shoe size'")
    conn.close()
    store = open_store(old_db, Settings())
    try:

        def found(words: str) -> list[str]:
            return [r.display_name for r in contacts.search_contacts(store, words)]

        assert found("loaves") == ["Zoë Åkesson"]  # an interaction note from 0001's days
        assert found("narrow") == ["Zoë Åkesson"]  # the custom field "shoe size"
        assert found("moved") == []  # the note of a trashed contact
        assert found("lukasz") == ["Łukasz Żółkiewski"]
        assert contacts.resolve(store, "lukasz zolkiewski") == 2
        with store.read() as session:
            from sqlalchemy import text

            keys = session.execute(text("SELECT name_key FROM company ORDER BY id")).scalars()
            assert set(keys) == {"oresund molle"}
    finally:
        store.close()


def test_the_migrations_fold_is_the_codes_fold() -> None:
    """0009 recomputed the stored keys with its own frozen copy of the rule: a change to
    search.fold needs a new migration that recomputes them again."""
    import importlib

    from pocketcrm.core.search import fold

    frozen = importlib.import_module(
        "pocketcrm.core.migrations.versions.0009_search_notes_custom_fields"
    )
    sample = "Łukasz Żółkiewski Søren Æsa Straße Đorđe Œdipe Þóra Işıl Zoë Ħ Ŧ ĸ ǅ ﬁ  x"
    assert frozen.fold(sample) == fold(sample)
    assert frozen.fold_before("Łukasz Zoë") == "łukasz zoe"


def test_upgrade_to_0014_gives_old_interactions_their_channel(old_db: Path) -> None:
    """Issue 13: a call from 0001's days comes out on the phone channel, a note as other;
    numbers and reasons start empty, and the market table is there to fill."""
    store = open_store(old_db, Settings())
    try:
        with store.read() as session:
            from sqlalchemy import text

            rows = session.execute(
                text("SELECT kind, channel, number, reason FROM interaction ORDER BY id")
            ).all()
            assert [tuple(r) for r in rows] == [
                ("call", "phone", "", ""),
                ("note", "other", "", ""),
            ]
            assert session.execute(text("SELECT count(*) FROM market")).scalar() == 0
    finally:
        store.close()


def test_upgrade_to_0015_journals_changes_to_old_rows(old_db: Path) -> None:
    """A database from the first release gets the journal: its old rows stay as they were
    (no entries for the past), and the first change to one of them is journaled."""
    from pocketcrm.core.services import history
    from pocketcrm.core.services.contacts import ContactPatch

    before = counts(old_db)
    store = open_store(old_db, Settings(owner="ann"))
    try:
        after = counts(old_db)
        assert after["journal"] == 0
        assert {t: n for t, n in after.items() if t in before} == before
        contacts.update_contact(store, "#2", ContactPatch(title="Head chef"))
        [change] = history.history(store, "#2").changes
        assert (change.actor, change.action) == ("ann", "update")
        assert change.fields["title"][1] == "Head chef"
    finally:
        store.close()
