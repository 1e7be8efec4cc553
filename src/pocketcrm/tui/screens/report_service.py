"""The report screen's Service tab: customer service over the report's period."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid, VerticalScroll
from textual.widgets import Static

from pocketcrm.tui import format as fmt
from pocketcrm.tui.screens.base import CrmScreen

if TYPE_CHECKING:
    from pocketcrm.core.readmodels.report import Count
    from pocketcrm.core.services.service_report import ServiceReport

BAR_WIDTH = 24


def _bars(title: str, counts: tuple[Count, ...]) -> Text:
    text = Text(title + "\n", style="bold")
    if not counts:
        return text.append("nothing yet\n", style="dim")
    top = max(c.count for c in counts) or 1
    width = min(16, max(len(c.key) for c in counts))
    for count in counts:
        text.append(f"{count.key[:width]:<{width}} ")
        text.append("█" * round(BAR_WIDTH * count.count / top) or "▏", style="cyan")
        text.append(f" {fmt.number(count.count)}\n")
    return text


def _value(value: float | None, unit: str) -> str:
    return "n/a" if value is None else f"{value:g}{unit}"


def service_figures(report: ServiceReport) -> Text:
    """The headline numbers of customer service."""
    text = Text()
    sat = report.satisfaction_average
    pairs = [
        ("opened", fmt.number(report.opened)),
        ("closed", fmt.number(report.closed)),
        ("open now", fmt.number(report.open_now)),
        ("breached now", fmt.number(report.breached_now)),
        ("median first reply", _value(report.median_first_response_hours, " h")),
        ("median resolution", _value(report.median_resolution_hours, " h")),
        ("within service level", _value(report.within_level_percent, "%")),
        ("reopened", _value(report.reopen_rate_percent, "%")),
        ("satisfaction", f"{sat:.1f}/5 ({report.satisfaction_count})" if sat else "n/a"),
    ]
    for label, value in pairs:
        text.append(f"{label} ", style="dim")
        text.append(value, style="bold")
        text.append("   ")
    return text


class ServiceTab(VerticalScroll):
    """Figures and bars of `report service`, fetched by the report screen's period."""

    def compose(self) -> ComposeResult:
        yield Static("Loading…", id="service-figures")
        with Grid(id="service-bars"):
            for name in ("product", "priority", "channel", "assignee", "department", "score"):
                yield Static("", id=f"service-{name}", classes="bars")

    def reload(self, screen: CrmScreen, days: int) -> None:
        store = screen.store
        if store is None:
            return

        def job() -> ServiceReport:
            from pocketcrm.core import clock
            from pocketcrm.core.services.service_report import service_report

            now = clock.now()  # [days ago, now]: a case opened this very moment counts
            return service_report(
                store, now - timedelta(days=days), now + timedelta(microseconds=1)
            )

        screen.background(job, self.show, group="report-service", exclusive=True)

    def show(self, report: ServiceReport) -> None:
        self.query_one("#service-figures", Static).update(service_figures(report))
        blocks = {
            "product": _bars("Cases by product", report.by_product),
            "priority": _bars("Cases by priority", report.by_priority),
            "channel": _bars("Cases by channel", report.by_channel),
            "assignee": _bars("Cases by assignee", report.by_assignee),
            "department": _bars("Cases by department", report.by_department),
            "score": _bars("Satisfaction answers", report.satisfaction_by_score),
        }
        for name, block in blocks.items():
            self.query_one(f"#service-{name}", Static).update(block)
