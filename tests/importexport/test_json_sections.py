"""Issue 9: control and bidirectional characters are stripped from every section of a JSON
import (companies, tags, cadences, suppressions), as from its contacts."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from iehelp import write

from pocketcrm.core.store import Store
from pocketcrm.core.text import unsafe_in
from pocketcrm.core.transfer.importer import import_files

UNSAFE = "\x1b]0;pwned\x07\u202e"


def _strings(path: Path, sql: str) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [str(v) for row in conn.execute(sql) for v in row]


def test_every_section_of_a_json_import_is_stripped(tmp_path: Path, store: Store) -> None:
    document = {
        "tags": [f"hot{UNSAFE}"],
        "companies": [
            {
                "uuid": "6f1c2b7e-1d2a-4c3b-9e8f-0a1b2c3d4e5f",
                "name": f"Acme {UNSAFE}Ltd",
                "notes": f"first line\n{UNSAFE}second",
                "tags": [f"vip{UNSAFE}"],
            }
        ],
        "contacts": [{"display_name": "Ann Clean", "emails": [{"address": "ann@example.com"}]}],
        "cadences": [{"tag": f"weekly{UNSAFE}", "ideal_days": 7, "max_days": 14}],
    }
    path = write(tmp_path / "crm.json", json.dumps(document))
    report = import_files(store, [path])
    assert store.path is not None
    stored = (
        _strings(store.path, "SELECT name, notes FROM company")
        + _strings(store.path, "SELECT name FROM tag")
        + _strings(store.path, "SELECT tag FROM cadence_rule")
    )
    assert "Acme ]0;pwnedLtd" in stored and "first line\n]0;pwnedsecond" in stored
    assert {"hot]0;pwned", "vip]0;pwned", "weekly]0;pwned"} <= set(stored)
    assert [s for s in stored if unsafe_in(s)] == []
    stripped = [p for p in report.problems if any("removed" in r for r in p.reasons)]
    assert len(stripped) == 3  # the tag, the company and the cadence, each with its line
    assert not any(p.skipped for p in stripped)
