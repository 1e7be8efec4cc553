"""Read contact spreadsheets (Google, Outlook, HubSpot or any CSV) and write pocketcrm's own.

Every flavour is a table whose header names the columns, so each column is classified once
into a target (a draft field, or one part of an email/phone/address "slot") and every row is
then read the same way. Rows stream one at a time; row-level trouble becomes draft.problems.

flavours.py knows the other programs' columns and detects the exporter, reader.py reads rows,
writer.py writes pocketcrm's CSV and sanitize.py keeps a cell from running as a formula.
"""

from __future__ import annotations

from pocketcrm.core.transfer.csv_formats.flavours import CSV_FORMATS, MAP_FIELDS, detect_format
from pocketcrm.core.transfer.csv_formats.reader import read_csv
from pocketcrm.core.transfer.csv_formats.sanitize import sanitize_cell
from pocketcrm.core.transfer.csv_formats.writer import CSV_COLUMNS, MULTI_SEPARATOR, write_csv

__all__ = [
    "CSV_COLUMNS",
    "CSV_FORMATS",
    "MAP_FIELDS",
    "MULTI_SEPARATOR",
    "detect_format",
    "read_csv",
    "sanitize_cell",
    "write_csv",
]
