"""The sizes the other snapshot files left out, so that every screen and every form has a
snapshot at 80x24 and at 120x40: the contacts, the card, the agenda, the duplicates and the
pipeline; the confirm, lost-deal, reopen picker, follow-up, snooze, log, cancel-invoice,
case reply and assign forms; the report's Factors tab. Same fixed clock and data as
test_snapshots.py; regenerate one with `--snapshot-update -k NAME`."""

from __future__ import annotations

from typing import Any

import pytest
from test_snapshots import Compare, add_deals, add_twins, app_for, steps

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
SMALL = [pytest.param((80, 24), id="80x24")]
LARGE = [pytest.param((120, 40), id="120x40")]
OPEN_ANN = ("slash", "a", "n", "n", "space", "l", "e", "e", "enter", "enter")


def bill_ann(store: Any) -> None:
    """An invoice for Ann Lee, part paid (the cancel form says what happens to the payment)."""
    from pocketcrm.core.services.billing import create_invoice, record_payment

    paid = create_invoice(store, "Ann Lee", "1,200", description="40 office chairs")
    record_payment(store, paid.number, "400", method="bank transfer")


def some_cases(store: Any) -> None:
    """Two cases, one assigned, and the users the assign form offers."""
    from pocketcrm.core.services import cases, users
    from pocketcrm.core.services.cases import CaseInput

    users.add_user(store, users.UserInput("sam", name="Sam Reyes"))
    users.add_user(store, users.UserInput("kit", name="Kit Hale"))
    cases.open_case(store, "ann.lee@example.com", CaseInput("Printer jams", priority="low"))
    cases.open_case(
        store, "ann.lee@example.com", CaseInput("Invoice wrong", priority="urgent", assignee="sam")
    )


@pytest.mark.parametrize("size", LARGE)
def test_contacts(snap_compare: Compare, crm_store: Any, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=steps())


@pytest.mark.parametrize("size", SIZES)
def test_card(snap_compare: Compare, crm_store: Any, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=steps(*OPEN_ANN))


@pytest.mark.parametrize("size", SIZES)
def test_agenda(snap_compare: Compare, crm_store: Any, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=steps("2"))


@pytest.mark.parametrize("size", LARGE)
def test_duplicates(snap_compare: Compare, crm_store: Any, size: tuple[int, int]) -> None:
    add_twins(crm_store)
    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=steps("5"))


@pytest.mark.parametrize("size", SIZES)
def test_pipeline(snap_compare: Compare, crm_store: Any, size: tuple[int, int]) -> None:
    add_deals(crm_store)
    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=steps("6"))


@pytest.mark.parametrize("size", SIZES)
def test_pipeline_sorted_by_value(
    snap_compare: Compare, crm_store: Any, size: tuple[int, int]
) -> None:
    add_deals(crm_store)
    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=steps("6", "s"))


@pytest.mark.parametrize("size", SIZES)
def test_confirm_won(snap_compare: Compare, crm_store: Any, size: tuple[int, int]) -> None:
    add_deals(crm_store)
    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=steps("6", "w"))


@pytest.mark.parametrize("size", SIZES)
def test_lost_form(snap_compare: Compare, crm_store: Any, size: tuple[int, int]) -> None:
    add_deals(crm_store)
    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=steps("6", "l"))


@pytest.mark.parametrize("size", SIZES)
def test_reopen_picker(snap_compare: Compare, crm_store: Any, size: tuple[int, int]) -> None:
    add_deals(crm_store)
    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=steps("6", "o"))


@pytest.mark.parametrize("size", SIZES)
def test_follow_up_form(snap_compare: Compare, crm_store: Any, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=steps("f"))


@pytest.mark.parametrize("size", SIZES)
def test_snooze_form(snap_compare: Compare, crm_store: Any, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=steps("2", "z"))


@pytest.mark.parametrize("size", LARGE)
def test_log_form(snap_compare: Compare, crm_store: Any, size: tuple[int, int]) -> None:
    run = steps("l", text="Agreed on 40 units")
    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES)
def test_cancel_invoice_form(snap_compare: Compare, crm_store: Any, size: tuple[int, int]) -> None:
    bill_ann(crm_store)
    run = steps(*OPEN_ANN, "b", "c")
    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", LARGE)
def test_case_reply_form(snap_compare: Compare, crm_store: Any, size: tuple[int, int]) -> None:
    some_cases(crm_store)
    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=steps("7", "r"))


@pytest.mark.parametrize("size", SIZES)
def test_case_assign_form(snap_compare: Compare, crm_store: Any, size: tuple[int, int]) -> None:
    some_cases(crm_store)
    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=steps("7", "a"))


@pytest.mark.parametrize("size", SMALL)
def test_report_factors_tab(snap_compare: Compare, crm_store: Any, size: tuple[int, int]) -> None:
    run = steps("4", "t", "t", "t", "t", "p", "p")
    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=run)
