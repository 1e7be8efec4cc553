"""`pocketcrm report market`: our share of the markets we know, customers over time, revenue forecast."""

from __future__ import annotations

from pocketcrm.commands.analysiskit import ByOption, HtmlOption, MdOption, run
from pocketcrm.commands.common import CsvOption, DbOption, JsonOption, handle_errors
from pocketcrm.commands.reportkit import SinceOption, UntilOption


@handle_errors
def report_market(
    since: SinceOption = "",
    until: UntilOption = "",
    by: ByOption = "",
    html: HtmlOption = None,
    md: MdOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """Our share of each known market (revenue and customers), customers over time (new ones per month by company kind, region and saved segment; contacts at each stage every month), revenue per month with a three-month forecast.

    Default period: the last three years. Record markets with `pocketcrm market set`.
    --by picks one of: share, customers, stages, regions, segments, revenue, forecast.
    """
    from pocketcrm.core.analysis.market import market

    run(market, (since, until, by, db), as_json, as_csv, (html, md))
