"""Support cases as the interface draws them: a queue row's cells, a case with its timeline,
and the few lines on a contact's card. Plain text out of read models; no database here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from pocketcrm.core.text import escape
from pocketcrm.tui import format as fmt
from pocketcrm.tui.widgets.virtual_table import Cell, Column

if TYPE_CHECKING:
    from pocketcrm.core.services.case_views import CaseEventView, CaseView


def due_cell(case: CaseView) -> Cell:
    """The running target, red once breached, yellow when near (the rule is the core's)."""
    if case.next_due_at is None:
        return (case.status.replace("_", " "), "dim")
    when = fmt.local(case.next_due_at)
    if case.breached:
        return (f"! {when}", "bold red")
    return (when, "yellow") if case.due_soon else when


CASE_COLUMNS = [
    Column("number", "Case", 14, lambda c: c.number),
    Column("due", "Due", 18, due_cell),
    Column("priority", "Prio", 6, lambda c: c.priority),
    Column("status", "Status", 8, lambda c: c.status),
    Column("subject", "Subject", 14, lambda c: c.subject, grow=3),
    Column("contact", "Contact", 12, lambda c: c.contact_name, grow=1),
    Column("assignee", "Assignee", 8, lambda c: c.assignee),
]


def _step(step: CaseEventView) -> str:
    if step.kind == "status":
        return f"{step.from_value} → {step.to_value}"
    if step.kind == "assign":
        return f"assigned to {step.to_value or 'nobody'}"
    if step.kind == "satisfaction":
        return f"rated {step.to_value}/5"
    return step.kind


def case_detail(case: CaseView, steps: list[CaseEventView]) -> Text:
    """The case's head, its service level and its timeline, newest last."""
    text = Text()
    text.append(f"{case.number} ", style="bold")
    text.append(escape(case.subject), style="bold")
    text.append(f"  {case.status}, {case.priority}", style="cyan")
    text.append(f"\n{escape(case.contact_name)}", style="")
    if case.company_name:
        text.append(f" ({escape(case.company_name)})", style="dim")
    if case.product:
        text.append(f"  product: {escape(case.product)}", style="dim")
    if case.assignee:
        text.append(f"  assignee: {escape(case.assignee)}", style="dim")
    answered = f", answered {fmt.local(case.first_response_at)}" if case.first_response_at else ""
    text.append(f"\nfirst reply due {fmt.local(case.first_response_due_at)}{answered}", style="dim")
    text.append(f"; resolve by {fmt.local(case.resolution_due_at)}", style="dim")
    if case.breached:
        text.append("  past its service level", style="bold red")
    text.append("\n")
    for step in steps:
        text.append(f"\n{fmt.local(step.at)}  ", style="dim")
        text.append(_step(step), style="bold" if step.kind in ("reply", "inbound") else "")
        if step.by:
            text.append(f" by {escape(step.by)}", style="dim")
        if step.body:
            text.append(f"\n    {escape(' '.join(step.body.split())[:400])}")
    return text


def card_cases(found: list[CaseView]) -> Text:
    """A contact's cases on the card (nothing at all when there are none)."""
    text = Text()
    if not found:
        return text
    running = [c for c in found if c.is_open]
    text.append(f"Cases ({len(running)} open)\n", style="bold")
    for case in found[:5]:
        style = "bold red" if case.breached else "" if case.is_open else "dim"
        text.append(f"{case.number:<15}", style=style)
        text.append(f" {case.status:<9}", style="cyan" if case.is_open else "dim")
        text.append(f" {escape(case.subject)}\n", style="" if case.is_open else "dim")
    return text
