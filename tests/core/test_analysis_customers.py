"""Customers over time in `report market` (issue 13): by stage, company kind, region and
saved segment, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

from coresupport import NOW, FixedClock

from pocketcrm.core.analysis import market
from pocketcrm.core.analysis.model import Analysis, Breakdown, Value
from pocketcrm.core.services import companies, contacts, segments
from pocketcrm.core.services.companies import CompanyInput
from pocketcrm.core.services.contacts import ContactInput
from pocketcrm.core.store import Store


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def table(result: Analysis, name: str) -> Breakdown:
    return next(b for b in result.breakdowns if b.name == name)


def rows(result: Analysis, name: str) -> dict[str, tuple[Value, ...]]:
    return {r.key: r.values for r in table(result, name).rows}


def month(days: float) -> str:
    return ago(days).strftime("%Y-%m")


def _people(store: Store, fixed_clock: FixedClock) -> None:
    """Four contacts: Ann (bakery, Bavaria) and Bob (address in Kent, UK) become customers
    two months ago, Cy (no place) last week; Di stays a lead. Ann leaves last week."""
    fixed_clock.moment = ago(200)
    companies.create_company(
        store, CompanyInput(name="Ann's Bakery", kind="customer", region="Bavaria", country="DE")
    )
    contacts.create_contact(store, ContactInput(name="Ann Able", company="Ann's Bakery"))
    contacts.create_contact(
        store,
        ContactInput(
            name="Bob Baker", addresses=["1 High St, Dover, Kent, CT16, UK"], tags=["vip"]
        ),
    )
    contacts.create_contact(store, ContactInput(name="Cy Cole", tags=["vip"]))
    contacts.create_contact(store, ContactInput(name="Di Dean"))
    fixed_clock.moment = ago(61)
    contacts.set_stage(store, "Ann", "customer")
    contacts.set_stage(store, "Bob", "customer")
    fixed_clock.moment = ago(7)
    contacts.set_stage(store, "Cy", "customer")
    contacts.set_stage(store, "Ann", "past_customer")
    fixed_clock.moment = NOW


def test_new_customers_by_kind_region_and_segment(store: Store, fixed_clock: FixedClock) -> None:
    _people(store, fixed_clock)
    segments.save_segment(store, "vips", segments.SegmentFilters(tag="vip"))
    result = market.market(store)
    kinds = table(result, "customers")
    assert kinds.columns[0] == "all"
    by_kind = rows(result, "customers")
    assert by_kind[month(61)][0] == 2 and by_kind[month(7)][0] == 1
    regions = table(result, "regions")
    assert regions.columns == ("all", "Bavaria, DE", "Kent, UK", "(none)")
    assert rows(result, "regions")[month(61)] == (2, 1, 1, 0)
    assert rows(result, "regions")[month(7)] == (1, 0, 0, 1)
    assert table(result, "segments").columns == ("vips",)
    assert rows(result, "segments") == {month(61): (1,), month(7): (1,)}


def test_contacts_at_each_stage_at_every_month_end(store: Store, fixed_clock: FixedClock) -> None:
    _people(store, fixed_clock)
    result = market.market(store, by="stages")
    stages = table(result, "stages")
    assert stages.columns == tuple(store.settings.stages)
    at = {
        key: dict(zip(stages.columns, values, strict=True))
        for key, values in rows(result, "stages").items()
    }
    first = at[month(200)]
    assert first["lead"] == 4 and first["customer"] == 0
    assert at[month(61)]["customer"] == 2 and at[month(61)]["lead"] == 2
    last = at[month(7)]
    assert (last["lead"], last["customer"], last["past_customer"]) == (1, 2, 1)


def test_segments_table_says_how_to_save_one(store: Store, fixed_clock: FixedClock) -> None:
    _people(store, fixed_clock)
    segments_table = table(market.market(store), "segments")
    assert segments_table.rows == () and "segment save" in segments_table.note


def test_lazy_geodata_describes_numbers_as_the_whole_table_does() -> None:
    """A fresh process with the stand-in reads a few chunks and names every place the
    package's own (fully loaded) geocoder names."""
    import json
    import subprocess
    import sys

    import phonenumbers
    from phonenumbers import geocoder

    numbers = ["+44 20 7946 0018", "+49 30 901820", "+1 415 555 0123", "+33 1 42 68 53 00",
               "+61 2 9374 4000", "+81 3-3224-9999", "+34 91 123 45 67", "+1 212 555 0100"]  # fmt: skip
    script = (
        "import json, sys\n"
        "from pocketcrm.core.analysis import geodata\n"
        "geodata.install()\n"
        "import phonenumbers\n"
        "from phonenumbers import geocoder\n"
        "said = [geocoder.description_for_number(phonenumbers.parse(n), 'en') for n in sys.argv[1:]]\n"
        "table = sys.modules['phonenumbers.geodata'].GEOCODE_DATA\n"
        "print(json.dumps([said, table.chunks_loaded()]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, *numbers], capture_output=True, text=True, check=True
    )
    said, chunks = json.loads(out.stdout)
    whole = [geocoder.description_for_number(phonenumbers.parse(n), "en") for n in numbers]
    assert said == whole and "London" in said
    assert 0 < chunks < 12  # a few of the package's thirty-odd chunks, not all of them


def test_a_segments_market_share_counts_only_its_members_and_the_year(
    store: Store, fixed_clock: FixedClock
) -> None:
    """Our share of a market narrowed to a segment: the members' payments of that calendar
    year only, and the members who are customers (a filter on the company's kind too)."""
    from datetime import date

    from pocketcrm.core.services import billing

    _people(store, fixed_clock)
    segments.save_segment(store, "vips", segments.SegmentFilters(tag="vip"))
    segments.save_segment(store, "bakers", segments.SegmentFilters(company_kind="customer"))
    for who, amount, day in (
        ("Bob", "300", date(2026, 2, 1)),  # a vip, this year
        ("Bob", "50", date(2025, 6, 1)),  # a vip, another year
        ("Ann", "1000", date(2026, 3, 1)),  # not a vip
    ):
        invoice = billing.create_invoice(store, who, amount, issued_on=day)
        billing.record_payment(store, invoice.number, amount, paid_on=day)
    market.set_market(store, "Bread", size="10000", customers=10, year=2026, segment="vips")
    market.set_market(store, "Bread", size="10000", year=2026, segment="bakers")
    market.set_market(store, "Bread", size="10000", year=2025)
    shares = rows(market.market(store, by="share"), "share")
    assert shares["Bread / vips 2026"] == (3.0, 300.0, 10000.0, 20.0, 2, 10)
    assert shares["Bread / bakers 2026"][:2] == (10.0, 1000.0)
    assert shares["Bread / bakers 2026"][4] == 0  # Ann is a past customer now
    assert shares["Bread 2025"][:2] == (0.5, 50.0)
