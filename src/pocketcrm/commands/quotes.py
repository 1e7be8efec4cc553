"""`pocketcrm quote ...`, `pocketcrm order ...` and `pocketcrm cost ...`: selling with lines."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pocketcrm.commands.common import (
    CsvOption,
    DbOption,
    JsonOption,
    handle_errors,
    local,
    open_db,
    pick_contact,
    print_json,
    print_list,
    print_result,
    say,
    when,
)
from pocketcrm.commands.params import Note, Ref

if TYPE_CHECKING:
    from pocketcrm.core.services.lines import LineView
    from pocketcrm.core.services.quotes import QuoteView

LINE_HELP = (
    "A line: 'SKU x3', 'Consulting 2h @ 90', 'SKU x2 @ 45 -10% tax 20%' (repeat for more; "
    "no price takes the catalogue's)."
)
LinesOption = Annotated[list[str], typer.Option("--line", "-l", help=LINE_HELP, metavar="LINE")]
QuoteNumber = Annotated[str, typer.Argument(help="The quote number (or its id).", metavar="QUOTE")]
OutputOption = Annotated[
    Path, typer.Option("--output", "-o", help="The PDF file to write.", metavar="FILE")
]

quote_app = typer.Typer(
    add_completion=False,
    help="Quotes: an offer with lines, sent, then accepted (an order follows) or declined.",
    no_args_is_help=True,
)
order_app = typer.Typer(
    add_completion=False,
    help="Orders: made from an accepted quote, invoiced with `invoice from-order`.",
    no_args_is_help=True,
)
cost_app = typer.Typer(
    add_completion=False,
    help="Costs: money spent for a contact, company, campaign or deal (the profit report).",
    no_args_is_help=True,
)


def _money(cents: int, currency: str) -> str:
    from pocketcrm.core.money import format_amount

    return format_amount(cents, currency)


def _e(text: str) -> str:
    return text.replace("[", "\\[")


def line_table(lines: tuple[LineView, ...] | list[LineView], currency: str) -> list[str]:
    """Numbered lines with their nets, then the net, tax and gross totals."""
    from pocketcrm.core.services import lines as L

    out = [f"  {line.position:>2}. {_e(L.describe(line, currency))}  = {_money(line.net_cents, currency)}"
           for line in lines]  # fmt: skip
    sums = L.totals(lines)
    out += [
        f"  net {_money(sums.net_cents, currency)}   tax {_money(sums.tax_cents, currency)}   "
        f"total [bold]{_money(sums.gross_cents, currency)}[/bold]"
    ]
    return out


def _show_quote(view: QuoteView) -> None:
    head = [
        f"[bold]{_e(view.number)}[/bold]  quote  ({view.status})",
        f"contact   {_e(view.contact_name)}",
        f"issued    {view.issued_on.isoformat()}",
    ]
    if view.valid_until:
        head.append(f"valid to  {view.valid_until.isoformat()}")
    if view.deal_id:
        head.append(f"deal      #{view.deal_id}")
    if view.sent_at:
        head.append(f"sent      {local(view.sent_at)}")
    if view.decided_at:
        reason = f": {_e(view.decline_reason)}" if view.decline_reason else ""
        head.append(f"{view.status:<9} {local(view.decided_at)}{reason}")
    if view.order_numbers:
        head.append(f"ordered   {', '.join(view.order_numbers)}")
    if view.notes:
        head.append(f"notes     {_e(view.notes)}")
    say("\n".join([*head, "", "[bold]Lines[/bold]", *line_table(view.lines, view.currency)]))


@quote_app.command("add")
@handle_errors
def add(
    ref: Ref,
    line: LinesOption,
    currency: Annotated[
        str, typer.Option(help="Currency (default: the configured one).", metavar="CODE")
    ] = "",
    valid_for: Annotated[
        int | None, typer.Option("--valid-for", help="Days it holds (default 30).", metavar="DAYS")
    ] = None,
    deal: Annotated[
        int | None, typer.Option(help="The deal it is for (its id).", metavar="DEAL")
    ] = None,
    note: Note = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make a draft quote for a contact from --line items; nothing is saved if a line is wrong."""
    from pocketcrm.core.services import quotes

    store = open_db(db)
    view = quotes.create_quote(
        store, pick_contact(store, ref), line, currency=currency, valid_days=valid_for,
        deal_id=deal, notes=note,
    )  # fmt: skip
    print_result(view, as_json, f"{view.number} {_money(view.amount_cents, view.currency)} (draft)")


@quote_app.command("show")
@handle_errors
def show(number: QuoteNumber, db: DbOption = None, as_json: JsonOption = False) -> None:
    """One quote with its lines and totals."""
    from pocketcrm.core.services import quotes

    view = quotes.get_quote(open_db(db), number)
    if as_json:
        print_json(view)
    else:
        _show_quote(view)


@quote_app.command("list")
@handle_errors
def list_(
    contact: Annotated[str, typer.Option(help="Only this contact's (REF).", metavar="REF")] = "",
    status: Annotated[
        str, typer.Option(help="draft, sent, accepted or declined.", metavar="STATUS")
    ] = "",
    db: DbOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """Quotes, newest first, with their totals and status."""
    from pocketcrm.core.money import plain_amount
    from pocketcrm.core.services import quotes

    found = quotes.list_quotes(open_db(db), contact_ref=contact, status=status)

    def cells(q: QuoteView) -> list[object]:
        money = (
            [plain_amount(q.amount_cents), q.currency]
            if as_csv
            else [_money(q.amount_cents, q.currency)]
        )
        valid = q.valid_until.isoformat() if q.valid_until else ""
        return [q.number, q.contact_name, q.issued_on.isoformat(), valid, *money, q.status]

    currency = ["currency"] if as_csv else []
    print_list(found, ["number", "contact", "issued", "valid until", "total", *currency, "status"],
               cells, as_json=as_json, as_csv=as_csv)  # fmt: skip


def _move(verb: str, number: str, db: str | None, as_json: bool, reason: str = "") -> None:
    from pocketcrm.core.services import quotes

    store = open_db(db)
    if verb == "send":
        view = quotes.send_quote(store, number)
    elif verb == "accept":
        view = quotes.accept_quote(store, number)
    else:
        view = quotes.decline_quote(store, number, reason)
    print_result(view, as_json, f"{view.number} {view.status}")


@quote_app.command("send")
@handle_errors
def send(number: QuoteNumber, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Mark a quote as sent to the customer (make its PDF with `quote pdf`)."""
    _move("send", number, db, as_json)


@quote_app.command("accept")
@handle_errors
def accept(number: QuoteNumber, db: DbOption = None, as_json: JsonOption = False) -> None:
    """The customer accepted: make the order with `order from-quote`."""
    _move("accept", number, db, as_json)


@quote_app.command("decline")
@handle_errors
def decline(
    number: QuoteNumber,
    reason: Annotated[str, typer.Option(help="Why the customer said no.", metavar="TEXT")] = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The customer declined (the reason is kept for the analysis)."""
    _move("decline", number, db, as_json, reason)


def write_pdf(number: str, output: Path, db: str | None) -> None:
    """Draw a quote, order or invoice into OUTPUT (shared with `invoice pdf`)."""
    from pocketcrm.core import pdf

    doc = pdf.write_pdf(open_db(db), number, output)
    typer.echo(f"wrote {doc.number} to {output}")


@quote_app.command("pdf")
@handle_errors
def quote_pdf(number: QuoteNumber, output: OutputOption, db: DbOption = None) -> None:
    """A printable quote: your business from the config, numbered lines, tax breakdown."""
    write_pdf(number, output, db)


# --- orders ---

OrderNumber = Annotated[str, typer.Argument(help="The order number (or its id).", metavar="ORDER")]


@order_app.command("from-quote")
@handle_errors
def from_quote(number: QuoteNumber, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Make the order for an accepted quote: the quoted lines at today's costs."""
    from pocketcrm.core.services import quotes

    view = quotes.order_from_quote(open_db(db), number)
    print_result(view, as_json, f"{view.number} {_money(view.amount_cents, view.currency)} (order)")


@order_app.command("cancel")
@handle_errors
def cancel(
    number: OrderNumber,
    reason: Annotated[
        str, typer.Option(help="Why it is cancelled (required).", metavar="TEXT")
    ] = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Cancel an order; the record is kept with the reason."""
    from pocketcrm.core.errors import Invalid
    from pocketcrm.core.services import billing

    store = open_db(db)
    if billing.get_invoice(store, number).kind != "order":
        raise Invalid("order", f"{number} is an invoice; use `pocketcrm invoice cancel`")
    view = billing.cancel_invoice(store, number, reason)
    print_result(view, as_json, f"cancelled order {view.number}: {view.cancel_reason}")


@order_app.command("show")
@handle_errors
def order_show(number: OrderNumber, db: DbOption = None, as_json: JsonOption = False) -> None:
    """One order (or invoice) with its lines and totals."""
    from pocketcrm.core.services import billing, quotes

    store = open_db(db)
    view = billing.get_invoice(store, number)
    lines = quotes.document_lines(store, number)
    if as_json:
        from pocketcrm.core.readmodels import as_dict

        print_json({**as_dict(view), "lines": as_dict(lines)})
        return
    head = [f"[bold]{_e(view.number)}[/bold]  {view.kind}  ({view.status})",
            f"contact   {_e(view.contact_name)}", f"issued    {view.issued_on.isoformat()}"]  # fmt: skip
    if view.cancelled_at:
        head.append(f"cancelled {local(view.cancelled_at)}: {_e(view.cancel_reason)}")
    say("\n".join([*head, "", "[bold]Lines[/bold]", *line_table(lines, view.currency)]))


@order_app.command("list")
@handle_errors
def order_list(
    contact: Annotated[str, typer.Option(help="Only this contact's (REF).", metavar="REF")] = "",
    db: DbOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """Orders, oldest first (the same as `invoice list --kind order`)."""
    from pocketcrm.commands.billing import INVOICE_COLUMNS, _rows
    from pocketcrm.core.services import billing

    found = billing.list_invoices(open_db(db), contact_ref=contact, kind="order")
    if as_json:
        print_json(found)
        return
    from pocketcrm.commands.common import table

    table(
        [*INVOICE_COLUMNS, *(["currency"] if as_csv else []), "status"],
        _rows(found, as_csv),
        as_csv=as_csv,
    )


# --- costs ---


@cost_app.command("add")
@handle_errors
def cost_add(
    amount: Annotated[str, typer.Argument(help="What it cost: 120, '80 EUR'.", metavar="AMOUNT")],
    target: Annotated[
        str, typer.Option("--for", help="contact, company, campaign or deal.", metavar="WHAT")
    ] = "",
    ref: Annotated[
        str, typer.Argument(help="Who or what it was for (name, id).", metavar="REF")
    ] = "",
    kind: Annotated[
        str, typer.Option(help="travel, ads, discount or other.", metavar="KIND")
    ] = "other",
    on: Annotated[
        str, typer.Option("--on", help="When it was spent (WHEN; default today).", metavar="WHEN")
    ] = "",
    note: Note = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record money spent: `cost add 120 --for contact "Ann Lee" --kind travel --on yesterday`."""
    from pocketcrm.core.errors import Invalid
    from pocketcrm.core.services import costs

    if not target or not ref:
        raise Invalid("for", "say what it was for, e.g. --for contact 'Ann Lee' or --for deal 12")
    spent = when(on, "on", past=True).day() if on else None
    view = costs.add_cost(
        open_db(db), amount, target=target, ref=ref, kind=kind, spent_on=spent, notes=note
    )
    print_result(view, as_json, f"cost #{view.id}: {_money(view.amount_cents, view.currency)} {view.kind} "
                 f"for {view.target} {view.target_label}")  # fmt: skip


@cost_app.command("list")
@handle_errors
def cost_list(
    kind: Annotated[str, typer.Option(help="Only this kind.", metavar="KIND")] = "",
    db: DbOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """Costs entered, oldest first."""
    from pocketcrm.core.money import plain_amount
    from pocketcrm.core.services import costs

    found = costs.list_costs(open_db(db), kind=kind)
    currency = ["currency"] if as_csv else []
    print_list(
        found,
        ["id", "on", "kind", "amount", *currency, "for", "what", "notes"],
        lambda c: [
            c.id,
            c.spent_on.isoformat(),
            c.kind,
            *(
                [plain_amount(c.amount_cents), c.currency]
                if as_csv
                else [_money(c.amount_cents, c.currency)]
            ),
            c.target,
            c.target_label,
            c.notes,
        ],
        as_json=as_json,
        as_csv=as_csv,
    )


@cost_app.command("rm")
@handle_errors
def cost_rm(
    cost_id: Annotated[int, typer.Argument(help="The cost's id.", metavar="ID")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Move a cost entered by mistake to the trash."""
    from pocketcrm.core.services import costs

    item = costs.trash_cost(open_db(db), cost_id)
    print_result(item, as_json, f"cost #{item.id} moved to the trash")
