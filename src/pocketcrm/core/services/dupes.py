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
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from pocketcrm.core import clock, journal, sql
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
from pocketcrm.core.models import MergeRecord, db_time, from_db_time
from pocketcrm.core.readmodels.card import ContactCard
from pocketcrm.core.readmodels.companies import CompanyCard
from pocketcrm.core.readmodels.contact_row import ContactRow
from pocketcrm.core.search import reindex, reindex_company
from pocketcrm.core.sessions import CrmSession as Session  # a Db too (core/db.py)
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
    with store.read() as session:
        evidence = _shared_values(session)
        people = session.execute(
            text(
                "SELECT c.id, c.display_name, c.company_id, coalesce(co.name, '') FROM contact c "
                "LEFT JOIN company co ON co.id = c.company_id AND co.deleted_at IS NULL "
                "WHERE c.deleted_at IS NULL"
            )
        ).all()
        keys = {int(cid): match_key(str(name)) for cid, name, _, _ in people}
        company = {int(cid): (company_id, str(name)) for cid, _, company_id, name in people}
        for a, b, ratio in _close_names(keys):
            evidence.setdefault((a, b), {}).setdefault("name", ratio)
        scored = _scored(evidence, keys, company, min_score)[:limit]
        rows = _rows_by_id(session, {i for s in scored for i in s[2:]})
    return [
        DuplicatePair(a=rows[a], b=rows[b], score=score, reasons=reasons)
        for score, reasons, a, b in scored
        if a in rows and b in rows
    ]


Evidence = dict[tuple[int, int], dict[str, Any]]  # (lower id, higher id) -> what they share


def _shared_values(session: Session) -> Evidence:
    """Pairs of live contacts sharing an email address or an E.164 phone."""
    evidence: Evidence = {}
    for what, statement in (
        (
            "email",
            "SELECT x.contact_id, y.contact_id, x.address_key FROM contact_email x "
            "JOIN contact_email y ON y.address_key = x.address_key "
            "AND y.contact_id > x.contact_id "
            "JOIN contact cx ON cx.id = x.contact_id AND cx.deleted_at IS NULL "
            "JOIN contact cy ON cy.id = y.contact_id AND cy.deleted_at IS NULL",
        ),
        (
            "phone",
            "SELECT x.contact_id, y.contact_id, x.e164 FROM contact_phone x "
            "JOIN contact_phone y ON y.e164 = x.e164 AND y.contact_id > x.contact_id "
            "JOIN contact cx ON cx.id = x.contact_id AND cx.deleted_at IS NULL "
            "JOIN contact cy ON cy.id = y.contact_id AND cy.deleted_at IS NULL "
            "WHERE x.e164 != ''",
        ),
    ):
        for a, b, value in session.execute(text(statement)):
            pair = (int(a), int(b)) if int(a) < int(b) else (int(b), int(a))
            evidence.setdefault(pair, {}).setdefault(what, str(value))
    return evidence


def _close_names(keys: dict[int, str]) -> Iterator[tuple[int, int, int]]:
    """(a, b, ratio) with a < b for names at least NAME_MIN alike inside a shared block."""
    from rapidfuzz import fuzz, process

    blocks: dict[str, list[int]] = {}
    for cid, key in keys.items():
        for block in block_keys(key):
            blocks.setdefault(block, []).append(cid)
    for members in blocks.values():
        if len(members) < 2 or len(members) > MAX_BLOCK:
            continue
        if len(members) > 30:
            # A big block is screened in C++ (token_set_ratio is the costly part) before
            # the exact rule. process.extract, not process.cdist: cdist needs numpy, which
            # is no dependency of ours nor of rapidfuzz.
            names = [keys[m] for m in members]
            pairs: Iterable[tuple[int, int]] = (
                (members[i], members[i + 1 + int(j)])
                for i in range(len(names) - 1)
                for _, _, j in process.extract(
                    names[i],
                    names[i + 1 :],
                    scorer=fuzz.token_set_ratio,
                    score_cutoff=NAME_MIN,
                    limit=None,
                )
            )
        else:
            pairs = itertools.combinations(members, 2)
        for a, b in pairs:
            ratio = name_ratio(keys[a], keys[b])
            if ratio >= NAME_MIN:
                yield (a, b, ratio) if a < b else (b, a, ratio)


def _scored(
    evidence: Evidence,
    keys: dict[int, str],
    company: dict[int, tuple[object, str]],
    min_score: int,
) -> list[tuple[int, tuple[str, ...], int, int]]:
    """(score, reasons, a, b) of the pairs scoring MIN_SCORE or more, most certain first."""
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
    return scored


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


# -- merging: one routine for contacts and companies ---------------------------------------

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
    "quote",  # issue 12: quotes and costs follow the person too
    "cost",
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


@dataclass(frozen=True)
class _Entity:
    """What differs between merging two contacts and merging two companies."""

    table: str  # contact, company
    plural: str
    key: str  # the column other tables point at it with
    moved: tuple[str, ...]  # tables whose rows move from OTHER to KEEP, in this order
    tags: str  # its tag link table


_CONTACT = _Entity(
    "contact", "contacts", "contact_id", ("external_id", *_MOVED_TABLES), "contact_tag"
)
_COMPANY = _Entity(
    "company", "companies", "company_id", ("contact", "interaction", "deal"), "company_tag"
)

# What KEEP takes from OTHER besides the moved rows: (log, KEEP's row, OTHER's row) -> the
# changes to KEEP's own row.
Absorb = Callable[[_Log, dict[str, Any], dict[str, Any]], dict[str, Any]]


def _merge(session: Session, entity: _Entity, keep_id: int, other_id: int, absorb: Absorb) -> int:
    """The one merge routine: KEEP absorbs OTHER, OTHER goes to the trash, and a MergeRecord
    keeps both rows and every change (the log) so the merge can be undone. Returns its id."""
    if keep_id == other_id:
        raise Invalid(
            "other", f"both references name the same {entity.table}; give two {entity.plural}"
        )
    keep = _one_row(session, entity.table, keep_id)
    other = _one_row(session, entity.table, other_id)
    log = _Log(session)
    updates = absorb(log, keep, other)
    for table in entity.moved:
        for (row_id,) in session.execute(
            text(f"SELECT id FROM {table} WHERE {entity.key} = :o ORDER BY id"), {"o": other_id}
        ).all():
            log.change(table, int(row_id), {entity.key: keep_id})
    for (tag_id,) in session.execute(
        text(
            f"SELECT tag_id FROM {entity.tags} WHERE {entity.key} = :o AND tag_id NOT IN "
            f"(SELECT tag_id FROM {entity.tags} WHERE {entity.key} = :k)"
        ),
        {"o": other_id, "k": keep_id},
    ).all():
        log.link(entity.tags, {entity.key: keep_id, "tag_id": int(tag_id)})
    now = clock.now()
    updates["updated_at"] = db_time(now)
    log.change(entity.table, keep_id, updates)
    log.change(entity.table, other_id, {"deleted_at": db_time(now), "updated_at": db_time(now)})
    record = MergeRecord(
        entity=entity.table,
        kept_id=keep_id,
        other_id=other_id,
        at=now,
        before=json.dumps({"kept": keep, "other": other, **log.as_dict()}, ensure_ascii=False),
    )
    session.add(record)
    session.flush()
    assert record.id is not None
    return record.id


# -- merging contacts -----------------------------------------------------------------------


@journal.as_face("merge")
def merge_contacts(store: Store, keep_ref: str, other_ref: str) -> MergeResult:
    """KEEP absorbs OTHER (see the module docstring for the rules); OTHER goes to the trash."""
    from pocketcrm.core.services.activity import refresh_contact_dates
    from pocketcrm.core.services.cards import card_for
    from pocketcrm.core.services.lookup import resolve_contact

    region = store.settings.default_region
    with store.write() as session:
        keep_id = resolve_contact(session, keep_ref, region=region)
        other_id = resolve_contact(session, other_ref, region=region)
        merge_id = _merge(session, _CONTACT, keep_id, other_id, _absorb_contact)
        refresh_contact_dates(session, keep_id)
        refresh_contact_dates(session, other_id)
        session.flush()
        reindex(session, [keep_id, other_id])
        return MergeResult(merge_id=merge_id, kept=card_for(session, keep_id))


def _absorb_contact(log: _Log, keep: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """A contact's own fields, emails, phones, custom fields and campaign places."""
    keep_id, other_id = int(keep["id"]), int(other["id"])
    have = _custom(log.session, keep_id)
    updates = _contact_fields(log, keep, other, have)
    _move_emails(log, keep_id, other_id)
    _move_phones(log, keep_id, other_id)
    _move_custom(log, keep_id, other_id, have)
    _move_recipients(log, keep_id, other_id)
    return updates


def _contact_fields(
    log: _Log, keep: dict[str, Any], other: dict[str, Any], have: dict[str, list[str]]
) -> dict[str, Any]:
    """Fill what KEEP leaves empty; OTHER's differing values go to "merged: ..." fields."""
    keep_id = int(keep["id"])
    updates: dict[str, Any] = {}
    for column in _SCALARS:
        mine, theirs = str(keep[column] or ""), str(other[column] or "")
        if theirs and not mine:
            updates[column] = theirs
        elif theirs and theirs != mine:
            _add_merged_field(log, keep_id, column, theirs, have)
    if other["display_name"] != keep["display_name"]:
        _add_merged_field(log, keep_id, "name", str(other["display_name"]), have)
    updates.update(_contact_dates(log, keep, other, have))
    if other["company_id"] is not None and other["company_id"] != keep["company_id"]:
        if keep["company_id"] is None:
            updates["company_id"] = other["company_id"]
        else:
            name = log.session.execute(
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
    return updates


def _contact_dates(
    log: _Log, keep: dict[str, Any], other: dict[str, Any], have: dict[str, list[str]]
) -> dict[str, Any]:
    """The birthday and anniversary: OTHER's fills an empty one, a different one is noted."""
    from pocketcrm.core.services.cards import format_birthday

    updates: dict[str, Any] = {}
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
            _add_merged_field(log, int(keep["id"]), prefix, theirs, have)
    return updates


def _move_emails(log: _Log, keep_id: int, other_id: int) -> None:
    """OTHER's emails KEEP lacks move; the same address stays with OTHER (in the trash)."""
    session = log.session
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


def _move_phones(log: _Log, keep_id: int, other_id: int) -> None:
    """OTHER's phones KEEP lacks (by number or E.164) move; the same number stays."""
    session = log.session
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


def _move_custom(log: _Log, keep_id: int, other_id: int, have: dict[str, list[str]]) -> None:
    """Custom fields: the same name and value is already there; the same name with another
    value moves renamed "merged: <name>"."""
    for row_id, name, value in log.session.execute(
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


def _move_recipients(log: _Log, keep_id: int, other_id: int) -> None:
    """Campaign places move, except where KEEP is already a recipient of the same campaign
    (one recipient a person a campaign): those stay with OTHER."""
    for (row_id,) in log.session.execute(
        text(
            "SELECT id FROM campaign_recipient WHERE contact_id = :o AND campaign_id NOT IN "
            "(SELECT campaign_id FROM campaign_recipient WHERE contact_id = :k) ORDER BY id"
        ),
        {"o": other_id, "k": keep_id},
    ).all():
        log.change("campaign_recipient", int(row_id), {"contact_id": keep_id})


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


@journal.as_face("merge")
def merge_companies(store: Store, keep_ref: str, other_ref: str) -> CompanyMergeResult:
    """KEEP absorbs OTHER: people, interactions, deals and tags move; conflicting fields go
    to notes."""
    from pocketcrm.core.services.companies import get_company
    from pocketcrm.core.services.lookup import resolve_company

    with store.write() as session:
        keep_id = resolve_company(session, keep_ref)
        other_id = resolve_company(session, other_ref)
        merge_id = _merge(session, _COMPANY, keep_id, other_id, _absorb_company)
        reindex_company(session, keep_id)
    return CompanyMergeResult(merge_id=merge_id, kept=get_company(store, str(keep_id)))


def _absorb_company(log: _Log, keep: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """Fill what KEEP leaves empty; OTHER's differing values and name are noted in its notes."""
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
    return updates


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


@journal.as_face("merge")
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


@journal.as_face("merge")
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
