"""Which values a parameter completes, and where they come from (standard library only).

Both completion paths use this table: the fast one (commands/fastcomplete.py, no Typer at
all) and Typer's (commands/completion.py). Parameters are matched by name in every command,
with per-command exceptions; a value is (value, description). Values come from the config
file (stages, outcomes, kinds, keys) or from pocketcrm.core.complete (sqlite3 alone).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pocketcrm.core import complete as stored  # sqlite3 and the standard library only

Candidates = list[tuple[str, str]]


@dataclass
class Line:
    """What the command line says so far: its --db and the flags given (`merge --company`)."""

    db: str | None = None
    flags: set[str] = field(default_factory=set)

    def location(self) -> str:
        """The database this line names: its --db, else POCKETCRM_DB or the default file."""
        if self.db:
            return self.db
        from pocketcrm.paths import default_db

        return default_db()


Completer = Callable[[Line, str], Candidates]


def _settings() -> object:
    from pocketcrm import config
    from pocketcrm.core.errors import CrmError

    try:
        return config.load()
    except (CrmError, OSError, ValueError, TypeError):  # a broken file: defaults complete
        from pocketcrm.core.settings import Settings

        return Settings()


def _fixed(values: Callable[[], Sequence[str]]) -> Completer:
    """Candidates from a short list, by case-insensitive prefix."""

    def complete(_line: Line, typed: str) -> Candidates:
        return [(v, "") for v in values() if v.lower().startswith(typed.lower())]

    return complete


def _stored(query: Callable[[str, str], Candidates]) -> Completer:
    return lambda line, typed: query(line.location(), typed)


def _setting(name: str) -> Callable[[], Sequence[str]]:
    return lambda: list(getattr(_settings(), name))


def _constant(name: str) -> Callable[[], Sequence[str]]:
    def values() -> Sequence[str]:
        from pocketcrm.core import settings

        return list(getattr(settings, name))

    return values


def contacts(line: Line, typed: str) -> Candidates:
    """A REF: ids, emails or names (companies for `merge --company`)."""
    if "company" in line.flags:
        return companies(line, typed)
    return stored.contacts(line.location(), typed)


def companies(line: Line, typed: str) -> Candidates:
    return stored.companies(line.location(), typed)


def tags(line: Line, typed: str) -> Candidates:
    return stored.tags(line.location(), typed)


def tag_changes(line: Line, typed: str) -> Candidates:
    """`tag ann +vip`: a tag to add, with or without its plus."""
    sign = "+" if typed.startswith("+") else ""
    return [(sign + v, d) for v, d in tags(line, typed.removeprefix("+"))]


def config_keys(_line: Line, typed: str) -> Candidates:
    from pocketcrm.config import KEYS

    return [(k, about) for k, about in KEYS.items() if k.startswith(typed)]


def nothing(_line: Line, _typed: str) -> Candidates:
    return []


contact_stages = _fixed(_setting("stages"))
deal_stages = _fixed(_setting("deal_stages"))
outcomes = _fixed(_setting("outcomes"))
interaction_kinds = _fixed(_constant("INTERACTION_KINDS"))
company_kinds = _fixed(_constant("COMPANY_KINDS"))
directions = _fixed(lambda: ["in", "out"])
segments = _stored(stored.segments)
deals = _stored(stored.deals)
invoices = _stored(stored.invoices)
follow_ups = _stored(stored.follow_ups)
owners = _stored(stored.owners)
campaigns = _stored(stored.campaigns)

# Which values a parameter completes: by its name in every command...
BY_NAME: dict[str, Completer] = {
    "ref": contacts,
    "keep": contacts,
    "other": contacts,
    "contact": contacts,
    "company": companies,
    "tag": tags,
    "add_tag": tags,
    "rm_tag": tags,
    "changes": tag_changes,
    "stage": contact_stages,
    "new_stage": contact_stages,
    "outcome": outcomes,
    "company_kind": company_kinds,
    "segment": segments,
    "deal_id": deals,
    "deal": deals,
    "follow_up_id": follow_ups,
    "key": config_keys,
    "owner": owners,
    "direction": directions,
    "campaign": campaigns,
}
# ...and where a command means something else by the same name ("COMMAND PARAM").
BY_COMMAND: dict[str, Completer] = {
    "company show ref": companies,
    "company edit ref": companies,
    "company rm ref": companies,
    "company add kind": company_kinds,
    "company edit kind": company_kinds,
    "company list kind": company_kinds,
    "segment save kind": company_kinds,
    "log kind": interaction_kinds,
    "deal add stage": deal_stages,
    "deal list stage": deal_stages,
    "deal move stage": deal_stages,
    "segment show name": segments,
    "segment rm name": segments,
    "campaign new segment": segments,
    "invoice show number": invoices,
    "invoice cancel number": invoices,
    "invoice rm number": invoices,
    "pay number": invoices,
    "restore ref": nothing,  # what is in the trash, not the live contacts
}


def completer_for(path: Sequence[str], param: str) -> Completer | None:
    """The completer of PARAM in the command at PATH, if it has one."""
    return BY_COMMAND.get(" ".join([*path, param])) or BY_NAME.get(param)
