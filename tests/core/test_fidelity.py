"""Issue 9 in the core: campaign emails and stay-in-touch cadences, and the report's stage
roles after renaming stages. Runs on SQLite and PostgreSQL (the store fixture)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from coresupport import FixedClock
from smtp_kit import Recorder, Server, start

from pocketcrm.core.services import activity, cadence, campaigns, contacts, segments
from pocketcrm.core.services.segments import SegmentFilters
from pocketcrm.core.store import Store


@pytest.fixture
def smtp() -> Iterator[Server]:
    yield from start(Recorder())


def test_a_campaign_email_does_not_reset_a_cadence_unless_configured(
    store: Store, smtp: Server, fixed_clock: FixedClock
) -> None:
    ids = {
        who: contacts.create_contact(
            store,
            contacts.ContactInput(
                name=f"{who} Smith", emails=[f"{who}@example.com"], tags=["news"]
            ),
        ).id
        for who in ("ann", "bob")
    }
    cadence.set_cadence(store, ideal_days=14, tag="news")
    activity.log_interaction(store, f"#{ids['ann']}", activity.InteractionInput(kind="call"))
    fixed_clock.advance(days=20)
    segments.save_segment(store, "news", SegmentFilters(tag="news"))
    made = campaigns.create_campaign(store, "news", "Winter sale", "Hello {first_name}")
    campaigns.send_campaign(store, made.id, smtp=smtp.settings())
    drifting = {d.contact_id: d for d in cadence.drifting(store)}
    assert set(drifting) == set(ids.values())
    assert drifting[ids["ann"]].days_since == 20 and drifting[ids["bob"]].last_contact_at is None
    # The card still shows the email as the last contact; only the cadence looks past it.
    assert contacts.get_card(store, f"#{ids['ann']}").last_contact_at is not None
    # A real email afterwards counts again.
    fixed_clock.advance(minutes=5)
    activity.log_interaction(store, f"#{ids['bob']}", activity.InteractionInput(kind="email"))
    assert {d.contact_id for d in cadence.drifting(store)} == {ids["ann"]}
    store.settings.cadence_counts_campaigns = True
    assert cadence.drifting(store) == []


def test_cadence_counts_campaigns_is_a_setting_off_by_default(tmp_path: Path) -> None:
    from pocketcrm import config

    path = tmp_path / "config.toml"
    assert config.load(path).cadence_counts_campaigns is False
    config.set_value("cadence_counts_campaigns", "true", path)
    assert config.load(path).cadence_counts_campaigns is True


# -- the report's stage roles -----------------------------------------------------------------


def test_renamed_stages_fill_the_reports_lead_and_customer_sections(store: Store) -> None:
    from pocketcrm.core.services import reports

    store.settings.stages = ["new", "talking", "client", "former"]
    people = [("Ann", "new", "Sam", ""), ("Bo", "client", "Sam", "Acme"), ("Cy", "former", "", "")]
    for name, stage, owner, company in people:
        contacts.create_contact(
            store, contacts.ContactInput(name=name, stage=stage, owner=owner, company=company)
        )
    report = reports.summary(store)
    assert [(c.key, c.count) for c in report.leads_by_owner] == [("Sam", 1)]
    assert [(c.key, c.count) for c in report.customers_by_company_kind] == [("customer", 1)]
    assert {c.key: c.count for c in report.customers_not_contacted}["30"] == 1
    # A company first met through a client is a customer, as with the default names.
    assert contacts.get_card(store, "Bo").company.kind == "customer"  # type: ignore[union-attr]


def test_a_configured_role_wins_over_the_position(store: Store) -> None:
    from pocketcrm.core.services import reports

    store.settings.stages = ["cold", "warm", "buyer", "vip", "gone"]
    store.settings.stage_roles.customer = "vip"
    store.settings.stage_roles.lead = "warm"
    contacts.create_contact(store, contacts.ContactInput(name="Ann", stage="vip", owner="Sam"))
    contacts.create_contact(store, contacts.ContactInput(name="Bo", stage="warm", owner="Jo"))
    report = reports.summary(store)
    assert [(c.key, c.count) for c in report.customers_by_company_kind] == [("no company", 1)]
    assert [(c.key, c.count) for c in report.leads_by_owner] == [("Jo", 1)]


def test_stage_roles_by_position_and_from_the_config(tmp_path: Path) -> None:
    from pocketcrm import config
    from pocketcrm.core.errors import Invalid
    from pocketcrm.core.settings import Settings

    defaults = Settings()
    assert [defaults.stage_for(r) for r in ("lead", "customer", "past")] == [
        "lead",
        "customer",
        "past_customer",
    ]
    assert [Settings(stages=["a", "b"]).stage_for(r) for r in ("lead", "customer", "past")] == [
        "a",
        "b",
        "",
    ]
    path = tmp_path / "config.toml"
    config.set_value("stages", "new, talking, client, former", path)
    with pytest.raises(Invalid, match="is not a stage"):
        config.set_value("stage_roles.customer", "customer", path)
    config.set_value("stage_roles.customer", "Talking", path)
    assert config.load(path).stage_for("customer") == "talking"
