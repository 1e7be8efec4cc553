"""The analysis sections (issue 13) on small known data, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from coresupport import NOW, FixedClock
from sqlalchemy import text

from pocketcrm.core import sql
from pocketcrm.core.analysis import calls, factors, satisfaction, team
from pocketcrm.core.analysis.model import Analysis, Breakdown, Value
from pocketcrm.core.errors import Invalid
from pocketcrm.core.services import activity, contacts, users
from pocketcrm.core.services.activity import InteractionInput
from pocketcrm.core.services.contacts import ContactInput
from pocketcrm.core.store import Store


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def table(result: Analysis, name: str) -> Breakdown:
    return next(b for b in result.breakdowns if b.name == name)


def values(result: Analysis, name: str) -> dict[str, tuple[Value, ...]]:
    return {r.key: r.values for r in table(result, name).rows}


def num(value: Value) -> float:
    assert isinstance(value, int | float)
    return float(value)


def test_calls_by_place_channel_and_owner(store: Store, fixed_clock: FixedClock) -> None:
    contacts.create_contact(
        store, ContactInput(name="Ann Able", phones=["+1 212 555 0100"], source="web")
    )
    contacts.create_contact(store, ContactInput(name="Bob Baker", source="referral"))

    def log(who: str, days: float, **fields: object) -> None:
        activity.log_interaction(store, who, InteractionInput(when=ago(days), **fields))  # type: ignore[arg-type]

    log("Ann", 1, number_from="+44 20 7946 0018", outcome="reached", owner="alex")
    log("Ann", 2, number_from="+49 30 901820", outcome="voicemail", owner="alex")
    log("Bob", 3, number_from="+1 415 555 0123", outcome="meeting_booked", owner="sam")
    log("Ann", 4, outcome="no_answer", owner="sam")  # outbound, to Ann's primary phone
    log("Ann", 40, number_from="+44 20 7946 0099", owner="sam")  # before the period
    result = calls.calls(store)
    assert values(result, "country") == {
        "United Kingdom": (1,),
        "Germany": (1,),
        "United States": (1,),
    }
    assert set(values(result, "region")) == {"London, GB", "Berlin, DE", "San Francisco, CA, US"}
    assert values(result, "source") == {"web": (2,), "referral": (1,)}
    # got, made, reach %, success % (reached, meeting_booked and won succeed)
    assert values(result, "owner") == {"alex": (2, 0, 50.0, 50.0), "sam": (1, 1, 50.0, 50.0)}
    with store.read() as session:
        number = session.execute(
            text("SELECT number FROM interaction WHERE outcome = 'no_answer'")
        ).scalar()
    assert number == "+12125550100"
    assert sum(int(r.values[0] or 0) for r in table(result, "hour").rows) == 4


def test_by_picks_one_table_and_refuses_an_unknown_one(
    store: Store, fixed_clock: FixedClock
) -> None:
    assert [b.name for b in calls.calls(store, by="weekday").breakdowns] == ["weekday"]
    with pytest.raises(Invalid) as refused:
        calls.calls(store, by="planet")
    assert refused.value.field == "by"
    with pytest.raises(Invalid) as backwards:
        team.team(store, ago(1), ago(5))
    assert backwards.value.field == "since"


def test_team_counts_leads_by_the_stage_role_not_the_name(
    store: Store, fixed_clock: FixedClock
) -> None:
    store.settings.stages = ["new", "talking", "buying", "gone"]
    fixed_clock.moment = ago(1)
    contacts.create_contact(store, ContactInput(name="Ann Able", stage="new", owner="alex"))
    contacts.create_contact(store, ContactInput(name="Bob Baker", stage="new", owner="alex"))
    contacts.create_contact(store, ContactInput(name="Cy Cole", stage="buying", owner="sam"))
    fixed_clock.moment = NOW
    result = team.team(store)
    assert values(result, "leads") == {"alex": (2,)}
    assert values(result, "owner")["sam"][5] == 1  # one customer (the "buying" stage)


def test_satisfaction_reasons_and_lowest(store: Store, fixed_clock: FixedClock) -> None:
    contacts.create_contact(store, ContactInput(name="Ann Able"))
    activity.log_interaction(
        store,
        "Ann",
        InteractionInput(when=ago(2), satisfaction=1, reason="price", notes="too dear"),
    )
    activity.log_interaction(store, "Ann", InteractionInput(when=ago(1), satisfaction=5))
    with pytest.raises(Invalid) as refused:
        activity.log_interaction(store, "Ann", InteractionInput(satisfaction=4, reason="price"))
    assert refused.value.field == "reason"
    result = satisfaction.satisfaction(store)
    assert values(result, "reason") == {"price": (1,)}
    me = "Me" if store.is_sqlite else users.acting_login(store)  # a call is its logger's
    assert values(result, "lowest") == {"Ann Able": (1, "price", me, "too dear")}
    assert result.headline[0] == ("average", "3.00/5")


def test_factors_say_too_little_data(store: Store, fixed_clock: FixedClock) -> None:
    contacts.create_contact(store, ContactInput(name="Ann Able"))
    activity.log_interaction(store, "Ann", InteractionInput(when=ago(1), satisfaction=1))
    result = factors.factors(store, by="satisfaction")
    assert any("too little data" in f for f in result.findings)
    assert [b.name for b in result.breakdowns] == ["satisfaction"]


def _plant(store: Store, seed: int) -> None:
    """200 contacts, half with an overdue follow-up (doubles the odds of a low score), half
    from the web and half by referral (no effect); 15 rated calls each."""
    rng = random.Random(seed)
    for n in range(200):
        source = "web" if n % 2 else "referral"
        contacts.create_contact(store, ContactInput(name=f"Person {n:03d}", source=source))
    with store.write() as session:
        ids = [
            int(i) for i in session.execute(text("SELECT id FROM contact ORDER BY id")).scalars()
        ]
        # even ones in the first half, odd ones in the second: as many from each source
        overdue = {c for i, c in enumerate(ids) if (i < len(ids) // 2) == (i % 2 == 0)}
        calls_rows = []
        for contact_id in ids:
            odds = 0.25 * (2.0 if contact_id in overdue else 1.0)
            for k in range(15):
                low = rng.random() < odds / (1 + odds)
                calls_rows.append(
                    {
                        "uuid": sql.new_uuid(), "contact_id": contact_id, "kind": "call",
                        "direction": "out", "occurred_at": ago(300 - 20 * k - rng.random()),
                        "outcome": "reached", "satisfaction": rng.choice([1, 2]) if low else rng.choice([3, 4, 5]),
                        "owner": "Me", "notes": "", "created_at": NOW, "channel": "phone",
                        "number": "", "reason": "",
                    }
                )  # fmt: skip
        session.execute(
            text(
                "INSERT INTO interaction (uuid, contact_id, kind, direction, occurred_at, outcome, "
                "satisfaction, owner, notes, created_at, channel, number, reason) VALUES (:uuid, "
                ":contact_id, :kind, :direction, :occurred_at, :outcome, :satisfaction, :owner, "
                ":notes, :created_at, :channel, :number, :reason)"
            ),
            calls_rows,
        )
        session.execute(
            text(
                "INSERT INTO follow_up (uuid, contact_id, due_at, all_day, note, owner, created_at) "
                "VALUES (:u, :c, :d, false, 'call back', 'Me', :d)"
            ),
            [{"u": sql.new_uuid(), "c": c, "d": ago(10)} for c in sorted(overdue)],
        )


def test_factors_find_a_planted_effect_and_not_a_planted_nothing(
    store: Store, fixed_clock: FixedClock
) -> None:
    _plant(store, seed=20261205)
    result = factors.factors(store, by="satisfaction")
    model = values(result, "satisfaction_model")
    odds, low, _high, p = model["an overdue follow-up"]
    assert 1.5 < num(odds) < 2.7 and num(low) > 1.0 and num(p) < 0.05
    other = model.get("source web") or model["source referral"]
    assert num(other[1]) < 1.0 < num(other[2])  # the interval holds 1: no effect
    assert any(
        f.startswith("an overdue follow-up: ") and "times the odds" in f for f in result.findings
    )
    assert not any(f.startswith("source ") and "times" in f for f in result.findings)
    crude = values(result, "satisfaction")
    assert num(crude["an overdue follow-up"][3]) > 1.3  # risk ratio


def test_lifecycle_funnel_churn_cohorts_and_win_back(store: Store, fixed_clock: FixedClock) -> None:
    from datetime import date

    from pocketcrm.core.analysis import lifecycle
    from pocketcrm.core.services import billing, deals

    fixed_clock.moment = ago(100)
    for name in ("Ann Able", "Bob Baker", "Cy Cole"):
        contacts.create_contact(store, ContactInput(name=name))
    fixed_clock.moment = ago(90)
    for name in ("Ann", "Bob"):
        contacts.set_stage(store, name, "prospect")
    fixed_clock.moment = ago(60)
    contacts.set_stage(store, "Ann", "customer")
    contacts.set_stage(store, "Bob", "customer")
    invoice = billing.create_invoice(store, "Ann", "1200", issued_on=date(2026, 9, 1))
    billing.record_payment(store, invoice.number, "1200", paid_on=date(2026, 9, 10))
    deal = deals.create_deal(store, "Bob", deals.DealInput(title="Oven", amount="500"))
    deals.move_deal(store, deal.id, "won")
    fixed_clock.moment = ago(10)
    contacts.set_stage(store, "Ann", "past_customer")
    fixed_clock.moment = NOW
    result = lifecycle.lifecycle(store)
    funnel = values(result, "funnel")
    assert funnel["lead"][:2] == (3, 66.7)
    assert funnel["prospect"] == (2, 100.0, 30.0)  # 90 days ago to 60 days ago
    assert funnel["customer"][:2] == (2, 50.0)
    assert funnel["past_customer"][0] == 1
    assert sum(num(r[0]) for r in values(result, "churn").values()) == 1
    [cohort] = values(result, "cohorts").values()
    assert cohort == (2, 1, 50.0, 1200.0)
    assert values(result, "win_back") == {
        f"Ann Able #{contacts.resolve(store, 'Ann')}": (1200.0, "Me", "never")
    }
    assert next(iter(values(result, "deals").values()))[:3] == (1, 0, 100.0)


def test_market_share_and_refusals(store: Store, fixed_clock: FixedClock) -> None:
    from datetime import date

    from pocketcrm.core.analysis import market
    from pocketcrm.core.services import billing

    contacts.create_contact(store, ContactInput(name="Ann Able", stage="customer"))
    invoice = billing.create_invoice(store, "Ann", "1000", issued_on=date(2026, 3, 1))
    billing.record_payment(store, invoice.number, "1000", paid_on=date(2026, 3, 5))
    market.set_market(store, "Bread", size="100000", year=2026)
    market.set_market(store, "Bread", customers=50, year=2026)
    result = market.market(store, by="share")
    assert values(result, "share") == {"Bread 2026": (1.0, 1000.0, 100000.0, 2.0, 1, 50)}
    for kwargs, field in (
        ({"size": "0"}, "size"),
        ({"customers": -1}, "customers"),
        ({"size": "10", "segment": "nowhere"}, "segment"),
        ({}, "size"),
    ):
        with pytest.raises(Invalid) as refused:
            market.set_market(store, "Bread", **kwargs)  # type: ignore[arg-type]
        assert refused.value.field == field
    assert len(market.list_markets(store)) == 1


def test_forecast_follows_a_trend_and_a_season() -> None:
    from pocketcrm.core.analysis.trend import forecast, next_months

    months = ["2024-01", *next_months("2024-01", 29)]
    cents = [10_000.0 + 500 * i + (3_000 if m.endswith("-12") else 0) for i, m in enumerate(months)]
    ahead, said = forecast(months, cents)
    assert said.startswith("trend and season over 30 months")
    assert [f.month for f in ahead] == ["2026-07", "2026-08", "2026-09"]
    assert abs(ahead[0].cents - (10_000 + 500 * 30)) < 1
    short, why = forecast(months[:4], cents[:4])
    assert short == [] and why.startswith("too little data")


def test_factors_name_a_slow_answer_to_an_inbound_contact(
    store: Store, fixed_clock: FixedClock
) -> None:
    """A contact whose inbound call waited 5 days for our answer rates low; one answered
    the same day does not: the slow answer is counted as a circumstance of the first."""
    for n in range(12):
        contacts.create_contact(store, ContactInput(name=f"Slow {n:02d}"))
        contacts.create_contact(store, ContactInput(name=f"Fast {n:02d}"))

    def log(who: str, days: float, **fields: object) -> None:
        activity.log_interaction(store, who, InteractionInput(when=ago(days), **fields))  # type: ignore[arg-type]

    for n in range(12):
        log(f"Slow {n:02d}", 30, number_from="+44 20 7946 0018")
        log(f"Slow {n:02d}", 25, satisfaction=1 if n < 10 else 4)
        log(f"Fast {n:02d}", 30, number_from="+44 20 7946 0018")
        log(f"Fast {n:02d}", 29.9, satisfaction=4 if n < 10 else 1)
    result = factors.factors(store, by="satisfaction")
    crude = values(result, "satisfaction")
    slow = next(k for k in crude if k.startswith("a slow answer"))
    with_n, with_rate, without_rate = crude[slow][:3]
    assert with_n == 12 and num(with_rate) > num(without_rate)


def test_factors_note_says_when_the_units_are_a_sample(
    store: Store, fixed_clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    _plant(store, seed=7)  # 3,000 rated calls
    monkeypatch.setattr(factors, "MAX_UNITS", 1_000)  # as 10,000 is to a bigger database
    note = table(factors.factors(store, by="satisfaction"), "satisfaction").note
    assert "an even sample (one in 3) of about" in note
    monkeypatch.setattr(factors, "MAX_UNITS", 10_000)
    assert "sample" not in table(factors.factors(store, by="satisfaction"), "satisfaction").note
