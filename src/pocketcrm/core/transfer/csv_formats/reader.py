"""Read contact spreadsheets row by row into ContactDraft records.

The header is classified once (flavours.py), so each row is one pass over its cells; rows
stream one at a time and row-level trouble becomes draft.problems, never an exception.
"""

from __future__ import annotations

import csv
import functools
import itertools
import json
import re
from collections.abc import Iterator
from typing import TextIO

from pocketcrm.core.errors import Invalid
from pocketcrm.core.transfer.csv_formats.flavours import (
    CSV_FORMATS,
    HUBSPOT_STAGES,
    MAP_FIELDS,
    OUTLOOK_DEFAULTS,
    Target,
    detect_format,
    normalize_header,
    resolve_field,
    target_for,
)
from pocketcrm.core.transfer.records import (
    AddressDraft,
    ContactDraft,
    EmailDraft,
    PhoneDraft,
    WebsiteDraft,
)
from pocketcrm.core.transfer.vocabulary import canonical_label, display_name_for, normalize_date

__all__ = ["read_csv"]

_MULTI_SPLIT = re.compile(r"\s*:::\s*")
_FIELD_LIMIT = 64 * 1024 * 1024  # inline photos make cells far larger than csv's 128 KiB default


def _plan(fmt: str, header: list[str], mapping: dict[str, str] | None) -> list[Target | None]:
    """Classify every column once; --map entries override, clashing slots get their own."""
    plan = [target_for(fmt, normalize_header(name)) for name in header]
    for column, field_name in (mapping or {}).items():
        if column in header:
            index = header.index(column)
        else:
            folded = [name.casefold() for name in header]
            if column.strip().casefold() not in folded:
                raise Invalid(
                    "map",
                    f"no column named {column!r}; the file's columns are: " + ", ".join(header),
                )
            index = folded.index(column.strip().casefold())
        target = resolve_field(field_name)
        if target is None:
            raise Invalid(
                "map",
                f"unknown field {field_name!r} for column {column!r}; valid fields: "
                + ", ".join(MAP_FIELDS),
            )
        if target.kind == "custom":
            target = Target("custom", header[index] or f"column {index + 1}")
        plan[index] = target
    seen: set[tuple[str, str, str]] = set()
    for index, target in enumerate(plan):
        if target is None or target.kind not in ("email", "phone", "address", "website"):
            continue
        key = (target.kind, target.slot, target.part)
        if key in seen:
            target = Target(target.kind, target.part, f"column {index + 1}", target.label)
            plan[index] = target
            key = (target.kind, target.slot, target.part)
        seen.add(key)
    return plan


def _sniff_delimiter(line: str) -> str:
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda key: counts[key])
    return best if counts[best] else ","


def _split_multi(cell: str, separator: str = "") -> list[str]:
    if ":::" not in cell and not separator:
        return [cell.strip()]  # the common case, without a regex
    pieces = _MULTI_SPLIT.split(cell)
    if separator:
        pieces = [part for piece in pieces for part in piece.split(separator)]
    return [piece.strip() for piece in pieces]


_ASCII_THREE_DIGITS = re.compile(r"(?:[^0-9]*[0-9]){3}")


def _three_digits(value: str) -> bool:
    """Whether VALUE has at least three digits (str.isdigit); one regex for ASCII text."""
    if value.isascii():
        return _ASCII_THREE_DIGITS.match(value) is not None
    return sum(char.isdigit() for char in value) >= 3


_TRUE = {"yes", "y", "true", "t", "1", "x"}
_FALSE = {"", "no", "n", "false", "f", "0"}
_GOOGLE_SYSTEM_GROUPS = {"mycontacts", "my contacts", "starred", "starred in android"}
_SLASH_DATE = re.compile(r"(\d{1,2})([/.])(\d{1,2})[/.](\d{2}|\d{4})")
_ZERO_DATE = re.compile(r"[0\W_]*")


_SLOT_KINDS = frozenset(("email", "phone", "address", "website", "pair"))
_canonical_label = functools.lru_cache(maxsize=4096)(canonical_label)  # few distinct labels


class _Layout:
    """The column plan worked out once per header, so each row is one pass over its cells:
    column names, targets, the Outlook default a column may hold, and the email, phone,
    address, website and pair slots in the order their first column comes."""

    def __init__(self, header: list[str], plan: list[Target | None]) -> None:
        self.columns = [name or f"column {index + 1}" for index, name in enumerate(header)]
        self.targets = list(plan) + [None] * (len(header) - len(plan))
        self.defaults = [
            OUTLOOK_DEFAULTS.get(normalize_header(column)) if target is None else None
            for column, target in zip(self.columns, self.targets, strict=True)
        ]
        self.slot_keys: list[tuple[str, str] | None] = []
        self.slots: dict[tuple[str, str], list[tuple[int, Target]]] = {}
        for index, target in enumerate(self.targets):
            if target is not None and target.kind in _SLOT_KINDS:
                key = (target.kind, target.slot)
                self.slot_keys.append(key)
                self.slots.setdefault(key, []).append((index, target))
            else:
                self.slot_keys.append(None)
        # Each slot's target when the row reaches all its columns (nearly every row): the
        # value column's, else the first column's. build_items works it out for short rows.
        self.full: dict[tuple[str, str], tuple[int, Target]] = {}
        for key, members in self.slots.items():
            values = [member for _, member in members if member.part == "value"]
            self.full[key] = (members[-1][0], values[-1] if values else members[0][1])


class _RowReader:
    """Reads one data row into a draft; knows the format only where formats differ."""

    def __init__(self, fmt: str, row_no: int) -> None:
        self.fmt = fmt
        self.row_no = row_no
        self.draft = ContactDraft(line=row_no, source=fmt)

    def note(self, message: str) -> None:
        self.draft.problems.append(f"row {self.row_no}: {message}")

    def read(self, layout: _Layout, row: list[str]) -> ContactDraft:
        columns, targets, slot_keys = layout.columns, layout.targets, layout.slot_keys
        known = len(columns)
        parts: dict[tuple[str, str], dict[str, str]] = {}
        for index, cell in enumerate(row):
            value = cell.strip()
            if not value:
                continue  # an empty cell feeds nothing, whatever its column
            if index >= known:
                self.draft.add_custom(f"column {index + 1}", value)
                continue
            target = targets[index]
            if target is None:
                if layout.defaults[index] != value.lower():
                    self.draft.add_custom(columns[index], value)
                continue
            key = slot_keys[index]
            if key is not None:
                found = parts.get(key)
                if found is None:
                    parts[key] = {target.part: cell}
                else:
                    found[target.part] = cell
                continue
            kind = target.kind
            if kind == "attr":
                current = getattr(self.draft, target.part)
                if not current:
                    setattr(self.draft, target.part, value)
                elif current != value:
                    self.draft.add_custom(columns[index], value)
            elif kind != "ignore":
                self.take(columns[index], target, value)
        if parts:
            self.build_items(layout, parts, len(row))
        self.finish()
        return self.draft

    def take(self, column: str, target: Target, value: str) -> None:
        """A non-empty, stripped cell of a column that is not an email/phone/address slot."""
        kind = target.kind
        if kind == "date":
            self.take_date(column, target.part, value)
        elif kind == "tags":
            self.take_tags(value)
        elif kind == "stage":
            self.take_stage(column, target.part, value)
        elif kind == "flag":
            self.take_flag(column, target.part, value)
        elif kind == "external":
            self.draft.external_ids.setdefault(target.part, value)
        elif kind == "custom":
            self.draft.add_custom(target.part, value)
        elif kind in ("custom_json", "external_json"):
            self.take_json(column, kind, value)

    def take_date(self, column: str, attr: str, value: str) -> None:
        if _ZERO_DATE.fullmatch(value):
            return  # Outlook's 0/0/00, Google's 0000-00-00: no date was ever entered
        parsed, reason = _parse_date(value, self.fmt)
        if parsed is None:
            self.note(f"{attr} {value!r} {reason}; kept in custom field {column!r}")
            self.draft.add_custom(column, value)
        elif getattr(self.draft, attr) and getattr(self.draft, attr) != parsed:
            self.draft.add_custom(column, value)
        else:
            setattr(self.draft, attr, parsed)

    def take_tags(self, value: str) -> None:
        if self.fmt == "google":
            pieces = _split_multi(value)
            pieces = [
                piece
                for piece in pieces
                if not piece.startswith("*")
                and not piece.lower().startswith("system group:")
                and piece.lower() not in _GOOGLE_SYSTEM_GROUPS
            ]
        elif self.fmt == "outlook":
            pieces = [piece.strip() for piece in value.split(";")]
        elif ":::" in value:
            pieces = _split_multi(value)
        else:
            pieces = [piece.strip() for piece in re.split(r"[,;]", value)]
        for tag in pieces:
            if tag and tag not in self.draft.tags:
                self.draft.tags.append(tag)

    def take_stage(self, column: str, flavour: str, value: str) -> None:
        if flavour == "hubspot":
            stage = HUBSPOT_STAGES.get(re.sub(r"[^a-z]", "", value.lower()), "")
            if not stage:
                self.draft.add_custom(column, value)
                return
        else:
            stage = re.sub(r"[\s-]+", "_", value.lower())
        if not self.draft.stage:
            self.draft.stage = stage

    def take_flag(self, column: str, attr: str, value: str) -> None:
        lowered = value.lower()
        if lowered in _TRUE:
            setattr(self.draft, attr, True)
        elif lowered not in _FALSE:
            self.note(f"{column} {value!r} is not yes or no; kept in custom field {column!r}")
            self.draft.add_custom(column, value)

    def take_json(self, column: str, kind: str, value: str) -> None:
        parsed: object = None
        if value.startswith("{"):
            try:
                parsed = json.loads(value)
            except ValueError:
                parsed = None
        if not isinstance(parsed, dict) or not all(
            isinstance(v, str) and isinstance(k, str) for k, v in parsed.items()
        ):
            if kind == "external_json":
                self.note(f"{column} is not a JSON object of ids; kept in custom field {column!r}")
            self.draft.add_custom(column, value)
            return
        target = self.draft.external_ids if kind == "external_json" else self.draft.custom
        for key, item in parsed.items():
            target.setdefault(key, item)

    # -- emails, phones, addresses, websites -------------------------------------------------

    def build_items(
        self, layout: _Layout, parts: dict[tuple[str, str], dict[str, str]], width: int
    ) -> None:
        for key, members in layout.slots.items():
            found = parts.get(key)
            if found is None:
                continue
            # The slot's target: its value column's (the last one the row reaches), else the
            # first of its columns the row reaches.
            last, full = layout.full[key]
            target: Target | None = full
            if last >= width:
                target = None
                for index, member in members:
                    if index >= width:
                        break
                    if member.part == "value" or target is None:
                        target = member
            if target is None:
                continue
            kind, name = key
            if kind == "address":
                self.build_addresses(found, target)
            elif kind == "pair":
                self.build_pair(name, found, target)
            else:
                self.build_values(kind, found, target)

    def build_values(self, kind: str, parts: dict[str, str], target: Target) -> None:
        values = _split_multi(parts.get("value", ""), target.separator)
        labels = _labels_for(values, parts.get("label", ""), target)
        extensions = _split_multi(parts["extension"]) if "extension" in parts else []
        for index, value in enumerate(values):
            if not value:
                continue
            label, primary = labels[index]
            if kind == "email":
                if "@" not in value:
                    self.note(f"email {value!r} has no @")
                self.draft.emails.append(EmailDraft(address=value, label=label, primary=primary))
            elif kind == "phone":
                if not _three_digits(value):
                    self.note(f"phone {value!r} is not a number")
                extension = extensions[index] if index < len(extensions) else ""
                self.draft.phones.append(
                    PhoneDraft(number=value, label=label, primary=primary, extension=extension)
                )
            else:
                self.draft.websites.append(WebsiteDraft(url=value, label=label))

    def build_addresses(self, parts: dict[str, str], target: Target) -> None:
        split = {part: _split_multi(cell) for part, cell in parts.items()}
        count = max((len(pieces) for name, pieces in split.items() if name != "label"), default=0)
        labels = _labels_cached(count, parts.get("label", ""), target)
        empty: list[str] = []
        streets = [split.get(name, empty) for name in ("street", "street2", "street3")]
        city, region, postcode, country, po_box, extended = (
            split.get(name, empty)
            for name in ("city", "region", "postcode", "country", "po_box", "extended")
        )
        for index in range(count):
            street = "\n".join(
                pieces[index] for pieces in streets if index < len(pieces) and pieces[index]
            )
            address = AddressDraft(
                label=labels[index][0],
                street=street,
                city=city[index] if index < len(city) else "",
                region=region[index] if index < len(region) else "",
                postcode=postcode[index] if index < len(postcode) else "",
                country=country[index] if index < len(country) else "",
                po_box=po_box[index] if index < len(po_box) else "",
                extended=extended[index] if index < len(extended) else "",
            )
            fields = (street, address.city, address.region, address.postcode, address.country)
            if not any(fields) and not address.po_box and not address.extended:
                # Only Google's one-line "Formatted" address was filled in: keep it as the street.
                formatted = split.get("formatted", empty)
                address.street = formatted[index] if index < len(formatted) else ""
            if any(fields) or address.street or address.po_box or address.extended:
                self.draft.addresses.append(address)

    def build_pair(self, slot: str, parts: dict[str, str], target: Target) -> None:
        value = parts.get("value", "").strip()
        if not value:
            return
        label = parts.get("label", "").strip()
        if target.label == "event" and canonical_label(label) in ("anniversary", "birthday"):
            attr = "anniversary" if canonical_label(label) == "anniversary" else "birthday"
            self.take_date(f"{slot} - Value", attr, value)
            return
        self.draft.add_custom(label or slot, value)

    def finish(self) -> None:
        draft = self.draft
        if not draft.display_name:
            person = (
                draft.given_name,
                draft.family_name,
                draft.additional_names,
                draft.prefix,
                draft.suffix,
                draft.nickname,
            )
            if not any(person) and draft.company:
                draft.is_company = True
                draft.display_name = draft.company
            else:
                draft.display_name = display_name_for(draft)
        if not draft.display_name:
            self.note("no name, company, email or phone")


def _labels_for(values: list[str], cell: str, target: Target) -> tuple[tuple[str, bool], ...]:
    """Pair labels with values: one label per value, or Google's one label for the whole cell.

    A label starting with "*" marks the primary; a shared "* Work" makes only the first primary.
    """
    return _labels_cached(len(values), cell, target)


@functools.lru_cache(maxsize=4096)  # label cells repeat ("Work", "* Mobile"): few distinct
def _labels_cached(count: int, cell: str, target: Target) -> tuple[tuple[str, bool], ...]:
    return tuple(_labels_uncached(count, cell, target))


def _labels_uncached(count: int, cell: str, target: Target) -> list[tuple[str, bool]]:
    pieces = _split_multi(cell) if cell.strip() else []
    if not pieces:
        default = (target.label, target.primary)
        return [default] + [(target.label, False)] * max(count - 1, 0)

    def parse(piece: str) -> tuple[str, bool]:
        if piece.startswith("*"):
            return _canonical_label(piece[1:]), True
        return _canonical_label(piece), False

    if len(pieces) == 1 and count > 1:
        label, primary = parse(pieces[0])
        return [(label, primary)] + [(label, False)] * (count - 1)
    parsed = [parse(piece) for piece in pieces]
    return parsed + [("", False)] * max(count - len(parsed), 0)


def _parse_date(value: str, fmt: str) -> tuple[str | None, str]:
    """Return (date or None, why not). Slash dates are month first, as Outlook writes them."""
    parsed = normalize_date(value)
    if parsed is not None:
        return parsed, ""
    match = _SLASH_DATE.fullmatch(value)
    if match is None:
        return None, "is not a date"
    first, separator, second, year = match.groups()
    if len(year) == 2:
        return None, "has a two-digit year"
    a, b = int(first), int(second)
    if separator == "." or a > 12:  # 17.05.1980 is day first wherever it is written
        day, month = a, b
    elif b > 12 or a == b or fmt == "outlook":
        month, day = a, b
    else:
        return None, "could be day/month or month/day; write it as YYYY-MM-DD"
    return normalize_date(f"{year}-{month:02d}-{day:02d}"), "is not a date"


def read_csv(
    stream: TextIO, fmt: str | None = None, mapping: dict[str, str] | None = None
) -> Iterator[ContactDraft]:
    """Read contacts row by row. fmt None detects the format from the header.

    The header is read (and fmt and mapping checked) at call time, so a wrong file fails
    before anything is imported; rows are read lazily as the result is iterated.
    """
    if fmt is not None and fmt not in CSV_FORMATS:
        raise Invalid("format", f"unknown CSV format {fmt!r}; use one of {', '.join(CSV_FORMATS)}")
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))
    first = stream.readline()
    while first and not first.strip():
        first = stream.readline()
    if not first:
        raise Invalid("file", "the CSV file is empty; it needs a header row naming the columns")
    reader = csv.reader(itertools.chain([first], stream), delimiter=_sniff_delimiter(first))
    try:
        header = [name.strip().lstrip("\ufeff").strip() for name in next(reader)]
    except csv.Error as error:
        raise Invalid("file", f"the header row is not valid CSV ({error})") from None
    chosen = fmt or detect_format(header)
    plan = _plan(chosen, header, mapping)
    return _read_rows(reader, header, plan, chosen)


def _read_rows(
    reader: Iterator[list[str]], header: list[str], plan: list[Target | None], fmt: str
) -> Iterator[ContactDraft]:
    layout = _Layout(header, plan)
    row_no = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise Invalid(
                "file", f"row {row_no + 1} is not valid CSV ({error}); check its quotes"
            ) from None
        row_no += 1
        if not any(cell.strip() for cell in row):
            continue
        yield _RowReader(fmt, row_no).read(layout, row)
