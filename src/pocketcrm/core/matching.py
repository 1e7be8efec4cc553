"""The one duplicate rule: how two people are compared, scored and judged alike.

`add` and the interface's contact form (services.contacts.likely_duplicates, which asks
`likely_matches` here), `pocketcrm dupes` and the duplicates screen
(services.dupes.find_duplicates) and the import's duplicate hints all score a pair with
`pair_score` from the same evidence: the same email address, the same E.164 phone, a close
name (`name_ratio` of two `match_key`s, compared only when the names share a block) and, as
a tie-breaker for names, the same company. A pair scoring LIKELY or more is a likely duplicate everywhere: `add` refuses it
without --yes, the form warns, `dupes` lists it. `confidence` names the band a face shows.

The suppression hashes (`digest`, `phone_key`) live here too: erasure writes them, and add,
edit and import match typed emails and phones against them.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Sequence
from typing import Literal

from pocketcrm.core.db import Db
from pocketcrm.core.dialect import is_sqlite
from pocketcrm.core.folding import fold, like_escape
from pocketcrm.core.readmodels.duplicates import DuplicateCandidate
from pocketcrm.core.search import words

MAX_BLOCK = 1000  # a block this big (a very common name) is skipped: it would not be a hint
NAME_MIN = 85  # below this name similarity, a name alone is no evidence
LIKELY = 70  # from this score a pair is a likely duplicate: add refuses, the form warns
HIGH = 90  # from this score a pair is almost surely one person
MEDIUM = 80  # from this score a pair is probably one person

Confidence = Literal["high", "medium", "low"]


# -- names ----------------------------------------------------------------------------------


def match_key(name: str) -> str:
    """The form names are compared in: accents, case and punctuation removed."""
    from rapidfuzz.utils import default_process  # ~20 ms: only when names are compared

    return str(default_process(fold(name)))


def block_keys(key: str) -> set[str]:
    """The blocks a match key falls in (a whole name word plus the first letter of another):
    two names are compared only when they share one."""
    tokens = [t for t in key.split() if len(t) >= 2][:4]
    if len(tokens) < 2:
        return set(tokens)
    return {a + "|" + b[0] for a, b in itertools.permutations(tokens, 2)}


def name_ratio(a: str, b: str) -> int:
    """Similarity 0-100 of two match keys; a lone word against a longer name is not a subset
    match ('Ann' is not 100% 'Ann Lee')."""
    from rapidfuzz import fuzz

    if not a or not b:
        return 0
    one_a, one_b = " " not in a, " " not in b
    if one_a != one_b:
        return int(fuzz.ratio(a, b))
    return round(float(fuzz.token_set_ratio(a, b)))


def compared_ratio(a: str, b: str) -> int:
    """`name_ratio` of two match keys that share a block, else 0 (they are never compared)."""
    if not block_keys(a) & block_keys(b):
        return 0
    return name_ratio(a, b)


class NameIndex:
    """Names by block, to find close names without comparing everyone with everyone."""

    def __init__(self) -> None:
        self.blocks: dict[str, list[int]] = {}
        self.keys: dict[int, str] = {}

    def add(self, contact_id: int, name: str) -> None:
        key = match_key(name)
        self.keys[contact_id] = key
        for block in block_keys(key):
            self.blocks.setdefault(block, []).append(contact_id)

    def similar(self, name: str, min_ratio: int = NAME_MIN) -> list[tuple[int, int]]:
        """(contact id, ratio) of indexed names close to NAME, best first."""
        key = match_key(name)
        seen: set[int] = set()
        found: list[tuple[int, int]] = []
        for block in block_keys(key):
            members = self.blocks.get(block, ())
            if len(members) > MAX_BLOCK:
                continue
            for cid in members:
                if cid in seen:
                    continue
                seen.add(cid)
                ratio = name_ratio(key, self.keys[cid])
                if ratio >= min_ratio:
                    found.append((cid, ratio))
        return sorted(found, key=lambda f: (-f[1], f[0]))


# -- the score ------------------------------------------------------------------------------


def pair_score(
    *, email: str = "", phone: str = "", ratio: int = 0, company: str = ""
) -> tuple[int, tuple[str, ...]]:
    """Confidence 0-100 and the evidence, from what two records share."""
    reasons: list[str] = []
    score = 0
    if email:
        reasons.append(f"same email {email}")
        score = 95
    if phone:
        reasons.append(f"same phone {phone}")
        score = max(score, 85)
    if ratio >= NAME_MIN:
        reasons.append("same name" if ratio == 100 else f"similar name ({ratio}%)")
        name_score = ratio - 20
        if company:
            reasons.append(f"same company {company}")
            name_score += 10
        score = min(100, score + 5) if score else name_score
    return score, tuple(reasons)


def is_likely(score: int) -> bool:
    """Whether a pair scoring SCORE is a likely duplicate (add refuses, the form warns)."""
    return score >= LIKELY


def confidence(score: int) -> Confidence:
    """The band a face shows a score in (the duplicates screen colours by it)."""
    if score >= HIGH:
        return "high"
    if score >= MEDIUM:
        return "medium"
    return "low"


# -- a new contact against those on file ----------------------------------------------------


def likely_matches(
    session: Db,
    name: str,
    addresses: Sequence[str] = (),
    numbers: Sequence[str] = (),
    *,
    company: str = "",
    exclude_id: int | None = None,
) -> list[DuplicateCandidate]:
    """Live contacts that are likely this person (normalised email ADDRESSES, E.164 NUMBERS,
    the COMPANY typed: a name or an id), scored as `pocketcrm dupes` scores the pair."""
    found = _shared_evidence(session, addresses, numbers)
    for cid in _similar_names(session, name):
        found.setdefault(cid, {})
    found.pop(exclude_id or 0, None)
    if not found:
        return []  # the usual add: nothing to compare, so rapidfuzz (~20 ms) is not loaded
    people = _people_of(session, found)
    company_id = _typed_company(session, company)
    key = match_key(name)
    result = []
    for cid, evidence in found.items():
        if cid not in people:
            continue
        label, their_key, their_company, company_name = people[cid]
        # A name alone counts only inside a shared block, as in `dupes`.
        ratio = (name_ratio if evidence else compared_ratio)(key, their_key)
        score, reasons = pair_score(
            email=evidence.get("email", ""),
            phone=evidence.get("phone", ""),
            ratio=ratio,
            company=company_name if company_id and company_id == their_company else "",
        )
        if is_likely(score):
            result.append(
                DuplicateCandidate(id=cid, display_name=label, score=score, reasons=reasons)
            )
    return sorted(result, key=lambda d: (-d.score, d.id))


def _shared_evidence(
    session: Db, addresses: Sequence[str], numbers: Sequence[str]
) -> dict[int, dict[str, str]]:
    """Live contacts sharing one of these emails or E.164 phones: {id: {"email"|"phone": value}}."""
    found: dict[int, dict[str, str]] = {}
    for address in addresses:
        for (cid,) in session.run(
            "SELECT c.id FROM contact c JOIN contact_email e "
            "ON e.contact_id = c.id WHERE e.address_key = :a AND c.deleted_at IS NULL",
            {"a": address},
        ):
            found.setdefault(int(cid), {}).setdefault("email", address)
    for number in numbers:
        for (cid,) in session.run(
            "SELECT c.id FROM contact c JOIN contact_phone p "
            "ON p.contact_id = c.id WHERE p.e164 = :e AND c.deleted_at IS NULL",
            {"e": number},
        ):
            found.setdefault(int(cid), {}).setdefault("phone", number)
    return found


def _similar_names(session: Db, name: str) -> list[int]:
    """Live contacts whose name shares a word with NAME (the candidates a name may match)."""
    # Word characters only: a quote in a name ('Robert "Bob" Ray') is no FTS syntax.
    tokens = words(fold(name))
    if not tokens:
        return []
    if is_sqlite(session):
        expression = " OR ".join(f'"{t}"' for t in tokens)
        return [
            int(cid)
            for (cid,) in session.run(
                "SELECT c.id FROM contact_fts f JOIN contact c ON c.id = f.rowid "
                "WHERE contact_fts MATCH :m AND c.deleted_at IS NULL LIMIT 200",
                {"m": "name : (" + expression + ")"},
            )
        ]
    # No index elsewhere: the same "shares a word of the name" by LIKE.
    shared = " OR ".join(
        f"(' ' || c.name_key || ' ') LIKE :w{n} ESCAPE '\\'" for n in range(len(tokens))
    )
    return [
        int(cid)
        for (cid,) in session.run(
            f"SELECT c.id FROM contact c WHERE c.deleted_at IS NULL AND ({shared}) LIMIT 200",
            {f"w{n}": f"% {like_escape(t)} %" for n, t in enumerate(tokens)},
        )
    ]


def _people_of(session: Db, ids: Iterable[int]) -> dict[int, tuple[str, str, int | None, str]]:
    """{id: (display name, match key, company id, company name)} of these contacts."""
    wanted = sorted(ids)
    found: dict[int, tuple[str, str, int | None, str]] = {}
    for start in range(0, len(wanted), 500):
        marks = ",".join(str(i) for i in wanted[start : start + 500])
        for cid, label, company_id, company_name in session.run(
            "SELECT c.id, c.display_name, co.id, coalesce(co.name, '') FROM contact c "
            "LEFT JOIN company co ON co.id = c.company_id AND co.deleted_at IS NULL "
            f"WHERE c.id IN ({marks})"
        ):
            found[int(cid)] = (
                str(label),
                match_key(str(label)),
                None if company_id is None else int(company_id),
                str(company_name),
            )
    return found


def _typed_company(session: Db, ref: str) -> int | None:
    """The id of the existing company REF names (an id or a name), else None."""
    ref = ref.strip()
    if not ref:
        return None
    if ref.isdecimal():
        return int(ref)
    found = session.run(
        "SELECT id FROM company WHERE name_key = :k AND deleted_at IS NULL ORDER BY id",
        {"k": fold(ref)},
    ).scalar()
    return None if found is None else int(found)


# -- read -----------------------------------------------------------------------------------


# -- the suppression list's hashes ----------------------------------------------------------


def phone_key(number: str, e164: str) -> str:
    """How a phone is matched: its E.164 form, else its digits."""
    return e164 or "".join(ch for ch in number if ch.isdigit())


def digest(kind: str, value: str) -> str:
    """The Suppression hash of a normalised email (lower-cased) or E.164 phone."""
    return hashlib.sha256(f"{kind}:{value.strip().lower()}".encode()).hexdigest()
