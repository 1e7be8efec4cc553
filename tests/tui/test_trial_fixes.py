"""What a trial as a new user on the demo database (tmux, 80x24 and 120x40) turned up, each
fixed and pinned here: keys typed right after q, the card's footer cut at 80 columns, "due 3d
overdue", a form label cut without an ellipsis, and the pipeline's deals wrapping."""

from __future__ import annotations

from typing import Any

import pytest
from textual import events
from textual.widgets import Label, Static
from tuihelp import NOW, screen_text, settle

from pocketcrm.core.services import deals
from pocketcrm.core.services.deals import DealInput
from pocketcrm.tui.app import PocketCRM, make_app
from pocketcrm.tui.screens.pipeline import StageColumn
from pocketcrm.tui.widgets.key_footer import KeyFooter

OPEN_ANN = ("slash", "a", "n", "n", "space", "l", "e", "e", "enter", "enter")


def app_for(store: Any) -> PocketCRM:
    return make_app(store, clock=lambda: NOW, watch_seconds=0)


@pytest.mark.parametrize("key", ["e", "n", "f", "l"])
async def test_a_key_typed_right_after_q_does_not_crash_the_exit(crm_store: Any, key: str) -> None:
    """q then e (typed fast, or a key repeat) opened the contact form as the app closed: its
    mount found no fields, and pocketcrm ended with status 1 and a traceback."""
    app = app_for(crm_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for typed in ("q", key):  # both queued before either is handled, as a terminal does
            app.post_message(events.Key(typed, typed))
        await pilot.pause()
    assert app.return_code == 0


def footer_lines(app: PocketCRM) -> list[str]:
    footer = app.screen.query_one(KeyFooter)
    top = footer.region.y
    return screen_text(app).splitlines()[top : top + footer.region.height]


async def test_the_cards_footer_fits_two_lines_at_80_columns(crm_store: Any) -> None:
    """The card has more keys than two 80-column lines hold: "^p palette" was cut to "^p p".
    The screens' keys give way (the tab bar names each with its key)."""
    app = app_for(crm_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*OPEN_ANN)
        await settle(pilot)
        lines = footer_lines(app)
        assert lines[-1].rstrip().endswith("^p palette")
        assert "Screens" not in "".join(lines) and "b Billing" in "".join(lines)
        assert "1 Cont" in screen_text(app)  # the tab bar still names the screens
    app = app_for(crm_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(*OPEN_ANN)
        await settle(pilot)
        assert "1234567890 Screens" in "".join(footer_lines(app))  # room for them here


async def test_snoozing_an_overdue_follow_up_does_not_say_due_overdue(crm_store: Any) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("z")  # the first row: overdue
        await settle(pilot)
        hint = str(app.screen.query(".field-hint").first(Static).render())
        assert "d overdue" in hint and not hint.startswith("due ")


async def test_a_long_field_label_wraps_instead_of_being_cut(crm_store: Any) -> None:
    """The quote form's label ended "SKU x2 -1" at 80 columns: cut, without an ellipsis."""
    app = app_for(crm_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*OPEN_ANN, "Q")
        await settle(pilot)
        label = app.screen.query(".field-label").first(Label)
        assert label.region.height == 2
        assert "-10%" in screen_text(app)  # the end of the label, on its second line


async def test_pipeline_deals_keep_two_lines_and_cut_with_an_ellipsis(crm_store: Any) -> None:
    """At 80 columns a deal's second line wrapped (some deals took four lines, the close date
    alone on one) and a stage's total was cut mid-figure without a mark."""
    deals.create_deal(
        crm_store, "ann.lee@example.com", DealInput("Fit-out of the second floor", "138000")
    )
    deals.create_deal(crm_store, "Grace", DealInput("Chairs", "4800"))
    app = app_for(crm_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("6")
        await settle(pilot)
        column = next(c for c in app.screen.query(StageColumn) if c.stage == "qualified")
        assert column.options.virtual_size.height == 4  # two deals, two lines each
        shown = screen_text(app)
        assert "Fit-out of the second fl…" in shown
        assert "138,000.00 USD" in shown  # the figures are on a line of their own
        heading = shown.splitlines()[column.region.y]
        assert "QUALIFIED  2" in heading and "…" in heading


def test_the_help_names_each_screen_by_its_key() -> None:
    """The help said 7 Trash, 8 Reminders, 9 Campaigns after the keys had moved on."""
    from pocketcrm.tui.modals.help import INTRO
    from pocketcrm.tui.tabs import TABS

    for tab in TABS:
        assert (f"{tab.key} {tab.label}" if tab.key else tab.label) in INTRO, tab
    assert "7 Trash" not in INTRO and "8 Reminders" not in INTRO


async def test_the_edit_form_opens_on_the_name_not_scrolled_to_more(crm_store: Any) -> None:
    """The stored contact loads after the form shows; its "More" section (open when the name
    has parts) scrolled itself into view, so at 80x24 the form showed the custom fields while
    the cursor sat in the name, out of sight."""
    from textual.containers import VerticalScroll
    from textual.widgets import Collapsible, Input

    app = app_for(crm_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert not form.query_one("#more", Collapsible).collapsed  # given and family names
        name = form.query_one("#name", Input)
        assert form.focused is name and name.value
        for _ in range(5):  # the section's own scroll comes a refresh or two later
            await pilot.pause()
        assert form.query_one(".form-fields", VerticalScroll).scroll_y == 0
        assert name.region.height > 0 and name.value in screen_text(app)


async def test_the_welcome_offers_no_clear_key(empty_store: Any) -> None:
    """On an empty database the footer offered "esc Clear" beside the welcome: there is no
    search or filter to clear there (the key did nothing)."""
    from pocketcrm.tui.textual_internals import FooterKey

    app = app_for(empty_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shown = {str(key.description) for key in app.screen.query_one(KeyFooter).query(FooterKey)}
        assert "Demo" in shown and "New" in shown and "Clear" not in shown


async def test_the_next_follow_up_keeps_its_time_at_80_columns(crm_store: Any) -> None:
    """At 80x24 "Tue 15 Dec 10:00" showed as "Tue 15 Dec 10…": the time was lost."""
    from datetime import timedelta

    from pocketcrm.core.services.activity import schedule_follow_up
    from pocketcrm.tui import format as fmt

    due = NOW + timedelta(days=25)
    schedule_follow_up(crm_store, "Ben Okafor", due, note="Samples")
    app = app_for(crm_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = fmt.due(due)
        assert len(text) == 16 and text in screen_text(app)  # "Tue 15 Dec 10:00"
