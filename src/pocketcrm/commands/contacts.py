"""People: add, show, list, search, edit, tag, stage, rm, trash, restore."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand

from pocketcrm.commands import contact_params as fields
from pocketcrm.commands.common import (
    CsvOption,
    DbOption,
    IdsOption,
    JsonOption,
    YesOption,
    ago,
    confirm_or_exit,
    due_text,
    err,
    handle_errors,
    interactive,
    local,
    no_markup,
    open_db,
    pick_contact,
    print_created,
    print_json,
    print_list,
    print_result,
    say,
    when,
)
from pocketcrm.commands.params import (
    COMPANY_KIND_HELP,
    CompanyFilter,
    ContactSort,
    Note,
    NotesAlias,
    OwnerFilter,
    Ref,
    ReplaceNote,
    RowLimit,
    StageFilter,
    TagFilter,
    deprecated,
)

if TYPE_CHECKING:
    from pocketcrm.core.readmodels.card import ContactCard
    from pocketcrm.core.readmodels.contact_row import ContactRow
    from pocketcrm.core.services.card_money import ContactMoney


def _money_lines(money: ContactMoney) -> list[str]:
    """Open and won deals and what is owed, as the interface's card shows them."""
    from pocketcrm.core.money import format_amount

    open_deals = [d for d in money.deals if d.is_open]
    won = money.won()
    if not open_deals and not won and not money.invoices:
        return []
    lines = ["", f"[bold]Deals[/bold] [dim]({len(open_deals)} open, {len(won)} won)[/dim]"]
    for deal in [*open_deals, *won[-3:]]:  # the last three won, as the interface shows
        style = "cyan" if deal.is_open else "green"
        lines.append(
            f"  [{style}]{deal.stage.replace('_', ' '):<12}[/{style}] {no_markup(deal.title)}  "
            f"{format_amount(deal.amount_cents, deal.currency)}"
        )
    owed = money.owed()
    if owed:
        total = ", ".join(format_amount(cents, cur) for cur, cents in owed.items())
        lines.append(f"owed: [bold]{total}[/bold]")
        for invoice in money.invoices:
            if invoice.balance_cents > 0:
                due = f", due {invoice.due_on.isoformat()}" if invoice.due_on else ""
                mark = " [red]overdue[/red]" if invoice.status == "overdue" else ""
                lines.append(
                    f"  {invoice.number}  {format_amount(invoice.balance_cents, invoice.currency)}"
                    f"{due}{mark}"
                )
    elif money.invoices:
        lines.append("owed: nothing")
    return lines


def _phone(number: str, e164: str, region: str) -> str:
    from pocketcrm.core.phones import display  # the standard library's re and a table

    return display(number, e164, region)


def _name_and_photo_lines(card: ContactCard) -> list[str]:
    """The name's parts (when they say more than the name) and the photo, as `show` lists them."""
    from pocketcrm.core.photo import describe

    lines = []
    parts = card.name_parts()
    if parts:
        lines.append("name   " + no_markup(" · ".join(f"{f}: {v}" for f, v in parts)))
    if card.photo:
        lines.append(f"photo  {no_markup(describe(card.photo))}")
    return lines


def render_card(card: ContactCard, money: ContactMoney | None = None, region: str = "") -> None:
    """The index card, section by section, as `show` prints it."""
    lines = [*_heading_lines(card), *_detail_lines(card, region), *_kept_lines(card)]
    if money is not None:
        lines += _money_lines(money)
    say("\n".join([*lines, *_interaction_lines(card), *_stage_lines(card)]))


def _heading_lines(card: ContactCard) -> list[str]:
    """Name, role at the company, stage, owner, tags and the do-not-contact flags."""
    lines = [f"[bold]{no_markup(card.display_name)}[/bold]  [dim]#{card.id}[/dim]"]
    role = no_markup(", ".join(p for p in (card.title, card.department) if p))
    if card.company:
        company = no_markup(card.company.name)
        role = f"{role} at {company}" if role else company
        role += f" [dim]({card.company.kind})[/dim]"
    if role:
        lines.append(role)
    stage = f"stage: [cyan]{card.stage}[/cyan]"
    if card.owner:
        stage += f"   owner: {no_markup(card.owner)}"
    if card.source:
        stage += f"   source: {no_markup(card.source)}"
    if card.tags:
        stage += "   tags: " + " ".join(f"[magenta]#{t}[/magenta]" for t in card.tags)
    lines.append(stage)
    flags = [
        f
        for f, on in (
            ("DO NOT CONTACT", card.do_not_contact),
            ("no marketing email", card.email_opt_out),
        )
        if on
    ]
    if flags:
        lines.append("[bold red]" + " · ".join(flags) + "[/bold red]")
    return lines


def _detail_lines(card: ContactCard, region: str) -> list[str]:
    """Emails, phones, addresses, websites, dates, custom fields and the last contact."""
    lines = [""]
    for email in card.emails:
        label = f" ({email.label})" if email.label else ""
        lines.append(f"email  {no_markup(email.address)}{label}{' *' if email.primary else ''}")
    for phone in card.phones:
        label = f" ({phone.label})" if phone.label else ""
        mark = "" if phone.valid else "  [yellow](unverified number)[/yellow]"
        shown = _phone(phone.number, phone.e164 if phone.valid else "", region)
        lines.append(f"phone  {no_markup(shown)}{label}{' *' if phone.primary else ''}{mark}")
    for address in card.addresses:
        label = f" ({address.label})" if address.label else ""
        lines.append(f"addr   {no_markup(address.one_line())}{no_markup(label)}")
    for site in card.websites:
        label = f" ({site.label})" if site.label else ""
        lines.append(f"web    {no_markup(site.url)}{no_markup(label)}")
    lines += _name_and_photo_lines(card)
    if card.birthday:
        lines.append(f"born   {card.birthday}")
    if card.anniversary:
        lines.append(f"anniv  {card.anniversary}")
    for name, value in card.custom.items():
        lines.append(f"{no_markup(name)}: {no_markup(value)}")
    lines.append(f"last contact: {ago(card.last_contact_at)}")
    return lines


def _kept_lines(card: ContactCard) -> list[str]:
    """Values kept aside by imports, the notes and the open follow-ups."""
    lines: list[str] = []
    if card.alternates:
        lines += ["", "[bold]Other values[/bold] [dim](kept aside by imports)[/dim]"]
        for alt in card.alternates:
            value = " ".join(alt.value.split())
            lines.append(
                f"  {alt.field.replace('_', ' ')}: {no_markup(value)}  "
                f"[dim]{no_markup(alt.source)}, {local(alt.recorded_at, date_only=True)}[/dim]"
            )
    if card.notes:
        lines += ["", "[bold]Notes[/bold]", no_markup(card.notes)]
    if card.follow_ups:
        lines += ["", "[bold]Open follow-ups[/bold]"]
        for f in card.follow_ups:
            due = due_text(f.due_at)
            mark = " [red]overdue[/red]" if f.overdue else ""
            lines.append(f"  {f.id:>5}  {due}{mark}  {no_markup(f.note)}")
    return lines


def _interaction_lines(card: ContactCard) -> list[str]:
    """The latest interactions, with how many older ones the card leaves out."""
    if not card.interactions:
        return []
    more = card.interaction_count - len(card.interactions)
    lines = [
        "",
        "[bold]Latest interactions[/bold]" + (f" [dim](+{more} older)[/dim]" if more > 0 else ""),
    ]
    for i in card.interactions:
        extra = " ".join(
            x for x in (i.outcome, f"{i.satisfaction}/5" if i.satisfaction else "") if x
        )
        first = i.notes.splitlines()[0] if i.notes else ""
        lines.append(f"  {local(i.occurred_at)}  {i.kind:<7} {extra:<14} {no_markup(first)}")
    return lines


def _stage_lines(card: ContactCard) -> list[str]:
    """The stage history, once the contact has moved at least once."""
    if len(card.stage_history) <= 1:
        return []
    lines = ["", "[bold]Stage history[/bold]"]
    for h in card.stage_history:
        lines.append(f"  {local(h.at, date_only=True)}  {h.from_stage or '(new)'} -> {h.to_stage}")
    return lines


def _rows(
    rows: list[ContactRow], as_json: bool, as_csv: bool, ids: bool = False, region: str = ""
) -> None:
    print_list(
        rows,
        [
            "id",
            "name",
            "company",
            "stage",
            "tags",
            "email",
            "phone",
            "last contact",
            "next follow-up",
        ],
        lambda r: [
            r.id,
            r.display_name,
            r.company,
            r.stage,
            " ".join(r.tags),
            r.email,
            _phone(r.phone, r.phone_e164, region),
            local(r.last_contact_at, date_only=True),
            due_text(r.next_follow_up_at),
        ],
        as_json=as_json,
        as_csv=as_csv,
        ids=ids,
    )


@handle_errors
def add(
    name: fields.AddName,
    email: fields.AddEmail = [],  # noqa: B006
    phone: fields.AddPhone = [],  # noqa: B006
    company: fields.AddCompany = "",
    company_kind: fields.AddCompanyKind = "",
    title: fields.AddTitle = "",
    department: fields.AddDepartment = "",
    stage: fields.AddStage = "",
    tag: fields.AddTag = [],  # noqa: B006
    owner: fields.AddOwner = "",
    note: Note = "",
    birthday: fields.AddBirthday = "",
    website: fields.AddWebsite = [],  # noqa: B006
    address: fields.AddAddress = [],  # noqa: B006
    anniversary: fields.AddAnniversary = "",
    nickname: fields.AddNickname = "",
    source: fields.AddSource = "",
    set_field: fields.AddSetField = [],  # noqa: B006
    do_not_contact: fields.AddDoNotContact = False,
    email_opt_out: fields.AddEmailOptOut = False,
    given: fields.AddGiven = "",
    family: fields.AddFamily = "",
    middle: fields.AddMiddle = "",
    prefix: fields.AddPrefix = "",
    suffix: fields.AddSuffix = "",
    photo: fields.AddPhoto = "",
    yes: YesOption = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a contact and print its id; warns first about a likely duplicate."""
    from pocketcrm.core.services import contacts

    data = contacts.ContactInput(
        name=name,
        emails=email,
        phones=phone,
        company=company,
        company_kind=company_kind,
        title=title,
        department=department,
        stage=stage,
        tags=tag,
        owner=owner,
        notes=note,
        birthday=birthday,
        websites=website,
        addresses=address,
        anniversary=anniversary,
        nickname=nickname,
        source=source,
        custom=_custom_fields(set_field),
        do_not_contact=do_not_contact,
        email_opt_out=email_opt_out,
        given_name=given,
        family_name=family,
        additional_names=middle,
        prefix=prefix,
        suffix=suffix,
        photo=photo,
    )
    store = open_db(db)
    from pocketcrm.core.services import users

    data.owner = users.resolve_owner(store, owner)
    contacts.validate_input(data, store.settings)
    # with --yes a likely duplicate is added anyway: no need to look for one first
    dupes = [] if yes else contacts.likely_duplicates(store, name, email, phone, company=company)
    if dupes:
        message = str(contacts.LikelyDuplicate(dupes))
        if not interactive():
            err(f"error: {message}; pass --yes to add anyway")
            raise typer.Exit(2)
        typer.echo(message, err=True)
        if not typer.confirm("Add a new contact anyway?", default=False):
            raise typer.Exit(1)
        yes = True
    _confirm_suppressed(store, email, phone, yes, "add")
    try:  # checked again inside the write: another `add` of this person may have just won
        created = contacts.create_contact(
            store, data, refuse_duplicates=not yes, allow_suppressed=True
        )
    except contacts.LikelyDuplicate as exc:
        err(f"error: {exc}; pass --yes to add anyway")
        raise typer.Exit(2) from None
    for warning in created.warnings:
        err(f"warning: {warning}")
    print_created(created, as_json)


def _custom_fields(items: list[str]) -> dict[str, str]:
    """--set NAME=VALUE options as a dict."""
    from pocketcrm.core.errors import Invalid

    custom = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise Invalid("set", f"{item!r} is not NAME=VALUE")
        custom[key] = value
    return custom


def _confirm_suppressed(
    store: Any, emails: list[str], phones: list[str], yes: bool, verb: str
) -> None:
    """An erased person's email or phone: warn, and go on only with --yes or a confirmation
    (exit 2 without one when no one is at the terminal; nothing is written)."""
    from pocketcrm.core.services import contacts

    found = contacts.suppressed_matches(store, emails, phones)
    if not found:
        return
    message = "; ".join(str(f) for f in found)
    if yes:
        err(f"warning: {message}")
        return
    confirm_or_exit(
        f"{message}; pass --yes to {verb} it anyway",
        f"{verb.capitalize()} it anyway?",
        warning=message,
    )


@handle_errors
def show(ref: Ref, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show the index card: details, company, stage, tags, follow-ups, latest interactions."""
    from pocketcrm.core.services import contacts

    store = open_db(db)
    card = contacts.get_card(store, pick_contact(store, ref))
    if as_json:
        print_json(card)
    else:
        from pocketcrm.core.services.card_money import contact_money

        render_card(card, contact_money(store, card.id), store.settings.default_region)


@handle_errors
def list_(
    stage: StageFilter = [],  # noqa: B006
    tag: TagFilter = [],  # noqa: B006
    company: CompanyFilter = [],  # noqa: B006
    company_kind: Annotated[
        list[str],
        typer.Option(help=COMPANY_KIND_HELP, metavar="KIND"),
    ] = [],  # noqa: B006
    owner: OwnerFilter = [],  # noqa: B006
    not_contacted_since: Annotated[
        str, typer.Option(help="WHEN: no call/meeting/email since, e.g. 30d.", metavar="WHEN")
    ] = "",
    sort: ContactSort = "name",
    limit: RowLimit = None,
    segment: Annotated[
        str,
        typer.Option(
            help="Only members of this saved segment (with any filters above).", metavar="SEGMENT"
        ),
    ] = "",
    db: DbOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
    ids: IdsOption = False,
) -> None:
    """List contacts, filtered and sorted.

    A filter given twice combines: `--tag a --tag b` needs both tags, `--stage lead --stage
    customer` takes either stage (the same for company, company kind and owner)."""
    from pocketcrm.core.queries import ContactQuery
    from pocketcrm.core.services import contacts

    since = (
        when(not_contacted_since, "not-contacted-since", past=True).moment
        if not_contacted_since
        else None
    )
    query = ContactQuery(
        stage=tuple(stage),
        tag=tuple(tag),
        company=tuple(company),
        company_kind=tuple(company_kind),
        not_contacted_since=since,
        sort=sort,
        limit=limit,
    )
    store = open_db(db)
    from pocketcrm.core.services import users

    query.owner = users.resolve_owners(store, owner)
    region = store.settings.default_region
    if segment:
        from pocketcrm.core.services import segments

        _rows(segments.list_in_segment(store, segment, query), as_json, as_csv, ids, region)
        return
    _rows(contacts.list_contacts(store, query), as_json, as_csv, ids, region)


@handle_errors
def search(
    words: Annotated[
        list[str], typer.Argument(help="Words to find (prefixes; accents ignored).", metavar="WORD")
    ],
    limit: Annotated[int, typer.Option(help="At most this many rows.", metavar="N")] = 50,
    db: DbOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
    ids: IdsOption = False,
) -> None:
    """Search names, emails, phones, companies, tags and notes."""
    from pocketcrm.core.services import contacts

    store = open_db(db)
    found = contacts.search_contacts(store, " ".join(words), limit=limit)
    _rows(found, as_json, as_csv, ids, store.settings.default_region)


@handle_errors
def edit(
    ref: Ref,
    name: fields.EditName = None,
    company: fields.EditCompany = None,
    title: fields.EditTitle = None,
    department: fields.EditDepartment = None,
    owner: fields.EditOwner = None,
    note: ReplaceNote = None,
    old_notes: NotesAlias = None,
    add_note: fields.EditAddNote = None,
    birthday: fields.EditBirthday = None,
    anniversary: fields.EditAnniversary = None,
    nickname: fields.EditNickname = None,
    source: fields.EditSource = None,
    add_address: fields.EditAddAddress = [],  # noqa: B006
    rm_address: fields.EditRmAddress = [],  # noqa: B006
    add_email: fields.EditAddEmail = [],  # noqa: B006
    rm_email: fields.EditRmEmail = [],  # noqa: B006
    add_phone: fields.EditAddPhone = [],  # noqa: B006
    rm_phone: fields.EditRmPhone = [],  # noqa: B006
    add_website: fields.EditAddWebsite = [],  # noqa: B006
    set_field: fields.EditSetField = [],  # noqa: B006
    unset_field: fields.EditUnsetField = [],  # noqa: B006
    do_not_contact: fields.EditDoNotContact = None,
    email_opt_out: fields.EditEmailOptOut = None,
    given: fields.EditGiven = None,
    family: fields.EditFamily = None,
    middle: fields.EditMiddle = None,
    prefix: fields.EditPrefix = None,
    suffix: fields.EditSuffix = None,
    photo: fields.EditPhoto = None,
    rm_website: fields.EditRmWebsite = [],  # noqa: B006
    yes: YesOption = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change a contact's details.

    Without options the card opens in $VISUAL or $EDITOR as a TOML file; what is saved is
    checked like the options, and a mistake reopens the file with the error at the top.
    """
    from pocketcrm.core.services import contacts

    custom = _custom_fields(set_field)
    patch = contacts.ContactPatch(
        name=name,
        company=company,
        title=title,
        department=department,
        owner=owner,
        notes=deprecated("--notes", "--note", old_notes, note, None),
        append_note=add_note,
        birthday=birthday,
        anniversary=anniversary,
        nickname=nickname,
        source=source,
        add_addresses=add_address,
        remove_addresses=rm_address,
        add_emails=add_email,
        remove_emails=rm_email,
        add_phones=add_phone,
        remove_phones=rm_phone,
        add_websites=add_website,
        set_custom=custom,
        remove_custom=unset_field,
        do_not_contact=do_not_contact,
        email_opt_out=email_opt_out,
        given_name=given,
        family_name=family,
        additional_names=middle,
        prefix=prefix,
        suffix=suffix,
        photo=photo,
        remove_websites=rm_website,
    )
    if patch == contacts.ContactPatch():  # no options: the whole card in $VISUAL/$EDITOR
        from pocketcrm.commands.editor import edit_in_editor

        edit_in_editor(db, ref, as_json)
        return
    store = open_db(db)
    if patch.owner is not None:
        from pocketcrm.core.services import users

        patch.owner = users.resolve_owner(store, patch.owner)
    target = pick_contact(store, ref)
    contacts.validate_patch(patch)
    _confirm_suppressed(store, add_email, add_phone, yes, "add")
    card = contacts.update_contact(store, target, patch, allow_suppressed=True)
    print_result(card, as_json, f"updated #{card.id} {card.display_name}")


@handle_errors
def tag(
    ref: Ref,
    changes: Annotated[
        list[str],
        typer.Argument(help="+tag to add, -tag to remove (plain tag adds).", metavar="+TAG|-TAG"),
    ],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add and remove tags: `pocketcrm tag ann +vip -cold`."""
    from pocketcrm.core.services import contacts

    add_tags = [c[1:] if c.startswith("+") else c for c in changes if not c.startswith("-")]
    remove_tags = [c[1:] for c in changes if c.startswith("-")]
    store = open_db(db)
    card = contacts.change_tags(store, pick_contact(store, ref), add_tags, remove_tags)
    print_result(
        card,
        as_json,
        f"#{card.id} {card.display_name}: " + (" ".join(f"#{t}" for t in card.tags) or "no tags"),
    )


class _TagCommand(TyperCommand):
    """`tag ann +vip -cold`: "-cold" is a tag to remove, never a cluster of short options.

    Click would read "-wholesale" as -w -h -o ... and show the help (-h); every single-dash
    word but -h itself is moved behind "--", where it stays a plain argument, in order.
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        cut = args.index("--") if "--" in args else len(args)
        head, tail = args[:cut], args[cut + 1 :]
        removals = [a for a in head if a.startswith("-") and not a.startswith("--") and a != "-h"]
        if removals:
            head = [a for a in head if a not in removals]
            tail = removals + tail
        return super().parse_args(ctx, [*head, "--", *tail] if tail or "--" in args else head)


# Its own one-command app, so the lazy root builds it with the class above.
tag_app = typer.Typer(add_completion=False, help=tag.__doc__)
tag_app.command("tag", cls=_TagCommand)(tag)


@handle_errors
def stage(
    ref: Ref,
    new_stage: Annotated[
        str, typer.Argument(metavar="STAGE", help="lead, prospect, customer, past_customer, ...")
    ],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Move a contact to another life-cycle stage (the change is kept in its history)."""
    from pocketcrm.core.services import contacts

    store = open_db(db)
    card = contacts.set_stage(store, pick_contact(store, ref), new_stage)
    print_result(card, as_json, f"#{card.id} {card.display_name} is now {card.stage}")


@handle_errors
def rm(ref: Ref, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Move a contact to the trash (`pocketcrm restore` brings it back)."""
    from pocketcrm.core.services import trash

    store = open_db(db)
    item = trash.trash_contact(store, pick_contact(store, ref))
    print_result(
        item,
        as_json,
        f"moved #{item.id} {item.label} to the trash; undo with: pocketcrm restore {item.id}",
    )


@handle_errors
def trash_(
    purge: Annotated[
        bool, typer.Option("--purge", help="Delete everything in the trash for good.")
    ] = False,
    yes: YesOption = False,
    db: DbOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
    ids: IdsOption = False,
) -> None:
    """List what is in the trash; --purge empties it (asks first)."""
    from pocketcrm import humanize
    from pocketcrm.core.services import trash

    store = open_db(db)
    items = trash.list_trash(store)
    if purge:
        if not items:
            if as_json:
                print_json({"purged": 0})
            else:
                typer.echo("the trash is empty")
            return
        if not yes:
            confirm_or_exit(
                f"purging deletes {humanize.count(len(items), 'record')} for good; "
                "pass --yes to confirm",
                f"Delete {humanize.count(len(items), 'record')} for good?",
            )
        count = trash.purge_trash(store)
        if as_json:
            print_json({"purged": count})
        else:
            typer.echo(f"deleted {humanize.count(count, 'record')} for good")
        return
    print_list(
        items,
        ["kind", "id", "label", "deleted"],
        lambda i: [i.kind, i.id, i.label, local(i.deleted_at)],
        as_json=as_json,
        as_csv=as_csv,
        ids=ids,  # each with its kind only when the trash holds more than contacts
        id_of=lambda i: i.id if i.kind == "contact" else f"{i.id} --kind {i.kind}",
    )


@handle_errors
def restore(
    ref: Ref,
    kind: Annotated[
        str,
        typer.Option(
            help="contact, company, interaction, follow-up, deal, invoice or payment.",
            metavar="KIND",
        ),
    ] = "contact",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Bring a record back from the trash."""
    from pocketcrm.core.services import trash

    item = trash.restore(open_db(db), ref, kind)
    print_result(item, as_json, f"restored {item.kind.replace('_', '-')} #{item.id} ({item.label})")
