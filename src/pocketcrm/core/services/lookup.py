"""Turning what a person types (REF) into one record: an id, an email, a phone or a name.

One match: that record. Several: Ambiguous with the candidates (exit 4). None: NotFound
with the closest names (exit 3). Names match accent- and case-insensitively.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pocketcrm.core.db import Db
from pocketcrm.core.dialect import is_sqlite
from pocketcrm.core.errors import Ambiguous, NotFound
from pocketcrm.core.search import contains, fold, match_expression

if TYPE_CHECKING:
    from pocketcrm.core.store import Store

_ID = re.compile(r"^#?(\d{1,9})$")
_PHONEISH = re.compile(r"^\+?[\d\s().\-/]{6,}$")
MAX_CANDIDATES = 10


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def resolve(store: Store, ref: str) -> int:
    """The id of the one contact REF names, in a read of its own: what a command taking a
    REF calls first (here, so that log-call or done need not import the contact service)."""
    with store.sql_read() as session:
        return resolve_contact(session, ref, region=store.settings.default_region)


def resolve_contact(
    session: Db, ref: str, *, region: str = "", include_deleted: bool = False
) -> int:
    """The id of the one contact that REF names."""
    alive = "" if include_deleted else " AND c.deleted_at IS NULL"
    ref = ref.strip()
    if not ref:
        raise NotFound("contact", ref)
    match = _ID.match(ref)
    if match:
        found = session.run(
            f"SELECT c.id FROM contact c WHERE c.id = :id{alive}", {"id": int(match[1])}
        ).scalar()
        if found is not None:
            return int(found)
        if not _PHONEISH.match(ref):  # "5550100" is no id here: maybe a phone typed plainly
            raise NotFound("contact", ref)
    if "@" in ref:
        rows = session.run(
            "SELECT DISTINCT c.id, c.display_name FROM contact c "
            f"JOIN contact_email e ON e.contact_id = c.id WHERE e.address_key = :a{alive}",
            {"a": ref.lower()},
        ).all()
        return _one("contact", ref, [(int(r[0]), str(r[1])) for r in rows], session, alive)
    if _PHONEISH.match(ref):
        digits = _digits(ref)
        from pocketcrm.core.validate import normalize_phone

        e164, _ = normalize_phone(ref, region or "US")
        rows = session.run(
            "SELECT DISTINCT c.id, c.display_name FROM contact c "
            "JOIN contact_phone p ON p.contact_id = c.id "
            f"WHERE (p.e164 = :e OR p.e164 LIKE :tail){alive}",
            {"e": e164 or "-", "tail": f"%{digits}" if len(digits) >= 6 else "-"},
        ).all()
        if rows:
            return _one("contact", ref, [(int(r[0]), str(r[1])) for r in rows], session, alive)
    return _by_name(session, ref, alive)


def _by_name(session: Db, ref: str, alive: str) -> int:
    folded = fold(ref)
    exact = session.run(
        f"SELECT c.id, c.display_name FROM contact c WHERE c.name_key = :k{alive} LIMIT 11",
        {"k": folded},
    ).all()
    if len(exact) == 1:
        return int(exact[0][0])
    if exact:
        return _one("contact", ref, [(int(r[0]), str(r[1])) for r in exact], session, alive)
    rows = _name_matches(session, ref, alive)
    return _one("contact", ref, rows, session, alive)


def _name_matches(session: Db, ref: str, alive: str) -> list[tuple[int, str]]:
    # The index holds live contacts only: the trash is matched by name instead.
    if is_sqlite(session) and alive:
        expression = match_expression(ref)
        if expression is None:
            return []
        rows = session.run(
            "SELECT c.id, c.display_name FROM contact_fts f JOIN contact c ON c.id = f.rowid "
            f"WHERE contact_fts MATCH :m{alive} ORDER BY c.name_key LIMIT {MAX_CANDIDATES + 1}",
            {"m": "name : (" + expression + ")"},
        ).all()
    else:
        rows = session.run(
            f"SELECT c.id, c.display_name FROM contact c WHERE c.name_key LIKE :k ESCAPE '\\'{alive} "
            f"ORDER BY c.name_key LIMIT {MAX_CANDIDATES + 1}",
            {"k": contains(ref)},
        ).all()
    return [(int(r[0]), str(r[1])) for r in rows]


def _one(what: str, ref: str, rows: list[tuple[int, str]], session: Db, alive: str) -> int:
    if len(rows) == 1:
        return rows[0][0]
    if rows:
        raise Ambiguous(what, ref, rows[:MAX_CANDIDATES])
    raise NotFound(what, ref, closest_names(session, ref, alive))


def closest_names(session: Db, ref: str, alive: str = "", limit: int = 3) -> list[str]:
    """Names most like REF, for the 'did you mean' hint (only on the failure path)."""
    from rapidfuzz import fuzz, process  # only when nothing matched

    names = session.run(f"SELECT c.name_key, c.display_name FROM contact c WHERE 1=1{alive}").all()
    if not names:
        return []
    keys = [str(n[0]) for n in names]
    best = process.extract(fold(ref), keys, scorer=fuzz.WRatio, limit=limit, score_cutoff=60)
    return [str(names[index][1]) for _, _, index in best]


def resolve_company(session: Db, ref: str, *, include_deleted: bool = False) -> int:
    alive = "" if include_deleted else " AND deleted_at IS NULL"
    ref = ref.strip()
    match = _ID.match(ref)
    if match:
        found = session.run(
            f"SELECT id FROM company WHERE id = :id{alive}", {"id": int(match[1])}
        ).scalar()
        if found is not None:
            return int(found)
        raise NotFound("company", ref)
    folded = fold(ref)
    exact = session.run(
        f"SELECT id, name FROM company WHERE name_key = :k{alive} LIMIT 11", {"k": folded}
    ).all()
    rows = (
        exact
        or session.run(
            f"SELECT id, name FROM company WHERE name_key LIKE :k ESCAPE '\\'{alive} "
            "ORDER BY name_key LIMIT 11",
            {"k": contains(ref)},
        ).all()
    )
    found_rows = [(int(r[0]), str(r[1])) for r in rows]
    if len(found_rows) == 1:
        return found_rows[0][0]
    if found_rows:
        raise Ambiguous("company", ref, found_rows)
    from rapidfuzz import fuzz, process

    names = session.run(f"SELECT name_key, name FROM company WHERE 1=1{alive}").all()
    best = process.extract(
        folded, [str(n[0]) for n in names], scorer=fuzz.WRatio, limit=3, score_cutoff=60
    )
    raise NotFound("company", ref, [str(names[i][1]) for _, _, i in best])
