"""The statistics libraries load only in the analysis sections that fit models (issue 13):
`report calls` and `report team` count in SQL; `report factors` fits a regression."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pocketcrm.core.store import open_store

RUNNER = """
import json, sys
from pocketcrm.cli import app
try:
    app(args=json.loads(sys.argv[1]), prog_name="pocketcrm")
except SystemExit as exc:
    code = exc.code
with open(sys.argv[2], "w") as handle:
    json.dump({"modules": sorted(sys.modules), "code": code}, handle)
"""
STATS = {"numpy", "statsmodels", "scipy", "pandas"}


def _run(args: list[str], tmp_path: Path) -> tuple[set[str], int]:
    report = tmp_path / "modules.json"
    result = subprocess.run(
        [sys.executable, "-c", RUNNER, json.dumps(args), str(report)],
        capture_output=True, text=True, timeout=180, check=False,
        env={**os.environ, "POCKETCRM_CONFIG": str(tmp_path / "c.toml")},
    )  # fmt: skip
    assert report.exists(), result.stderr
    data = json.loads(report.read_text())
    return {m.split(".")[0] for m in data["modules"]}, int(data["code"] or 0)


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = tmp_path / "crm.db"
    open_store(path).close()
    return str(path)


@pytest.mark.parametrize(
    "args",
    [
        ["report", "calls"],
        ["report", "team"],
        ["report", "satisfaction"],
        ["report", "lifecycle"],
        ["log-call", "--help"],
        ["market", "list"],
    ],
)
def test_counting_sections_load_no_statistics(db: str, tmp_path: Path, args: list[str]) -> None:
    modules, code = _run(["--db", db, *args], tmp_path)
    assert code == 0
    assert not modules & STATS, sorted(modules & STATS)


def test_factors_loads_statsmodels_only_with_enough_data(db: str, tmp_path: Path) -> None:
    modules, code = _run(["--db", db, "report", "factors"], tmp_path)
    assert code == 0
    assert "statsmodels" not in modules  # too little data: nothing is fitted


def test_market_and_team_run_without_the_orm(db: str, tmp_path: Path) -> None:
    """`report market` reads markets and saved segments on the plain path (issue 13: the
    ORM cost about 330 ms of a cold run), the segment branch included; `report team`
    stays on it with the counting it shares with `report --by user`."""
    from pocketcrm.core.analysis.market import set_market
    from pocketcrm.core.services import segments

    store = open_store(db)
    try:
        segments.save_segment(store, "vips", segments.SegmentFilters(tag="vip"))
        set_market(store, "Bread", size="1000", segment="vips")
        set_market(store, "Bread", customers=40)
    finally:
        store.close()
    runs = (["report", "market"], ["report", "market", "--json"], ["market", "list"])
    for args in (*runs, ["report", "team"]):  # team counts with report --by user's counting
        modules, code = _run(["--db", db, *args], tmp_path)
        assert code == 0, args
        assert not modules & {"sqlalchemy", "sqlmodel", "alembic"}, (args, sorted(modules))
