"""The overview (`pocketcrm report` without a section) as an Analysis, so it is shared
(HTML, Markdown, email) the same way as every section."""

from __future__ import annotations

from pocketcrm.core.analysis.model import Analysis, Breakdown, Row
from pocketcrm.core.money import format_amount
from pocketcrm.core.readmodels.report import Count, Report


def _counts(name: str, title: str, counts: tuple[Count, ...], column: str = "count") -> Breakdown:
    return Breakdown(name, title, (column,), tuple(Row(c.key, (c.count,)) for c in counts))


def as_analysis(report: Report) -> Analysis:
    """The overview's figures as headline, tables and a few sentences."""
    cur = report.currency
    sat = "n/a" if report.satisfaction_average is None else f"{report.satisfaction_average:.2f}/5"
    headline = (
        ("contacts", str(report.contacts_total)),
        ("new", str(report.new_contacts)),
        ("interactions", str(report.interactions_total)),
        ("satisfaction", sat),
        ("overdue follow-ups", str(report.follow_ups_overdue)),
        ("revenue", format_amount(report.revenue_cents, cur)),
        ("outstanding", format_amount(report.invoices_outstanding_cents, cur)),
    )
    tables = (
        _counts("activity", "Interactions per week", report.activity_by_week, "interactions"),
        _counts("stage", "Contacts by stage", report.contacts_by_stage),
        _counts("kind", "Interactions by kind", report.interactions_by_kind),
        _counts("outcome", "Interactions by outcome", report.interactions_by_outcome),
        _counts("owner", "Interactions by owner", report.interactions_by_owner),
        _counts("success", "Call success rate by owner (%)", report.success_rate_by_owner, "%"),
        _counts("company", "Customers by company kind", report.customers_by_company_kind),
        Breakdown(
            "pipeline",
            "Open deals by stage",
            ("deals", "amount", "weighted"),
            tuple(
                Row(
                    s.stage,
                    (s.count, round(s.amount_cents / 100, 2), round(s.weighted_cents / 100, 2)),
                )
                for s in report.pipeline
            ),
        ),
    )
    findings = (
        f"Deals won in the period: {report.deals_won} ({format_amount(report.deals_won_cents, cur)}), lost {report.deals_lost}.",
        f"Follow-ups: {report.follow_ups_due} due, {report.follow_ups_done} done "
        f"({report.follow_ups_done_on_time} on time), {report.follow_ups_overdue} overdue now.",
    )
    return Analysis("overview", report.since, report.until, headline, tables, findings)
