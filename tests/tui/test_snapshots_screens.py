"""Snapshots of every screen and form the first snapshots left out, at 80x24 and 120x40: the
companies and a company's card, help, the contact, deal and filter forms, the trash and the
reminders. Same fixed clock and data as test_snapshots.py; regenerate one with
`--snapshot-update -k NAME`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from test_snapshots import Compare, app_for, steps
from tuihelp import settle, type_text

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.mark.parametrize("size", SIZES)
def test_companies(snap_compare: Compare, crm_store: Any, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=steps("3"))


@pytest.mark.parametrize("size", SIZES)
def test_company_card(snap_compare: Compare, crm_store: Any, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=steps("3", "enter"))


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare: Compare, crm_store: Any, size: tuple[int, int]) -> None:
    run = steps("question_mark")
    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES)
def test_contact_form(snap_compare: Compare, crm_store: Any, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=steps("n"))


@pytest.mark.parametrize("size", SIZES)
def test_contact_form_with_errors(
    snap_compare: Compare, crm_store: Any, size: tuple[int, int]
) -> None:
    async def run(pilot: Any) -> None:  # a bad email and a bad phone: both shown at once
        await steps("n", text="Ann Lee")(pilot)
        await pilot.press("tab")
        await type_text(pilot, "not-an-email")
        await pilot.press("tab")
        await type_text(pilot, "no digits")
        await steps("ctrl+s")(pilot)

    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES)
def test_deal_form(snap_compare: Compare, crm_store: Any, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=steps("6", "n"))


@pytest.mark.parametrize("size", SIZES)
def test_filter_form(snap_compare: Compare, crm_store: Any, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=steps("F"))


def to_screen(mode: str) -> Callable[[Any], Awaitable[None]]:
    """A screen with no number key, opened the way the palette does."""

    async def run(pilot: Any) -> None:
        await settle(pilot)
        await pilot.app.run_action(f"switch_mode({mode!r})")
        await settle(pilot)

    return run


@pytest.mark.parametrize("size", SIZES)
def test_trash(snap_compare: Compare, crm_store: Any, size: tuple[int, int]) -> None:
    from pocketcrm.core.services.trash import trash_company, trash_contact

    trash_contact(crm_store, "Ann Lee")
    trash_company(crm_store, "Granite Print")
    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=to_screen("trash"))


@pytest.mark.parametrize("size", SIZES)
def test_reminders(
    snap_compare: Compare, crm_store: Any, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from pocketcrm.core import scheduling
    from pocketcrm.core.reminders import engine

    # Which schedulers hold the job is this machine's crontab: the same answer everywhere.
    monkeypatch.setattr(scheduling, "installed_jobs", lambda **_kw: ("cron",))
    engine.run(crm_store, stream=io.StringIO())
    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=to_screen("reminders"))


@pytest.mark.parametrize("size", SIZES)
def test_company_form(snap_compare: Compare, crm_store: Any, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=steps("3", "e"))


def bill_ann(store: Any) -> None:
    """Two invoices for Ann Lee made through the core: one part paid, one open."""
    from pocketcrm.core.services.billing import create_invoice, record_payment

    paid = create_invoice(store, "Ann Lee", "1,200", description="40 office chairs")
    record_payment(store, paid.number, "400", method="bank transfer")
    create_invoice(store, "Ann Lee", "350", kind="order", description="Desk lamps")


OPEN_ANN = ("slash", "a", "n", "n", "space", "l", "e", "e", "enter", "enter")


@pytest.mark.parametrize("size", SIZES)
def test_billing(snap_compare: Compare, crm_store: Any, size: tuple[int, int]) -> None:
    bill_ann(crm_store)
    run = steps(*OPEN_ANN, "b")
    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES)
def test_payment_form(snap_compare: Compare, crm_store: Any, size: tuple[int, int]) -> None:
    bill_ann(crm_store)
    run = steps(*OPEN_ANN, "b", "p")
    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES)
def test_invoice_form(snap_compare: Compare, crm_store: Any, size: tuple[int, int]) -> None:
    run = steps(*OPEN_ANN, "b", "a")
    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES)
def test_segment_form(snap_compare: Compare, crm_store: Any, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=steps("S"))


def add_campaign(store: Any) -> None:
    """A segment and a campaign to it, made through the core (nothing sent)."""
    from pocketcrm.core.services.campaigns import create_campaign
    from pocketcrm.core.services.segments import SegmentFilters, save_segment

    save_segment(store, "customers", SegmentFilters(stage="customer"))
    create_campaign(store, "customers", "Spring prices", "Hello {first_name},\n\nNew prices.")


@pytest.mark.parametrize("size", SIZES)
def test_campaigns(snap_compare: Compare, crm_store: Any, size: tuple[int, int]) -> None:
    add_campaign(crm_store)
    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=steps("9"))


@pytest.mark.parametrize("size", SIZES)
def test_campaign_form(snap_compare: Compare, crm_store: Any, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=steps("9", "n"))


@pytest.mark.parametrize("size", SIZES)
def test_import_preview(
    snap_compare: Compare,
    crm_store: Any,
    size: tuple[int, int],
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    where = tmp_path / "imports"
    where.mkdir()
    (where / "people.csv").write_text(
        "name,email,phone,company\nNina Berg,nina@example.com,,Fjord Foods\n"
        "Ann Lee,ann.lee@example.com,+44 7700 900999,Harbor Lights Ltd\n"
    )
    monkeypatch.chdir(where)  # the path typed is relative: the same on every machine

    async def run(pilot: Any) -> None:
        await steps("0", "slash", text="people.csv")(pilot)
        await steps("enter")(pilot)

    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=run)
