"""`pocketcrm deal add|list|show|move|won|lost|edit|rm` and `pocketcrm pipeline`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pocketcrm import humanize
from pocketcrm.commands.common import (
    CsvOption,
    DbOption,
    IdsOption,
    JsonOption,
    handle_errors,
    local,
    open_db,
    pick_contact,
    print_created,
    print_ids,
    print_json,
    print_result,
    say,
    table,
    when,
)
from pocketcrm.commands.params import Note, Ref, ReplaceNote

if TYPE_CHECKING:
    from pocketcrm.core.services.deals import DealView, Pipeline

deal_app = typer.Typer(
    add_completion=False,
    help="Deals: what may be sold to whom, moving through the pipeline stages.",
    no_args_is_help=True,
)
DealId = Annotated[
    int, typer.Argument(help="The deal's id (see `pocketcrm deal list`).", metavar="DEAL")
]
AmountOption = Annotated[
    str,
    typer.Option(
        help="What it is worth: 1200, 1,250.50, '900 EUR' (default currency).", metavar="AMOUNT"
    ),
]
CloseOption = Annotated[
    str, typer.Option("--close", help="Expected close date (WHEN).", metavar="WHEN")
]
OwnerOption = Annotated[
    str, typer.Option(help="Who works on it (default: config owner).", metavar="OWNER")
]


def _money(cents: int, currency: str) -> str:
    from pocketcrm.core.money import format_amount

    return format_amount(cents, currency)


def _e(text: str) -> str:
    """User text inside Rich markup."""
    return text.replace("[", "\\[")


COLUMNS = ["id", "stage", "title", "contact", "company", "amount", "close", "owner"]
# CSV: the amount as a plain number and the currency in its own column (a spreadsheet sums it).
CSV_COLUMNS = ["id", "stage", "title", "contact", "company", "amount", "currency", "close", "owner"]


def _rows(deals: list[DealView], as_csv: bool = False) -> list[list[object]]:
    from pocketcrm.core.money import plain_amount

    def amount(d: DealView) -> list[object]:
        if as_csv:
            return [plain_amount(d.amount_cents), d.currency]
        return [_money(d.amount_cents, d.currency)]

    return [
        [
            d.id,
            d.stage,
            d.title,
            d.contact_name,
            d.company_name,
            *amount(d),
            d.expected_close_on.isoformat() if d.expected_close_on else "",
            d.owner,
        ]
        for d in deals
    ]


def _echo_deal(view: DealView, as_json: bool, verb: str) -> None:
    print_result(view, as_json, f"{verb} deal #{view.id} {view.title} ({view.stage})")


@deal_app.command("add")
@handle_errors
def add(
    ref: Ref,
    title: Annotated[
        str, typer.Argument(help="What the deal is, e.g. 'Website redesign'.", metavar="TITLE")
    ],
    amount: AmountOption = "",
    stage: Annotated[
        str, typer.Option(help="Stage (default: the first deal stage).", metavar="STAGE")
    ] = "",
    close: CloseOption = "",
    owner: OwnerOption = "",
    note: Note = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Open a deal for a contact and print its id."""
    from pocketcrm.core.services import deals, users

    expected = when(close, "close").day() if close else None
    store = open_db(db)
    view = deals.create_deal(
        store,
        pick_contact(store, ref),
        deals.DealInput(
            title=title,
            amount=amount,
            stage=stage,
            owner=users.resolve_owner(store, owner),
            expected_close=expected,
            notes=note,
        ),
    )
    print_created(view, as_json)


@deal_app.command("list")
@handle_errors
def list_(
    stage: Annotated[str, typer.Option(help="Only this stage.", metavar="STAGE")] = "",
    owner: Annotated[str, typer.Option(help="Only this owner.", metavar="OWNER")] = "",
    contact: Annotated[
        str, typer.Option(help="Only this contact's deals (REF).", metavar="REF")
    ] = "",
    open_only: Annotated[bool, typer.Option("--open", help="Only open deals.")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
    ids: IdsOption = False,
) -> None:
    """Deals in pipeline order: stage, then expected close."""
    from pocketcrm.core.services import deals, users

    store = open_db(db)
    found = deals.list_deals(
        store,
        stage=stage,
        owner=users.resolve_owner(store, owner, assign=False),
        contact_ref=contact,
        open_only=open_only,
    )
    if ids:
        print_ids(d.id for d in found)
        return
    if as_json:
        print_json(found)
        return
    table(CSV_COLUMNS if as_csv else COLUMNS, _rows(found, as_csv), as_csv=as_csv)


@deal_app.command("show")
@handle_errors
def show(deal_id: DealId, db: DbOption = None, as_json: JsonOption = False) -> None:
    """A deal with its history through the stages."""
    from pocketcrm.core.services import deals

    store = open_db(db)
    view = deals.get_deal(store, deal_id)
    history = deals.deal_history(store, deal_id)
    if as_json:
        from pocketcrm.core.readmodels import as_dict

        print_json({**as_dict(view), "history": as_dict(history)})
        return
    company = f" ({_e(view.company_name)})" if view.company_name else ""
    lines = [
        f"[bold]#{view.id} {_e(view.title)}[/bold]  "
        f"({view.stage}{'' if view.is_open else ', closed'})",
        f"contact   {_e(view.contact_name)}{company}",
        f"amount    {_money(view.amount_cents, view.currency)}",
        f"owner     {_e(view.owner)}",
    ]
    if view.expected_close_on:
        lines.append(f"close     {view.expected_close_on.isoformat()}")
    if view.closed_at:
        lines.append(f"closed    {local(view.closed_at)}")
    if view.lost_reason:
        lines.append(f"lost      {_e(view.lost_reason)}")
    if view.notes:
        lines.append(f"notes     {_e(view.notes)}")
    lines += ["", "[bold]History[/bold]"]
    for step in history:
        moved = f"{step.from_stage} -> {step.to_stage}" if step.from_stage else step.to_stage
        by = f"  by {_e(step.changed_by)}" if step.changed_by else ""
        lines.append(f"  {local(step.at)}  {moved}{by}")
    say("\n".join(lines))


@deal_app.command("move")
@handle_errors
def move(
    deal_id: DealId,
    stage: Annotated[
        str, typer.Argument(help="The new stage (see `pocketcrm config`).", metavar="STAGE")
    ],
    reason: Annotated[
        str, typer.Option(help="Why it was lost (for the lost stage).", metavar="TEXT")
    ] = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Move a deal to another stage (an open stage reopens a closed deal)."""
    from pocketcrm.core.services import deals

    _echo_deal(deals.move_deal(open_db(db), deal_id, stage, reason=reason), as_json, "moved")


@deal_app.command("won")
@handle_errors
def won(deal_id: DealId, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Close a deal as won."""
    from pocketcrm.core.services import deals

    store = open_db(db)
    view = deals.move_deal(store, deal_id, deals.won_stage(store.settings))
    _echo_deal(view, as_json, "won:")


@deal_app.command("lost")
@handle_errors
def lost(
    deal_id: DealId,
    reason: Annotated[str, typer.Option(help="Why it was lost (required).", metavar="TEXT")] = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Close a deal as lost, with the reason."""
    from pocketcrm.core.services import deals

    store = open_db(db)
    view = deals.move_deal(store, deal_id, deals.lost_stage(store.settings), reason=reason)
    _echo_deal(view, as_json, "lost:")


@deal_app.command("edit")
@handle_errors
def edit(
    deal_id: DealId,
    title: Annotated[str | None, typer.Option(help="New title.", metavar="TITLE")] = None,
    amount: Annotated[
        str | None, typer.Option(help="New amount, e.g. '1500 EUR'.", metavar="AMOUNT")
    ] = None,
    close: Annotated[
        str | None, typer.Option("--close", help="Expected close (WHEN).", metavar="WHEN")
    ] = None,
    owner: Annotated[str | None, typer.Option(help="New owner.", metavar="OWNER")] = None,
    note: ReplaceNote = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change a deal's title, amount, expected close, owner or notes (stages: deal move)."""
    from pocketcrm.core.services import deals, users

    expected = when(close, "close").day() if close else None
    store = open_db(db)
    view = deals.update_deal(
        store,
        deal_id,
        title=title,
        amount=amount,
        owner=None if owner is None else users.resolve_owner(store, owner),
        expected_close=expected,
        notes=note,
    )
    _echo_deal(view, as_json, "updated")


@deal_app.command("rm")
@handle_errors
def rm(deal_id: DealId, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Move a deal to the trash (`pocketcrm restore ID --kind deal` brings it back)."""
    from pocketcrm.core.services import deals

    item = deals.trash_deal(open_db(db), deal_id)
    print_result(item, as_json, f"deal #{item.id} {item.label} moved to the trash")


def render_pipeline(board: Pipeline) -> None:
    lines = [f"[bold]Pipeline[/bold]  (open deals; amounts in {board.currency})", ""]
    width = max((len(s.stage) for s in board.stages), default=5)
    for s in board.stages:
        lines.append(
            f"[bold]{s.stage:<{width}}[/bold]  {s.count:>4} {humanize.plural('deal', s.count):<5}  "
            f"{_money(s.amount_cents, board.currency):>18}  "
            f"weighted {_money(s.weighted_cents, board.currency)}"
        )
    total = sum(s.amount_cents for s in board.stages)
    weighted = sum(s.weighted_cents for s in board.stages)
    lines += [
        "",
        f"open total {_money(total, board.currency)}   weighted {_money(weighted, board.currency)}",
    ]
    if board.other_currencies:
        lines.append(f"{board.other_currencies} open deals in other currencies (not summed)")
    lines.append(
        f"last 90 days: won {board.won_count} ({_money(board.won_cents, board.currency)}), "
        f"lost {board.lost_count}"
    )
    say("\n".join(lines))


@handle_errors
def pipeline(db: DbOption = None, as_json: JsonOption = False) -> None:
    """The pipeline: open deals by stage with their weighted value, won/lost in 90 days."""
    from pocketcrm.core.services import deals

    store = open_db(db)
    board = deals.pipeline(store)
    if as_json:
        print_json(board)
        return
    render_pipeline(board)
    # One block per stage: the deals themselves, in pipeline order.
    found = deals.list_deals(store, open_only=True)
    if found:
        typer.echo("")
        table(COLUMNS, _rows(found))
