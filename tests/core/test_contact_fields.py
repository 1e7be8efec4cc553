"""Every field an import can fill can be typed through the core: the name's parts, the photo
(a file, an address or a data: URI) and removing a website; each checked before anything is
written, and each surviving an export and an import unchanged."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from sqlalchemy import text

from pocketcrm.core import photo
from pocketcrm.core.errors import Invalid
from pocketcrm.core.readmodels.card import ContactCard
from pocketcrm.core.services import contacts
from pocketcrm.core.services.contacts import ContactInput, ContactPatch
from pocketcrm.core.settings import Settings
from pocketcrm.core.store import Store, open_store
from pocketcrm.core.transfer.exporter import export
from pocketcrm.core.transfer.importer import import_files

# The smallest PNG there is (a 1x1 transparent pixel).
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
PNG_URI = "data:image/png;base64," + base64.b64encode(PNG).decode()


def _card(store: Store, contact_id: int) -> ContactCard:
    return contacts.get_card_by_id(store, contact_id)


def _count(store: Store) -> int:
    with store.read() as session:
        return int(session.execute(text("SELECT count(*) FROM contact")).scalar_one())


def _png(tmp_path: Path) -> Path:
    path = tmp_path / "ann.png"
    path.write_bytes(PNG)
    return path


def test_name_parts_typed_on_add_win_over_the_split(store: Store) -> None:
    created = contacts.create_contact(
        store,
        ContactInput(
            name="Dr. Ann B. Lee Jr.",
            prefix="Dr.",
            given_name="Ann",
            additional_names="B.",
            family_name="Lee",
            suffix="Jr.",
        ),
    )
    card = _card(store, created.id)
    assert card.display_name == "Dr. Ann B. Lee Jr."
    assert (card.prefix, card.given_name, card.additional_names, card.family_name, card.suffix) == (
        "Dr.",
        "Ann",
        "B.",
        "Lee",
        "Jr.",
    )
    assert card.name_parts() == (
        ("prefix", "Dr."),
        ("given", "Ann"),
        ("middle", "B."),
        ("family", "Lee"),
        ("suffix", "Jr."),
    )


def test_without_parts_the_name_is_split_as_before(store: Store) -> None:
    card = _card(store, contacts.create_contact(store, ContactInput(name="Ann Lee")).id)
    assert (card.given_name, card.family_name, card.prefix, card.suffix) == ("Ann", "Lee", "", "")
    assert card.additional_names == ""
    assert card.name_parts() == ()  # nothing more than the name: a card shows no parts line


def test_one_part_typed_keeps_the_split_of_the_others(store: Store) -> None:
    card = _card(
        store,
        contacts.create_contact(store, ContactInput(name="Bob Stone", given_name="Robert")).id,
    )
    assert (card.given_name, card.family_name) == ("Robert", "Stone")
    assert card.name_parts() == (("given", "Robert"), ("family", "Stone"))


@pytest.mark.parametrize(
    ("name", "typed", "given", "family"),
    [
        ("Dr. Ann Lee", {"prefix": "Dr."}, "Ann", "Lee"),
        ("Ann Lee Jr.", {"suffix": "Jr."}, "Ann", "Lee"),
        ("Ann Lee, PhD", {"suffix": "PhD"}, "Ann", "Lee"),
        (
            "Dr. Ann B. Lee Jr.",
            {"prefix": "Dr.", "additional_names": "B.", "suffix": "Jr."},
            "Ann",
            "Lee",
        ),
        ("Ann Lee", {"suffix": "Sr."}, "Ann", "Lee"),  # not in the name: the split as it is
        ("Lee, Ann", {"prefix": "Ms"}, "Ann", "Lee"),
    ],
)
def test_a_typed_prefix_middle_or_suffix_is_left_out_of_the_split(
    store: Store, name: str, typed: dict[str, str], given: str, family: str
) -> None:
    created = contacts.create_contact(store, ContactInput(name=name, **typed))  # type: ignore[arg-type]
    card = _card(store, created.id)
    assert (card.given_name, card.family_name) == (given, family)
    assert card.display_name == ("Ann Lee" if name == "Lee, Ann" else name)
    renamed = contacts.update_contact(store, f"#{created.id}", ContactPatch(name=name, **typed))  # type: ignore[arg-type]
    assert (renamed.given_name, renamed.family_name) == (given, family)


def test_a_new_name_is_split_around_the_stored_prefix_and_suffix(store: Store) -> None:
    created = contacts.create_contact(
        store, ContactInput(name="Dr. Ann Lee Jr.", prefix="Dr.", suffix="Jr.")
    )
    card = contacts.update_contact(store, f"#{created.id}", ContactPatch(name="Dr. Ann Smith Jr."))
    assert (card.prefix, card.given_name, card.family_name, card.suffix) == (
        "Dr.",
        "Ann",
        "Smith",
        "Jr.",
    )


def test_edit_sets_and_clears_name_parts(store: Store) -> None:
    created = contacts.create_contact(store, ContactInput(name="Ann Lee", prefix="Ms"))
    card = contacts.update_contact(
        store, f"#{created.id}", ContactPatch(prefix="", additional_names="Beth", suffix="PhD")
    )
    assert (card.prefix, card.additional_names, card.suffix) == ("", "Beth", "PhD")
    # a new name splits again; a part typed with it wins
    card = contacts.update_contact(
        store, f"#{created.id}", ContactPatch(name="Ann Marie Lee", given_name="Ann Marie")
    )
    assert (card.display_name, card.given_name, card.family_name) == (
        "Ann Marie Lee",
        "Ann Marie",
        "Lee",
    )
    assert card.suffix == "PhD"  # untouched by the rename


def test_a_photo_file_is_stored_as_a_data_uri(store: Store, tmp_path: Path) -> None:
    created = contacts.create_contact(
        store, ContactInput(name="Ann Lee", photo=str(_png(tmp_path)))
    )
    card = _card(store, created.id)
    assert card.photo == PNG_URI
    assert photo.describe(card.photo) == "PNG image, 1 KB (embedded)"


def test_a_photo_address_or_data_uri_is_kept_and_edit_clears_it(store: Store) -> None:
    created = contacts.create_contact(
        store, ContactInput(name="Ann Lee", photo="https://example.com/ann.jpg")
    )
    assert _card(store, created.id).photo == "https://example.com/ann.jpg"
    card = contacts.update_contact(store, f"#{created.id}", ContactPatch(photo=PNG_URI))
    assert card.photo == PNG_URI
    card = contacts.update_contact(store, f"#{created.id}", ContactPatch(photo=""))
    assert card.photo == ""


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("no/such/file.jpg", "there is no file"),
        ("notes.txt", "is not a JPEG, PNG, GIF or WebP image"),
        ("data:image/png;base64,@@@", "is not a data:image"),
        ("data:image/png;base64,iVBORw0KGgo", "does not decode"),
        ("data:text/plain;base64,aGk=", "is not a data:image"),
        ("https://", "is not a web address"),
        ("https://exa mple.com/a.png", "is not a web address"),
        ("ann\x1b[2J.png", "control character"),
    ],
)
def test_a_bad_photo_is_refused_and_nothing_is_written(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, says: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("not an image", encoding="utf-8")
    with pytest.raises(Invalid) as caught:
        contacts.create_contact(store, ContactInput(name="Ann Lee", photo=value))
    assert caught.value.field == "photo"
    assert says in caught.value.message
    assert _count(store) == 0


def test_a_photo_over_the_limit_is_refused(store: Store, tmp_path: Path) -> None:
    big = tmp_path / "big.png"
    big.write_bytes(PNG + b"\0" * photo.MAX_BYTES)
    created = contacts.create_contact(store, ContactInput(name="Ann Lee"))
    with pytest.raises(Invalid, match="at most 1024 KB") as caught:
        contacts.update_contact(store, f"#{created.id}", ContactPatch(photo=str(big)))
    assert caught.value.field == "photo"
    assert _card(store, created.id).photo == ""


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        (ContactPatch(given_name="Ann\x07"), "given"),
        (ContactPatch(family_name="Lee\u202e"), "family"),
        (ContactPatch(additional_names="\x1b]0;x\x07"), "middle"),
        (ContactPatch(prefix="Dr\x00"), "prefix"),
        (ContactPatch(suffix="x" * 201), "suffix"),
    ],
)
def test_a_bad_name_part_names_its_field_and_writes_nothing(
    store: Store, patch: ContactPatch, field: str
) -> None:
    created = contacts.create_contact(store, ContactInput(name="Ann Lee"))
    before = _card(store, created.id)
    with pytest.raises(Invalid) as caught:
        contacts.update_contact(store, f"#{created.id}", patch)
    assert caught.value.field == field
    typed = ContactInput(name="Ann Lee")  # the same part refused on add too
    for name, value in vars(patch).items():
        if isinstance(value, str):
            setattr(typed, name, value)
    with pytest.raises(Invalid) as caught:
        contacts.validate_input(typed, Settings())
    assert caught.value.field == field
    assert _card(store, created.id) == before


def test_edit_removes_a_website_by_address_or_label(store: Store) -> None:
    created = contacts.create_contact(
        store,
        ContactInput(
            name="Ann Lee",
            websites=["https://www.nordljus.se/", "blog:ann.example.com", "shop.example.com"],
        ),
    )
    ref = f"#{created.id}"
    card = contacts.update_contact(store, ref, ContactPatch(remove_websites=["nordljus.se"]))
    assert [(w.url, w.label) for w in card.websites] == [
        ("ann.example.com", "blog"),
        ("shop.example.com", ""),
    ]
    card = contacts.update_contact(store, ref, ContactPatch(remove_websites=["Blog"]))
    assert [w.url for w in card.websites] == ["shop.example.com"]


def test_removing_a_website_the_contact_lacks_writes_nothing(store: Store) -> None:
    created = contacts.create_contact(
        store, ContactInput(name="Ann Lee", websites=["ann.example.com"])
    )
    with pytest.raises(Invalid, match="not one of this contact's websites") as caught:
        contacts.update_contact(
            store,
            f"#{created.id}",
            ContactPatch(remove_websites=["other.example.com"], title="Buyer"),
        )
    assert caught.value.field == "website"
    card = _card(store, created.id)
    assert ([w.url for w in card.websites], card.title) == (["ann.example.com"], "")


def _typed_everything(store: Store, tmp_path: Path) -> int:
    return contacts.create_contact(
        store,
        ContactInput(
            name="Dr. Ann B. Lee Jr.",
            prefix="Dr.",
            given_name="Ann",
            additional_names="B.",
            family_name="Lee",
            suffix="Jr.",
            nickname="Annie",
            photo=str(_png(tmp_path)),
            emails=["work:ann@nordljus.se"],
            phones=["mobile:+46 70 123 45 67"],
            websites=["blog:ann.example.com", "nordljus.se"],
            addresses=["home:Storgatan 1, Malmö, 211 34, Sweden"],
            birthday="1980-05-17",
            anniversary="--06-12",
        ),
    ).id


@pytest.mark.parametrize("fmt", ["vcard", "json"])
def test_typed_fields_survive_an_export_and_an_import(
    store: Store, tmp_path: Path, fmt: str
) -> None:
    card = _card(store, _typed_everything(store, tmp_path))
    out = io.StringIO()
    export(store, fmt, out)
    path = tmp_path / f"out.{'vcf' if fmt == 'vcard' else 'json'}"
    path.write_text(out.getvalue(), encoding="utf-8")
    other = open_store(tmp_path / "other.db", Settings(owner="Me"))
    try:
        import_files(other, [path])
        with other.read() as session:
            (contact_id,) = session.execute(text("SELECT id FROM contact")).scalars()
        back = _card(other, int(contact_id))
    finally:
        other.close()
    fields = (
        "display_name",
        "prefix",
        "given_name",
        "additional_names",
        "family_name",
        "suffix",
        "nickname",
        "photo",
        "websites",
        "birthday",
        "anniversary",
    )
    assert {f: getattr(back, f) for f in fields} == {f: getattr(card, f) for f in fields}
    assert [(e.address, e.label) for e in back.emails] == [("ann@nordljus.se", "work")]
    assert [(p.number, p.label) for p in back.phones] == [("+46 70 123 45 67", "mobile")]
    assert back.addresses == card.addresses
