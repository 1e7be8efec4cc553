"""Issue 12 from the command line: the catalogue, quotes -> orders -> invoices with lines,
costs, billing per company, the profit report and the PDFs; results read back through the
core (now: Tue 1 Dec 2026, 10:00 in Berlin)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from clisupport import Run

from pocketcrm.core.services import billing, costs, products, quotes
from pocketcrm.core.store import Store


@pytest.fixture
def shop(run: Run) -> None:
    run("add", "Ann Lee", "-e", "ann@x.com", "--company", "Nordhavn Bakery")
    run("add", "Bo Berg", "--company", "Nordhavn Bakery")
    run("product", "add", "WID-100", "--name", "Widget", "--price", "45", "--cost", "30",
        "--tax", "20%", "--category", "hardware")  # fmt: skip
    run("product", "add", "CONS", "--name", "Consulting", "--price", "90", "--unit", "hour",
        "--category", "services")  # fmt: skip


def test_product_add_list_show_edit_retire(run: Run, core: Callable[[], Store], shop: None) -> None:
    listed = json.loads(run("product", "list", "--json").stdout)
    assert [p["sku"] for p in listed] == ["CONS", "WID-100"]
    assert listed[1]["price_cents"] == 4500 and listed[1]["tax_rate_bp"] == 2000
    csv_out = run("product", "list", "--csv").stdout.splitlines()
    assert csv_out[0].startswith("sku,name,category,unit,price,cost,currency,tax,status")
    assert "WID-100,Widget,hardware,each,45.00,30.00,USD,20%,active" in csv_out
    run("product", "edit", "wid-100", "--price", "50", "--cost", "32")
    shown = run("product", "show", "WID-100").stdout
    assert "50.00 USD" in shown and "margin    18.00 USD" in shown
    run("product", "retire", "WID-100")
    assert [p.sku for p in products.list_products(core())] == ["CONS"]
    assert products.find(core(), "Widget").retired_at is not None
    run("quote", "add", "ann", "--line", "WID-100 x1", code=2)
    run("product", "retire", "WID-100", "--undo")
    assert products.find(core(), "WID-100").active


def test_catalogue_export_import_round_trip(
    run: Run, core: Callable[[], Store], shop: None, tmp_path: Path
) -> None:
    target = tmp_path / "cat.json"
    run("product", "export", "--format", "json", "-o", str(target))
    data = json.loads(target.read_text())
    data["products"][1]["price_cents"] = 4900
    data["products"].append({**data["products"][0], "sku": "NEW-1", "uuid": "u-new"})
    target.write_text(json.dumps(data))
    assert "1 added, 2 updated" in run("product", "import", str(target)).stdout
    assert products.find(core(), "WID-100").price_cents == 4900
    assert products.find(core(), "NEW-1").uuid == "u-new"
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,name,price\nOK-1,Fine,10\nBAD-1,Broken,ten\n")
    result = run("product", "import", str(bad), code=2)
    assert "row 2" in result.stderr and "price" in result.stderr
    assert [p.sku for p in products.list_products(core())].count("OK-1") == 0  # all or nothing
    csv_file = tmp_path / "cat.csv"
    csv_file.write_text(run("product", "export", "--format", "csv").stdout)
    assert "0 added, 3 updated" in run("product", "import", str(csv_file)).stdout


def test_quote_order_invoice_flow_keeps_totals_and_costs(
    run: Run, core: Callable[[], Store], shop: None
) -> None:
    out = run("quote", "add", "ann", "--line", "WID-100 x3", "--line", "Consulting 2h @ 90",
              "--line", "Gadget x2 @ 10 -10% tax 7.5%").stdout  # fmt: skip
    assert out.strip() == "QUO-2026-0001 361.35 USD (draft)"
    view = quotes.get_quote(core(), "QUO-2026-0001")
    assert (view.net_cents, view.tax_cents, view.amount_cents) == (33300, 2835, 36135)
    assert [line.net_cents for line in view.lines] == [13500, 18000, 1800]
    run("order", "from-quote", "QUO-2026-0001", code=2)  # not accepted yet
    run("quote", "send", "QUO-2026-0001")
    run("quote", "accept", "QUO-2026-0001")
    run("product", "edit", "WID-100", "--cost", "31")  # the cost when it is sold
    assert "ORD-2026-0001" in run("order", "from-quote", "QUO-2026-0001").stdout
    run("order", "from-quote", "QUO-2026-0001", code=2)  # only once
    run("product", "edit", "WID-100", "--cost", "99")  # later: does not rewrite history
    assert "INV-2026-0001" in run("invoice", "from-order", "ORD-2026-0001").stdout
    invoice = billing.get_invoice(core(), "INV-2026-0001")
    assert invoice.amount_cents == 36135
    lines = quotes.document_lines(core(), "INV-2026-0001")
    assert [line.unit_cost_cents for line in lines] == [3100, 0, 0]
    shown = run("invoice", "show", "INV-2026-0001").stdout
    assert "3 x WID-100 Widget @ 45.00 USD (tax 20%)" in shown and "total 361.35 USD" in shown
    run("invoice", "from-order", "ORD-2026-0001", code=2)


def test_bad_lines_exit_2_naming_the_field_and_write_nothing(
    run: Run, core: Callable[[], Store], shop: None
) -> None:
    run("add", "Cy Euro")
    run("product", "add", "EU-1", "--name", "Euro thing", "--price", "10 EUR")
    for line, field in [
        ("NOPE-9 x3", "line:"),
        ("WID-100 x-3", "quantity:"),
        ("WID-100 x2 -120%", "discount:"),
        ("Consulting 2h @ 90 EUR", "currency:"),
        ("EU-1 x1", "currency:"),
        ("WID-100 x1 tax 150%", "tax:"),
    ]:
        result = run("quote", "add", "ann", "--line", "CONS x1", "--line", line, code=2)
        assert result.stderr.startswith(f"pocketcrm: error: {field}"), (line, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1
        result = run("invoice", "add", "ann", "--line", line, code=2)
        assert field in result.stderr
    assert quotes.list_quotes(core()) == [] and billing.list_invoices(core()) == []
    run("quote", "add", "ann", "--line", "CONS x1")
    run("quote", "decline", "QUO-2026-0001", "--reason", "too dear")
    result = run("quote", "accept", "QUO-2026-0001", code=2)
    assert "quote:" in result.stderr and "declined" in result.stderr
    assert quotes.get_quote(core(), "QUO-2026-0001").decline_reason == "too dear"
    assert quotes.get_quote(core(), "QUO-2026-0001").status == "declined"
    run("order", "from-quote", "QUO-2026-0001", code=2)  # a declined quote makes no order
    assert billing.list_invoices(core()) == []
    for args, field in [(["--tax", "150%"], "tax"), (["--tax", "-1%"], "tax"),
                        (["--price", "-5"], "price")]:  # fmt: skip
        result = run("product", "add", "BAD-1", "--name", "Bad", *args, code=2)
        assert field in result.stderr and len(result.stderr.strip().splitlines()) == 1, args
    assert [p.sku for p in products.list_products(core())].count("BAD-1") == 0


def test_cancel_order_keeps_it_with_a_reason(
    run: Run, core: Callable[[], Store], shop: None
) -> None:
    run("invoice", "add", "ann", "--order", "--line", "WID-100 x2")
    assert "reason:" in run("order", "cancel", "ORD-2026-0001", code=2).stderr
    run("order", "cancel", "ORD-2026-0001", "--reason", "customer changed mind")
    view = billing.get_invoice(core(), "ORD-2026-0001")
    assert view.status == "cancelled" and view.cancel_reason == "customer changed mind"
    run("invoice", "from-order", "ORD-2026-0001", code=2)
    lost = json.loads(run("report", "profit", "--json").stdout)["lost"]
    assert lost == [
        {"kind": "order", "reason": "customer changed mind", "count": 1, "net_cents": 9000}
    ]
    assert json.loads(run("report", "profit", "--json").stdout)["total"]["revenue_cents"] == 0


def test_billing_by_company_and_by_person(run: Run, shop: None) -> None:
    run("invoice", "add", "ann", "100")
    run("invoice", "add", "Bo Berg", "--line", "CONS 3h")
    company = json.loads(run("billing", "Nordhavn Bakery", "--json").stdout)
    assert sorted(e["number"] for e in company) == ["INV-2026-0001", "INV-2026-0002"]
    person = json.loads(run("billing", "ann", "--json").stdout)
    assert [e["number"] for e in person] == ["INV-2026-0001"]
    run("billing", "Nobody Inc", code=3)


def test_costs_and_profit_report_agree_across_outputs(
    run: Run, core: Callable[[], Store], shop: None
) -> None:
    run("invoice", "add", "ann", "--line", "WID-100 x4")  # 180 net, 120 cost
    run("invoice", "add", "Bo Berg", "--line", "WID-100 x1 @ 20")  # below cost: 20 vs 30
    run("cost", "add", "25", "--for", "contact", "ann", "--kind", "travel", "--on", "yesterday")
    run("cost", "add", "10", "--for", "company", "Nordhavn Bakery", "--kind", "ads")
    assert [c.kind for c in costs.list_costs(core())] == ["travel", "ads"]
    run("cost", "add", "5", "--for", "planet", "x", code=2)
    data = json.loads(run("report", "profit", "--json").stdout)
    total = data["total"]
    assert total["revenue_cents"] == 20000 and total["goods_cost_cents"] == 15000
    assert total["other_cost_cents"] == 3500 and total["margin_cents"] == 1500
    assert [r["label"] for r in data["most_profitable"]] == ["Ann Lee", "Bo Berg"]
    assert data["below_cost"][0]["sku"] == "WID-100" and data["below_cost"][0]["loss_cents"] == 1000
    text = run("report", "profit").stdout
    assert "gross margin 15.00 USD" in text and "WID-100 Widget: 1 lines" in text
    by_company = json.loads(run("report", "profit", "--by", "company", "--json").stdout)
    assert [(r["label"], r["margin_cents"]) for r in by_company["rows"]] == [
        ("Nordhavn Bakery", 1500)
    ]
    csv_rows = run("report", "profit", "--by", "product", "--csv").stdout.splitlines()
    assert csv_rows[-1].startswith("total,2,200.00,150.00,35.00,0.00,15.00,7.5")
    run("department", "add", "Field Sales")  # the owner's user is in no department yet
    by_department = json.loads(run("report", "profit", "--by", "department", "--json").stdout)
    assert [(r["label"], r["margin_cents"]) for r in by_department["rows"]] == [
        ("(no department)", 2500),
        ("(not attributed)", -1000),  # the company's cost: no person's department
    ]
    assert "(no department)" in run("report", "profit", "--by", "department").stdout
    assert "by:" in run("report", "profit", "--by", "planet", code=2).stderr


def test_time_cost_is_off_by_default_and_counted_when_configured(run: Run, shop: None) -> None:
    run("config", "set", "owner", "ann")
    run("log-call", "ann", "--duration", "30m")
    run("invoice", "add", "ann", "--line", "CONS 1h")
    assert json.loads(run("report", "profit", "--json").stdout)["total"]["time_cost_cents"] == 0
    run("config", "set", "profit.time_cost", "true")
    run("config", "set", "profit.hourly_rates", "ann=60")
    total = json.loads(run("report", "profit", "--json").stdout)["total"]
    assert total["time_cost_cents"] == 3000 and total["margin_cents"] == 6000
    assert (
        "profit.hourly_rates" in run("config", "set", "profit.hourly_rates", "ann", code=2).stderr
    )


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_invoice_and_quote_pdf_render_and_read_back(run: Run, shop: None, tmp_path: Path) -> None:
    run("config", "set", "business.name", "Pocket Bakery Supplies")
    run("config", "set", "business.address", "1 Harbour Road, 8000 Aarhus")
    run("config", "set", "business.tax_id", "DK12345678")
    run("invoice", "add", "ann", "--line", "WID-100 x3", "--line", "Consulting 2h @ 90")
    target = tmp_path / "inv.pdf"
    run("invoice", "pdf", "INV-2026-0001", "-o", str(target))
    text = subprocess.run(["pdftotext", "-layout", str(target), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    for expected in ("Pocket Bakery Supplies", "1 Harbour Road", "DK12345678", "Invoice INV-2026-0001",
                     "Ann Lee", "WID-100 Widget", "Tax 20%", "342.00", "Payment terms"):  # fmt: skip
        assert expected in text, expected
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", str(target), str(tmp_path / "page")], check=True
    )
    assert (tmp_path / "page-1.png").stat().st_size > 1000
    run("quote", "add", "Bo Berg", "--line", "CONS 3h")
    run("quote", "pdf", "QUO-2026-0001", "-o", str(tmp_path / "q.pdf"))
    quote_text = subprocess.run(["pdftotext", str(tmp_path / "q.pdf"), "-"], capture_output=True,
                                text=True, check=True).stdout  # fmt: skip
    assert "Quote QUO-2026-0001" in quote_text and "Valid until" in quote_text
    run("invoice", "pdf", "INV-2099-0001", "-o", str(tmp_path / "x.pdf"), code=3)


def test_json_export_keeps_lines_and_an_import_restores_them(
    run: Run, core: Callable[[], Store], shop: None, tmp_path: Path
) -> None:
    from pocketcrm.core.store import open_store

    run("invoice", "add", "ann", "--order", "--line", "WID-100 x3 -10%", "--line", "Setup @ 50")
    run("invoice", "from-order", "ORD-2026-0001")
    target = tmp_path / "all.json"
    run("export", "--format", "json", "-o", str(target))
    record = next(
        r for r in json.loads(target.read_text())["contacts"] if r["display_name"] == "Ann Lee"
    )
    invoice = next(i for i in record["invoices"] if i["number"] == "INV-2026-0001")
    assert [line["sku"] for line in invoice["lines"]] == ["WID-100", None]
    assert invoice["order"] and invoice["net_cents"] == 12150 + 5000
    other = tmp_path / "other.db"
    run(
        "--db",
        str(other),
        "--create",
        "product",
        "add",
        "WID-100",
        "--name",
        "Widget",
        "--price",
        "45",
    )
    run("--db", str(other), "import", str(target), "--yes")
    store = open_store(other)
    try:
        before = quotes.document_lines(core(), "INV-2026-0001")
        after = quotes.document_lines(store, "INV-2026-0001")
        assert [(x.sku, x.net_cents, x.tax_cents, x.unit_cost_cents) for x in after] == [
            (x.sku, x.net_cents, x.tax_cents, x.unit_cost_cents) for x in before
        ]
        assert billing.get_invoice(store, "INV-2026-0001").amount_cents == 12150 * 12 // 10 + 5000
    finally:
        store.close()


def test_a_merge_moves_quotes_and_costs_and_undo_puts_them_back(
    run: Run, core: Callable[[], Store], shop: None
) -> None:
    run("add", "Ann L.", "-e", "ann2@x.com")
    run("quote", "add", "Ann L.", "--line", "CONS 1h")
    run("cost", "add", "12", "--for", "contact", "Ann L.", "--kind", "travel")
    keep = quotes.list_quotes(core())[0].contact_id - 1  # Ann Lee was added before Ann L.
    other = keep + 1
    run("merge", f"#{keep}", f"#{other}")
    assert quotes.list_quotes(core())[0].contact_id == keep
    assert costs.list_costs(core())[0].target_id == keep
    run("merge", "--undo")
    assert quotes.list_quotes(core())[0].contact_id == other
    assert costs.list_costs(core())[0].target_id == other


def _money_state(store: Store) -> dict[str, object]:
    """What the round trip must keep: the catalogue, quotes and documents with their lines
    (costs at the time of sale), costs with their targets, and the profit report's total."""
    from pocketcrm.core.services.profit import profit

    documents: dict[str, tuple[object, ...]] = {
        q.number: (q.status, q.decline_reason, q.net_cents, q.tax_cents, q.amount_cents,
                   [(x.sku, x.net_cents, x.tax_cents, x.unit_cost_cents) for x in q.lines])
        for q in (quotes.get_quote(store, n.number) for n in quotes.list_quotes(store))
    }  # fmt: skip
    for view in billing.list_invoices(store):
        lines = quotes.document_lines(store, view.number)
        documents[view.number] = (
            view.status, view.amount_cents,
            [(x.sku, x.net_cents, x.tax_cents, x.unit_cost_cents, x.cost_cents) for x in lines],
        )  # fmt: skip
    total = profit(store).total
    return {
        "products": [
            (p.uuid, p.sku, p.price_cents, p.cost_cents, p.tax_rate_bp, p.category, p.active)
            for p in products.list_products(store, retired=True)
        ],
        "documents": documents,
        "costs": [
            (c.uuid, c.amount_cents, c.kind, c.spent_on, c.target, c.target_label)
            for c in costs.list_costs(store)
        ],
        "profit": (total.revenue_cents, total.goods_cost_cents, total.other_cost_cents),
    }


def test_json_export_round_trips_catalogue_quotes_documents_and_costs(
    run: Run, core: Callable[[], Store], shop: None, tmp_path: Path
) -> None:
    """export -> import into an empty database -> export: the same records and the same
    figures; undoing that import takes every catalogue row it wrote away again."""
    from pocketcrm.core.store import open_store

    run("product", "add", "OLD-1", "--name", "Old thing", "--price", "5")
    run("product", "retire", "OLD-1")
    run("deal", "add", "Ann Lee", "Bakery refit", "--amount", "900")
    run("quote", "add", "ann", "--line", "WID-100 x3 -10%", "--line", "CONS 2h")
    run("quote", "send", "QUO-2026-0001")
    run("quote", "accept", "QUO-2026-0001")
    run("product", "edit", "WID-100", "--cost", "31")  # the cost when it is sold
    run("order", "from-quote", "QUO-2026-0001")
    run("invoice", "from-order", "ORD-2026-0001")
    run("product", "edit", "WID-100", "--cost", "99")  # later: not what the lines keep
    run("quote", "add", "Bo Berg", "--line", "Setup @ 50")
    run("quote", "decline", "QUO-2026-0002", "--reason", "too dear")
    run("cost", "add", "25", "--for", "contact", "ann", "--kind", "travel")
    run("cost", "add", "10", "--for", "company", "Nordhavn Bakery", "--kind", "ads")
    run("cost", "add", "7", "--for", "deal", "#1", "--kind", "other")
    first = tmp_path / "first.json"
    run("export", "--format", "json", "-o", str(first))
    data = json.loads(first.read_text())
    assert [p["sku"] for p in data["products"]] == ["CONS", "OLD-1", "WID-100"]
    ann = next(r for r in data["contacts"] if r["display_name"] == "Ann Lee")
    assert [q["number"] for q in ann["quotes"]] == ["QUO-2026-0001"]
    assert (
        next(i for i in ann["invoices"] if i["kind"] == "order")["quote"]
        == ann["quotes"][0]["uuid"]
    )
    assert len(data["costs"]) == 3
    bo = next(r for r in data["contacts"] if r["display_name"] == "Bo Berg")
    assert [q["lines"][0]["description"] for q in bo["quotes"]] == ["Setup"], bo
    other = tmp_path / "other.db"
    result = run("--db", str(other), "--create", "import", str(first), "--yes")
    assert "left out" not in result.stdout + result.stderr, result.stdout
    store = open_store(other)
    try:
        assert _money_state(store) == _money_state(core())
    finally:
        store.close()
    second = tmp_path / "second.json"
    run("--db", str(other), "export", "--format", "json", "-o", str(second))
    assert second.read_text() == first.read_text()
    run("--db", str(other), "import", "undo")
    store = open_store(other)
    try:
        assert products.list_products(store, retired=True) == []
        assert quotes.list_quotes(store) == [] and costs.list_costs(store) == []
    finally:
        store.close()
