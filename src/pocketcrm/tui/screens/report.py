"""The report: the summary a small business asks for, as figures, bars and a sparkline."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.lazy import Lazy
from textual.widgets import Sparkline, Static, TabbedContent, TabPane

from pocketcrm.tui import format as fmt
from pocketcrm.tui.screens.base import CrmScreen, PaletteCommand
from pocketcrm.tui.screens.report_profit import ProfitPane
from pocketcrm.tui.screens.report_service import ServiceTab
from pocketcrm.tui.widgets.analysis_tab import SECTIONS, AnalysisTab
from pocketcrm.tui.widgets.key_footer import KeyFooter
from pocketcrm.tui.widgets.top_bar import TopBar

if TYPE_CHECKING:
    from pocketcrm.core.analysis.model import Analysis
    from pocketcrm.core.readmodels.report import Count, Report
    from pocketcrm.core.services.profit import Profit

PERIODS = (30, 90, 365)
BAR_WIDTH = 24


def bars(title: str, counts: tuple[Count, ...], *, suffix: str = "", note: str = "") -> Text:
    """A titled block of horizontal bars, scaled to the largest count."""
    text = Text()
    text.append(title + "\n", style="bold")
    if note:
        text.append(note + "\n", style="dim")
    if not counts:
        text.append("nothing yet\n", style="dim")
        return text
    top = max(c.count for c in counts) or 1
    label_width = min(16, max(len(c.key) for c in counts))
    for count in counts:
        size = round(BAR_WIDTH * count.count / top)
        label = count.key.replace("_", " ")
        text.append(f"{label[:label_width]:<{label_width}} ")
        text.append("█" * size or "▏", style="cyan")
        text.append(f" {fmt.number(count.count)}{suffix}\n")
    return text


def figures(report: Report) -> Text:
    """The headline numbers in one block."""
    text = Text()
    pairs = [
        ("contacts", fmt.number(report.contacts_total)),
        ("new", fmt.number(report.new_contacts)),
        ("interactions", fmt.number(report.interactions_total)),
        (
            "satisfaction",
            f"{report.satisfaction_average:.1f}/5 ({report.satisfaction_count})"
            if report.satisfaction_average is not None
            else "n/a",
        ),
        ("follow-ups due", fmt.number(report.follow_ups_due)),
        ("overdue", fmt.number(report.follow_ups_overdue)),
        (
            "done",
            f"{fmt.number(report.follow_ups_done)} ({fmt.number(report.follow_ups_done_on_time)} on time)",
        ),
    ]
    for label, value in pairs:
        text.append(f"{label} ", style="dim")
        text.append(value, style="bold")
        text.append("   ")
    return text


class ReportScreen(CrmScreen):
    """Figures for the last 30, 90 or 365 days."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "p", "period", "Period", id="report-period", tooltip="Report over 30, 90 or 365 days"
        ),
        Binding("t", "next_tab", "Tab", id="report-tab", tooltip="The next section of the report"),
        Binding(
            "g",
            "profit_group",
            "Group",
            id="report-profit-group",
            tooltip="Profitability: group by another",
            show=False,  # the Profitability tab's chart title names it
        ),
    ]

    def __init__(self) -> None:
        super().__init__(id="report")
        self.days = PERIODS[0]

    def compose(self) -> ComposeResult:
        yield TopBar("report")
        yield Static("", id="report-title", classes="pane-title")
        with TabbedContent(id="report-tabs", initial="tab-overview"):
            with TabPane("Overview", id="tab-overview"), VerticalScroll(id="report-body"):
                yield Static("Loading…", id="report-figures")
                yield Static("Activity per week", id="activity-title", classes="pane-title")
                yield Sparkline([], id="activity", summary_function=max)
                yield Static("", id="activity-axis")
                with Grid(id="report-bars"):
                    for name in (
                        "stage",
                        "kind",
                        "outcome",
                        "owner",
                        "success",
                        "company",
                        "stale",
                    ):
                        yield Static("", id=f"bars-{name}", classes="bars")
            # The hidden tabs mount after the screen's first frame (Lazy): the switch to the
            # report shows it at once (composing every tab first cost about 0.3 s).
            for section, title, _where in SECTIONS:
                with TabPane(title, id=f"tab-{section}"):
                    yield Lazy(AnalysisTab(section))
            with TabPane("Profitability", id="tab-profit"):
                yield Lazy(ProfitPane(id="profit-body"))
            with TabPane("Service", id="tab-service"):
                yield Lazy(ServiceTab(id="report-service-tab"))
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#report-body").focus()

    def reload(self) -> None:
        store = self.store
        if store is None:
            return
        self.mark_seen()
        active = self.query_one("#report-tabs", TabbedContent).active.removeprefix("tab-")
        if active == "profit":
            self._load_profit()
            return
        if active == "service":
            self.query_one(ServiceTab).reload(self, self.days)
            return
        if active and active != "overview":
            self._load_section(active)
            return
        days = self.days

        def job() -> Report:
            from pocketcrm.core import clock
            from pocketcrm.core.services.reports import summary

            now = clock.now()
            return summary(store, since=now - timedelta(days=days), until=now)

        self.background(job, self.show, group="report", exclusive=True)

    def action_profit_group(self) -> None:
        if self.query_one("#report-tabs", TabbedContent).active == "tab-profit":
            self.query_one(ProfitPane).next_group()
            self._load_profit()

    def _load_profit(self) -> None:
        store = self.store
        if store is None:
            return
        days, by = self.days, self.query_one(ProfitPane).by

        def profit_job() -> Profit:
            from pocketcrm.core import clock
            from pocketcrm.core.services.profit import profit

            now = clock.now()
            return profit(store, since=now - timedelta(days=days), until=now, by=by)

        self.background(
            profit_job, self.query_one(ProfitPane).show, group="report-profit", exclusive=True
        )

    def show(self, report: Report) -> None:
        self._title(report.since, report.until)
        self.query_one("#report-figures", Static).update(figures(report))
        weeks = report.activity_by_week
        self.query_one("#activity", Sparkline).data = [float(w.count) for w in weeks]
        if weeks:
            peak = max(w.count for w in weeks)
            self.query_one("#activity-axis", Static).update(
                f"week of {weeks[0].key} … week of {weeks[-1].key}   peak {fmt.number(peak)} a week"
            )
        blocks = {
            "stage": bars("Contacts by stage", report.contacts_by_stage),
            "kind": bars("Interactions by kind", report.interactions_by_kind),
            "outcome": bars(
                "Call outcomes",
                tuple(c for c in report.interactions_by_outcome if c.key != "(none)"),
            ),
            "owner": bars("Interactions by owner", report.interactions_by_owner),
            "success": bars(
                "Call success by owner",
                report.success_rate_by_owner,
                suffix="%",
                note="share of calls that reached the person",
            ),
            "company": bars("Customers by company kind", report.customers_by_company_kind),
            "stale": bars(
                "Customers not contacted",
                tuple(type(c)(f"{c.key}+ days", c.count) for c in report.customers_not_contacted),
            ),
        }
        for name, block in blocks.items():
            self.query_one(f"#bars-{name}", Static).update(block)

    def _load_section(self, section: str) -> None:
        """Fetch one analysis section for the period in a worker, then draw it in its tab."""
        store, days = self.store, self.days
        where = dict((s, w) for s, _t, w in SECTIONS)[section]

        def job() -> Analysis:
            import importlib

            from pocketcrm.core import clock

            module, _, name = where.partition(":")
            now = clock.now()
            fetched: Analysis = getattr(importlib.import_module(module), name)(
                store, now - timedelta(days=days), now
            )
            return fetched

        def done(analysis: Analysis) -> None:
            self.query_one(f"#analysis-{section}", AnalysisTab).show(analysis)
            self._title(analysis.since, analysis.until)

        self.background(job, done, group="report", exclusive=True)

    def _title(self, since_at: datetime, until_at: datetime) -> None:
        since = fmt.local(since_at, date_only=True)
        until = fmt.local(until_at, date_only=True)
        self.query_one("#report-title", Static).update(
            f"Report: the last {self.days} days, {since} to {until}   "
            "(p changes the period, t the section)"
        )

    def on_tabbed_content_tab_activated(self, _event: TabbedContent.TabActivated) -> None:
        if self.is_current:  # not while built ahead, off screen: it loads when first shown
            self.reload()

    def action_next_tab(self) -> None:
        tabs = self.query_one("#report-tabs", TabbedContent)
        ids = ["tab-overview", *(f"tab-{s}" for s, _t, _w in SECTIONS), "tab-profit", "tab-service"]
        tabs.active = ids[(ids.index(tabs.active) + 1) % len(ids)]

    def action_period(self) -> None:
        self.action_set_period(PERIODS[(PERIODS.index(self.days) + 1) % len(PERIODS)])

    def action_set_period(self, days: int) -> None:
        self.days = days
        self.reload()

    def action_show_tab(self, section: str) -> None:
        self.query_one("#report-tabs", TabbedContent).active = f"tab-{section}"

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            PaletteCommand(
                f"Report: last {days} days", "Change the report's period", f"set_period({days})"
            )
            for days in PERIODS
        ] + [
            PaletteCommand(
                f"Report: {title}",
                f"The report's {title.lower()} section",
                f"show_tab('{section}')",
            )
            for section, title, _where in [
                *SECTIONS,
                ("profit", "Profitability", ""),
                ("service", "Service", ""),
            ]
        ]
