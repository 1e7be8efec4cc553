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
    """Satisfaction by month, owner, department, company kind, channel and lead source; the lowest scores with what was said; the reasons given.

    Default period: the last year. A low score is at or below analysis.low_satisfaction (2).
    --by picks one of: month, owner, department, company_kind, channel, source, reason, lowest.
    """
    from pocketcrm.core.analysis.satisfaction import satisfaction

    run(satisfaction, (since, until, by, db), as_json, as_csv, (html, md))
