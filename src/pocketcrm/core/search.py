"""The full-text index: the other SQLite seam.

One FTS5 row per contact (rowid = contact id) holding the text people search for: names,
emails, phones (as typed, E.164 and digits), company, tags, notes. Diacritics are removed
("zoe" finds "Zoë") and every term is a prefix query. The services call `reindex` after every
write that touches that text, in the same transaction. Elsewhere than SQLite a LIKE fallback
over the same text keeps the feature (slower, correct).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sqlalchemy import text
from sqlmodel import Session

from pocketcrm.core.dialect import is_sqlite
from pocketcrm.core.folding import fold as fold  # re-exported: callers import it from here
from pocketcrm.core.folding import like_escape as like_escape

FTS_CREATE_SQLITE = (
    "CREATE VIRTUAL TABLE contact_fts USING fts5("
    "name, emails, phones, company, tags, notes, "
    "tokenize = 'unicode61 remove_diacritics 2', prefix = '2')"
)

_TOKEN = re.compile(r"\w+", re.UNICODE)


def contains(text: str) -> str:
    """A LIKE pattern (with ESCAPE '\\') for names containing TEXT, folded: a '%' or '_'
    someone types is a character, not a wildcard."""
    return f"%{like_escape(fold(text))}%"


def words(text: str) -> list[str]:
    """The folded words of TEXT as the index splits them (no FTS syntax survives)."""
    return _TOKEN.findall(fold(text))


def match_expression(query: str) -> str | None:
    """An FTS5 MATCH string in which every word is a quoted prefix term (no syntax errors)."""
    tokens = _TOKEN.findall(fold(query))
    if not tokens:
        return None
    return " ".join(f'"{token}"*' for token in tokens)


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
FROM contact c LEFT JOIN company co ON co.id = c.company_id AND co.deleted_at IS NULL
"""


MIN_DIGITS = 4


def _digits_of(value: str) -> str:
    """The characters of VALUE that are digits (str.isdigit), ASCII in one regex pass."""
    if value.isdigit():
        return value
    if value.isascii():
        return _NOT_ASCII_DIGIT.sub("", value)
    return "".join(ch for ch in value if ch.isdigit())


_NOT_ASCII_DIGIT = re.compile(r"[^0-9]+")


def _digits_variants(phones: str) -> str:
    """Phones as typed, plus every tail of their bare digits (at least MIN_DIGITS long).

    With prefix queries, the tails make any run of digits match: "4155550100", "5550100"
    and "555-0100" all find "+1 (415) 555-0100". `phones` holds one "typed TAB e164" per line.
    """
    if not phones:
        return ""
    words: list[str] = []
    tails: dict[str, None] = {}
    for line in phones.splitlines():
        typed, _, e164 = line.partition("\t")
        if typed:
            words.append(typed)
        if e164:
            words.append(e164)
        for value in (typed, e164):
            digits = _digits_of(value)
            for start in range(len(digits) - MIN_DIGITS + 1):
                tails[digits[start:]] = None
    return " ".join([*words, *tails])


def phone_terms(phones: Iterable[tuple[str, str]]) -> str:
    """The index's phones column for these (as typed, E.164) pairs, in their stored order:
    exactly what `reindex` makes of the same rows, for a writer that builds index rows itself."""
    return _digits_variants("\n".join(f"{typed}\t{e164}" for typed, e164 in phones))


# One index row: rowid, name, emails, phones, company, tags, notes (see _SOURCE_SQL).
INSERT_SQL = (
    "INSERT INTO contact_fts(rowid, name, emails, phones, company, tags, notes) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)


def _index_rows(rows: Iterable[Sequence[object]]) -> list[tuple[object, ...]]:
    return [(r[0], r[1], r[2], _digits_variants(str(r[3])), r[4], r[5], r[6]) for r in rows]


def reindex(session: Session, contact_ids: Iterable[int]) -> None:
    """Rewrite the index rows of these contacts (deleted or trashed ones are dropped)."""
    if not is_sqlite(session):
        return
    ids = list(contact_ids)
    if not ids:
        return
    # The driver's cursor in the session's transaction: SQLAlchemy's per-row parameter
    # handling cost more than building the rows (an import indexes 100,000 of them).
    cursor = session.connection().connection.cursor()
    try:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join(str(int(i)) for i in chunk)
            cursor.execute(f"DELETE FROM contact_fts WHERE rowid IN ({marks})")
            cursor.execute(_SOURCE_SQL + f" WHERE c.id IN ({marks}) AND c.deleted_at IS NULL")
            rows = _index_rows(cursor.fetchall())
            if rows:
                cursor.executemany(INSERT_SQL, rows)
    finally:
        cursor.close()


def reindex_company(session: Session, company_id: int) -> None:
    ids = session.execute(
        text("SELECT id FROM contact WHERE company_id = :c"), {"c": company_id}
    ).scalars()
    reindex(session, list(ids))


def rebuild(session: Session) -> None:
    """Rebuild the whole index (after a bulk load: much faster than row-by-row upkeep)."""
    if not is_sqlite(session):
        return
    cursor = session.connection().connection.cursor()
    writer = session.connection().connection.cursor()  # the reading cursor stays open
    try:
        cursor.execute("DELETE FROM contact_fts")
        cursor.execute(_SOURCE_SQL + " WHERE c.deleted_at IS NULL")
        while rows := cursor.fetchmany(5000):
            writer.executemany(INSERT_SQL, _index_rows(rows))
    finally:
        writer.close()
        cursor.close()


def matching_ids_sql(
    session: Session, query: str, *, ranked: bool = True
) -> tuple[str, dict[str, object]] | None:
    """A SQL fragment selecting matching contact ids (best first when RANKED).

    A filter (`id IN (...)`) should pass ranked=False: ranking 35,000 prefix matches of a
    one-letter search only to throw the order away cost about 140 ms at 100,000 contacts.
    """
    if is_sqlite(session):
        expression = match_expression(query)
        if expression is None:
            return None
        order = " ORDER BY rank" if ranked else ""
        return (
            f"SELECT rowid AS id FROM contact_fts WHERE contact_fts MATCH :fts{order}",
            {"fts": expression},
        )
    return _like_match(words(query), ranked=ranked)


def _words_of(column: str) -> str:
    """A folded text column as ' word word...' (punctuation as spaces), as FTS5 splits it."""
    return f"regexp_replace(' ' || {column}, '[^[:alnum:]]+', ' ', 'g')"


def _like_match(terms: Sequence[str], *, ranked: bool) -> tuple[str, dict[str, object]] | None:
    """The same search without FTS5 (PostgreSQL): every word must begin a word of the name
    or the company (both folded: accents ignored), or occur in an email, a phone's digits,
    the notes, title or department, or begin a tag. Correct, and a scan: fine for a team's
    shared database of thousands, not for the 100,000 a laptop's SQLite index serves."""
    if not terms:
        return None
    clauses: list[str] = []
    params: dict[str, object] = {}
    for n, term in enumerate(terms):
        escaped = like_escape(term)
        params[f"sw{n}"] = f"% {escaped}%"
        params[f"sa{n}"] = f"%{escaped}%"
        params[f"sp{n}"] = f"{escaped}%"
        options = [
            f"{_words_of('c.name_key')} LIKE :sw{n} ESCAPE '\\'",
            f"lower(c.notes || ' ' || c.title || ' ' || c.department) LIKE :sa{n} ESCAPE '\\'",
            "EXISTS (SELECT 1 FROM contact_email e WHERE e.contact_id = c.id "
            f"AND lower(e.address) LIKE :sa{n} ESCAPE '\\')",
            "EXISTS (SELECT 1 FROM company co WHERE co.id = c.company_id AND co.deleted_at IS NULL "
            f"AND {_words_of('co.name_key')} LIKE :sw{n} ESCAPE '\\')",
            "EXISTS (SELECT 1 FROM contact_tag ct JOIN tag t ON t.id = ct.tag_id "
            f"WHERE ct.contact_id = c.id AND t.name LIKE :sp{n} ESCAPE '\\')",
        ]
        if term.isdigit():
            options.append(
                "EXISTS (SELECT 1 FROM contact_phone p WHERE p.contact_id = c.id AND "
                f"(regexp_replace(p.number, '[^0-9]', '', 'g') LIKE :sa{n} "
                f"OR regexp_replace(p.e164, '[^0-9]', '', 'g') LIKE :sa{n}))"
            )
        clauses.append("(" + " OR ".join(options) + ")")
    order = " ORDER BY c.name_key, c.id" if ranked else ""
    where = " AND ".join(clauses)
    return f"SELECT c.id FROM contact c WHERE c.deleted_at IS NULL AND {where}{order}", params
