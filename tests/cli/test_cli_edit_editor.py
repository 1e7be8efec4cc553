"""`pocketcrm edit REF` without options opens the card in $EDITOR (a real subprocess here: a
small Python script that edits the file), saves through the same core service as the
options, and reopens the file with the error at the top after a mistake."""

from __future__ import annotations

import json
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from clisupport import Run

from pocketcrm.core.readmodels.card import ContactCard
from pocketcrm.core.services import contacts
from pocketcrm.core.store import Store

# The editor: each time it is opened it keeps a copy of what it was shown, then applies the
# next of the steps in steps.json to the file (a list of [old, new] replacements, "EMPTY"
# or "UNCHANGED").
EDITOR = """
import json, sys
from pathlib import Path

here = Path(__file__).parent
path = Path(sys.argv[1])
shown = sorted(here.glob("shown-*.toml"))
(here / f"shown-{len(shown)}.toml").write_text(path.read_text())
step = json.loads((here / "steps.json").read_text())[len(shown)]
if step == "EMPTY":
    path.write_text("")
elif step != "UNCHANGED":
    text = path.read_text()
    for old, new in step:
        assert old in text, (old, text)
        text = text.replace(old, new)
    path.write_text(text)
"""


@pytest.fixture
def editor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Callable[[], list[str]]]:
    """Set $EDITOR to the script with these steps; returns what it was shown, each time."""
    folder = tmp_path / "editor"
    folder.mkdir()
    (folder / "editor.py").write_text(EDITOR)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {folder / 'editor.py'}")

    def steps(*plan: object) -> Callable[[], list[str]]:
        (folder / "steps.json").write_text(json.dumps(plan))
        return lambda: [p.read_text() for p in sorted(folder.glob("shown-*.toml"))]

    return steps


@pytest.fixture
def ann(run: Run) -> None:
    run("add", "Ann Lee", "-e", "ann@example.com", "-p", "+1 415 555 0100", "-n", "one\ntwo")
    run("edit", "ann", "--set", "shoe=38")


def card(core: Callable[[], Store]) -> ContactCard:
    return contacts.get_card(core(), "1")


def test_the_saved_file_is_applied(
    run: Run, ann: None, editor: Callable[..., Callable[[], list[str]]], core: Callable[[], Store]
) -> None:
    shown = editor(
        [
            ('title = ""', 'title = "Chief Baker"'),
            ('emails = ["ann@example.com"]', 'emails = ["work:ann@bakery.example"]'),
            ("one\ntwo", "one\ntwo\nthree"),
            ('"shoe" = "38"', '"shoe" = "39"\n"hat" = "M"'),
            ("do_not_contact = false", "do_not_contact = true"),
        ]
    )
    assert run("edit", "ann").stdout == "updated #1 Ann Lee\n"
    first = shown()[0]
    assert tomllib.loads(first)["notes"] == "one\ntwo"  # the file is TOML, read back exactly
    assert first.startswith("# Ann Lee (#1)")
    after = card(core)
    assert after.title == "Chief Baker"
    assert [(e.address, e.label) for e in after.emails] == [("ann@bakery.example", "work")]
    assert after.notes == "one\ntwo\nthree"
    assert after.custom == {"shoe": "39", "hat": "M"}
    assert after.do_not_contact is True
    assert [p.number for p in after.phones] == ["+1 415 555 0100"]


def test_a_mistake_reopens_with_the_error_on_top(
    run: Run, ann: None, editor: Callable[..., Callable[[], list[str]]], core: Callable[[], Store]
) -> None:
    shown = editor(
        [
            ('emails = ["ann@example.com"]', 'emails = ["ann@example"]'),
            ('title = ""', 'title = "x"'),
        ],
        [('emails = ["ann@example"]', 'emails = ["ann@example.org"]')],
    )
    result = run("edit", "ann")
    assert "not an email address" in result.stderr
    second = shown()[1]
    assert second.startswith("# error: email: 'ann@example' is not an email address")
    assert 'title = "x"' in second  # the person's edits are kept
    after = card(core)
    assert [e.address for e in after.emails] == ["ann@example.org"]
    assert after.title == "x"


def test_bad_toml_and_unknown_fields_are_mistakes_too(
    run: Run, ann: None, editor: Callable[..., Callable[[], list[str]]], core: Callable[[], Store]
) -> None:
    shown = editor(
        [('title = ""', "title = Chief")],
        [("title = Chief", 'title = "Chief"\nmood = "happy"')],
        [('mood = "happy"', "")],
    )
    run("edit", "ann")
    assert shown()[1].startswith("# error: not valid TOML")
    assert shown()[2].startswith("# error: mood: is not a field here")
    assert card(core).title == "Chief"


@pytest.mark.parametrize("give_up", ["UNCHANGED", "EMPTY"])
def test_giving_up_after_a_mistake_writes_nothing(
    run: Run,
    ann: None,
    editor: Callable[..., Callable[[], list[str]]],
    core: Callable[[], Store],
    give_up: str,
) -> None:
    editor([('title = ""', 'title = "x"'), ("ann@example.com", "nope")], give_up)
    result = run("edit", "ann", code=1)
    assert "edit abandoned; nothing was written" in result.stderr
    after = card(core)
    assert after.title == "" and [e.address for e in after.emails] == ["ann@example.com"]


def test_saving_unchanged_changes_nothing(
    run: Run, ann: None, editor: Callable[..., Callable[[], list[str]]], core: Callable[[], Store]
) -> None:
    before = card(core).updated_at
    editor("UNCHANGED")
    assert run("edit", "ann").stdout == "no changes\n"
    editor("EMPTY")
    run("edit", "ann", code=1)
    assert card(core).updated_at == before


def test_without_an_editor_or_a_terminal_it_says_what_to_do(
    run: Run, ann: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    result = run("edit", "ann", code=2)
    assert "set $EDITOR" in result.stderr


def test_options_still_edit_without_an_editor(
    run: Run, ann: None, monkeypatch: pytest.MonkeyPatch, core: Callable[[], Store]
) -> None:
    monkeypatch.setenv("EDITOR", "false")  # would fail if it were started
    run("edit", "ann", "--title", "Baker")
    assert card(core).title == "Baker"


@pytest.mark.parametrize(
    "text",
    ["plain", "two\nlines", 'quotes " and \\ slash', "ends in '", "tab\there", "del\x7f", "ünï ✓"],
)
def test_any_text_survives_the_file(text: str) -> None:
    from pocketcrm.commands.editor import _string

    assert tomllib.loads(f"v = {_string(text)}")["v"] == text


def test_the_file_holds_every_typed_field_and_lists_can_shrink(
    run: Run, ann: None, editor: Callable[..., Callable[[], list[str]]], core: Callable[[], Store]
) -> None:
    """The name's parts, nickname, anniversary, source, websites and addresses are in the file
    too, and a website or address taken out of its list is removed (it used to be refused)."""
    run(
        "edit",
        "ann",
        "--add-website",
        "blog:https://ann.example.com",
        "--add-website",
        "https://lee.example.org",
        "--add-address",
        "home:1 Main St, Springfield, 12345, USA",
    )
    shown = editor(
        [
            ('prefix = ""', 'prefix = "Dr."'),
            ('additional_names = ""', 'additional_names = "B."'),
            ('nickname = ""', 'nickname = "Annie"'),
            ('anniversary = ""', 'anniversary = "2010-06-12"'),
            ('"blog:https://ann.example.com", ', ""),
            ('addresses = ["home:1 Main St, Springfield, 12345, USA"]', "addresses = []"),
        ]
    )
    assert run("edit", "ann").stdout == "updated #1 Ann Lee\n"
    first = tomllib.loads(shown()[0])
    assert first["given_name"] == "Ann" and first["family_name"] == "Lee"
    assert first["websites"] == ["blog:https://ann.example.com", "https://lee.example.org"]
    after = card(core)
    assert (after.prefix, after.additional_names, after.nickname) == ("Dr.", "B.", "Annie")
    assert after.anniversary == "2010-06-12"
    assert [w.url for w in after.websites] == ["https://lee.example.org"]
    assert after.addresses == ()
