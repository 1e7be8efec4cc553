"""One-line answers that name stored text escape it: a label that came in (from an import of
an older file, or a database written by another program) with control characters cannot
rewrite the terminal through `rm` or `edit`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from clisupport import Run


def test_rm_names_a_stored_label_escaped(run: Run, db_file: Path) -> None:
    run("add", "Ann Lee")
    conn = sqlite3.connect(db_file)
    conn.execute("UPDATE contact SET display_name = 'Ann \x1b]0;pwned\x07Lee' WHERE id = 1")
    conn.commit()
    conn.close()
    out = run("rm", "1").stdout
    assert "\x1b" not in out and "\x07" not in out
    assert "pwned" in out  # shown, made harmless
