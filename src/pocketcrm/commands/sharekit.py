"""Reports to share: one self-contained HTML page (inline SVG bar charts, no network, a
print style sheet) or Markdown, drawn from any core.analysis.model.Analysis."""

from __future__ import annotations

import html
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from pocketcrm.commands.analysiskit import cell
from pocketcrm.commands.common import local

if TYPE_CHECKING:
    from pocketcrm.core.analysis.model import Analysis, Breakdown

_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; color: #222; margin: 2em auto; max-width: 960px; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
.period, .note { color: #666; } table { border-collapse: collapse; margin: 0.4em 0; }
td, th { padding: 2px 10px; text-align: right; border-bottom: 1px solid #ddd; }
td:first-child, th:first-child { text-align: left; } ul.findings li { margin: 0.2em 0; }
.headline span { display: inline-block; margin-right: 1.5em; } .headline b { font-size: 1.2em; }
svg { display: block; margin: 0.3em 0 0.8em; } svg rect { fill: #2a7ab0; }
svg text { font: 11px system-ui, sans-serif; fill: #222; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; }
  section { break-inside: avoid; } svg rect { fill: #555; } }
"""
ROW_HEIGHT = 18
CHART_WIDTH = 640
LABEL_WIDTH = 200


def _svg(table: Breakdown) -> str:
    """The charted column as horizontal bars: one inline SVG, no script, no fonts fetched."""
    if table.chart < 0 or not table.rows:
        return ""
    values = [r.values[table.chart] for r in table.rows]
    numbers = [float(v) if isinstance(v, int | float) else 0.0 for v in values]
    top = max(numbers, default=0.0)
    if top <= 0:
        return ""
    span = CHART_WIDTH - LABEL_WIDTH - 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_WIDTH}" '
        f'height="{ROW_HEIGHT * len(numbers) + 4}" role="img" '
        f'aria-label="{html.escape(table.title)}">'
    ]
    for i, (row, number) in enumerate(zip(table.rows, numbers, strict=True)):
        y = i * ROW_HEIGHT + 2
        width = max(1.0, span * number / top) if number > 0 else 0.0
        parts.append(
            f'<text x="0" y="{y + 13}">{html.escape(row.key[:32])}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 2}" width="{width:.1f}" height="{ROW_HEIGHT - 5}"/>'
            f'<text x="{LABEL_WIDTH + width + 4:.1f}" y="{y + 13}">'
            f"{html.escape(cell(row.values[table.chart]))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _html_table(table: Breakdown) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in ("", *table.columns))
    body = "".join(
        "<tr><td>"
        + html.escape(row.key)
        + "</td>"
        + "".join(f"<td>{html.escape(cell(v))}</td>" for v in row.values)
        + "</tr>"
        for row in table.rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def html_page(analysis: Analysis) -> str:
    """The whole page: headline, findings, each table with its chart."""
    title = f"pocketcrm report {analysis.section}"
    period = f"{local(analysis.since, date_only=True)} to {local(analysis.until, date_only=True)}"
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>',
        f"<style>{_STYLE}</style></head><body>",
        f'<h1>{html.escape(title)}</h1><p class="period">{html.escape(period)}</p>',
    ]
    if analysis.headline:
        spans = "".join(
            f"<span>{html.escape(k)} <b>{html.escape(v)}</b></span>" for k, v in analysis.headline
        )
        parts.append(f'<p class="headline">{spans}</p>')
    if analysis.findings:
        items = "".join(f"<li>{html.escape(f)}</li>" for f in analysis.findings)
        parts.append(f'<ul class="findings">{items}</ul>')
    for table in analysis.breakdowns:
        note = f'<p class="note">{html.escape(table.note)}</p>' if table.note else ""
        content = _svg(table) + _html_table(table) if table.rows else "<p>(none)</p>"
        parts.append(f"<section><h2>{html.escape(table.title)}</h2>{note}{content}</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(analysis: Analysis) -> str:
    """The same content as Markdown tables (charts become the numbers they draw)."""
    since = local(analysis.since, date_only=True)
    until = local(analysis.until, date_only=True)
    lines = [f"# pocketcrm report {analysis.section}", "", f"{since} to {until}", ""]
    if analysis.headline:
        lines += [", ".join(f"{k}: **{v}**" for k, v in analysis.headline), ""]
    lines += [f"- {_md_cell(f)}" for f in analysis.findings]
    for table in analysis.breakdowns:
        lines += ["", f"## {_md_cell(table.title)}", ""]
        if table.note:
            lines += [f"_{_md_cell(table.note)}_", ""]
        if not table.rows:
            lines.append("(none)")
            continue
        lines.append("| " + " | ".join(["", *(_md_cell(c) for c in table.columns)]) + " |")
        lines.append("|" + "---|" + "---:|" * len(table.columns))
        for row in table.rows:
            values = [_md_cell(cell(v)) for v in row.values]
            lines.append("| " + " | ".join([_md_cell(row.key), *values]) + " |")
    return "\n".join(lines) + "\n"


def write(path: Path, content: str) -> None:
    """PATH holds CONTENT whole: written beside it, then renamed over it."""
    from pocketcrm.core.errors import Invalid

    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise Invalid("file", f"folder {folder} does not exist; create it or pick another path")
    fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
        os.replace(temp, path)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise Invalid("file", f"cannot write {path}: {exc.strerror}") from None
