"""`pocketcrm report`: the summary a small business asks for."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pocketcrm import humanize
from pocketcrm.commands.common import (
    DbOption,
    JsonOption,
    handle_errors,
    local,
    open_db,
    print_json,
    say,
    when,
)

if TYPE_CHECKING:
    from pocketcrm.core.readmodels import Count, Report

BAR_WIDTH = 30


def _bars(title: str, counts: tuple[Count, ...], suffix: str = "") -> list[str]:
    if not counts:
        return [f"[bold]{title}[/bold]", "  (none)"]
    top = max(c.count for c in counts) or 1
    width = max(len(c.key) for c in counts)
    lines = [f"[bold]{title}[/bold]"]
    for c in counts:
        bar = "█" * max(1 if c.count else 0, round(BAR_WIDTH * c.count / top))
        key = c.key.replace("[", "\\[")
        lines.append(f"  {key:<{width}}  {c.count:>7}{suffix}  [cyan]{bar}[/cyan]")
    return lines


def _sparkline(counts: tuple[Count, ...]) -> str:
    blocks = " ▁▂▃▄▅▆▇█"
    top = max((c.count for c in counts), default=0) or 1
    return "".join(blocks[round(8 * c.count / top)] for c in counts)


def render(report: Report) -> None:
    lines = [
        f"[bold]pocketcrm report[/bold]  {local(report.since, date_only=True)} to {local(report.until, date_only=True)}",
        "",
        f"contacts {report.contacts_total}   new in period {report.new_contacts}   "
        f"interactions {report.interactions_total}",
        f"activity by week  {_sparkline(report.activity_by_week)}",
        "",
    ]
    lines += _bars("Contacts by stage", report.contacts_by_stage) + [""]
    lines += _bars("Companies by kind", report.companies_by_kind) + [""]
    lines += _bars("Customers by company kind", report.customers_by_company_kind) + [""]
    lines += _bars("Interactions by kind", report.interactions_by_kind) + [""]
    lines += _bars("Interactions by outcome", report.interactions_by_outcome) + [""]
    lines += _bars("Interactions by owner", report.interactions_by_owner) + [""]
    lines += _bars("Calls by owner", report.calls_by_owner) + [""]
    lines += _bars("Call success rate by owner (reached)", report.success_rate_by_owner, "%") + [""]
    lines += _bars("Open leads by owner", report.leads_by_owner) + [""]
    sat = "n/a" if report.satisfaction_average is None else f"{report.satisfaction_average:.2f}/5"
    lines.append(
        f"[bold]Satisfaction[/bold]  {sat} over "
        f"{humanize.count(report.satisfaction_count, 'rated interaction')}"
    )
    lines.append(
        f"[bold]Follow-ups[/bold]  due in period {report.follow_ups_due}   overdue now "
        f"{report.follow_ups_overdue}   done {report.follow_ups_done} "
        f"({report.follow_ups_done_on_time} on time)"
    )
    stale = "   ".join(f"{c.key} days: {c.count}" for c in report.customers_not_contacted)
    lines.append(f"[bold]Customers not contacted in[/bold]  {stale}")
    lines += [""] + _money_lines(report)
    say("\n".join(lines))


def _money_lines(report: Report) -> list[str]:
    """Deals and billing: the pipeline by stage, what closed, what came in, what is owed."""
    from pocketcrm.core.money import format_amount  # no database import: plain arithmetic

    cur = report.currency

    def fmt(cents: int) -> str:
        return format_amount(cents, cur)

    lines = ["[bold]Pipeline (open deals, weighted by stage)[/bold]"]
    width = max((len(s.stage) for s in report.pipeline), default=5)
    for s in report.pipeline:
        lines.append(
            f"  {s.stage:<{width}}  {s.count:>5}  {fmt(s.amount_cents):>18}  "
            f"weighted {fmt(s.weighted_cents)}"
        )
    lines.append(
        f"  {'total':<{width}}  {report.pipeline_open_count:>5}  "
        f"{fmt(report.pipeline_open_cents):>18}  weighted {fmt(report.pipeline_weighted_cents)}"
    )
    if report.pipeline_other_currencies:
        lines.append(
            f"  ({humanize.count(report.pipeline_other_currencies, 'open deal')} in other currencies)"
        )
    lines.append(
        f"[bold]Deals[/bold]  won in period {report.deals_won} ({fmt(report.deals_won_cents)})"
        f"   lost {report.deals_lost}"
    )
    months = "   ".join(f"{m.month}: {fmt(m.cents)}" for m in report.revenue_by_month)
    lines.append(f"[bold]Revenue received[/bold]  {fmt(report.revenue_cents)}   {months}")
    if report.revenue_other_currencies:
        lines.append(
            f"  ({humanize.count(report.revenue_other_currencies, 'payment')} in other currencies)"
        )
    lines.append(
        f"[bold]Invoices[/bold]  open {report.invoices_open}   overdue {report.invoices_overdue}"
        f"   outstanding {fmt(report.invoices_outstanding_cents)}"
    )
    return lines


@handle_errors
def report(
    since: Annotated[
        str,
        typer.Option(
            help="Start (WHEN, e.g. 30d, 2026-01-01; default 30 days ago).", metavar="WHEN"
        ),
    ] = "",
    until: Annotated[str, typer.Option(help="End (WHEN; default now).", metavar="WHEN")] = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Contacts by stage and company kind, activity by kind, outcome and owner, follow-ups, satisfaction, pipeline, revenue and invoices."""
    from pocketcrm.core.services import reports

    start = when(since, "since", past=True).moment if since else None
    end = None
    if until:
        parsed = when(until, "until", past=True)
        end = parsed.moment
        if not parsed.has_time:  # "--until 2026-11-15" takes in the whole of that day
            from datetime import UTC, datetime, time, timedelta

            from pocketcrm.core import clock
            from pocketcrm.core.errors import Invalid

            try:
                next_day = datetime.combine(parsed.day() + timedelta(days=1), time())
            except OverflowError:
                raise Invalid("until", f"{until!r} is too far ahead") from None
            end = next_day.replace(tzinfo=clock.local_zone()).astimezone(UTC)
    result = reports.summary(open_db(db), start, end)
    if as_json:
        print_json(result)
    else:
        render(result)
