"""`pocketcrm report satisfaction`: how content customers are, and where they are not."""

from __future__ import annotations

from pocketcrm.commands.analysiskit import ByOption, HtmlOption, MdOption, run
from pocketcrm.commands.common import CsvOption, DbOption, JsonOption, handle_errors
from pocketcrm.commands.reportkit import SinceOption, UntilOption


@handle_errors
def report_satisfaction(
    since: SinceOption = "",
    until: UntilOption = "",
    by: ByOption = "",
    html: HtmlOption = None,
    md: MdOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """Satisfaction by month, owner, department, company kind, channel, lead source and product; the lowest scores with what was said; the reasons given.

    Default period: the last year. A low score is at or below analysis.low_satisfaction (2).
    A rating counts for the product of the support case it belongs to, else for every product
    the contact's company (or the contact) had ordered or been invoiced for by that day.
    --by picks one of: month, owner, department, company_kind, channel, source, product, reason, lowest.
    """
    from pocketcrm.core.analysis.satisfaction import satisfaction

    run(satisfaction, (since, until, by, db), as_json, as_csv, (html, md))
