"""`pocketcrm report calls`: where calls come from and who gets and makes them."""

from __future__ import annotations

from pocketcrm.commands.analysiskit import ByOption, HtmlOption, MdOption, run
from pocketcrm.commands.common import CsvOption, DbOption, JsonOption, handle_errors
from pocketcrm.commands.reportkit import SinceOption, UntilOption


@handle_errors
def report_calls(
    since: SinceOption = "",
    until: UntilOption = "",
    by: ByOption = "",
    html: HtmlOption = None,
    md: MdOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """Calls by country and region (from the caller's number), channel, lead source, hour and weekday; calls got and made, reach and success per owner and per department.

    --by picks one of: country, region, channel, source, hour, weekday, owner, department.
    """
    from pocketcrm.core.analysis.calls import calls

    run(calls, (since, until, by, db), as_json, as_csv, (html, md))
