"""The state of one import run: what the database holds, the row buffers and their flush."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from pocketcrm.core import acting, clock, search
from pocketcrm.core.matching import NameIndex, phone_key
from pocketcrm.core.models import ImportBatch, db_time
from pocketcrm.core.sessions import CrmSession as Session  # a Db too (core/db.py)
from pocketcrm.core.settings import Settings
from pocketcrm.core.transfer import fidelity
from pocketcrm.core.transfer.importer.normalise import Normaliser, Rec
from pocketcrm.core.transfer.importer.recorder import Recorder
from pocketcrm.core.transfer.importer.report import (
    MAX_LISTED,
    DuplicateHint,
    FieldChange,
    RowNote,
    SuppressedRow,
)
from pocketcrm.core.transfer.importer.tables import BIG_CACHE_KIB, COLUMNS, FLUSH_ORDER

# A planned run's bulk insert of at least this many rows is replayed as a copy of its rowid
# range from the snapshot (recorder.py); a smaller one, as its rows (no queries for the range).
COPY_ROWS = 64


class RunState:
    """One import inside one write transaction; `write=False` is the same run, rolled back."""

    def __init__(
        self,
        session: Session,
        settings: Settings,
        *,
        allow_suppressed: bool,
        progress: Callable[[int], None] | None,
        recorder: Recorder | None = None,
    ) -> None:
        self.session = session
        self.conn: Connection = session.connection()
        self.settings = settings
        self.region = settings.default_region
        self.allow_suppressed = allow_suppressed
        self.progress = progress
        self.sqlite = self.conn.dialect.name == "sqlite"
        self.norm = Normaliser(settings.stages, settings.default_region, self.sqlite)
        self.mark = "?" if self.conn.dialect.paramstyle == "qmark" else "%s"
        # Bulk inserts go straight to SQLite's driver (about 4x SQLAlchemy's executemany);
        # the cursor shares the session's connection, so its transaction too.
        self.cursor: Any = self.conn.connection.cursor() if self.sqlite else None
        self.recorder = recorder  # a planned run: its raw writes are recorded (apply.py)
        self.now = clock.now()
        self.now_db: Any = db_time(self.now) if self.sqlite else self.now
        self.owner = acting.owner(session, settings.owner)
        # counters and report lines
        self.created = self.updated = self.unchanged = self.skipped = self.suppressed = 0
        self.companies_created = self.companies_updated = 0
        self.problems: list[RowNote] = []
        self.problem_count = 0
        self.duplicates: list[DuplicateHint] = []
        self.duplicate_count = 0
        self.suppressed_rows: list[SuppressedRow] = []
        self.updated_names: list[str] = []
        self.changes_at_start = self._total_changes()
        self.batch = ImportBatch(at=self.now)
        session.add(self.batch)
        session.flush()
        assert self.batch.id is not None
        self.batch_id = self.batch.id
        self._load_state()
        self._reset_buffers()
        self.created_ids: set[int] = set()
        self.touched: set[int] = set()
        self.pending: set[int] = set()  # created in the current (unflushed) chunk
        # conflicts between stored and imported values (fidelity.py)
        self.on_conflict = fidelity.DEFAULT_POLICY
        self.source_times: dict[str, datetime] = {}
        self.last_imports: dict[int, datetime] | None = None
        self.synced: set[int] = set()  # updated by this run without keeping a local value
        self.changes: list[FieldChange] = []
        self.change_count = self.alternate_count = 0

    def _read_to_update(self, table: str, row_id: int, updated_at: Any) -> None:
        """A planned run's update rests on this row as it read it (apply.Watcher checks)."""
        if self.recorder is not None:
            self.recorder.read.setdefault(table, {}).setdefault(row_id, updated_at)

    def _total_changes(self) -> int:
        """Rows written so far on this connection (SQLite's count; 0 elsewhere)."""
        if not self.sqlite:
            return 0
        dbapi_connection: Any = self.conn.connection.dbapi_connection
        return int(dbapi_connection.total_changes)

    def changes_made(self) -> int:
        """Rows this run wrote: what replaying its recorded writes must write too."""
        return self._total_changes() - self.changes_at_start

    @contextmanager
    def big_cache(self) -> Iterator[None]:
        """32 MiB of page cache while the run writes (SQLite's default is 2 MiB): the new
        rows' index pages stay in memory between chunks (about 4% of an import's time)."""
        if self.cursor is None:
            yield
            return
        (before,) = self.cursor.execute("PRAGMA cache_size").fetchone()
        self.cursor.execute(f"PRAGMA cache_size={-BIG_CACHE_KIB}")
        try:
            yield
        finally:
            self.cursor.execute(f"PRAGMA cache_size={int(before)}")

    # -- state ------------------------------------------------------------------------------

    def _scalar(self, sql: str) -> int:
        return int(self.conn.exec_driver_sql(sql).scalar() or 0)

    def _load_state(self) -> None:
        conn = self.conn
        self.next_contact = self._scalar("SELECT max(id) FROM contact") + 1
        self.next_company = self._scalar("SELECT max(id) FROM company") + 1
        self.next_tag = self._scalar("SELECT max(id) FROM tag") + 1
        self.next_interaction = self._scalar("SELECT max(id) FROM interaction") + 1
        self.had_contacts = self.next_contact > 1
        self.had_interactions = self.next_interaction > 1
        # Deals, invoices and payments take ids from these (an invoice names its deal, a
        # payment its invoice); uuids and numbers written by this run, for matching.
        self.next_deal = self._scalar("SELECT max(id) FROM deal") + 1
        self.next_invoice = self._scalar("SELECT max(id) FROM invoice") + 1
        self.next_payment = self._scalar("SELECT max(id) FROM payment") + 1
        self.had_deals = self.next_deal > 1
        self.had_invoices = self.next_invoice > 1
        self.had_payments = self.next_payment > 1
        self.next_quote = self._scalar("SELECT max(id) FROM quote") + 1
        self.had_quotes = self.next_quote > 1
        self.quote_ids: dict[str, int] = {}
        self.quote_numbers: set[str] = set()
        self.late_quote_links: list[tuple[int, str]] = []  # invoice -> a later record's quote
        self.deal_ids: dict[str, int] = {}
        self.invoice_ids: dict[str, int] = {}
        self.invoice_numbers: set[str] = set()
        self.payment_uuids: set[str] = set()
        # invoice -> deal and payment -> invoice references to rows of later records
        self.late_deal_links: list[tuple[int, str]] = []
        self.late_payments: list[tuple[int, dict[str, Any], Rec]] = []
        if self.sqlite and self.recorder is None:
            # New contacts take ids above the largest; a search row left above it (by a
            # killed import: see apply.py) must not sit beside the new contact's row. A
            # planned run's are cleared where they are written (apply.write_ahead).
            conn.exec_driver_sql(f"DELETE FROM contact_fts WHERE rowid >= {self.next_contact}")
        self._load_match_indexes()
        self.company_by_key: dict[str, int] = {}
        self.company_by_uuid: dict[str, int] = {}
        # every company's name, for the search rows of new contacts
        self.company_names = {
            int(i): str(n) for i, n in conn.exec_driver_sql("SELECT id, name FROM company")
        }
        self.tag_names: dict[int, str] = {}
        for coid, name_key, uid in conn.exec_driver_sql(
            "SELECT id, name_key, uuid FROM company WHERE deleted_at IS NULL ORDER BY id"
        ):
            self.company_by_key.setdefault(str(name_key), int(coid))
            self.company_by_uuid[str(uid)] = int(coid)
        self.tag_ids = {str(n): int(i) for i, n in conn.exec_driver_sql("SELECT id, name FROM tag")}
        self.tag_names = {i: n for n, i in self.tag_ids.items()}
        self.suppressions = {
            str(d) for (d,) in conn.exec_driver_sql("SELECT digest FROM suppression")
        }

    def _load_match_indexes(self) -> None:
        """What records are matched against: the stored contacts' emails, ids, uuids, phones
        and names (empty for a new database)."""
        conn = self.conn
        self.by_email: dict[str, int] = {}
        self.by_external: dict[tuple[str, str], int] = {}
        self.by_uuid: dict[str, int] = {}
        self.by_phone: dict[str, int] = {}
        # (name key, phone key): the fallback for records without ids or emails; a record
        # with neither emails nor phones uses (name key, "") against contacts likewise bare.
        self.by_name_phone: dict[tuple[str, str], int] = {}
        self.names: NameIndex | None = None
        self.name_of: dict[int, str] = {}
        if self.had_contacts:
            for address_key, cid in conn.exec_driver_sql(
                "SELECT e.address_key, e.contact_id FROM contact_email e "
                "JOIN contact c ON c.id = e.contact_id WHERE c.deleted_at IS NULL ORDER BY e.id"
            ):
                self.by_email.setdefault(str(address_key), int(cid))
            for system, value, cid in conn.exec_driver_sql(
                "SELECT system, value, contact_id FROM external_id"
            ):
                self.by_external[(str(system), str(value))] = int(cid)
            for uid, cid in conn.exec_driver_sql("SELECT uuid, id FROM contact"):
                self.by_uuid[str(uid)] = int(cid)
            for e164, cid in conn.exec_driver_sql(
                "SELECT p.e164, p.contact_id FROM contact_phone p JOIN contact c "
                "ON c.id = p.contact_id WHERE c.deleted_at IS NULL AND p.e164 != ''"
            ):
                self.by_phone.setdefault(str(e164), int(cid))
            for cid, name_key, e164, number in conn.exec_driver_sql(
                "SELECT c.id, c.name_key, p.e164, p.number FROM contact c LEFT JOIN contact_phone p "
                "ON p.contact_id = c.id WHERE c.deleted_at IS NULL AND (p.id IS NOT NULL OR "
                "NOT EXISTS (SELECT 1 FROM contact_email e WHERE e.contact_id = c.id))"
            ):
                self.by_name_phone.setdefault(
                    (str(name_key), phone_key(str(number or ""), str(e164 or ""))), int(cid)
                )
            self.names = NameIndex()
            for cid, name in conn.exec_driver_sql(
                "SELECT id, display_name FROM contact WHERE deleted_at IS NULL"
            ):
                self.names.add(int(cid), str(name))
                self.name_of[int(cid)] = str(name)

    def _reset_buffers(self) -> None:
        # new rows of the current chunk, by table (written by flush, in FLUSH_ORDER)
        self.buf: dict[str, list[tuple[Any, ...]]] = {table: [] for table in FLUSH_ORDER}
        self.buf_json: list[tuple[int, Rec]] = []
        self.buf_fts: list[tuple[Any, ...]] = []

    def _many(self, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert ROWS into TABLE (its COLUMNS) with one executemany: the one writer of rows."""
        if rows:
            columns = COLUMNS[table]
            marks = ", ".join([self.mark] * len(columns))
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            self._execute_many(sql, rows, table)

    def _execute_many(self, sql: str, rows: Sequence[Sequence[Any]], table: str = "") -> None:
        if self.cursor is None:
            self.conn.exec_driver_sql(sql, list(rows))
            return
        if self.recorder is None:
            self.cursor.executemany(sql, rows)
            return
        if not table or len(rows) < COPY_ROWS:
            self.cursor.executemany(sql, rows)
            self.recorder.add(sql, rows)
            return
        after = self._end(table)
        self.cursor.executemany(sql, rows)
        last = self._end(table)
        if last - after == len(rows):  # the new rows are the table's end: copied from there
            self.recorder.copied(self.cursor, table, after, last)
        else:
            self.recorder.add(sql, rows)

    def _end(self, table: str) -> int:
        return int(self.cursor.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0] or 0)

    def flush(self) -> None:
        """Write the chunk's new rows, parents first."""
        for table in FLUSH_ORDER:
            self._many(table, self.buf[table])
        self._write_json_rows()
        if self.buf_fts and self.cursor is not None:
            # Indexed a chunk at a time, from rows create() built out of the records: what
            # search.reindex would read back, without reading it back.
            rows = search.folded_rows(self.buf_fts)
            if self.recorder is not None:  # nothing in the run reads the index: the copy
                self.recorder.search(rows)  # is not indexed; the rows go ahead (apply.py)
            else:
                self._execute_many(search.INSERT_SQL, rows)
        self._reset_buffers()
        self.pending.clear()

    def _write_json_rows(self) -> None:
        """The history of the chunk's new JSON contacts (written by the history stage)."""

    # -- reporting --------------------------------------------------------------------------

    def note(self, rec: Rec, reasons: Sequence[str], skipped: bool) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_LISTED:
            self.problems.append(RowNote(rec.file, rec.line, rec.name, tuple(reasons), skipped))

    # -- records from the sources -----------------------------------------------------------
