"""What every analysis section of `pocketcrm report` shares: --by, --json/--csv,
--html/--md, and drawing a core.analysis.model.Analysis in the terminal.

A section module (report_calls.py ...) parses its options and hands the core's function to
`run()`; every section's output comes from here, so all of them look and export alike.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pocketcrm.commands.common import local, open_db, print_json, say
from pocketcrm.commands.reportkit import BAR_WIDTH, moments

if TYPE_CHECKING:
    from pocketcrm.core.analysis.model import Analysis, Breakdown, Value
    from pocketcrm.core.store import Store

ByOption = Annotated[
    str, typer.Option("--by", help="Only this breakdown (see the section's help).", metavar="WHAT")
]
HtmlOption = Annotated[
    Path | None,
    typer.Option("--html", help="Write one self-contained HTML page to FILE.", metavar="FILE"),
]
MdOption = Annotated[
    Path | None, typer.Option("--md", help="Write Markdown to FILE.", metavar="FILE")
]
EmailOption = Annotated[
    bool,
    typer.Option("--email", help="Mail the report through the SMTP server set for reminders."),
]
ToOption = Annotated[
    list[str] | None,
    typer.Option(
        "--to",
        help="Mail it to ADDRESS (repeatable; default the reminders' recipients).",
        metavar="ADDRESS",
    ),
]
Section = Callable[["Store", "datetime | None", "datetime | None", str], "Analysis"]


def cell(value: Value) -> str:
    """A value as shown: thousands grouped, rates with one decimal, nothing as a dash."""
    if value is None:
        return "-"
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) < 0.01:
            return f"{value:.1g}"
        return (
            f"{value:,.2f}"
            if abs(value) < 10
            else f"{value:,.1f}"
            if abs(value) < 1000
            else f"{value:,.0f}"
        )
    if isinstance(value, int):
        return f"{value:,}"
    return value


def _bar(value: Value, top: float) -> str:
    if not isinstance(value, int | float) or value <= 0 or top <= 0:
        return ""
    return "█" * max(1, round(BAR_WIDTH * float(value) / top))


def breakdown_lines(table: Breakdown) -> list[str]:
    """A titled table with its charted column as bars (Rich markup, keys escaped)."""
    lines = [f"[bold]{table.title}[/bold]"]
    if table.note:
        lines.append(f"  [dim]{table.note}[/dim]")
    if not table.rows:
        return [*lines, "  (none)"]
    cells = [[cell(v) for v in row.values] for row in table.rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(table.columns)]
    key_width = min(28, max(len(r.key) for r in table.rows))
    header = "  ".join(f"{c:>{w}}" for c, w in zip(table.columns, widths, strict=True))
    lines.append(f"  {'':<{key_width}}  [dim]{header}[/dim]")
    charted = [r.values[table.chart] for r in table.rows] if table.chart >= 0 else []
    top = max((float(v) for v in charted if isinstance(v, int | float)), default=0.0)
    for row, shown in zip(table.rows, cells, strict=True):
        key = row.key if len(row.key) <= key_width else row.key[: key_width - 1] + "…"
        key = key.replace("[", "\\[")
        values = "  ".join(f"{c:>{w}}" for c, w in zip(shown, widths, strict=True))
        bar = _bar(row.values[table.chart], top) if table.chart >= 0 else ""
        lines.append(f"  {key:<{key_width}}  {values}  [cyan]{bar}[/cyan]")
    return lines


def render(analysis: Analysis) -> None:
    """The section in the terminal: headline, findings, then each table."""
    since = local(analysis.since, date_only=True)
    until = local(analysis.until, date_only=True)
    lines = [f"[bold]pocketcrm report {analysis.section}[/bold]  {since} to {until}", ""]
    if analysis.headline:
        lines += ["   ".join(f"{k} {v}" for k, v in analysis.headline), ""]
    if analysis.findings:
        lines += [f"• {f}" for f in analysis.findings] + [""]
    for table in analysis.breakdowns:
        lines += [*breakdown_lines(table), ""]
    say("\n".join(lines).rstrip())


def write_csv(analysis: Analysis) -> None:
    """One row a figure: table, key, column, value (every table fits one shape)."""
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["section", "table", "key", "column", "value"])
    for table in analysis.breakdowns:
        for row in table.rows:
            for column, value in zip(table.columns, row.values, strict=True):
                out.writerow(
                    [analysis.section, table.name, row.key, column, "" if value is None else value]
                )


def output(
    analysis: Analysis, as_json: bool, as_csv: bool, html: Path | None, md: Path | None
) -> None:
    """Print or write the section as asked; files are written whole or not at all."""
    if html is not None or md is not None:
        from pocketcrm.commands import sharekit

        for path, text in ((html, sharekit.html_page), (md, sharekit.markdown)):
            if path is not None:
                sharekit.write(path, text(analysis))
                say(f"wrote {path}")
        return
    if as_json:
        print_json(analysis)
    elif as_csv:
        write_csv(analysis)
    else:
        render(analysis)


def run(
    section: Section,
    options: tuple[str, str, str, str | None],
    as_json: bool,
    as_csv: bool,
    files: tuple[Path | None, Path | None] = (None, None),
) -> None:
    """OPTIONS: --since, --until, --by, --db; the section is computed and shown."""
    since, until, by, db = options
    start, end = moments(since, until)
    output(section(open_db(db), start, end, by), as_json, as_csv, *files)
