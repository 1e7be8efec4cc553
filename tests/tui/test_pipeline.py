"""The pipeline screen: columns per open stage, deals moved along with keys, read back
through the core's services."""

from __future__ import annotations

from typing import Any

from tuihelp import NOW, Notices, settle, type_text

from pocketcrm.core.services import deals
from pocketcrm.core.services.deals import DealInput
from pocketcrm.tui.app import PocketCRM, make_app
from pocketcrm.tui.screens.card import CardScreen
from pocketcrm.tui.screens.pipeline import PipelineScreen, StageColumn

SIZE = (110, 32)


def app_for(store: Any) -> PocketCRM:
    return make_app(store, clock=lambda: NOW, watch_seconds=0)


def columns(app: PocketCRM) -> dict[str, list[str]]:
    return {c.stage: [d.title for d in c.deals] for c in app.screen.query(StageColumn)}


async def test_the_board_moves_wins_and_loses_deals(crm_store: Any) -> None:
    chairs = deals.create_deal(crm_store, "ann.lee@example.com", DealInput("40 chairs", "4800"))
    desks = deals.create_deal(
        crm_store, "ann.lee@example.com", DealInput("Desks", "1200", stage="proposal")
    )
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6")
        await settle(pilot)
        assert isinstance(app.screen, PipelineScreen)
        assert columns(app) == {
            "qualified": ["40 chairs"],
            "proposal": ["Desks"],
            "negotiation": [],
        }
        await pilot.press("right_square_bracket")  # 40 chairs: qualified -> proposal
        await settle(pilot)
        assert deals.get_deal(crm_store, chairs.id).stage == "proposal"
        assert sorted(columns(app)["proposal"]) == ["40 chairs", "Desks"]
        # the cursor followed 40 chairs into the proposal column
        column = next(c for c in app.screen.query(StageColumn) if c.stage == "proposal")
        assert app.screen.focused is column.options
        column.options.highlighted = [d.id for d in column.deals].index(desks.id)
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("y")  # won asks first
        await settle(pilot)
        assert deals.get_deal(crm_store, desks.id).stage == "won"
        assert "Desks" not in columns(app)["proposal"]
        await pilot.press("l")
        await settle(pilot)
        await type_text(pilot, "too dear")
        await pilot.press("ctrl+s")
        await settle(pilot)
        lost = deals.get_deal(crm_store, chairs.id)
        assert (lost.stage, lost.lost_reason, lost.is_open) == ("lost", "too dear", False)
        assert columns(app) == {"qualified": [], "proposal": [], "negotiation": []}


async def test_a_new_deal_from_the_board_and_its_card(crm_store: Any) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await type_text(pilot, "ann lee")
        await pilot.press("tab")
        await type_text(pilot, "Sofa")
        await pilot.press("tab")
        await type_text(pilot, "nine")  # not an amount: the form says so and keeps it
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.query_one("#amount-error").has_class("-shown")
        assert deals.list_deals(crm_store) == []
        app.screen.query_one("#amount").value = "900"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        [sofa] = deals.list_deals(crm_store)
        assert (sofa.title, sofa.amount_cents, sofa.contact_name) == ("Sofa", 90000, "Ann Lee")
        assert columns(app)["qualified"] == ["Sofa"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
        assert app.screen.contact_id == sofa.contact_id


async def test_the_card_shows_deals_and_what_is_owed_and_adds_a_deal(crm_store: Any) -> None:
    from datetime import date, timedelta

    from tuihelp import screen_text

    from pocketcrm.core.services import billing

    deals.create_deal(crm_store, "ann.lee@example.com", DealInput("40 chairs", "4800"))
    issued = NOW.date() - timedelta(days=45)
    billing.create_invoice(crm_store, "ann.lee@example.com", "1200", issued_on=issued)
    paid = billing.create_invoice(
        crm_store, "ann.lee@example.com", "300", issued_on=date(2026, 10, 1)
    )
    billing.record_payment(crm_store, paid.number, "300")
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        await type_text(pilot, "ann lee")
        await settle(pilot)
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
        shown = screen_text(app)
        assert "Deals (1 open)" in shown and "40 chairs" in shown
        assert "owes 1,200.00 USD" in shown
        assert f"{paid.number}" in shown and "paid" in shown
        await pilot.press("D")
        await settle(pilot)
        await type_text(pilot, "Desks")
        await pilot.press("tab")
        await type_text(pilot, "2500")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert sorted(d.title for d in deals.list_deals(crm_store)) == ["40 chairs", "Desks"]
        assert "Deals (2 open)" in screen_text(app)


async def test_the_cursor_follows_a_moved_deal_and_closing_can_be_taken_back(
    crm_store: Any,
) -> None:
    """Two presses of ] once moved two different deals; w closed a deal with no question
    and no way back; toasts did not say which deal."""
    chairs = deals.create_deal(crm_store, "ann.lee@example.com", DealInput("40 chairs", "4800"))
    deals.create_deal(crm_store, "ann.lee@example.com", DealInput("Lamps", "300"))
    app = app_for(crm_store)
    notices = Notices()
    async with app.run_test(size=SIZE, message_hook=notices) as pilot:
        await pilot.press("6")
        await settle(pilot)
        await pilot.press("right_square_bracket", "right_square_bracket")
        await settle(pilot)
        assert deals.get_deal(crm_store, chairs.id).stage == "negotiation"
        assert columns(app)["qualified"] == ["Lamps"]
        column = next(c for c in app.screen.query(StageColumn) if c.stage == "negotiation")
        assert app.screen.focused is column.options
        assert "40 chairs (Ann Lee) to negotiation." in notices.messages
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("n")  # "keep": nothing closes
        await settle(pilot)
        assert deals.get_deal(crm_store, chairs.id).is_open
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert deals.get_deal(crm_store, chairs.id).stage == "won"
        await pilot.press("u")  # undo the close: back where it was
        await settle(pilot)
        assert deals.get_deal(crm_store, chairs.id).stage == "negotiation"
        assert columns(app)["negotiation"] == ["40 chairs"]
        await pilot.press("l")
        await settle(pilot)
        await type_text(pilot, "went quiet")
        await pilot.press("enter")  # a one-field form: Enter saves
        await settle(pilot)
        assert deals.get_deal(crm_store, chairs.id).stage == "lost"
        await pilot.press("o")  # reopen a closed deal from the screen
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        reopened = deals.get_deal(crm_store, chairs.id)
        assert (reopened.stage, reopened.is_open) == ("negotiation", True)
        assert columns(app)["negotiation"] == ["40 chairs"]


async def test_the_deal_form_picks_among_matching_contacts_and_reads_its_own_hint(
    crm_store: Any,
) -> None:
    """An ambiguous contact once gave an error under the buttons; 'end of month' (the close
    field's own example) was refused."""
    from pocketcrm.core.services.contacts import ContactInput, create_contact

    other = create_contact(crm_store, ContactInput(name="Ann Lewis")).id
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        form.query_one("#contact").value = "ann"  # type: ignore[attr-defined]
        form.query_one("#title").value = "Stools"  # type: ignore[attr-defined]
        form.query_one("#amount").value = "500"  # type: ignore[attr-defined]
        form.query_one("#close").value = "end of month"  # type: ignore[attr-defined]
        await settle(pilot)
        assert "Mon 30 Nov 2026" in str(form.query_one("#close-error").render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.__class__.__name__ == "PickModal"
        picker = app.screen.query_one("#pick-list")
        ids = [int(picker.get_option_at_index(i).id) for i in range(picker.option_count)]  # type: ignore[attr-defined]
        picker.highlighted = ids.index(other)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PipelineScreen)
    [stools] = deals.list_deals(crm_store)
    assert (stools.title, stools.contact_id) == ("Stools", other)
    assert str(stools.expected_close_on) == "2026-11-30"


async def test_a_crowded_stage_lists_the_soonest_and_counts_the_rest(crm_store: Any) -> None:
    from datetime import date, timedelta

    from pocketcrm.tui.screens.pipeline import PER_STAGE

    # Textual's OptionList measures every option: 1,200 deals in a stage took seconds to show.
    for n in range(PER_STAGE + 3):
        due = date(2026, 12, 1) + timedelta(days=n)
        deals.create_deal(crm_store, "Grace", DealInput(f"Deal {n}", "100", expected_close=due))
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6")
        await settle(pilot)
        shown = columns(app)["qualified"]
        assert shown == [f"Deal {n}" for n in range(PER_STAGE)]
        assert "… 3 more, closing later" in str(
            app.screen.query(StageColumn).first().options.get_option_at_index(PER_STAGE).prompt
        )
        assert f"{PER_STAGE + 3}" in str(
            app.screen.query(StageColumn).first().query_one(".stage-heading").render()
        )
