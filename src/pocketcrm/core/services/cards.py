"""The contact card: one person and everything tied to them, read in a handful of plain
queries (no ORM: this is the hottest read). The services that return a card (contacts,
activity, dupes, companies) build it here.
"""

from __future__ import annotations

from typing import Any

from pocketcrm.core import dates
from pocketcrm.core.db import Db
from pocketcrm.core.readmodels.card import (
    AddressView,
    AlternateView,
    CompanyRef,
    ContactCard,
    EmailView,
    PhoneView,
    StageChangeView,
    WebsiteView,
)
from pocketcrm.core.services.activity_views import (
    FOLLOW_UP_COLUMNS,
    FOLLOW_UP_TIMES,
    INTERACTION_COLUMNS,
    INTERACTION_TIMES,
    follow_up_view,
    interaction_view,
)


def format_birthday(year: int | None, month: int | None, day: int | None) -> str:
    """A birthday or anniversary as the card shows it: YYYY-MM-DD, or --MM-DD without a year."""
    if month is None or day is None:
        return ""
    return f"{year:04d}-{month:02d}-{day:02d}" if year else f"--{month:02d}-{day:02d}"


def card_for(session: Db, contact_id: int, *, interactions: int = 20) -> ContactCard:
    """The whole card in a handful of plain queries."""
    c = session.run(
        "SELECT * FROM contact WHERE id = :c",
        {"c": contact_id},
        times=("created_at", "updated_at", "deleted_at", "last_contact_at", "next_follow_up_at"),
    ).one()
    company = (
        session.run(
            "SELECT id, name, kind FROM company WHERE id = :i AND deleted_at IS NULL",
            {"i": c.company_id},
        ).first()
        if c.company_id
        else None
    )
    details = _details(session, contact_id)
    history = _history(session, contact_id, interactions, c.display_name)
    return ContactCard(
        id=int(c.id),
        uuid=c.uuid,
        display_name=c.display_name,
        given_name=c.given_name,
        family_name=c.family_name,
        additional_names=c.additional_names,
        prefix=c.prefix,
        suffix=c.suffix,
        nickname=c.nickname,
        company=CompanyRef(int(company.id), company.name, company.kind) if company else None,
        title=c.title,
        department=c.department,
        stage=c.stage,
        owner=c.owner,
        tags=tags_of(session, contact_id),
        notes=c.notes,
        birthday=format_birthday(c.birthday_year, c.birthday_month, c.birthday_day),
        anniversary=format_birthday(c.anniversary_year, c.anniversary_month, c.anniversary_day),
        do_not_contact=bool(c.do_not_contact),
        email_opt_out=bool(c.email_opt_out),
        source=c.source,
        photo=c.photo,
        created_at=c.created_at,
        updated_at=c.updated_at,
        deleted_at=c.deleted_at,
        last_contact_at=c.last_contact_at,
        next_follow_up_at=(
            None
            if c.next_follow_up_at is None
            else dates.due_from_store(c.next_follow_up_at, c.next_follow_up_date)
        ),
        **details,
        **history,
    )


def tags_of(session: Db, contact_id: int) -> tuple[str, ...]:
    """The names of a contact's tags, in name order."""
    rows = session.run(
        "SELECT t.name FROM contact_tag ct JOIN tag t ON t.id = ct.tag_id "
        "WHERE ct.contact_id = :c ORDER BY t.name",
        {"c": contact_id},
    ).scalars()
    return tuple(str(r) for r in rows)


def _details(session: Db, contact_id: int) -> dict[str, Any]:
    """The card's ways to reach a person and what else is recorded about them."""
    run, by_contact = session.run, {"c": contact_id}
    emails = run(
        "SELECT address, label, is_primary FROM contact_email WHERE contact_id = :c "
        "ORDER BY is_primary DESC, id",
        by_contact,
    ).all()
    phones = run(
        "SELECT number, e164, valid, label, is_primary, extension FROM contact_phone "
        "WHERE contact_id = :c ORDER BY is_primary DESC, id",
        by_contact,
    ).all()
    addresses = run(
        "SELECT label, street, extended, po_box, city, region, postcode, country "
        "FROM contact_address WHERE contact_id = :c ORDER BY id",
        by_contact,
    ).all()
    websites = run(
        "SELECT url, label FROM contact_website WHERE contact_id = :c ORDER BY id",
        by_contact,
    ).all()
    custom = run(
        "SELECT name, value FROM custom_field WHERE contact_id = :c ORDER BY id", by_contact
    ).all()
    external = run(
        "SELECT system, value FROM external_id WHERE contact_id = :c ORDER BY id",
        by_contact,
    ).all()
    return {
        "emails": tuple(EmailView(e.address, e.label, bool(e.is_primary)) for e in emails),
        "phones": tuple(
            PhoneView(p.number, p.e164, bool(p.valid), p.label, bool(p.is_primary), p.extension)
            for p in phones
        ),
        "addresses": tuple(AddressView(*a) for a in addresses),
        "websites": tuple(WebsiteView(w.url, w.label) for w in websites),
        "custom": {f.name: f.value for f in custom},
        "external_ids": {e.system: e.value for e in external},
    }


def _history(session: Db, contact_id: int, interactions: int, name: str) -> dict[str, Any]:
    """The card's past and future: stages, open follow-ups, recent interactions, alternates."""
    run, by_contact = session.run, {"c": contact_id}
    stages = run(
        "SELECT at, from_stage, to_stage, by FROM stage_change WHERE contact_id = :c "
        "ORDER BY at, id",
        by_contact,
        times=("at",),
    ).all()
    follow_ups = run(
        f"SELECT {FOLLOW_UP_COLUMNS} FROM follow_up WHERE contact_id = :c "
        "AND done_at IS NULL AND deleted_at IS NULL ORDER BY due_at, id",
        by_contact,
        times=FOLLOW_UP_TIMES,
    ).all()
    recent = run(
        f"SELECT {INTERACTION_COLUMNS} FROM interaction WHERE contact_id = :c "
        "AND deleted_at IS NULL ORDER BY occurred_at DESC, id DESC LIMIT :n",
        {"c": contact_id, "n": interactions},
        times=INTERACTION_TIMES,
    ).all()
    total = run(
        "SELECT count(*) FROM interaction WHERE contact_id = :c AND deleted_at IS NULL",
        by_contact,
    ).scalar_one()
    alternates = run(
        "SELECT field, value, source, recorded_at FROM contact_alternate "
        "WHERE contact_id = :c ORDER BY id",
        by_contact,
        times=("recorded_at",),
    ).all()
    return {
        "stage_history": tuple(
            StageChangeView(h.at, h.from_stage, h.to_stage, h.by) for h in stages
        ),
        "follow_ups": tuple(follow_up_view(f, name) for f in follow_ups),
        "interactions": tuple(interaction_view(i, name) for i in recent),
        "interaction_count": int(total),
        "alternates": tuple(AlternateView(*a) for a in alternates),
    }
