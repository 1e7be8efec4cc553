"""The three faces of the duplicate rule agree: `add` refuses a pair iff the interface's form
warns about it iff `dupes` lists it once added, and `dupes` gives it the score `add` saw.

Each case runs on two copies of one database, so the CLI and the form meet the same state.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.widgets import Input
from tuihelp import NOW, settle, type_text
from typer.testing import CliRunner

from pocketcrm.cli import app as cli_app
from pocketcrm.core import matching
from pocketcrm.core.services import contacts
from pocketcrm.core.services.contacts import ContactInput
from pocketcrm.core.services.dupes import find_duplicates
from pocketcrm.core.settings import Settings
from pocketcrm.core.store import open_store
from pocketcrm.tui.app import make_app

# (name typed, company typed, whether it is a likely duplicate of someone on file)
CASES = [
    ("Jonathan Smith", "", True),  # the same name: 80
    ("Jonathon Smith", "", True),  # 93% alike: 73
    ("Kathryn Brown", "", False),  # 86% alike, no company: 66, below LIKELY
    ("Kathryn Brown", "Acme", True),  # the same, at the same company: 76
    ("Jon Smith", "", False),  # 78% alike: no evidence
    ("Ann", "", False),  # a lone word is not 100% of 'Ann Lee' (the form and add disagreed)
]


def _seed(path: Path, settings: Settings) -> None:
    store = open_store(path, settings)
    try:
        for name, company in (("Jonathan Smith", "Acme"), ("Katherine Brown", "Acme")):
            contacts.create_contact(store, ContactInput(name=name, company=company))
        contacts.create_contact(store, ContactInput(name="Ann Lee"))
    finally:
        store.close()


def _cli_add(path: Path, name: str, company: str, *extra: str) -> int:
    args = ["add", name, "--db", str(path), *extra]
    if company:
        args += ["--company", company]
    return CliRunner().invoke(cli_app, args, catch_exceptions=False).exit_code


async def _form_warns(path: Path, settings: Settings, name: str, company: str) -> bool:
    """Type the contact into the interface's form and save once: does it warn?"""
    store = open_store(path, settings)
    try:
        before = contacts.count_contacts(store)
        tui = make_app(store, clock=lambda: NOW, watch_seconds=0)
        async with tui.run_test(size=(110, 32)) as pilot:
            await settle(pilot)
            await pilot.press("n")
            await settle(pilot)
            form = tui.screen
            await type_text(pilot, name)
            form.query_one("#company", Input).value = company
            await pilot.press("ctrl+s")
            await settle(pilot)
            warned = tui.screen is form
            if warned:
                assert "looks like" in str(form.query_one("#name-error").render())
        added = contacts.count_contacts(store) - before
    finally:
        store.close()
    assert added == (0 if warned else 1)
    return warned


@pytest.mark.parametrize(("name", "company", "likely"), CASES)
async def test_add_the_form_and_dupes_judge_a_pair_alike(
    tmp_path: Path, settings: Settings, name: str, company: str, likely: bool
) -> None:
    seeded = tmp_path / "seed.db"
    _seed(seeded, settings)
    cli_db, tui_db = tmp_path / "cli.db", tmp_path / "tui.db"
    shutil.copy(seeded, cli_db)
    shutil.copy(seeded, tui_db)

    store = open_store(cli_db, settings)
    try:
        seen = contacts.likely_duplicates(store, name, company=company)
    finally:
        store.close()
    refused = _cli_add(cli_db, name, company) == 2
    warned = await _form_warns(tui_db, settings, name, company)
    assert refused == warned == likely == bool(seen)

    store = open_store(cli_db, settings)
    try:
        if refused:
            assert _cli_add(cli_db, name, company, "--yes") == 0
        new_id = max(r.id for r in contacts.list_contacts(store))
        pairs = {
            (p.a.id if p.b.id == new_id else p.b.id): p
            for p in find_duplicates(store, min_score=0)
            if new_id in (p.a.id, p.b.id)
        }
        listed = {p.a.id for p in find_duplicates(store)} | {p.b.id for p in find_duplicates(store)}
    finally:
        store.close()
    assert (new_id in listed) == likely
    for candidate in seen:  # what add saw is what dupes says, score and evidence
        assert pairs[candidate.id].score == candidate.score
        assert pairs[candidate.id].reasons == candidate.reasons
        assert matching.is_likely(candidate.score)
