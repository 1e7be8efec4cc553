"""The index card: everything about one person before a call, and the whole timeline.

Left: details, company, stage with its history, tags, notes, open follow-ups. Right (below,
in a narrow terminal): every interaction, newest first, paged like the contact list, with the
highlighted one's full note under it. ← and → flip to the previous and next card in the
order of the list the card was opened from.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from pocketcrm import humanize
from pocketcrm.core.text import escape
from pocketcrm.tui import flows
from pocketcrm.tui import format as fmt
from pocketcrm.tui.host import crm_app
from pocketcrm.tui.screens.base import CrmScreen
from pocketcrm.tui.textual_internals import lay_out_off_screen, register_screen
from pocketcrm.tui.widgets.case_lines import card_cases
from pocketcrm.tui.widgets.key_footer import KeyFooter
from pocketcrm.tui.widgets.top_bar import TopBar
from pocketcrm.tui.widgets.virtual_table import Cell, Column, VirtualTable

if TYPE_CHECKING:
    from pocketcrm.core.readmodels.activity import InteractionView
    from pocketcrm.core.readmodels.card import ContactCard
    from pocketcrm.core.services.card_money import ContactMoney
    from pocketcrm.core.store import Store

TIMELINE_PAGE = 200
FLIP = Binding.Group("Flip", compact=True)


@dataclass
class CardSequence:
    """Where a card sits in the list it was opened from, and how to find its neighbours.

    `contact_at` runs in a thread worker: it may query the store.
    """

    index: int
    total: int
    contact_at: Callable[[Store, int], int | None]

    @classmethod
    def of_ids(cls, ids: list[int], index: int) -> CardSequence:
        """A sequence over a list already in memory (agenda, a company's people)."""
        return cls(index, len(ids), lambda _store, i: ids[i] if 0 <= i < len(ids) else None)


def _outcome(row: InteractionView) -> Cell:
    if not row.outcome:
        return ""
    return (row.outcome.replace("_", " "), "green" if row.outcome == "reached" else "")


def _duration(row: InteractionView) -> str:
    if not row.duration_s:
        return ""
    from pocketcrm.core.dates import format_duration

    return format_duration(row.duration_s)


TIMELINE_COLUMNS = [
    Column("when", "When", 16, lambda r: fmt.local(r.occurred_at)),
    Column("kind", "Kind", 7, lambda r: r.kind),
    Column("outcome", "Outcome", 9, _outcome),
    Column("duration", "Length", 6, _duration),
    Column("sat", "Sat", 3, lambda r: f"{r.satisfaction}/5" if r.satisfaction else ""),
    Column("notes", "Notes", 12, lambda r: r.notes, grow=1),
]


def _label(text: Text, label: str, value: str, style: str = "") -> None:
    if value:
        text.append(f"{label:<9}", style="dim")
        text.append(escape(value) + "\n", style=style)


def card_head(card: ContactCard) -> Text:
    """Name, role, company, stage, owner, tags and warnings."""
    text = Text()
    text.append(escape(card.display_name), style="bold")
    text.append(f"  #{card.id}\n", style="dim")
    role = ", ".join(p for p in (card.title, card.department) if p)
    if card.company is not None:
        role = f"{role} at {card.company.name}" if role else card.company.name
        role += f" ({card.company.kind})"
    if role:
        text.append(escape(role) + "\n")
    text.append("stage ", style="dim")
    text.append(card.stage.replace("_", " "), style="bold cyan")
    if card.owner:
        text.append("   owner ", style="dim")
        text.append(escape(card.owner))
    text.append("\n")
    if card.tags:
        text.append(" ".join(f"#{t}" for t in card.tags) + "\n", style="magenta")
    flags = [f for f, on in (("DO NOT CONTACT", card.do_not_contact),) if on]
    if card.email_opt_out:
        flags.append("no marketing email")
    if card.deleted_at is not None:
        flags.append("IN THE TRASH")
    if flags:
        text.append(" · ".join(flags) + "\n", style="bold red")
    return text


def card_details(card: ContactCard, region: str = "") -> Text:
    """Emails, phones (shown by core.phones.display), addresses and the rest."""
    from pocketcrm.core.phones import display
    from pocketcrm.core.photo import describe as describe_photo

    text = Text()
    for email in card.emails:
        label = f" ({email.label})" if email.label else ""
        _label(text, "email", f"{email.address}{label}")
    for phone in card.phones:
        label = f" ({phone.label})" if phone.label else ""
        mark = "" if phone.valid else "  (unverified)"
        shown = display(phone.number, phone.e164 if phone.valid else "", region)
        _label(text, "phone", f"{shown}{label}{mark}")
    for address in card.addresses:
        label = f" ({address.label})" if address.label else ""
        _label(text, "address", f"{address.one_line()}{label}")
    for site in card.websites:
        _label(text, "web", f"{site.url} ({site.label})" if site.label else site.url)
    _label(text, "name", " · ".join(f"{part}: {value}" for part, value in card.name_parts()))
    _label(text, "photo", describe_photo(card.photo) if card.photo else "")
    _label(text, "birthday", card.birthday)
    _label(text, "anniv", card.anniversary)
    for name, value in card.custom.items():
        _label(text, escape(name)[:7], value)
    _label(text, "last", fmt.ago(card.last_contact_at))
    _label(text, "source", card.source)
    for alt in card.alternates:  # values an import kept aside
        _label(text, "also", f"{alt.field.replace('_', ' ')}: {' '.join(alt.value.split())}")
    return text


def card_follow_ups(card: ContactCard) -> Text:
    text = Text()
    text.append(f"Open follow-ups ({len(card.follow_ups)})\n", style="bold")
    if not card.follow_ups:
        text.append("none — press f to plan the next step\n", style="dim")
    for follow in card.follow_ups:
        when = fmt.due(follow.due_at, all_day=follow.all_day)
        text.append(f"{when:<16}", style="bold red" if follow.overdue else "")
        text.append(f" {escape(follow.note)}\n")
    return text


def money_block(money: ContactMoney) -> Text:
    """Open deals, and the billing history's state: what is owed and what came last."""
    from pocketcrm.core.money import format_amount

    text = Text()
    open_deals = [d for d in money.deals if d.is_open]
    text.append(f"Deals ({len(open_deals)} open)\n", style="bold")
    if not money.deals:
        text.append("none — press D to add one\n", style="dim")
    for deal in open_deals:
        text.append(f"{deal.stage.replace('_', ' '):<12}", style="cyan")
        text.append(f" {escape(deal.title)}  {format_amount(deal.amount_cents, deal.currency)}\n")
    for deal in [d for d in money.deals if not d.is_open][-3:]:
        text.append(f"{deal.stage:<12}", style="green" if deal.stage == "won" else "dim")
        text.append(
            f" {escape(deal.title)}  {format_amount(deal.amount_cents, deal.currency)}\n",
            style="dim",
        )
    owed = [i for i in money.invoices if i.status in ("open", "overdue")]
    billed = humanize.count(len(money.invoices), "invoice or order", many="invoices and orders")
    text.append(f"Billing ({billed})\n", style="bold")
    if not money.invoices:
        text.append("nothing billed yet\n", style="dim")
    for invoice in owed:
        style = "bold red" if invoice.status == "overdue" else ""
        text.append(f"{invoice.number:<14}", style=style)
        text.append(f" owes {format_amount(invoice.balance_cents, invoice.currency)}")
        if invoice.due_on is not None:
            text.append(f", due {invoice.due_on:%d %b %Y}", style=style or "dim")
        text.append("\n")
    for invoice in [i for i in money.invoices if i not in owed][-3:]:
        text.append(f"{invoice.number:<14} {invoice.status}", style="dim")
        text.append(f"  {format_amount(invoice.amount_cents, invoice.currency)}\n", style="dim")
    return text


def card_notes(card: ContactCard) -> Text:
    text = Text()
    text.append("Notes\n", style="bold")
    notes = escape(card.notes)
    text.append(notes + "\n" if notes else "none\n", style="" if notes else "dim")
    return text


def card_stages(card: ContactCard) -> Text:
    text = Text()
    text.append("Stage history\n", style="bold")
    for change in card.stage_history:
        text.append(f"{fmt.local(change.at, date_only=True)}  ", style="dim")
        text.append(f"{change.from_stage or '(new)'} → {change.to_stage}")
        if change.by:
            text.append(f"  by {change.by}", style="dim")
        text.append("\n")
    return text


def _trim(text: Text) -> Text:
    text.rstrip()
    return text


class CardScreen(CrmScreen):
    """One contact's card, pushed over the list it came from."""

    WRITES: ClassVar[dict[str, str]] = {
        "log": "log",
        "follow_up": "log",
        "done": "log",
        "edit": "change",
        "delete": "change",
        "remove_interaction": "change",
        "new_deal": "add",
        "new_quote": "sell",
    }
    OWNED: ClassVar[frozenset[str]] = frozenset({"edit", "delete"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="card-back", tooltip="Back to the list"),
        Binding(
            "left,left_square_bracket",
            "flip(-1)",
            "Previous",
            id="card-previous",
            tooltip="Previous card in the list",
            group=FLIP,
            key_display="←",
        ),
        Binding(
            "right,right_square_bracket",
            "flip(1)",
            "Next",
            id="card-next",
            tooltip="Next card in the list",
            group=FLIP,
            key_display="→",
        ),
        Binding("l", "log", "Log", id="card-log", tooltip="Log a call, meeting, email or note"),
        Binding("f", "follow_up", "Follow-up", id="card-follow-up", tooltip="Schedule a follow-up"),
        Binding("x", "done", "Done", id="card-done", tooltip="Mark the next follow-up done"),
        Binding("e", "edit", "Edit", id="card-edit", tooltip="Edit the contact"),
        Binding("d", "delete", "Delete", id="card-delete", tooltip="Move the contact to the trash"),
        Binding(
            "r",
            "remove_interaction",
            "Remove",
            id="card-remove-interaction",
            tooltip="Move the highlighted call or note to the trash (logged by mistake; u undoes)",
        ),
        Binding("D", "new_deal", "Deal", id="card-deal", tooltip="Add a deal with this contact"),
        Binding("Q", "new_quote", "Quote", id="card-quote", tooltip="Make a quote (lines)"),
        Binding("S", "sales", "Sales", id="card-sales", tooltip="Quotes, orders, invoices, lines"),
        Binding(
            "b", "billing", "Billing", id="card-billing", tooltip="Invoices, payments, refunds"
        ),
        Binding("h", "history", "History", id="card-history", tooltip="Who changed what, when"),
    ]

    def focus_owner(self) -> str | None:
        return None if self.card is None else self.card.owner

    def __init__(
        self,
        contact_id: int,
        sequence: CardSequence | None = None,
        loaded: tuple[ContactCard, list[InteractionView]] | None = None,
    ) -> None:
        super().__init__()
        self.contact_id = contact_id
        self.sequence = sequence or CardSequence.of_ids([contact_id], 0)
        self.card: ContactCard | None = None
        self._loaded = loaded
        self.loaded_at: float | None = None  # perf_counter() when drawn with its data
        self.blank = False  # built ahead of time (prebuild_card): no contact to show yet
        self.flip_target: int | None = None  # the card position the flip keys asked for

    @classmethod
    def prebuild(cls) -> CardScreen:
        """A card screen with no contact yet, composed while nobody waits for it."""
        screen = cls(0)
        screen.blank = True
        return screen

    def compose(self) -> ComposeResult:
        yield TopBar(self.app.current_mode)
        with Horizontal(id="card-body"):
            with VerticalScroll(id="card-details"):
                yield Static("Loading…", id="card-head")
                yield Static("", id="card-info")
                yield Static("", id="card-follow-ups")
                yield Static("", id="card-money")
                yield Static("", id="card-notes")
                yield Static("", id="card-stages")
            with Vertical(id="card-timeline-pane"):
                yield Static("Timeline", id="timeline-title", classes="pane-title")
                yield VirtualTable(
                    TIMELINE_COLUMNS,
                    id="timeline",
                    page_size=TIMELINE_PAGE,
                    empty_text="No calls, meetings or notes yet. Press l to log one.",
                )
                yield Static("", id="timeline-note")
        yield Static("", id="card-status", classes="status")
        yield KeyFooter()

    @property
    def timeline(self) -> VirtualTable:
        return self.query_one("#timeline", VirtualTable)

    def on_mount(self) -> None:
        if not self.query("#timeline"):
            return  # mounted while the app shuts down (a quit right after start): no children
        self.timeline.focus()
        if self.blank:
            self.call_after_refresh(self._warm_up)
        if self._loaded is not None:  # fetched before the screen opened: one layout, not two
            card, first = self._loaded
            self._loaded = None
            self.mark_seen()
            self.show(card, first, keep_cursor=False)

    def _warm_up(self) -> None:
        """Give the blank screen the terminal's size (its breakpoint classes: -wide or
        -narrow), then lay it out and render it once, all off screen."""
        if self.is_current or not self.blank or not self.app.is_running:
            return
        size = self.app.size
        self.post_message(events.Resize(size, size))
        self.call_after_refresh(self._warm_render)

    def _warm_render(self) -> None:
        if self.is_current or not self.blank or not self.app.is_running:
            return
        lay_out_off_screen(self, self.app.size)

    def present(
        self,
        contact_id: int,
        sequence: CardSequence,
        loaded: tuple[ContactCard, list[InteractionView]],
    ) -> None:
        """Show another contact on this (reused) screen before it is pushed again."""
        self.contact_id = contact_id
        self.sequence = sequence
        self.blank = False
        self.flip_target = None
        if self.is_mounted:
            self.mark_seen()
            self.show(*loaded, keep_cursor=False)
            self.timeline.focus()
        else:
            self._loaded = loaded

    def reload(self) -> None:
        if not self.blank:
            self.load(self.contact_id)

    def load(self, contact_id: int, index: int | None = None) -> None:
        """Fetch a card and the first page of its timeline together, then show both."""
        store = self.store
        if store is None:
            return
        self.mark_seen()
        same = contact_id == self.contact_id and self.card is not None

        def job() -> tuple[ContactCard, list[InteractionView]]:
            return fetch_card(store, contact_id)

        def done(result: tuple[ContactCard, list[InteractionView]]) -> None:
            card, first = result
            self.contact_id = card.id
            if index is not None:
                self.sequence.index = index
                if index == self.flip_target:
                    self.flip_target = None  # arrived where the keys asked
            self.show(card, first, keep_cursor=same)

        self.background(job, done, group="card", exclusive=True)

    def show(self, card: ContactCard, first: list[InteractionView], *, keep_cursor: bool) -> None:
        self.card = card
        self.focus_moved()
        self.query_one("#card-head", Static).update(_trim(card_head(card)))
        region = self.settings.default_region
        self.query_one("#card-info", Static).update(_trim(card_details(card, region)))
        self.query_one("#card-follow-ups", Static).update(_trim(card_follow_ups(card)))
        self.query_one("#card-notes", Static).update(_trim(card_notes(card)))
        self.query_one("#card-stages", Static).update(_trim(card_stages(card)))
        self.query_one("#timeline-title", Static).update(
            f"Timeline: {humanize.count(card.interaction_count, 'interaction', number=fmt.number(card.interaction_count))}, "
            "newest first"
        )
        self.timeline.load(card.interaction_count, {0: first}, cursor=None if keep_cursor else 0)
        if not keep_cursor:
            self.query_one("#card-details", VerticalScroll).scroll_home(animate=False)
        self._show_status()
        self.call_after_refresh(self._painted)
        self._load_money(card.id)

    def _load_money(self, contact_id: int) -> None:
        """Deals and billing, fetched after the card is drawn (they never delay it)."""
        store = self.store
        if store is None:
            return

        def job() -> Text:
            from pocketcrm.core.services.card_money import contact_money
            from pocketcrm.core.services.case_views import contact_cases

            return money_block(contact_money(store, contact_id)) + card_cases(
                contact_cases(store, contact_id)
            )

        def done(block: Text) -> None:
            if self.contact_id == contact_id:
                self.query_one("#card-money", Static).update(block)

        self.background(job, done, group="card-money", exclusive=True)

    def _painted(self) -> None:
        """When the card with its data was last drawn (the benchmark reads it)."""
        self.loaded_at = time.perf_counter()

    def _show_status(self) -> None:
        seq = self.sequence
        where = f"Card {fmt.number(seq.index + 1)} of {fmt.number(seq.total)}" if seq.total else ""
        self.query_one("#card-status", Static).update(f"{where}   ← → flip   esc back")

    @on(VirtualTable.PageWanted, "#timeline")
    def fetch_page(self, message: VirtualTable.PageWanted) -> None:
        store, contact_id = self.store, self.contact_id
        if store is None:
            return
        size, page, generation = message.table.page_size, message.page, message.generation

        def job() -> list[InteractionView]:
            from pocketcrm.core.services.activity import contact_interactions

            return contact_interactions(store, contact_id, limit=size, offset=page * size)

        self.background(
            job, lambda rows: message.table.set_page(generation, page, rows), group="card-page"
        )

    @on(VirtualTable.Highlighted, "#timeline")
    def show_note(self, message: VirtualTable.Highlighted) -> None:
        row: InteractionView | None = message.row
        note = self.query_one("#timeline-note", Static)
        if row is None:
            note.update("")
            return
        text = Text()
        text.append(f"{fmt.local(row.occurred_at)} {row.kind}", style="bold")
        extra = [row.direction and f"direction {row.direction}", row.owner and f"by {row.owner}"]
        if any(extra):
            text.append("  " + "  ".join(e for e in extra if e), style="dim")
        text.append("\n" + (escape(row.notes) or "(no notes)"))
        note.update(text)

    # -- actions ----------------------------------------------------------------------------

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_flip(self, step: int) -> None:
        """Each press counts, even at key-repeat speed: the position wanted moves at once and
        only the last card asked for is fetched (earlier fetches are cancelled)."""
        store = self.store
        seq = self.sequence
        target = (seq.index if self.flip_target is None else self.flip_target) + step
        if store is None or not 0 <= target < seq.total:
            self.notify("No more cards this way.", timeout=2)
            return
        self.flip_target = target

        def job() -> int | None:
            return seq.contact_at(store, target)

        def found(contact_id: int | None) -> None:
            if contact_id is not None:
                self.load(contact_id, target)

        self.background(job, found, group="card-flip", exclusive=True)

    def contact_label(self) -> str:
        return escape(self.card.display_name) if self.card is not None else f"#{self.contact_id}"

    def action_log(self) -> None:
        flows.log_interaction(self, self.contact_id, self.contact_label())

    def action_follow_up(self) -> None:
        flows.schedule_follow_up(self, self.contact_id, self.contact_label())

    def action_done(self) -> None:
        if self.card is None or not self.card.follow_ups:
            self.notify("No open follow-up on this card.", timeout=3)
            return
        flows.complete_follow_up(self, self.card.follow_ups[0].id, self.contact_label())

    def action_remove_interaction(self) -> None:
        row: InteractionView | None = self.timeline.current
        if row is None:
            self.notify("No call or note highlighted on the timeline.", timeout=3)
            return
        flows.trash_record(self, "interaction", row.id)

    def action_edit(self) -> None:
        flows.edit_contact(self, self.contact_id)

    def action_new_deal(self) -> None:
        flows.add_deal(self, self.contact_id, self.contact_label())

    def action_new_quote(self) -> None:
        from pocketcrm.tui.modals.sales import QuoteForm

        def saved(quote: Any) -> None:
            if quote is not None:
                self.notify(f"quote {quote.number} made (draft)")
                self.reload()

        self.app.push_screen(QuoteForm(self.contact_id, self.contact_label()), saved)

    def action_sales(self) -> None:
        from pocketcrm.tui.modals.sales import SalesModal

        store, contact_id, name = self.store, self.contact_id, self.contact_label()
        if store is None:
            return

        def job() -> Any:
            from pocketcrm.core.services.quotes import contact_documents

            return contact_documents(store, f"#{contact_id}")

        self.background(
            job, lambda docs: self.app.push_screen(SalesModal(name, docs)), group="card-sales"
        )

    def action_billing(self) -> None:
        from pocketcrm.tui.screens.billing import BillingScreen

        self.app.push_screen(BillingScreen(self.contact_id, self.contact_label()))

    def action_history(self) -> None:
        from pocketcrm.core.services.history import history
        from pocketcrm.tui.modals.history import HistoryModal

        store, ref = crm_app(self).store, f"#{self.contact_id}"
        if store is None:
            return
        self.background(
            lambda: history(store, ref),
            lambda found: self.app.push_screen(HistoryModal(found)),
            group="card-history",
            exclusive=True,
        )

    def action_delete(self) -> None:
        def after() -> None:
            if self.app.screen is self:
                self.app.pop_screen()

        flows.trash_contact(self, self.contact_id, self.contact_label(), after)


def fetch_card(store: Store, contact_id: int) -> tuple[ContactCard, list[InteractionView]]:
    """A card and the first page of its timeline (runs in a thread worker)."""
    from pocketcrm.core.services.activity import contact_interactions
    from pocketcrm.core.services.contacts import get_card_by_id

    card = get_card_by_id(store, contact_id, interactions=0)
    return card, contact_interactions(store, contact_id, limit=TIMELINE_PAGE)


def card_screen_name(app: App[Any]) -> str:
    """Each mode keeps one card screen, installed under this name."""
    return f"card-{app.current_mode}"


def prebuild_card(app: App[Any], sample_id: int | None = None) -> None:
    """Build this mode's card screen now (compose, styles, layout) so the first card opens as
    fast as the later ones: a new screen costs Textual about 100 ms more than a reused one.

    SAMPLE_ID (a contact on screen) is fetched once in a thread and dropped: the first card
    then does not pay for the core's first queries either (imports, statement compilation).
    """
    name = card_screen_name(app)
    store = crm_app(app).store
    if sample_id is not None and store is not None:

        def warm() -> None:
            with contextlib.suppress(Exception):  # a contact deleted meanwhile: no matter
                fetch_card(store, sample_id)

        app.run_worker(warm, thread=True, group="warm-card", exit_on_error=False)
    if not app.is_screen_installed(name):
        app.install_screen(CardScreen.prebuild(), name)
        # Register it now: it composes, mounts and takes its styles off screen.
        register_screen(app, name)


def open_card(screen: CrmScreen, contact_id: int, sequence: CardSequence) -> None:
    """Fetch the card, then open its screen already filled in (no empty frame, no flicker).

    Each mode keeps one installed CardScreen and reuses it: a new screen costs Textual a
    full style and layout pass (about 100 ms at 120x40), a reused one about 15 ms. The app
    builds the first one ahead (prebuild_card), once the contact list is on screen.
    """
    store = screen.store
    if store is None:
        return

    def show(loaded: tuple[ContactCard, list[InteractionView]]) -> None:
        app = screen.app
        name = card_screen_name(app)
        if app.is_screen_installed(name):
            card_screen = app.get_screen(name)
            assert isinstance(card_screen, CardScreen)
            if card_screen in app.screen_stack:
                return  # already showing (a double Enter)
            card_screen.present(contact_id, sequence, loaded)
        else:
            card_screen = CardScreen(contact_id, sequence, loaded)
            app.install_screen(card_screen, name)
        app.push_screen(card_screen)

    screen.background(
        lambda: fetch_card(store, contact_id), show, group="open-card", exclusive=True
    )
