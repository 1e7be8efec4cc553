"""Issue 9 in the interface: stored control characters are spelled out in the list and the
card; the contact form warns about an erased person's email; addresses and anniversaries
can be typed."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input
from tuihelp import NOW, screen_text, settle

from pocketcrm.core.services import contacts
from pocketcrm.tui.app import PocketCRM, make_app
from pocketcrm.tui.screens.card import CardScreen

SIZE = (110, 32)
RAW = "Eve \x1b]0;pwned\x07\u202eRoot"


def app_for(store: Any) -> PocketCRM:
    return make_app(store, clock=lambda: NOW, watch_seconds=0)


def _store_raw(store: Any) -> int:
    """A name stored before input was checked (an older release), written behind the rules."""
    from sqlalchemy import text

    created = contacts.create_contact(store, contacts.ContactInput(name="Eve Root", notes="n"))
    with store.write() as session:
        session.execute(
            text("UPDATE contact SET display_name = :n, notes = :o WHERE id = :i"),
            {"n": RAW, "o": "one\x1b[2Jtwo", "i": created.id},
        )
    return created.id


async def test_list_and_card_spell_out_control_characters(empty_store: Any) -> None:
    _store_raw(empty_store)
    app = app_for(empty_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        shown = screen_text(app)
        assert "Eve \\x1b]0;pwned\\x07\\u202e" in shown  # spelled out (the column may cut "Root")
        assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
        card = screen_text(app)
        assert "Eve \\x1b]0;pwned" in card and "one\\x1b[2Jtwo" in card
        assert "\x1b" not in card and "\x07" not in card and "\u202e" not in card


async def test_the_form_warns_about_an_erased_persons_email_and_asks_again(
    empty_store: Any,
) -> None:
    from tuihelp import type_text

    from pocketcrm.core.transfer.people import erase_person
    from pocketcrm.tui.screens.contacts import ContactsScreen

    contacts.create_contact(
        empty_store, contacts.ContactInput(name="Ann Lee", emails=["ann@example.com"])
    )
    erase_person(empty_store, "#1")
    app = app_for(empty_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        await type_text(pilot, "Ann Lee")
        form.query_one("#emails", Input).value = "ann@example.com"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "belongs to an erased person" in str(form.query_one("#emails-error").render())
        assert contacts.count_contacts(empty_store) == 0
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)
    assert contacts.count_contacts(empty_store) == 1


async def test_the_form_types_addresses_and_the_anniversary(empty_store: Any) -> None:
    from tuihelp import type_text

    app = app_for(empty_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        await type_text(pilot, "Zed Quinlan")
        form.query_one("#anniversary", Input).value = "2010-06-12"
        form.query_one("#department", Input).value = "Sales"
        form.query_one("#nickname", Input).value = "Zed"
        form.query_one("#source", Input).value = "fair"
        form.query_one(
            "#addresses", Input
        ).value = "home:Street 1, Springfield, 12345, USA; Dock 4, Leeds"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is not form
    card = contacts.get_card(empty_store, "#1")
    assert card.anniversary == "2010-06-12"
    assert (card.department, card.nickname, card.source) == ("Sales", "Zed", "fair")
    assert [(a.label, a.street, a.city, a.postcode, a.country) for a in card.addresses] == [
        ("home", "Street 1", "Springfield", "12345", "USA"),
        ("", "Dock 4", "Leeds", "", ""),
    ]
    from pocketcrm.tui.modals.contact_form import ContactForm

    async with app_for(empty_store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        pilot.app.push_screen(ContactForm(card.id))
        await settle(pilot)
        form = pilot.app.screen
        assert form.query_one("#addresses", Input).value == (
            "home:Street 1, Springfield, 12345, USA; Dock 4, Leeds"
        )
        form.query_one("#addresses", Input).value = "Dock 4, Leeds; work:Pier 9, Hull, UK"
        form.query_one("#anniversary", Input).value = ""
        form.query_one("#nickname", Input).value = "Z"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is not form
    card = contacts.get_card(empty_store, "#1")
    assert card.anniversary == "" and card.nickname == "Z" and card.department == "Sales"
    assert [(a.label, a.street, a.city, a.country) for a in card.addresses] == [
        ("", "Dock 4", "Leeds", ""),
        ("work", "Pier 9", "Hull", "UK"),
    ]


async def test_the_card_shows_phones_in_one_format(empty_store: Any) -> None:
    contacts.create_contact(
        empty_store,
        contacts.ContactInput(name="Ann Lee", phones=["+1.415.555.0100", "011 44 20 7946 0000"]),
    )
    app = app_for(empty_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        shown = screen_text(app)
        assert "(415) 555-0100" in shown and "+44 20 7946 0000" in shown
        assert "+1.415.555.0100" not in shown
