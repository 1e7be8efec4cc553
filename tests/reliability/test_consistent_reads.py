"""A reader sees a consistent view while another process writes.

The writer logs a call with its follow-up in one transaction, again and again; within one
read session the reader must never see a call without its follow-up (or the other way
round), and what it sees must only ever grow.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from relsupport import BusyWriter
from sqlalchemy import text

from pocketcrm.core.services import cards, contacts
from pocketcrm.core.store import open_store

pytestmark = pytest.mark.slow


def test_reader_sees_whole_transactions_only(
    busy_writer: Callable[[Path, str], BusyWriter],
) -> None:
    db = Path(os.environ["POCKETCRM_DB"])
    store = open_store(db)
    try:
        contacts.create_contact(store, contacts.ContactInput(name="Busy Person"))
        writer = busy_writer(db, "pairs")
        seen: list[int] = []
        # Until the reader has read across several of the writer's commits (on a loaded
        # machine the writer may commit seldom), within a generous limit.
        deadline = time.monotonic() + 120
        while len(set(seen)) <= 5 and time.monotonic() < deadline:
            with store.read() as session:
                calls = session.execute(text("SELECT count(*) FROM interaction")).scalar_one()
                time.sleep(0.002)  # let the writer commit between the two reads
                plans = session.execute(text("SELECT count(*) FROM follow_up")).scalar_one()
                linked = session.execute(
                    text(
                        "SELECT count(*) FROM follow_up f JOIN interaction i "
                        "ON i.id = f.interaction_id"
                    )
                ).scalar_one()
                card = cards.card_for(session, 1, interactions=1)
            assert calls == plans == linked, (calls, plans, linked)
            assert card.interaction_count == calls
            assert len(card.follow_ups) == plans
            seen.append(int(calls))
        pairs = writer.stop()
    finally:
        store.close()
    assert seen == sorted(seen)
    assert len(set(seen)) > 3  # the reader really read while the writer wrote
    assert pairs >= seen[-1]
