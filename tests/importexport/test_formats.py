"""One small realistic file per format, imported into a real database and read back."""

from __future__ import annotations

from pathlib import Path

import pytest
from iehelp import full_export

from pocketcrm.core.readmodels.card import ContactCard
from pocketcrm.core.services.companies import get_company
from pocketcrm.core.services.contacts import get_card, list_contacts
from pocketcrm.core.store import Store
from pocketcrm.core.transfer.importer import ImportReport, import_files

GOOGLE = (
    "First Name,Middle Name,Last Name,Name Prefix,Name Suffix,Nickname,Organization Name,"
    "Organization Title,Organization Department,Birthday,Notes,Labels,E-mail 1 - Label,"
    "E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value,"
    "Address 1 - Label,Address 1 - Street,Address 1 - City,Address 1 - Region,"
    "Address 1 - Postal Code,Address 1 - Country,Website 1 - Label,Website 1 - Value,"
    "Custom Field 1 - Label,Custom Field 1 - Value\r\n"
    'Zoë,,Åkesson,,,,Nordljus AB,Art Director,Design,1980-03-15,"Met at Formex.\nLikes fika.",'
    "Design ::: * myContacts ::: VIP,* Work,zoe@nordljus.se ::: zoe.a@nordljus.se,Mobile,"
    "+46 70 123 45 67,Work,+46 8 555 010 10,Home,Storgatan 12,Stockholm,,111 22,Sweden,"
    "Homepage,https://nordljus.se,Shoe size,38\r\n"
    "Sam,,Reed,,,,,,,--07-04,,* myContacts,,sam@example.com,Mobile,(415) 555-0132,,,,,,,,,,,,\r\n"
)
GOOGLE_LEGACY = (
    "Name,Given Name,Additional Name,Family Name,Name Prefix,Name Suffix,Nickname,Birthday,Notes,"
    "Group Membership,E-mail 1 - Type,E-mail 1 - Value,Phone 1 - Type,Phone 1 - Value,"
    "Organization 1 - Type,Organization 1 - Name,Organization 1 - Title,Organization 1 - Department\n"
    "Jürgen Müller,Jürgen,,Müller,,,,1975-11-02,Prefers phone,* My Contacts ::: Kunden,* Home,"
    "juergen@example.de,Mobile,+49 151 2345 6789,,Müller & Söhne GmbH,Geschäftsführer,Vertrieb\n"
)
OUTLOOK = (
    "Title,First Name,Middle Name,Last Name,Suffix,Company,Department,Job Title,Business Street,"
    "Business City,Business State,Business Postal Code,Business Country/Region,Business Phone,"
    "Mobile Phone,Birthday,Categories,E-mail Address,E-mail Type,E-mail Display Name,Notes,Web Page\r\n"
    "Herr,Jürgen,,Müller,,Müller & Söhne GmbH,Vertrieb,Geschäftsführer,Hauptstraße 5,Berlin,,10115,"
    "Deutschland,+49 30 1234567,+49 151 2345 6789,0/0/00,Kunden;Berlin,juergen@mueller.example,SMTP,"
    "Jürgen Müller (juergen@mueller.example),Grüße aus Köln,www.mueller.example\r\n"
)
HUBSPOT = (
    "Record ID,First Name,Last Name,Email,Phone Number,Company Name,Job Title,Lifecycle Stage,"
    "Contact owner,Unsubscribed from all email,Create Date\n"
    "51234,Ana,Silva,ana@lisboatech.example,+351 21 000 0000,Lisboa Tech,CTO,Customer,Maria Costa,"
    "true,2024-01-05 10:00\n"
    "51235,Ben,Ng,ben@example.com,,,,opportunity,,false,\n"
    "51236,Cara,Diaz,cara@example.com,,,,Champion,,,\n"
)
GENERIC = (
    "Full name;Cell;Mail;Firma;Colour\n"
    "Ingrid Berg;+47 912 34 567;ingrid@berg.example;Berg AS;green\n"
)
ANDROID_21 = (
    "BEGIN:VCARD\r\nVERSION:2.1\r\n"
    "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=BCrgen;;Dr.;\r\n"
    "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Dr. J=C3=BCrgen M=C3=BCller\r\n"
    "TEL;CELL;PREF:+49 151 2345 6789\r\n"
    "TEL;HOME:030 1234567\r\n"
    "EMAIL;HOME:juergen@example.de\r\n"
    "ADR;HOME;CHARSET=UTF-8:;;Hauptstraße 5;Berlin;;10115;Germany\r\n"
    "NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Gr=C3=\r\n=BC=C3=9Fe, bitte.\r\n"
    "END:VCARD\r\n"
)
APPLE_30 = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//macOS 14.4//EN\r\n"
    "N:Åkesson;Zoë;;;\r\nFN:Zoë Åkesson\r\nORG:Nordljus AB;Design\r\nTITLE:Art Director\r\n"
    "item1.EMAIL;type=INTERNET;type=pref:zoe@nordljus.se\r\nitem1.X-ABLabel:_$!<Work>!$_\r\n"
    "item2.TEL;type=pref:+46 70 123 45 67\r\nitem2.X-ABLabel:_$!<Mobile>!$_\r\n"
    "item3.TEL:+46 8 555 010 10\r\nitem3.X-ABLabel:Studio Stockholm\r\n"
    "BDAY;X-APPLE-OMIT-YEAR=1604:1604-03-15\r\n"
    "NOTE:Met at Formex\\, Stockholm.\\nLikes fika.\r\n"
    "CATEGORIES:Design,VIP\r\n"
    "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD\r\n"
    "UID:6F1B2C3D-0000-4000-8000-00000000ABCD\r\n"
    "END:VCARD\r\n"
)
V40 = (
    "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Hiroshi Sato\r\nN:Sato;Hiroshi;;;\r\n"
    "TEL;VALUE=uri;TYPE=work;PREF=1:tel:+1-555-555-0100;ext=42\r\n"
    "EMAIL;TYPE=work;PREF=1:hiroshi@example.com\r\n"
    "BDAY:--0517\r\nANNIVERSARY:20100612\r\n"
    "PHOTO:data:image/png;base64,iVBORw0KGgo=\r\n"
    "URL;TYPE=home:https://hiroshi.example.com\r\n"
    "CATEGORIES:Partners\r\nX-SHOE-SIZE:42\r\n"
    "UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1\r\n"
    "END:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:org\r\nFN:Acme Corporation\r\nORG:Acme Corporation\r\n"
    "EMAIL:info@acme.example\r\nURL:https://acme.example\r\nEND:VCARD\r\n"
)


def _import(
    store: Store, tmp_path: Path, name: str, content: str, encoding: str = "utf-8", **kw: object
) -> ImportReport:
    path = tmp_path / name
    path.write_bytes(content.encode(encoding))
    return import_files(store, [path], **kw)  # type: ignore[arg-type]


def _phones(card: ContactCard) -> list[tuple[str, str, bool, str, bool, str]]:
    return [(p.number, p.e164, p.valid, p.label, p.primary, p.extension) for p in card.phones]


def _emails(card: ContactCard) -> list[tuple[str, str, bool]]:
    return [(e.address, e.label, e.primary) for e in card.emails]


def test_google_current(store: Store, tmp_path: Path) -> None:
    report = _import(store, tmp_path, "contacts.csv", GOOGLE, "utf-8-sig")
    assert (report.sources[0].format, report.sources[0].encoding) == ("google", "utf-8-sig")
    assert (report.created, report.companies_created, report.problem_count) == (2, 1, 0)
    zoe = get_card(store, "zoe@nordljus.se")
    assert (zoe.display_name, zoe.given_name, zoe.family_name) == ("Zoë Åkesson", "Zoë", "Åkesson")
    assert zoe.company is not None and zoe.company.name == "Nordljus AB"
    assert (zoe.title, zoe.department, zoe.birthday) == ("Art Director", "Design", "1980-03-15")
    assert zoe.notes == "Met at Formex.\nLikes fika."
    assert zoe.tags == ("design", "vip")
    assert _emails(zoe) == [("zoe@nordljus.se", "work", True), ("zoe.a@nordljus.se", "work", False)]
    assert _phones(zoe) == [
        ("+46 70 123 45 67", "+46701234567", True, "mobile", True, ""),
        ("+46 8 555 010 10", "+46855501010", True, "work", False, ""),
    ]
    address = zoe.addresses[0]
    assert (address.label, address.street, address.city, address.postcode, address.country) == (
        "home",
        "Storgatan 12",
        "Stockholm",
        "111 22",
        "Sweden",
    )
    assert [(w.url, w.label) for w in zoe.websites] == [("https://nordljus.se", "homepage")]
    assert zoe.custom == {"Shoe size": "38"}
    assert zoe.stage == "lead" and zoe.source == "google"
    sam = get_card(store, "Sam Reed")
    assert sam.birthday == "--07-04"
    assert _phones(sam) == [("(415) 555-0132", "+14155550132", True, "mobile", True, "")]
    assert sam.tags == ()


def test_google_legacy(store: Store, tmp_path: Path) -> None:
    report = _import(store, tmp_path, "legacy.csv", GOOGLE_LEGACY)
    assert report.sources[0].format == "google"
    card = get_card(store, "juergen@example.de")
    assert (card.display_name, card.birthday, card.notes) == (
        "Jürgen Müller",
        "1975-11-02",
        "Prefers phone",
    )
    assert card.company is not None and card.company.name == "Müller & Söhne GmbH"
    assert (card.title, card.department) == ("Geschäftsführer", "Vertrieb")
    assert card.tags == ("kunden",)
    assert _emails(card) == [("juergen@example.de", "home", True)]
    assert _phones(card) == [("+49 151 2345 6789", "+4915123456789", True, "mobile", True, "")]


def test_outlook_windows_1252(store: Store, tmp_path: Path) -> None:
    report = _import(store, tmp_path, "outlook.csv", OUTLOOK, "cp1252")
    assert (report.sources[0].format, report.sources[0].encoding) == ("outlook", "windows-1252")
    card = get_card(store, "juergen@mueller.example")
    assert (card.given_name, card.family_name) == ("Jürgen", "Müller")
    assert card.company is not None and card.company.name == "Müller & Söhne GmbH"
    assert card.notes == "Grüße aus Köln"
    assert card.birthday == ""  # Outlook's 0/0/00 means none
    assert card.tags == ("berlin", "kunden")
    assert _phones(card) == [
        ("+49 30 1234567", "+49301234567", True, "work", True, ""),
        ("+49 151 2345 6789", "+4915123456789", True, "mobile", False, ""),
    ]
    address = card.addresses[0]
    assert (address.label, address.street, address.city, address.postcode, address.country) == (
        "work",
        "Hauptstraße 5",
        "Berlin",
        "10115",
        "Deutschland",
    )
    assert [w.url for w in card.websites] == ["www.mueller.example"]


def test_hubspot_stages_ids_and_opt_out(store: Store, tmp_path: Path) -> None:
    report = _import(store, tmp_path, "hubspot.csv", HUBSPOT)
    assert report.sources[0].format == "hubspot" and report.created == 3
    ana = get_card(store, "ana@lisboatech.example")
    assert (ana.stage, ana.title, ana.email_opt_out) == ("customer", "CTO", True)
    assert ana.external_ids == {"hubspot": "51234"}
    assert ana.company is not None and (ana.company.name, ana.company.kind) == (
        "Lisboa Tech",
        "customer",
    )
    assert _phones(ana) == [("+351 21 000 0000", "+351210000000", True, "", True, "")]
    assert get_card(store, "ben@example.com").stage == "prospect"
    cara = get_card(store, "cara@example.com")
    # An unknown stage is not dropped: it stays in a custom field, the contact gets the first stage.
    assert cara.stage == "lead"
    assert "Champion" in cara.custom.values()


def test_generic_with_map(store: Store, tmp_path: Path) -> None:
    mapping = {"Full name": "name", "Cell": "phone", "Mail": "email", "Firma": "company"}
    report = _import(store, tmp_path, "people.csv", GENERIC, mapping=mapping)
    assert report.sources[0].format == "generic"
    card = get_card(store, "ingrid@berg.example")
    assert (card.display_name, card.given_name, card.family_name) == (
        "Ingrid Berg",
        "Ingrid",
        "Berg",
    )
    assert card.company is not None and card.company.name == "Berg AS"
    assert _phones(card) == [("+47 912 34 567", "+4791234567", True, "", True, "")]
    assert card.custom == {"Colour": "green"}  # a column without a field is kept, not lost


def test_vcard_21_android_quoted_printable(store: Store, tmp_path: Path) -> None:
    report = _import(store, tmp_path, "android.vcf", ANDROID_21)
    assert report.sources[0].format == "vcard"
    card = get_card(store, "juergen@example.de")
    assert (card.display_name, card.given_name, card.family_name) == (
        "Dr. Jürgen Müller",
        "Jürgen",
        "Müller",
    )
    assert card.notes == "Grüße, bitte."
    assert _phones(card) == [
        ("+49 151 2345 6789", "+4915123456789", True, "mobile", True, ""),
        # national format with the default region US: kept as typed and flagged invalid
        ("030 1234567", "+10301234567", False, "home", False, ""),
    ]
    assert report.problem_count == 1 and "030 1234567" in report.problems[0].reasons[0]
    assert card.addresses[0].street == "Hauptstraße 5"


def test_vcard_30_apple(store: Store, tmp_path: Path) -> None:
    _import(store, tmp_path, "apple.vcf", APPLE_30)
    card = get_card(store, "Zoë")
    assert card.company is not None and card.company.name == "Nordljus AB"
    assert (card.department, card.title, card.birthday) == ("Design", "Art Director", "--03-15")
    assert card.notes == "Met at Formex, Stockholm.\nLikes fika."
    assert _phones(card)[1] == (
        "+46 8 555 010 10",
        "+46855501010",
        True,
        "Studio Stockholm",
        False,
        "",
    )
    assert card.tags == ("design", "vip")
    assert card.photo == "data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD"
    assert card.external_ids == {"vcard_uid": "6F1B2C3D-0000-4000-8000-00000000ABCD"}


def test_vcard_40_and_company_card(store: Store, tmp_path: Path) -> None:
    report = _import(store, tmp_path, "v4.vcf", V40)
    assert (report.created, report.companies_created) == (1, 1)
    card = get_card(store, "hiroshi@example.com")
    assert card.uuid == "4fbe8971-0bc3-424c-9c26-36c3e1eff6b1"  # urn:uuid UID becomes identity
    assert (card.birthday, card.anniversary) == ("--05-17", "2010-06-12")
    assert _phones(card) == [("+1-555-555-0100", "+15555550100", False, "work", True, "42")]
    assert card.photo == "data:image/png;base64,iVBORw0KGgo="
    assert card.custom == {"X-SHOE-SIZE": "42"}
    assert [(w.url, w.label) for w in card.websites] == [("https://hiroshi.example.com", "home")]
    assert [r.display_name for r in list_contacts(store)] == ["Hiroshi Sato"]
    acme = get_company(store, "Acme Corporation")
    assert (acme.email, acme.website) == ("info@acme.example", "https://acme.example")


@pytest.mark.parametrize(
    ("name", "content", "encoding"),
    [
        ("g.csv", GOOGLE, "utf-8-sig"),
        ("o.csv", OUTLOOK, "cp1252"),
        ("h.csv", HUBSPOT, "utf-8"),
        ("a.vcf", ANDROID_21, "utf-8"),
        ("p.vcf", APPLE_30, "utf-8"),
        ("v.vcf", V40, "utf-8"),
    ],
)
def test_same_file_again_updates_instead_of_duplicating(
    store: Store, tmp_path: Path, name: str, content: str, encoding: str
) -> None:
    first = _import(store, tmp_path, name, content, encoding)
    count = len(list_contacts(store))
    again = _import(store, tmp_path, name, content, encoding)
    assert again.created == 0 and again.updated == 0
    assert again.unchanged == first.created
    assert len(list_contacts(store)) == count


def test_an_all_day_follow_up_keeps_its_day_through_json(store: Store, tmp_path: Path) -> None:
    """Exported in Berlin, imported in New York: still due 3 December, as a day; a file from
    before 0008 (no due_date, a Berlin midnight in due_at) is read the same way."""
    import json
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from pocketcrm.core import clock
    from pocketcrm.core.services import activity, contacts
    from pocketcrm.core.store import open_store

    clock.set_local_zone(ZoneInfo("Europe/Berlin"))
    contacts.create_contact(store, contacts.ContactInput(name="Ann Lee"))
    activity.schedule_follow_up(
        store, "ann", datetime(2026, 12, 3, tzinfo=ZoneInfo("Europe/Berlin")), all_day=True
    )
    [record] = json.loads(full_export(store))["contacts"]
    assert record["next_follow_up_date"] == record["follow_ups"][0]["due_date"] == "2026-12-03"
    old = json.loads(json.dumps(record))
    old.pop("next_follow_up_date")
    old["uuid"] = "c0ffee00-0000-4000-8000-0000000000b1"
    old["display_name"] = "Old File"
    for f in old["follow_ups"]:
        f.pop("due_date")
        f["uuid"] = "c0ffee00-0000-4000-8000-0000000000b2"
    clock.set_local_zone(ZoneInfo("America/New_York"))
    other = open_store(tmp_path / "other.db")
    try:
        for name, contact in (("new.json", record), ("old.json", old)):
            document = {"format": "pocketcrm", "version": 1, "contacts": [contact]}
            assert _import(other, tmp_path, name, json.dumps(document)).created == 1
        views = activity.agenda(other, "all")
        assert [(v.due_at, v.all_day) for v in views] == [(date(2026, 12, 3), True)] * 2
        assert [r.next_follow_up_at for r in list_contacts(other)] == [date(2026, 12, 3)] * 2
    finally:
        other.close()
