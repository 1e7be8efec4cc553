"""`pocketcrm report --html/--md/--email`: the overview written to files or mailed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pocketcrm.commands.common import say

if TYPE_CHECKING:
    from pocketcrm.core.readmodels.report import Report
    from pocketcrm.core.store import Store


def share(
    store: Store,
    report: Report,
    files: tuple[Path | None, Path | None],
    email: bool,
    to: list[str],
) -> None:
    """Write the overview as HTML and/or Markdown; with EMAIL, mail it (HTML and text)."""
    from pocketcrm.commands import sharekit
    from pocketcrm.commands.common import local
    from pocketcrm.core.analysis.overview import as_analysis

    analysis = as_analysis(report)
    html, md = files
    for path, draw in ((html, sharekit.html_page), (md, sharekit.markdown)):
        if path is not None:
            sharekit.write(path, draw(analysis))
            say(f"wrote {path}")
    if email:
        from pocketcrm.core.analysis.mail import send_report

        since = local(report.since, date_only=True)
        until = local(report.until, date_only=True)
        sent = send_report(
            store.settings.reminders.smtp,
            f"pocketcrm report {since} to {until}",
            sharekit.markdown(analysis),
            sharekit.html_page(analysis),
            to,
        )
        say(f"mailed the report to {', '.join(sent)}")
