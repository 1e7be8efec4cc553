"""`pocketcrm report team`: each owner's calls, rates, leads, customers and deals."""

from __future__ import annotations

from pocketcrm.commands.analysiskit import ByOption, HtmlOption, MdOption, run
from pocketcrm.commands.common import CsvOption, DbOption, JsonOption, handle_errors
from pocketcrm.commands.reportkit import SinceOption, UntilOption


@handle_errors
def report_team(
    since: SinceOption = "",
    until: UntilOption = "",
    by: ByOption = "",
    html: HtmlOption = None,
    md: MdOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """Per owner and per department (with its lead): calls made and got, reach and success, leads generated, customers won, deals won, satisfaction.

    Leads and customers follow the configured stages' roles (stage_roles.lead/customer).
    An owner's work counts for the department of the owner's user, else (no department).
    --by picks one of: owner, department, leads.
    """
    from pocketcrm.core.analysis.team import team

    run(team, (since, until, by, db), as_json, as_csv, (html, md))
