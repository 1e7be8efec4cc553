"""`pocketcrm report factors`: what goes with low satisfaction, churn and winning deals."""

from __future__ import annotations

from pocketcrm.commands.analysiskit import ByOption, HtmlOption, MdOption, run
from pocketcrm.commands.common import CsvOption, DbOption, JsonOption, handle_errors
from pocketcrm.commands.reportkit import SinceOption, UntilOption


@handle_errors
def report_factors(
    since: SinceOption = "",
    until: UntilOption = "",
    by: ByOption = "",
    html: HtmlOption = None,
    md: MdOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """What goes with low satisfaction, churn and winning a deal: rates with and without each factor, risk ratios, and a logistic regression in plain words.

    Default period: the last year. "Too little data" rather than a guess; past 10,000 units an even sample is studied (the note says so).
    --by picks one outcome: satisfaction, churn, deals.
    """
    from pocketcrm.core.analysis.stats import load_soon

    load_soon()  # statsmodels (seconds) loads while the database opens and is read
    from pocketcrm.core.analysis.factors import factors

    run(factors, (since, until, by, db), as_json, as_csv, (html, md))
