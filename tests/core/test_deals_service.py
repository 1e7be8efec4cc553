"""Deals: creation defaults, validation (field named, nothing written), stage history, reopen,
pipeline weights, list order, trash and restore. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from coresupport import FixedClock
from sqlalchemy import text

from pocketcrm.core.errors import Invalid, NotFound
from pocketcrm.core.services import contacts, deals, trash
from pocketcrm.core.services.deals import DealInput
from pocketcrm.core.store import Store


def _count(store: Store, table: str) -> int:
    with store.read() as session:
        return int(session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


@pytest.fixture
def ann(store: Store) -> int:
    return contacts.create_contact(store, contacts.ContactInput(name="Ann Lee", company="Acme")).id


def test_create_takes_the_defaults(store: Store, ann: int) -> None:
    view = deals.create_deal(store, "Ann Lee", DealInput(title="  Website  ", amount="1,250.50"))
    assert (view.title, view.amount_cents, view.currency) == ("Website", 125050, "USD")
    assert (view.stage, view.owner, view.is_open) == ("qualified", "Me", True)
    assert view.contact_id == ann and view.contact_name == "Ann Lee"
    assert view.company_name == "Acme"
    assert view.closed_at is None
    steps = deals.deal_history(store, view.id)
    assert [(s.from_stage, s.to_stage, s.changed_by) for s in steps] == [("", "qualified", "Me")]


def test_create_in_another_currency_and_stage(store: Store, ann: int) -> None:
    view = deals.create_deal(
        store,
        f"#{ann}",
        DealInput(
            title="Support",
            amount="EUR 99",
            stage="Proposal",
            owner="Bo",
            expected_close=date(2026, 12, 24),
        ),
    )
    assert (view.amount_cents, view.currency, view.stage, view.owner) == (
        9900,
        "EUR",
        "proposal",
        "Bo",
    )
    assert view.expected_close_on == date(2026, 12, 24)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (DealInput(title=""), "title"),
        (DealInput(title="x", amount="12.345"), "amount"),
        (DealInput(title="x", amount="-5"), "amount"),
        (DealInput(title="x", amount="5 EURO"), "amount"),
        (DealInput(title="x", stage="maybe"), "stage"),
    ],
)
def test_invalid_input_names_the_field_and_writes_nothing(
    store: Store, ann: int, data: DealInput, field: str
) -> None:
    with pytest.raises(Invalid) as caught:
        deals.create_deal(store, "Ann Lee", data)
    assert caught.value.field == field
    assert _count(store, "deal") == 0 and _count(store, "deal_stage_change") == 0


def test_move_records_history_closes_and_reopens(
    store: Store, ann: int, fixed_clock: FixedClock
) -> None:
    deal = deals.create_deal(store, "Ann", DealInput(title="Website", amount="1000"))
    fixed_clock.advance(hours=1)
    moved = deals.move_deal(store, deal.id, "proposal")
    assert moved.is_open and moved.closed_at is None
    fixed_clock.advance(hours=1)
    lost = deals.move_deal(store, deal.id, "lost", reason="went with a rival")
    assert not lost.is_open and lost.closed_at == fixed_clock.moment
    assert lost.lost_reason == "went with a rival"
    fixed_clock.advance(hours=1)
    reopened = deals.move_deal(store, deal.id, "negotiation")
    assert reopened.is_open and reopened.closed_at is None and reopened.lost_reason == ""
    won = deals.move_deal(store, deal.id, "won")
    assert won.closed_at is not None and not won.is_open
    steps = deals.deal_history(store, deal.id)
    assert [(s.from_stage, s.to_stage) for s in steps] == [
        ("", "qualified"),
        ("qualified", "proposal"),
        ("proposal", "lost"),
        ("lost", "negotiation"),
        ("negotiation", "won"),
    ]


def test_move_refusals_write_nothing(store: Store, ann: int) -> None:
    deal = deals.create_deal(store, "Ann", DealInput(title="Website"))
    for stage, reason, field in [
        ("qualified", "", "stage"),  # same stage
        ("nowhere", "", "stage"),
        ("lost", "", "reason"),  # lost needs a reason
        ("won", "because", "reason"),  # a reason only for lost
    ]:
        with pytest.raises(Invalid) as caught:
            deals.move_deal(store, deal.id, stage, reason=reason)
        assert caught.value.field == field
    assert _count(store, "deal_stage_change") == 1
    assert deals.get_deal(store, deal.id).stage == "qualified"
    with pytest.raises(NotFound):
        deals.move_deal(store, 999, "won")


def test_update_changes_fields_not_stage(store: Store, ann: int) -> None:
    deal = deals.create_deal(store, "Ann", DealInput(title="Website"))
    updated = deals.update_deal(
        store,
        deal.id,
        title="Shop",
        amount="2000 EUR",
        owner="Bo",
        notes="big",
        expected_close=date(2027, 1, 5),
    )
    assert (updated.title, updated.amount_cents, updated.currency) == ("Shop", 200000, "EUR")
    assert (updated.owner, updated.notes, updated.expected_close_on) == (
        "Bo",
        "big",
        date(2027, 1, 5),
    )
    with pytest.raises(Invalid) as caught:
        deals.update_deal(store, deal.id, title=" ", amount="1")
    assert caught.value.field == "title"
    assert deals.get_deal(store, deal.id).amount_cents == 200000


def test_list_order_and_filters(store: Store, ann: int) -> None:
    contacts.create_contact(store, contacts.ContactInput(name="Ben Okafor"))
    a = deals.create_deal(store, "Ann", DealInput(title="A", stage="proposal"))
    b = deals.create_deal(
        store, "Ann", DealInput(title="B", expected_close=date(2027, 2, 1), owner="Bo")
    )
    c = deals.create_deal(store, "Ben", DealInput(title="C", expected_close=date(2027, 1, 1)))
    d = deals.create_deal(store, "Ben", DealInput(title="D"))
    deals.move_deal(store, d.id, "won")
    assert [x.id for x in deals.list_deals(store)] == [c.id, b.id, a.id, d.id]
    assert [x.id for x in deals.list_deals(store, open_only=True)] == [c.id, b.id, a.id]
    assert [x.id for x in deals.list_deals(store, stage="proposal")] == [a.id]
    assert [x.id for x in deals.list_deals(store, owner="bo")] == [b.id]
    assert [x.id for x in deals.list_deals(store, contact_ref="Ben")] == [c.id, d.id]
    with pytest.raises(Invalid) as caught:
        deals.list_deals(store, stage="nope")
    assert caught.value.field == "stage"


def test_pipeline_weights_and_closed_figures(
    store: Store, ann: int, fixed_clock: FixedClock
) -> None:
    deals.create_deal(store, "Ann", DealInput(title="q1", amount="1000"))
    deals.create_deal(store, "Ann", DealInput(title="q2", amount="200"))
    deals.create_deal(store, "Ann", DealInput(title="p", amount="400", stage="proposal"))
    deals.create_deal(store, "Ann", DealInput(title="n", amount="99.99", stage="negotiation"))
    deals.create_deal(store, "Ann", DealInput(title="eur", amount="500 EUR"))
    old = deals.create_deal(store, "Ann", DealInput(title="old win", amount="7000"))
    deals.move_deal(store, old.id, "won")
    fixed_clock.advance(days=91)  # the old win falls out of the 90 days
    won = deals.create_deal(store, "Ann", DealInput(title="win", amount="300"))
    deals.move_deal(store, won.id, "won")
    lost = deals.create_deal(store, "Ann", DealInput(title="loss", amount="300"))
    deals.move_deal(store, lost.id, "lost", reason="price")
    board = deals.pipeline(store)
    assert board.currency == "USD" and board.other_currencies == 1
    figures = [(s.stage, s.count, s.amount_cents, s.weighted_cents) for s in board.stages]
    assert figures == [
        ("qualified", 2, 120000, 30000),  # 1/4
        ("proposal", 1, 40000, 20000),  # 2/4
        ("negotiation", 1, 9999, 7499),  # 3/4 of 99.99, rounded
    ]
    assert (board.won_count, board.won_cents, board.lost_count) == (1, 30000, 1)


def test_trash_and_restore_a_deal(store: Store, ann: int) -> None:
    deal = deals.create_deal(store, "Ann", DealInput(title="Website", amount="100"))
    item = deals.trash_deal(store, deal.id)
    assert (item.kind, item.id, item.label) == ("deal", deal.id, "Website")
    assert deals.list_deals(store) == []
    assert deals.pipeline(store).stages[0].count == 0
    with pytest.raises(NotFound):
        deals.get_deal(store, deal.id)
    assert ("deal", deal.id) in [(i.kind, i.id) for i in trash.list_trash(store)]
    restored = trash.restore(store, str(deal.id), "deal")
    assert restored.kind == "deal"
    assert deals.get_deal(store, deal.id).title == "Website"
    assert len(deals.deal_history(store, deal.id)) == 1


def test_purge_removes_trashed_deals(store: Store, ann: int) -> None:
    deal = deals.create_deal(store, "Ann", DealInput(title="Website"))
    deals.trash_deal(store, deal.id)
    assert trash.purge_trash(store) >= 1
    assert _count(store, "deal") == 0


def test_deals_of_a_trashed_contact_are_hidden(store: Store, ann: int) -> None:
    deals.create_deal(store, "Ann", DealInput(title="Website", amount="100"))
    trash.trash_contact(store, "Ann")
    assert deals.list_deals(store) == []
    assert deals.pipeline(store).stages[0].count == 0


def test_reopen_returns_a_closed_deal_to_the_stage_it_closed_from(store: Store, ann: int) -> None:
    deal = deals.create_deal(store, f"#{ann}", DealInput("Oven", "900", stage="negotiation"))
    with pytest.raises(Invalid, match="nothing to reopen"):
        deals.reopen_deal(store, deal.id)
    deals.move_deal(store, deal.id, "won")
    assert [d.id for d in deals.list_deals(store, closed_only=True)] == [deal.id]
    reopened = deals.reopen_deal(store, deal.id)
    assert (reopened.stage, reopened.is_open, reopened.closed_at) == ("negotiation", True, None)
    assert deals.list_deals(store, closed_only=True) == []
    assert [s.to_stage for s in deals.deal_history(store, deal.id)][-2:] == ["won", "negotiation"]
