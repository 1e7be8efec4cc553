"""Shell completion of values: contacts for a REF, stages, outcomes, kinds, tags, segments,
deal and invoice numbers, follow-ups, owners, companies and config keys.

Imported only while the shell asks for candidates (the root group installs it when the
completion variable is set). The values come from pocketcrm.core.complete (sqlite3 alone,
no SQLModel) and from the config file; which parameter gets which values is the table
below, by parameter name with per-command exceptions, so the command modules stay as they
are. bash gets its candidates with spaces escaped (Typer hands them over raw, and a name
like "Ann Lee" would become two words); zsh and fish quote for themselves and show each
candidate's description.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from typer._click.shell_completion import CompletionItem, add_completion_class
from typer._completion_classes import BashComplete

from pocketcrm.core import complete as stored  # sqlite3 and the standard library only

Completer = Callable[[Any, str], list[tuple[str, str]]]
"""(click context, what was typed) -> [(value, description)]."""


def _location(ctx: Any) -> str:
    """The database this command line names: its --db (here or before the command), else
    POCKETCRM_DB or the default file."""
    while ctx is not None:
        if ctx.params.get("db"):
            return str(ctx.params["db"])
        ctx = ctx.parent
    from pocketcrm.paths import default_db

    return default_db()


def _settings() -> Any:
    from pocketcrm import config

    try:
        return config.load()
    except Exception:  # a broken config file: the defaults still complete
        from pocketcrm.core.settings import Settings

        return Settings()


def _fixed(values: Callable[[], Sequence[str]]) -> Completer:
    """Candidates from a short list (from the settings), by case-insensitive prefix."""

    def complete(_ctx: Any, typed: str) -> list[tuple[str, str]]:
        return [(v, "") for v in values() if v.lower().startswith(typed.lower())]

    return complete


def _stored(query: Callable[[str, str], list[tuple[str, str]]]) -> Completer:
    """Candidates from the database: QUERY(location, typed)."""
    return lambda ctx, typed: query(_location(ctx), typed)


def contacts(ctx: Any, typed: str) -> list[tuple[str, str]]:
    """A REF: ids, emails or names (companies for `merge --company`)."""
    if ctx.params.get("company") is True:
        return companies(ctx, typed)
    return stored.contacts(_location(ctx), typed)


def companies(ctx: Any, typed: str) -> list[tuple[str, str]]:
    return stored.companies(_location(ctx), typed)


def tags(ctx: Any, typed: str) -> list[tuple[str, str]]:
    return stored.tags(_location(ctx), typed)


def tag_changes(ctx: Any, typed: str) -> list[tuple[str, str]]:
    """`tag ann +vip`: a tag to add, with or without its plus."""
    sign = "+" if typed.startswith("+") else ""
    return [(sign + v, d) for v, d in tags(ctx, typed.removeprefix("+"))]


def _config_keys() -> list[tuple[str, str]]:
    from pocketcrm.config import KEYS

    return list(KEYS.items())


def config_keys(_ctx: Any, typed: str) -> list[tuple[str, str]]:
    return [(k, help_) for k, help_ in _config_keys() if k.startswith(typed)]


def _kinds(name: str) -> Callable[[], Sequence[str]]:
    def values() -> Sequence[str]:
        from pocketcrm.core import settings

        return list(getattr(settings, name))

    return values


contact_stages = _fixed(lambda: _settings().stages)
deal_stages = _fixed(lambda: _settings().deal_stages)
outcomes = _fixed(lambda: _settings().outcomes)
interaction_kinds = _fixed(_kinds("INTERACTION_KINDS"))
company_kinds = _fixed(_kinds("COMPANY_KINDS"))
directions = _fixed(lambda: ["in", "out"])
segments = _stored(lambda at, typed: stored.segments(at, typed))
deals = _stored(lambda at, typed: stored.deals(at, typed))
invoices = _stored(lambda at, typed: stored.invoices(at, typed))
follow_ups = _stored(lambda at, typed: stored.follow_ups(at, typed))
owners = _stored(lambda at, typed: stored.owners(at, typed))


def nothing(_ctx: Any, _typed: str) -> list[tuple[str, str]]:
    return []


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
    return BY_COMMAND.get(" ".join([*path, param])) or BY_NAME.get(param)


def attach(path: Sequence[str], command: Any) -> None:
    """Give each parameter of COMMAND (and of its sub-commands) its completer."""
    for sub_name, sub in getattr(command, "commands", {}).items():
        attach([*path, sub_name], sub)
    for param in getattr(command, "params", []):
        if param.name in ("db", "help") or getattr(param, "is_flag", False):
            continue
        completer = completer_for(path, param.name)
        if completer is not None:
            param._custom_shell_complete = _items(completer)


def _items(completer: Completer) -> Callable[[Any, Any, str], list[CompletionItem]]:
    def complete(ctx: Any, _param: Any, incomplete: str) -> list[CompletionItem]:
        return [
            CompletionItem(value, help=about or None) for value, about in completer(ctx, incomplete)
        ]

    return complete


class _Bash(BashComplete):
    """Typer's bash completion, with each value escaped as the shell would read it."""

    def format_completion(self, item: CompletionItem) -> str:
        return "".join("\\" + ch if ch in _BASH_SPECIAL else ch for ch in item.value)


_BASH_SPECIAL = frozenset(" \t'\"\\$`!&;|<>()[]{}*?#~")


def install() -> None:
    """Called when the shell asks for candidates, after Typer has set up its own shells."""
    add_completion_class(_Bash, "bash")
