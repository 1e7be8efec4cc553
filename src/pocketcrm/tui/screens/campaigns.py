"""Campaigns: each one's segment, subject and how far it got; the highlighted one's
recipients and their status; a new one (previewed before it is made); sending with progress.

What `pocketcrm campaign new|list|show|send` do, through core/services/campaigns.py. Sending
goes in batches of SEND_BATCH (one service call each, in a thread worker), so the progress
bar moves as the server accepts mail; each recipient is marked sent as it goes, so quitting
mid-way and sending again continues where it stopped and mails nobody twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import ProgressBar, Static

from pocketcrm import humanize
from pocketcrm.tui import format as fmt
from pocketcrm.tui.jobs import report_failure
from pocketcrm.tui.modals.confirm import ConfirmModal
from pocketcrm.tui.screens.base import CrmScreen
from pocketcrm.tui.widgets.key_footer import KeyFooter
from pocketcrm.tui.widgets.top_bar import TopBar
from pocketcrm.tui.widgets.virtual_table import Cell, Column, VirtualTable

if TYPE_CHECKING:
    from pocketcrm.core.services.campaigns import CampaignView, RecipientView, SendReport

SEND_BATCH = 5  # recipients per service call while sending: the progress bar's step


def _state(campaign: CampaignView) -> Cell:
    if campaign.finished_at is not None:
        return ("finished", "green")
    return ("sending", "yellow") if campaign.sent or campaign.failed else "ready"


CAMPAIGN_COLUMNS = [
    Column("subject", "Subject", 16, lambda c: c.subject, grow=2),
    Column("segment", "Segment", 10, lambda c: c.segment, grow=1),
    Column("made", "Made", 10, lambda c: fmt.local(c.created_at, date_only=True)),
    Column("sent", "Sent", 9, lambda c: f"{c.sent}/{c.total}", justify="right"),
    Column("failed", "Failed", 6, lambda c: str(c.failed), justify="right"),
    Column("state", "State", 8, _state),
]


def _recipient_status(recipient: RecipientView) -> Cell:
    style = {"sent": "green", "failed": "bold red", "skipped": "dim"}.get(recipient.status, "")
    return (recipient.status, style)


RECIPIENT_COLUMNS = [
    Column("name", "Name", 14, lambda r: r.contact_name, grow=1),
    Column("email", "Email", 16, lambda r: r.email, grow=1),
    Column("status", "Status", 8, _recipient_status),
    Column("tries", "Tries", 5, lambda r: str(r.attempts), justify="right"),
    Column("error", "Why", 8, lambda r: r.error, grow=1),
]


class CampaignsScreen(CrmScreen):
    """Every campaign and the highlighted one's recipients."""

    WRITES: ClassVar[dict[str, str]] = {"new": "sell", "send": "sell"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "New", id="campaigns-new", tooltip="A new campaign to a segment"),
        Binding("s", "send", "Send", id="campaigns-send", tooltip="Send what is still to send"),
    ]

    def __init__(self) -> None:
        super().__init__(id="campaigns")
        self.campaigns: list[CampaignView] = []
        self.sending: int | None = None  # the campaign being sent

    def compose(self) -> ComposeResult:
        yield TopBar("campaigns")
        yield VirtualTable(
            CAMPAIGN_COLUMNS,
            id="campaign-list",
            empty_text="No campaigns yet: n writes one to a segment.",
        )
        with Vertical(id="recipients-pane"):
            yield Static("Recipients", id="recipients-title", classes="pane-title")
            yield VirtualTable(RECIPIENT_COLUMNS, id="recipient-list", empty_text="")
        yield ProgressBar(id="send-progress", show_eta=False)
        yield Static("", id="campaigns-status", classes="status")
        yield KeyFooter()

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#campaign-list", VirtualTable)

    @property
    def current(self) -> CampaignView | None:
        campaign: CampaignView | None = self.table.current
        return campaign

    def on_mount(self) -> None:
        self.table.focus()
        self.query_one("#send-progress").display = False

    def reload(self) -> None:
        store = self.store
        if store is None:
            return
        self.mark_seen()
        sort = self.table.sort

        def job() -> list[CampaignView]:
            from pocketcrm.core.services.campaigns import list_campaigns
            from pocketcrm.core.sorting import sort_rows

            return sort_rows(list_campaigns(store), "campaigns", sort)

        def done(campaigns: list[CampaignView]) -> None:
            self.campaigns = campaigns
            cursor = min(self.table.cursor, max(0, len(campaigns) - 1))
            self.table.set_rows(campaigns, cursor=cursor)
            self._load_recipients()
            self.refresh_bindings()

        self.background(job, done, group="campaigns", exclusive=True)

    @on(VirtualTable.HeaderClicked, "#campaign-list")
    def _header_clicked(self, event: VirtualTable.HeaderClicked) -> None:
        self.sort_by_header(event, "campaigns")

    @on(VirtualTable.Highlighted, "#campaign-list")
    def _highlighted(self) -> None:
        self._load_recipients()
        self.refresh_bindings()

    def _load_recipients(self) -> None:
        store, campaign = self.store, self.current
        recipients = self.query_one("#recipient-list", VirtualTable)
        if store is None or campaign is None:
            recipients.set_rows([])
            return
        campaign_id = campaign.id

        def job() -> CampaignView:
            from pocketcrm.core.services.campaigns import get_campaign

            return get_campaign(store, campaign_id)

        def done(full: CampaignView) -> None:
            recipients.set_rows(list(full.recipients))
            self.query_one("#recipients-title", Static).update(
                f"Recipients of “{full.subject}”: {full.sent} sent, {full.pending} to send, "
                f"{full.failed} failed, {full.skipped} skipped"
            )

        self.background(job, done, group="campaign-recipients", exclusive=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if (verdict := self.permitted(action)) is not True:
            return verdict
        if action == "send":
            campaign = self.current
            waiting = campaign is not None and campaign.finished_at is None
            return None if not waiting or self.sending is not None else True
        return True

    def action_new(self) -> None:
        from pocketcrm.tui.modals.campaign_form import CampaignForm

        def made(campaign: CampaignView | None) -> None:
            if campaign is not None:
                self.notify(
                    f"{humanize.count(campaign.pending, 'email')} ready: s sends them",
                    title=f"Campaign “{campaign.subject}”",
                )
                self.crm.data_written()

        self.app.push_screen(CampaignForm(), made)

    def action_send(self) -> None:
        campaign = self.current
        if campaign is None or self.sending is not None:
            return
        left = campaign.pending + campaign.failed

        def answered(yes: bool | None) -> None:
            if yes:
                self._start_sending(campaign, left)

        self.app.push_screen(
            ConfirmModal(
                f"Send “{campaign.subject}” to {humanize.count(left, 'recipient')} now?",
                "Sent ones are marked at once: sending again later continues, never twice.",
                yes="Send",
            ),
            answered,
        )

    def _start_sending(self, campaign: CampaignView, left: int) -> None:
        self.sending = campaign.id
        bar = self.query_one("#send-progress", ProgressBar)
        bar.update(total=max(1, left), progress=0)
        bar.display = True
        self.refresh_bindings()
        self._send_batch(campaign.id)

    def _send_batch(self, campaign_id: int) -> None:
        store = self.store
        if store is None:
            return

        def job() -> SendReport:
            from pocketcrm.core.services.campaigns import send_campaign

            return send_campaign(store, campaign_id, limit=SEND_BATCH)

        self.background(job, self._batch_sent, group="campaign-send", failed=self._send_failed)

    def _batch_sent(self, report: SendReport) -> None:
        bar = self.query_one("#send-progress", ProgressBar)
        bar.advance(report.sent + report.failed + report.skipped)
        done = report.sent + report.failed + report.skipped
        self.crm.data_written()
        if report.error or report.finished or done == 0:
            self._stop_sending(report)
        else:
            self._send_batch(report.campaign_id)

    def _stop_sending(self, report: SendReport) -> None:
        self.sending = None
        self.query_one("#send-progress").display = False
        self.refresh_bindings()
        if report.error:
            self.notify(report.error, title="Sending stopped", severity="warning", timeout=10)
        elif report.remaining:
            self.notify(
                f"{humanize.count(report.remaining, 'email')} still to send (failed ones are "
                "tried again on the next send)",
                title="Sent what could go",
            )
        else:
            self.notify("Every email went out.", title="Campaign sent")

    def _send_failed(self, exc: BaseException) -> None:
        self.sending = None
        self.query_one("#send-progress").display = False
        self.refresh_bindings()
        report_failure(self.app, exc)
