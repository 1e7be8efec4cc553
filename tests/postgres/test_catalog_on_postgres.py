"""Issue 12 on a real PostgreSQL server: the catalogue, a quote through order to invoice,
a cost, the profit report and billing per company, run as the installed CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from pgserver import PgServer

BIN = str(Path(sys.executable).with_name("pocketcrm"))


def _cli(url: str) -> Any:
    def run(*args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "POCKETCRM_DB": url, "POCKETCRM_NOW": "2026-12-01T12:00:00+01:00",
               "POCKETCRM_TZ": "Europe/Berlin", "NO_COLOR": "1"}  # fmt: skip
        done = subprocess.run([BIN, *args], env=env, capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL)  # fmt: skip
        assert done.returncode == expect, (args, done.stdout, done.stderr[-2000:])
        return done

    return run


def test_quote_to_invoice_profit_and_company_billing_on_postgres(pg_server: PgServer) -> None:
    run = _cli(pg_server.database())
    run("--create", "company", "add", "Nordhavn Bakery")
    run("add", "Ann Lee", "-c", "Nordhavn Bakery")
    run(
        "product",
        "add",
        "WID-100",
        "--name",
        "Widget",
        "--price",
        "45",
        "--cost",
        "30",
        "--tax",
        "20%",
    )
    run("quote", "add", "ann", "--line", "WID-100 x3", "--line", "Consulting 2h @ 90")
    run("quote", "add", "ann", "--line", "NOPE x1", expect=2)
    run("quote", "accept", "QUO-2026-0001")
    run("order", "from-quote", "QUO-2026-0001")
    invoice = json.loads(run("invoice", "from-order", "ORD-2026-0001", "--json").stdout)
    assert invoice["amount_cents"] == 13500 + 2700 + 18000
    run("cost", "add", "20", "--for", "company", "Nordhavn Bakery", "--kind", "travel")
    profit = json.loads(run("report", "profit", "--by", "company", "--json").stdout)
    assert profit["total"]["revenue_cents"] == 31500
    assert [(r["label"], r["margin_cents"]) for r in profit["rows"]] == [
        ("Nordhavn Bakery", 31500 - 9000 - 2000)
    ]
    for by in ("product", "category", "user", "department", "segment", "source", "customer"):
        run("report", "profit", "--by", by, "--json")
    billed = json.loads(run("billing", "Nordhavn Bakery", "--json").stdout)
    assert sorted(e["number"] for e in billed) == ["INV-2026-0001", "ORD-2026-0001"]


def test_json_round_trip_of_catalogue_quotes_and_costs_on_postgres(
    pg_server: PgServer, tmp_path: Path
) -> None:
    """Export from one server database, import into an empty one: the same quotes, lines,
    costs and profit figures, and the ids the import gave keep working for new rows."""
    run = _cli(pg_server.database())
    run("--create", "add", "Ann Lee", "-c", "Nordhavn Bakery")
    run("product", "add", "WID-100", "--name", "Widget", "--price", "45", "--cost", "30")
    run("quote", "add", "ann", "--line", "WID-100 x3 -10%", "--line", "Consulting 2h @ 90")
    run("quote", "accept", "QUO-2026-0001")
    run("order", "from-quote", "QUO-2026-0001")
    run("invoice", "from-order", "ORD-2026-0001")
    run("cost", "add", "20", "--for", "company", "Nordhavn Bakery", "--kind", "travel")
    target = tmp_path / "all.json"
    run("export", "--format", "json", "-o", str(target))
    other = _cli(pg_server.database())
    other("--create", "import", str(target), "--yes")
    for args in (["report", "profit", "--json"], ["quote", "show", "QUO-2026-0001", "--json"],
                 ["invoice", "show", "INV-2026-0001", "--json"]):  # fmt: skip
        assert json.loads(other(*args).stdout) == json.loads(run(*args).stdout), args
    again = tmp_path / "again.json"
    other("export", "--format", "json", "-o", str(again))
    assert again.read_text() == target.read_text()
    other("quote", "add", "ann", "--line", "WID-100 x1")  # the sequence is past the import's ids
    assert "QUO-2026-0002" in other("quote", "list").stdout
