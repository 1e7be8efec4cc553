"""The one read model every analysis section returns, so every face draws any section.

A section is a headline (label, value pairs), a list of tables (`Breakdown`: named rows
with typed values, one of them charted) and findings in plain words. JSON, CSV, Markdown,
HTML, the terminal and the interface all read this shape and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pocketcrm.core.errors import Invalid

Value = int | float | str | None


@dataclass(frozen=True)
class Row:
    key: str
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Breakdown:
    """One table of a section; NAME is what `--by` picks it by."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    chart: int = 0  # the column drawn as bars (-1: none)
    note: str = ""


@dataclass(frozen=True)
class Analysis:
    section: str
    since: datetime
    until: datetime
    headline: tuple[tuple[str, str], ...] = ()
    breakdowns: tuple[Breakdown, ...] = ()
    findings: tuple[str, ...] = ()
    names: tuple[str, ...] = field(default=())  # every breakdown --by may name


def check_by(by: str, choices: tuple[str, ...]) -> str:
    """--by in machine form ('' for all), refused with the choices when unknown: before any
    work, so a typo costs nothing."""
    wanted = by.strip().lower().replace("-", "_")
    if wanted and wanted not in choices:
        raise Invalid("by", f"unknown --by {by!r}; use one of: {', '.join(choices)}")
    return wanted


def pick(analysis: Analysis, by: str) -> Analysis:
    """Only the breakdown BY (all when empty); an unknown one is refused with the choices."""
    wanted = check_by(by, analysis.names or tuple(b.name for b in analysis.breakdowns))
    if not wanted:
        return analysis
    kept = tuple(b for b in analysis.breakdowns if b.name == wanted)
    return Analysis(
        analysis.section,
        analysis.since,
        analysis.until,
        analysis.headline,
        kept,
        analysis.findings,
        analysis.names,
    )


def percent(part: int, whole: int) -> float | None:
    """PART of WHOLE in percent, one decimal; None when there is no whole."""
    return round(100.0 * part / whole, 1) if whole else None


def done(
    section: str,
    since: datetime,
    until: datetime,
    headline: list[tuple[str, str]],
    tables: list[Breakdown],
    findings: list[str] | None = None,
    by: str = "",
) -> Analysis:
    """The section's analysis, narrowed to --by (validated against every table it has)."""
    full = Analysis(
        section,
        since,
        until,
        tuple(headline),
        tuple(tables),
        tuple(findings or ()),
        tuple(t.name for t in tables),
    )
    return pick(full, by)
