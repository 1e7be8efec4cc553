"""The full-text index: the other SQLite seam.

One FTS5 row per contact (rowid = contact id) holding the text people search for: names,
emails, phones (as typed, E.164 and digits), company, tags, notes, and the contact's activity:
the notes of its live interactions and its custom fields' values ("unhappy" finds the contact
whose call note says "unhappy with delivery"). Text is folded before it is indexed and every
query is folded the same way (`fold`: "zoe" finds "Zoë", "lukasz" finds "Łukasz"), and every
term is a prefix query. The services call `reindex` after every
write that touches that text, in the same transaction. Elsewhere than SQLite a LIKE fallback
over the same text keeps the feature (slower, correct).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from typing import Any

from pocketcrm.core.db import Db
from pocketcrm.core.dialect import is_sqlite
from pocketcrm.core.folding import fold as fold  # re-exported: callers import it from here
from pocketcrm.core.folding import like_escape as like_escape
from pocketcrm.core.sql import chunks, id_list

FTS_CREATE_SQLITE = (
    "CREATE VIRTUAL TABLE contact_fts USING fts5("
    "name, emails, phones, company, tags, notes, activity, "
    "tokenize = 'unicode61 remove_diacritics 2', prefix = '2')"
)
# Ranked by bm25 with the activity column (every call note ever) at half weight: the
# table's 'rank' setting, made by migration 0009.

_TOKEN = re.compile(r"\w+", re.UNICODE)


def _indexed(value: str) -> str:
    """VALUE as the index stores it: folded, so the tokenizer (which keeps 'ł' and 'ø') and a
    folded query agree. ASCII text goes in as it is: the tokenizer lowercases it itself."""
    return value if value.isascii() else fold(value)


def contains(text: str) -> str:
    """A LIKE pattern (with ESCAPE '\\') for names containing TEXT, folded: a '%' or '_'
    someone types is a character, not a wildcard."""
    return f"%{like_escape(fold(text))}%"


def words(text: str) -> list[str]:
    """The folded words of TEXT as the index splits them (no FTS syntax survives)."""
    return _TOKEN.findall(fold(text))


# Interaction notes and custom fields are searched from a word's third letter on: with one or
# two, nearly everyone matches by some old note ("a" found 99,827 of 100,000 contacts instead
# of 34,986, and each keystroke of the interface's search took three times as long).
ACTIVITY_MIN_LETTERS = 3
_CARD_COLUMNS = "{name emails phones company tags notes}"


def match_expression(query: str) -> str | None:
    """An FTS5 MATCH string in which every word is a quoted prefix term (no syntax errors),
    looked for in the activity column only from ACTIVITY_MIN_LETTERS letters on."""
    tokens = _TOKEN.findall(fold(query))
    if not tokens:
        return None
    return " ".join(
        f'"{token}"*' if len(token) >= ACTIVITY_MIN_LETTERS else f'{_CARD_COLUMNS} : "{token}"*'
        for token in tokens
    )


_SOURCE_SQL = """
SELECT c.id,
       c.display_name || ' ' || c.given_name || ' ' || c.family_name || ' ' || c.nickname,
       coalesce((SELECT group_concat(address, ' ') FROM contact_email WHERE contact_id = c.id), ''),
       coalesce((SELECT group_concat(number || char(9) || e164, char(10)) FROM contact_phone
                 WHERE contact_id = c.id), ''),
       coalesce(co.name, ''),
       coalesce((SELECT group_concat(t.name, ' ') FROM contact_tag ct JOIN tag t ON t.id = ct.tag_id
                 WHERE ct.contact_id = c.id), ''),
       c.notes || ' ' || c.title || ' ' || c.department,
       coalesce((SELECT group_concat(i.notes, char(10)) FROM interaction i
                 WHERE i.contact_id = c.id AND i.deleted_at IS NULL AND i.notes != ''), '')
       || char(10) ||
       coalesce((SELECT group_concat(f.value, char(10)) FROM custom_field f
                 WHERE f.contact_id = c.id AND f.value != ''), '')
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


# The index rows of contacts that exist. An import writes its new contacts' rows ahead of
# them, in short transactions of their own (importer/apply.py), so rows above the last contact
# are not live yet (or were left by a killed import): a query that reads the index without
# joining contact bounds it with this.
LIVE_ROWS = "rowid <= (SELECT coalesce(max(id), 0) FROM contact)"

# One index row: rowid, name, emails, phones, company, tags, notes, activity (_SOURCE_SQL).
INSERT_SQL = (
    "INSERT INTO contact_fts(rowid, name, emails, phones, company, tags, notes, activity) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def activity_text(values: Iterable[str]) -> str:
    """The index's activity column from interaction notes and custom field values, for a
    writer that builds index rows itself."""
    return "\n".join(v for v in values if v)


def folded_rows(rows: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """Index rows (as INSERT_SQL takes them, phones already as `phone_terms` makes them) with
    their text folded: what every writer of the index inserts."""
    return [
        (
            r[0],
            _indexed(r[1]),
            _indexed(r[2]),
            r[3],
            _indexed(r[4]),
            _indexed(r[5]),
            _indexed(r[6]),
            _indexed(r[7]),
        )
        for r in rows
    ]


def _index_rows(rows: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
    return folded_rows(
        (r[0], r[1], r[2], _digits_variants(str(r[3])), r[4], r[5], r[6], r[7]) for r in rows
    )


def reindex(session: Db, contact_ids: Iterable[int]) -> None:
    """Rewrite the index rows of these contacts (deleted or trashed ones are dropped)."""
    if not is_sqlite(session):
        return
    ids = list(contact_ids)
    if not ids:
        return
    # The driver's cursor in the session's transaction: SQLAlchemy's per-row parameter
    # handling cost more than building the rows (an import indexes 100,000 of them).
    cursor = session.driver_cursor()
    try:
        for chunk in chunks(ids, 500):
            marks = id_list(chunk)
            cursor.execute(f"DELETE FROM contact_fts WHERE rowid IN ({marks})")
            rows = _read_rows(cursor, marks)
            if rows:
                cursor.executemany(INSERT_SQL, rows)
    finally:
        cursor.close()


def index_rows(session: Db, contact_ids: Iterable[int]) -> list[tuple[Any, ...]]:
    """The index rows `reindex` would write for these contacts, read from SESSION's database
    (trashed ones have none): for a writer that inserts them elsewhere (an import writes its
    new contacts' rows ahead of them, importer/apply.py)."""
    found: list[tuple[Any, ...]] = []
    cursor = session.driver_cursor()
    try:
        for chunk in chunks(list(contact_ids), 500):
            found += _read_rows(cursor, id_list(chunk))
    finally:
        cursor.close()
    return found


def _read_rows(cursor: Any, marks: str) -> list[tuple[Any, ...]]:
    cursor.execute(_SOURCE_SQL + f" WHERE c.id IN ({marks}) AND c.deleted_at IS NULL")
    return _index_rows(cursor.fetchall())


def reindex_company(session: Db, company_id: int) -> None:
    ids = session.run("SELECT id FROM contact WHERE company_id = :c", {"c": company_id}).scalars()
    reindex(session, list(ids))


def rebuild(session: Db) -> None:
    """Rebuild the whole index (after a bulk load: much faster than row-by-row upkeep)."""
    if not is_sqlite(session):
        return
    cursor = session.driver_cursor()
    writer = session.driver_cursor()  # the reading cursor stays open
    try:
        cursor.execute("DELETE FROM contact_fts")
        cursor.execute(_SOURCE_SQL + " WHERE c.deleted_at IS NULL")
        while rows := cursor.fetchmany(5000):
            writer.executemany(INSERT_SQL, _index_rows(rows))
    finally:
        writer.close()
        cursor.close()


def matching_ids_sql(
    session: Db, query: str, *, ranked: bool = True
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
            f"SELECT rowid AS id FROM contact_fts WHERE contact_fts MATCH :fts AND {LIVE_ROWS}"
            f"{order}",
            {"fts": expression},
        )
    return _like_match(words(query), ranked=ranked)


# The letters `fold` changes, by script block: Latin (with its extensions), Greek, Cyrillic.
_FOLDED_RANGES = ((0x41, 0x5A), (0xC0, 0x24F), (0x370, 0x4FF), (0x1E00, 0x1EFF))


@functools.cache
def _sql_fold_parts() -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """`fold` as SQL's translate() takes it (one letter to one, or to none) plus the letters
    that become two (æ -> ae), worked out from `fold` itself so the two cannot drift."""
    source, target, deleted, longer = [], [], [], []
    for first, last in _FOLDED_RANGES:
        for code in range(first, last + 1):
            ch = chr(code)
            if not ch.isalpha():
                continue
            to = fold(ch)
            if to == ch:
                continue
            if len(to) == 1:
                source.append(ch)
                target.append(to)
            elif not to:
                deleted.append(ch)
            else:
                longer.append((ch, to))
    return "".join(source + deleted), "".join(target), tuple(longer)


def sql_fold(expression: str) -> str:
    """EXPRESSION folded by the database as `fold` folds in Python (case, accents, ł, ø, æ...),
    for stored text that has no folded key column (notes, custom fields) on PostgreSQL.
    Plain translate() and replace(): no extension (unaccent) and no locale needed."""
    source, target, longer = _sql_fold_parts()
    folded = f"translate({expression}, '{source}', '{target}')"
    for ch, to in longer:
        folded = f"replace({folded}, '{ch}', '{to}')"
    return folded


def _words_of(column: str) -> str:
    """A folded text column as ' word word...' (punctuation as spaces), as FTS5 splits it."""
    return f"regexp_replace(' ' || {column}, '[^[:alnum:]]+', ' ', 'g')"


def _like_match(terms: Sequence[str], *, ranked: bool) -> tuple[str, dict[str, object]] | None:
    """The same search without FTS5 (PostgreSQL): every word must begin a word of the name
    or the company (both folded: accents ignored), or occur in an email, a phone's digits,
    the notes, title or department, a live interaction's notes or a custom field's value
    (from ACTIVITY_MIN_LETTERS letters on; all folded by `sql_fold`), or begin a tag. Correct, and a scan: fine for a team's
    shared database of thousands, not for the 100,000 a laptop's SQLite index serves."""
    if not terms:
        return None
    clauses: list[str] = []
    params: dict[str, object] = {}
    card_text = sql_fold("c.notes || ' ' || c.title || ' ' || c.department")
    for n, term in enumerate(terms):
        escaped = like_escape(term)
        params[f"sw{n}"] = f"% {escaped}%"
        params[f"sa{n}"] = f"%{escaped}%"
        params[f"sp{n}"] = f"{escaped}%"
        options = [
            f"{_words_of('c.name_key')} LIKE :sw{n} ESCAPE '\\'",
            f"{card_text} LIKE :sa{n} ESCAPE '\\'",
            "EXISTS (SELECT 1 FROM contact_email e WHERE e.contact_id = c.id "
            f"AND lower(e.address) LIKE :sa{n} ESCAPE '\\')",
            "EXISTS (SELECT 1 FROM company co WHERE co.id = c.company_id AND co.deleted_at IS NULL "
            f"AND {_words_of('co.name_key')} LIKE :sw{n} ESCAPE '\\')",
            "EXISTS (SELECT 1 FROM contact_tag ct JOIN tag t ON t.id = ct.tag_id "
            f"WHERE ct.contact_id = c.id AND {sql_fold('t.name')} LIKE :sp{n} ESCAPE '\\')",
        ]
        if len(term) >= ACTIVITY_MIN_LETTERS:
            options += [
                "EXISTS (SELECT 1 FROM interaction i WHERE i.contact_id = c.id "
                f"AND i.deleted_at IS NULL AND {sql_fold('i.notes')} LIKE :sa{n} ESCAPE '\\')",
                "EXISTS (SELECT 1 FROM custom_field f WHERE f.contact_id = c.id "
                f"AND {sql_fold('f.value')} LIKE :sa{n} ESCAPE '\\')",
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
