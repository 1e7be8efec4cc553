"""Names the CLI tests share (conftest.py only holds fixtures: test modules cannot import it
reliably when several test folders each have one)."""

from __future__ import annotations

from collections.abc import Callable

from typer.testing import Result

NOW_TEXT = "2026-12-01T10:00:00+01:00"  # Tue 1 Dec 2026, 10:00 in Berlin

Run = Callable[..., Result]
