"""`mail fetch` and `mail review` from the command line: the summary line, set-aside
messages on stderr, and an IMAP login failure as one line with exit 1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from clisupport import Run

import imapserver


def _box(tmp_path: Path, *raws: bytes) -> Path:
    box = tmp_path / "Mail"
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True, exist_ok=True)
    for i, raw in enumerate(raws):
        (box / "new" / f"{i}.eml").write_bytes(raw)
    return box


GOOD = b"From: ann@x.com\r\nTo: me@y.com\r\nSubject: Hi\r\nMessage-ID: <g@x>\r\n\r\nHello\r\n"


def test_fetch_summary_and_review(run: Run, tmp_path: Path) -> None:
    run("add", "Ann Lee", "-e", "ann@x.com")
    box = _box(tmp_path, GOOD, b"junk")
    result = run("mail", "fetch", str(box))
    assert "2 new of 2: 1 logged, 1 malformed (kept aside)" in result.stdout
    assert "no headers" in result.stderr and "mail review" in result.stderr
    assert run("mail", "fetch", str(box), "--quiet-if-none").stdout == ""
    data = json.loads(run("mail", "fetch", str(box), "--json").stdout)
    assert (data["read"], data["already"]) == (2, 2)
    review = json.loads(run("mail", "review", "--json").stdout)
    assert [r["reason"] for r in review] == ["no headers"]


def test_a_missing_source_is_exit_2(run: Run, tmp_path: Path) -> None:
    result = run("mail", "fetch", str(tmp_path / "nowhere"), code=2)
    assert "does not exist" in result.stderr


@pytest.fixture(scope="module")
def imap() -> Iterator[imapserver.Dovecot]:
    reason = imapserver.unavailable()
    if reason:
        pytest.skip(reason)
    server = imapserver.Dovecot().start()
    yield server
    server.stop()


def test_imap_login_failure_is_one_line_exit_1(
    run: Run, imap: imapserver.Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in {
        "mail.imap_host": "127.0.0.1",
        "mail.imap_port": str(imap.port),
        "mail.imap_security": "none",
        "mail.imap_user": imapserver.USER,
    }.items():
        run("config", "set", key, value)
    monkeypatch.setenv("POCKETCRM_IMAP_PASSWORD", "not-the-password")
    result = run("mail", "fetch", "imap", code=1)
    assert result.stderr.count("\n") == 1 and "login" in result.stderr
    assert "Traceback" not in result.stderr
    assert json.loads(run("mail", "review", "--json").stdout) == []  # nothing half-written
    monkeypatch.setenv("POCKETCRM_IMAP_PASSWORD", imapserver.PASSWORD)
    imap.append("INBOX", GOOD)
    assert "1 new of 1" in run("mail", "fetch", "imap").stdout
