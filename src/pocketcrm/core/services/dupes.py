"""Duplicates: find likely pairs, merge two records without losing anything, undo a merge.

Matching evidence (the same rules serve `pocketcrm dupes`, merge suggestions and the import
preview): the same email address, the same E.164 phone, a close name after removing accents
and case (rapidfuzz token_set_ratio), and, as a tie-breaker for names, the same company.
Names are compared only inside blocks (a whole name word plus the first letter of another),
so 100,000 contacts take a second or two, not hours.

Merge rules (KEEP absorbs OTHER; nothing is dropped):
- emails, phones, addresses, websites, external ids, custom fields, tags, alternate values
  an import recorded, interactions,
  follow-ups, stage history, cadence rules, reminders, deals (with their stage history),
  invoices and payments move to KEEP; an email or phone
  KEEP already has stays with OTHER (in the trash) rather than being doubled;
- a scalar field KEEP leaves empty takes OTHER's value; when both differ, KEEP's wins and
  OTHER's goes into a custom field "merged: <field>" (a custom field of the same name with a
  different value becomes "merged: <name>" too); notes are joined, OTHER's after a line;
- "do not contact" and "email opt-out" are kept if either record has them;
- OTHER goes to the trash; MergeRecord.before keeps both contact rows, every moved or changed
  row's previous values and every row the merge created, so `merge --undo` puts it all back.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from pocketcrm.core import clock, sql
from pocketcrm.core.errors import Invalid, NotFound
from pocketcrm.core.matching import (
    LIKELY,
    MAX_BLOCK,
    NAME_MIN,
    Confidence,
    block_keys,
    confidence,
    match_key,
    name_ratio,
    pair_score,
)
from pocketcrm.core.models import MergeRecord
from pocketcrm.core.readmodels import CompanyCard, ContactCard, ContactRow
from pocketcrm.core.search import reindex, reindex_company
from pocketcrm.core.store import Store

# -- finding pairs --------------------------------------------------------------------------


@dataclass(frozen=True)
class DuplicatePair:
    """Two contacts that are probably one person, with a 0-100 confidence and the evidence."""

    a: ContactRow
    b: ContactRow
    score: int
    reasons: tuple[str, ...]

    @property
    def confidence(self) -> Confidence:
        """high, medium or low: the band the faces show the score in."""
        return confidence(self.score)


def find_duplicates(
    store: Store, *, limit: int = 200, min_score: int = LIKELY
) -> list[DuplicatePair]:
    """Likely duplicate pairs among live contacts, most certain first."""
    from rapidfuzz import fuzz, process

    evidence: dict[tuple[int, int], dict[str, Any]] = {}

    def note(a: int, b: int, what: str, value: object) -> None:
        pair = (a, b) if a < b else (b, a)
        evidence.setdefault(pair, {}).setdefault(what, value)

    with store.read() as session:
        for a, b, address in session.execute(
            text(
                "SELECT x.contact_id, y.contact_id, x.address_key FROM contact_email x "
                "JOIN contact_email y ON y.address_key = x.address_key "
                "AND y.contact_id > x.contact_id "
                "JOIN contact cx ON cx.id = x.contact_id AND cx.deleted_at IS NULL "
                "JOIN contact cy ON cy.id = y.contact_id AND cy.deleted_at IS NULL"
            )
        ):
            note(int(a), int(b), "email", str(address))
        for a, b, number in session.execute(
            text(
                "SELECT x.contact_id, y.contact_id, x.e164 FROM contact_phone x "
                "JOIN contact_phone y ON y.e164 = x.e164 AND y.contact_id > x.contact_id "
                "JOIN contact cx ON cx.id = x.contact_id AND cx.deleted_at IS NULL "
                "JOIN contact cy ON cy.id = y.contact_id AND cy.deleted_at IS NULL "
                "WHERE x.e164 != ''"
            )
        ):
            note(int(a), int(b), "phone", str(number))
        people = session.execute(
            text(
                "SELECT c.id, c.display_name, c.company_id, coalesce(co.name, '') FROM contact c "
                "LEFT JOIN company co ON co.id = c.company_id AND co.deleted_at IS NULL "
                "WHERE c.deleted_at IS NULL"
            )
        ).all()
        keys: dict[int, str] = {}
        company: dict[int, tuple[object, str]] = {}
        blocks: dict[str, list[int]] = {}
        for cid, name, company_id, company_name in people:
            key = match_key(str(name))
            keys[int(cid)] = key
            company[int(cid)] = (company_id, str(company_name))
            for block in block_keys(key):
                blocks.setdefault(block, []).append(int(cid))
        for members in blocks.values():
            if len(members) < 2 or len(members) > MAX_BLOCK:
                continue
            if len(members) > 30:
                # A big block is screened in C++ (token_set_ratio is the costly part) before
                # the exact rule. process.extract, not process.cdist: cdist needs numpy, which
                # is no dependency of ours nor of rapidfuzz.
                names = [keys[m] for m in members]
                for i in range(len(names) - 1):
                    for _, _, j in process.extract(
                        names[i],
                        names[i + 1 :],
                        scorer=fuzz.token_set_ratio,
                        score_cutoff=NAME_MIN,
                        limit=None,
                    ):
                        a, b = members[i], members[i + 1 + int(j)]
                        ratio = name_ratio(keys[a], keys[b])
                        if ratio >= NAME_MIN:
                            note(a, b, "name", ratio)
            else:
                for a, b in itertools.combinations(members, 2):
                    ratio = name_ratio(keys[a], keys[b])
                    if ratio >= NAME_MIN:
                        note(a, b, "name", ratio)
        scored: list[tuple[int, tuple[str, ...], int, int]] = []
        for (a, b), found in evidence.items():
            if "name" not in found:
                found["name"] = name_ratio(keys.get(a, ""), keys.get(b, ""))
            same_company = ""
            ca, cb = company.get(a), company.get(b)
            if ca and cb and ca[0] is not None and ca[0] == cb[0]:
                same_company = ca[1]
            score, reasons = pair_score(
                email=found.get("email", ""),
                phone=found.get("phone", ""),
                ratio=int(found["name"]),
                company=same_company,
            )
            if score >= min_score:
                scored.append((score, reasons, a, b))
        scored.sort(key=lambda s: (-s[0], s[2], s[3]))
        scored = scored[:limit]
        rows = _rows_by_id(session, {i for s in scored for i in s[2:]})
    return [
        DuplicatePair(a=rows[a], b=rows[b], score=score, reasons=reasons)
        for score, reasons, a, b in scored
        if a in rows and b in rows
    ]


def _rows_by_id(session: Session, ids: Iterable[int]) -> dict[int, ContactRow]:
    from pocketcrm.core.queries import list_sql, row  # the list's one row shape

    wanted = sorted(ids)
    found: dict[int, ContactRow] = {}
    for start in range(0, len(wanted), 500):
        marks = ",".join(str(i) for i in wanted[start : start + 500])
        for r in session.execute(text(list_sql(session) + f" WHERE c.id IN ({marks})")).all():
            contact = row(r)
            found[contact.id] = contact
    return found


# -- merging contacts -----------------------------------------------------------------------

# Scalar columns merged by the rule "fill if empty, else OTHER's value to a custom field".
_SCALARS = (
    "given_name",
    "family_name",
    "additional_names",
    "prefix",
    "suffix",
    "nickname",
    "title",
    "department",
    "owner",
    "source",
    "photo",
)
_MOVED_TABLES = (
    "contact_address",
    "contact_alternate",  # values an import did not keep (transfer/fidelity.py)
    "contact_website",
    "stage_change",
    "interaction",
    "follow_up",
    "cadence_rule",
    "reminder",
    # Deals (their stage history follows by deal_id), invoices and payments: each row moves
    # and the log keeps its old contact_id, so undo puts it back exactly.
    "deal",
    "invoice",
    "payment",
)


@dataclass(frozen=True)
class MergeResult:
    merge_id: int
    kept: ContactCard


@dataclass(frozen=True)
class CompanyMergeResult:
    merge_id: int
    kept: CompanyCard


@dataclass(frozen=True)
class MergeView:
    """One merge in the history: what was kept, what went to the trash, and when."""

    id: int
    entity: str
    kept_id: int
    other_id: int
    kept_label: str
    other_label: str
    at: str
    undone: bool


class _Log:
    """What a merge changed, precisely enough to reverse it."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.rows: list[dict[str, Any]] = []  # {"table", "id", "before": {column: value}}
        self.created: list[dict[str, Any]] = []  # {"table", "id"}
        self.links: list[dict[str, Any]] = []  # link rows added: {"table", "row"}

    def change(self, table: str, row_id: int, values: dict[str, Any]) -> None:
        """UPDATE one row, remembering the previous values of the columns changed."""
        columns = list(values)
        before = (
            self.session.execute(
                text(f"SELECT {', '.join(columns)} FROM {table} WHERE id = :id"), {"id": row_id}
            )
            .mappings()
            .one()
        )
        self.rows.append(
            {
                "table": table,
                "id": row_id,
                "before": {k: sql.json_value(v) for k, v in before.items()},
            }
        )
        self.session.execute(
            text(f"UPDATE {table} SET {', '.join(f'{c} = :{c}' for c in columns)} WHERE id = :id"),
            {**values, "id": row_id},
        )

    def create(self, table: str, values: dict[str, Any]) -> None:
        columns = list(values)
        result = self.session.execute(
            text(
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"VALUES ({', '.join(':' + c for c in columns)})"
            ),
            values,
        )
        new_id = getattr(result, "lastrowid", None)
        if new_id is None:
            new_id = self.session.execute(text(f"SELECT max(id) FROM {table}")).scalar_one()
        self.created.append({"table": table, "id": int(new_id)})

    def link(self, table: str, row: dict[str, Any]) -> None:
        columns = list(row)
        self.session.execute(
            text(
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"VALUES ({', '.join(':' + c for c in columns)})"
            ),
            row,
        )
        self.links.append({"table": table, "row": row})

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "created": self.created, "links": self.links}


def _one_row(session: Session, table: str, row_id: int) -> dict[str, Any]:
    row = session.execute(text(f"SELECT * FROM {table} WHERE id = :id"), {"id": row_id}).mappings()
    found = row.first()
    if found is None:
        raise NotFound(table.replace("_", " "), str(row_id))
    return {k: sql.json_value(v) for k, v in found.items()}


def _custom(session: Session, contact_id: int) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for name, value in session.execute(
        text("SELECT name, value FROM custom_field WHERE contact_id = :c ORDER BY id"),
        {"c": contact_id},
    ):
        values.setdefault(str(name), []).append(str(value))
    return values


def _add_merged_field(
    log: _Log, contact_id: int, field: str, value: str, have: dict[str, list[str]]
) -> None:
    name = f"merged: {field}"
    if value in have.get(name, []):
        return
    log.create("custom_field", {"contact_id": contact_id, "name": name, "value": value})
    have.setdefault(name, []).append(value)


def merge_contacts(store: Store, keep_ref: str, other_ref: str) -> MergeResult:
    """KEEP absorbs OTHER (see the module docstring for the rules); OTHER goes to the trash."""
    from pocketcrm.core.services.activity import refresh_contact_dates
    from pocketcrm.core.services.cards import card_for, format_birthday
    from pocketcrm.core.services.lookup import resolve_contact

    region = store.settings.default_region
    with store.write() as session:
        keep_id = resolve_contact(session, keep_ref, region=region)
        other_id = resolve_contact(session, other_ref, region=region)
        if keep_id == other_id:
            raise Invalid("other", "both references name the same contact; give two contacts")
        keep = _one_row(session, "contact", keep_id)
        other = _one_row(session, "contact", other_id)
        log = _Log(session)
        have = _custom(session, keep_id)
        updates: dict[str, Any] = {}
        for column in _SCALARS:
            mine, theirs = str(keep[column] or ""), str(other[column] or "")
            if theirs and not mine:
                updates[column] = theirs
            elif theirs and theirs != mine:
                _add_merged_field(log, keep_id, column, theirs, have)
        if other["display_name"] != keep["display_name"]:
            _add_merged_field(log, keep_id, "name", str(other["display_name"]), have)
        for prefix in ("birthday", "anniversary"):
            mine = format_birthday(
                keep[f"{prefix}_year"], keep[f"{prefix}_month"], keep[f"{prefix}_day"]
            )
            theirs = format_birthday(
                other[f"{prefix}_year"], other[f"{prefix}_month"], other[f"{prefix}_day"]
            )
            if theirs and not mine:
                for part in ("year", "month", "day"):
                    updates[f"{prefix}_{part}"] = other[f"{prefix}_{part}"]
            elif theirs and theirs != mine:
                _add_merged_field(log, keep_id, prefix, theirs, have)
        if other["company_id"] is not None and other["company_id"] != keep["company_id"]:
            if keep["company_id"] is None:
                updates["company_id"] = other["company_id"]
            else:
                name = session.execute(
                    text("SELECT name FROM company WHERE id = :c"), {"c": other["company_id"]}
                ).scalar_one()
                _add_merged_field(log, keep_id, "company", str(name), have)
        if other["stage"] != keep["stage"]:
            _add_merged_field(log, keep_id, "stage", str(other["stage"]), have)
        if other["notes"] and other["notes"] not in keep["notes"]:
            updates["notes"] = (
                f"{keep['notes']}\n---\n{other['notes']}" if keep["notes"] else other["notes"]
            )
        for flag in ("do_not_contact", "email_opt_out"):
            if other[flag] and not keep[flag]:
                updates[flag] = True
        # Emails and phones: move what KEEP lacks; the same address stays with OTHER.
        emails = {
            str(k)
            for (k,) in session.execute(
                text("SELECT address_key FROM contact_email WHERE contact_id = :c"), {"c": keep_id}
            )
        }
        has_primary = bool(emails)
        for row_id, key in session.execute(
            text("SELECT id, address_key FROM contact_email WHERE contact_id = :c ORDER BY id"),
            {"c": other_id},
        ).all():
            if str(key) in emails:
                continue
            emails.add(str(key))
            log.change(
                "contact_email", int(row_id), {"contact_id": keep_id, "is_primary": not has_primary}
            )
            has_primary = True
        phones = session.execute(
            text("SELECT number, e164 FROM contact_phone WHERE contact_id = :c"), {"c": keep_id}
        ).all()
        numbers = {str(n) for n, _ in phones} | {str(e) for _, e in phones if e}
        has_primary = bool(phones)
        for row_id, number, e164 in session.execute(
            text("SELECT id, number, e164 FROM contact_phone WHERE contact_id = :c ORDER BY id"),
            {"c": other_id},
        ).all():
            if str(number) in numbers or (e164 and str(e164) in numbers):
                continue
            numbers.update({str(number), str(e164)} - {""})
            log.change(
                "contact_phone", int(row_id), {"contact_id": keep_id, "is_primary": not has_primary}
            )
            has_primary = True
        # Custom fields: same name and value is already there; same name, other value renamed.
        for row_id, name, value in session.execute(
            text("SELECT id, name, value FROM custom_field WHERE contact_id = :c ORDER BY id"),
            {"c": other_id},
        ).all():
            name, value = str(name), str(value)
            if value in have.get(name, []):
                continue
            new_name = name if name not in have else f"merged: {name}"
            if value in have.get(new_name, []):
                continue
            log.change("custom_field", int(row_id), {"contact_id": keep_id, "name": new_name})
            have.setdefault(new_name, []).append(value)
        # External ids: unique per (system, value), so each one moves.
        for (row_id,) in session.execute(
            text("SELECT id FROM external_id WHERE contact_id = :c ORDER BY id"), {"c": other_id}
        ).all():
            log.change("external_id", int(row_id), {"contact_id": keep_id})
        for table in _MOVED_TABLES:
            for (row_id,) in session.execute(
                text(f"SELECT id FROM {table} WHERE contact_id = :c ORDER BY id"), {"c": other_id}
            ).all():
                log.change(table, int(row_id), {"contact_id": keep_id})
        # Campaign recipients move too, except where the kept contact is already one of the
        # same campaign (one recipient a person a campaign): those stay with the other.
        for (row_id,) in session.execute(
            text(
                "SELECT id FROM campaign_recipient WHERE contact_id = :o AND campaign_id NOT IN "
                "(SELECT campaign_id FROM campaign_recipient WHERE contact_id = :k) ORDER BY id"
            ),
            {"o": other_id, "k": keep_id},
        ).all():
            log.change("campaign_recipient", int(row_id), {"contact_id": keep_id})
        for (tag_id,) in session.execute(
            text(
                "SELECT tag_id FROM contact_tag WHERE contact_id = :o AND tag_id NOT IN "
                "(SELECT tag_id FROM contact_tag WHERE contact_id = :k)"
            ),
            {"o": other_id, "k": keep_id},
        ).all():
            log.link("contact_tag", {"contact_id": keep_id, "tag_id": int(tag_id)})
        now = clock.now()
        from pocketcrm.core.models import db_time

        updates["updated_at"] = db_time(now)
        log.change("contact", keep_id, updates)
        log.change("contact", other_id, {"deleted_at": db_time(now), "updated_at": db_time(now)})
        refresh_contact_dates(session, keep_id)
        refresh_contact_dates(session, other_id)
        record = MergeRecord(
            entity="contact",
            kept_id=keep_id,
            other_id=other_id,
            at=now,
            before=json.dumps({"kept": keep, "other": other, **log.as_dict()}, ensure_ascii=False),
        )
        session.add(record)
        session.flush()
        reindex(session, [keep_id, other_id])
        assert record.id is not None
        return MergeResult(merge_id=record.id, kept=card_for(session, keep_id))


# -- merging companies ----------------------------------------------------------------------

_COMPANY_SCALARS = (
    "website",
    "phone",
    "email",
    "street",
    "city",
    "region",
    "postcode",
    "country",
    "owner",
    "kind",
)


def merge_companies(store: Store, keep_ref: str, other_ref: str) -> CompanyMergeResult:
    """KEEP absorbs OTHER: people, interactions, deals and tags move; conflicting fields go
    to notes."""
    from pocketcrm.core.models import db_time
    from pocketcrm.core.services.companies import get_company
    from pocketcrm.core.services.lookup import resolve_company

    with store.write() as session:
        keep_id = resolve_company(session, keep_ref)
        other_id = resolve_company(session, other_ref)
        if keep_id == other_id:
            raise Invalid("other", "both references name the same company; give two companies")
        keep = _one_row(session, "company", keep_id)
        other = _one_row(session, "company", other_id)
        log = _Log(session)
        updates: dict[str, Any] = {}
        extra: list[str] = []
        for column in _COMPANY_SCALARS:
            mine, theirs = str(keep[column] or ""), str(other[column] or "")
            if theirs and not mine:
                updates[column] = theirs
            elif theirs and theirs != mine:
                extra.append(f"merged: {column}: {theirs}")
        extra.append(f"merged: name: {other['name']}")
        notes = str(keep["notes"] or "")
        if other["notes"] and str(other["notes"]) not in notes:
            extra.append(str(other["notes"]))
        updates["notes"] = "\n".join([notes, *extra]).strip() if notes else "\n".join(extra)
        for (row_id,) in session.execute(
            text("SELECT id FROM contact WHERE company_id = :c ORDER BY id"), {"c": other_id}
        ).all():
            log.change("contact", int(row_id), {"company_id": keep_id})
        for (row_id,) in session.execute(
            text("SELECT id FROM interaction WHERE company_id = :c ORDER BY id"), {"c": other_id}
        ).all():
            log.change("interaction", int(row_id), {"company_id": keep_id})
        for (row_id,) in session.execute(
            text("SELECT id FROM deal WHERE company_id = :c ORDER BY id"), {"c": other_id}
        ).all():
            log.change("deal", int(row_id), {"company_id": keep_id})
        for (tag_id,) in session.execute(
            text(
                "SELECT tag_id FROM company_tag WHERE company_id = :o AND tag_id NOT IN "
                "(SELECT tag_id FROM company_tag WHERE company_id = :k)"
            ),
            {"o": other_id, "k": keep_id},
        ).all():
            log.link("company_tag", {"company_id": keep_id, "tag_id": int(tag_id)})
        now = clock.now()
        updates["updated_at"] = db_time(now)
        log.change("company", keep_id, updates)
        log.change("company", other_id, {"deleted_at": db_time(now), "updated_at": db_time(now)})
        record = MergeRecord(
            entity="company",
            kept_id=keep_id,
            other_id=other_id,
            at=now,
            before=json.dumps({"kept": keep, "other": other, **log.as_dict()}, ensure_ascii=False),
        )
        session.add(record)
        session.flush()
        reindex_company(session, keep_id)
        assert record.id is not None
        merge_id = record.id
    return CompanyMergeResult(merge_id=merge_id, kept=get_company(store, str(keep_id)))


# -- undo -----------------------------------------------------------------------------------


def _pick_merge(session: Session, merge_id: int | None) -> MergeRecord:
    if merge_id is None:
        last = session.execute(
            text("SELECT max(id) FROM merge_record WHERE undone_at IS NULL")
        ).scalar()
        if last is None:
            raise NotFound("merge to undo", "last")
        merge_id = int(last)
    found = session.get(MergeRecord, merge_id)
    if found is None:
        raise NotFound("merge", str(merge_id))
    if found.undone_at is not None:
        raise Invalid("merge", f"merge {merge_id} was already undone")
    return found


def _undo(session: Session, record: MergeRecord) -> None:
    state = json.loads(record.before)
    for link in reversed(state.get("links", [])):
        row = link["row"]
        clauses = " AND ".join(f"{c} = :{c}" for c in row)
        session.execute(text(f"DELETE FROM {link['table']} WHERE {clauses}"), row)
    for created in reversed(state.get("created", [])):
        session.execute(
            text(f"DELETE FROM {created['table']} WHERE id = :id"), {"id": created["id"]}
        )
    for changed in reversed(state.get("rows", [])):
        before = changed["before"]
        session.execute(
            text(
                f"UPDATE {changed['table']} SET {', '.join(f'{c} = :{c}' for c in before)} "
                "WHERE id = :id"
            ),
            {**before, "id": changed["id"]},
        )
    record.undone_at = clock.now()


def undo_merge(store: Store, merge_id: int | None = None) -> ContactCard:
    """Reverse a contact merge exactly (None: the last merge not yet undone)."""
    from pocketcrm.core.services.activity import refresh_contact_dates
    from pocketcrm.core.services.cards import card_for

    with store.write() as session:
        record = _pick_merge(session, merge_id)
        if record.entity != "contact":
            raise Invalid(
                "merge", f"merge {record.id} joined two companies; use undo_company_merge"
            )
        _undo(session, record)
        for cid in (record.kept_id, record.other_id):
            refresh_contact_dates(session, cid)
        session.flush()
        _restore_dates(session, record)
        reindex(session, [record.kept_id, record.other_id])
        return card_for(session, record.kept_id)


def _restore_dates(session: Session, record: MergeRecord) -> None:
    """The denormalised dates exactly as they were (refresh may round differently)."""
    state = json.loads(record.before)
    for key, cid in (("kept", record.kept_id), ("other", record.other_id)):
        row = state.get(key) or {}
        if "last_contact_at" in row:
            session.execute(
                text(
                    "UPDATE contact SET last_contact_at = :l, next_follow_up_at = :n WHERE id = :c"
                ),
                {"l": row["last_contact_at"], "n": row["next_follow_up_at"], "c": cid},
            )


def undo_company_merge(store: Store, merge_id: int | None = None) -> CompanyCard:
    from pocketcrm.core.services.companies import get_company

    with store.write() as session:
        record = _pick_merge(session, merge_id)
        if record.entity != "company":
            raise Invalid("merge", f"merge {record.id} joined two contacts; use undo_merge")
        _undo(session, record)
        session.flush()
        reindex_company(session, record.kept_id)
        reindex_company(session, record.other_id)
        kept = record.kept_id
    return get_company(store, str(kept))


def undo_any_merge(store: Store, merge_id: int | None = None) -> MergeView:
    """Undo a merge of either kind (what `merge --undo` calls)."""
    with store.read() as session:
        record = _pick_merge(session, merge_id)
        entity, found_id = record.entity, record.id
    assert found_id is not None
    if entity == "company":
        undo_company_merge(store, found_id)
    else:
        undo_merge(store, found_id)
    return list_merges(store, ids=[found_id])[0]


def list_merges(store: Store, *, limit: int = 20, ids: Sequence[int] = ()) -> list[MergeView]:
    where = f"WHERE m.id IN ({','.join(str(int(i)) for i in ids)})" if ids else ""
    with store.read() as session:
        rows = session.execute(
            text(
                "SELECT m.id, m.entity, m.kept_id, m.other_id, m.at, m.undone_at, "
                "CASE m.entity WHEN 'company' THEN (SELECT name FROM company WHERE id = m.kept_id) "
                "ELSE (SELECT display_name FROM contact WHERE id = m.kept_id) END, "
                "CASE m.entity WHEN 'company' THEN (SELECT name FROM company WHERE id = m.other_id) "
                "ELSE (SELECT display_name FROM contact WHERE id = m.other_id) END "
                f"FROM merge_record m {where} ORDER BY m.id DESC LIMIT :n"
            ),
            {"n": limit},
        ).all()
    from pocketcrm.core.models import from_db_time

    views = []
    for r in rows:
        at = from_db_time(r[4])
        views.append(
            MergeView(
                id=int(r[0]),
                entity=str(r[1]),
                kept_id=int(r[2]),
                other_id=int(r[3]),
                kept_label=str(r[6] or ""),
                other_label=str(r[7] or ""),
                at=at.isoformat().replace("+00:00", "Z") if at else "",
                undone=r[5] is not None,
            )
        )
    return views
