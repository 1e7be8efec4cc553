"""`pocketcrm case open|list|show|reply|assign|status|resolve|close|reopen`: customer service."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pocketcrm.commands.common import (
    CsvOption,
    DbOption,
    IdsOption,
    JsonOption,
    YesOption,
    confirm_or_exit,
    handle_errors,
    local,
    no_markup,
    open_db,
    pick_contact,
    print_json,
    print_list,
    print_result,
    say,
)
from pocketcrm.commands.params import Ref, RowLimit

if TYPE_CHECKING:
    from pocketcrm.core.services.case_views import CaseEventView, CaseLine, CaseView

case_app = typer.Typer(
    add_completion=False,
    help="Support cases: questions and complaints with a service level, replies by email.",
    no_args_is_help=True,
)
Number = Annotated[
    str,
    typer.Argument(help="The case: its number (CASE-2026-0007) or id.", metavar="CASE"),
]
COLUMNS = ["number", "status", "priority", "due", "subject", "contact", "assignee", "product"]


def _due(view: CaseView | CaseLine) -> str:
    if view.next_due_at is None:
        return ""
    mark = "BREACHED " if view.breached else ("soon " if view.due_soon else "")
    return f"{mark}{local(view.next_due_at)}"


def _cells(view: CaseView | CaseLine) -> list[object]:
    return [
        view.number,
        view.status,
        view.priority,
        _due(view),
        view.subject,
        view.contact_name,
        view.assignee,
        view.product,
    ]


def _line(view: CaseView, verb: str) -> str:
    return f"{verb} {view.number} {view.subject} ({view.status})"


def _read_body(body: str, body_file: Path | None) -> str:
    if body and body_file is not None:
        from pocketcrm.core.errors import Invalid

        raise Invalid("body", "give --body or --body-file, not both")
    if body_file is None:
        return body
    from pocketcrm.core.errors import Invalid

    try:
        if str(body_file) == "-":
            import sys

            return sys.stdin.read()
        return body_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise Invalid("body-file", f"cannot read {body_file}: {exc}") from None


@case_app.command("open")
@handle_errors
def open_(
    ref: Ref,
    subject: Annotated[str, typer.Argument(help="What it is about.", metavar="SUBJECT")],
    priority: Annotated[
        str, typer.Option(help="low, normal, high or urgent.", metavar="PRIORITY")
    ] = "normal",
    product: Annotated[
        str,
        typer.Option(
            help="The product it concerns: a catalogue SKU or name links it; else free text.",
            metavar="TEXT",
        ),
    ] = "",
    channel: Annotated[
        str,
        typer.Option(
            help="How it came in: email, phone, web, chat, in_person, other.", metavar="CHANNEL"
        ),
    ] = "email",
    assign: Annotated[
        str, typer.Option(help="Who works on it: a user's login or name.", metavar="USER")
    ] = "",
    department: Annotated[
        str,
        typer.Option(help="The department (default: the assignee's).", metavar="TEXT"),
    ] = "",
    tags: Annotated[
        str, typer.Option("--tags", help="Tags, comma-separated.", metavar="TAGS")
    ] = "",
    body: Annotated[str, typer.Option(help="The description.", metavar="TEXT")] = "",
    body_file: Annotated[
        Path | None,
        typer.Option(help="Read the description from a file (- for stdin).", metavar="FILE"),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Open a case for a contact and print its number; the service level sets its due times."""
    from pocketcrm.core.services import cases

    store = open_db(db)
    view = cases.open_case(
        store,
        pick_contact(store, ref),
        cases.CaseInput(
            subject=subject,
            description=_read_body(body, body_file),
            priority=priority,
            channel=channel,
            product=product,
            assignee=assign,
            department=department,
            tags=tags,
        ),
    )
    print_result(view, as_json, view.number)


@case_app.command("list")
@handle_errors
def list_(
    mine: Annotated[bool, typer.Option("--mine", help="Only cases assigned to me.")] = False,
    status: Annotated[
        str,
        typer.Option(
            help="new, open (every unresolved one), waiting, resolved, closed.", metavar="STATUS"
        ),
    ] = "",
    breached: Annotated[
        bool, typer.Option("--breached", help="Only cases past their service level.")
    ] = False,
    assignee: Annotated[
        str, typer.Option(help="Only this user's (a login or a name).", metavar="USER")
    ] = "",
    contact: Annotated[str, typer.Option(help="Only this contact's (REF).", metavar="REF")] = "",
    limit: RowLimit = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
    ids: IdsOption = False,
) -> None:
    """The queue: running cases soonest due first (breached ones marked), then the rest."""
    from pocketcrm.core.services import case_views

    store = open_db(db)
    # The JSON has every field of a case; a table only the line's (a third of the columns).
    listing = case_views.list_cases if as_json else case_views.queue
    found: Sequence[CaseView | CaseLine] = listing(
        store,
        status=status,
        assignee=assignee,
        mine=mine,
        breached=breached,
        contact_ref=contact,
        limit=limit,
    )
    print_list(
        found,
        COLUMNS,
        _cells,
        as_json=as_json,
        as_csv=as_csv,
        ids=ids,
        id_of=lambda v: v.number,
    )


def _event_line(step: CaseEventView) -> str:
    by = f" by {no_markup(step.by)}" if step.by else ""
    if step.kind == "status":
        what = f"{step.from_value} -> {step.to_value}"
    elif step.kind == "assign":
        what = f"assigned to {no_markup(step.to_value) or 'nobody'}"
    elif step.kind == "satisfaction":
        what = f"satisfaction {step.to_value}/5"
    else:
        what = step.kind
    line = f"  {local(step.at)}  {what}{by}"
    if step.body:
        text = " ".join(step.body.split())
        line += f"\n      {no_markup(text[:300])}"
    return line


@case_app.command("show")
@handle_errors
def show(number: Number, db: DbOption = None, as_json: JsonOption = False) -> None:
    """A case with its service level and its timeline."""
    from pocketcrm.core.services import case_views

    store = open_db(db)
    view = case_views.get_case(store, number)
    steps = case_views.timeline(store, number)
    if as_json:
        from pocketcrm.core.readmodels import as_dict

        print_json({**as_dict(view), "timeline": as_dict(steps)})
        return
    company = f" ({no_markup(view.company_name)})" if view.company_name else ""
    lines = [
        f"[bold]{view.number} {no_markup(view.subject)}[/bold]  ({view.status}, {view.priority})",
        f"contact     {no_markup(view.contact_name)}{company}",
        f"assignee    {no_markup(view.assignee) or '-'}"
        + (f"  ({no_markup(view.department)})" if view.department else ""),
        f"first reply due {local(view.first_response_due_at)}"
        + (f", answered {local(view.first_response_at)}" if view.first_response_at else ""),
        f"resolve by  {local(view.resolution_due_at)}"
        + (f", resolved {local(view.resolved_at)}" if view.resolved_at else ""),
    ]
    if view.breached:
        lines.append("[bold red]past its service level[/bold red]")
    extras = [
        ("product", f"{view.product} ({view.product_sku})" if view.product_sku else view.product),
        ("channel", view.channel),
        ("tags", ", ".join(view.tags)),
        ("reopened", f"{view.reopen_count} times" if view.reopen_count else ""),
        (
            "rated",
            f"{view.satisfaction}/5 {view.satisfaction_comment}" if view.satisfaction else "",
        ),
    ]
    lines += [f"{name:<11} {no_markup(value)}" for name, value in extras if value]
    if view.description:
        lines += ["", no_markup(view.description)]
    lines += ["", "[bold]Timeline[/bold]"] + [_event_line(s) for s in steps]
    say("\n".join(lines))


@case_app.command("reply")
@handle_errors
def reply(
    number: Number,
    text: Annotated[str, typer.Argument(help="What to say (- reads stdin).", metavar="TEXT")],
    internal: Annotated[
        bool, typer.Option("--internal", help="An internal note: not mailed to the customer.")
    ] = False,
    wait: Annotated[
        bool, typer.Option("--wait", help="Then wait on the customer (the clock stops).")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Mail a reply to the customer (through the SMTP server) and log it; --internal notes."""
    from pocketcrm.core.services import cases

    if text == "-":
        import sys

        text = sys.stdin.read()
    store = open_db(db)
    if internal:
        view = cases.add_note(store, number, text)
        print_result(view, as_json, f"noted on {view.number}")
        return
    view = cases.reply(store, number, text, wait=wait)
    print_result(view, as_json, _line(view, "replied on"))


@case_app.command("assign")
@handle_errors
def assign(
    number: Number,
    login: Annotated[
        str,
        typer.Argument(help="Who takes it: a login or a name ('' for nobody).", metavar="USER"),
    ],
    department: Annotated[
        str | None,
        typer.Option(help="Move it to this department (default: the assignee's).", metavar="TEXT"),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Give a case to someone (and optionally a department)."""
    from pocketcrm.core.services import cases

    view = cases.assign_case(open_db(db), number, login, department)
    print_result(view, as_json, f"{view.number} assigned to {view.assignee or 'nobody'}")


ForceOption = Annotated[bool, typer.Option("--force", help="Close without resolving first.")]


@case_app.command("status")
@handle_errors
def status(
    number: Number,
    to: Annotated[
        str, typer.Argument(help="new, open, waiting, resolved or closed.", metavar="STATUS")
    ],
    force: ForceOption = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Move a case to another status (moving a resolved or closed case back reopens it)."""
    from pocketcrm.core.services import cases

    view = cases.set_status(open_db(db), number, to, force=force)
    print_result(view, as_json, _line(view, "moved"))


@case_app.command("resolve")
@handle_errors
def resolve(
    number: Number,
    note: Annotated[
        str, typer.Option("--note", "-n", help="How it was solved.", metavar="TEXT")
    ] = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Mark a case resolved (it stops counting against its service level)."""
    from pocketcrm.core.services import cases

    view = cases.resolve_case(open_db(db), number, note)
    print_result(view, as_json, _line(view, "resolved"))


@case_app.command("close")
@handle_errors
def close(
    number: Number,
    force: ForceOption = False,
    survey: Annotated[
        bool | None,
        typer.Option(
            "--survey/--no-survey", help="Mail the satisfaction question (default: config)."
        ),
    ] = None,
    yes: YesOption = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Close a case; an unresolved one asks first (or takes --force)."""
    from pocketcrm.core.services import case_views, cases

    store = open_db(db)
    current = case_views.get_case(store, number)
    if current.is_open and not (force or yes):
        confirm_or_exit(
            f"{current.number} is {current.status}, not resolved; resolve it first or "
            "close it with --force",
            f"{current.number} is not resolved. Close it anyway?",
        )
        force = True
    view = cases.close_case(store, number, force=force or yes, survey=survey)
    print_result(view, as_json, _line(view, "closed"))


@case_app.command("reopen")
@handle_errors
def reopen(
    number: Number,
    reason: Annotated[str, typer.Option(help="Why it is back.", metavar="TEXT")] = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Reopen a resolved or closed case (reopens are counted)."""
    from pocketcrm.core.services import cases

    view = cases.reopen_case(open_db(db), number, reason)
    print_result(view, as_json, _line(view, "reopened"))
