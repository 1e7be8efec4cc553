"""Echo what a WHEN phrase means while it is typed ("fri 3pm" -> "Fri 27 Nov 2026 15:00")."""

from __future__ import annotations

from textual.widgets import Static


def describe_when(text: str) -> tuple[str, bool]:
    """(what the phrase means or why it cannot be read, whether it could be read)."""
    from pocketcrm.core.dates import parse_when
    from pocketcrm.core.errors import Invalid

    if not text.strip():
        return "", True
    try:
        return "→ " + parse_when(text).describe(), True
    except Invalid as exc:
        return exc.message, False


def update_hint(hint: Static, text: str) -> None:
    described, ok = describe_when(text)
    hint.update(described)
    hint.set_classes("field-hint" if ok else "field-error -shown")
