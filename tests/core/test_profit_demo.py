"""The demo's sales make every figure of the profit report non-empty, on both backends, and
the report's parts add up to its total whatever it is grouped by."""

from __future__ import annotations

from pocketcrm.core.demo import build_demo
from pocketcrm.core.services import costs, products, quotes, users
from pocketcrm.core.services.profit import GROUPS, profit
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
        grouped = profit(store, by=by)
        if by != "segment":  # a contact may be in several segments, or none
            assert sum(r.margin_cents for r in grouped.rows) == report.total.margin_cents, by
        assert (
            sum(r.revenue_cents for r in grouped.rows) >= report.total.revenue_cents
            or by == "segment"
        )


def test_department_groups_each_owner_under_their_users_department(store: Store) -> None:
    """owner login -> app_user.department -> department; owners in no department (or with
    no user at all) make one "(no department)" group. The groups add up to the total. The
    demo's own team (core/demo_org.py): alex and sam in Field sales, jordan in Inside sales,
    robin in Support; a user moved out of every department falls to "(no department)"."""
    build_demo(store, contacts=300, seed=7)
    users.edit_user(store, "robin", users.UserChanges(department=""))
    by_user = {r.key: r for r in profit(store, by="user").rows}
    report = profit(store, by="department")
    found = {r.label: r for r in report.rows}
    assert set(found) >= {"Field sales", "Inside sales", "(no department)"}
    assert found["Field sales"].margin_cents == (
        by_user["alex"].margin_cents + by_user["sam"].margin_cents
    )
    assert found["Inside sales"].revenue_cents == by_user["jordan"].revenue_cents
    assert found["(no department)"].sales >= by_user["robin"].sales
    assert sum(r.margin_cents for r in report.rows) == report.total.margin_cents
