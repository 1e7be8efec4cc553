"""`pocketcrm invoice add|list|show|cancel|rm`, `pocketcrm pay` and `pocketcrm billing`."""

from __future__ import annotations

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
    err,
    handle_errors,
    local,
    open_db,
    pick_contact,
    print_ids,
    print_json,
    print_list,
    print_result,
    say,
    table,
    when,
)
from pocketcrm.commands.params import Note, Ref

if TYPE_CHECKING:
    from pocketcrm.core.services.billing import InvoiceView
    from pocketcrm.core.store import Store

invoice_app = typer.Typer(
    add_completion=False,
    help="Invoices and orders: what a customer was billed, and whether it was paid.",
    no_args_is_help=True,
)
Number = Annotated[
    str, typer.Argument(help="The invoice or order number (or its id).", metavar="NUMBER")
]


def _money(cents: int, currency: str) -> str:
    from pocketcrm.core.money import format_amount

    return format_amount(cents, currency)


def _e(text: str) -> str:
    """User text inside Rich markup."""
    return text.replace("[", "\\[")


def _echo_invoice(view: InvoiceView, as_json: bool, verb: str) -> None:
    print_result(
        view,
        as_json,
        f"{verb} {view.kind} {view.number} {_money(view.amount_cents, view.currency)} "
        f"({view.status}, balance {_money(view.balance_cents, view.currency)})",
    )


@invoice_app.command("add")
@handle_errors
def add(
    ref: Ref,
    amount: Annotated[
        str | None,
        typer.Argument(
            help="Amount: 1200, 1,250.50, '900 EUR' (with --deal and no amount: what of the "
            "deal is not invoiced yet).",
            metavar="AMOUNT",
        ),
    ] = None,
    order: Annotated[bool, typer.Option("--order", help="An order, not an invoice.")] = False,
    number: Annotated[
        str, typer.Option(help="Number (default: next INV-/ORD-YYYY-NNNN).", metavar="NUMBER")
    ] = "",
    issued: Annotated[
        str, typer.Option(help="Issue date (WHEN; default today).", metavar="WHEN")
    ] = "",
    due: Annotated[str, typer.Option(help="Due date (WHEN).", metavar="WHEN")] = "",
    due_in: Annotated[
        int | None,
        typer.Option(
            "--due-in", help="Due this many days after issue (default 30).", metavar="DAYS"
        ),
    ] = None,
    deal: Annotated[
        int | None, typer.Option(help="The deal it bills (its id).", metavar="DEAL")
    ] = None,
    description: Annotated[str, typer.Option(help="What is billed.", metavar="TEXT")] = "",
    line: Annotated[
        list[str] | None,
        typer.Option(
            "--line",
            "-l",
            help="A line instead of an amount: 'SKU x3', 'Consulting 2h @ 90'.",
            metavar="LINE",
        ),
    ] = None,
    currency: Annotated[
        str, typer.Option(help="Currency of --line items (default: configured).", metavar="CODE")
    ] = "",
    yes: YesOption = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Bill a contact: an invoice (due in 30 days unless told) or an order (--order).

    With --deal and no amount it bills what of the deal is not invoiced yet. A deal that is
    already invoiced, fully or partly, is billed again only once you confirm (or --yes)."""
    from pocketcrm.core.errors import Invalid
    from pocketcrm.core.services import billing

    if due and due_in is not None:
        raise Invalid("due", "give --due or --due-in, not both")
    issued_on = when(issued, "issued", past=True).day() if issued else None
    due_on = when(due, "due").day() if due else None
    store = open_db(db)
    contact = pick_contact(store, ref)
    kind = "order" if order else "invoice"
    again = not line and deal is not None and _confirm_billed_deal(store, deal, kind, amount, yes)
    view = billing.create_invoice(
        store,
        contact,
        amount,
        kind=kind,
        number=number,
        issued_on=issued_on,
        due_in_days=due_in,
        due_on=due_on,
        deal_id=deal,
        description=description,
        bill_again=again,
        line_texts=line or (),
        currency=currency,
    )
    print_result(view, as_json, view.number)


def _confirm_billed_deal(
    store: Store, deal_id: int, kind: str, amount: str | None, yes: bool
) -> bool:
    """Warn when the deal is already billed and ask (or take --yes); True: bill it again.

    Without a terminal and without --yes it stops with exit 2 and writes nothing."""
    from pocketcrm.core.money import format_amount
    from pocketcrm.core.services import billing

    info = billing.deal_billing(store, deal_id, kind=kind)
    if not info.already_billed or (amount is None and info.open_cents <= 0):
        return False  # nothing to confirm (create_invoice refuses a fully billed deal)
    err(
        f"warning: deal #{info.deal_id} ({info.title}) is already {billing.BILLED_WORD[kind]}: "
        f"{format_amount(info.billed_cents, '')} of "
        f"{format_amount(info.amount_cents, info.currency)} ({', '.join(info.numbers)})"
    )
    if yes:
        return True
    confirm_or_exit(
        f"deal: pass --yes to {kind} deal #{deal_id} again",
        f"Add another {kind} for deal #{deal_id}?",
    )
    return True


INVOICE_COLUMNS = ["number", "kind", "contact", "issued", "due", "amount", "paid", "balance"]


def _amounts(cents: list[int], currency: str, as_csv: bool) -> list[object]:
    """Amounts as '1,250.50 EUR' on screen; in CSV plain numbers (1250.50) then the currency,
    so a spreadsheet can add them up."""
    from pocketcrm.core.money import plain_amount

    if as_csv:
        return [*(plain_amount(c) for c in cents), currency]
    return [_money(c, currency) for c in cents]


def _rows(found: list[InvoiceView], as_csv: bool = False) -> list[list[object]]:
    return [
        [
            v.number,
            v.kind,
            v.contact_name,
            v.issued_on.isoformat(),
            v.due_on.isoformat() if v.due_on else "",
            *_amounts([v.amount_cents, v.paid_cents, v.balance_cents], v.currency, as_csv),
            v.status,
        ]
        for v in found
    ]


@invoice_app.command("list")
@handle_errors
def list_(
    contact: Annotated[str, typer.Option(help="Only this contact's (REF).", metavar="REF")] = "",
    status: Annotated[
        str, typer.Option(help="open, paid, overdue or cancelled.", metavar="STATUS")
    ] = "",
    kind: Annotated[str, typer.Option(help="invoice or order.", metavar="invoice|order")] = "",
    db: DbOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
    ids: IdsOption = False,
) -> None:
    """Invoices and orders, oldest first, with what is paid and what is still owed."""
    from pocketcrm.core.services import billing

    found = billing.list_invoices(open_db(db), contact_ref=contact, status=status, kind=kind)
    if ids:
        print_ids(v.number for v in found)
        return
    if as_json:
        print_json(found)
        return
    currency = ["currency"] if as_csv else []
    table([*INVOICE_COLUMNS, *currency, "status"], _rows(found, as_csv), as_csv=as_csv)


@invoice_app.command("show")
@handle_errors
def show(number: Number, db: DbOption = None, as_json: JsonOption = False) -> None:
    """One invoice or order with its payments."""
    from pocketcrm.core.services import billing

    store = open_db(db)
    view = billing.get_invoice(store, number)
    payments = billing.invoice_payments(store, number)
    if as_json:
        from pocketcrm.core.readmodels import as_dict

        print_json({**as_dict(view), "payments": as_dict(payments)})
        return
    cur = view.currency
    lines = [
        f"[bold]{_e(view.number)}[/bold]  {view.kind}  ({view.status})",
        f"contact   {_e(view.contact_name)}",
        f"issued    {view.issued_on.isoformat()}",
    ]
    if view.due_on:
        lines.append(f"due       {view.due_on.isoformat()}")
    if view.deal_id:
        lines.append(f"deal      #{view.deal_id}")
    lines += [
        f"amount    {_money(view.amount_cents, cur)}",
        f"paid      {_money(view.paid_cents, cur)}",
        f"balance   {_money(view.balance_cents, cur)}",
    ]
    if view.description:
        lines.append(f"for       {_e(view.description)}")
    if view.cancelled_at:
        lines.append(f"cancelled {local(view.cancelled_at)}: {_e(view.cancel_reason)}")
    from pocketcrm.commands.quotes import line_table
    from pocketcrm.core.services.quotes import document_lines

    lines += ["", "[bold]Lines[/bold]", *line_table(document_lines(store, number), cur)]
    lines += ["", "[bold]Payments[/bold]"]
    if not payments:
        lines.append("  (none)")
    for p in payments:
        method = f"  {_e(p.method)}" if p.method else ""
        lines.append(f"  #{p.id}  {p.paid_on.isoformat()}  {_money(p.amount_cents, cur)}{method}")
    say("\n".join(lines))


@invoice_app.command("cancel")
@handle_errors
def cancel(
    number: Number,
    reason: Annotated[
        str, typer.Option(help="Why it is cancelled (required).", metavar="TEXT")
    ] = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Cancel an invoice or order; the record and its payments are kept."""
    from pocketcrm.core.services import billing

    _echo_invoice(billing.cancel_invoice(open_db(db), number, reason), as_json, "cancelled")


@invoice_app.command("from-order")
@handle_errors
def from_order(
    order: Annotated[str, typer.Argument(help="The order number (or its id).", metavar="ORDER")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Invoice an order: its lines, prices and costs as they are."""
    from pocketcrm.core.services import quotes

    view = quotes.invoice_from_order(open_db(db), order)
    print_result(view, as_json, f"{view.number} {_money(view.amount_cents, view.currency)}")


@invoice_app.command("pdf")
@handle_errors
def pdf(
    number: Number,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The PDF file to write.", metavar="FILE")
    ],
    db: DbOption = None,
) -> None:
    """A printable invoice: your business from the config, numbered lines, tax, terms."""
    from pocketcrm.commands.quotes import write_pdf

    write_pdf(number, output, db)


@invoice_app.command("rm")
@handle_errors
def rm(number: Number, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Move an invoice entered by mistake to the trash (`restore NUMBER --kind invoice`)."""
    from pocketcrm.core.services import billing

    item = billing.trash_invoice(open_db(db), number)
    print_result(item, as_json, f"invoice {item.label} moved to the trash")


@handle_errors
def pay(
    number: Number,
    amount: Annotated[
        str,
        typer.Argument(
            help="Amount received; a refund with --refund (or `-- -25`).", metavar="AMOUNT"
        ),
    ],
    refund: Annotated[bool, typer.Option("--refund", help="Money paid back.")] = False,
    on: Annotated[
        str, typer.Option("--on", help="When it was paid (WHEN; default today).", metavar="WHEN")
    ] = "",
    method: Annotated[str, typer.Option(help="bank transfer, card, cash ...", metavar="TEXT")] = "",
    note: Note = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a payment (or, with --refund, money paid back) against an invoice."""
    from pocketcrm.core.errors import Invalid
    from pocketcrm.core.services import billing

    if refund:
        if amount.strip().startswith("-"):
            raise Invalid("amount", "give --refund a positive amount, e.g. --refund 25")
        amount = f"-{amount.strip()}"
    paid_on = when(on, "on", past=True).day() if on else None
    store = open_db(db)
    payment = billing.record_payment(
        store, number, amount, paid_on=paid_on, method=method, notes=note
    )
    view = billing.get_invoice(store, payment.invoice_number)
    if as_json:
        print_json(payment)
        return
    verb = "refunded" if payment.amount_cents < 0 else "paid"
    typer.echo(
        f"{verb} {_money(abs(payment.amount_cents), payment.currency)} on {view.number} "
        f"(payment #{payment.id}); {view.status}, balance "
        f"{_money(view.balance_cents, view.currency)}"
    )
    if payment.paid_on < view.issued_on:
        err(f"note: paid {payment.paid_on} is before {view.number} was issued")


@handle_errors
def billing(
    ref: Ref,
    db: DbOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """A contact's or a company's billing history: what was issued, paid, refunded and cancelled."""
    from pocketcrm.core.errors import NotFound
    from pocketcrm.core.services import billing as service

    store = open_db(db)
    try:
        events = service.billing_history(store, pick_contact(store, ref))
    except NotFound:
        events = service.billing_for(store, ref)[1]
    currency = ["currency"] if as_csv else []
    print_list(
        events,
        ["date", "event", "number", "kind", "amount", *currency, "detail"],
        lambda e: [
            e.on.isoformat(),
            e.event,
            e.number,
            e.kind,
            *_amounts([e.amount_cents], e.currency, as_csv),
            e.detail,
        ],
        as_json=as_json,
        as_csv=as_csv,
    )
