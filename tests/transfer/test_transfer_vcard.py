"""The vCard reader and writer against files that reproduce what real exporters write."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest

from pocketcrm.core.errors import Invalid
from pocketcrm.core.transfer.encoding import open_text
from pocketcrm.core.transfer.records import (
    AddressDraft,
    ContactDraft,
    EmailDraft,
    PhoneDraft,
    WebsiteDraft,
)
from pocketcrm.core.transfer.vcard import (
    canonical_label,
    normalize_date,
    read_vcard_text,
    read_vcards,
    write_vcard,
    write_vcards,
)

FIXTURES = Path(__file__).parent / "fixtures"
PHOTO_B64 = base64.b64encode((FIXTURES / "photo.jpg").read_bytes()).decode("ascii")


def read_fixture(name: str) -> list[ContactDraft]:
    stream, _encoding = open_text(FIXTURES / name)
    with stream:
        return list(read_vcards(stream))


@pytest.fixture(scope="module")
def apple() -> list[ContactDraft]:
    return read_fixture("apple_3_0.vcf")


@pytest.fixture(scope="module")
def android() -> list[ContactDraft]:
    return read_fixture("android_2_1.vcf")


@pytest.fixture(scope="module")
def v4() -> list[ContactDraft]:
    return read_fixture("vcard_4_0.vcf")


# -- Apple (3.0) ------------------------------------------------------------------------------


def test_apple_names_with_diacritics(apple: list[ContactDraft]) -> None:
    zoe = apple[0]
    assert (zoe.display_name, zoe.given_name, zoe.family_name) == (
        "Zoë Åkesson",
        "Zoë",
        "Åkesson",
    )
    assert (zoe.company, zoe.department, zoe.title) == ("Nordljus AB", "Design", "Art Director")
    assert zoe.line == 1
    assert zoe.source == "vcard"
    assert zoe.problems == []


def test_apple_group_labels_apply_to_the_grouped_property(apple: list[ContactDraft]) -> None:
    zoe = apple[0]
    assert zoe.emails == [
        EmailDraft("zoe@nordljus.se", "work", primary=True),
        EmailDraft("zoe.akesson@example.com", "home", primary=False),
    ]
    assert zoe.phones == [
        PhoneDraft("+46 70 123 45 67", "mobile", primary=True),
        PhoneDraft("+46 8 555 010 10", "Studio Stockholm"),
        PhoneDraft("+46 8 555 010 00", "work"),
    ]
    assert zoe.websites == [WebsiteDraft("https://nordljus.se", "homepage")]


def test_apple_address_keeps_escaped_comma_and_drops_country_code(
    apple: list[ContactDraft],
) -> None:
    assert apple[0].addresses == [
        AddressDraft(
            label="home",
            street="Storgatan 12, lgh 1102",
            city="Stockholm",
            postcode="111 22",
            country="Sweden",
        )
    ]


def test_apple_year_1604_means_birthday_without_year(apple: list[ContactDraft]) -> None:
    assert apple[0].birthday == "--03-15"


def test_apple_anniversary_from_labelled_abdate(apple: list[ContactDraft]) -> None:
    assert apple[0].anniversary == "2010-06-12"


def test_multiline_note_with_commas_and_semicolons(apple: list[ContactDraft]) -> None:
    assert apple[0].notes == (
        "Met at Formex, Stockholm.\nPrefers email, not calls.\nLikes: coffee; fika, and cake."
    )


def test_categories_uid_and_unmapped_x_properties(apple: list[ContactDraft]) -> None:
    zoe = apple[0]
    assert zoe.tags == ["Design", "VIP"]
    assert zoe.external_ids == {"vcard_uid": "8F1B2C3D-0000-4000-8000-ABCDEF123456"}
    assert zoe.custom == {
        "X-ABRELATEDNAMES (Spouse)": "Erik",
        "X-SOCIALPROFILE": "https://linkedin.com/in/zoe",
    }


def test_inline_base64_photo_kept_byte_for_byte(apple: list[ContactDraft]) -> None:
    assert apple[0].photo == f"data:image/jpeg;base64,{PHOTO_B64}"
    encoded = apple[0].photo.split(",", 1)[1]
    assert base64.b64decode(encoded) == (FIXTURES / "photo.jpg").read_bytes()


def test_apple_show_as_company(apple: list[ContactDraft]) -> None:
    company = apple[1]
    assert company.is_company is True
    assert (company.display_name, company.company, company.department) == (
        "Nordljus AB",
        "Nordljus AB",
        "",
    )
    assert company.line == 54


# -- Android (2.1) ----------------------------------------------------------------------------


def test_quoted_printable_names(android: list[ContactDraft]) -> None:
    jurgen = android[0]
    assert (jurgen.display_name, jurgen.given_name, jurgen.family_name, jurgen.prefix) == (
        "Dr. Jürgen Müller",
        "Jürgen",
        "Müller",
        "Dr.",
    )


def test_quoted_printable_soft_break_inside_a_utf8_character(
    android: list[ContactDraft],
) -> None:
    # "Gr=C3=" / "=BC=C3=9Fe": the ü is split across the soft line break.
    assert android[0].notes == (
        "Kaffee, Kuchen und Grüße aus Köln, bitte.\nZweite Zeile, mit Kommas, und mehr Text."
    )


def test_v21_bare_types_and_pref(android: list[ContactDraft]) -> None:
    assert android[0].phones == [
        PhoneDraft("+49 151 2345 6789", "mobile", primary=True),
        PhoneDraft("030 1234567", "home"),
    ]
    assert android[0].emails == [EmailDraft("juergen@example.de", "home")]


def test_v21_bare_commas_are_not_separators(android: list[ContactDraft]) -> None:
    assert android[0].addresses == [
        AddressDraft(
            label="home",
            street="Hauptstraße 5, Hinterhaus",
            city="Berlin",
            postcode="10115",
            country="Germany",
        )
    ]


def test_v21_indented_base64_photo(android: list[ContactDraft]) -> None:
    assert android[0].photo == f"data:image/jpeg;base64,{PHOTO_B64}"


def test_bare_quoted_printable_param_and_latin1_charset(android: list[ContactDraft]) -> None:
    rene = android[1]
    assert (rene.display_name, rene.given_name, rene.family_name) == (
        "René François",
        "René",
        "François",
    )
    assert rene.notes == "Café, crème, et = égalité"
    assert rene.line == 39


# -- vCard 4.0 --------------------------------------------------------------------------------


def test_altid_variants_keep_one_name(v4: list[ContactDraft]) -> None:
    sato = v4[0]
    assert (sato.display_name, sato.given_name, sato.family_name) == (
        "Hiroshi Sato",
        "Hiroshi",
        "Sato",
    )
    assert sato.custom == {"X-SHOE-SIZE": "42, wide"}


def test_tel_uri_with_extension_and_pref_param(v4: list[ContactDraft]) -> None:
    assert v4[0].phones == [
        PhoneDraft("+1-555-555-0100", "work", primary=True, extension="42"),
        PhoneDraft("+1-555-555-0199", "mobile text"),
    ]
    assert v4[0].emails == [EmailDraft("hiroshi@example.com", "work", primary=True)]


def test_v4_dates_without_year_and_basic_format(v4: list[ContactDraft]) -> None:
    assert (v4[0].birthday, v4[0].anniversary) == ("--05-17", "2010-06-12")


def test_v4_data_uri_photo_unfolded_whole(v4: list[ContactDraft]) -> None:
    # Normalised here because git may check the fixture out with LF line ends.
    text = (FIXTURES / "vcard_4_0.vcf").read_bytes().decode("utf-8").replace("\r\n", "\n")
    start = text.index("PHOTO:") + len("PHOTO:")
    expected = text[start : text.index("\nURL")].replace("\n ", "")
    assert v4[0].photo == expected
    assert v4[0].photo.startswith("data:image/png;base64,iVBOR")


def test_v4_url_and_categories(v4: list[ContactDraft]) -> None:
    assert v4[0].websites == [WebsiteDraft("https://hiroshi.example.com/a,b;c", "home")]
    assert v4[0].tags == ["Partners", "Tokyo, Japan"]


def test_kind_org_is_a_company_and_url_photo_kept(v4: list[ContactDraft]) -> None:
    acme = v4[1]
    assert acme.is_company is True
    assert (acme.display_name, acme.company) == ("Acme Corporation", "Acme Corporation")
    assert acme.photo == "https://acme.example/logo.png?size=large&v=2"


# -- broken input -----------------------------------------------------------------------------


def test_broken_cards_become_problems_not_errors() -> None:
    half, second = read_fixture("broken.vcf")
    assert half.display_name == "Half Card"
    assert half.phones == [PhoneDraft("12")]
    assert half.problems == [
        "line 1: text outside any card was ignored",
        "line 5: 'this line has no colon' is not a vCard property; ignored",
        "line 6: phone '12' is not a number",
        "line 2: card has no END:VCARD; read up to where it stops",
    ]
    assert second.display_name == "Second Card"
    assert second.custom == {"BDAY": "not-a-date"}
    assert second.problems == [
        "line 10: birthday 'not-a-date' is not a date; kept in custom field 'BDAY'",
        "line 12: text outside any card was ignored",
    ]


def test_a_file_without_cards_is_invalid() -> None:
    with pytest.raises(Invalid) as caught:
        list(read_vcard_text("Name,Email\nAnn,ann@example.com\n"))
    assert caught.value.field == "file"
    assert ".vcf" in caught.value.message


def test_lf_cr_and_crlf_line_ends_read_alike() -> None:
    card = "BEGIN:VCARD\nVERSION:3.0\nFN:Ann\n  Lee\nNOTE:a\\, b\nEND:VCARD\n"
    results = [next(read_vcard_text(card.replace("\n", ending))) for ending in ("\n", "\r\n", "\r")]
    assert [(d.display_name, d.notes) for d in results] == [("Ann Lee", "a, b")] * 3


def test_streams_card_by_card() -> None:
    def lines() -> Iterator[str]:
        yield "BEGIN:VCARD\r\n"
        yield "FN:First\r\n"
        yield "END:VCARD\r\n"
        yield "BEGIN:VCARD\r\n"
        raise AssertionError("read past the first card before it was asked for")

    cards = read_vcards(lines())
    assert next(cards).display_name == "First"


def test_2_1_unfolding_keeps_the_space() -> None:
    card = "BEGIN:VCARD\r\nVERSION:2.1\r\nNOTE:one\r\n two\r\nEND:VCARD\r\n"
    (draft,) = read_vcard_text(card)
    assert draft.notes == "one two"


def test_language_variant_without_altid_and_nickname() -> None:
    card = (
        "BEGIN:VCARD\nVERSION:3.0\nFN;LANGUAGE=de:Jürgen Müller\nFN:Juergen Mueller\n"
        "N;LANGUAGE=de:Müller;Jürgen;;;\nN:Mueller;Juergen;;;\nNICKNAME:Jo,Jojo\nEND:VCARD\n"
    )
    (draft,) = read_vcard_text(card)
    assert (draft.display_name, draft.given_name, draft.family_name) == (
        "Juergen Mueller",
        "Juergen",
        "Mueller",
    )
    assert draft.nickname == "Jo,Jojo"
    assert draft.custom == {}


def test_kind_group_is_noted() -> None:
    card = "BEGIN:VCARD\nVERSION:4.0\nKIND:group\nFN:Team\nEND:VCARD\n"
    (draft,) = read_vcard_text(card)
    assert draft.problems == ["line 3: this card is a contact group; its members are not imported"]


def test_labels_and_dates_helpers() -> None:
    assert canonical_label("_$!<Mobile>!$_") == "mobile"
    assert canonical_label("CELL") == "mobile"
    assert canonical_label(" Bureau Paris ") == "Bureau Paris"
    assert normalize_date("19800517") == "1980-05-17"
    assert normalize_date("1980-05-17T00:00:00Z") == "1980-05-17"
    assert normalize_date("--0229") == "--02-29"
    assert normalize_date("--05-17") == "--05-17"
    assert normalize_date("1604-03-15") == "--03-15"
    assert normalize_date("1980-02-30") is None


# -- writing ----------------------------------------------------------------------------------


def sample() -> ContactDraft:
    return ContactDraft(
        display_name="Zoë Åkesson",
        given_name="Zoë",
        family_name="Åkesson",
        emails=[EmailDraft("zoe@nordljus.se", "work", primary=True)],
        phones=[
            PhoneDraft("+46 70 123 45 67", "mobile"),
            PhoneDraft("+1 555 0100", "Studio", extension="42"),
        ],
        addresses=[AddressDraft(label="home", street="Storgatan 12, lgh 1102", city="Stockholm")],
        company="Nordljus AB",
        birthday="--03-15",
        notes="Line one, with comma; and semicolon\nLine two \\ backslash " + "ö" * 60,
        tags=["VIP", "Design, Nordic"],
        external_ids={"vcard_uid": "abc-123", "hubspot": "101"},
        custom={"X-SHOE-SIZE": "38", "Business Fax": "+46 8 555 010 99"},
        stage="customer",
        photo=f"data:image/jpeg;base64,{PHOTO_B64}",
    )


def test_written_lines_are_crlf_and_at_most_75_octets() -> None:
    for version in ("4.0", "3.0"):
        text = write_vcard(sample(), version)
        assert text.endswith("END:VCARD\r\n")
        lines = text.split("\r\n")[:-1]
        assert all("\n" not in line and "\r" not in line for line in lines)
        assert max(len(line.encode("utf-8")) for line in lines) <= 75


def test_v4_writer_output() -> None:
    text = write_vcard(sample(), "4.0").replace("\r\n ", "")
    assert "FN:Zoë Åkesson\r\n" in text
    assert "N:Åkesson;Zoë;;;\r\n" in text
    assert "EMAIL;TYPE=work;PREF=1:zoe@nordljus.se\r\n" in text
    assert "TEL;TYPE=cell:+46 70 123 45 67\r\n" in text
    assert "item1.TEL;VALUE=uri:tel:+1%20555%200100;ext=42\r\nitem1.X-ABLabel:Studio\r\n" in text
    assert "ADR;TYPE=home:;;Storgatan 12\\, lgh 1102;Stockholm;;;\r\n" in text
    assert "BDAY:--0315\r\n" in text
    assert "NOTE:Line one\\, with comma\\; and semicolon\\nLine two \\\\ backslash" in text
    assert "CATEGORIES:VIP,Design\\, Nordic\r\n" in text
    assert "UID:abc-123\r\n" in text
    assert f"PHOTO:data:image/jpeg;base64,{PHOTO_B64}\r\n" in text
    assert "X-SHOE-SIZE:38\r\n" in text
    assert "X-POCKETCRM-FIELD:+46 8 555 010 99\r\nitem3.X-ABLabel:Business Fax\r\n" in text


def test_v3_writer_uses_apple_conventions() -> None:
    draft = sample()
    draft.is_company = True
    text = write_vcard(draft, "3.0").replace("\r\n ", "")
    assert "BDAY;X-APPLE-OMIT-YEAR=1604:1604-03-15\r\n" in text
    assert "EMAIL;TYPE=work,pref:zoe@nordljus.se\r\n" in text
    assert f"PHOTO;ENCODING=b;TYPE=JPEG:{PHOTO_B64}\r\n" in text
    assert "X-ABShowAs:COMPANY\r\n" in text
    assert "KIND" not in text


def test_written_cards_read_back() -> None:
    for version in ("4.0", "3.0"):
        (back,) = read_vcard_text(write_vcard(sample(), version))
        expected = sample()
        expected.source = "vcard"
        expected.line = 1
        assert back == expected


def test_write_vcards_streams_and_rejects_unknown_versions() -> None:
    cards = list(write_vcards([sample(), ContactDraft(display_name="Ann")], "3.0"))
    assert len(cards) == 2
    assert [d.display_name for d in read_vcard_text("".join(cards))] == ["Zoë Åkesson", "Ann"]
    with pytest.raises(Invalid):
        write_vcard(sample(), "2.1")
