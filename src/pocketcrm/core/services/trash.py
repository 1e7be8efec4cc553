"""The trash: nothing a person deletes is lost until they empty it on purpose."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from pocketcrm.core import clock, dates
from pocketcrm.core.errors import Invalid, NotFound
from pocketcrm.core.models import (
    Company,
    Contact,
    Deal,
    FollowUp,
    Interaction,
    Invoice,
    Payment,
    db_time,
)
from pocketcrm.core.money import format_amount
from pocketcrm.core.readmodels.trash import TrashItem
from pocketcrm.core.search import reindex, reindex_company
from pocketcrm.core.services.activity import refresh_contact_dates
from pocketcrm.core.services.lookup import resolve_company, resolve_contact
from pocketcrm.core.store import Store

KINDS = ("contact", "company", "interaction", "follow_up", "deal", "invoice", "payment")


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


def _contact_name(session: Session, contact_id: int) -> str:
    contact = session.get(Contact, contact_id)
    return contact.display_name if contact is not None else f"contact #{contact_id}"


def _interaction_label(session: Session, row: Interaction, *, notes: bool = False) -> str:
    """'call with Dave Kowalski on 2026-12-01': the record, not just a number."""
    day = dates.due_day(row.occurred_at)
    label = f"{row.kind} with {_contact_name(session, row.contact_id)} on {day.isoformat()}"
    return f"{label}: {row.notes[:40]}" if notes and row.notes else label


def _follow_up_label(session: Session, row: FollowUp, *, notes: bool = False) -> str:
    """'Dave Kowalski, due 2026-12-03' (a day alone for an all-day one)."""
    due = dates.format_due(dates.due_from_store(row.due_at, row.due_date))
    label = f"{_contact_name(session, row.contact_id)}, due {due}"
    return f"{label}: {row.note[:40]}" if notes and row.note else label


def trash_interaction(store: Store, interaction_id: int) -> TrashItem:
    """A call or note logged by mistake goes to the trash (`restore --kind interaction`).

    A follow-up scheduled with it stays: it is a plan of its own."""
    with store.write() as session:
        row = session.get(Interaction, interaction_id)
        if row is None or row.deleted_at is not None:
            raise NotFound("interaction", str(interaction_id))
        row.deleted_at = clock.now()
        refresh_contact_dates(session, row.contact_id)
        reindex(session, [row.contact_id])  # its notes leave the search
        return TrashItem(
            "interaction", interaction_id, _interaction_label(session, row), row.deleted_at
        )


def trash_follow_up(store: Store, follow_up_id: int) -> TrashItem:
    """A follow-up entered by mistake goes to the trash: unlike `done`, it then counts
    nowhere (not as done, nor on time, in the report)."""
    with store.write() as session:
        row = session.get(FollowUp, follow_up_id)
        if row is None or row.deleted_at is not None:
            raise NotFound("follow-up", str(follow_up_id))
        row.deleted_at = clock.now()
        refresh_contact_dates(session, row.contact_id)
        return TrashItem("follow_up", follow_up_id, _follow_up_label(session, row), row.deleted_at)


# What the trash lists: each kind, its table and how an item is labelled.
_LISTED: tuple[tuple[str, Any, Callable[[Session, Any], str]], ...] = (
    ("contact", Contact, lambda s, r: r.display_name),
    ("company", Company, lambda s, r: r.name),
    ("interaction", Interaction, lambda s, r: _interaction_label(s, r, notes=True)),
    ("follow_up", FollowUp, lambda s, r: _follow_up_label(s, r, notes=True)),
    ("deal", Deal, lambda s, r: r.title),
    ("invoice", Invoice, lambda s, r: r.number),
    ("payment", Payment, lambda s, r: format_amount(r.amount_cents, r.currency)),
)


def list_trash(store: Store) -> list[TrashItem]:
    items: list[TrashItem] = []
    with store.read() as session:
        for kind, model, label in _LISTED:
            for row in session.exec(select(model).where(col(model.deleted_at).is_not(None))):
                items.append(TrashItem(kind, row.id, label(session, row), row.deleted_at))
    return sorted(items, key=lambda i: i.deleted_at, reverse=True)


def restore(store: Store, ref: str, kind: str = "contact") -> TrashItem:
    """Bring a record back from the trash, exactly as it was ("follow-up" is "follow_up")."""
    kind = kind.strip().lower().replace("-", "_")
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
        if kind == "invoice":
            return _restore_invoice(session, ref)
        if not ref.strip().lstrip("#").isdecimal():
            raise Invalid("ref", f"give the {kind.replace('_', '-')} id (a number)")
        if kind in ("deal", "payment"):
            return _restore_money(session, kind, int(ref.strip().lstrip("#")))
        record_id = int(ref.strip().lstrip("#"))
        row: Interaction | FollowUp | None = (
            session.get(Interaction, record_id)
            if kind == "interaction"
            else session.get(FollowUp, record_id)
        )
        if row is None or row.deleted_at is None:
            raise NotFound(f"{kind.replace('_', '-')} in the trash", ref)
        when = row.deleted_at
        row.deleted_at = None
        refresh_contact_dates(session, row.contact_id)
        if kind == "interaction":
            reindex(session, [row.contact_id])  # its notes are found again
        label = (
            _interaction_label(session, row)
            if isinstance(row, Interaction)
            else _follow_up_label(session, row)
        )
        return TrashItem(kind, record_id, label, when)


def _restore_invoice(session: Session, ref: str) -> TrashItem:
    """An invoice comes back by its number or id (its payments were never trashed with it)."""
    cleaned = ref.strip()
    invoice = session.exec(
        select(Invoice).where(func.upper(col(Invoice.number)) == cleaned.upper())
    ).first()
    if invoice is None and cleaned.lstrip("#").isdecimal():
        invoice = session.get(Invoice, int(cleaned.lstrip("#")))
    if invoice is None or invoice.deleted_at is None or invoice.id is None:
        raise NotFound("invoice in the trash", ref)
    when = invoice.deleted_at
    invoice.deleted_at = None
    return TrashItem("invoice", invoice.id, invoice.number, when)


def _restore_money(session: Session, kind: str, record_id: int) -> TrashItem:
    row: Deal | Payment | None = (
        session.get(Deal, record_id) if kind == "deal" else session.get(Payment, record_id)
    )
    if row is None or row.deleted_at is None:
        raise NotFound(f"{kind} in the trash", str(record_id))
    when = row.deleted_at
    if isinstance(row, Payment):
        # Back in, the payment must still fit: the invoice may have been paid meanwhile.
        invoice = session.get(Invoice, row.invoice_id)
        assert invoice is not None
        paid = session.execute(
            text(
                "SELECT coalesce(sum(amount_cents), 0) FROM payment "
                "WHERE invoice_id = :i AND deleted_at IS NULL"
            ),
            {"i": row.invoice_id},
        ).scalar_one()
        if int(paid) + row.amount_cents > invoice.amount_cents or int(paid) + row.amount_cents < 0:
            raise Invalid(
                "ref",
                f"payment #{record_id} no longer fits {invoice.number} (paid since); "
                "record a new payment instead",
            )
        label = f"{format_amount(row.amount_cents, row.currency)} on {invoice.number}"
    else:
        label = row.title
    row.deleted_at = None
    return TrashItem(kind, record_id, label, when)


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
        # Money records: payments of trashed invoices go with them; a purged deal leaves its
        # invoices in place, unlinked.
        session.execute(
            text(
                "UPDATE invoice SET deal_id = NULL WHERE deal_id IN (SELECT id FROM deal "
                "WHERE deleted_at IS NOT NULL AND deleted_at <= :t)"
            ),
            {"t": db_time(cutoff)},
        )
        session.execute(
            text(
                "DELETE FROM payment WHERE invoice_id IN (SELECT id FROM invoice "
                "WHERE deleted_at IS NOT NULL AND deleted_at <= :t)"
            ),
            {"t": db_time(cutoff)},
        )
        for table in ("payment", "invoice", "deal", "follow_up", "interaction"):
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
