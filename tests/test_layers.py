"""The architecture is checked on every test run, not only by `make check`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def test_import_contracts_are_kept() -> None:
    done = subprocess.run(
        [str(BIN / "lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_no_heavy_module_level_imports_in_the_faces() -> None:
    """Ruff's TID253: commands/ and cli.py import no SQLModel, Textual or core services at load."""
    done = subprocess.run(
        [str(BIN / "ruff"), "check", "--select", "TID253", "src"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:]
