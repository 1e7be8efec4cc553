"""Echo what a WHEN phrase means while it is typed ("fri 3pm" -> "Fri 27 Nov 2026 15:00")."""

from __future__ import annotations

from textual.widgets import Static


def describe_when(text: str, *, past: bool = False) -> tuple[str, bool]:
    """(what the phrase means or why it cannot be read, whether it could be read); PAST reads
    it as a moment gone by (when a call happened), as `--at` does."""
    from pocketcrm.core.dates import parse_past, parse_when
    from pocketcrm.core.errors import Invalid

    if not text.strip():
        return "", True
    try:
        return "→ " + (parse_past(text) if past else parse_when(text)).describe(), True
    except Invalid as exc:
        return exc.message, False


def update_hint(hint: Static, text: str, *, past: bool = False) -> None:
    described, ok = describe_when(text, past=past)
    hint.update(described)
    hint.set_classes("field-hint" if ok else "field-error -shown")
