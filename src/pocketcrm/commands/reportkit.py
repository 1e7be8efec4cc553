"""What every `pocketcrm report SECTION` shares: the period options and the text charts.

A section module holds one command; it takes `SinceOption`/`UntilOption`, turns them into
moments with `moments()`, asks the core for a read model and draws it with `bars()` and
`sparkline()`. The period rule itself (defaults, since before until) is core/periods.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Protocol

import typer

from pocketcrm.commands.common import when

BAR_WIDTH = 30

SinceOption = Annotated[
    str,
    typer.Option(help="Start (WHEN, e.g. 30d, 2026-01-01; default 30 days ago).", metavar="WHEN"),
]
UntilOption = Annotated[str, typer.Option(help="End (WHEN; default now).", metavar="WHEN")]


class Counted(Protocol):
    """A labelled figure: core.readmodels.report.Count and its kind."""

    @property
    def key(self) -> str: ...

    @property
    def count(self) -> int: ...


def moments(since: str, until: str) -> tuple[datetime | None, datetime | None]:
    """--since/--until as moments; a date-only --until takes in the whole of that day."""
    start = when(since, "since", past=True).moment if since else None
    end = when(until, "until", past=True).end() if until else None
    return start, end


def bars(title: str, counts: Sequence[Counted], suffix: str = "") -> list[str]:
    """A titled horizontal bar chart, one line per figure (Rich markup, keys escaped)."""
    if not counts:
        return [f"[bold]{title}[/bold]", "  (none)"]
    top = max(c.count for c in counts) or 1
    width = max(len(c.key) for c in counts)
    lines = [f"[bold]{title}[/bold]"]
    for c in counts:
        bar = "█" * max(1 if c.count else 0, round(BAR_WIDTH * c.count / top))
        key = c.key.replace("[", "\\[")
        lines.append(f"  {key:<{width}}  {c.count:>7}{suffix}  [cyan]{bar}[/cyan]")
    return lines


def sparkline(counts: Sequence[Counted]) -> str:
    """One character a figure, its height relative to the largest."""
    blocks = " ▁▂▃▄▅▆▇█"
    top = max((c.count for c in counts), default=0) or 1
    return "".join(blocks[round(8 * c.count / top)] for c in counts)
