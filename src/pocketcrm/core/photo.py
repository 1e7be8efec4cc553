"""What a contact's photo may be, as typed on `add`/`edit` or in the form.

A photo is stored as vCard import stores it: a `data:image/...;base64,...` URI kept whole,
or an http(s) address (never fetched). A typed path to an image file is read once and
stored as a data: URI, so the photo travels with the database and its exports; the file
can then move or go. The type comes from the file's first bytes, not from its name.
"""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path

from pocketcrm.core import validate
from pocketcrm.core.errors import Invalid

FIELD = "photo"
# A card shows a photo small; a camera's full-size picture would make every export heavy.
MAX_BYTES = 1024 * 1024
_FORMS = "give an image file (JPEG, PNG, GIF or WebP), an http(s) address or a data: URI"
_DATA = re.compile(r"data:image/([a-z0-9.+-]+);base64,([A-Za-z0-9+/]*={0,2})", re.IGNORECASE)
_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def _image_type(head: bytes) -> str:
    """The image's media type from its first bytes, or '' when it is not one we know."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in _MAGIC if head.startswith(magic)), "")


def _too_big(size: int) -> Invalid:
    return Invalid(
        FIELD, f"the image is {size // 1024} KB; give one of at most {MAX_BYTES // 1024} KB"
    )


def _data_uri(value: str) -> str:
    packed = "".join(value.split())
    match = _DATA.fullmatch(packed)
    if match is None:
        raise Invalid(FIELD, f"is not a data:image/...;base64,... URI; {_FORMS}")
    try:
        size = len(base64.b64decode(match.group(2), validate=True))
    except (binascii.Error, ValueError):
        raise Invalid(FIELD, f"the data: URI's base64 does not decode; {_FORMS}") from None
    if size > MAX_BYTES:
        raise _too_big(size)
    return f"data:image/{match.group(1).lower()};base64,{match.group(2)}"


def _web_address(value: str) -> str:
    rest = value.split("://", 1)[1]
    if not rest or any(ch.isspace() for ch in value) or "." not in rest.split("/", 1)[0]:
        raise Invalid(FIELD, f"{value!r} is not a web address; {_FORMS}")
    return value


def _from_file(value: str) -> str:
    path = Path(value).expanduser()
    try:
        if not path.is_file():
            raise Invalid(FIELD, f"there is no file {value!r}; {_FORMS}")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise _too_big(size)
        data = path.read_bytes()
    except OSError as exc:
        raise Invalid(FIELD, f"cannot read {value!r} ({exc.strerror or exc}); {_FORMS}") from None
    kind = _image_type(data[:16])
    if not kind:
        raise Invalid(FIELD, f"{value!r} is not a JPEG, PNG, GIF or WebP image; {_FORMS}")
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def photo(value: str) -> str:
    """The stored form of a typed photo ('' clears it); Invalid names the field and the fix."""
    cleaned = validate.safe(value, FIELD).strip()
    if not cleaned:
        return ""
    lowered = cleaned.lower()
    if lowered.startswith("data:"):
        return _data_uri(cleaned)
    if lowered.startswith(("http://", "https://")):
        return _web_address(cleaned)
    return _from_file(cleaned)


def describe(value: str) -> str:
    """A photo in a few words for a card: the address, or the embedded image's type and size."""
    match = _DATA.fullmatch(value)
    if match is None:
        return value if not value.startswith("data:") else "embedded image"
    size = len(match.group(2)) * 3 // 4 - match.group(2).count("=")
    return f"{match.group(1).upper()} image, {max(1, round(size / 1024))} KB (embedded)"
