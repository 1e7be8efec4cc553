"""`pocketcrm report --by user|department`: the overview's figures per person or team."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pocketcrm.commands.common import local, print_json, say, table

if TYPE_CHECKING:
    from datetime import datetime

    from pocketcrm.core.services.report_people import PeopleReport, PersonFigures
    from pocketcrm.core.store import Store

ByOption = Annotated[
    str,
    typer.Option(
        "--by",
        help="Group by user or department (calls, reach, meetings, leads, deals won, follow-ups).",
        metavar="user|department",
    ),
]
COLUMNS = ["who", "name", "department", "lead", "calls out", "calls in", "reach %", "meetings",
           "leads", "won", "won value", "follow-ups", "on time"]  # fmt: skip


def _cells(row: PersonFigures, currency: str) -> list[object]:
    from pocketcrm.core.money import format_amount  # plain arithmetic, no database

    rate = "-" if row.reach_rate is None else row.reach_rate
    return [row.key, row.name, row.department, row.lead, row.calls_made, row.calls_received,
            rate, row.meetings, row.leads, row.deals_won,
            format_amount(row.deals_won_cents, currency), row.follow_ups_done,
            row.follow_ups_on_time]  # fmt: skip


def render(report: PeopleReport) -> None:
    say(
        f"[bold]pocketcrm report by {report.by}[/bold]  "
        f"{local(report.since, date_only=True)} to {local(report.until, date_only=True)}"
    )
    table(COLUMNS, [_cells(r, report.currency) for r in report.rows])


def report_by(
    store: Store, by: str, since: datetime | None, until: datetime | None, as_json: bool
) -> None:
    """The overview's --by: one row per user or department."""
    from pocketcrm.core.services.report_people import by_people

    result = by_people(store, since, until, by=by.strip().lower())
    if as_json:
        print_json(result)
    else:
        render(result)
