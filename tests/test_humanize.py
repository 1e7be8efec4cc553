"""The one plural rule both faces use (issue 17: "1 deals", "1 contacts now")."""

from __future__ import annotations

from pocketcrm.humanize import count, plural


def test_count_says_one_thing_and_many_things() -> None:
    assert count(1, "deal") == "1 deal"
    assert count(0, "deal") == "0 deals"
    assert count(2, "contact") == "2 contacts"
    assert count(1, "interaction") == "1 interaction"
    assert count(3, "company") == "3 companies"
    assert count(2, "person") == "2 people"
    assert count(2, "follow-up") == "2 follow-ups"
    assert count(2, "open deal") == "2 open deals"
    assert count(2, "day") == "2 days" and count(2, "entry") == "2 entries"
    assert count(2, "match") == "2 matches" and count(2, "box") == "2 boxes"
    assert count(1204, "contact", number="1,204") == "1,204 contacts"
    assert count(1, "invoice or order", many="invoices and orders") == "1 invoice or order"
    assert count(2, "invoice or order", many="invoices and orders") == "2 invoices and orders"
    assert plural("refund", -1) == "refund"


def test_the_core_messages_use_the_rule() -> None:
    from pocketcrm.core import scheduling

    timer = scheduling.systemd_units("pocketcrm remind", 1)[scheduling.TIMER_NAME]
    assert "every 1 minute\n" in timer
