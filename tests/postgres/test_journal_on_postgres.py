"""Who changed what in team mode: the installed `pocketcrm` against a real PostgreSQL server.

The server's triggers write the journal, so the login is who did it (current_user, which a
client cannot spoof) and the face is what the command set for its transaction; a change
made with a plain driver connection, as psql would, is journaled as face "sql".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from pgserver import PgServer

BIN = str(Path(sys.executable).with_name("pocketcrm"))


def crm(url: str, *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [BIN, *args],
        env={**os.environ, "POCKETCRM_DB": url, "POCKETCRM_OWNER": "Me", "NO_COLOR": "1"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == expect, (args, done.stdout, done.stderr)
    return done


def changes(url: str, ref: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(crm(url, "history", ref, "--json").stdout)["changes"]
    return found


def test_commands_and_psql_are_journaled_and_undone_on_the_server(pg_server: PgServer) -> None:
    url = pg_server.database()
    crm(url, "add", "Ann Lee", "-e", "ann@example.com")
    crm(url, "stage", "ann", "customer")
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute("UPDATE contact SET title = 'Buyer' WHERE display_name = 'Ann Lee'")
        row = conn.execute("SELECT current_user").fetchone()
    assert row is not None
    login = row[0]
    newest = changes(url, "ann")
    assert (newest[0]["face"], newest[0]["actor"], newest[0]["fields"]) == (
        "sql",
        login,
        {"title": ["", "Buyer"]},
    )
    assert newest[1]["face"] == "cli" and newest[1]["fields"] == {"stage": ["lead", "customer"]}
    assert {c["actor"] for c in newest} == {login}  # the login, not POCKETCRM_OWNER
    # undo: the last change of this login is the psql one; then the stage, with a conflict
    crm(url, "undo")
    stage_change = newest[1]["id"]
    crm(url, "stage", "ann", "prospect")
    refused = crm(url, "undo", str(stage_change), expect=2)
    assert "stage (changed again by" in refused.stderr
    crm(url, "undo", str(stage_change), "--force")
    card = json.loads(crm(url, "show", "ann", "--json").stdout)
    assert (card["stage"], card["title"]) == ("lead", "")
    assert changes(url, "ann")[0]["face"] == "undo"
