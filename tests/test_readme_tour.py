"""The README's tour is real output: its commands run on a fresh database with a fixed clock
(scripts/readme_tour.py) and must print exactly what the README shows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[1] / "scripts" / "readme_tour.py"


@pytest.mark.slow
def test_the_readme_tour_prints_what_the_readme_shows() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, (
        "README tour differs from the program's output "
        "(run scripts/readme_tour.py --write after checking the diff):\n" + done.stdout
    )
