"""One analysis section of the report screen (issue 13): its headline, findings and tables
drawn as text bars, and its time series as a Sparkline. The screen fetches the section
(core.analysis) in a worker and hands the result to `show`; this widget only draws."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Sparkline, Static

if TYPE_CHECKING:
    from pocketcrm.core.analysis.model import Analysis, Breakdown, Value

# The report screen's tabs after "Overview": (tab id, title, core function as module:name).
SECTIONS = (
    ("calls", "Calls", "pocketcrm.core.analysis.calls:calls"),
    ("team", "Team", "pocketcrm.core.analysis.team:team"),
    ("satisfaction", "Satisfaction", "pocketcrm.core.analysis.satisfaction:satisfaction"),
    ("factors", "Factors", "pocketcrm.core.analysis.factors:factors"),
    ("lifecycle", "Life cycle", "pocketcrm.core.analysis.lifecycle:lifecycle"),
    ("market", "Market", "pocketcrm.core.analysis.market:market"),
)
SERIES = ("hour", "month", "revenue", "churn", "deals")  # tables drawn as a Sparkline
BAR_WIDTH = 20
KEY_WIDTH = 18
MAX_COLUMNS_WITH_BARS = 4  # wider tables show their figures only


def _cell(value: Value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return value


def table_text(table: Breakdown) -> Text:
    """A titled table, its charted column as bars."""
    text = Text(no_wrap=True, overflow="crop")  # a wide table is cut at the edge, not wrapped
    text.append(table.title + "\n", style="bold")
    if table.note:
        text.append(table.note + "\n", style="dim")
    if not table.rows:
        text.append("nothing yet\n", style="dim")
        return text
    cells = [[_cell(v) for v in row.values] for row in table.rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(table.columns)]
    text.append(" " * (KEY_WIDTH + 1))
    text.append(
        "  ".join(f"{c:>{w}}" for c, w in zip(table.columns, widths, strict=True)) + "\n",
        style="dim",
    )
    drawn = table.chart >= 0 and len(table.columns) <= MAX_COLUMNS_WITH_BARS
    charted = [r.values[table.chart] if drawn else None for r in table.rows]
    top = max((float(v) for v in charted if isinstance(v, int | float)), default=0.0)
    for row, shown, value in zip(table.rows, cells, charted, strict=True):
        key = row.key.replace("_", " ")[:KEY_WIDTH]
        text.append(f"{key:<{KEY_WIDTH}} ")
        text.append("  ".join(f"{c:>{w}}" for c, w in zip(shown, widths, strict=True)))
        if isinstance(value, int | float) and value > 0 and top > 0:
            text.append(" " + "█" * max(1, round(BAR_WIDTH * float(value) / top)), style="cyan")
        text.append("\n")
    return text


def series(analysis: Analysis) -> tuple[str, list[float]]:
    """The first time series of the section (title, values) for the Sparkline."""
    for table in analysis.breakdowns:
        if table.name in SERIES and len(table.rows) >= 2:
            values = [r.values[max(table.chart, 0)] for r in table.rows]
            return table.title, [float(v) if isinstance(v, int | float) else 0.0 for v in values]
    return "", []


class AnalysisTab(VerticalScroll):
    """The body of one section's tab."""

    DEFAULT_CSS = """
    AnalysisTab { padding: 0 1; }
    AnalysisTab .analysis-spark { height: 3; }
    AnalysisTab .analysis-text { height: auto; }
    """

    def __init__(self, section: str) -> None:
        super().__init__(id=f"analysis-{section}")
        self.section = section

    def compose(self) -> ComposeResult:
        yield Static("Loading…", classes="analysis-text", id=f"{self.section}-head")
        yield Static("", classes="analysis-text", id=f"{self.section}-series-title")
        yield Sparkline(
            [], classes="analysis-spark", id=f"{self.section}-spark", summary_function=max
        )
        yield Static("", classes="analysis-text", id=f"{self.section}-tables")

    def show(self, analysis: Analysis) -> None:
        head = Text()
        for label, value in analysis.headline:
            head.append(f"{label} ", style="dim")
            head.append(value, style="bold")
            head.append("   ")
        for finding in analysis.findings:
            head.append(f"\n• {finding}")
        self.query_one(f"#{self.section}-head", Static).update(head)
        title, values = series(analysis)
        self.query_one(f"#{self.section}-series-title", Static).update(Text(title, style="bold"))
        spark = self.query_one(f"#{self.section}-spark", Sparkline)
        spark.data = values
        spark.display = bool(values)
        body = Text(no_wrap=True, overflow="crop")
        for table in analysis.breakdowns:
            body.append_text(table_text(table))
            body.append("\n")
        self.query_one(f"#{self.section}-tables", Static).update(body)
