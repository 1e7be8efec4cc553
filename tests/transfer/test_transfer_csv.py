"""CSV flavours (Google, Outlook, HubSpot, generic) and the pocketcrm CSV writer."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from pocketcrm.core.errors import Invalid
from pocketcrm.core.transfer.csv_formats import (
    CSV_COLUMNS,
    MAP_FIELDS,
    detect_format,
    read_csv,
    sanitize_cell,
    write_csv,
)
from pocketcrm.core.transfer.encoding import open_text
from pocketcrm.core.transfer.records import (
    AddressDraft,
    ContactDraft,
    EmailDraft,
    PhoneDraft,
    WebsiteDraft,
)

FIXTURES = Path(__file__).parent / "fixtures"


def read_fixture(name: str) -> list[ContactDraft]:
    stream, _encoding = open_text(FIXTURES / name)
    with stream:
        return list(read_csv(stream))


def read_text(text: str, fmt: str | None = None, **mapping: str) -> list[ContactDraft]:
    return list(read_csv(io.StringIO(text, newline=""), fmt, mapping or None))


@pytest.fixture(scope="module")
def google() -> list[ContactDraft]:
    return read_fixture("google.csv")


@pytest.fixture(scope="module")
def outlook() -> list[ContactDraft]:
    return read_fixture("outlook_1252.csv")


@pytest.fixture(scope="module")
def hubspot() -> list[ContactDraft]:
    return read_fixture("hubspot.csv")


# -- detection --------------------------------------------------------------------------------


def header_of(name: str) -> list[str]:
    stream, _encoding = open_text(FIXTURES / name)
    with stream:
        return next(csv.reader(stream))


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("google.csv", "google"),
        ("google_legacy.csv", "google"),
        ("outlook_1252.csv", "outlook"),
        ("hubspot.csv", "hubspot"),
        ("generic_semicolon.csv", "generic"),
    ],
)
def test_detect_format_from_fixture_headers(fixture: str, expected: str) -> None:
    assert detect_format(header_of(fixture)) == expected


def test_detect_format_small_headers() -> None:
    assert detect_format(["Contact ID", "First Name", "Lifecycle Stage", "Contact owner"]) == (
        "hubspot"
    )
    assert detect_format(["First Name", "Last Name", "E-mail Address", "Mobile Phone"]) == (
        "outlook"
    )
    assert detect_format(["Name", "Email", "Phone"]) == "generic"
    assert detect_format(list(CSV_COLUMNS)) == "generic"


# -- Google -----------------------------------------------------------------------------------


def test_google_bom_file_names_and_source(google: list[ContactDraft]) -> None:
    zoe = google[0]
    assert (zoe.display_name, zoe.given_name, zoe.family_name) == (
        "Zoë Åkesson",
        "Zoë",
        "Åkesson",
    )
    assert (zoe.company, zoe.title) == ("Nordljus AB", "Art Director")
    assert [(d.line, d.source) for d in google] == [(n, "google") for n in (1, 2, 3, 4)]


def test_google_multi_value_cell_and_star_primary(google: list[ContactDraft]) -> None:
    assert google[0].emails == [
        EmailDraft("zoe@nordljus.se", "work", primary=True),
        EmailDraft("zoe.a@nordljus.se", "work", primary=False),
        EmailDraft("zoe@example.com", "home", primary=False),
    ]
    assert google[0].phones == [
        PhoneDraft("+46 70 123 45 67", "mobile"),
        PhoneDraft("+46 8 555 010 10", "Studio"),
    ]


def test_google_system_groups_are_not_tags(google: list[ContactDraft]) -> None:
    assert google[0].tags == ["Design", "VIP"]
    assert google[1].tags == []


def test_google_notes_birthday_without_year_and_events(google: list[ContactDraft]) -> None:
    zoe = google[0]
    assert zoe.notes == "Met at Formex, Stockholm.\nPrefers email, not calls.\nLikes: coffee; fika."
    assert zoe.birthday == "--03-15"
    assert zoe.anniversary == "2010-06-12"
    assert zoe.custom == {"Shoe size": "38"}
    assert zoe.photo == "https://lh3.googleusercontent.com/contacts/AbCdEf123=s100"
    assert zoe.websites == [WebsiteDraft("https://nordljus.se/zoe", "Profile")]


def test_google_address_parts_win_over_formatted(google: list[ContactDraft]) -> None:
    assert google[0].addresses == [
        AddressDraft(
            label="home",
            street="Storgatan 12",
            city="Stockholm",
            postcode="111 22",
            country="Sweden",
        )
    ]
    assert google[3].addresses == [AddressDraft(street="Karl Johans gate 1, Oslo")]


def test_google_company_only_row(google: list[ContactDraft]) -> None:
    company = google[1]
    assert company.is_company is True
    assert (company.display_name, company.company) == ("Nordljus AB", "Nordljus AB")
    assert company.phones == [PhoneDraft("+46 8 555 010 00", "work")]


def test_google_dates_and_placeholder(google: list[ContactDraft]) -> None:
    assert google[2].birthday == "1980-05-17"
    assert google[3].birthday == ""
    assert google[3].custom == {}
    assert google[3].problems == []


def test_google_legacy_export() -> None:
    (jurgen,) = read_fixture("google_legacy.csv")
    assert (jurgen.display_name, jurgen.company, jurgen.title, jurgen.department) == (
        "Jürgen Müller",
        "Müller & Söhne GmbH",
        "Geschäftsführer",
        "Vertrieb",
    )
    assert jurgen.tags == ["Kunden"]
    assert jurgen.emails == [EmailDraft("juergen@example.de", "home", primary=True)]
    assert jurgen.phones == [
        PhoneDraft("+49 151 2345 6789", "mobile"),
        PhoneDraft("+49 30 1234568", "work fax"),
    ]
    assert jurgen.birthday == "1975-11-02"


def test_google_id_column() -> None:
    text = "Resource Name,First Name,E-mail 1 - Label,E-mail 1 - Value\npeople/c42,Ann,,a@x.io\n"
    (ann,) = read_text(text)
    assert ann.source == "google"
    assert ann.external_ids == {"google": "people/c42"}


# -- Outlook ----------------------------------------------------------------------------------


def test_outlook_windows_1252_names(outlook: list[ContactDraft]) -> None:
    jurgen = outlook[0]
    assert (jurgen.given_name, jurgen.family_name, jurgen.prefix) == ("Jürgen", "Müller", "Herr")
    assert (jurgen.company, jurgen.department, jurgen.title) == (
        "Müller & Söhne GmbH",
        "Vertrieb",
        "Geschäftsführer",
    )
    assert jurgen.notes == "Größter Kunde, zahlt pünktlich."
    assert jurgen.source == "outlook"


def test_outlook_fax_is_custom_not_a_phone(outlook: list[ContactDraft]) -> None:
    jurgen = outlook[0]
    assert jurgen.phones == [
        PhoneDraft("+49 30 1234567", "work"),
        PhoneDraft("+49 151 2345 6789", "mobile"),
    ]
    assert jurgen.custom == {"Business Fax": "+49 30 1234568", "Initials": "J.M."}


def test_outlook_placeholder_dates_categories_and_address(outlook: list[ContactDraft]) -> None:
    jurgen = outlook[0]
    assert (jurgen.birthday, jurgen.anniversary) == ("", "")
    assert jurgen.tags == ["Kunden", "Berlin"]
    assert jurgen.emails == [EmailDraft("juergen@mueller-soehne.de")]
    assert jurgen.websites == [WebsiteDraft("https://mueller-soehne.de")]
    assert jurgen.addresses == [
        AddressDraft(
            label="work",
            street="Hauptstraße 5\nHinterhaus",
            city="Berlin",
            postcode="10115",
            country="Deutschland",
        )
    ]
    assert jurgen.problems == []


def test_outlook_company_only_row(outlook: list[ContactDraft]) -> None:
    bakery = outlook[1]
    assert bakery.is_company is True
    assert bakery.display_name == "Bäckerei Schmidt"
    assert bakery.custom == {}  # Outlook's default Gender/Priority/Sensitivity are not data


def test_outlook_month_first_birthday_and_primary_phone(outlook: list[ContactDraft]) -> None:
    anna = outlook[2]
    assert anna.birthday == "1975-03-15"
    assert anna.phones == [PhoneDraft("030 555123", "home"), PhoneDraft("030 555000", primary=True)]


# -- HubSpot ----------------------------------------------------------------------------------


def test_hubspot_ids_owner_and_address(hubspot: list[ContactDraft]) -> None:
    ana = hubspot[0]
    assert ana.external_ids == {"hubspot": "51234"}
    assert ana.custom == {
        "Lead Status": "Open",
        "owner": "Maria Costa",
        "Create Date": "2024-01-05 10:00",
    }
    assert ana.phones == [PhoneDraft("+351 21 000 0000"), PhoneDraft("+351 91 234 5678", "mobile")]
    assert ana.addresses == [
        AddressDraft(street="Rua Augusta 1", city="Lisboa", postcode="1100-048", country="Portugal")
    ]
    assert ana.websites == [WebsiteDraft("https://lisboatech.example")]


def test_hubspot_lifecycle_stages(hubspot: list[ContactDraft]) -> None:
    assert [d.stage for d in hubspot] == ["lead", "prospect", "customer", ""]
    assert hubspot[3].custom == {"Lifecycle Stage": "Other"}


def test_hubspot_unsubscribed_flags(hubspot: list[ContactDraft]) -> None:
    assert [d.email_opt_out for d in hubspot] == [True, True, False, False]


# -- generic ----------------------------------------------------------------------------------


def test_generic_semicolon_file_with_synonyms() -> None:
    zoe, company, bob = read_fixture("generic_semicolon.csv")
    assert zoe.display_name == "Zoë Åkesson"
    assert zoe.emails == [EmailDraft("zoe@nordljus.se")]
    assert zoe.phones == [PhoneDraft("+46 70 123 45 67", "mobile")]
    assert (zoe.company, zoe.tags, zoe.birthday) == ("Nordljus AB", ["design", "vip"], "1980-05-17")
    assert zoe.notes == "Likes coffee; and cake"
    assert zoe.custom == {"Favourite colour": "green"}
    assert (company.is_company, company.display_name) == (True, "Nordljus AB")
    assert bob.custom == {"Birthday": "05/06/1990"}
    assert bob.problems == [
        "row 3: birthday '05/06/1990' could be day/month or month/day; write it as YYYY-MM-DD;"
        " kept in custom field 'Birthday'",
        "row 3: email 'bob-at-example' has no @",
        "row 3: phone '12' is not a number",
    ]


def test_generic_name_parts_make_the_display_name() -> None:
    (ann,) = read_text("First Name,Surname,Work Email,Zip\nAnn,Lee,ann@lee.io,90210\n")
    assert ann.display_name == "Ann Lee"
    assert ann.emails == [EmailDraft("ann@lee.io", "work")]
    assert ann.addresses == [AddressDraft(postcode="90210")]


def test_blank_rows_are_skipped_but_counted() -> None:
    drafts = read_text("Name,Email\nAnn,a@x.io\n,\n\nBob,b@x.io\n")
    assert [(d.display_name, d.line) for d in drafts] == [("Ann", 1), ("Bob", 4)]


def test_phone_numbers_stay_exactly_as_typed() -> None:
    (ann,) = read_text('Name,Phone\nAnn,"(0)20 7946-0958 ext. 7"\n')
    assert ann.phones == [PhoneDraft("(0)20 7946-0958 ext. 7")]


def test_mapping_overrides_and_unknown_columns() -> None:
    text = "Kunde,Handy,Notiz,Extra\nAnn Lee,+1 555 0100,hello,x\n"
    (ann,) = read_text(text, Kunde="name", handy="phone", Notiz="notes")
    assert ann.display_name == "Ann Lee"
    assert ann.phones == [PhoneDraft("+1 555 0100")]
    assert ann.notes == "hello"
    assert ann.custom == {"Extra": "x"}
    (ignored,) = read_text(text, Kunde="name", Extra="ignore", Notiz="custom")
    assert ignored.custom == {"Notiz": "hello"}


def test_unknown_mapping_field_lists_valid_fields() -> None:
    with pytest.raises(Invalid) as caught:
        read_csv(io.StringIO("Name\nAnn\n"), mapping={"Name": "fullname"})
    assert caught.value.field == "map"
    assert "fullname" in caught.value.message
    assert all(field in caught.value.message for field in MAP_FIELDS)


def test_mapping_to_a_missing_column_is_invalid() -> None:
    with pytest.raises(Invalid) as caught:
        read_csv(io.StringIO("Name\nAnn\n"), mapping={"Telefon": "phone"})
    assert caught.value.field == "map"
    assert "Telefon" in caught.value.message


def test_unknown_format_and_empty_file_are_invalid() -> None:
    with pytest.raises(Invalid) as caught:
        read_csv(io.StringIO("Name\nAnn\n"), "excel")
    assert caught.value.field == "format"
    with pytest.raises(Invalid) as caught:
        read_csv(io.StringIO("\n\n"))
    assert caught.value.field == "file"


def test_rows_are_read_lazily() -> None:
    text = "Name,Email\r\n" + "".join(f"P{n},p{n}@x.io\r\n" for n in range(10_000))
    stream = io.StringIO(text, newline="")
    drafts = read_csv(stream)
    assert next(drafts).display_name == "P0"
    assert stream.tell() < len(text) // 10


# -- writing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+2", "'=1+2"),
        ('   =HYPERLINK("http://x","y")', '\'   =HYPERLINK("http://x","y")'),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("\tTab start", "'\tTab start"),
        ("safe first line\n=cmd|' /C calc'!A0", "safe first line\n'=cmd|' /C calc'!A0"),
        ("one\r\n  -2+3", "one\r\n'  -2+3"),
        ("- bullet", "'- bullet"),
        ("+44 20 7946 0958", "+44 20 7946 0958"),
        ("-5", "-5"),
        ("--05-17", "--05-17"),
        ("+1 555 0100 ::: +44 20 7946 0958", "+1 555 0100 ::: +44 20 7946 0958"),
        ("Ann Lee", "Ann Lee"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_sanitize_cell(cell: str, expected: str) -> None:
    assert sanitize_cell(cell) == expected


def people() -> list[ContactDraft]:
    return [
        ContactDraft(
            display_name='=HYPERLINK("http://evil")',
            given_name="Zoë",
            family_name="Åkesson",
            emails=[
                EmailDraft("zoe@nordljus.se", "work", primary=True),
                EmailDraft("zoe@example.com", "home"),
            ],
            phones=[PhoneDraft("+46 70 123 45 67", "mobile", extension="12")],
            addresses=[
                AddressDraft(label="home", street="Storgatan 12", city="Stockholm"),
                AddressDraft(label="work", city="Uppsala"),
            ],
            tags=["vip", "design"],
            notes="line one\n@mention",
            birthday="--03-15",
            custom={"Shoe size": "38"},
            external_ids={"hubspot": "51234"},
        ),
        ContactDraft(display_name="Acme", company="Acme", is_company=True, tags=["a, b"]),
    ]


def test_write_csv_columns_and_readable_cells() -> None:
    buffer = io.StringIO(newline="")
    assert write_csv(people(), buffer, raw=True) == 2
    rows = list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    first = dict(zip(CSV_COLUMNS, rows[1], strict=True))
    assert first["Email"] == "zoe@nordljus.se ::: zoe@example.com"
    assert first["Email Label"] == "* work ::: home"
    assert first["Phone Extension"] == "12"
    assert first["Street"] == "Storgatan 12 ::: "
    assert first["City"] == "Stockholm ::: Uppsala"
    assert first["Tags"] == "vip, design"
    assert first["Custom"] == '{"Shoe size": "38"}'
    second = dict(zip(CSV_COLUMNS, rows[2], strict=True))
    assert (second["Is Company"], second["Tags"]) == ("yes", "a, b :::")


def test_write_csv_sanitizes_unless_raw() -> None:
    safe, raw = io.StringIO(newline=""), io.StringIO(newline="")
    write_csv(people(), safe)
    write_csv(people(), raw, raw=True)
    safe_row = dict(
        zip(CSV_COLUMNS, list(csv.reader(io.StringIO(safe.getvalue())))[1], strict=True)
    )
    raw_row = dict(zip(CSV_COLUMNS, list(csv.reader(io.StringIO(raw.getvalue())))[1], strict=True))
    assert safe_row["Name"] == '\'=HYPERLINK("http://evil")'
    assert safe_row["Notes"] == "line one\n'@mention"
    assert safe_row["Phone"] == "+46 70 123 45 67"
    assert safe_row["Birthday"] == "--03-15"
    assert raw_row["Name"] == '=HYPERLINK("http://evil")'
    assert raw_row["Notes"] == "line one\n@mention"


def test_raw_export_reads_back_equal() -> None:
    buffer = io.StringIO(newline="")
    write_csv(people(), buffer, raw=True)
    buffer.seek(0)
    back = read_csv(buffer)
    for original, copy in zip(people(), back, strict=True):
        assert copy.source == "generic"
        copy.source, copy.line = "", 0
        assert copy == original
