"""In a real terminal (a pseudo-terminal) `pocketcrm import` previews and asks before writing;
without a terminal (scripts) it writes at once."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pocketcrm.core.services.contacts import list_contacts
from pocketcrm.core.store import open_store

POCKETCRM = str(Path(sys.executable).with_name("pocketcrm"))
PROMPTS = (b"Write these changes?", b"for good?")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX terminal")


def in_terminal(*args: str, answer: bytes) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [POCKETCRM, *args], stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True
    )
    os.close(slave)
    out, asked = b"", False
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
                if not asked and any(p in out for p in PROMPTS):
                    os.write(master, answer + b"\r")
                    asked = True
        # No break when the process is seen to exit: the kernel hands a pty's last output
        # over asynchronously (under load, after the exit). Reading until EIO, which comes
        # once the buffer is drained and no one holds the other side, loses none of it.
        code = process.wait(timeout=30)
    finally:
        os.close(master)
    return code, out.decode(errors="replace").replace("\r\n", "\n")


def test_import_asks_in_a_terminal(tmp_path: Path) -> None:
    db = tmp_path / "crm.db"
    open_store(db).close()
    source = tmp_path / "people.csv"
    source.write_text("Name,Email\nAnn Lee,ann@example.com\n", encoding="utf-8")
    code, out = in_terminal("--db", str(db), "import", str(source), answer=b"n")
    assert code == 1, out
    assert "Preview (nothing written yet)" in out and "nothing written" in out
    assert list_contacts(open_store(db)) == []
    code, out = in_terminal("--db", str(db), "import", str(source), answer=b"y")
    assert code == 0, out
    assert "Imported" in out and "undo with: pocketcrm import undo 1" in out
    assert [r.display_name for r in list_contacts(open_store(db))] == ["Ann Lee"]


def test_import_from_a_script_writes_without_asking(tmp_path: Path) -> None:
    db = tmp_path / "crm.db"
    source = tmp_path / "people.csv"
    source.write_text("Name,Email\nAnn Lee,ann@example.com\n", encoding="utf-8")
    done = subprocess.run(
        [POCKETCRM, "--db", str(db), "import", str(source)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Write these changes?" not in done.stdout
    assert [r.display_name for r in list_contacts(open_store(db))] == ["Ann Lee"]


def test_erase_asks_in_a_terminal(tmp_path: Path) -> None:
    db = tmp_path / "crm.db"
    source = tmp_path / "people.csv"
    source.write_text("Name,Email\nAnn Lee,ann@example.com\n", encoding="utf-8")
    subprocess.run(
        [POCKETCRM, "--db", str(db), "import", str(source)],
        check=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )
    code, out = in_terminal("--db", str(db), "person", "erase", "Ann Lee", answer=b"n")
    assert code == 1 and "Erase Ann Lee" in out
    code, out = in_terminal("--db", str(db), "person", "erase", "Ann Lee", answer=b"y")
    assert code == 0 and "erased Ann Lee" in out
    assert list_contacts(open_store(db)) == []
