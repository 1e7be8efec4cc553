"""Helpers for the import/export tests: full JSON snapshots, seeded data, generated files.

A module of its own (not conftest): `from conftest import ...` finds whichever folder's
conftest was imported first when several test folders run in one session.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from pocketcrm.core.store import Store
from pocketcrm.core.transfer.exporter import export_json


def full_export(store: Store) -> str:
    """The whole database as pocketcrm JSON: equal text means equal content."""
    buffer = io.StringIO()
    export_json(store, buffer)
    return buffer.getvalue()


def export_data(store: Store) -> dict[str, object]:
    data: dict[str, object] = json.loads(full_export(store))
    return data


def write(path: Path, content: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(content.encode(encoding))
    return path


def seed(store: Store) -> dict[str, int]:
    """A small but complete CRM: companies, people, history, follow-ups, cadences, trash."""
    from datetime import UTC, datetime, timedelta

    from pocketcrm.core.services import activity, cadence, companies, contacts, trash

    companies.create_company(
        store, companies.CompanyInput(name="Nordljus AB", kind="customer", tags=["design"])
    )
    ann = contacts.create_contact(
        store,
        contacts.ContactInput(
            name="Ann Lee",
            emails=["work:ann@nordljus.se", "ann.lee@example.com"],
            phones=["mobile:+46 70 123 45 67"],
            company="Nordljus AB",
            title="CEO",
            tags=["vip", "design"],
            notes="Met at Formex.",
            birthday="1980-05-17",
            websites=["nordljus.se"],
        ),
    )
    contacts.update_contact(
        store, f"#{ann.id}", contacts.ContactPatch(set_custom={"Shoe size": "38"})
    )
    contacts.set_stage(store, f"#{ann.id}", "customer")
    bob = contacts.create_contact(
        store, contacts.ContactInput(name="Bob Stone", phones=["(415) 555-0132"], stage="prospect")
    )
    when = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    activity.log_interaction(
        store,
        f"#{ann.id}",
        activity.InteractionInput(
            kind="call",
            when=when,
            outcome="reached",
            satisfaction=4,
            notes="Talked about the spring order.",
            follow_up_at=when + timedelta(days=7),
            follow_up_note="Send the quote",
        ),
    )
    activity.schedule_follow_up(store, f"#{bob.id}", when + timedelta(days=3), all_day=True)
    cadence.set_cadence(store, ideal_days=30, ref=f"#{ann.id}")
    cadence.set_cadence(store, ideal_days=90, tag="vip")
    gone = contacts.create_contact(
        store, contacts.ContactInput(name="Carl Gone", emails=["carl@example.com"])
    )
    trash.trash_contact(store, f"#{gone.id}")
    return {"ann": ann.id, "bob": bob.id, "gone": gone.id}


GOOGLE_HEADER = (
    "First Name,Middle Name,Last Name,Name Prefix,Name Suffix,Nickname,Organization Name,"
    "Organization Title,Organization Department,Birthday,Notes,Labels,E-mail 1 - Label,"
    "E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value,"
    "Address 1 - Label,Address 1 - Street,Address 1 - City,Address 1 - Postal Code,"
    "Address 1 - Country\n"
)


def make_google_csv(path: Path, rows: int, seed: int = 7) -> Path:
    """A Google Contacts export of ROWS distinct people (unique emails and phones)."""
    import csv
    import random

    rng = random.Random(seed)
    given = ["Ann", "Zoë", "Jürgen", "Hiroshi", "Ana", "Bob", "Chloé", "Dmitri", "Eve", "Fatima"]
    family = ["Lee", "Åkesson", "Müller", "Sato", "Silva", "Stone", "Dubois", "Ivanov", "Ng"]
    areas = [201, 212, 213, 305, 312, 415, 512, 617, 646, 702, 718, 917]
    with path.open("w", encoding="utf-8", newline="") as stream:
        stream.write(GOOGLE_HEADER)
        writer = csv.writer(stream)
        for i in range(rows):
            first, last = rng.choice(given), rng.choice(family)
            phone2 = f"+44 20 7{i % 1000:03d} {i // 1000 % 10000:04d}" if i % 3 == 0 else ""
            writer.writerow(
                [
                    first,
                    "",
                    f"{last}{i}",
                    "",
                    "",
                    "",
                    f"Company {i % 5000}",
                    "Buyer",
                    "",
                    f"19{50 + i % 50}-0{1 + i % 9}-1{i % 9}",
                    f"Row {i}, imported.",
                    "* myContacts ::: Customers",
                    "Work",
                    f"person{i}@example.com",
                    "Mobile",
                    f"+1 {rng.choice(areas)} {200 + i % 800} {i % 10000:04d}",
                    "Work" if phone2 else "",
                    phone2,
                    "Home",
                    f"{i} Main St",
                    "Springfield",
                    f"{10000 + i % 90000}",
                    "USA",
                ]
            )
    return path
