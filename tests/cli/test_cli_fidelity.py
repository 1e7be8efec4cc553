"""Issue 9: what is typed, imported and shown stays what it says.

Control and bidirectional characters are refused on input and spelled out on output; an
erased person's email needs --yes; the address, anniversary and phone display of `add`,
`edit`, `show` and `list`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from clisupport import Run

from pocketcrm.core.services import contacts
from pocketcrm.core.store import Store

ESC_TITLE = "Ann \x1b]0;pwned\x07Lee"
RTL = "Ann \u202eeeL"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["add", ESC_TITLE], "name"),
        (["add", RTL], "name"),
        (["add", "Ann\x00Lee"], "name"),
        (["add", "Ann Lee", "--title", "Boss\x1b[31m"], "title"),
        (["add", "Ann Lee", "-c", "Evil\u2066Co"], "company"),
        (["add", "Ann Lee", "-e", "ann\x1b@x.com"], "email"),
        (["add", "Ann Lee", "-n", "line one\n\x07"], "notes"),
    ],
)
def test_control_characters_are_refused_on_add(
    run: Run, core: Callable[[], Store], args: list[str], field: str
) -> None:
    result = run(*args, code=2)
    assert f"{field}: " in result.stderr and "control character" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert contacts.count_contacts(core()) == 0


def test_a_name_of_zero_width_characters_is_empty(run: Run, core: Callable[[], Store]) -> None:
    result = run("add", "\u200b\u200c \ufeff", code=2)
    assert "name: must not be empty" in result.stderr
    assert contacts.count_contacts(core()) == 0


def test_edit_refuses_control_characters_and_notes_keep_lines(
    run: Run, core: Callable[[], Store]
) -> None:
    run("add", "Ann Lee")
    result = run("edit", "ann", "--name", "Ann\x1b[2JLee", code=2)
    assert "name: holds the control character \\x1b" in result.stderr
    run("edit", "ann", "--note", "first\n\tsecond")
    card = contacts.get_card(core(), "#1")
    assert card.display_name == "Ann Lee" and card.notes == "first\n\tsecond"


def _stored_with_controls(core: Callable[[], Store]) -> None:
    """Data that came in before the check (an older release): written behind the rules."""
    store = core()
    contacts.create_contact(store, contacts.ContactInput(name="Ann Lee", notes="ok"))
    from sqlalchemy import text

    with store.write() as session:
        session.execute(
            text("UPDATE contact SET display_name = :n, title = :t, notes = :o WHERE id = 1"),
            {"n": ESC_TITLE, "t": "\u202eCEO", "o": "one\ntwo\x1b[31m"},
        )


def test_stored_control_characters_are_escaped_in_every_cli_output(
    run: Run, core: Callable[[], Store]
) -> None:
    run("user", "add", "sam", "--name", "Sam")
    _stored_with_controls(core)
    outputs = [
        run("show", "1").stdout,
        run("list").stdout,
        run("list", "--csv").stdout,
        run("edit", "1", "--owner", "Sam").stdout,
    ]
    for out in outputs:
        assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out, out
    assert "Ann \\x1b]0;pwned\\x07Lee" in outputs[0]
    assert "\\u202eCEO" in outputs[0] and "one\ntwo\\x1b[31m" in outputs[0]
    assert "Ann \\x1b]0;pwned\\x07Lee" in outputs[1]
    # JSON keeps the stored text exactly (json.dumps escapes control characters itself).
    assert json.loads(run("show", "1", "--json").stdout)["display_name"] == ESC_TITLE


def test_rich_table_and_card_escape_in_a_terminal(
    core: Callable[[], Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Rich path (a terminal): the same text, rendered by Rich, holds no raw control."""
    import io
    import sys

    from rich.console import Console

    from pocketcrm.commands import common

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    _stored_with_controls(core)
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=120, color_system=None)
    monkeypatch.setattr(common, "_rich_console", lambda: console)
    monkeypatch.setattr(sys, "stdout", Tty())
    common.table(["name"], [[ESC_TITLE]])
    common.say(f"[bold]{ESC_TITLE}[/bold]")
    monkeypatch.undo()
    out = buffer.getvalue()
    assert "]0;pwned" in out and "\x1b]0" not in out and "\x07" not in out


def test_import_strips_control_characters_with_a_row_note(
    core: Callable[[], Store], tmp_path: Path
) -> None:
    from pocketcrm.core.transfer.importer import import_files

    store = core()
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(
        "Name,Email,Notes\n"
        f'"{ESC_TITLE}",ann@example.com,"one\ntwo\x07"\n'
        '"\u200b\u200b",zw@example.com,\n',
        encoding="utf-8",
    )
    vcf = tmp_path / "people.vcf"
    vcf.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bo \u202eLee\r\nEMAIL:bo@example.com\r\nEND:VCARD\r\n",
        encoding="utf-8",
    )
    report = import_files(store, [csv_file, vcf])
    names = sorted(r.display_name for r in contacts.list_contacts(store))
    assert "Ann ]0;pwnedLee" in names and "Bo Lee" in names
    for name in names:
        assert not any(ch in name for ch in "\x1b\x07\u202e\u200b"), name
    ann = contacts.get_card(store, "ann@example.com")
    assert ann.notes == "one\ntwo"
    reasons = [r for p in report.problems for r in p.reasons]
    assert sum("control or bidirectional" in r for r in reasons) == 2


def test_json_import_strips_control_characters(core: Callable[[], Store], tmp_path: Path) -> None:
    from pocketcrm.core.transfer.importer import import_files

    store = core()
    path = tmp_path / "people.json"
    path.write_text(
        json.dumps(
            {
                "format": "pocketcrm",
                "contacts": [
                    {"display_name": RTL, "title": "x\x1b[31m", "notes": "a\nb\x00"},
                ],
            }
        ),
        encoding="utf-8",
    )
    import_files(store, [path])
    card = contacts.get_card(store, "#1")
    assert card.display_name == "Ann eeL" and card.title == "x[31m" and card.notes == "a\nb"


# -- the suppression list on add and edit ---------------------------------------------------


def _erase_ann(core: Callable[[], Store]) -> None:
    from pocketcrm.core.transfer.people import erase_person

    store = core()
    contacts.create_contact(
        store,
        contacts.ContactInput(
            name="Ann Lee", emails=["ann@example.com"], phones=["+1 415 555 0100"]
        ),
    )
    erase_person(store, "#1")


def test_add_with_an_erased_persons_email_needs_yes(run: Run, core: Callable[[], Store]) -> None:
    _erase_ann(core)
    result = run("add", "Ann Lee", "-e", "Ann@Example.com", code=2)
    assert "email Ann@Example.com belongs to an erased person" in result.stderr
    assert "--yes" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    result = run("add", "Annie", "-p", "(415) 555-0100", code=2)
    assert "phone (415) 555-0100 belongs to an erased person" in result.stderr
    assert contacts.count_contacts(core()) == 0
    result = run("add", "Ann Lee", "-e", "ann@example.com", "--yes")
    assert "warning: email ann@example.com belongs to an erased person" in result.stderr
    assert contacts.count_contacts(core()) == 1


def test_edit_adding_an_erased_persons_email_needs_yes(run: Run, core: Callable[[], Store]) -> None:
    _erase_ann(core)
    run("add", "Bo Berg", "-e", "bo@example.com")
    result = run("edit", "bo", "--add-email", "ann@example.com", "--title", "CEO", code=2)
    assert "belongs to an erased person" in result.stderr
    card = contacts.get_card(core(), "bo@example.com")
    assert [e.address for e in card.emails] == ["bo@example.com"] and card.title == ""
    run("edit", "bo", "--add-email", "ann@example.com", "--yes")
    card = contacts.get_card(core(), "bo@example.com")
    assert [e.address for e in card.emails] == ["bo@example.com", "ann@example.com"]


def test_the_core_refuses_an_erased_persons_email_unless_allowed(
    core: Callable[[], Store],
) -> None:
    from pocketcrm.core.errors import Invalid

    _erase_ann(core)
    store = core()
    with pytest.raises(Invalid, match="erased person"):
        contacts.create_contact(store, contacts.ContactInput(name="A", emails=["ann@example.com"]))
    contacts.create_contact(
        store, contacts.ContactInput(name="A", emails=["ann@example.com"]), allow_suppressed=True
    )


# -- every importable field can be typed ----------------------------------------------------


def test_add_takes_addresses_anniversary_and_the_other_importable_fields(
    run: Run, core: Callable[[], Store]
) -> None:
    run(
        "add",
        "Ann Lee",
        "--address",
        "home:Street 1, Springfield, 12345, USA",
        "--address",
        "Dock 4, Leeds, West Yorkshire, LS1 4AP, UK",
        "--anniversary",
        "2010-06-12",
        "--nickname",
        "Annie",
        "--source",
        "fair 2026",
        "--set",
        "shoe=42",
        "--do-not-contact",
        "--email-opt-out",
    )
    card = contacts.get_card(core(), "#1")
    assert [
        (a.label, a.street, a.city, a.region, a.postcode, a.country) for a in card.addresses
    ] == [
        ("home", "Street 1", "Springfield", "", "12345", "USA"),
        ("", "Dock 4", "Leeds", "West Yorkshire", "LS1 4AP", "UK"),
    ]
    assert card.anniversary == "2010-06-12" and card.nickname == "Annie"
    assert card.source == "fair 2026" and card.custom == {"shoe": "42"}
    assert card.do_not_contact and card.email_opt_out
    shown = run("show", "1").stdout
    assert "addr   Street 1, Springfield, 12345, USA (home)" in shown
    assert "anniv  2010-06-12" in shown


def test_edit_adds_and_removes_addresses_and_sets_the_anniversary(
    run: Run, core: Callable[[], Store]
) -> None:
    run("add", "Ann Lee", "--address", "home:Street 1, Springfield")
    run(
        "edit",
        "ann",
        "--add-address",
        "work:Dock 4, Leeds, UK",
        "--rm-address",
        "home",
        "--anniversary",
        "--06-12",
        "--nickname",
        "Annie",
        "--source",
        "referral",
    )
    card = contacts.get_card(core(), "#1")
    assert [(a.label, a.street, a.city, a.country) for a in card.addresses] == [
        ("work", "Dock 4", "Leeds", "UK")
    ]
    assert card.anniversary == "--06-12" and card.nickname == "Annie"
    assert card.source == "referral"
    run("edit", "ann", "--rm-address", "Dock 4, Leeds, UK", "--anniversary", "")
    card = contacts.get_card(core(), "#1")
    assert card.addresses == () and card.anniversary == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--address", "a, b, c, d, e, f"], "address: 'a, b, c, d, e, f' has more than five parts"),
        (["--address", " , "], "address: is empty"),
        (["--anniversary", "someday"], "anniversary: "),
    ],
)
def test_bad_addresses_and_anniversaries_are_refused(
    run: Run, core: Callable[[], Store], args: list[str], message: str
) -> None:
    result = run("add", "Ann Lee", *args, code=2)
    assert message in result.stderr
    assert contacts.count_contacts(core()) == 0


# -- phones in one format ---------------------------------------------------------------------


def test_phones_are_shown_in_one_format_whatever_was_typed(
    run: Run, core: Callable[[], Store]
) -> None:
    run("add", "Ann Lee", "-p", "+1.415.555.0100", "-p", "work:011 44 20 7946 0000")
    run("add", "Bo Berg", "-p", "4155550199")
    run("add", "Cy Odd", "-p", "555-CALL-NOW")
    shown = run("show", "ann").stdout
    assert "phone  (415) 555-0100 *" in shown
    assert "phone  +44 20 7946 0000 (work)" in shown
    listed = run("list").stdout
    assert "(415) 555-0100" in listed and "(415) 555-0199" in listed
    assert "555-CALL-NOW" in listed  # not a valid number: as typed
    csv_text = run("list", "--csv").stdout
    assert "(415) 555-0100" in csv_text and "(415) 555-0199" in csv_text
    # Storage and JSON keep what was typed.
    card = contacts.get_card(core(), "ann")
    assert [p.number for p in card.phones] == ["+1.415.555.0100", "011 44 20 7946 0000"]
    rows = json.loads(run("list", "--json").stdout)
    assert rows[0]["phone"] == "+1.415.555.0100" and rows[0]["phone_e164"] == "+14155550100"


def test_phones_follow_the_default_region(
    run: Run, core: Callable[[], Store], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("add", "Ann Lee", "-p", "+1 415 555 0100", "-p", "+44 20 7946 0000")
    config_file = tmp_path / "config.toml"
    config_file.write_text('default_region = "GB"\n', encoding="utf-8")
    monkeypatch.setenv("POCKETCRM_CONFIG", str(config_file))
    shown = run("show", "ann").stdout
    assert "+1 415-555-0100" in shown and "020 7946 0000" in shown


def test_interaction_and_follow_up_notes_refuse_control_characters(
    run: Run, core: Callable[[], Store]
) -> None:
    from pocketcrm.core.services import activity

    run("add", "Ann Lee")
    result = run("log-call", "ann", "--note", "hi\x1b]0;x\x07", code=2)
    assert "note: holds the control character \\x1b" in result.stderr
    run("follow-up", "ann", "fri", "-n", "call\x1b[5m", code=2)
    run("log-call", "ann", "--note", "two\nlines\tkept")
    [call] = activity.contact_interactions(core(), 1)
    assert call.notes == "two\nlines\tkept"


def test_company_fields_refuse_control_characters(run: Run, core: Callable[[], Store]) -> None:
    from pocketcrm.core.services import companies

    result = run("company", "add", "Acme\x1b[31m", code=2)
    assert "name: holds the control character \\x1b" in result.stderr
    run("company", "add", "Acme")
    result = run("company", "edit", "acme", "--city", "Leeds\u202e", code=2)
    assert "city: holds the control character \\u202e" in result.stderr
    assert companies.get_company(core(), "acme").city == ""
