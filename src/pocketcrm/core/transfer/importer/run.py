"""The whole run: each record through the stages, and the import's entry points."""

from __future__ import annotations

import gc
import os
import uuid as uuidlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pocketcrm.core import journal, search, text, validate
from pocketcrm.core.errors import CrmError, Invalid
from pocketcrm.core.models import db_time
from pocketcrm.core.search import fold
from pocketcrm.core.store import Store
from pocketcrm.core.text import strip_all
from pocketcrm.core.transfer import fidelity, jsonfmt
from pocketcrm.core.transfer.importer.apply import ReplayMismatch, apply, snapshot
from pocketcrm.core.transfer.importer.normalise import STRIPPED, UUID_TEXT, Normaliser, Rec
from pocketcrm.core.transfer.importer.read import CHUNK, Source, Spool
from pocketcrm.core.transfer.importer.recorder import Recorder
from pocketcrm.core.transfer.importer.report import MAX_LISTED, ImportReport, SuppressedRow
from pocketcrm.core.transfer.importer.update import Updater
from pocketcrm.core.transfer.records import ContactDraft


class _Rollback(Exception):
    """Raised inside the write transaction to end a preview without keeping anything."""


def _stripped(value: object) -> bool:
    """Strip VALUE's strings in place (a dict or list; a string is only tested): True when
    it held a control or bidirectional character."""
    if isinstance(value, str):
        return text.unsafe_in(value) != ""
    return strip_all(value)


def _label(value: object) -> str:
    """A JSON record's name for a report line."""
    if isinstance(value, dict):
        return str(value.get("name") or value.get("tag") or value.get("title") or "")
    return value if isinstance(value, str) else ""


class Run(Updater):
    def from_draft(self, d: ContactDraft, file: str) -> Rec:
        return self.norm.from_draft(d, file)

    def from_json(self, value: Any, file: str, line: int) -> Rec:
        return self.norm.from_json(value, file, line)

    # -- matching ---------------------------------------------------------------------------

    def handle(self, rec: Rec) -> None:
        if rec.fatal:
            self.skipped += 1
            self.note(rec, [rec.fatal, *rec.notes], skipped=True)
            return
        reason = self.suppressed_by(rec)
        if reason and not self.allow_suppressed:
            self.suppressed += 1
            if len(self.suppressed_rows) < MAX_LISTED:
                self.suppressed_rows.append(SuppressedRow(rec.file, rec.line, rec.name, reason))
            return
        if rec.is_company:
            self.company_record(rec)
        else:
            cid, matched_by = self.match(rec)
            if cid is None:
                self.hint_duplicates(rec)
                self.create(rec)
            else:
                self.update(cid, rec, matched_by)
        if rec.notes:
            self.note(rec, rec.notes, skipped=False)

    # -- JSON sections other than contacts --------------------------------------------------

    def json_item(self, item: jsonfmt.Item, file: str) -> None:
        """One record of a JSON document's section. Every section's text is stripped of
        control and bidirectional characters here, as a contact's is (core/text.py)."""
        value = item.value
        if item.section == "contacts":
            self.handle(self.from_json(value, file, item.line))
            return
        if not self.norm.clean_source and _stripped(value):
            value = text.strip(value) if isinstance(value, str) else value
            self.note(Rec(file, item.line, _label(value)), [STRIPPED], skipped=False)
        if item.section == "tags":
            if isinstance(value, str) and value.strip():
                self.tag_id(validate.tag(value))
            return
        if not isinstance(value, dict):
            self.note(
                Rec(file, item.line, ""),
                [f"{item.section} entry is not a JSON object"],
                skipped=True,
            )
            return
        section = {
            "companies": self._json_company,
            "products": self.json_product,
            "costs": self.json_cost,
            "cadences": self._json_cadence,
            "suppressions": self._json_suppression,
        }.get(item.section)
        if section is not None:
            section(value, file, item.line)

    def _json_company(self, value: dict[str, Any], file: str, line: int) -> None:
        name = " ".join(str(value.get("name", "")).split())
        if not name:
            self.note(Rec(file, line, ""), ["company without a name"], skipped=True)
            return
        uid = str(value.get("uuid") or "")
        if uid in self.company_by_uuid:
            return
        key = fold(name)
        existing = self.company_by_key.get(key)
        if existing is not None and value.get("deleted_at") is None:
            self.company_by_uuid[uid] = existing
            return
        values = dict(value)
        for column in ("created_at", "updated_at", "deleted_at"):
            moment = jsonfmt.parse_time(value.get(column), column)
            values[column] = (
                None if moment is None else (db_time(moment) if self.sqlite else moment)
            )
        values["created_at"] = values["created_at"] or self.now_db
        values["updated_at"] = values["updated_at"] or self.now_db
        coid = self._new_company(values, key, uid if UUID_TEXT.match(uid) else "")
        if value.get("deleted_at") is not None and self.company_by_key.get(key) == coid:
            del self.company_by_key[key]  # names match live companies only
        for tag in value.get("tags") or []:
            self._link_company_tag(coid, validate.tag(str(tag)))

    def _json_cadence(self, value: dict[str, Any], _file: str, _line: int) -> None:
        uid = str(value.get("uuid") or uuidlib.uuid4())
        if self.conn.exec_driver_sql(
            f"SELECT 1 FROM cadence_rule WHERE uuid = {self.mark}", (uid,)
        ).first():
            return
        created = jsonfmt.parse_time(value.get("created_at"), "created_at") or self.now
        self.conn.exec_driver_sql(
            f"INSERT INTO cadence_rule (uuid, contact_id, tag, ideal_days, max_days, created_at) VALUES ({', '.join([self.mark] * 6)})",
            (
                uid,
                None,
                str(value.get("tag", "")),
                int(value["ideal_days"]),
                int(value["max_days"]),
                db_time(created) if self.sqlite else created,
            ),
        )
        new_id = self._scalar("SELECT max(id) FROM cadence_rule")
        self.buf["import_change"].append((self.batch_id, "cadence", new_id, "created", ""))

    def _json_suppression(self, value: dict[str, Any], _file: str, _line: int) -> None:
        found = str(value.get("digest", ""))
        if not found or found in self.suppressions:
            return
        at = jsonfmt.parse_time(value.get("at"), "at") or self.now
        self.conn.exec_driver_sql(
            f"INSERT INTO suppression (kind, digest, at) VALUES ({self.mark}, {self.mark}, {self.mark})",
            (str(value.get("kind", "")), found, db_time(at) if self.sqlite else at),
        )
        self.suppressions.add(found)
        new_id = self._scalar("SELECT max(id) FROM suppression")
        self.buf["import_change"].append((self.batch_id, "suppression", new_id, "created", ""))

    # -- the whole run ----------------------------------------------------------------------

    def run(self, sources: Sequence[Source], spool: Spool) -> None:
        seen = 0
        for index, source in enumerate(sources):
            file = source.path.name
            self.source_times[file] = source.modified
            self.norm.clean_source = source.clean  # JSON records are normalised from here
            skipped = self.skipped
            source.records = 0  # a run planned again counts afresh
            for item in spool.items(index):
                source.records += 1
                seen += 1
                if isinstance(item, jsonfmt.Item):
                    try:
                        self.json_item(item, file)
                    except CrmError as exc:
                        self.skipped += 1
                        self.note(Rec(file, item.line, ""), [str(exc)], skipped=True)
                else:
                    self.handle(item)
                if len(self.buf["contact"]) >= CHUNK:
                    self.flush()
                if self.progress is not None and seen % CHUNK == 0:
                    self.progress(seen)
            if source.records and self.skipped - skipped == source.records:
                _nothing_recognised(source)
        self.flush()
        self.settle_late()
        self.finish(sources)

    def finish(self, sources: Sequence[Source]) -> None:
        session = self.session
        if self.recorder is not None:  # a planned run: indexed where its writes are replayed
            self.recorder.reindex = sorted(self.touched - self.created_ids)
            self.recorder.fresh = sorted(self.touched & self.created_ids)
        else:
            search.reindex(session, sorted(self.touched))  # new ones were indexed as written
        if not self.sqlite:
            for table in (
                "contact", "company", "tag", "interaction", "deal", "quote", "invoice", "payment"
            ):  # fmt: skip
                self.conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"coalesce((SELECT max(id) FROM {table}), 1))"
                )
        batch = self.batch
        batch.source = ", ".join(str(s.path) for s in sources)
        batch.format = ", ".join(dict.fromkeys(s.fmt for s in sources))
        batch.encoding = ", ".join(dict.fromkeys(s.encoding for s in sources))
        batch.created = self.created + self.companies_created
        batch.updated = self.updated + self.companies_updated
        batch.skipped = self.skipped + self.suppressed
        session.add(batch)
        session.flush()

    def report(self, sources: Sequence[Source], written: bool) -> ImportReport:
        return ImportReport(
            written=written,
            batch_id=self.batch_id if written else None,
            sources=tuple(s.info() for s in sources),
            created=self.created,
            updated=self.updated,
            unchanged=self.unchanged,
            skipped=self.skipped,
            suppressed=self.suppressed,
            companies_created=self.companies_created,
            companies_updated=self.companies_updated,
            problems=tuple(self.problems),
            problem_count=self.problem_count,
            duplicates=tuple(self.duplicates),
            duplicate_count=self.duplicate_count,
            suppressed_rows=tuple(self.suppressed_rows),
            updated_names=tuple(self.updated_names),
            on_conflict=self.on_conflict,
            changes=tuple(self.changes),
            change_count=self.change_count,
            alternates=self.alternate_count,
        )


def _nothing_recognised(source: Source) -> None:
    """A file none of whose records is a contact: not an import, a mistake (wrong file)."""
    why = {
        "json": "none of its records is a contact (a JSON object with a name or an email)",
        "vcard": "none of its cards has a name, email or phone",
    }.get(
        source.fmt,
        "no row has a name, email or phone (is it a CSV file whose first line names the "
        "columns, such as Name, Email, Phone? --map names others)",
    )
    raise Invalid("file", f"{source.path}: no contact records found: {why}; nothing was imported")


def parse_mapping(pairs: Sequence[str]) -> dict[str, str]:
    """--map "Column Name=field" options as a dict."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        column, sep, target = pair.partition("=")
        if not sep or not column.strip() or not target.strip():
            raise Invalid("map", f"{pair!r} is not COLUMN=FIELD; e.g. --map 'Mobile=phone'")
        mapping[column.strip()] = target.strip()
    return mapping


@journal.as_face("import")
def import_files(
    store: Store,
    paths: Sequence[str | os.PathLike[str]],
    *,
    fmt: str | None = None,
    mapping: dict[str, str] | None = None,
    write: bool = True,
    allow_suppressed: bool = False,
    strict: bool = False,
    progress: Callable[[int], None] | None = None,
    on_conflict: str = fidelity.DEFAULT_POLICY,
) -> ImportReport:
    """Import FILES in one transaction; write=False gives the exact preview and keeps nothing.

    strict: refuse to write when any record was skipped or has a problem.
    on_conflict: newer, keep or replace, for a stored value the file differs on (fidelity).
    """
    if not paths:
        raise Invalid("file", "give at least one file to import")
    fidelity.check_policy(on_conflict)
    sources = [Source(Path(p), fmt, mapping) for p in paths]
    options = _Options(allow_suppressed, strict, progress, on_conflict)
    # Millions of short-lived acyclic objects: the cyclic collector's passes over them cost
    # more than half the run (measured), and reference counting frees them anyway.
    collecting = gc.isenabled()
    gc.disable()
    spool = Spool()
    try:
        # Parse and normalise first, without the lock: other writers go on meanwhile.
        settings = store.settings
        norm = Normaliser(settings.stages, settings.default_region, store.is_sqlite)
        for source in sources:
            spool.read(source, norm)
        if store.is_sqlite:
            for _ in range(PLAN_TRIES):
                try:
                    report = _planned(store, sources, spool, options, write=write)
                except ReplayMismatch:
                    break
                if report is not None:
                    return report
        # PostgreSQL (its writers do not wait for an import's rows), or a SQLite database
        # that kept changing while the import was planned: the run inside the transaction.
        return _in_transaction(store, sources, spool, options, write=write)
    finally:
        spool.close()
        if collecting:
            gc.enable()


PLAN_TRIES = 3  # plans made on a fresh snapshot before the run is made under the lock


@dataclass(frozen=True)
class _Options:
    allow_suppressed: bool
    strict: bool
    progress: Callable[[int], None] | None
    on_conflict: str


def _planned(
    store: Store, sources: Sequence[Source], spool: Spool, options: _Options, *, write: bool
) -> ImportReport | None:
    """The run made on a snapshot (see apply.py), its writes then replayed under the lock;
    None when the database changed meanwhile (nothing written: plan again)."""
    with snapshot(store) as (copy, watcher):
        if not write:  # a preview: the run on the copy is all there is
            return _in_transaction(copy, sources, spool, options, write=False)
        recorder = Recorder()
        try:
            recorder.listen(copy.engine)
            report = _in_transaction(copy, sources, spool, options, write=True, recorder=recorder)
            if not apply(store, recorder, watcher, copy):
                return None
            return report
        finally:
            recorder.close()


def _in_transaction(
    store: Store,
    sources: Sequence[Source],
    spool: Spool,
    options: _Options,
    *,
    write: bool,
    recorder: Recorder | None = None,
) -> ImportReport:
    """The run in one write transaction of STORE: committed if WRITE, else rolled back (a
    run whose writes a RECORDER keeps is committed on the snapshot it runs on: its new rows
    are copied from there)."""
    report: ImportReport | None = None
    try:
        with store.write() as session:
            run = Run(
                session,
                store.settings,
                allow_suppressed=options.allow_suppressed,
                progress=options.progress,
                recorder=recorder,
            )
            run.on_conflict = options.on_conflict
            with run.big_cache():
                run.run(sources, spool)
            if recorder is not None:
                recorder.changes = run.changes_made()
            if options.strict and run.problem_count:
                first = run.problems[0]
                raise Invalid(
                    "file",
                    f"{run.problem_count} record(s) have problems (first: {first.file} line "
                    f"{first.line}: {'; '.join(first.reasons)}); nothing was written",
                )
            report = run.report(sources, written=write)
            if not write:
                raise _Rollback
    except _Rollback:
        pass
    assert report is not None
    return report


# -- history and undo -----------------------------------------------------------------------
