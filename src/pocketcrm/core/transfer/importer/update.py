"""Stage 4b: update a matched contact (fidelity decides each differing field)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import text

from pocketcrm.core.models import db_time, from_db_time
from pocketcrm.core.search import fold
from pocketcrm.core.transfer import fidelity, jsonfmt
from pocketcrm.core.transfer.importer.catalog import CatalogWriter
from pocketcrm.core.transfer.importer.normalise import NAME_PARTS, TEXT_COLS, Rec
from pocketcrm.core.transfer.importer.report import KEPT_LOCAL, MAX_CHANGES, FieldChange


class Fields:
    """The scalar fields of one stored contact against one record: what the import writes,
    what it keeps, and the alternates it records (the rule itself is fidelity.decide)."""

    def __init__(self, run: Updater, cid: int, row: Any, rec: Rec) -> None:
        self.run, self.cid, self.row, self.rec = run, cid, row, rec
        self.alternates: list[tuple[str, str]] = []  # (field, value) to record
        self._known: set[tuple[str, str]] | None = None
        self._times: fidelity.Times | None = None
        self.kept_local = False  # a stored value was kept over the file's (not a spelling)

    def times(self) -> fidelity.Times:
        if self._times is None:
            self._times = self.run.times_of(self.cid, self.row, self.rec)
        return self._times

    def known(self) -> set[tuple[str, str]]:
        """The contact's alternates as (field, value), read when first needed."""
        if self._known is None:
            self._known = {
                (str(f), str(v))
                for f, v in self.run.conn.exec_driver_sql(
                    f"SELECT field, value FROM contact_alternate WHERE contact_id = {int(self.cid)}"
                )
            }
        return self._known

    def alternate(self, field_name: str, value: str) -> bool:
        """Record VALUE as an alternate unless the contact has it already; True if new."""
        known = self.known()
        if not value or (field_name, value) in known:
            return False
        known.add((field_name, value))
        self.alternates.append((field_name, value))
        return True

    def listed(self, field_name: str, old: str, new: str, action: str) -> None:
        run = self.run
        run.change_count += 1
        if len(run.changes) < MAX_CHANGES:
            run.changes.append(
                FieldChange(
                    self.rec.file,
                    self.rec.line,
                    self.cid,
                    str(self.row["display_name"]),
                    field_name,
                    old,
                    new,
                    action,
                )
            )

    def settle(
        self, name: str, incoming: str, changes: dict[str, Any], stored: str | None = None
    ) -> None:
        """Put the file's value of NAME in CHANGES if it is to be written."""
        current = str(self.row[name] or "") if stored is None else stored
        if incoming and incoming != current and self.choose(name, current, incoming):
            changes[name] = incoming

    def choose(self, name: str, current: str, incoming: str) -> bool:
        """Whether the file's differing value of NAME is written; lists the decision and
        records the value not kept as an alternate."""
        choice = fidelity.decide(current, incoming, self.run.on_conflict, self.times)
        if choice is None:  # nothing stored: the file fills it
            self.listed(name, current, incoming, "set")
            return True
        if choice == fidelity.TAKE:
            self.alternate(name, current)
            self.listed(name, current, incoming, "replace")
            return True
        self.kept_local |= not fidelity.same_name(current, incoming)
        if self.alternate(name, incoming):
            self.listed(name, current, incoming, "keep")
        return False

    def follow(self, name: str, incoming: str, changes: dict[str, Any]) -> None:
        """Write the file's value of NAME (a part of a name taken as a whole), the stored
        one kept as an alternate."""
        current = str(self.row[name] or "")
        if incoming == current:
            return
        changes[name] = incoming
        self.alternate(name, current)
        self.listed(name, current, incoming, "replace" if current else "set")

    def settle_notes(self, incoming: str, changes: dict[str, Any]) -> None:
        """Notes are never overwritten: the file's note is appended, or kept aside."""
        current = str(self.row["notes"] or "")
        if not incoming or incoming in current:
            return
        if fidelity.decide(current, incoming, self.run.on_conflict, self.times) == fidelity.KEEP:
            self.kept_local = True
            if self.alternate("notes", incoming):
                self.listed("notes", current, incoming, "keep")
            return
        changes["notes"] = f"{current}\n{incoming}" if current else incoming
        self.listed("notes", current, incoming, "append" if current else "set")


class Updater(CatalogWriter):
    def times_of(self, cid: int, row: Any, rec: Rec) -> fidelity.Times:
        """The moments fidelity's newer rule compares for this contact and record."""
        if rec.json is not None:
            record = from_db_time(rec.cols.get("updated_at"))
        else:
            record = fidelity.revision_time(rec.revised)
        if record is None and rec.file in self.source_times:
            record = self.source_times[rec.file] + fidelity.FILE_TIME_GRACE
        return fidelity.Times(
            stored=from_db_time(row["updated_at"]),
            last_import=self._last_import(cid),
            record=record,
        )

    def _last_import(self, cid: int) -> datetime | None:
        """When an import (not undone) last created or updated the contact; read for all
        contacts at once the first time it is asked."""
        if cid in self.created_ids or cid in self.synced:
            return self.now
        if self.last_imports is None:
            self.last_imports = {}
            for contact_id, at in self.conn.exec_driver_sql(
                "SELECT ch.entity_id, max(b.at) FROM import_change ch JOIN import_batch b "
                "ON b.id = ch.batch_id WHERE ch.entity = 'contact' AND b.undone_at IS NULL "
                f"AND ch.action != '{KEPT_LOCAL}' "
                "AND b.id != " + str(int(self.batch_id)) + " GROUP BY ch.entity_id"
            ):
                moment = from_db_time(at)
                if moment is not None:
                    self.last_imports[int(contact_id)] = moment
        return self.last_imports.get(cid)

    def _company_name(self, company_id: object) -> str:
        return "" if company_id is None else self.company_names.get(int(str(company_id)), "")

    def update(self, cid: int, rec: Rec, matched_by: str) -> None:
        """Add what the record brings to an existing contact; count it unchanged if nothing."""
        if cid in self.pending:
            self.flush()
        row = (
            self.session.execute(text("SELECT * FROM contact WHERE id = :c"), {"c": cid})
            .mappings()
            .one()
        )
        fields = Fields(self, cid, row, rec)
        changes = self._scalar_changes(fields, rec, row)
        added = self._new_rows(cid, rec, fields)
        history = self._stage_history(cid, rec, row, str(changes.get("stage", "")))
        for name, value in added.listed():
            fields.listed(name, "", value, "add")
        activity = rec.json is not None and self._json_has_new_activity(rec.json)
        alternates = [
            (cid, f, v, rec.file, self.batch_id, self.now_db) for f, v in fields.alternates
        ]
        if rec.json is not None and rec.json.get("alternates"):
            alternates += self._alternate_rows(cid, rec.json["alternates"], fields.known())
        self.alternate_count += len(fields.alternates)
        if not (changes or alternates or added.anything() or history or activity):
            self.unchanged += 1
            return
        if cid not in self.created_ids:
            self._journal_update(cid, row, fields.kept_local, matched_by)
            self._read_to_update("contact", cid, row["updated_at"])
        if changes or not fields.kept_local:
            # An import that only added rows or alternates while keeping newer local values
            # leaves the contact's time alone: it stays the time of that local edit.
            changes["updated_at"] = self.now_db
        links = [(cid, self.tag_id(t)) for t in added.tags]
        self.flush()  # a company or tag this record brought is written before it is used
        if changes:
            self.session.execute(
                text(
                    f"UPDATE contact SET {', '.join(f'{c} = :{c}' for c in changes)} WHERE id = :id"
                ),
                {**changes, "id": cid},
            )
        self._write_added(cid, added, links)
        self._many("stage_change", history)
        self._many("contact_alternate", alternates)
        if rec.json is not None and self._json_activity(cid, rec.json, new=False):
            from pocketcrm.core.services.activity import refresh_contact_dates

            refresh_contact_dates(self.session, cid)
        if rec.json is not None:
            rec.notes.extend(self._json_money(cid, rec.json, rec))
        self.touched.add(cid)

    def _scalar_changes(self, fields: Fields, rec: Rec, row: Any) -> dict[str, Any]:
        """The contact's columns the record changes (fidelity decides each differing one)."""
        cols = rec.cols
        changes: dict[str, Any] = {}
        variant = self._name_changes(fields, rec, row, changes)
        for column in TEXT_COLS:
            if column not in ("source", "photo") and not (variant and column in NAME_PARTS):
                fields.settle(column, str(cols.get(column) or ""), changes)
        value = cols.get("photo", "")
        if value and value != row["photo"]:
            changes["photo"] = value
        for prefix in ("birthday", "anniversary"):
            if cols.get(f"{prefix}_month") is not None:
                parts = [f"{prefix}_{part}" for part in ("year", "month", "day")]
                found: dict[str, Any] = {}
                fields.settle(
                    prefix,
                    jsonfmt.birthday_text(*(cols.get(p) for p in parts)),
                    found,
                    jsonfmt.birthday_text(*(row[p] for p in parts)),
                )
                if found:
                    changes.update({p: cols.get(p) for p in parts})
        fields.settle_notes(str(cols.get("notes") or ""), changes)
        for flag in ("do_not_contact", "email_opt_out"):
            if cols.get(flag) and not row[flag]:
                changes[flag] = True
                fields.listed(flag, "no", "yes", "set")
        if rec.json is not None:
            fields.settle("owner", str(cols.get("owner") or ""), changes)
        fields.settle("stage", rec.stage, changes)
        self._company_change(fields, rec, row, changes)
        return changes

    @staticmethod
    def _name_changes(fields: Fields, rec: Rec, row: Any, changes: dict[str, Any]) -> bool:
        """Settle the display name; True when the file's is the same name spelled otherwise
        (its parts are then that spelling too, decided with it as a whole)."""
        cols = rec.cols
        display = str(cols.get("display_name") or "")
        variant = fidelity.same_name(display, str(row["display_name"]))
        if variant:
            fields.settle("display_name", display, changes)
            if "display_name" in changes:
                for column in NAME_PARTS:
                    fields.follow(column, str(cols.get(column) or ""), changes)
        elif rec.json is not None or rec.explicit_name:
            fields.settle("display_name", display, changes)
        if "display_name" in changes:
            changes["name_key"] = fold(changes["display_name"])
        return variant

    def _company_change(self, fields: Fields, rec: Rec, row: Any, changes: dict[str, Any]) -> None:
        company_id = None
        if rec.json is not None and rec.company_uuid:
            company_id = self.company_by_uuid.get(rec.company_uuid)
            incoming = self.company_names.get(company_id, "") if company_id is not None else ""
        else:
            incoming = rec.company
        stored = self._company_name(row["company_id"])
        if not incoming or fold(incoming) == fold(stored):
            return
        taken: dict[str, Any] = {}
        fields.settle("company", incoming, taken, stored)
        if taken and company_id is None:
            company_id = self.company_id(
                rec.company, rec.stage or str(row["stage"]), rec.company_key
            )
        if taken and company_id is not None and company_id != row["company_id"]:
            changes["company_id"] = company_id

    def _rows_of(self, sql: str) -> list[Any]:
        return list(self.conn.exec_driver_sql(sql))

    def _new_rows(self, cid: int, rec: Rec, fields: Fields) -> _Added:
        """The emails, phones, addresses, websites, custom fields, ids and tags the record
        brings that the contact lacks (a custom field it has is settled by fidelity)."""
        added = _Added()
        emails = {str(k) for (k,) in self._rows_of(_SUB_SQL["email"] + str(cid))}
        added.had_email = bool(emails)
        added.emails = [e for e in rec.emails if e[1] not in emails]
        phone_rows = self._rows_of(_SUB_SQL["phone"] + str(cid))
        added.had_phone = bool(phone_rows)
        known = {str(n) for n, _ in phone_rows} | {str(e) for _, e in phone_rows if e}
        added.phones = [p for p in rec.phones if p[0] not in known and not (p[1] and p[1] in known)]
        addresses = {
            tuple(str(v) for v in r) for r in self._rows_of(_SUB_SQL["address"] + str(cid))
        }
        added.addresses = [
            a
            for a in rec.addresses
            if a not in addresses and a[1:] not in {x[1:] for x in addresses}
        ]
        sites = {str(u) for (u,) in self._rows_of(_SUB_SQL["website"] + str(cid))}
        added.sites = [w for w in rec.websites if w[0] not in sites]
        self._custom_rows(cid, rec, fields, added)
        for pair in rec.external:
            if self.by_external.get(pair) == cid:
                continue
            if pair in self.by_external:
                rec.notes.append(
                    f"{pair[0]} id {pair[1]!r} already belongs to another contact; not linked"
                )
            else:
                added.external.append(pair)
        tags = {int(t) for (t,) in self._rows_of(_SUB_SQL["tag"] + str(cid))}
        added.tags = [t for t in rec.tags if self.tag_ids.get(t) not in tags]
        return added

    def _custom_rows(self, cid: int, rec: Rec, fields: Fields, added: _Added) -> None:
        custom: dict[str, list[tuple[int, str]]] = {}
        for fid, name, value in self._rows_of(
            f"SELECT id, name, value FROM custom_field WHERE contact_id = {cid} ORDER BY id"
        ):
            custom.setdefault(str(name), []).append((int(fid), str(value)))
        for name, value in rec.custom:
            current = custom.get(name)
            if current is None:
                added.custom.append((name, value))
                custom[name] = [(0, value)]
            elif value not in [v for _, v in current]:
                if current[0][0]:
                    if not fields.choose(f"custom: {name}", current[0][1], value):
                        continue
                    added.set_custom.append((current[0][0], value))
                current[0] = (current[0][0], value)

    def _stage_history(self, cid: int, rec: Rec, row: Any, new_stage: str) -> list[Any]:
        """Stage changes to add: a JSON record's history the contact lacks, or the one change
        this import makes."""
        history: list[Any] = []
        if rec.json is None:
            if new_stage:
                history.append((cid, self.now_db, row["stage"], new_stage, self.owner))
            return history
        seen = {
            (jsonfmt.iso(at), str(to))
            for at, to in self._rows_of(
                f"SELECT at, to_stage FROM stage_change WHERE contact_id = {cid}"
            )
        }
        for h in rec.json.get("stage_history") or []:
            at = jsonfmt.parse_time(h.get("at"), "stage_history.at") or self.now
            if (jsonfmt.iso(at), str(h.get("to", ""))) not in seen:
                history.append(
                    (
                        cid,
                        db_time(at) if self.sqlite else at,
                        str(h.get("from", "")),
                        str(h.get("to", "")),
                        str(h.get("by", "")),
                    )
                )
        return history

    def _journal_update(self, cid: int, row: Any, kept_local: bool, matched_by: str) -> None:
        """The contact's state before this import, for undo; and the report's counts."""
        snapshot = jsonfmt.snapshot_contact(self.session, cid)
        action = KEPT_LOCAL if kept_local else "updated"
        before = json.dumps(snapshot, ensure_ascii=False)
        self._many("import_change", [(self.batch_id, "contact", cid, action, before)])
        self.updated += 1
        if not kept_local:
            self.synced.add(cid)
        if len(self.updated_names) < 20:
            self.updated_names.append(f"{row['display_name']} (matched by {matched_by})")

    def _write_added(self, cid: int, added: _Added, links: list[tuple[Any, ...]]) -> None:
        has_primary = added.had_email
        rows_e = []
        for address, key, label, _ in added.emails:
            rows_e.append((cid, address, key, label, not has_primary))
            has_primary = True
            self.by_email.setdefault(key, cid)
        self._many("contact_email", rows_e)
        has_primary = added.had_phone
        rows_p = []
        for number, e164, valid, extension, label, _ in added.phones:
            rows_p.append((cid, number, e164, valid, extension, label, not has_primary))
            has_primary = True
        self._many("contact_phone", rows_p)
        self._many("contact_address", [(cid, *a) for a in added.addresses])
        self._many("contact_website", [(cid, *w) for w in added.sites])
        self._many("custom_field", [(cid, *c) for c in added.custom])
        for fid, value in added.set_custom:
            self.conn.exec_driver_sql(
                f"UPDATE custom_field SET value = {self.mark} WHERE id = {fid}", (value,)
            )
        for pair in added.external:
            self.by_external[pair] = cid
        self._many("external_id", [(cid, *x) for x in added.external])
        self._many("contact_tag", links)


# What a contact has of each kind of sub-record (its id is appended).
_SUB_SQL = {
    "email": "SELECT address_key FROM contact_email WHERE contact_id = ",
    "phone": "SELECT number, e164 FROM contact_phone WHERE contact_id = ",
    "address": "SELECT label, street, extended, po_box, city, region, postcode, country "
    "FROM contact_address WHERE contact_id = ",
    "website": "SELECT url FROM contact_website WHERE contact_id = ",
    "tag": "SELECT tag_id FROM contact_tag WHERE contact_id = ",
}


@dataclass
class _Added:
    """The sub-records one record adds to a stored contact."""

    emails: list[tuple[str, str, str, bool]] = field(default_factory=list)
    phones: list[tuple[str, str, bool, str, str, bool]] = field(default_factory=list)
    addresses: list[tuple[str, str, str, str, str, str, str, str]] = field(default_factory=list)
    sites: list[tuple[str, str]] = field(default_factory=list)
    custom: list[tuple[str, str]] = field(default_factory=list)
    set_custom: list[tuple[int, str]] = field(default_factory=list)  # (field id, new value)
    external: list[tuple[str, str]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    had_email: bool = False
    had_phone: bool = False

    def anything(self) -> bool:
        return bool(
            self.emails
            or self.phones
            or self.addresses
            or self.sites
            or self.set_custom
            or self.custom
            or self.external
            or self.tags
        )

    def listed(self) -> list[tuple[str, str]]:
        """(field, value) of each added row, as the report lists them."""
        return (
            [("email", e[0]) for e in self.emails]
            + [("phone", p[0]) for p in self.phones]
            + [("address", ", ".join(x for x in a[1:] if x)) for a in self.addresses]
            + [("website", w[0]) for w in self.sites]
            + [(f"custom: {n}", v) for n, v in self.custom]
            + [(f"{system} id", v) for system, v in self.external]
            + [("tag", t) for t in self.tags]
        )
