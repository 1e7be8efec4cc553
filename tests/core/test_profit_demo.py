"""The demo's sales make every figure of the profit report non-empty, on both backends, and
the report's parts add up to its total whatever it is grouped by."""

from __future__ import annotations

from pocketcrm.core.demo import build_demo
from pocketcrm.core.services import costs, departments, products, quotes, users
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
    no user at all) make one "(no department)" group. The groups add up to the total."""
    build_demo(store, contacts=300, seed=7)
    departments.add_department(store, "Field Sales")
    departments.add_department(store, "Inside")
    for login, department in [
        ("alex", "Field Sales"),
        ("sam", "Field Sales"),
        ("jordan", "Inside"),
    ]:
        password = None if store.is_sqlite else "Profit-test-9"  # a login role on the server
        users.add_user(store, users.UserInput(login, department=department), password=password)
    by_user = {r.key: r for r in profit(store, by="user").rows}
    report = profit(store, by="department")
    found = {r.label: r for r in report.rows}
    assert set(found) == {"Field Sales", "Inside", "(no department)"} | (
        {"(not attributed)"} if "(not attributed)" in by_user else set()
    )
    assert found["Field Sales"].margin_cents == (
        by_user["Alex"].margin_cents + by_user["Sam"].margin_cents
    )
    assert found["Inside"].revenue_cents == by_user["Jordan"].revenue_cents
    assert found["(no department)"].sales == by_user["Robin"].sales
    assert sum(r.margin_cents for r in report.rows) == report.total.margin_cents
