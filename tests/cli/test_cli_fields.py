"""`add` and `edit` type every field an import can fill: the name's parts, a photo, and
`edit --rm-website`; bad values exit 2 naming the field with nothing written; `show` lists
them; and what `add` typed comes back unchanged through an export and an import."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from clisupport import Run

from pocketcrm.core.services import contacts
from pocketcrm.core.store import Store

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
PARTS = ("--prefix", "Dr.", "--given", "Ann", "--middle", "B.", "--family", "Lee")


def _png(tmp_path: Path) -> str:
    path = tmp_path / "ann.png"
    path.write_bytes(PNG)
    return str(path)


def test_add_types_the_name_parts_and_a_photo_file(
    run: Run, core: Callable[[], Store], tmp_path: Path
) -> None:
    run("add", "Dr. Ann B. Lee Jr.", *PARTS, "--suffix", "Jr.", "--photo", _png(tmp_path))
    card = contacts.get_card(core(), "1")
    assert (card.prefix, card.given_name, card.additional_names, card.family_name) == (
        "Dr.",
        "Ann",
        "B.",
        "Lee",
    )
    assert card.suffix == "Jr."
    assert card.photo == "data:image/png;base64," + base64.b64encode(PNG).decode()
    out = run("show", "1").stdout
    assert "name   prefix: Dr. · given: Ann · middle: B. · family: Lee · suffix: Jr." in out
    assert "photo  PNG image, 1 KB (embedded)" in out
    shown = json.loads(run("show", "1", "--json").stdout)
    assert (shown["prefix"], shown["additional_names"], shown["suffix"]) == ("Dr.", "B.", "Jr.")


def test_show_lists_no_name_line_when_the_parts_are_the_names_split(run: Run) -> None:
    run("add", "Ann Lee", "--photo", "https://example.com/ann.jpg")
    out = run("show", "1").stdout
    assert "name " not in out
    assert "photo  https://example.com/ann.jpg" in out


def test_edit_sets_and_clears_parts_and_the_photo(
    run: Run, core: Callable[[], Store], tmp_path: Path
) -> None:
    run("add", "Ann Lee", "--prefix", "Ms", "--photo", _png(tmp_path))
    run("edit", "1", "--prefix", "", "--middle", "Beth", "--suffix", "PhD")
    run("edit", "1", "--given", "Annie", "--photo", "https://example.com/ann.jpg")
    card = contacts.get_card(core(), "1")
    assert (card.prefix, card.given_name, card.additional_names, card.suffix) == (
        "",
        "Annie",
        "Beth",
        "PhD",
    )
    assert card.photo == "https://example.com/ann.jpg"
    run("edit", "1", "--photo", "")
    assert contacts.get_card(core(), "1").photo == ""


def test_edit_removes_a_website_by_address_or_label(run: Run, core: Callable[[], Store]) -> None:
    run("add", "Ann Lee", "--website", "blog:ann.example.com", "--website", "https://acme.example/")
    assert "web    ann.example.com (blog)" in run("show", "1").stdout
    run("edit", "1", "--rm-website", "acme.example")
    assert [w.url for w in contacts.get_card(core(), "1").websites] == ["ann.example.com"]
    run("edit", "1", "--rm-website", "blog")
    assert contacts.get_card(core(), "1").websites == ()


def test_edit_refuses_an_unknown_website_and_writes_nothing(
    run: Run, core: Callable[[], Store]
) -> None:
    run("add", "Ann Lee", "--website", "ann.example.com")
    result = run("edit", "1", "--rm-website", "bob.example.com", "--title", "Buyer", code=2)
    assert "website: 'bob.example.com' is not one of this contact's websites" in result.stderr
    card = contacts.get_card(core(), "1")
    assert ([w.url for w in card.websites], card.title) == (["ann.example.com"], "")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--photo", "no-such-file.jpg"), "photo: there is no file 'no-such-file.jpg'"),
        (("--photo", "data:image/png;base64,!!"), "photo: is not a data:image"),
        (("--photo", "https://exa mple.com/a.png"), "photo: 'https://exa mple.com/a.png' is not"),
        (("--given", "Ann\x1b[2J"), "given: holds the control character"),
        (("--family", "Lee\u202e"), "family: holds the control character"),
        (("--middle", "\x07"), "middle: holds the control character"),
        (("--prefix", "Dr\x00"), "prefix: holds the control character"),
        (("--suffix", "x" * 201), "suffix: is longer than 200 characters"),
    ],
)
def test_bad_values_exit_2_naming_the_field_and_write_nothing(
    run: Run, core: Callable[[], Store], args: tuple[str, ...], says: str
) -> None:
    result = run("add", "Ann Lee", *args, code=2)
    assert says in result.stderr
    assert "Traceback" not in result.stderr
    assert contacts.list_contacts(core()) == []
    run("add", "Bob Stone")
    before = contacts.get_card(core(), "1")
    result = run("edit", "1", *args, "--title", "Buyer", code=2)
    assert says in result.stderr
    assert contacts.get_card(core(), "1") == before


def test_a_photo_file_that_is_not_an_image_is_refused(
    run: Run, core: Callable[[], Store], tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello", encoding="utf-8")
    result = run("add", "Ann Lee", "--photo", str(notes), code=2)
    assert "photo:" in result.stderr and "is not a JPEG, PNG, GIF or WebP image" in result.stderr
    assert contacts.list_contacts(core()) == []


@pytest.mark.parametrize(("fmt", "suffix"), [("vcard", "vcf"), ("json", "json")])
def test_what_add_typed_survives_an_export_and_an_import(
    run: Run, tmp_path: Path, fmt: str, suffix: str
) -> None:
    run(
        "add",
        "Dr. Ann B. Lee Jr.",
        *PARTS,
        "--suffix",
        "Jr.",
        "--photo",
        _png(tmp_path),
        "--website",
        "blog:ann.example.com",
        "--email",
        "work:ann@nordljus.se",
        "--phone",
        "mobile:+46 70 123 45 67",
    )
    exported = tmp_path / f"out.{suffix}"
    run("export", fmt, "--output", str(exported))
    other = str(tmp_path / "other.db")
    run("import", str(exported), "--db", other)
    before = json.loads(run("show", "1", "--json").stdout)
    after = json.loads(run("show", "1", "--json", "--db", other).stdout)
    fields = (
        "display_name",
        "prefix",
        "given_name",
        "additional_names",
        "family_name",
        "suffix",
        "photo",
        "websites",
        "emails",
        "phones",
    )
    assert {f: after[f] for f in fields} == {f: before[f] for f in fields}
