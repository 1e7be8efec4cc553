"""`pocketcrm report service`: customer service over a period."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pocketcrm.commands.common import (
    DbOption,
    JsonOption,
    handle_errors,
    local,
    open_db,
    print_json,
    say,
    table,
)
from pocketcrm.commands.reportkit import SinceOption, UntilOption, bars, moments, sparkline

if TYPE_CHECKING:
    from pocketcrm.core.services.service_report import ServiceGroup, ServiceReport

ByOption = Annotated[
    str,
    typer.Option(
        "--by",
        help="The figures for each product, priority, channel, assignee or department.",
        metavar="GROUP",
    ),
]
GROUP_COLUMNS = [
    "opened", "closed", "open now", "past level now", "median first reply h",
    "median resolution h", "resolved", "within level", "reopened", "satisfaction",
]  # fmt: skip


def _hours(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g} business hours"


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g}%"


def render(report: ServiceReport) -> None:
    sat = "n/a" if report.satisfaction_average is None else f"{report.satisfaction_average:.2f}/5"
    lines = [
        f"[bold]Customer service[/bold]  {local(report.since, date_only=True)} to "
        f"{local(report.until, date_only=True)}",
        "",
        f"opened {report.opened}   closed {report.closed}   open now {report.open_now}   "
        f"past their service level now {report.breached_now}",
        f"opened by week  {sparkline(report.opened_by_week)}",
        f"closed by week  {sparkline(report.closed_by_week)}",
        "",
        f"median first reply   {_hours(report.median_first_response_hours)}",
        f"median resolution    {_hours(report.median_resolution_hours)}",
        f"resolved within the service level  {_share(report.within_level_percent)} "
        f"({report.resolved_within_level} of {report.resolved})",
        f"reopen rate          {_share(report.reopen_rate_percent)} ({report.reopened} reopened)",
        f"satisfaction after closing  {sat} over {report.satisfaction_count} answers",
        "",
    ]
    for title, counts in (
        ("Opened by product", report.by_product),
        ("Opened by priority", report.by_priority),
        ("Opened by channel", report.by_channel),
        ("Opened by assignee", report.by_assignee),
        ("Opened by department", report.by_department),
        ("Satisfaction answers by score", report.satisfaction_by_score),
    ):
        lines += bars(title, counts) + [""]
    say("\n".join(lines).rstrip())


def _figure(value: float | None, suffix: str = "") -> str:
    return "-" if value is None else f"{value:g}{suffix}"


def _group_cells(group: ServiceGroup) -> list[object]:
    rated = (
        f"{group.satisfaction_average:.2f} ({group.satisfaction_count})"
        if group.satisfaction_average is not None
        else "-"
    )
    return [
        group.key, group.opened, group.closed, group.open_now, group.breached_now,
        _figure(group.median_first_response_hours), _figure(group.median_resolution_hours),
        group.resolved, _figure(group.within_level_percent, "%"),
        _figure(group.reopen_rate_percent, "%"), rated,
    ]  # fmt: skip


def render_groups(report: ServiceReport) -> None:
    say(
        f"[bold]Customer service by {report.grouped_by}[/bold]  "
        f"{local(report.since, date_only=True)} to {local(report.until, date_only=True)}"
    )
    table([report.grouped_by, *GROUP_COLUMNS], [_group_cells(g) for g in report.groups])


@handle_errors
def service(
    since: SinceOption = "",
    until: UntilOption = "",
    by: ByOption = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Support cases: opened and closed, by product, priority, channel, assignee and department; reply and resolution times, service level, reopens, satisfaction."""
    from pocketcrm.core.services.service_report import service_report

    result = service_report(open_db(db), *moments(since, until), by=by)
    if as_json:
        print_json(result)
    elif by:
        render_groups(result)
    else:
        render(result)
