"""The program as a user gets it: `pip install .` into a fresh virtual environment, with only
the declared dependencies (no numpy, no dev tools), then the commands run there.

Everything the code reaches must be declared: `pocketcrm dupes` once crashed with
ModuleNotFoundError (numpy) in such an environment while the developers' one was fine. The
environment is built once per test session under the session's tmp folder (about a minute;
pip reaches PyPI for the build backend and the dependencies, its cache makes it quicker).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pocketcrm.core.services.contacts import ContactInput, create_contact
from pocketcrm.core.store import open_store

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def plain_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bin/ of a fresh venv made by `python -m venv` and `pip install .` from this checkout."""
    venv = tmp_path_factory.mktemp("plain-install") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    done = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return venv / "bin"


def _run(bin_dir: Path, *args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTHON")},
        "POCKETCRM_DB": str(db),
        "POCKETCRM_CONFIG": str(db.with_suffix(".toml")),
    }
    return subprocess.run(
        [str(bin_dir / "pocketcrm"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )


def test_dupes_on_a_big_name_block_runs_in_a_plain_install(
    plain_venv: Path, tmp_path: Path
) -> None:
    # The environment holds only what we declare (statsmodels brings numpy since issue 13;
    # `dupes` itself must not need it: tests/importexport/test_merge.py checks that).
    db = tmp_path / "crm.db"
    store = open_store(db)
    try:
        for n in range(42):
            create_contact(
                store,
                ContactInput(
                    name=f"J{'abcdefghijklmnopqrstuvwxyz'[n % 26]}{'aeiou'[n // 26]}n Smith"
                ),
            )
        create_contact(store, ContactInput(name="Łukasz Żółkiewski"))
        create_contact(store, ContactInput(name="Lukasz Zolkiewski"))
    finally:
        store.close()

    done = _run(plain_venv, "dupes", "--json", db=db)

    assert done.returncode == 0, done.stderr
    assert "Łukasz Żółkiewski" in done.stdout and "Lukasz Zolkiewski" in done.stdout
    looked_up = _run(plain_venv, "show", "lukasz zolk", db=db)
    assert looked_up.returncode == 4, looked_up.stderr  # two of them: ambiguous, named
    assert "Żółkiewski" in looked_up.stderr
