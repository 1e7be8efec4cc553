"""Contacts in and out: import (with preview and undo), export, dupes, merge, person export/erase.

`pocketcrm import` decides when to ask: with --dry-run it only previews; in a terminal it
previews and asks before writing; with --yes, or when not at a terminal (scripts, cron,
pipes), it writes at once and prints the same report afterwards. Either way the write is one
transaction: all of it or nothing. `pocketcrm import undo [BATCH]` reverses an import.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pocketcrm import humanize
from pocketcrm.commands.common import (
    DbOption,
    IdsOption,
    JsonOption,
    YesOption,
    confirm_or_exit,
    err,
    handle_errors,
    interactive,
    local,
    no_markup,
    open_db,
    pick_contact,
    print_ids,
    print_json,
    print_list,
    print_result,
    say,
    table,
)
from pocketcrm.commands.params import (
    CompanyFilter,
    OwnerFilter,
    Ref,
    StageFilter,
    TagFilter,
    deprecated,
)

if TYPE_CHECKING:
    from pocketcrm.core.store import Store
    from pocketcrm.core.transfer.importer import FieldChange, ImportReport

person_app = typer.Typer(
    add_completion=False,
    help="Personal-data requests: export everything about one person, or erase them.",
    no_args_is_help=True,
)


def _render_report(report: ImportReport) -> None:
    head = "Imported" if report.written else "Preview (nothing written yet)"
    lines = [f"[bold]{head}[/bold]"]
    for source in report.sources:
        lines.append(
            f"  {no_markup(source.path)}: {source.format}, {source.encoding}, "
            f"{humanize.count(source.records, 'record')}"
        )
    verb = "" if report.written else "would be "
    lines.append(
        f"  new: {report.created}   updated: {report.updated}   unchanged: {report.unchanged}   "
        f"skipped: {report.skipped}   suppressed: {report.suppressed}"
    )
    if report.companies_created or report.companies_updated:
        lines.append(
            f"  companies {verb}created: {report.companies_created}   "
            f"updated: {report.companies_updated}"
        )
    for name in report.updated_names:
        lines.append(f"  [dim]updates[/dim] {no_markup(name)}")
    if report.change_count:
        lines.append(
            f"[bold]Field changes ({report.change_count})[/bold] [dim](--on-conflict "
            f"{report.on_conflict}; values not kept are recorded as alternates)[/dim]"
        )
        for change in report.changes[:200]:
            lines.append(f"  {_change_line(change)}")
        if report.change_count > 200:
            lines.append(f"  ... and {report.change_count - 200} more (use --json for all)")
    if report.duplicate_count:
        lines.append(f"[yellow]Likely duplicates ({report.duplicate_count})[/yellow]")
        for hint in report.duplicates[:50]:
            lines.append(
                f"  {no_markup(hint.file)} line {hint.line}: {no_markup(hint.name)} looks like "
                f"#{hint.existing_id} {no_markup(hint.existing_name)} ({hint.score}%: "
                f"{no_markup(', '.join(hint.reasons))})"
            )
    if report.problem_count:
        lines.append(f"[yellow]Records with problems ({report.problem_count})[/yellow]")
        for note in report.problems[:100]:
            mark = "skipped" if note.skipped else "imported"
            lines.append(
                f"  {no_markup(note.file)} line {note.line} ({no_markup(note.name) or 'no name'}, "
                f"{mark}): {no_markup('; '.join(note.reasons))}"
            )
        if report.problem_count > 100:
            lines.append(f"  ... and {report.problem_count - 100} more (use --json for all)")
    if report.suppressed:
        lines.append(
            f"[yellow]Suppressed ({report.suppressed}): erased people, not imported"
            "[/yellow] (--allow-suppressed imports them)"
        )
        for row in report.suppressed_rows[:50]:
            lines.append(
                f"  {no_markup(row.file)} line {row.line}: {no_markup(row.name)}: {no_markup(row.reason)}"
            )
    if report.written and report.batch_id is not None:
        lines.append(f"batch {report.batch_id}; undo with: pocketcrm import undo {report.batch_id}")
    say("\n".join(lines))


def _short(value: str) -> str:
    """A value on one line of the preview (a long note is cut)."""
    flat = " ".join(value.split())
    return repr(flat if len(flat) <= 60 else flat[:57] + "...")


def _change_line(change: FieldChange) -> str:
    where = f"#{change.contact_id} {no_markup(change.name)}: {change.field.replace('_', ' ')}"
    old, new = no_markup(_short(change.old)), no_markup(_short(change.new))
    if change.action == "keep":
        return f"{where}: keeps {old} [dim](file: {new}, recorded as an alternate)[/dim]"
    if change.action in ("append", "add"):
        return f"{where}: adds {new}"
    if change.action == "set":
        return f"{where}: {new} [dim](was empty)[/dim]"
    return f"{where}: {old} -> {new} [dim](old value recorded as an alternate)[/dim]"


def _import_undo(args: list[str], db: str | None, as_json: bool) -> None:
    from pocketcrm.core.errors import Invalid
    from pocketcrm.core.transfer.importer import undo_import

    if len(args) > 1:
        raise Invalid("batch", "give one batch number: pocketcrm import undo BATCH")
    if args and not args[0].isdecimal():
        raise Invalid("batch", f"{args[0]!r} is not a batch number; see: pocketcrm import history")
    result = undo_import(open_db(db), int(args[0]) if args else None)
    if as_json:
        print_json(result)
        return
    typer.echo(
        f"undid import {result.batch_id}: removed {result.removed} created records, "
        f"restored {result.restored} changed ones"
    )
    if result.changed_since:
        err(
            f"note: {result.changed_since} of them had been edited after the import; "
            "those edits were undone too"
        )


def _import_history(db: str | None, as_json: bool) -> None:
    from pocketcrm.core.transfer.importer import list_batches

    batches = list_batches(open_db(db))
    print_list(
        batches,
        ["batch", "when", "format", "encoding", "new", "updated", "skipped", "undone", "source"],
        lambda b: [
            b.id,
            local(b.at),
            b.format,
            b.encoding,
            b.created,
            b.updated,
            b.skipped,
            local(b.undone_at),
            b.source,
        ],
        as_json=as_json,
    )


# The options of import and export, one line each in the signatures below.
ImportFiles = Annotated[
    list[str],
    typer.Argument(
        help="Files to import (CSV, vCard, pocketcrm JSON). `import undo [BATCH]` reverses "
        "an import; `import history` lists them.",
        show_default=False,
        metavar="FILE",
    ),
]
ImportFmt = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        help="google, outlook, hubspot, generic, csv, vcard or json (default: detected).",
        show_default=False,
        metavar="FORMAT",
    ),
]
ImportMapping = Annotated[
    list[str],
    typer.Option(
        "--map",
        help="For CSV: 'Column Name=field' (repeat), e.g. 'Cell=phone'.",
        metavar="'COLUMN=field'",
    ),
]
ImportDryRun = Annotated[
    bool, typer.Option("--dry-run", help="Only show the preview; write nothing.")
]
ImportOldDryRun = Annotated[
    bool | None,
    typer.Option("-n", hidden=True, help="Deprecated spelling of --dry-run (-n is --note)."),
]
ImportAllowSuppressed = Annotated[
    bool, typer.Option("--allow-suppressed", help="Also import erased (suppressed) people.")
]
ImportStrict = Annotated[
    bool, typer.Option("--strict", help="Write nothing if any record has a problem.")
]
ImportOnConflict = Annotated[
    str,
    typer.Option(
        "--on-conflict",
        help="When a stored value differs from the file's: newer (default: the richer "
        "spelling of a name, else the more recently changed value), keep (the stored "
        "one) or replace (the file's). The value not kept is recorded as an alternate.",
        metavar="newer|keep|replace",
    ),
]
ExportFormatArg = Annotated[
    str | None,
    typer.Argument(metavar="FORMAT", hidden=True, help="Deprecated: the format as an argument."),
]
ExportFmt = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        help="json (default), csv, vcard or ics.",
        show_default=False,
        metavar="FORMAT",
    ),
]
ExportOutput = Annotated[
    str | None,
    typer.Option(
        "--output", "-o", help="File to write (created 0600); default stdout.", metavar="FILE"
    ),
]
ExportRaw = Annotated[
    bool, typer.Option("--raw", help="CSV: exact values (no spreadsheet formula guard).")
]
ExportVcardVersion = Annotated[
    str, typer.Option("--vcard-version", help="vCard 4.0 or 3.0.", metavar="4.0|3.0")
]
ExportBirthdays = Annotated[
    bool, typer.Option("--birthdays", help="ics: add yearly birthday events.")
]
ExportTodo = Annotated[
    bool, typer.Option("--todo", help="ics: follow-ups as VTODO instead of events.")
]


@handle_errors
def import_(
    files: ImportFiles,
    fmt: ImportFmt = None,
    mapping: ImportMapping = [],  # noqa: B006
    dry_run: ImportDryRun = False,
    old_dry_run: ImportOldDryRun = None,
    allow_suppressed: ImportAllowSuppressed = False,
    strict: ImportStrict = False,
    on_conflict: ImportOnConflict = "newer",
    yes: YesOption = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import contacts: preview (new, updated, duplicates, problems), then write all or nothing.

    In a terminal the preview asks before writing; --yes or a script (no terminal) writes
    at once. Every import is a batch: `pocketcrm import undo BATCH` reverses it exactly.
    """
    if files and files[0] == "undo" and not Path("undo").exists():
        _import_undo(files[1:], db, as_json)
        return
    if files == ["history"] and not Path("history").exists():
        _import_history(db, as_json)
        return
    from pocketcrm.core.transfer.importer import import_files, parse_mapping

    store = open_db(db)
    options = {
        "fmt": fmt,
        "mapping": parse_mapping(mapping) or None,
        "allow_suppressed": allow_suppressed,
        "strict": strict,
        "on_conflict": on_conflict,
    }
    dry_run = deprecated("-n", "--dry-run", old_dry_run, dry_run, False)
    ask = not dry_run and not yes and interactive()
    if dry_run or ask:
        preview = import_files(store, files, write=False, **options)  # type: ignore[arg-type]
        if as_json:
            print_json(preview)
        else:
            _render_report(preview)
        if dry_run:
            return
        if not typer.confirm("Write these changes?", default=True):
            typer.echo("nothing written")
            raise typer.Exit(1)
    report = import_files(store, files, write=True, **options)  # type: ignore[arg-type]
    if as_json:
        print_json(report)
    else:
        _render_report(report)


@handle_errors
def export(
    format_arg: ExportFormatArg = None,
    fmt: ExportFmt = None,
    output: ExportOutput = None,
    stage: StageFilter = [],  # noqa: B006
    tag: TagFilter = [],  # noqa: B006
    company: CompanyFilter = [],  # noqa: B006
    owner: OwnerFilter = [],  # noqa: B006
    raw: ExportRaw = False,
    vcard_version: ExportVcardVersion = "4.0",
    birthdays: ExportBirthdays = False,
    todo: ExportTodo = False,
    db: DbOption = None,
) -> None:
    """Export contacts: json (everything, lossless), csv, vcard or ics (follow-ups calendar)."""
    from pocketcrm.core.errors import Invalid
    from pocketcrm.core.queries import ContactQuery
    from pocketcrm.core.transfer.exporter import EXPORT_FORMATS, open_private
    from pocketcrm.core.transfer.exporter import export as run_export

    if format_arg and fmt and format_arg != fmt:
        raise Invalid("format", f"two formats given ({format_arg!r} and {fmt!r}); give one")
    chosen = (deprecated("FORMAT as an argument", "--format", format_arg, fmt, None) or "").lower()
    if not chosen and output:
        chosen = {".vcf": "vcard", ".csv": "csv", ".ics": "ics"}.get(
            Path(output).suffix.lower(), "json"
        )
    chosen = {"vcf": "vcard", "ical": "ics"}.get(chosen, chosen or "json")
    if chosen not in EXPORT_FORMATS:
        raise Invalid(
            "format", f"unknown format {chosen!r}; use one of: {', '.join(EXPORT_FORMATS)}"
        )
    store = open_db(db)
    from pocketcrm.core.services import users

    query = ContactQuery(
        stage=tuple(stage),
        tag=tuple(tag),
        company=tuple(company),
        owner=users.resolve_owners(store, owner),
    )
    options = {"raw": raw, "vcard_version": vcard_version, "birthdays": birthdays, "todo": todo}
    if output and output != "-":
        with open_private(output, newline="") as stream:
            count = run_export(store, chosen, stream, query, **options)  # type: ignore[arg-type]
        noun = "entry" if chosen == "ics" else "contact"
        err(f"wrote {humanize.count(count, noun)} to {output} ({chosen})")
    else:
        run_export(store, chosen, sys.stdout, query, **options)  # type: ignore[arg-type]
        sys.stdout.flush()


@handle_errors
def dupes(
    limit: Annotated[int, typer.Option(help="At most this many pairs.", metavar="N")] = 200,
    min_score: Annotated[
        int, typer.Option(help="Only pairs at least this certain (0-100).", metavar="0-100")
    ] = 70,
    db: DbOption = None,
    as_json: JsonOption = False,
    ids: IdsOption = False,
) -> None:
    """List likely duplicate contacts with a confidence and the evidence; join with `merge`."""
    from pocketcrm.core.services.dupes import find_duplicates

    pairs = find_duplicates(open_db(db), limit=limit, min_score=min_score)
    if ids:  # "KEEP OTHER" per pair: `pocketcrm dupes -q | xargs -L1 pocketcrm merge`
        print_ids(f"{p.a.id} {p.b.id}" for p in pairs)
        return
    if as_json:
        print_json(pairs)
        return
    if not pairs:
        typer.echo("no likely duplicates")
        return
    table(
        ["score", "keep", "name", "other", "name", "evidence"],
        [
            [p.score, p.a.id, p.a.display_name, p.b.id, p.b.display_name, "; ".join(p.reasons)]
            for p in pairs
        ],
    )
    if sys.stdout.isatty():
        typer.echo("merge a pair with: pocketcrm merge KEEP OTHER")


@handle_errors
def merge(
    keep: Annotated[
        str | None,
        typer.Argument(help="The record to keep (id, email, phone or name).", metavar="KEEP"),
    ] = None,
    other: Annotated[
        str | None,
        typer.Argument(help="The record merged into it (goes to the trash).", metavar="OTHER"),
    ] = None,
    company: Annotated[bool, typer.Option("--company", help="Merge two companies.")] = False,
    undo: Annotated[
        bool, typer.Option("--undo", help="Reverse a merge: `merge --undo [ID]` (default: last).")
    ] = False,
    history: Annotated[bool, typer.Option("--history", help="List past merges.")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Merge OTHER into KEEP: nothing is dropped; OTHER goes to the trash; --undo reverses it."""
    from pocketcrm.core.errors import Invalid
    from pocketcrm.core.services import dupes as service

    store = open_db(db)
    if history:
        merges = service.list_merges(store)
        print_list(
            merges,
            ["id", "kind", "kept", "merged", "when", "undone"],
            lambda m: [
                m.id,
                m.entity,
                f"#{m.kept_id} {m.kept_label}",
                f"#{m.other_id} {m.other_label}",
                m.at,
                "yes" if m.undone else "",
            ],
            as_json=as_json,
        )
        return
    if undo:
        if other is not None or (keep is not None and not keep.lstrip("#").isdecimal()):
            raise Invalid("undo", "give the merge number: pocketcrm merge --undo [ID]")
        view = service.undo_any_merge(store, int(keep.lstrip("#")) if keep else None)
        print_result(
            view,
            as_json,
            f"undid merge {view.id}: #{view.kept_id} {view.kept_label} and "
            f"#{view.other_id} {view.other_label} are separate again",
        )
        return
    if keep is None or other is None:
        raise Invalid("merge", "give two records: pocketcrm merge KEEP OTHER")
    if company:
        result = service.merge_companies(store, keep, other)
        print_result(
            result,
            as_json,
            f"merged into company #{result.kept.id} {result.kept.name} (merge "
            f"{result.merge_id}); undo with: pocketcrm merge --undo {result.merge_id}",
        )
        return
    merged = service.merge_contacts(store, pick_contact(store, keep), pick_contact(store, other))
    print_result(
        merged,
        as_json,
        f"merged into #{merged.kept.id} {merged.kept.display_name} (merge {merged.merge_id}); "
        f"undo with: pocketcrm merge --undo {merged.merge_id}",
    )


def _person(store: Store, ref: str) -> str:
    """REF as '#id': an id is taken as it is, without looking it up among the living."""
    return f"#{ref.lstrip('#')}" if ref.lstrip("#").isdecimal() else pick_contact(store, ref)


@person_app.command("export")
@handle_errors
def person_export(
    ref: Ref,
    output: Annotated[
        str,
        typer.Option(
            "--output", "-o", help="Folder for the .json and .vcf files.", metavar="FOLDER"
        ),
    ] = ".",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Everything about one person (details, interactions, follow-ups, history) as JSON + vCard."""
    from pocketcrm.core.transfer.people import save_person_export

    store = open_db(db)
    target = _person(store, ref)
    saved = save_person_export(store, target, output)
    print_result(saved, as_json, f"wrote {saved.json_path} and {saved.vcard_path} ({saved.name})")


@person_app.command("erase")
@handle_errors
def person_erase(
    ref: Ref,
    yes: YesOption = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Erase a person for good: every record tied to them, from the files too (asks first)."""
    from pocketcrm.core.services.contacts import get_card_by_id
    from pocketcrm.core.transfer.people import erase_person

    store = open_db(db)
    target = _person(store, ref)  # an id may name someone in the trash: they can be erased
    if not yes:
        card = get_card_by_id(store, int(target.lstrip("#")))
        confirm_or_exit(
            f"erasing {card.display_name} cannot be undone; pass --yes to confirm",
            f"Erase {card.display_name} (#{card.id}) and everything tied to them for good?",
        )
    erased = erase_person(store, target)
    if as_json:
        print_json(erased)
        return
    typer.echo(
        f"erased {erased.name} (#{erased.contact_id}): {humanize.count(erased.rows_removed, 'record')} removed, "
        f"{erased.suppressed} email/phone hashes kept so imports skip them"
    )
    if not erased.scrubbed:
        err("note: another program holds the database open; its WAL will be cleared when it closes")
    if erased.backups:
        err(f"note: backups made earlier in {erased.backups} still hold this person")
