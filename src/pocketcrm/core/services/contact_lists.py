"""A contact's lists (emails, phones, websites, postal addresses): adding and removing entries
inside the caller's write, and keeping one primary of each kind."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pocketcrm.core import sql, validate
from pocketcrm.core.db import Db
from pocketcrm.core.errors import Invalid

if TYPE_CHECKING:
    from pocketcrm.core.models import ContactEmail, ContactPhone
    from pocketcrm.core.sessions import CrmSession


def add_emails(session: Db, contact_id: int, values: Sequence[str], has_primary: bool) -> None:
    known = set(
        session.run(
            "SELECT address_key FROM contact_email WHERE contact_id = :c", {"c": contact_id}
        ).scalars()
    )
    for value in values:
        label, address = validate.split_label(value)
        address = validate.email(address)
        if address.lower() in known:  # given twice, or already there: keep one
            continue
        known.add(address.lower())
        sql.insert(
            session,
            "contact_email",
            {
                "contact_id": contact_id,
                "address": address,
                "address_key": address.lower(),
                "label": label,
                "is_primary": not has_primary,
            },
        )
        has_primary = True


def add_phones(
    session: Db, contact_id: int, values: Sequence[str], has_primary: bool, region: str
) -> list[str]:
    """Adds phones as typed with E.164 and a validity flag; returns warnings for invalid ones."""
    warnings = []
    known = {
        str(e164 or number)
        for number, e164 in session.run(
            "SELECT number, e164 FROM contact_phone WHERE contact_id = :c", {"c": contact_id}
        )
    }
    for value in values:
        label, number = validate.split_label(value)
        number = validate.phone_text(number)
        e164, valid = validate.normalize_phone(number, region)
        if (e164 or number) in known:  # given twice, or already there: keep one
            continue
        known.add(e164 or number)
        if not valid:
            warnings.append(f"phone {number!r} does not look valid; kept as typed and flagged")
        sql.insert(
            session,
            "contact_phone",
            {
                "contact_id": contact_id,
                "number": number,
                "e164": e164,
                "valid": valid,
                "extension": "",
                "label": label,
                "is_primary": not has_primary,
            },
        )
        has_primary = True
    return warnings


def website_key(value: str) -> str:
    """A web address compared loosely: 'https://www.example.com/' is 'example.com'."""
    key = value.strip().lower()
    for prefix in ("https://", "http://", "www."):
        key = key.removeprefix(prefix)
    return key.rstrip("/")


def remove_websites(session: Db, contact_id: int, values: Sequence[str]) -> None:
    """Remove the websites with this label or this address (the scheme and a final '/' do
    not matter)."""
    rows = session.run(
        "SELECT id, url, label FROM contact_website WHERE contact_id = :c ORDER BY id",
        {"c": contact_id},
    ).all()
    for value in values:
        wanted = value.strip().lower()
        gone = [
            r.id
            for r in rows
            if wanted == r.label.lower() or website_key(value) == website_key(r.url)
        ]
        if not wanted or not gone:
            raise Invalid("website", f"{value!r} is not one of this contact's websites")
        for site_id in gone:
            session.run("DELETE FROM contact_website WHERE id = :i", {"i": site_id})


def add_addresses(session: Db, contact_id: int, values: Sequence[str]) -> None:
    for value in values:
        label, street, city, region, postcode, country = validate.address(value)
        sql.insert(
            session,
            "contact_address",
            {
                "contact_id": contact_id,
                "label": label,
                "street": street,
                "extended": "",
                "po_box": "",
                "city": city,
                "region": region,
                "postcode": postcode,
                "country": country,
            },
        )


def remove_addresses(session: Db, contact_id: int, values: Sequence[str]) -> None:
    """Remove the addresses with this label or this one-line text (as `show` prints it)."""
    from pocketcrm.core.readmodels.card import AddressView  # edit only: the card's classes

    rows = session.run(
        "SELECT id, label, street, extended, po_box, city, region, postcode, country "
        "FROM contact_address WHERE contact_id = :c ORDER BY id",
        {"c": contact_id},
    ).all()
    for value in values:
        wanted = " ".join(value.split()).lower()
        gone = [
            r.id
            for r in rows
            if wanted in (r.label.lower(), AddressView(*r[1:]).one_line().lower())
        ]
        if not gone:
            raise Invalid("address", f"{value!r} is not one of this contact's addresses")
        for address_id in gone:
            session.run("DELETE FROM contact_address WHERE id = :i", {"i": address_id})


def remove_emails(session: CrmSession, contact_id: int, values: Sequence[str]) -> None:
    from sqlmodel import select  # the ORM's edit path (`edit`), never the everyday one

    from pocketcrm.core.models import ContactEmail

    for value in values:
        rows = session.exec(
            select(ContactEmail).where(
                ContactEmail.contact_id == contact_id,
                ContactEmail.address_key == value.strip().lower(),
            )
        ).all()
        if not rows:
            raise Invalid("email", f"{value!r} is not one of this contact's emails")
        for row in rows:
            session.delete(row)
    if values:
        ensure_primary(session, ContactEmail, contact_id)


def remove_phones(session: CrmSession, contact_id: int, values: Sequence[str], region: str) -> None:
    from sqlmodel import select

    from pocketcrm.core.models import ContactPhone

    for value in values:
        e164, _ = validate.normalize_phone(value, region)
        rows = [
            p
            for p in session.exec(select(ContactPhone).where(ContactPhone.contact_id == contact_id))
            if p.number == value.strip() or (e164 and p.e164 == e164)
        ]
        if not rows:
            raise Invalid("phone", f"{value!r} is not one of this contact's phones")
        for row in rows:
            session.delete(row)
    if values:
        ensure_primary(session, ContactPhone, contact_id)


def ensure_primary(
    session: CrmSession, model: type[ContactEmail] | type[ContactPhone], contact_id: int
) -> None:
    """After a removal, the first remaining email (or phone) becomes the primary one."""
    from sqlmodel import select

    session.flush()
    rows: list[ContactEmail | ContactPhone] = list(
        session.exec(select(model).where(model.contact_id == contact_id))  # type: ignore[arg-type]
    )
    if rows and not any(r.is_primary for r in rows):
        rows[0].is_primary = True
