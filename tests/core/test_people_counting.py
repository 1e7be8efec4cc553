"""`report team` and `report --by user` count people's work once (services/report_people.py:
count_work, stage_entries), on SQLite and PostgreSQL: the two agree on what they both show,
trashed contacts count in neither, and a won deal is one in the configured won stage."""

from __future__ import annotations

from datetime import datetime, timedelta

from coresupport import NOW, FixedClock

from pocketcrm.core.analysis import team
from pocketcrm.core.analysis.model import Value
from pocketcrm.core.services import activity, contacts, deals, report_people, trash
from pocketcrm.core.services.activity import InteractionInput
from pocketcrm.core.services.contacts import ContactInput
from pocketcrm.core.store import Store


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def owners(store: Store) -> dict[str, tuple[Value, ...]]:
    [table] = team.team(store, by="owner").breakdowns
    return {r.key: r.values for r in table.rows}


def _work(store: Store, fixed_clock: FixedClock) -> None:
    """alex calls Ann twice (reached, no answer) and takes one call; sam calls Gone Lead,
    who is then trashed; each wins one deal (sam's on Gone Lead)."""
    fixed_clock.moment = ago(5)
    contacts.create_contact(store, ContactInput(name="Ann Able", stage="lead", owner="alex"))
    contacts.create_contact(store, ContactInput(name="Gone Lead", stage="lead", owner="sam"))
    fixed_clock.moment = NOW
    for who, owner, fields in (
        ("Ann", "alex", {"outcome": "reached"}),
        ("Ann", "alex", {"outcome": "no_answer"}),
        ("Ann", "alex", {"direction": "in"}),
        ("Gone", "sam", {"outcome": "reached", "satisfaction": 1}),
    ):
        data = InteractionInput(when=ago(2), owner=owner, **fields)  # type: ignore[arg-type]
        activity.log_interaction(store, who, data)
    fixed_clock.moment = ago(1)  # closed inside the period (which ends now)
    won = store.settings.deal_stages[-2]
    for who, owner in (("Ann", "alex"), ("Gone", "sam")):
        deal = deals.create_deal(store, who, deals.DealInput(title="Bread", owner=owner))
        deals.move_deal(store, deal.id, won)
    fixed_clock.moment = NOW
    trash.trash_contact(store, "Gone Lead")


def test_team_and_report_by_user_agree(store: Store, fixed_clock: FixedClock) -> None:
    _work(store, fixed_clock)
    people = {r.key: r for r in report_people.by_people(store).rows}
    alex = owners(store)["alex"]
    made, got, _reach, _success, leads, _customers, won, _score = alex
    figures = people["alex"]
    assert (made, got, won) == (figures.calls_made, figures.calls_received, figures.deals_won)
    assert (made, got, won, leads) == (2, 1, 1, 1)


def test_trashed_contacts_count_in_neither(store: Store, fixed_clock: FixedClock) -> None:
    """sam's only work was with a contact now in the trash: `report team` used to count
    its calls, deal and score."""
    _work(store, fixed_clock)
    assert "sam" not in owners(store)
    people = {r.key: r for r in report_people.by_people(store).rows}
    assert "sam" not in people or people["sam"].calls_made == 0


def test_team_counts_deals_won_in_the_configured_won_stage(
    store: Store, fixed_clock: FixedClock
) -> None:
    """Renamed deal stages: the won one is the next to last (`report team` used to look
    for a stage named 'won')."""
    store.settings.deal_stages = ["talk", "offer", "signed", "dropped"]
    _work(store, fixed_clock)
    assert owners(store)["alex"][6] == 1
