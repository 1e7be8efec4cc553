"""`pocketcrm edit REF` with no options: the card as a TOML file in $VISUAL or $EDITOR.

What the person saves becomes the same ContactPatch that `edit --name ... --add-email ...`
builds, applied by the same core service (contacts.update_contact), so every check is the
one the options get. A mistake (TOML that does not parse, an unknown field, an address the
core refuses) reopens the file with the error as a comment at the top and nothing written;
saving it unchanged or emptying it gives up. The file is plain TOML read with tomllib and
written here (a handful of string, list, boolean and table lines).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import tempfile
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from pocketcrm.commands.common import err, interactive, open_db, pick_contact, print_result

if TYPE_CHECKING:
    from pocketcrm.core.readmodels.card import ContactCard
    from pocketcrm.core.services.contacts import ContactPatch

_ERROR = "# error: "
_NAME_PARTS = ("prefix", "given_name", "additional_names", "family_name", "suffix")
_TEXT_FIELDS = (
    "name",
    *_NAME_PARTS,
    "nickname",
    "company",
    "title",
    "department",
    "owner",
    "birthday",
    "anniversary",
    "source",
    "notes",  # last: written after the lists, as a multi-line string
)
_LIST_FIELDS = ("emails", "phones", "websites", "addresses")
_FLAGS = ("do_not_contact", "email_opt_out")
FIELDS = (*_TEXT_FIELDS, *_LIST_FIELDS, *_FLAGS, "custom")


def _string(value: str) -> str:
    """A TOML string: a multi-line literal for notes with line breaks (read back exactly),
    else a basic string (JSON's escapes are TOML's)."""
    if (
        "\n" in value
        and "'''" not in value
        and not value.endswith("'")
        and all(ch in "\n\t" or ch.isprintable() for ch in value)
    ):
        return "'''\n" + value + "'''"
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")  # TOML: DEL too


def _labelled(label: str, value: str) -> str:
    return f"{label}:{value}" if label else value


def fields_of(card: ContactCard) -> dict[str, Any]:
    """The editable fields of a card, as the file shows them."""
    return {
        "name": card.display_name,
        **{part: getattr(card, part) for part in _NAME_PARTS},
        "nickname": card.nickname,
        "company": card.company.name if card.company else "",
        "title": card.title,
        "department": card.department,
        "owner": card.owner,
        "birthday": card.birthday,
        "anniversary": card.anniversary,
        "source": card.source,
        "emails": [_labelled(e.label, e.address) for e in card.emails],
        "phones": [_labelled(p.label, p.number) for p in card.phones],
        "websites": [_labelled(w.label, w.url) for w in card.websites],
        "addresses": [_labelled(a.label, a.one_line()) for a in card.addresses],
        "do_not_contact": card.do_not_contact,
        "email_opt_out": card.email_opt_out,
        "notes": card.notes,
        "custom": dict(card.custom),
    }


def render(card: ContactCard) -> str:
    """The file the editor opens."""
    values = fields_of(card)
    lines = [
        f"# {card.display_name} (#{card.id}): change what you need, save and close.",
        '# Emails, phones, websites and addresses may carry a label: "work:ann@example.com";',
        '# an address reads "Street 1, City, Postcode, Country". Empty the file to give up;',
        "# saving it unchanged changes nothing.",
        "",
    ]
    for name in (*_TEXT_FIELDS[:-1], *_LIST_FIELDS, *_FLAGS):
        value = values[name]
        if isinstance(value, bool):
            shown = "true" if value else "false"
        elif isinstance(value, list):
            shown = "[" + ", ".join(_string(v) for v in value) + "]"
        else:
            shown = _string(value)
        lines.append(f"{name} = {shown}")
    lines.append(f"notes = {_string(values['notes'])}")
    lines += ["", "[custom]"]
    lines += [f"{_string(k)} = {_string(v)}" for k, v in values["custom"].items()]
    return "\n".join(lines) + "\n"


def _checked(data: dict[str, Any]) -> dict[str, Any]:
    """DATA with every field of the right type (the core checks the values themselves)."""
    from pocketcrm.core.errors import Invalid

    for name, value in data.items():
        if name not in FIELDS:
            raise Invalid(name, f"is not a field here; the fields are {', '.join(FIELDS)}")
        if name in _TEXT_FIELDS and not isinstance(value, str):
            raise Invalid(name, 'give text in quotes, e.g. name = "Ann Lee"')
        if name in _LIST_FIELDS and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            raise Invalid(name, f'give a list of texts, e.g. {name} = ["..."]')
        if name in _FLAGS and not isinstance(value, bool):
            raise Invalid(name, "give true or false")
        if name == "custom" and not (
            isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
        ):
            raise Invalid(name, 'give NAME = "value" lines under [custom]')
    return data


def patch_from(before: dict[str, Any], after: dict[str, Any]) -> ContactPatch:
    """The ContactPatch that turns BEFORE into AFTER (a field left out stays as it is)."""
    from pocketcrm.core.services.contacts import ContactPatch

    patch = ContactPatch()
    for name in (*_TEXT_FIELDS, *_FLAGS):
        if name in after and after[name] != before[name]:
            setattr(patch, name, after[name])
    patch.remove_emails, patch.add_emails = _list_change(before, after, "emails")
    patch.remove_phones, patch.add_phones = _list_change(before, after, "phones")
    patch.remove_websites, patch.add_websites = _list_change(before, after, "websites")
    patch.remove_addresses, patch.add_addresses = _list_change(before, after, "addresses")
    old_custom, new_custom = before["custom"], after.get("custom", before["custom"])
    patch.set_custom = {k: v for k, v in new_custom.items() if old_custom.get(k) != v}
    patch.remove_custom = [k for k in old_custom if k not in new_custom]
    return patch


def _list_change(
    before: dict[str, Any], after: dict[str, Any], name: str
) -> tuple[list[str], list[str]]:
    """(removed, added) entries of a list field; a removed one is named by its value alone
    (the label is how it reads, not what identifies it)."""
    from pocketcrm.core.validate import split_label

    old, new = before[name], after.get(name, before[name])
    removed = [split_label(v)[1] for v in old if v not in new]
    return removed, [v for v in new if v not in old]


def _run_editor(path: Path) -> None:
    from pocketcrm.core.errors import CrmError

    command = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not command:
        if not interactive():
            raise _NoEditor()
        command = "vi"
    try:
        done = subprocess.run([*shlex.split(command), str(path)], check=False)
    except OSError as exc:
        raise CrmError(f"cannot start the editor {command!r}: {exc.strerror or exc}") from None
    if done.returncode != 0:
        raise CrmError(f"the editor {command!r} exited with {done.returncode}; nothing was written")


class _NoEditor(Exception):
    pass


def edit_in_editor(db: str | None, ref: str, as_json: bool) -> None:
    """Open the contact in the editor until it saves cleanly or the person gives up."""
    from pocketcrm.core.errors import CrmError, Invalid
    from pocketcrm.core.services import contacts

    store = open_db(db)
    contact = pick_contact(store, ref)
    card = contacts.get_card(store, contact)
    before = fields_of(card)
    written = render(card)
    with tempfile.TemporaryDirectory(prefix="pocketcrm-") as folder:
        path = Path(folder) / f"contact-{card.id}.toml"
        failed = False
        while True:
            path.write_text(written, encoding="utf-8")
            try:
                _run_editor(path)
            except _NoEditor:
                raise Invalid(
                    "edit", "give the changes as options (see --help), or set $EDITOR"
                ) from None
            saved = path.read_text(encoding="utf-8")
            if not saved.strip() or saved == written:
                if failed or not saved.strip():
                    err("edit abandoned; nothing was written")
                    raise typer.Exit(1)
                typer.echo("no changes")
                return
            try:
                patch = patch_from(before, _checked(tomllib.loads(saved)))
                if patch == contacts.ContactPatch():
                    typer.echo("no changes")
                    return
                updated = contacts.update_contact(store, contact, patch)
            except tomllib.TOMLDecodeError as exc:
                problem = f"not valid TOML: {exc}"
            except CrmError as exc:
                problem = str(exc)
            else:
                break
            failed = True
            kept = [line for line in saved.splitlines() if not line.startswith(_ERROR)]
            written = "\n".join([f"{_ERROR}{problem}", *kept]) + "\n"
            err(f"error: {problem} (reopening the editor)")
    print_result(updated, as_json, f"updated #{updated.id} {updated.display_name}")
