"""Read and write vCard (2.1, 3.0 and 4.0) as ContactDraft records, with no database.

Hand-written rather than vobject because real exports bend the standards in ways a strict
parser throws away: Android's quoted-printable soft breaks that split UTF-8 characters, Apple's
item groups with X-ABLabel, the year 1604 that means "no year", inline photos. The reader is
lenient (a broken card becomes a draft with problems, never an exception) and streams card by
card; the writer is strict so other programs read what it writes.

reader.py reads, writer.py writes, escaping.py holds the text escapes and line framing both
share, types.py the TYPE parameters; labels and dates every format shares live in
transfer/vocabulary.py (re-exported here, where callers have always found them).
"""

from __future__ import annotations

from pocketcrm.core.transfer.vcard.reader import read_vcard_text, read_vcards
from pocketcrm.core.transfer.vcard.writer import VCARD_VERSIONS, write_vcard, write_vcards
from pocketcrm.core.transfer.vocabulary import canonical_label, display_name_for, normalize_date

__all__ = [
    "VCARD_VERSIONS",
    "canonical_label",
    "display_name_for",
    "normalize_date",
    "read_vcard_text",
    "read_vcards",
    "write_vcard",
    "write_vcards",
]
