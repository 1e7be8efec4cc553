"""Companies: the list (paged like the contacts) and each company's card with its people.

The card shows its people above and, below them, one of three tabs (latest interactions,
deals, billing) with their counts: stacked, four lists left the deals no row at 80x24. ← →
or a click on a tab switches them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static, TabbedContent, TabPane

from pocketcrm import humanize
from pocketcrm.core.text import escape
from pocketcrm.tui import flows
from pocketcrm.tui import format as fmt
from pocketcrm.tui.screens.base import CrmScreen, PaletteCommand
from pocketcrm.tui.screens.card import CardSequence, open_card
from pocketcrm.tui.screens.contacts import CONTACT_COLUMNS
from pocketcrm.tui.widgets.key_footer import KeyFooter
from pocketcrm.tui.widgets.top_bar import TopBar
from pocketcrm.tui.widgets.virtual_table import Column, VirtualTable

if TYPE_CHECKING:
    from pocketcrm.core.readmodels.companies import CompanyCard, CompanyRow
    from pocketcrm.core.readmodels.contact_row import ContactRow
    from pocketcrm.core.services.billing import BillingEvent
    from pocketcrm.core.services.card_money import CardDeal, ContactMoney

KINDS = ("", "customer", "prospect", "partner", "supplier", "distributor", "other")

COMPANY_COLUMNS = [
    Column("name", "Company", 20, lambda r: r.name, grow=3),
    Column("kind", "Kind", 11, lambda r: r.kind),
    Column("city", "City", 10, lambda r: r.city, grow=1),
    Column("people", "People", 7, lambda r: fmt.number(r.people), justify="right"),
    Column("tags", "Tags", 8, lambda r: " ".join(r.tags), grow=1),
]

PEOPLE_COLUMNS = [c for c in CONTACT_COLUMNS if c.key != "company"]


def _amount(event: BillingEvent) -> str:
    from pocketcrm.core.money import format_amount

    return format_amount(event.amount_cents, event.currency)


BILLING_COLUMNS = [
    Column("on", "Date", 10, lambda e: e.on.isoformat()),
    Column("event", "Event", 9, lambda e: e.event),
    Column("number", "Number", 13, lambda e: e.number),
    Column("amount", "Amount", 12, _amount, justify="right"),
    Column("detail", "Detail", 8, lambda e: e.detail, grow=2),
]


def _deal_amount(deal: CardDeal) -> str:
    from pocketcrm.core.money import format_amount

    return format_amount(deal.amount_cents, deal.currency)


DEAL_COLUMNS = [
    Column("title", "Deal", 14, lambda d: d.title, grow=3),
    Column("stage", "Stage", 11, lambda d: d.stage.replace("_", " ")),
    Column("amount", "Amount", 12, _deal_amount, justify="right"),
    Column("person", "Person", 12, lambda d: d.person, grow=1),  # last, as Detail is in Billing
]

COMPANY_TIMELINE_COLUMNS = [
    Column("when", "When", 16, lambda r: fmt.local(r.occurred_at)),
    Column("who", "Who", 14, lambda r: r.contact_name, grow=1),
    Column("kind", "Kind", 7, lambda r: r.kind),
    Column("outcome", "Outcome", 9, lambda r: r.outcome.replace("_", " ")),
    Column("notes", "Notes", 12, lambda r: r.notes, grow=4),
]


class CompaniesScreen(CrmScreen):
    """Every company, searchable by name and filtered by kind."""

    WRITES: ClassVar[dict[str, str]] = {"add": "add", "edit": "change", "delete": "change"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "slash", "search", "Search", id="companies-search", tooltip="Search companies by name"
        ),
        Binding("enter", "open", "Open", id="companies-open", tooltip="Open the company's card"),
        Binding("n", "add", "New", id="companies-add", tooltip="Add a company"),
        Binding("e", "edit", "Edit", id="companies-edit", tooltip="Edit the company"),
        Binding(
            "d", "delete", "Delete", id="companies-delete", tooltip="Move the company to the trash"
        ),
        Binding("F", "kind", "Filter", id="companies-kind", tooltip="Filter companies by kind"),
        Binding(
            "escape", "clear", "Clear", id="companies-clear", tooltip="Clear the company search"
        ),
    ]

    def __init__(self) -> None:
        super().__init__(id="companies")
        self.kind = ""
        self.text = ""
        self.shown: tuple[str, str, str] = ("", "", "")  # kind, text, sort

    def compose(self) -> ComposeResult:
        yield TopBar("companies")
        with Horizontal(id="companies-bar"):
            yield Input(placeholder="Company name  ( / )", id="company-search")
            yield Static("kind: any", id="companies-kind")
        yield VirtualTable(
            COMPANY_COLUMNS, id="company-list", empty_text="No companies match.", page_size=100
        )
        yield Static("", id="companies-status", classes="status")
        yield KeyFooter()

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#company-list", VirtualTable)

    def on_mount(self) -> None:
        self.table.focus()

    def reload(self, *, cursor: int | None = None) -> None:
        store = self.store
        if store is None:
            return
        self.mark_seen()
        kind, text = self.kind, self.text
        table = self.table
        sort = table.sort
        want = table.cursor if cursor is None else cursor
        pages = table.visible_pages(want)
        size = table.page_size

        def job() -> tuple[int, dict[int, list[CompanyRow]]]:
            from pocketcrm.core.services.browse import count_companies
            from pocketcrm.core.services.companies import list_companies

            total = count_companies(store, kind=kind, text_filter=text)
            loaded = {
                page: list_companies(
                    store, kind=kind, text_filter=text, limit=size, offset=page * size, sort=sort
                )
                for page in pages
            }
            return total, loaded

        def done(result: tuple[int, dict[int, list[CompanyRow]]]) -> None:
            total, loaded = result
            self.shown = (kind, text, sort)
            table.load(total, loaded, cursor=want)
            self.query_one("#companies-status", Static).update(
                humanize.count(total, "company", number=fmt.number(total))
            )

        self.background(job, done, group="companies", exclusive=True)

    @on(VirtualTable.PageWanted, "#company-list")
    def fetch_page(self, message: VirtualTable.PageWanted) -> None:
        store = self.store
        if store is None:
            return
        kind, text, sort = self.shown
        size, page, generation = message.table.page_size, message.page, message.generation

        def job() -> list[CompanyRow]:
            from pocketcrm.core.services.companies import list_companies

            return list_companies(
                store, kind=kind, text_filter=text, limit=size, offset=page * size, sort=sort
            )

        self.background(
            job, lambda rows: message.table.set_page(generation, page, rows), group="company-page"
        )

    @on(VirtualTable.HeaderClicked, "#company-list")
    def _header_clicked(self, event: VirtualTable.HeaderClicked) -> None:
        """A column's header sorts the companies by it; a second click reverses."""
        self.table.sort_toggled(event.column)
        self.reload(cursor=0)

    @on(Input.Changed, "#company-search")
    def _search(self, event: Input.Changed) -> None:
        self.text = event.value
        self.reload(cursor=0)

    @on(Input.Submitted, "#company-search")
    def _submitted(self) -> None:
        self.table.focus()

    def action_search(self) -> None:
        self.query_one("#company-search", Input).focus()

    def action_clear(self) -> None:
        search = self.query_one("#company-search", Input)
        had = bool(self.kind or search.value)
        self.kind = ""
        self.query_one("#companies-kind", Static).update("kind: any")
        if search.value:
            search.value = ""
        elif had:
            self.reload(cursor=0)
        self.table.focus()

    def action_kind(self) -> None:
        self.action_set_kind(KINDS[(KINDS.index(self.kind) + 1) % len(KINDS)])

    def action_set_kind(self, kind: str) -> None:
        self.kind = kind
        self.query_one("#companies-kind", Static).update(f"kind: {kind or 'any'}")
        self.reload(cursor=0)

    def action_open(self) -> None:
        row: CompanyRow | None = self.table.current
        if row is not None:
            self.app.push_screen(CompanyScreen(row.id))

    @on(VirtualTable.Chosen, "#company-list")
    def _chosen(self) -> None:
        self.action_open()

    def action_add(self) -> None:
        flows.add_company(self)

    def action_edit(self) -> None:
        row: CompanyRow | None = self.table.current
        if row is not None:
            flows.edit_company(self, row.id)

    def action_delete(self) -> None:
        row: CompanyRow | None = self.table.current
        if row is not None:
            flows.trash_company(self, row.id, row.name)

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            PaletteCommand(
                f"Companies of kind: {kind or 'any'}",
                "Filter the company list",
                f"set_kind('{kind}')",
            )
            for kind in KINDS
        ]


def company_head(company: CompanyCard) -> Text:
    text = Text()
    text.append(escape(company.name), style="bold")
    text.append(f"  {company.kind}", style="cyan")
    text.append(f"  #{company.id}\n", style="dim")
    address = ", ".join(
        p
        for p in (company.street, company.city, company.region, company.postcode, company.country)
        if p
    )
    for label, value in (
        ("web", company.website),
        ("phone", company.phone),
        ("email", company.email),
        ("address", address),
        ("owner", company.owner),
    ):
        if value:
            text.append(f"{label:<8}", style="dim")
            text.append(escape(value) + "\n")
    if company.tags:
        text.append(" ".join(f"#{t}" for t in company.tags) + "\n", style="magenta")
    if company.notes:
        text.append(escape(company.notes) + "\n")
    text.rstrip()
    return text


def _sums(totals: dict[str, int]) -> str:
    from pocketcrm.core.money import format_amount

    return " + ".join(format_amount(c, cur) for cur, c in totals.items()) or "0"


def money_line(money: ContactMoney) -> Text:
    """The company's deals and billing in two lines: open deals and their worth, won ones;
    what was invoiced, what was paid and the balance still owed (overdue in red)."""
    open_deals = [d for d in money.deals if d.is_open]
    text = Text()
    text.append("Deals ", style="bold")
    text.append(f"{len(open_deals)} open")
    if open_deals:
        text.append(f" worth {_sums(money.open_worth())}")
    text.append(f", {len(money.won())} won\n")
    text.append("Billing ", style="bold")
    if not money.invoices:
        text.append("nothing billed yet", style="dim")
        return text
    text.append(f"invoiced {_sums(money.invoiced())}, paid {_sums(money.paid())}, ")
    overdue = money.overdue()
    text.append(f"balance {_sums(money.owed())}", style="bold red" if overdue else "bold")
    if overdue:
        text.append(" (overdue)", style="red")
    return text


class CompanyScreen(CrmScreen):
    """A company's card: its details, its deals and billing, its people, and their latest
    interactions (the deals and billing of everyone at it, as `pocketcrm billing` lists)."""

    WRITES: ClassVar[dict[str, str]] = {"edit": "change", "delete": "change"}
    OWNED: ClassVar[frozenset[str]] = frozenset({"edit", "delete"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="company-back", tooltip="Back to the companies"),
        Binding(
            "enter",
            "open",
            "Person's card",
            id="company-open-person",
            tooltip="Open the person's card",
        ),
        Binding("e", "edit", "Edit", id="company-edit", tooltip="Edit the company"),
        Binding(
            "d", "delete", "Delete", id="company-delete", tooltip="Move the company to the trash"
        ),
        Binding(
            "right",
            "section(1)",
            "Interactions/deals/billing",
            id="company-section-next",
            key_display="←→",
            priority=True,  # before the lists' sideways scroll, which has nothing to scroll
            tooltip="Show the next of the latest interactions, the deals and the billing",
        ),
        Binding(
            "left",
            "section(-1)",
            "Previous tab",
            id="company-section-back",
            show=False,
            priority=True,
            tooltip="Show the previous of the latest interactions, the deals and the billing",
        ),
    ]

    MOVE_KEYS: ClassVar[list[tuple[str, str]]] = [
        ("↑ ↓ j k", "move in a list"),
        ("pgup pgdn", "a page at a time"),
        ("home end g G", "first, last row"),
        ("tab", "from the people to the tabs below and their list"),
    ]

    def focus_owner(self) -> str | None:
        return None if self.company is None else self.company.owner

    def __init__(self, company_id: int) -> None:
        super().__init__()
        self.company_id = company_id
        self.company: CompanyCard | None = None
        self.people: list[ContactRow] = []

    def compose(self) -> ComposeResult:
        yield TopBar("companies")
        yield Static("Loading…", id="company-head")
        yield Static("", id="company-money")
        with Horizontal(id="company-body"):
            with Vertical(id="company-people-pane"):
                yield Static("People", id="company-people-title", classes="pane-title")
                yield VirtualTable(PEOPLE_COLUMNS, id="company-people", empty_text="No people yet.")
            with TabbedContent(id="company-tabs"):
                with TabPane("Latest interactions", id="company-tab-timeline"):
                    yield VirtualTable(
                        COMPANY_TIMELINE_COLUMNS,
                        id="company-timeline",
                        empty_text="Nothing logged yet.",
                    )
                with TabPane("Deals", id="company-tab-deals"):
                    yield VirtualTable(DEAL_COLUMNS, id="company-deals", empty_text="No deals yet.")
                with TabPane("Billing", id="company-tab-billing"):
                    yield VirtualTable(
                        BILLING_COLUMNS, id="company-billing", empty_text="Nothing billed yet."
                    )
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#company-people", VirtualTable).focus()

    def reload(self) -> None:
        store = self.store
        if store is None:
            return
        self.mark_seen()
        ref = str(self.company_id)

        def job() -> tuple[CompanyCard, list[BillingEvent], ContactMoney]:
            from pocketcrm.core.services.billing import company_billing_history
            from pocketcrm.core.services.card_money import company_money
            from pocketcrm.core.services.companies import get_company

            company = get_company(store, ref, interactions=50)
            billing = company_billing_history(store, f"#{ref}")
            return company, billing, company_money(store, self.company_id)

        def done(found: tuple[CompanyCard, list[BillingEvent], ContactMoney]) -> None:
            company, billing, money = found
            self.company = company
            self.query_one("#company-money", Static).update(money_line(money))
            tabs = self.query_one("#company-tabs", TabbedContent)
            counts = {
                "timeline": ("Latest interactions", len(company.interactions)),
                "deals": ("Deals", len(money.deals)),
                "billing": ("Billing", len(billing)),
            }
            for tab, (title, count) in counts.items():
                tabs.get_tab(f"company-tab-{tab}").label = f"{title} ({fmt.number(count)})"
            self.query_one("#company-deals", VirtualTable).set_rows(list(money.deals))
            self.focus_moved()
            self.query_one("#company-billing", VirtualTable).set_rows(billing[::-1])
            self.people = list(company.people)
            self.query_one("#company-head", Static).update(company_head(company))
            self.query_one("#company-people-title", Static).update(
                f"People ({fmt.number(len(company.people))})"
            )
            self.query_one("#company-people", VirtualTable).set_rows(self.people)
            self.query_one("#company-timeline", VirtualTable).set_rows(list(company.interactions))

        self.background(job, done, group="company", exclusive=True)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_section(self, step: int) -> None:
        """The tab STEP away below the people; its list takes the focus if the focus was in
        the tabs."""
        tabs = self.query_one("#company-tabs", TabbedContent)
        ids = ["company-tab-timeline", "company-tab-deals", "company-tab-billing"]
        inside = self.focused is not None and tabs in self.focused.ancestors
        tabs.active = ids[(ids.index(tabs.active) + step) % len(ids)]
        if inside:
            self.call_after_refresh(lambda: self.query_one(f"#{tabs.active} VirtualTable").focus())

    def action_edit(self) -> None:
        flows.edit_company(self, self.company_id)

    def action_delete(self) -> None:
        name = self.company.name if self.company is not None else f"company #{self.company_id}"
        flows.trash_company(self, self.company_id, name, after=self.app.pop_screen)

    def action_open(self) -> None:
        table = self.query_one("#company-people", VirtualTable)
        row: ContactRow | None = table.current
        if row is None:
            return
        ids = [p.id for p in self.people]
        open_card(self, row.id, CardSequence.of_ids(ids, table.cursor))

    @on(VirtualTable.Chosen, "#company-people")
    def _chosen(self) -> None:
        self.action_open()
