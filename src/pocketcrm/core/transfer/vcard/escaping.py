"""vCard's text escapes and line framing, both ways: what the reader undoes, the writer does.

Reading: unfold continuation lines and quoted-printable soft breaks, split on separators that
are not escaped or quoted, decode quoted-printable at the byte level. Writing: escape text and
URIs, fold at 75 octets.
"""

from __future__ import annotations

import codecs
import re

from pocketcrm.core.transfer.encoding import decode_bytes

__all__ = [
    "decode_quoted_printable",
    "escape_text",
    "escape_uri",
    "find_value_colon",
    "fold",
    "param_value",
    "split_quoted",
    "split_unescaped",
    "unescape",
    "unfold",
]

_ESCAPE = re.compile(r"\\([nN\\;,:])")
_CARET = re.compile(r"\^([n^'])")
_HEX = set("0123456789abcdefABCDEF")


def split_unescaped(text: str, sep: str) -> list[str]:
    """Split on sep where it is not preceded by a backslash escape (``\\;`` stays inside)."""
    parts: list[str] = []
    start = 0
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == sep:
            parts.append(text[start:index])
            start = index + 1
        index += 1
    parts.append(text[start:])
    return parts


def unescape(text: str) -> str:
    """Undo vCard text escapes; unknown escapes are left as typed rather than guessed at."""

    def replace(match: re.Match[str]) -> str:
        char = match.group(1)
        return "\n" if char in "nN" else char

    return _ESCAPE.sub(replace, text).replace("\r\n", "\n").replace("\r", "\n")


def split_quoted(text: str, sep: str) -> list[str]:
    """Split on sep outside double quotes (parameter values may quote ; , and :)."""
    parts: list[str] = []
    buffer: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
            buffer.append(char)
        elif char == sep and not quoted:
            parts.append("".join(buffer))
            buffer = []
        else:
            buffer.append(char)
    parts.append("".join(buffer))
    return parts


def param_value(text: str) -> str:
    value = text.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    # RFC 6868: ^n is a newline, ^' a double quote, ^^ a caret.
    return _CARET.sub(lambda m: {"n": "\n", "'": '"', "^": "^"}[m.group(1)], value)


def find_value_colon(line: str) -> int:
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return index
    return line.find(":")  # an unbalanced quote: fall back to the first colon


def _is_quoted_printable(line: str) -> bool:
    colon = line.find(":")
    head = line[:colon] if colon >= 0 else line
    return "QUOTED-PRINTABLE" in head.upper()


def decode_quoted_printable(text: str, charset: str) -> str:
    """Decode QP at the byte level, so a UTF-8 character split by a soft break survives."""
    try:
        codec = codecs.lookup(charset or "utf-8").name
    except LookupError:
        codec = "utf-8"
    data = bytearray()
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char == "=":
            pair = text[index + 1 : index + 3]
            if len(pair) == 2 and pair[0] in _HEX and pair[1] in _HEX:
                data.append(int(pair, 16))
                index += 3
                continue
            if index + 1 >= length:  # a soft break at the very end
                break
            data += b"="
        else:
            try:
                data += char.encode(codec)
            except UnicodeEncodeError:
                data += char.encode("utf-8")
        index += 1
    try:
        return bytes(data).decode(codec)
    except UnicodeDecodeError:
        return decode_bytes(bytes(data))[0]


def unfold(raw: list[tuple[int, str]], version: str) -> list[tuple[int, str]]:
    """Join folded lines and quoted-printable soft breaks into logical lines.

    A fold is a line break followed by a space or tab (3.0/4.0 drop that one character; 2.1
    keeps it). A QP value ending in "=" continues on the next line, which Android does not
    indent, so that line is taken whole.
    """
    logical: list[tuple[int, str]] = []
    qp_open = False
    for line_no, line in raw:
        if not line.strip():
            qp_open = False
            continue
        if qp_open and logical:
            start, text = logical[-1]
            text = text[:-1] + line
            logical[-1] = (start, text)
            qp_open = text.endswith("=")
            continue
        if line[0] in " \t" and logical:
            start, text = logical[-1]
            text += line if version == "2.1" else line[1:]
            logical[-1] = (start, text)
            qp_open = text.endswith("=") and _is_quoted_printable(text)
            continue
        logical.append((line_no, line))
        qp_open = line.endswith("=") and _is_quoted_printable(line)
    return logical


_NEEDS_ESCAPE = re.compile(r"[\\\r\n,;]")


def escape_text(text: str) -> str:
    if _NEEDS_ESCAPE.search(text) is None:
        return text  # most values: nothing to escape
    text = text.replace("\\", "\\\\").replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\n", "\\n").replace(",", "\\,").replace(";", "\\;")


def escape_uri(text: str) -> str:
    """URIs are not comma/semicolon-escaped; only a backslash or a line break needs care."""
    text = text.replace("\\", "\\\\").replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold to lines of at most 75 octets, never inside a UTF-8 character; end with CRLF."""
    if len(line) <= 18 or len(line.encode("utf-8")) <= 75:  # 18 characters fit in 72 octets
        return line + "\r\n"
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            chunks.append("".join(current))
            current, size, limit = [], 0, 74  # continuation lines spend one octet on the space
        current.append(char)
        size += width
    chunks.append("".join(current))
    return "\r\n ".join(chunks) + "\r\n"
