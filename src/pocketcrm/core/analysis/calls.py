"""`report calls`: where calls come from, through which channel, at what hour, and who
gets and makes them, with reach and success rates per owner.

All counting is SQL over the covering index ix_interaction_calls (migration 0014); only the
places come from Python: inbound numbers are grouped by their first seven digits (the
prefix libphonenumber's geocoder resolves a place by) and one number per prefix is looked up
in the geocoder data the phonenumbers package ships (offline), only the chunks of it those
prefixes fall in being read (geodata.py).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from pocketcrm.core import clock
from pocketcrm.core.analysis.departments import NO_DEPARTMENT, departments
from pocketcrm.core.analysis.model import Analysis, Breakdown, Row, check_by, done, percent
from pocketcrm.core.db import Db
from pocketcrm.core.dialect import is_sqlite
from pocketcrm.core.periods import period
from pocketcrm.core.settings import Settings
from pocketcrm.core.sql import bound_list
from pocketcrm.core.store import Store
from pocketcrm.core.times import db_time

BY = ("country", "region", "channel", "source", "hour", "weekday", "owner", "department")
# Outcomes that mean nobody was reached; any other recorded outcome reached someone.
NOT_REACHED = ("voicemail", "no_answer", "busy", "wrong_number")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
PREFIX_DIGITS = 7
_LIVE = "i.deleted_at IS NULL AND i.occurred_at >= :a AND i.occurred_at < :b"


def _rows(session: Db, sql: str, params: dict[str, Any]) -> list[Any]:
    return session.run(sql, params).all()


def _hour_key(sqlite: bool) -> str:
    """The stored time's UTC day and hour as 'YYYY-MM-DD HH' text."""
    return "substr(i.occurred_at, 1, 13)" if sqlite else "to_char(i.occurred_at, 'YYYY-MM-DD HH24')"


def success_outcomes(settings: Settings) -> list[str]:
    """The outcomes that make a call a success (analysis.success_outcomes)."""
    return settings.analysis.success_outcomes or ["reached"]


def reached(outcome: str) -> bool:
    """Whether a call with this outcome reached someone: any recorded outcome but those of
    NOT_REACHED (success_sql says the same in SQL)."""
    return bool(outcome) and outcome not in NOT_REACHED


def success_sql(settings: Settings, params: dict[str, Any]) -> tuple[str, str]:
    """SQL sums of reached and succeeded calls (reached() and success_outcomes() in SQL);
    their bound values go into PARAMS."""
    ok_marks, ok = bound_list("ok", success_outcomes(settings))
    no_marks, no = bound_list("no", list(NOT_REACHED))
    params.update(ok)
    params.update(no)
    reached = f"sum(CASE WHEN i.outcome <> '' AND i.outcome NOT IN ({no_marks}) THEN 1 ELSE 0 END)"
    success = f"sum(CASE WHEN i.outcome IN ({ok_marks}) THEN 1 ELSE 0 END)"
    return reached, success


def _places(numbers: list[tuple[str, int]]) -> tuple[Counter[str], Counter[str]]:
    """(calls by country, calls by region) for (sample number, calls) per prefix."""
    import phonenumbers  # deferred: the metadata costs ~40 ms

    from pocketcrm.core.analysis import geodata

    geodata.install()  # the place data a chunk at a time: the whole costs 0.3 to 1.3 s
    from phonenumbers import geocoder

    countries: Counter[str] = Counter()
    regions: Counter[str] = Counter()
    for number, n in numbers:
        try:
            parsed = phonenumbers.parse(number, None)
        except phonenumbers.NumberParseException:
            countries["(unknown)"] += n
            regions["(unknown)"] += n
            continue
        code = phonenumbers.region_code_for_number(parsed) or "ZZ"
        country = geocoder.country_name_for_number(parsed, "en") or code
        place = geocoder.description_for_number(parsed, "en") or country
        countries[country] += n
        regions[place if place == country else f"{place}, {code}"] += n
    return countries, regions


def _table(name: str, title: str, counter: Counter[str], note: str = "") -> Breakdown:
    rows = tuple(Row(k, (n,)) for k, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))
    return Breakdown(name, title, ("calls",), rows, note=note)


CALL_COLUMNS = ("got", "made", "reach %", "success %")


def _per_owner(session: Db, params: dict[str, Any], settings: Settings) -> dict[str, list[int]]:
    """Per owner: calls got, made, in all, reached and succeeded."""
    reached, success = success_sql(settings, params)
    rows = _rows(
        session,
        "SELECT i.owner, sum(CASE WHEN i.direction = 'in' THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN i.direction <> 'in' THEN 1 ELSE 0 END), count(*), {reached}, {success} "
        f"FROM interaction i WHERE {_LIVE} AND i.kind = 'call' GROUP BY i.owner",
        params,
    )
    return {str(owner or ""): [int(v) for v in counts] for owner, *counts in rows}


def _call_rows(counts: dict[str, list[int]]) -> tuple[Row, ...]:
    """(got, made, reach %, success %) per key, the busiest first."""
    table = [
        Row(key, (got, made, percent(r, n), percent(s, n)))
        for key, (got, made, n, r, s) in counts.items()
    ]
    return tuple(
        sorted(table, key=lambda r: (-int(r.values[0] or 0) - int(r.values[1] or 0), r.key))
    )


def _owners(session: Db, params: dict[str, Any], settings: Settings) -> tuple[Breakdown, ...]:
    """Calls per owner, and the same added up per department (every department listed)."""
    owners = _per_owner(session, params, settings)
    found = departments(session)
    teams: dict[str, list[int]] = {name: [0] * 5 for name in found.names()}
    for owner, counts in owners.items():
        team = teams.setdefault(found.of(owner), [0] * 5)
        teams[found.of(owner)] = [a + b for a, b in zip(team, counts, strict=True)]
    note = "success: " + ", ".join(settings.analysis.success_outcomes)
    per_owner = {owner or "(none)": counts for owner, counts in owners.items()}
    by_team = sorted(_call_rows(teams), key=lambda r: r.key == NO_DEPARTMENT)
    return (
        Breakdown(
            "owner",
            "Calls per owner: got (inbound), made (outbound), reach and success",
            CALL_COLUMNS,
            _call_rows(per_owner),
            note=note,
        ),
        Breakdown(
            "department",
            "Calls per department (of the owner)",
            CALL_COLUMNS,
            tuple(by_team),
            note=note,
        ),
    )


def _timing(session: Db, params: dict[str, Any]) -> tuple[Counter[str], Counter[str]]:
    """Calls by local hour of day and weekday: grouped by UTC hour in SQL, then each hour
    moved to the local zone exactly (daylight saving included)."""
    sqlite = is_sqlite(session)
    rows = _rows(
        session,
        f"SELECT {_hour_key(sqlite)}, count(*) FROM interaction i "
        f"WHERE {_LIVE} AND i.kind = 'call' GROUP BY 1",
        params,
    )
    zone = clock.local_zone()
    hours: Counter[str] = Counter({f"{h:02d}h": 0 for h in range(24)})
    days: Counter[str] = Counter({d: 0 for d in WEEKDAYS})
    for key, n in rows:
        moment = datetime.strptime(str(key)[:13], "%Y-%m-%d %H").replace(tzinfo=UTC)
        local = moment.astimezone(zone)
        hours[f"{local.hour:02d}h"] += int(n)
        days[WEEKDAYS[local.weekday()]] += int(n)
    return hours, days


def _ordered(name: str, title: str, counter: Counter[str], order: list[str]) -> Breakdown:
    return Breakdown(name, title, ("calls",), tuple(Row(k, (counter[k],)) for k in order))


def calls(
    store: Store, since: datetime | None = None, until: datetime | None = None, by: str = ""
) -> Analysis:
    """The calls of [since, until) (default the last 30 days), every breakdown or --by one."""
    check_by(by, BY)
    span = period(since, until)
    params: dict[str, Any] = {"a": db_time(span.since), "b": db_time(span.until)}
    settings = store.settings
    with store.sql_read() as session:
        prefixes = _rows(
            session,
            f"SELECT substr(i.number, 1, {PREFIX_DIGITS + 1}), min(i.number), count(*) "
            f"FROM interaction i WHERE {_LIVE} AND i.kind = 'call' AND i.direction = 'in' "
            "AND i.number <> '' GROUP BY 1",
            params,
        )
        channels = _rows(
            session,
            f"SELECT i.channel, count(*) FROM interaction i WHERE {_LIVE} "
            "AND i.direction = 'in' GROUP BY i.channel",
            params,
        )
        sources = _rows(
            session,
            "SELECT c.source, count(*) FROM interaction i JOIN contact c ON c.id = i.contact_id "
            f"WHERE {_LIVE} AND i.kind = 'call' AND i.direction = 'in' GROUP BY c.source",
            params,
        )
        owners = _owners(session, params, settings)
        hours, days = _timing(session, params)
        totals = _rows(
            session,
            "SELECT sum(CASE WHEN i.direction = 'in' THEN 1 ELSE 0 END), count(*) "
            f"FROM interaction i WHERE {_LIVE} AND i.kind = 'call'",
            params,
        )[0]
    countries, regions = _places([(str(s), int(n)) for _p, s, n in prefixes])
    inbound, total = int(totals[0] or 0), int(totals[1] or 0)
    tables = [
        _table("country", "Inbound calls by country", countries, "from the caller's number"),
        _table("region", "Inbound calls by region", regions, "from the caller's number"),
        _table("channel", "Inbound contacts by channel", _counter(channels)),
        _table("source", "Inbound calls by the contact's lead source", _counter(sources)),
        _ordered("hour", "Calls by hour of day (local)", hours, sorted(hours)),
        _ordered("weekday", "Calls by weekday (local)", days, list(WEEKDAYS)),
        *owners,
    ]
    headline = [
        ("calls", str(total)),
        ("inbound", str(inbound)),
        ("outbound", str(total - inbound)),
        ("unknown number", str(inbound - sum(countries.values()))),
    ]
    findings = _findings(owners[0], countries)
    return done("calls", span.since, span.until, headline, tables, findings, by)


def _counter(rows: list[Any]) -> Counter[str]:
    return Counter({str(k or "(none)"): int(n) for k, n in rows})


def _findings(owners: Breakdown, countries: Counter[str]) -> list[str]:
    """The headline facts in words: who gets and makes the most calls, where most come from."""
    said = []
    if owners.rows:
        got = max(owners.rows, key=lambda r: int(r.values[0] or 0))
        made = max(owners.rows, key=lambda r: int(r.values[1] or 0))
        said.append(f"{got.key} gets the most calls ({got.values[0]} inbound).")
        said.append(f"{made.key} makes the most calls ({made.values[1]} outbound).")
    if countries:
        top, n = countries.most_common(1)[0]
        said.append(f"Most inbound calls come from {top} ({n}).")
    return said
