"""`pocketcrm report lifecycle`: the funnel, churn, cohorts and who to win back."""

from __future__ import annotations

from pocketcrm.commands.analysiskit import ByOption, HtmlOption, MdOption, run
from pocketcrm.commands.common import CsvOption, DbOption, JsonOption, handle_errors
from pocketcrm.commands.reportkit import SinceOption, UntilOption


@handle_errors
def report_lifecycle(
    since: SinceOption = "",
    until: UntilOption = "",
    by: ByOption = "",
    html: HtmlOption = None,
    md: MdOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """The funnel from the stage history (conversion, median days in each stage), deals won and lost and customers lost per month, cohorts with retention and revenue, and a win-back list.

    Default period: the last year. Stages follow the configured order and roles. The drivers of winning a deal: `pocketcrm report factors --by deals`.
    --by picks one of: funnel, deals, churn, cohorts, win_back.
    """
    from pocketcrm.core.analysis.lifecycle import lifecycle

    run(lifecycle, (since, until, by, db), as_json, as_csv, (html, md))
