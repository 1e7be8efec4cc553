"""Guess the text encoding of an imported file.

Contact files come from phones, Google, Outlook and spreadsheets: mostly UTF-8, sometimes with
a byte-order mark, and Outlook on Windows still writes Windows-1252. Guessing wrong turns
"Müller" into "MÃ¼ller", so the rule is strict: a BOM wins, then UTF-8 if every byte of the file
decodes as UTF-8, otherwise Windows-1252 (which can decode anything, see the fallback below).
"""

from __future__ import annotations

import codecs
import os
from typing import TextIO

from pocketcrm.core.errors import Invalid

__all__ = ["decode_bytes", "detect_file_encoding", "open_text"]

_CHUNK = 64 * 1024

# Windows-1252 leaves five bytes undefined; Python's codec refuses them. Browsers (WHATWG)
# decode them as the matching C1 control characters, which is what Latin-1 does, so a stray
# byte never makes an import fail.
_CP1252_FALLBACK = "pocketcrm.cp1252-latin1"


def _latin1_for_undefined(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return bytes(bad).decode("latin-1"), error.end


codecs.register_error(_CP1252_FALLBACK, _latin1_for_undefined)

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian BOM starts with the UTF-16 one.
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _bom_encoding(head: bytes) -> str | None:
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    return None


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode a whole file's bytes; return (text, encoding name) with any BOM removed.

    The name is one of "utf-8", "utf-8-sig", "utf-16", "utf-32" or "windows-1252".
    """
    bom = _bom_encoding(data)
    if bom is not None:
        # A BOM is a deliberate statement; a bad byte after it is damage, not a different codec.
        return data.decode(bom, errors="replace"), bom
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("windows-1252", errors=_CP1252_FALLBACK), "windows-1252"


def detect_file_encoding(path: str | os.PathLike[str]) -> str:
    """Name the encoding of the file at path, reading it in chunks so size does not matter."""
    with open(path, "rb") as raw:
        head = raw.read(_CHUNK)
        bom = _bom_encoding(head)
        if bom is not None:
            return bom
        decoder = codecs.getincrementaldecoder("utf-8")()
        chunk = head
        try:
            while chunk:
                decoder.decode(chunk, final=False)
                chunk = raw.read(_CHUNK)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "windows-1252"
    return "utf-8"


def open_text(path: str | os.PathLike[str]) -> tuple[TextIO, str]:
    """Open path for streaming text reads; return (stream, encoding name).

    The stream uses newline="" so the csv module sees quoted line breaks intact (the vCard
    reader copes with any line ending). The caller closes the stream.
    """
    try:
        encoding = detect_file_encoding(path)
        if encoding == "windows-1252":
            stream = open(path, encoding=encoding, errors=_CP1252_FALLBACK, newline="")  # noqa: SIM115
        else:
            stream = open(path, encoding=encoding, errors="replace", newline="")  # noqa: SIM115
    except FileNotFoundError:
        raise Invalid("file", f"{os.fspath(path)!s} does not exist; check the path") from None
    except IsADirectoryError:
        raise Invalid("file", f"{os.fspath(path)!s} is a folder; give the path of a file") from None
    except OSError as error:
        raise Invalid("file", f"cannot read {os.fspath(path)!s}: {error.strerror}") from None
    return stream, encoding
