"""Encoding detection: BOMs win, then strict UTF-8 over the whole file, else Windows-1252."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from pocketcrm.core.errors import Invalid
from pocketcrm.core.transfer.encoding import decode_bytes, detect_file_encoding, open_text

FIXTURES = Path(__file__).parent / "fixtures"


def test_plain_utf8() -> None:
    assert decode_bytes("Zoë Åkesson".encode()) == ("Zoë Åkesson", "utf-8")


def test_utf8_bom_is_removed() -> None:
    assert decode_bytes(codecs.BOM_UTF8 + "Müller".encode()) == ("Müller", "utf-8-sig")


def test_utf16_with_bom() -> None:
    assert decode_bytes("Müller,ö".encode("utf-16")) == ("Müller,ö", "utf-16")
    assert decode_bytes(codecs.BOM_UTF16_BE + "Müller".encode("utf-16-be")) == (
        "Müller",
        "utf-16",
    )


def test_invalid_utf8_falls_back_to_windows_1252() -> None:
    assert decode_bytes("Müller – “quoted” €5".encode("windows-1252")) == (
        "Müller – “quoted” €5",
        "windows-1252",
    )


def test_bytes_undefined_in_windows_1252_still_decode() -> None:
    assert decode_bytes(b"a\x81b\xe9") == ("a\x81bé", "windows-1252")


def test_outlook_fixture_is_windows_1252() -> None:
    stream, encoding = open_text(FIXTURES / "outlook_1252.csv")
    with stream:
        text = stream.read()
    assert encoding == "windows-1252"
    assert "Müller & Söhne GmbH" in text


def test_google_fixture_has_a_bom() -> None:
    stream, encoding = open_text(FIXTURES / "google.csv")
    with stream:
        first = stream.readline()
    assert encoding == "utf-8-sig"
    assert first.startswith("First Name,")


def test_a_bad_byte_after_the_first_chunk_is_still_found(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    path.write_bytes(b"Name\r\n" + b"Ann\r\n" * 40_000 + "Müller\r\n".encode("windows-1252"))
    assert detect_file_encoding(path) == "windows-1252"
    stream, encoding = open_text(path)
    with stream:
        assert stream.read().endswith("Müller\r\n")
    assert encoding == "windows-1252"


def test_utf8_character_split_across_chunks_is_utf8(tmp_path: Path) -> None:
    path = tmp_path / "split.csv"
    path.write_bytes(b"x" * (64 * 1024 - 1) + "é".encode())
    assert detect_file_encoding(path) == "utf-8"


def test_missing_file_is_invalid(tmp_path: Path) -> None:
    with pytest.raises(Invalid) as caught:
        open_text(tmp_path / "nope.vcf")
    assert caught.value.field == "file"
    assert "does not exist" in caught.value.message
