"""A database from the first release upgrades to the cases schema (0013) with every row,
and takes cases and fetched mail at once."""

from __future__ import annotations

import shutil
from pathlib import Path

from pocketcrm.core.mail import intake
from pocketcrm.core.migrations import HEAD
from pocketcrm.core.services import case_views, cases
from pocketcrm.core.settings import Settings
from pocketcrm.core.store import open_store

FIXTURE = Path(__file__).parent.parent / "fixtures" / "schema_0001.db"


def test_first_release_upgrades_and_takes_cases_and_mail(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    shutil.copyfile(FIXTURE, db)
    store = open_store(db, Settings(owner="Me"))
    try:
        assert store.schema_version() == HEAD
        made = cases.open_case(store, "zoe", cases.CaseInput("Cake was late"))
        assert made.company_name == "Åkesson Bakery"
        assert [c.number for c in case_views.list_cases(store)] == [made.number]
        box = tmp_path / "Mail"
        for sub in ("cur", "new", "tmp"):
            (box / sub).mkdir(parents=True)
        (box / "new" / "1.eml").write_bytes(
            b"From: zoe@akesson.example.com\r\nTo: me@x.com\r\nSubject: Re: ["
            + made.number.encode()
            + b"]\r\nMessage-ID: <u1@x>\r\n\r\nThanks!\r\n"
        )
        assert intake.fetch(store, str(box)).outcomes["case"] == 1
    finally:
        store.close()
