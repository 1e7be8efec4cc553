"""The full-text index: the other SQLite seam.

One FTS5 row per contact (rowid = contact id) holding the text people search for: names,
emails, phones (as typed, E.164 and digits), company, tags, notes. Diacritics are removed
("zoe" finds "Zoë") and every term is a prefix query. The services call `reindex` after every
write that touches that text, in the same transaction. Elsewhere than SQLite a LIKE fallback
over the same text keeps the feature (slower, correct).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from sqlalchemy import text
from sqlmodel import Session

FTS_CREATE_SQLITE = (
    "CREATE VIRTUAL TABLE contact_fts USING fts5("
    "name, emails, phones, company, tags, notes, "
    "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
)

_TOKEN = re.compile(r"\w+", re.UNICODE)


def fold(value: str) -> str:
    """Accent- and case-insensitive key: 'Zoë Åkesson' -> 'zoe akesson'."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def contains(text: str) -> str:
    """A LIKE pattern (with ESCAPE '\\') for names containing TEXT, folded: a '%' or '_'
    someone types is a character, not a wildcard."""
    escaped = fold(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def words(text: str) -> list[str]:
    """The folded words of TEXT as the index splits them (no FTS syntax survives)."""
    return _TOKEN.findall(fold(text))


def match_expression(query: str) -> str | None:
    """An FTS5 MATCH string in which every word is a quoted prefix term (no syntax errors)."""
    tokens = _TOKEN.findall(fold(query))
    if not tokens:
        return None
    return " ".join(f'"{token}"*' for token in tokens)


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


_SOURCE_SQL = """
SELECT c.id,
       c.display_name || ' ' || c.given_name || ' ' || c.family_name || ' ' || c.nickname,
       coalesce((SELECT group_concat(address, ' ') FROM contact_email WHERE contact_id = c.id), ''),
       coalesce((SELECT group_concat(number || char(9) || e164, char(10)) FROM contact_phone
                 WHERE contact_id = c.id), ''),
       coalesce(co.name, ''),
       coalesce((SELECT group_concat(t.name, ' ') FROM contact_tag ct JOIN tag t ON t.id = ct.tag_id
                 WHERE ct.contact_id = c.id), ''),
       c.notes || ' ' || c.title || ' ' || c.department
FROM contact c LEFT JOIN company co ON co.id = c.company_id
"""


MIN_DIGITS = 4


def _digits_variants(phones: str) -> str:
    """Phones as typed, plus every tail of their bare digits (at least MIN_DIGITS long).

    With prefix queries, the tails make any run of digits match: "4155550100", "5550100"
    and "555-0100" all find "+1 (415) 555-0100". `phones` holds one "typed TAB e164" per line.
    """
    words: list[str] = []
    tails: dict[str, None] = {}
    for line in phones.splitlines():
        typed, _, e164 = line.partition("\t")
        words += [typed, e164]
        for value in (typed, e164):
            digits = "".join(ch for ch in value if ch.isdigit())
            for start in range(max(0, len(digits) - MIN_DIGITS + 1)):
                tails[digits[start:]] = None
    return " ".join([*(w for w in words if w), *tails])


def reindex(session: Session, contact_ids: Iterable[int]) -> None:
    """Rewrite the index rows of these contacts (deleted or trashed ones are dropped)."""
    if not _is_sqlite(session):
        return
    ids = list(contact_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join(str(int(i)) for i in chunk)
        session.execute(text(f"DELETE FROM contact_fts WHERE rowid IN ({marks})"))
        rows = session.execute(
            text(_SOURCE_SQL + f" WHERE c.id IN ({marks}) AND c.deleted_at IS NULL")
        ).all()
        if rows:
            session.execute(
                text(
                    "INSERT INTO contact_fts(rowid, name, emails, phones, company, tags, notes) "
                    "VALUES (:id, :name, :emails, :phones, :company, :tags, :notes)"
                ),
                [
                    {
                        "id": r[0],
                        "name": r[1],
                        "emails": r[2],
                        "phones": _digits_variants(r[3]),
                        "company": r[4],
                        "tags": r[5],
                        "notes": r[6],
                    }
                    for r in rows
                ],
            )


def reindex_company(session: Session, company_id: int) -> None:
    ids = session.execute(
        text("SELECT id FROM contact WHERE company_id = :c"), {"c": company_id}
    ).scalars()
    reindex(session, list(ids))


def rebuild(session: Session) -> None:
    """Rebuild the whole index (after a bulk load: much faster than row-by-row upkeep)."""
    if not _is_sqlite(session):
        return
    session.execute(text("DELETE FROM contact_fts"))
    rows = session.execute(text(_SOURCE_SQL + " WHERE c.deleted_at IS NULL")).all()
    batch: list[dict[str, object]] = []
    for r in rows:
        batch.append(
            {
                "id": r[0],
                "name": r[1],
                "emails": r[2],
                "phones": _digits_variants(r[3]),
                "company": r[4],
                "tags": r[5],
                "notes": r[6],
            }
        )
        if len(batch) >= 5000:
            _insert(session, batch)
            batch = []
    if batch:
        _insert(session, batch)


def _insert(session: Session, batch: Sequence[dict[str, object]]) -> None:
    session.execute(
        text(
            "INSERT INTO contact_fts(rowid, name, emails, phones, company, tags, notes) "
            "VALUES (:id, :name, :emails, :phones, :company, :tags, :notes)"
        ),
        list(batch),
    )


def matching_ids_sql(session: Session, query: str) -> tuple[str, dict[str, object]] | None:
    """A SQL fragment selecting matching contact ids, best first, for use in a subquery."""
    if _is_sqlite(session):
        expression = match_expression(query)
        if expression is None:
            return None
        return (
            "SELECT rowid AS id FROM contact_fts WHERE contact_fts MATCH :fts ORDER BY rank",
            {"fts": expression},
        )
    folded = fold(query)
    if not folded:
        return None
    return (
        "SELECT c.id FROM contact c LEFT JOIN contact_email e ON e.contact_id = c.id "
        "WHERE c.name_key LIKE :like ESCAPE '\\' OR lower(e.address) LIKE :like ESCAPE '\\'",
        {"like": contains(query)},
    )
