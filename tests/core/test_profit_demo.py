"""The demo's sales make every figure of the profit report non-empty, on both backends, and
the report's parts add up to its total whatever it is grouped by."""

from __future__ import annotations

import pytest

from pocketcrm.core.demo import build_demo
from pocketcrm.core.services import costs, products, quotes
from pocketcrm.core.services.profit import GROUPS, NOT_YET, profit
from pocketcrm.core.store import Store


def test_demo_fills_every_profit_figure(store: Store) -> None:
    build_demo(store, contacts=300, seed=7)
    assert len(products.list_products(store)) == 11  # one of twelve retired
    assert {q.status for q in quotes.list_quotes(store)} >= {"accepted", "declined"}
    assert costs.list_costs(store)
    report = profit(store)
    assert report.total.revenue_cents > 0 and report.total.goods_cost_cents > 0
    assert report.total.other_cost_cents > 0 and report.lifetime_value_cents > 0
    assert len(report.most_profitable) == 10 and len(report.least_profitable) == 10
    assert report.below_cost and report.below_cost[0].loss_cents > 0
    assert any(x.kind == "quote" and x.reason for x in report.lost)  # declined, with reasons
    for by in GROUPS:
        if by in NOT_YET:
            continue
        grouped = profit(store, by=by)
        if by != "segment":  # a contact may be in several segments, or none
            assert sum(r.margin_cents for r in grouped.rows) == report.total.margin_cents, by
        assert (
            sum(r.revenue_cents for r in grouped.rows) >= report.total.revenue_cents
            or by == "segment"
        )


def test_department_is_refused_until_departments_exist(store: Store) -> None:
    from pocketcrm.core.errors import Invalid

    with pytest.raises(Invalid, match="not available yet"):
        profit(store, by="department")
