"""What happened and what is next: log-call, log, follow-up, agenda, done, snooze, and
taking a mistaken call or follow-up back (`interaction rm`, `follow-up rm`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand

from pocketcrm.commands.common import (
    CsvOption,
    DbOption,
    IdsOption,
    JsonOption,
    due_text,
    echo,
    err,
    handle_errors,
    local,
    open_db,
    pick_contact,
    print_ids,
    print_json,
    print_result,
    table,
    when,
)
from pocketcrm.commands.params import Ref

if TYPE_CHECKING:
    from pocketcrm.core.readmodels.activity import FollowUpView
    from pocketcrm.core.readmodels.created import Created
    from pocketcrm.core.services.cadence import Drift
    from pocketcrm.core.services.case_views import CaseView

NoteOption = Annotated[
    str, typer.Option("--note", "-n", help="What was said or agreed.", metavar="TEXT")
]
OutcomeOption = Annotated[
    str,
    typer.Option(
        help="reached, voicemail, no_answer, busy, wrong_number (configurable).", metavar="OUTCOME"
    ),
]
DurationOption = Annotated[
    str, typer.Option(help="How long: 15m, 1h30m, 1:30.", metavar="DURATION")
]
AtOption = Annotated[
    str, typer.Option("--at", help="When it happened (WHEN; default now).", metavar="WHEN")
]
SatisfactionOption = Annotated[
    int | None, typer.Option(help="Customer satisfaction 1-5.", metavar="1-5")
]
FollowUpOption = Annotated[
    str, typer.Option("--follow-up", help="Schedule the next step (WHEN).", metavar="WHEN")
]
DirectionOption = Annotated[
    str, typer.Option(help="in or out (log-call: out, or in with --from).", metavar="in|out")
]
ChannelOption = Annotated[
    str,
    typer.Option(
        help="phone, email, meeting, web_form, walk_in, referral, social, other "
        "(default: what the kind implies).",
        metavar="CHANNEL",
    ),
]
FromOption = Annotated[
    str,
    typer.Option("--from", help="The caller's number (an inbound call).", metavar="NUMBER"),
]
ToOption = Annotated[
    str,
    typer.Option(
        "--to",
        help="The number called (outbound; default the contact's primary phone).",
        metavar="NUMBER",
    ),
]
ReasonOption = Annotated[
    str,
    typer.Option(
        help="Why the customer was unhappy, with a low --satisfaction: price, quality, "
        "delivery, service, billing, other (configurable).",
        metavar="REASON",
    ),
]
OwnerOption = Annotated[
    str, typer.Option(help="Who handled it (default: config owner).", metavar="OWNER")
]


def _echo_when(label: str, parsed_describe: str) -> None:
    """Say on stderr how a WHEN phrase was read; only once the command worked, so a failure
    stays one line."""
    err(f"{label}: {parsed_describe}")


def _warn_if_overdue(view: FollowUpView) -> None:
    """A follow-up due in the past is kept (backdating one you missed is fine) but said
    aloud, on stderr: a mistyped year is the usual cause."""
    if view.overdue:
        err(
            f"note: follow-up #{view.id} is due {due_text(view.due_at)}, "
            "already past: it shows as overdue (snooze it if the date was a typo)"
        )


def _log(
    kind: str,
    ref: str,
    note: str,
    outcome: str,
    duration: str,
    at: str,
    satisfaction: int | None,
    follow_up: str,
    direction: str,
    owner: str,
    db: str | None,
    as_json: bool,
    analysis: tuple[str, str, str, str] = ("", "", "", ""),
) -> None:
    """ANALYSIS: the channel, the number it came from, the number called and the reason."""
    from pocketcrm.core import dates
    from pocketcrm.core.services import activity, users

    channel, number_from, number_to, reason = analysis
    data = activity.InteractionInput(
        kind=kind,
        notes=note,
        outcome=outcome,
        satisfaction=satisfaction,
        direction=direction,
        owner=owner,
        channel=channel,
        number_from=number_from,
        number_to=number_to,
        reason=reason,
    )
    if duration:
        data.duration_s = dates.parse_duration(duration, field="duration")
    understood = []
    if at:
        moment = when(at, "at", past=True)
        data.when = moment.moment
        understood.append(("at", moment.describe()))
    if follow_up:
        due = when(follow_up, "follow-up")
        data.follow_up_at, data.follow_up_all_day = due.moment, not due.has_time
        understood.append(("follow-up", due.describe()))
    store = open_db(db)
    data.owner = users.resolve_owner(store, owner)  # none: the acting user (the service)
    created: Created = activity.log_interaction(store, pick_contact(store, ref), data)
    for label, text in understood:
        _echo_when(label, text)
    if as_json:
        print_json(created)
        return
    # "logged call #2 with Dave Kowalski": the number is the call's, next to what it names.
    what, _, name = created.label.partition(" with ")
    echo(f"logged {what} #{created.id} with {name}")
    if created.follow_up:
        f = created.follow_up
        typer.echo(f"follow-up #{f.id} due {due_text(f.due_at)}")
        _warn_if_overdue(f)


@handle_errors
def log_call(
    ref: Ref,
    note: NoteOption = "",
    outcome: OutcomeOption = "",
    duration: DurationOption = "",
    at: AtOption = "",
    satisfaction: SatisfactionOption = None,
    follow_up: FollowUpOption = "",
    direction: DirectionOption = "",
    owner: OwnerOption = "",
    channel: ChannelOption = "",
    number_from: FromOption = "",
    number_to: ToOption = "",
    reason: ReasonOption = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Log a phone call (and optionally schedule the follow-up)."""
    direction = direction or ("in" if number_from else "out")
    _log(
        "call",
        ref,
        note,
        outcome,
        duration,
        at,
        satisfaction,
        follow_up,
        direction,
        owner,
        db,
        as_json,
        (channel, number_from, number_to, reason),
    )


@handle_errors
def log(
    ref: Ref,
    kind: Annotated[
        str, typer.Option("--kind", "-k", help="meeting, email, note, sms or call.", metavar="KIND")
    ] = "note",
    note: NoteOption = "",
    outcome: OutcomeOption = "",
    duration: DurationOption = "",
    at: AtOption = "",
    satisfaction: SatisfactionOption = None,
    follow_up: FollowUpOption = "",
    direction: DirectionOption = "",
    owner: OwnerOption = "",
    channel: ChannelOption = "",
    number_from: FromOption = "",
    number_to: ToOption = "",
    reason: ReasonOption = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Log a meeting, email, note or text message."""
    _log(
        kind,
        ref,
        note,
        outcome,
        duration,
        at,
        satisfaction,
        follow_up,
        direction,
        owner,
        db,
        as_json,
        (channel, number_from, number_to, reason),
    )


class _FollowUpCommand(TyperCommand):
    """`follow-up REF WHEN` schedules; a first argument `rm` (`follow-up rm ID`) moves one
    to the trash instead. A contact really named "rm" is reached with `follow-up -- rm WHEN`."""

    _META = "pocketcrm.follow_up_rm"

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args[:1] == ["rm"]:
            remove = typer.main.get_command(_rm_app)
            ctx.meta[self._META] = remove
            result: list[str] = remove.parse_args(ctx, args[1:])
            return result
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        remove = ctx.meta.get(self._META)
        return remove.invoke(ctx) if remove is not None else super().invoke(ctx)


FollowUpId = Annotated[
    int, typer.Argument(metavar="ID", help="The follow-up's id (from agenda or show).")
]


@handle_errors
def follow_up_rm(
    follow_up_id: FollowUpId, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """Move a follow-up entered by mistake to the trash (`restore ID --kind follow-up`)."""
    from pocketcrm.core.services import trash

    item = trash.trash_follow_up(open_db(db), follow_up_id)
    print_result(
        item,
        as_json,
        f"moved follow-up #{item.id} ({item.label}) to the trash; "
        f"undo with: pocketcrm restore {item.id} --kind follow-up",
    )


_rm_app = typer.Typer(add_completion=False)
_rm_app.command("rm")(follow_up_rm)


@handle_errors
def follow_up(
    ref: Ref,
    due: Annotated[
        str,
        typer.Argument(metavar="WHEN", help="tomorrow, in 3 days, +2w, fri 3pm, 2026-12-01 ..."),
    ],
    note: NoteOption = "",
    owner: OwnerOption = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Schedule a follow-up with a contact.

    `pocketcrm follow-up rm ID` moves follow-up ID to the trash instead.
    For a contact named "rm", write `pocketcrm follow-up -- rm WHEN`.
    """
    from pocketcrm.core.services import activity, users

    parsed = when(due, "when")
    store = open_db(db)
    view = activity.schedule_follow_up(
        store,
        pick_contact(store, ref),
        parsed.moment,
        all_day=not parsed.has_time,
        note=note,
        owner=users.resolve_owner(store, owner),
    )
    _echo_when("due", parsed.describe())
    _warn_if_overdue(view)
    print_result(
        view, as_json, f"follow-up #{view.id} with {view.contact_name} due {due_text(view.due_at)}"
    )


follow_up_app = typer.Typer(add_completion=False, help=follow_up.__doc__)
follow_up_app.command("follow-up", cls=_FollowUpCommand)(follow_up)


def _agenda_rows(items: list[FollowUpView]) -> list[list[object]]:
    rows: list[list[object]] = []
    for f in items:
        state = "OVERDUE" if f.overdue else ""
        if f.delivery_error:
            state = (state + " reminder failed: " + f.delivery_error).strip()
        rows.append([f.id, due_text(f.due_at), f.contact_name, f.note, state])
    return rows


@handle_errors
def agenda(
    overdue: Annotated[bool, typer.Option("--overdue", help="Only what is overdue.")] = False,
    today: Annotated[bool, typer.Option("--today", help="Overdue and due today.")] = False,
    week: Annotated[
        bool, typer.Option("--week", help="Through the next 7 days (default).")
    ] = False,
    all_: Annotated[bool, typer.Option("--all", help="Every open follow-up.")] = False,
    owner: Annotated[str, typer.Option(help="Only this owner's follow-ups.", metavar="OWNER")] = "",
    limit: Annotated[
        int | None,
        typer.Option(
            help="Show at most this many (default 100 on screen, all with --json/--csv; 0: all).",
            metavar="N",
        ),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
    ids: IdsOption = False,
) -> None:
    """Open follow-ups, overdue first; and who is drifting out of touch."""
    from pocketcrm.core.errors import Invalid
    from pocketcrm.core.services import activity, users

    chosen = [
        name
        for name, on in (("overdue", overdue), ("today", today), ("week", week), ("all", all_))
        if on
    ]
    if len(chosen) > 1:
        raise Invalid("window", "choose one of --overdue, --today, --week, --all")
    store = open_db(db)
    owner = users.resolve_owner(store, owner, assign=False)
    window = chosen[0] if chosen else "week"
    if limit is None and not (as_json or as_csv or ids):
        limit = AGENDA_ON_SCREEN
    items = activity.agenda(store, window, owner=owner, limit=limit or None)
    if ids:
        print_ids(f.id for f in items)
        return
    if as_json:
        print_json(items)
        return
    if as_csv:
        table(["id", "due", "contact", "note", "state"], _agenda_rows(items), as_csv=True)
        return
    from pocketcrm.core.reminders.health import reminder_health
    from pocketcrm.core.services import cadence

    health = reminder_health(store)
    if health.needs_attention:
        err(f"warning: {health.message}")
    drifts = cadence.drifting(store, owner=owner)
    from pocketcrm.core.services.case_views import due_cases

    urgent_cases = due_cases(store, owner=owner)
    if items:
        table(["id", "due", "contact", "note", "state"], _agenda_rows(items))
        if limit and len(items) == limit:
            more = activity.agenda_size(store, window, owner=owner) - len(items)
            if more > 0:
                typer.echo(f"...and {more} more: pocketcrm agenda --{window} --limit 0")
    elif not (drifts or urgent_cases):
        typer.echo("nothing due")
    _agenda_cases(urgent_cases, bool(items))
    if drifts:
        shown = drifts[:AGENDA_DRIFTING]
        typer.echo(f"{chr(10) if items else ''}drifting out of touch ({len(drifts)}):")
        table(["contact", "last in touch", "every", "over by"], _drift_rows(shown))
        if len(drifts) > len(shown):
            typer.echo(f"...and {len(drifts) - len(shown)} more: pocketcrm cadence list --drifting")


def _agenda_cases(found: list[CaseView], after: bool) -> None:
    """Support cases past or near their service level (the rule is case_views')."""
    if not found:
        return
    typer.echo(f"{chr(10) if after else ''}cases past or near their service level ({len(found)}):")
    rows = [
        [c.number, ("BREACHED " if c.breached else "soon ") + local(c.next_due_at), c.subject,
         c.contact_name, c.assignee]
        for c in found
    ]  # fmt: skip
    table(["case", "due", "subject", "contact", "assignee"], rows)


AGENDA_ON_SCREEN = 100  # a screenful of the earliest; --limit 0 shows every one
AGENDA_DRIFTING = 10  # the agenda shows the most overdue; `cadence list --drifting` has all


def _drift_rows(drifts: list[Drift]) -> list[list[object]]:
    rows: list[list[object]] = []
    for d in drifts:
        last = f"{local(d.last_contact_at, date_only=True)}" if d.last_contact_at else "never"
        limit = " (past max)" if d.past_max else ""
        rows.append(
            [
                f"{d.contact_name} (#{d.contact_id})",
                last,
                f"{d.ideal_days}d",
                f"{d.days_over}d{limit}",
            ]
        )
    return rows


@handle_errors
def done(
    follow_up_id: Annotated[
        int, typer.Argument(metavar="ID", help="The follow-up's id (from agenda).")
    ],
    undo: Annotated[bool, typer.Option("--undo", help="Mark it open again.")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Mark a follow-up done."""
    from pocketcrm.core.services import activity

    store = open_db(db)
    view = (
        activity.reopen_follow_up(store, follow_up_id)
        if undo
        else activity.complete_follow_up(store, follow_up_id)
    )
    print_result(
        view,
        as_json,
        f"follow-up #{view.id} with {view.contact_name} {'reopened' if undo else 'done'}",
    )


interaction_app = typer.Typer(
    add_completion=False,
    help="Interactions (calls, meetings, emails, notes, texts): take one logged by mistake back.",
    no_args_is_help=True,
)


@interaction_app.callback()
def interaction() -> None:
    """A group of its own (a lone sub-command would otherwise become the group itself)."""


@interaction_app.command("rm")
@handle_errors
def interaction_rm(
    interaction_id: Annotated[
        int, typer.Argument(metavar="ID", help="The interaction's id (from show or log-call).")
    ],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Move an interaction logged by mistake to the trash (`restore ID --kind interaction`)."""
    from pocketcrm.core.services import trash

    item = trash.trash_interaction(open_db(db), interaction_id)
    print_result(
        item,
        as_json,
        f"moved interaction #{item.id} ({item.label}) to the trash; "
        f"undo with: pocketcrm restore {item.id} --kind interaction",
    )


@handle_errors
def snooze(
    follow_up_id: Annotated[
        int, typer.Argument(metavar="ID", help="The follow-up's id (from agenda).")
    ],
    until: Annotated[str, typer.Argument(metavar="WHEN", help="tomorrow 9am, +3d, next mon ...")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Move a follow-up to later."""
    from pocketcrm.core.services import activity

    parsed = when(until, "when")
    view = activity.snooze_follow_up(
        open_db(db), follow_up_id, parsed.moment, all_day=not parsed.has_time
    )
    _echo_when("snoozed to", parsed.describe())
    print_result(
        view,
        as_json,
        f"follow-up #{view.id} with {view.contact_name} now due {due_text(view.due_at)}",
    )
