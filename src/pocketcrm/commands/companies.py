"""`pocketcrm company add|list|show|edit|rm`."""

from __future__ import annotations

from typing import Annotated

import typer

from pocketcrm.commands.common import (
    CsvOption,
    DbOption,
    IdsOption,
    JsonOption,
    handle_errors,
    local,
    no_markup,
    open_db,
    print_created,
    print_json,
    print_list,
    print_result,
    say,
)
from pocketcrm.commands.params import Note, NotesAlias, ReplaceNote, RowLimit, deprecated

app = typer.Typer(
    add_completion=False,
    help="Companies: the organisations your contacts belong to.",
    no_args_is_help=True,
)
CompanyRef = Annotated[
    str, typer.Argument(help="A company id or part of its name.", metavar="COMPANY")
]
KindOption = Annotated[
    str,
    typer.Option(help="customer, prospect, partner, supplier, distributor, other.", metavar="KIND"),
]


@app.command("add")
@handle_errors
def add(
    name: Annotated[str, typer.Argument(help="The company's name.", metavar="NAME")],
    kind: KindOption = "customer",
    website: Annotated[str, typer.Option(help="Website.", metavar="URL")] = "",
    phone: Annotated[str, typer.Option(help="Main phone.", metavar="PHONE")] = "",
    email: Annotated[str, typer.Option(help="Main email.", metavar="EMAIL")] = "",
    street: Annotated[str, typer.Option(help="Street address.", metavar="TEXT")] = "",
    city: Annotated[str, typer.Option(help="City.", metavar="TEXT")] = "",
    region: Annotated[str, typer.Option(help="State or region.", metavar="TEXT")] = "",
    postcode: Annotated[str, typer.Option(help="Postcode.", metavar="TEXT")] = "",
    country: Annotated[str, typer.Option(help="Country.", metavar="TEXT")] = "",
    tag: Annotated[
        list[str], typer.Option("--tag", "-t", help="Tag (repeat).", metavar="TAG")
    ] = [],  # noqa: B006
    note: Note = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a company and print its id."""
    from pocketcrm.core.services import companies

    created = companies.create_company(
        open_db(db),
        companies.CompanyInput(
            name=name,
            kind=kind,
            website=website,
            phone=phone,
            email=email,
            street=street,
            city=city,
            region=region,
            postcode=postcode,
            country=country,
            tags=tag,
            notes=note,
        ),
    )
    print_created(created, as_json)


@app.command("list")
@handle_errors
def list_(
    kind: Annotated[str, typer.Option(help="Only this kind.", metavar="KIND")] = "",
    tag: Annotated[str, typer.Option(help="Only with this tag.", metavar="TAG")] = "",
    name: Annotated[str, typer.Option(help="Name contains.", metavar="TEXT")] = "",
    sort: Annotated[
        str,
        typer.Option(
            help="name, kind, city, people or tags; a leading - reverses (-people).",
            metavar="ORDER",
        ),
    ] = "name",
    limit: RowLimit = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
    ids: IdsOption = False,
) -> None:
    """List companies."""
    from pocketcrm.core.services import companies

    rows = companies.list_companies(
        open_db(db), kind=kind, tag=tag, text_filter=name, limit=limit, sort=sort
    )
    print_list(
        rows,
        ["id", "name", "kind", "people", "city", "phone", "website", "tags"],
        lambda r: [r.id, r.name, r.kind, r.people, r.city, r.phone, r.website, " ".join(r.tags)],
        as_json=as_json,
        as_csv=as_csv,
        ids=ids,
    )


@app.command("show")
@handle_errors
def show(ref: CompanyRef, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show a company's card with its people and their latest interactions."""
    from pocketcrm.core.services import companies

    card = companies.get_company(open_db(db), ref)
    if as_json:
        print_json(card)
        return
    lines = [f"[bold]{no_markup(card.name)}[/bold]  [dim]#{card.id} {card.kind}[/dim]"]
    address = ", ".join(
        p for p in (card.street, card.city, card.region, card.postcode, card.country) if p
    )
    for label, value in (
        ("web", card.website),
        ("phone", card.phone),
        ("email", card.email),
        ("addr", address),
    ):
        if value:
            lines.append(f"{label:<6} {no_markup(value)}")
    if card.tags:
        lines.append("tags   " + " ".join(f"#{t}" for t in card.tags))
    if card.notes:
        lines += ["", no_markup(card.notes)]
    lines += ["", f"[bold]People ({len(card.people)})[/bold]"]
    for p in card.people:
        lines.append(
            f"  {p.id:>6}  {no_markup(p.display_name)}  [dim]{p.stage}[/dim]  {no_markup(p.email)}"
        )
    if card.interactions:
        lines += ["", "[bold]Latest interactions[/bold]"]
        for i in card.interactions:
            first = i.notes.splitlines()[0] if i.notes else ""
            lines.append(
                f"  {local(i.occurred_at)}  {no_markup(i.contact_name)}  {i.kind} {i.outcome}  {no_markup(first)}"
            )
    say("\n".join(lines))


@app.command("edit")
@handle_errors
def edit(
    ref: CompanyRef,
    name: Annotated[str | None, typer.Option(help="New name.", metavar="NAME")] = None,
    kind: Annotated[str | None, typer.Option(help="New kind.", metavar="KIND")] = None,
    website: Annotated[str | None, typer.Option(help="Website.", metavar="URL")] = None,
    phone: Annotated[str | None, typer.Option(help="Main phone.", metavar="PHONE")] = None,
    email: Annotated[str | None, typer.Option(help="Main email.", metavar="EMAIL")] = None,
    street: Annotated[str | None, typer.Option(help="Street address.", metavar="TEXT")] = None,
    city: Annotated[str | None, typer.Option(help="City.", metavar="TEXT")] = None,
    region: Annotated[str | None, typer.Option(help="State or region.", metavar="TEXT")] = None,
    postcode: Annotated[str | None, typer.Option(help="Postcode.", metavar="TEXT")] = None,
    country: Annotated[str | None, typer.Option(help="Country.", metavar="TEXT")] = None,
    note: ReplaceNote = None,
    old_notes: NotesAlias = None,
    add_tag: Annotated[list[str], typer.Option(help="Add a tag (repeat).", metavar="TAG")] = [],  # noqa: B006
    rm_tag: Annotated[list[str], typer.Option(help="Remove a tag (repeat).", metavar="TAG")] = [],  # noqa: B006
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change a company's details."""
    from pocketcrm.core.services import companies

    card = companies.update_company(
        open_db(db),
        ref,
        companies.CompanyPatch(
            name=name,
            kind=kind,
            website=website,
            phone=phone,
            email=email,
            street=street,
            city=city,
            region=region,
            postcode=postcode,
            country=country,
            notes=deprecated("--notes", "--note", old_notes, note, None),
            add_tags=add_tag,
            remove_tags=rm_tag,
        ),
    )
    print_result(card, as_json, f"updated #{card.id} {card.name}")


@app.command("rm")
@handle_errors
def rm(ref: CompanyRef, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Move a company to the trash (its people stay)."""
    from pocketcrm.core.services import trash

    item = trash.trash_company(open_db(db), ref)
    print_result(
        item,
        as_json,
        f"moved company #{item.id} {item.label} to the trash; undo with: pocketcrm restore {item.id} --kind company",
    )
