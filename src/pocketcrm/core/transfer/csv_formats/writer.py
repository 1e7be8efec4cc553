"""Write pocketcrm's own CSV: one row per contact, every field in a column of its own."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import TextIO

from pocketcrm.core.transfer.csv_formats.sanitize import sanitize_cell
from pocketcrm.core.transfer.records import ContactDraft

__all__ = ["CSV_COLUMNS", "MULTI_SEPARATOR", "write_csv"]

# The columns write_csv produces, in order. Several emails, phones, addresses or websites
# share one cell joined by " ::: " (Google's convention); a label starting with "* " marks the
# primary one. Custom fields and external ids are JSON objects so any key survives.
CSV_COLUMNS: tuple[str, ...] = (
    "Name",
    "Prefix",
    "Given Name",
    "Additional Names",
    "Family Name",
    "Suffix",
    "Nickname",
    "Company",
    "Department",
    "Title",
    "Is Company",
    "Email",
    "Email Label",
    "Phone",
    "Phone Label",
    "Phone Extension",
    "Street",
    "Extended Address",
    "PO Box",
    "City",
    "Region",
    "Postcode",
    "Country",
    "Address Label",
    "Website",
    "Website Label",
    "Birthday",
    "Anniversary",
    "Tags",
    "Stage",
    "Notes",
    "Email Opt Out",
    "Do Not Contact",
    "Photo",
    "External IDs",
    "Custom",
)

MULTI_SEPARATOR = " ::: "


def _join(values: list[str]) -> str:
    return MULTI_SEPARATOR.join(values) if any(values) else ""


def _label_cell(labels: list[tuple[str, bool]]) -> str:
    return _join([f"* {label}".strip() if primary else label for label, primary in labels])


def _tags_cell(tags: list[str]) -> str:
    """Comma-separated for people; with " ::: " (trailing for a lone tag) if a tag has , or ;."""
    tags = [tag for tag in tags if tag]
    if not any("," in tag or ";" in tag for tag in tags):
        return ", ".join(tags)
    joined = MULTI_SEPARATOR.join(tags)
    return joined + MULTI_SEPARATOR.rstrip() if len(tags) == 1 else joined


def _row(draft: ContactDraft) -> list[str]:
    addresses = draft.addresses
    cells = {
        "Name": draft.display_name,
        "Prefix": draft.prefix,
        "Given Name": draft.given_name,
        "Additional Names": draft.additional_names,
        "Family Name": draft.family_name,
        "Suffix": draft.suffix,
        "Nickname": draft.nickname,
        "Company": draft.company,
        "Department": draft.department,
        "Title": draft.title,
        "Is Company": "yes" if draft.is_company else "",
        "Email": _join([email.address for email in draft.emails]),
        "Email Label": _label_cell([(email.label, email.primary) for email in draft.emails]),
        "Phone": _join([phone.number for phone in draft.phones]),
        "Phone Label": _label_cell([(phone.label, phone.primary) for phone in draft.phones]),
        "Phone Extension": _join([phone.extension for phone in draft.phones]),
        "Street": _join([address.street for address in addresses]),
        "Extended Address": _join([address.extended for address in addresses]),
        "PO Box": _join([address.po_box for address in addresses]),
        "City": _join([address.city for address in addresses]),
        "Region": _join([address.region for address in addresses]),
        "Postcode": _join([address.postcode for address in addresses]),
        "Country": _join([address.country for address in addresses]),
        "Address Label": _join([address.label for address in addresses]),
        "Website": _join([site.url for site in draft.websites]),
        "Website Label": _join([site.label for site in draft.websites]),
        "Birthday": draft.birthday,
        "Anniversary": draft.anniversary,
        "Tags": _tags_cell(draft.tags),
        "Stage": draft.stage,
        "Notes": draft.notes,
        "Email Opt Out": "yes" if draft.email_opt_out else "",
        "Do Not Contact": "yes" if draft.do_not_contact else "",
        "Photo": draft.photo,
        "External IDs": json.dumps(draft.external_ids, ensure_ascii=False)
        if draft.external_ids
        else "",
        "Custom": json.dumps(draft.custom, ensure_ascii=False) if draft.custom else "",
    }
    return [cells[column] for column in CSV_COLUMNS]


def write_csv(drafts: Iterable[ContactDraft], stream: TextIO, *, raw: bool = False) -> int:
    """Write a header and one row per draft; return the number of rows.

    By default cells are passed through sanitize_cell so the file is safe to open in a
    spreadsheet; raw=True writes values exactly, for a lossless export to re-import.
    Open the stream with newline="" (and encoding="utf-8-sig" if Excel will open it).
    """
    writer = csv.writer(stream)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for draft in drafts:
        row = _row(draft)
        writer.writerow(row if raw else [sanitize_cell(cell) for cell in row])
        count += 1
    return count
