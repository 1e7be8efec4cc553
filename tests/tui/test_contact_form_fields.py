"""The contact form types every field an import can fill: the name's parts, a photo,
websites, custom fields and the two flags, in a "More" section that fits 80x24; bad values
are refused beside their field with nothing written; the card shows what was typed."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Checkbox, Collapsible, Input, TextArea
from tuihelp import NOW, screen_text, settle, type_text

from pocketcrm.core.services import contacts
from pocketcrm.tui.app import PocketCRM, make_app
from pocketcrm.tui.modals.contact_form import ContactForm, custom_text, parse_custom
from pocketcrm.tui.screens.card import CardScreen
from pocketcrm.tui.screens.contacts import ContactsScreen

SMALL = (80, 24)
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
PNG_URI = "data:image/png;base64," + base64.b64encode(PNG).decode()


def app_for(store: Any) -> PocketCRM:
    return make_app(store, clock=lambda: NOW, watch_seconds=0)


def _set(form: Any, **values: str) -> None:
    for widget_id, value in values.items():
        form.query_one(f"#{widget_id}", Input).value = value


def _error(form: Any, widget_id: str) -> str:
    return str(form.query_one(f"#{widget_id}-error").render())


async def test_more_unfolds_by_keyboard_at_80x24(empty_store: Any) -> None:
    app = app_for(empty_store)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ContactForm)
        more = form.query_one("#more", Collapsible)
        assert more.collapsed  # a new contact starts with "More" folded
        while "CollapsibleTitle" not in type(app.focused).__name__:
            await pilot.press("tab")
        await pilot.press("enter")
        await settle(pilot)
        assert not more.collapsed
        await pilot.press("tab")  # on into the first field of the section
        await settle(pilot)
        assert app.focused is form.query_one("#prefix", Input)
        assert "Prefix" in screen_text(app) and "Given name" in screen_text(app)
        await type_text(pilot, "Dr.")
        assert form.query_one("#prefix", Input).value == "Dr."


async def test_add_types_the_fields_in_more(empty_store: Any, tmp_path: Path) -> None:
    picture = tmp_path / "ann.png"
    picture.write_bytes(PNG)
    app = app_for(empty_store)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        await type_text(pilot, "Dr. Ann B. Lee")
        _set(
            form,
            prefix="Dr.",
            given="Ann",
            middle="B.",
            family="Lee",
            suffix="Jr.",
            websites="blog:ann.example.com, nordljus.se",
            photo=str(picture),
        )
        form.query_one("#custom", TextArea).text = "Shoe size=38\nDirections=Gate 2\n  then left"
        form.query_one("#do-not-contact", Checkbox).value = True
        form.query_one("#email-opt-out", Checkbox).value = True
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)
    card = contacts.get_card(empty_store, "#1")
    assert (card.prefix, card.given_name, card.additional_names) == ("Dr.", "Ann", "B.")
    assert (card.family_name, card.suffix) == ("Lee", "Jr.")
    assert [(w.url, w.label) for w in card.websites] == [
        ("ann.example.com", "blog"),
        ("nordljus.se", ""),
    ]
    assert card.photo == PNG_URI
    assert card.custom == {"Shoe size": "38", "Directions": "Gate 2\nthen left"}
    assert (card.do_not_contact, card.email_opt_out) == (True, True)


async def test_edit_fills_more_and_saves_what_changed(empty_store: Any) -> None:
    created = contacts.create_contact(
        empty_store,
        contacts.ContactInput(
            name="Ann Lee",
            prefix="Ms",
            websites=["blog:ann.example.com", "nordljus.se"],
            photo=PNG_URI,
            custom={"Shoe size": "38"},
            email_opt_out=True,
        ),
    )
    app = app_for(empty_store)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        app.push_screen(ContactForm(created.id))
        await settle(pilot)
        form = app.screen
        assert not form.query_one("#more", Collapsible).collapsed  # it has some of it
        assert form.query_one("#prefix", Input).value == "Ms"
        assert form.query_one("#websites", Input).value == "blog:ann.example.com, nordljus.se"
        assert form.query_one("#photo", Input).value == ""  # an embedded image stays out
        assert "kept: PNG image, 1 KB (embedded)" in str(form.query_one("#photo-hint").render())
        assert form.query_one("#photo-remove", Checkbox).display
        assert form.query_one("#custom", TextArea).text == "Shoe size=38"
        assert form.query_one("#email-opt-out", Checkbox).value is True
        _set(form, prefix="", suffix="PhD", websites="nordljus.se, shop.example.com")
        form.query_one("#photo-remove", Checkbox).value = True
        form.query_one("#custom", TextArea).text = "Tea=green"
        form.query_one("#email-opt-out", Checkbox).value = False
        form.query_one("#do-not-contact", Checkbox).value = True
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is not form
    card = contacts.get_card(empty_store, "#1")
    assert (card.prefix, card.suffix, card.given_name) == ("", "PhD", "Ann")
    assert [w.url for w in card.websites] == ["nordljus.se", "shop.example.com"]
    assert card.photo == ""
    assert card.custom == {"Tea": "green"}
    assert (card.do_not_contact, card.email_opt_out) == (True, False)


async def test_edit_without_changes_keeps_everything(empty_store: Any) -> None:
    created = contacts.create_contact(
        empty_store,
        contacts.ContactInput(
            name="Ann Lee",
            suffix="Jr.",
            websites=["blog:ann.example.com"],
            photo=PNG_URI,
            custom={"Directions": "Gate 2\n\n  then left"},
        ),
    )
    before = contacts.get_card(empty_store, "#1")
    app = app_for(empty_store)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        app.push_screen(ContactForm(created.id))
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
    after = contacts.get_card(empty_store, "#1")
    assert (after.suffix, after.websites, after.photo, after.custom) == (
        before.suffix,
        before.websites,
        before.photo,
        before.custom,
    )


async def test_stored_values_typing_would_refuse_do_not_block_saving(
    empty_store: Any,
) -> None:
    from sqlalchemy import text

    created = contacts.create_contact(empty_store, contacts.ContactInput(name="Ann Lee"))
    odd = "data:application/octet-stream;base64,AAAA"  # as an import keeps an unknown type
    with empty_store.write() as session:
        session.execute(
            text("UPDATE contact SET photo = :p WHERE id = :i"), {"p": odd, "i": created.id}
        )
        session.execute(
            text("INSERT INTO contact_website (contact_id, url, label) VALUES (:i, :u, '')"),
            {"i": created.id, "u": "intranet"},
        )
        for name, value in (("a=b", "1"), ("", "2")):  # names typing could not give
            session.execute(
                text("INSERT INTO custom_field (contact_id, name, value) VALUES (:i, :n, :v)"),
                {"i": created.id, "n": name, "v": value},
            )
    app = app_for(empty_store)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        app.push_screen(ContactForm(created.id))
        await settle(pilot)
        form = app.screen
        _set(form, title="Buyer")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is not form
    card = contacts.get_card(empty_store, "#1")
    assert (card.title, card.photo) == ("Buyer", odd)
    assert card.custom == {"a=b": "1", "": "2"}
    assert [w.url for w in card.websites] == ["intranet"]


@pytest.mark.parametrize(
    ("widget_id", "value", "says"),
    [
        ("given", "Ann\x1b[2J", "holds the control character"),
        ("suffix", "x" * 201, "is longer than 200 characters"),
        ("photo", "/no/such/photo.jpg", "there is no file"),
        ("websites", "not a site", "is not a web address"),
    ],
)
async def test_a_bad_value_in_more_shows_beside_its_field_and_saves_nothing(
    empty_store: Any, widget_id: str, value: str, says: str
) -> None:
    app = app_for(empty_store)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        await type_text(pilot, "Nora Bad")
        _set(form, **{widget_id: value})
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert not form.query_one("#more", Collapsible).collapsed  # unfolded to show it
        assert says in _error(form, widget_id)
        assert app.focused is form.query_one(f"#{widget_id}", Input)
    assert contacts.count_contacts(empty_store) == 0


async def test_a_custom_line_without_a_value_is_refused(empty_store: Any) -> None:
    app = app_for(empty_store)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        await type_text(pilot, "Nora Bad")
        form.query_one("#custom", TextArea).text = "Shoe size 38"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "line 1 'Shoe size 38' is not NAME=VALUE" in _error(form, "custom")
    assert contacts.count_contacts(empty_store) == 0


async def test_edit_replaces_a_photo_address_or_an_embedded_one(empty_store: Any) -> None:
    contacts.create_contact(
        empty_store, contacts.ContactInput(name="Ann Lee", photo="https://example.com/a.jpg")
    )
    app = app_for(empty_store)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        app.push_screen(ContactForm(1))
        await settle(pilot)
        form = app.screen
        assert form.query_one("#photo", Input).value == "https://example.com/a.jpg"
        assert not form.query_one("#photo-remove", Checkbox).display
        _set(form, photo=PNG_URI)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is not form
        assert contacts.get_card(empty_store, "#1").photo == PNG_URI
        app.push_screen(ContactForm(1))
        await settle(pilot)
        form = app.screen
        _set(form, photo="https://example.com/b.jpg")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is not form
    assert contacts.get_card(empty_store, "#1").photo == "https://example.com/b.jpg"


def test_custom_fields_read_back_as_written() -> None:
    custom = {"a": "one", "b": "two\n\n  indented\nlast", "c": ""}
    assert parse_custom(custom_text(custom)) == custom
    assert parse_custom("\nx = 1\n\n") == {"x": " 1"}


async def test_the_card_shows_the_name_parts_and_the_photo(empty_store: Any) -> None:
    contacts.create_contact(
        empty_store,
        contacts.ContactInput(
            name="Dr. Ann Lee",
            prefix="Dr.",
            given_name="Ann",
            family_name="Lee",
            photo=PNG_URI,
            websites=["blog:ann.example.com"],
        ),
    )
    app = app_for(empty_store)
    async with app.run_test(size=(110, 32)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
        text = screen_text(app)
        for shown in ("name     prefix: Dr.", "given: Ann", "family: Lee"):  # may wrap
            assert shown in text, shown
        assert "PNG image, 1 KB (embedded)" in text
        assert "ann.example.com (blog)" in text
