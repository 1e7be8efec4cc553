"""`pocketcrm report`: the summary a small business asks for."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from pocketcrm import humanize
from pocketcrm.commands.analysiskit import EmailOption, HtmlOption, MdOption, ToOption
from pocketcrm.commands.common import (
    DbOption,
    JsonOption,
    handle_errors,
    local,
    open_db,
    print_json,
    say,
)
from pocketcrm.commands.lazy import LazyGroup
from pocketcrm.commands.report_people import ByOption, report_by
from pocketcrm.commands.reportkit import SinceOption, UntilOption, bars, moments, sparkline

if TYPE_CHECKING:
    from pocketcrm.core.readmodels.report import Report


def render(report: Report) -> None:
    lines = [
        f"[bold]pocketcrm report[/bold]  {local(report.since, date_only=True)} to {local(report.until, date_only=True)}",
        "",
        f"contacts {report.contacts_total}   new in period {report.new_contacts}   "
        f"interactions {report.interactions_total}",
        f"activity by week  {sparkline(report.activity_by_week)}",
        "",
    ]
    lines += bars("Contacts by stage", report.contacts_by_stage) + [""]
    lines += bars("Companies by kind", report.companies_by_kind) + [""]
    lines += bars("Customers by company kind", report.customers_by_company_kind) + [""]
    lines += bars("Interactions by kind", report.interactions_by_kind) + [""]
    lines += bars("Interactions by outcome", report.interactions_by_outcome) + [""]
    lines += bars("Interactions by owner", report.interactions_by_owner) + [""]
    lines += bars("Calls by owner", report.calls_by_owner) + [""]
    lines += bars("Call success rate by owner (reached)", report.success_rate_by_owner, "%") + [""]
    lines += bars("Open leads by owner", report.leads_by_owner) + [""]
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


class Sections(LazyGroup):
    """`pocketcrm report SECTION`: each section lives in its own module, built when asked."""

    lazy: dict[str, str] = {
        "calls": "pocketcrm.commands.report_calls:report_calls",
        "team": "pocketcrm.commands.report_team:report_team",
        "factors": "pocketcrm.commands.report_factors:report_factors",
        "market": "pocketcrm.commands.report_market:report_market",
        "lifecycle": "pocketcrm.commands.report_lifecycle:report_lifecycle",
        "satisfaction": "pocketcrm.commands.report_satisfaction:report_satisfaction",
        "profit": "pocketcrm.commands.report_profit:profit",
        "service": "pocketcrm.commands.report_service:service",
    }
    summaries: dict[str, str] = {
        "calls": "Calls by country and region (from the caller's number), channel, lead source, hour and weekday; calls got and made, reach and success per owner and per department.",
        "factors": "What goes with low satisfaction, churn and winning a deal: rates with and without each factor, risk ratios, and a logistic regression in plain words.",
        "lifecycle": "The funnel from the stage history (conversion, median days in each stage), deals won and lost and customers lost per month, cohorts with retention and revenue, and a win-back list.",
        "market": "Our share of each known market (revenue and customers), new customers per month by company kind, revenue per month with a three-month forecast.",
        "satisfaction": "Satisfaction by month, owner, department, company kind, channel, lead source and product; the lowest scores with what was said; the reasons given.",
        "team": "Per owner and per department (with its lead): calls made and got, reach and success, leads generated, customers won, deals won, satisfaction.",
        "profit": "Revenue, cost, gross margin and margin %, lifetime value, best and worst customers, products sold below cost.",
        "service": "Support cases: opened and closed, by product, priority, channel, assignee and department; reply and resolution times, service level, reopens, satisfaction.",
    }


report_app = typer.Typer(
    cls=Sections,
    invoke_without_command=True,
    subcommand_metavar="[SECTION] [ARGS]...",
    rich_markup_mode="rich",
    add_completion=False,
    help="Contacts by stage and company kind, activity by kind, outcome and owner, follow-ups, satisfaction, pipeline, revenue and invoices.",
)


@report_app.callback(invoke_without_command=True)
@handle_errors
def report(
    ctx: typer.Context,
    since: SinceOption = "",
    until: UntilOption = "",
    by: ByOption = "",
    db: DbOption = None,
    as_json: JsonOption = False,
    html: HtmlOption = None,
    md: MdOption = None,
    email: EmailOption = False,
    to: ToOption = None,
) -> None:
    """Contacts by stage and company kind, activity by kind, outcome and owner, follow-ups, satisfaction, pipeline, revenue and invoices.

    Without a SECTION, the overview; each section has its own --help.
    """
    if ctx.invoked_subcommand is not None:
        return
    if by:
        return report_by(open_db(db), by, *moments(since, until), as_json)
    from pocketcrm.core.services import reports

    store = open_db(db)
    result = reports.summary(store, *moments(since, until))
    if html or md or email:
        from pocketcrm.commands.report_share import share

        share(store, result, (html, md), email, to or [])
    elif as_json:
        print_json(result)
    else:
        render(result)
