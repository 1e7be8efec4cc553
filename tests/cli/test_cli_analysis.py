"""The analysis sections from the command line (issue 13): every section on the demo data,
--json/--csv/--html/--md, bad input as one line with exit 2, the page opened in headless
Chromium, the report mailed to a real SMTP server, and the weekly job."""

from __future__ import annotations

import json
import os
import shutil
import socket
import struct
import subprocess
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from clisupport import Run

from pocketcrm.core.demo import build_demo
from pocketcrm.core.store import open_store

SECTIONS = ("calls", "team", "satisfaction", "factors", "lifecycle", "market")


@pytest.fixture
def demo() -> None:
    """The demo's data in POCKETCRM_DB (at the tests' fixed clock)."""
    store = open_store(Path(os.environ["POCKETCRM_DB"]))
    try:
        build_demo(store, contacts=300, seed=7)
    finally:
        store.close()


@pytest.mark.parametrize("section", SECTIONS)
def test_every_section_is_filled_on_the_demo(run: Run, demo: None, section: str) -> None:
    shown = run("report", section).stdout
    assert shown.startswith(f"pocketcrm report {section}")
    data = json.loads(run("report", section, "--json").stdout)
    assert data["section"] == section
    assert all(b["rows"] for b in data["breakdowns"]), [
        b["name"] for b in data["breakdowns"] if not b["rows"]
    ]
    lines = run("report", section, "--csv").stdout.splitlines()
    assert lines[0] == "section,table,key,column,value" and len(lines) > 2


def test_log_call_records_number_channel_and_reason(run: Run) -> None:
    run("add", "Ann Able", "--phone", "+1 212 555 0100", "--source", "referral")
    run(
        "log-call",
        "ann",
        "--from",
        "+44 20 7946 0018",
        "--satisfaction",
        "1",
        "--reason",
        "price",
        "--at",
        "1h",
    )
    run("log-call", "ann", "--channel", "walk-in", "--at", "2h")
    data = json.loads(run("report", "calls", "--json", "--by", "region").stdout)
    assert data["breakdowns"][0]["rows"] == [{"key": "London, GB", "values": [1]}]
    assert "source: referral" in run("show", "ann").stdout
    low = json.loads(run("report", "satisfaction", "--json", "--by", "reason").stdout)
    assert low["breakdowns"][0]["rows"] == [{"key": "price", "values": [1]}]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("log-call", "ann", "--to", "12"), "to"),
        (("log-call", "ann", "--reason", "price"), "reason"),
        (("log-call", "ann", "--reason", "weather", "--satisfaction", "1"), "reason"),
        (("log-call", "ann", "--from", "+44 20 7946 0018", "--direction", "out"), "from"),
        (("log-call", "ann", "--channel", "pigeon"), "channel"),
        (("report", "calls", "--since", "today", "--until", "7d"), "since"),
        (("report", "team", "--by", "planet"), "by"),
        (("report", "factors", "--by", "weather"), "by"),
        (("market", "set", "Bakeries", "--size", "0"), "size"),
        (("market", "set", "Bakeries", "--size", "-5"), "size"),
        (("market", "set", "Bakeries", "--customers", "0"), "customers"),
        (("market", "set", "Bakeries", "--size", "100000", "--segment", "nope"), "segment"),
        (("market", "set", "Bakeries"), "size"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(run: Run, args: tuple[str, ...], field: str) -> None:
    run("add", "Ann Able")
    result = run(*args, code=2)
    assert result.stderr.strip().startswith(f"pocketcrm: error: {field}: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert json.loads(run("market", "list", "--json").stdout) == []
    assert run("report", "calls", "--json").stdout.count('"calls"') >= 1


@pytest.mark.parametrize("section", SECTIONS)
def test_every_section_refuses_a_backwards_period_and_an_unknown_by(run: Run, section: str) -> None:
    """Each section's own bad input, in every output form: one line naming the field, exit
    2, nothing on stdout (no half-drawn report, no file)."""
    for args, field in (
        (("--since", "2026-11-20", "--until", "2026-11-01"), "since"),
        (("--by", "planet"), "by"),
        (("--by", "planet", "--json"), "by"),
        (("--since", "today", "--until", "7d", "--csv"), "since"),
    ):
        result = run("report", section, *args, code=2)
        assert result.stderr.strip().startswith(f"pocketcrm: error: {field}: "), result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and result.stdout == ""
    page = Path(os.environ["POCKETCRM_DB"]).parent / f"{section}.html"
    run("report", section, "--by", "planet", "--html", str(page), code=2)
    assert not page.exists()


def test_market_set_keeps_the_other_figure(run: Run, demo: None) -> None:
    run("market", "set", "Cakes", "--size", "250000", "--period", "2026")
    run("market", "set", "Cakes", "--customers", "40", "--period", "2026")
    cakes = [m for m in json.loads(run("market", "list", "--json").stdout) if m["name"] == "Cakes"]
    assert cakes == [
        {
            "name": "Cakes",
            "segment": "",
            "year": 2026,
            "size_cents": 25000000,
            "customers": 40,
            "currency": "USD",
        }
    ]
    shares = json.loads(run("report", "market", "--json", "--by", "share").stdout)
    assert any(r["key"] == "Cakes 2026" for r in shares["breakdowns"][0]["rows"])


def _png_colours(path: Path) -> int:
    """How many different pixel rows a PNG has (a blank page has one): read with zlib."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, width = 8, b"", 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width = struct.unpack(">I", body[:4])[0]
        elif kind == b"IDAT":
            chunks += body
        pos += 12 + length
    raw = zlib.decompress(chunks)
    stride = 1 + width * 4 if len(raw) % (1 + width * 4) == 0 else 1 + width * 3
    return len({raw[i : i + stride][1:] for i in range(0, len(raw), stride)})


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_the_html_page_opens_in_headless_chromium(run: Run, demo: None, tmp_path: Path) -> None:
    page = tmp_path / "calls.html"
    run("report", "calls", "--html", str(page))
    text = page.read_text(encoding="utf-8")
    assert "<svg" in text and "http://" not in text.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )
    assert "@media print" in text
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            "chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}",
            "--window-size=1000,1200", f"--user-data-dir={tmp_path / 'profile'}", page.as_uri(),
        ],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    assert _png_colours(shot) > 20  # text and bars, not a blank page


def test_markdown_of_the_overview(run: Run, demo: None, tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    run("report", "--md", str(out))
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# pocketcrm report overview")
    assert "## Contacts by stage" in text and "|---|---:|" in text


class Kept:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Kept, int]]:
    """A real SMTP server on 127.0.0.1."""
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    kept = Kept()
    controller = Controller(kept, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield kept, port
    finally:
        controller.stop()


def test_report_email_goes_through_the_configured_smtp(
    run: Run, demo: None, smtp: tuple[Kept, int]
) -> None:
    kept, port = smtp
    for key, value in (
        ("reminders.smtp.host", "127.0.0.1"),
        ("reminders.smtp.port", str(port)),
        ("reminders.smtp.security", "none"),
        ("reminders.smtp.sender", "shop@example.com"),
        ("reminders.smtp.recipients", "boss@example.com"),
    ):
        run("config", "set", key, value)
    shown = run("report", "--email", "--to", "manager@example.com").stdout
    assert "mailed the report to manager@example.com" in shown
    [(sender, recipients, body)] = kept.messages
    assert sender == "shop@example.com" and recipients == ["manager@example.com"]
    assert b"text/html" in body and b"Contacts by stage" in body


def test_cron_installs_the_weekly_report(run: Run, tmp_path: Path) -> None:
    tab = tmp_path / "crontab"
    run("cron", "install", "--report", "weekly", "--tabfile", str(tab))
    [line] = tab.read_text().splitlines()
    assert line.startswith("0 8 * * 1 ") and line.endswith(
        "report --email --since 7d # pocketcrm-report"
    )
    run("cron", "install", "--report", "weekly", "--tabfile", str(tab))
    assert len(tab.read_text().splitlines()) == 1  # updated in place, not twice


def test_json_export_and_import_keep_channel_number_and_reason(run: Run, tmp_path: Path) -> None:
    run("add", "Ann Able", "--phone", "+1 212 555 0100", "--source", "event")
    run(
        "log-call",
        "ann",
        "--from",
        "+44 20 7946 0018",
        "--satisfaction",
        "2",
        "--reason",
        "delivery",
        "--at",
        "1h",
    )
    out = tmp_path / "all.json"
    run("export", "-o", str(out))
    [person] = [
        r for r in json.loads(out.read_text())["contacts"] if r["display_name"] == "Ann Able"
    ]
    assert person["source"] == "event"
    [call] = person["interactions"]
    assert (call["channel"], call["number"], call["reason"]) == (
        "phone",
        "+442079460018",
        "delivery",
    )
    other = tmp_path / "other.db"
    open_store(other).close()
    run("--db", str(other), "import", str(out), "--yes")
    back = json.loads(
        run("--db", str(other), "report", "satisfaction", "--json", "--by", "reason").stdout
    )
    assert back["breakdowns"][0]["rows"] == [{"key": "delivery", "values": [1]}]


def test_satisfaction_by_product_in_every_format(run: Run, demo: None) -> None:
    """`report satisfaction --by product`: the products' table alone, the same figures in
    JSON, CSV and the terminal."""
    data = json.loads(run("report", "satisfaction", "--by", "product", "--json").stdout)
    [table] = data["breakdowns"]
    assert table["name"] == "product" and table["columns"] == ["average", "rated", "low %"]
    rows = {r["key"]: r["values"] for r in table["rows"]}
    assert rows and all(1 <= v[0] <= 5 and v[1] > 0 and 0 <= v[2] <= 100 for v in rows.values())
    lines = run("report", "satisfaction", "--by", "product", "--csv").stdout.splitlines()
    assert {line.split(",")[1] for line in lines[1:]} == {"product"}
    assert len(lines) == 1 + 3 * len(rows)
    shown = run("report", "satisfaction", "--by", "product").stdout
    assert "By product" in shown and next(iter(rows)) in shown
    refused = run("report", "satisfaction", "--by", "products", code=2)
    assert "product" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1


def test_a_long_row_name_ends_in_an_ellipsis(run: Run, demo: None) -> None:
    """Row names are cut to the key column with "…", never silently (a market's name and
    year lost its year)."""
    run("market", "set", "Bakery supplies for wholesale trade", "--size", "45000000",
        "--period", "2026")  # fmt: skip
    shown = run("report", "market", "--by", "share").stdout
    assert "Bakery supplies for wholesa…" in shown
    assert "Bakery supplies for wholesal " not in shown
