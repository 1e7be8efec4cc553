"""The trash: nothing a person deletes is lost until they empty it on purpose."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlmodel import col, select

from pocketcrm.core import clock
from pocketcrm.core.errors import Invalid, NotFound
from pocketcrm.core.models import Company, Contact, FollowUp, Interaction, db_time
from pocketcrm.core.readmodels import TrashItem
from pocketcrm.core.search import reindex, reindex_company
from pocketcrm.core.services.activity import refresh_contact_dates
from pocketcrm.core.services.lookup import resolve_company, resolve_contact
from pocketcrm.core.store import Store

KINDS = ("contact", "company", "interaction", "follow_up")


def trash_contact(store: Store, ref: str) -> TrashItem:
    with store.write() as session:
        contact_id = resolve_contact(session, ref, region=store.settings.default_region)
        contact = session.get(Contact, contact_id)
        assert contact is not None and contact.id is not None
        contact.deleted_at = clock.now()
        session.flush()
        reindex(session, [contact.id])
        return TrashItem("contact", contact.id, contact.display_name, contact.deleted_at)


def trash_company(store: Store, ref: str) -> TrashItem:
    """A company goes to the trash; its people stay. Their link is kept (a restore brings it
    back) but a trashed company shows nowhere: not on their cards, lists or in search."""
    with store.write() as session:
        company_id = resolve_company(session, ref)
        company = session.get(Company, company_id)
        assert company is not None and company.id is not None
        company.deleted_at = clock.now()
        session.flush()
        reindex_company(session, company_id)
        return TrashItem("company", company.id, company.name, company.deleted_at)


def trash_interaction(store: Store, interaction_id: int) -> TrashItem:
    with store.write() as session:
        row = session.get(Interaction, interaction_id)
        if row is None or row.deleted_at is not None:
            raise NotFound("interaction", str(interaction_id))
        row.deleted_at = clock.now()
        refresh_contact_dates(session, row.contact_id)
        return TrashItem(
            "interaction", interaction_id, f"{row.kind} {row.occurred_at:%Y-%m-%d}", row.deleted_at
        )


def trash_follow_up(store: Store, follow_up_id: int) -> TrashItem:
    with store.write() as session:
        row = session.get(FollowUp, follow_up_id)
        if row is None or row.deleted_at is not None:
            raise NotFound("follow-up", str(follow_up_id))
        row.deleted_at = clock.now()
        refresh_contact_dates(session, row.contact_id)
        return TrashItem("follow_up", follow_up_id, row.note or "follow-up", row.deleted_at)


def list_trash(store: Store) -> list[TrashItem]:
    items: list[TrashItem] = []
    with store.read() as session:
        for contact in session.exec(
            select(Contact).where(col(Contact.deleted_at).is_not(None))
        ).all():
            assert contact.id is not None and contact.deleted_at is not None
            items.append(TrashItem("contact", contact.id, contact.display_name, contact.deleted_at))
        for company in session.exec(
            select(Company).where(col(Company.deleted_at).is_not(None))
        ).all():
            assert company.id is not None and company.deleted_at is not None
            items.append(TrashItem("company", company.id, company.name, company.deleted_at))
        for inter in session.exec(
            select(Interaction).where(col(Interaction.deleted_at).is_not(None))
        ).all():
            assert inter.id is not None and inter.deleted_at is not None
            label = f"{inter.kind} {inter.occurred_at:%Y-%m-%d}: {inter.notes[:40]}".strip()
            items.append(TrashItem("interaction", inter.id, label, inter.deleted_at))
        for follow in session.exec(
            select(FollowUp).where(col(FollowUp.deleted_at).is_not(None))
        ).all():
            assert follow.id is not None and follow.deleted_at is not None
            items.append(
                TrashItem("follow_up", follow.id, follow.note or "follow-up", follow.deleted_at)
            )
    return sorted(items, key=lambda i: i.deleted_at, reverse=True)


def restore(store: Store, ref: str, kind: str = "contact") -> TrashItem:
    """Bring a record back from the trash, exactly as it was."""
    if kind not in KINDS:
        raise Invalid("kind", f"unknown kind {kind!r}; use one of: {', '.join(KINDS)}")
    with store.write() as session:
        if kind == "contact":
            contact_id = resolve_contact(session, ref, include_deleted=True)
            contact = session.get(Contact, contact_id)
            assert contact is not None and contact.id is not None
            if contact.deleted_at is None:
                raise Invalid("ref", f"{contact.display_name} is not in the trash")
            when = contact.deleted_at
            contact.deleted_at = None
            session.flush()
            reindex(session, [contact.id])
            return TrashItem("contact", contact.id, contact.display_name, when)
        if kind == "company":
            company_id = resolve_company(session, ref, include_deleted=True)
            company = session.get(Company, company_id)
            assert company is not None and company.id is not None
            if company.deleted_at is None:
                raise Invalid("ref", f"{company.name} is not in the trash")
            when = company.deleted_at
            company.deleted_at = None
            session.flush()
            reindex_company(session, company_id)
            return TrashItem("company", company.id, company.name, when)
        if not ref.strip().isdecimal():
            raise Invalid("ref", f"give the {kind.replace('_', '-')} id (a number)")
        row: Interaction | FollowUp | None = (
            session.get(Interaction, int(ref))
            if kind == "interaction"
            else session.get(FollowUp, int(ref))
        )
        if row is None or row.deleted_at is None:
            raise NotFound(f"{kind.replace('_', '-')} in the trash", ref)
        when = row.deleted_at
        row.deleted_at = None
        refresh_contact_dates(session, row.contact_id)
        return TrashItem(kind, int(ref), kind, when)


def purge_trash(store: Store, *, older_than: datetime | None = None) -> int:
    """Delete for good what is in the trash (and everything tied to those contacts: their
    deals with stage history, invoices and payments go by the foreign keys' ON DELETE CASCADE)."""
    cutoff = older_than or clock.now()
    count = 0
    with store.write() as session:
        # A follow-up scheduled with a call points at it; the call may go, the plan stays.
        session.execute(
            text(
                "UPDATE follow_up SET interaction_id = NULL WHERE interaction_id IN "
                "(SELECT id FROM interaction WHERE deleted_at IS NOT NULL AND deleted_at <= :t)"
            ),
            {"t": db_time(cutoff)},
        )
        for table in ("follow_up", "interaction"):
            result = session.execute(
                text(f"DELETE FROM {table} WHERE deleted_at IS NOT NULL AND deleted_at <= :t"),
                {"t": db_time(cutoff)},
            )
            count += int(getattr(result, "rowcount", 0) or 0)
        contacts = session.exec(
            select(Contact).where(
                col(Contact.deleted_at).is_not(None), col(Contact.deleted_at) <= cutoff
            )
        ).all()
        for contact in contacts:
            session.delete(contact)
            count += 1
        companies = session.exec(
            select(Company).where(
                col(Company.deleted_at).is_not(None), col(Company.deleted_at) <= cutoff
            )
        ).all()
        for company in companies:
            session.execute(
                text("UPDATE contact SET company_id = NULL WHERE company_id = :c"),
                {"c": company.id},
            )
            session.execute(
                text("UPDATE interaction SET company_id = NULL WHERE company_id = :c"),
                {"c": company.id},
            )
            # A deal names its company without ON DELETE: the deal stays, unlinked.
            session.execute(
                text("UPDATE deal SET company_id = NULL WHERE company_id = :c"),
                {"c": company.id},
            )
            session.delete(company)
            count += 1
    return count
