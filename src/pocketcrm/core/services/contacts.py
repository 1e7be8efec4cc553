"""People: create, read (the card and the lists), change, tag, stage, trash.

Both faces call these; each function is one unit of work and returns plain read models.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from pocketcrm.core import acting, clock, matching, photo, queries, sql, validate
from pocketcrm.core.db import Db
from pocketcrm.core.errors import CrmError, Invalid
from pocketcrm.core.queries import ContactQuery, list_sql, needs_company_join
from pocketcrm.core.readmodels.contact_row import ContactRow
from pocketcrm.core.readmodels.created import Created
from pocketcrm.core.readmodels.duplicates import DuplicateCandidate
from pocketcrm.core.search import fold, matching_ids_sql, reindex
from pocketcrm.core.services.contact_lists import (
    add_addresses,
    add_emails,
    add_phones,
    remove_addresses,
    remove_emails,
    remove_phones,
    remove_websites,
)
from pocketcrm.core.services.lookup import resolve as resolve  # re-exported
from pocketcrm.core.services.lookup import resolve_contact
from pocketcrm.core.services.named import company_for, tag_ids
from pocketcrm.core.settings import Settings
from pocketcrm.core.store import Store
from pocketcrm.core.times import db_time

if TYPE_CHECKING:
    from pocketcrm.core.models import Contact
    from pocketcrm.core.readmodels.card import ContactCard
    from pocketcrm.core.services.contact_input import ContactInput as ContactInput
    from pocketcrm.core.services.contact_input import ContactPatch as ContactPatch
    from pocketcrm.core.sessions import CrmSession


def __getattr__(name: str) -> Any:
    """ContactInput and ContactPatch, from contact_input on first use (PEP 562): a command
    that only reads or tags does not build them."""
    if name in ("ContactInput", "ContactPatch"):
        from pocketcrm.core.services import contact_input

        return getattr(contact_input, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# -- helpers shared by the services ---------------------------------------------------------


def _birthday(value: str, field_name: str = "birthday") -> tuple[int | None, int, int] | None:
    if not value.strip():
        return None
    from pocketcrm.core.dates import parse_birthday

    return parse_birthday(value, field=field_name)


def validate_input(data: ContactInput, settings: Settings) -> None:
    """Check everything before anything is written (nothing written on bad input)."""
    problems = input_problems(data, settings)
    if problems:
        raise problems[0]


def input_problems(data: ContactInput, settings: Settings) -> list[Invalid]:
    """Every problem with DATA, one per field, in the form's order: a form shows them all at
    once (validate_input, for the CLI, raises the first)."""
    found: list[Invalid] = []
    for check in _checks(data, settings):
        try:
            check()
        except Invalid as exc:
            if all(p.field != exc.field for p in found):
                found.append(exc)
    return found


def _company_kind(data: ContactInput) -> None:
    if data.company_kind.strip():
        if not data.company.strip():
            raise Invalid(
                "company-kind", "is the kind of the contact's company; give --company too"
            )
        validate.company_kind(data.company_kind)


def _checks(data: ContactInput, settings: Settings) -> list[Callable[[], object]]:
    """validate_input's checks, each on its own (one failing does not hide the next)."""
    checks: list[Callable[[], object]] = [lambda: validate.name(data.name)]
    checks += [partial(validate.email, validate.split_label(v)[1]) for v in data.emails]
    checks += [partial(validate.phone_text, validate.split_label(v)[1]) for v in data.phones]
    if data.stage:
        checks.append(partial(validate.stage, data.stage, settings))
    checks.append(partial(_company_kind, data))
    checks += [partial(validate.tag, v) for v in data.tags]
    checks += [partial(validate.url, v) for v in data.websites]
    checks += [
        partial(_birthday, data.birthday),
        partial(_birthday, data.anniversary, "anniversary"),
    ]
    checks += [partial(validate.address, v) for v in data.addresses]
    checks += [
        partial(_check_custom, data.custom),
        partial(
            _check_text,
            data.company,
            data.title,
            data.department,
            data.owner,
            data.source,
            data.notes,
        ),
        partial(validate.line, data.nickname, "nickname"),
        partial(_name_parts, data),
        partial(photo.photo, data.photo),
    ]
    return checks


def _check_custom(custom: dict[str, str]) -> None:
    for key, value in custom.items():
        if not key.strip():
            raise Invalid("field", "a custom field needs a name; use NAME=VALUE")
        validate.line(key, "field")
        validate.block(value, "field")


# The name's parts: each column and the field an error names (the option that types it).
_NAME_PARTS = (
    ("given_name", "given"),
    ("family_name", "family"),
    ("additional_names", "middle"),
    ("prefix", "prefix"),
    ("suffix", "suffix"),
)


def _name_parts(typed: ContactInput | ContactPatch) -> dict[str, str]:
    """The name parts typed, checked like the name, by column. A part left empty on add (or
    None on edit) is not in it; an empty one on edit clears the part."""
    from pocketcrm.core.services.contact_input import ContactInput

    parts = {}
    for column, field_name in _NAME_PARTS:
        value = getattr(typed, column)
        if value is None or (not value.strip() and isinstance(typed, ContactInput)):
            continue
        cleaned = validate.line(value, field_name)
        if len(cleaned) > 200:
            raise Invalid(field_name, "is longer than 200 characters; shorten it")
        parts[column] = cleaned
    return parts


def _display_name(name: str, parts: dict[str, str]) -> str:
    """The name as shown: 'Lee, Ann' becomes 'Ann Lee', but 'Ann Lee, PhD' with the suffix
    PhD typed stays as it is (its comma comes before a suffix, not a given name)."""
    cleaned = validate.name(name)
    suffix = parts.get("suffix", "")
    if suffix and cleaned.endswith(", " + suffix):
        return cleaned
    return validate.split_name(cleaned)[0]


def _with_split(display: str, parts: dict[str, str]) -> dict[str, str]:
    """PARTS with the given and family names a display name splits into where none was
    typed; a typed prefix, middle name or suffix is not counted in them ("Dr. Ann B. Lee
    Jr." with those three typed is given "Ann", family "Lee")."""
    rest = display
    prefix, middle, suffix = (parts.get(k, "") for k in ("prefix", "additional_names", "suffix"))
    if prefix and rest.startswith(prefix + " "):
        rest = rest[len(prefix) + 1 :]
    if suffix and rest.endswith(" " + suffix):
        rest = rest[: -len(suffix) - 1].rstrip(" ,")
    given, family = validate.split_name(rest)[1:]
    if middle and given.endswith(" " + middle):
        given = given[: -len(middle) - 1]
    return {"given_name": given, "family_name": family, **parts}


def _check_text(
    company: str | None,
    title: str | None,
    department: str | None,
    owner: str | None,
    source: str | None = None,
    notes: str | None = None,
    append_note: str | None = None,
) -> None:
    """The free-text fields hold no control or bidirectional characters (text.py)."""
    for field_name, value in (
        ("company", company),
        ("title", title),
        ("department", department),
        ("owner", owner),
        ("source", source),
    ):
        if value is not None:
            validate.line(value, field_name)
    for field_name, value in (("notes", notes), ("add-note", append_note)):
        if value is not None:
            validate.block(value, field_name)


# -- the suppression list ---------------------------------------------------------------------


def suppressed_matches(
    store: Store, emails: Sequence[str] = (), phones: Sequence[str] = ()
) -> list[SuppressedMatch]:
    """Which of these typed emails and phones belong to an erased person.

    Erasure (people.erase_person) keeps a hash of each email and phone; import skips them
    unless allowed, and add and edit ask first. Empty when nothing was ever erased."""
    with store.sql_read() as session:
        if session.run("SELECT 1 FROM suppression LIMIT 1").first() is None:
            return []
        known = {str(d) for (d,) in session.run("SELECT digest FROM suppression")}
    found = []
    for value in emails:
        address = validate.split_label(value)[1].strip()
        if matching.digest("email", address.lower()) in known:
            found.append(SuppressedMatch("email", address))
    for value in phones:
        number = " ".join(validate.split_label(value)[1].split())
        e164, _ = validate.normalize_phone(number, store.settings.default_region)
        key = matching.phone_key(number, e164)
        if key and matching.digest("phone", key) in known:
            found.append(SuppressedMatch("phone", number))
    return found


@dataclass(frozen=True)
class SuppressedMatch:
    """An email or phone of an erased person, as typed."""

    field: str  # "email" or "phone"
    value: str

    def __str__(self) -> str:
        return f"{self.field} {self.value} belongs to an erased person (suppression list)"


def _refuse_suppressed(store: Store, emails: Sequence[str], phones: Sequence[str]) -> None:
    found = suppressed_matches(store, emails, phones)
    if found:
        raise Invalid(
            found[0].field, f"{found[0].value} belongs to an erased person; confirm first"
        )


# -- create ---------------------------------------------------------------------------------


class LikelyDuplicate(CrmError):
    """An add refused because the contact seems to exist already (exit 2); candidates first
    the likeliest."""

    exit_code = 2

    def __init__(self, candidates: Sequence[DuplicateCandidate]) -> None:
        best = candidates[0]
        super().__init__(
            f"likely duplicate of #{best.id} {best.display_name} ({'; '.join(best.reasons)})"
        )
        self.candidates = list(candidates)


def create_contact(
    store: Store,
    data: ContactInput,
    *,
    refuse_duplicates: bool = False,
    allow_suppressed: bool = False,
) -> Created:
    """A new contact. REFUSE_DUPLICATES: raise LikelyDuplicate instead of adding a probable
    duplicate; it is checked inside the write transaction, so simultaneous adds of one person
    make one contact. An erased person's email or phone is refused unless ALLOW_SUPPRESSED
    (the faces ask first)."""
    settings = store.settings
    validate_input(data, settings)
    if not allow_suppressed:
        _refuse_suppressed(store, data.emails, data.phones)
    row = _contact_row(data, settings)
    with store.sql_write() as session:
        if refuse_duplicates:
            found = likely_duplicates(
                store, data.name, data.emails, data.phones, company=data.company, session=session
            )
            if found:
                raise LikelyDuplicate(found)
        if data.company.strip():
            row["company_id"] = company_for(
                session, data.company, row["stage"], data.company_kind, settings=settings
            )
        contact_id, warnings = _insert(session, row, data, settings)
        return Created(
            id=contact_id, uuid=row["uuid"], label=row["display_name"], warnings=tuple(warnings)
        )


def _insert(
    session: Db, row: dict[str, Any], data: ContactInput, settings: Settings
) -> tuple[int, list[str]]:
    if not data.owner.strip():  # the configured owner, as the user's login
        row["owner"] = acting.owner(session, settings.owner)
    contact_id = sql.insert(session, "contact", row)
    warnings = _add_children(session, contact_id, data, settings.default_region)
    sql.insert(
        session,
        "stage_change",
        {
            "contact_id": contact_id,
            "at": row["created_at"],
            "from_stage": "",
            "to_stage": row["stage"],
            "by": row["owner"],
        },
    )
    reindex(session, [contact_id])
    return contact_id, warnings


def add_contact_in(session: Db, store: Store, data: ContactInput) -> int:
    """A new contact inside the caller's transaction (the mail intake's leads)."""
    validate_input(data, store.settings)
    return _insert(session, _contact_row(data, store.settings), data, store.settings)[0]


def _contact_row(data: ContactInput, settings: Settings) -> dict[str, Any]:
    """The contact table's row for DATA (already validated), before the company is known."""
    typed_parts = _name_parts(data)
    display = _display_name(data.name, typed_parts)
    parts = _with_split(display, typed_parts)
    birthday = _birthday(data.birthday)
    anniversary = _birthday(data.anniversary, "anniversary")
    year, month, day = birthday if birthday else (None, None, None)
    a_year, a_month, a_day = anniversary if anniversary else (None, None, None)
    now = clock.now()
    return {
        "uuid": sql.new_uuid(),
        "display_name": display,
        "given_name": parts["given_name"],
        "family_name": parts["family_name"],
        "additional_names": parts.get("additional_names", ""),
        "prefix": parts.get("prefix", ""),
        "suffix": parts.get("suffix", ""),
        "nickname": validate.line(data.nickname, "nickname"),
        "name_key": fold(display),
        "company_id": None,
        "title": data.title.strip(),
        "department": data.department.strip(),
        "stage": validate.stage(data.stage, settings) if data.stage else settings.stages[0],
        "owner": (data.owner or settings.owner).strip(),
        "notes": data.notes.strip(),
        "birthday_year": year,
        "birthday_month": month,
        "birthday_day": day,
        "anniversary_year": a_year,
        "anniversary_month": a_month,
        "anniversary_day": a_day,
        "do_not_contact": data.do_not_contact,
        "email_opt_out": data.email_opt_out,
        "source": data.source.strip(),
        "photo": photo.photo(data.photo),
        "created_at": now,
        "updated_at": now,
    }


def _add_children(session: Db, contact_id: int, data: ContactInput, region: str) -> list[str]:
    """A new contact's emails, phones, websites, addresses, custom fields and tags; returns
    the phones' warnings."""
    add_emails(session, contact_id, data.emails, False)
    warnings = add_phones(session, contact_id, data.phones, False, region)
    for value in data.websites:
        label, url = validate.split_label(value)
        sql.insert(
            session,
            "contact_website",
            {"contact_id": contact_id, "url": validate.url(url), "label": label},
        )
    add_addresses(session, contact_id, data.addresses)
    for name, value in data.custom.items():
        sql.insert(
            session,
            "custom_field",
            {"contact_id": contact_id, "name": name.strip(), "value": value},
        )
    for tag_id in tag_ids(session, sorted({validate.tag(t) for t in data.tags})):
        sql.insert_plain(session, "contact_tag", {"contact_id": contact_id, "tag_id": tag_id})
    return warnings


def likely_duplicates(
    store: Store,
    name: str,
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
    *,
    company: str = "",
    exclude_id: int | None = None,
    session: Db | None = None,
) -> list[DuplicateCandidate]:
    """Existing contacts that are probably this person, scored by the one duplicate rule
    (core/matching.py: `pocketcrm dupes` scores the pair the same once it is added).

    COMPANY: the company typed for the new contact (a name or an id). SESSION: look inside
    that (write) transaction instead of a read of its own.
    """
    addresses = [validate.split_label(e)[1].strip().lower() for e in emails]
    numbers = []
    for value in phones:
        e164, _ = validate.normalize_phone(
            validate.split_label(value)[1], store.settings.default_region
        )
        if e164:
            numbers.append(e164)
    with store.sql_read() if session is None else nullcontext(session) as session:
        return matching.likely_matches(
            session, name, addresses, numbers, company=company, exclude_id=exclude_id
        )


def get_card(store: Store, ref: str, *, interactions: int = 20) -> ContactCard:
    """The index card for REF."""
    from pocketcrm.core.services.cards import card_for  # the card's classes: ~44M instructions

    with store.sql_read() as session:
        contact_id = resolve_contact(session, ref, region=store.settings.default_region)
        return card_for(session, contact_id, interactions=interactions)


def get_card_by_id(store: Store, contact_id: int, *, interactions: int = 20) -> ContactCard:
    from pocketcrm.core.services.cards import card_for  # the card's classes: ~44M instructions

    with store.sql_read() as session:
        resolve_contact(session, str(contact_id), include_deleted=True)
        return card_for(session, contact_id, interactions=interactions)


def list_contacts(store: Store, query: ContactQuery | None = None) -> list[ContactRow]:
    with store.sql_read() as session:
        return queries.select_rows(session, query or ContactQuery(), store.settings)


def count_contacts(store: Store, query: ContactQuery | None = None) -> int:
    query = query or ContactQuery()
    with store.sql_read() as session:
        where, params = queries.where(session, query, store.settings)
        # The company join only when a filter needs it: at 100,000 contacts it cost 95 ms of 103.
        source = (
            "contact c LEFT JOIN company co ON co.id = c.company_id AND co.deleted_at IS NULL"
            if needs_company_join(query)
            else "contact c"
        )
        sql = f"SELECT count(*) FROM {source}" + where
        return int(session.run(sql, params).scalar_one())


def search_contacts(store: Store, words: str, *, limit: int = 50) -> list[ContactRow]:
    """Full-text search, best matches first (prefix match, accents ignored)."""
    with store.sql_read() as session:
        found = matching_ids_sql(session, words)
        if found is None:
            return []
        sql, params = found
        ids = [int(i) for i in session.run(sql + f" LIMIT {int(limit) * 2}", params).scalars()]
        if not ids:
            return []
        marks = ",".join(str(i) for i in ids)
        rows = session.run(
            list_sql(session) + f" WHERE c.id IN ({marks}) AND c.deleted_at IS NULL"
        ).all()
        by_id = {int(str(r[0])): r for r in rows}
        ordered = [by_id[i] for i in dict.fromkeys(ids) if i in by_id]
        return [queries.row(r) for r in ordered[:limit]]


# -- change ---------------------------------------------------------------------------------


def validate_patch(patch: ContactPatch) -> None:
    """Check a change before anything is written (the faces ask before confirming)."""
    if patch.name is not None:
        validate.name(patch.name)
    for value in patch.add_emails:
        validate.email(validate.split_label(value)[1])
    for value in patch.add_phones:
        validate.phone_text(validate.split_label(value)[1])
    for value in patch.add_websites:
        validate.url(validate.split_label(value)[1])
    if patch.birthday:
        _birthday(patch.birthday)
    _check_custom(patch.set_custom)
    if patch.anniversary:
        _birthday(patch.anniversary, "anniversary")
    if patch.nickname is not None:
        validate.line(patch.nickname, "nickname")
    for value in patch.add_addresses:
        validate.address(value)
    _check_text(
        patch.company,
        patch.title,
        patch.department,
        patch.owner,
        patch.source,
        notes=patch.notes,
        append_note=patch.append_note,
    )
    _name_parts(patch)
    if patch.photo is not None:
        photo.photo(patch.photo)


def update_contact(
    store: Store, ref: str, patch: ContactPatch, *, allow_suppressed: bool = False
) -> ContactCard:
    """Change a contact; an added email or phone of an erased person is refused unless
    allow_suppressed (the faces ask first)."""
    from pocketcrm.core.models import Contact
    from pocketcrm.core.services.cards import card_for  # the card's classes: ~44M instructions

    validate_patch(patch)
    if not allow_suppressed:
        _refuse_suppressed(store, patch.add_emails, patch.add_phones)
    settings = store.settings
    picture = None if patch.photo is None else photo.photo(patch.photo)  # read before the lock
    with store.write() as session:
        contact_id = resolve_contact(session, ref, region=settings.default_region)
        contact = session.get(Contact, contact_id)
        assert contact is not None
        _change_name(contact, patch)
        if patch.company is not None:
            contact.company_id = (
                company_for(session, patch.company, contact.stage, settings=settings)
                if patch.company.strip()
                else None
            )
        _change_fields(contact, patch)
        if picture is not None:
            contact.photo = picture
        session.flush()
        _change_lists(session, contact_id, patch, settings.default_region)
        contact.updated_at = clock.now()
        session.flush()
        reindex(session, [contact_id])
        return card_for(session, contact_id)


def _change_name(contact: Contact, patch: ContactPatch) -> None:
    """A new name splits into given and family names; parts typed as well win."""
    parts = _name_parts(patch)
    if patch.name is not None:
        # the stored prefix, middle names and suffix count as typed unless changed too
        stored = {k: getattr(contact, k) for k in ("prefix", "additional_names", "suffix")}
        parts = {**stored, **parts}
        display = _display_name(patch.name, parts)
        contact.display_name, contact.name_key = display, fold(display)
        parts = _with_split(display, parts)
    for column, value in parts.items():
        setattr(contact, column, value)


def _change_fields(contact: Contact, patch: ContactPatch) -> None:
    """The contact's own single-value fields (not its name, company or photo)."""
    for attr in ("title", "department", "owner", "notes", "source"):
        value = getattr(patch, attr)
        if value is not None:
            setattr(contact, attr, value.strip())
    if patch.append_note:
        contact.notes = (contact.notes + "\n" + patch.append_note.strip()).strip()
    if patch.birthday is not None:
        parsed = _birthday(patch.birthday)
        contact.birthday_year, contact.birthday_month, contact.birthday_day = (
            parsed if parsed else (None, None, None)
        )
    if patch.anniversary is not None:
        parsed = _birthday(patch.anniversary, "anniversary")
        contact.anniversary_year, contact.anniversary_month, contact.anniversary_day = (
            parsed if parsed else (None, None, None)
        )
    if patch.nickname is not None:
        contact.nickname = validate.line(patch.nickname, "nickname")
    if patch.do_not_contact is not None:
        contact.do_not_contact = patch.do_not_contact
    if patch.email_opt_out is not None:
        contact.email_opt_out = patch.email_opt_out


def _change_lists(session: CrmSession, contact_id: int, patch: ContactPatch, region: str) -> None:
    """Addresses, emails, phones, websites and custom fields: removals first, then additions."""
    from sqlmodel import select  # the ORM's edit path (`edit`), never the everyday one

    from pocketcrm.core.models import ContactEmail, ContactPhone, ContactWebsite

    remove_addresses(session, contact_id, patch.remove_addresses)
    add_addresses(session, contact_id, patch.add_addresses)
    remove_emails(session, contact_id, patch.remove_emails)
    remove_phones(session, contact_id, patch.remove_phones, region)
    has_email = bool(
        session.exec(select(ContactEmail).where(ContactEmail.contact_id == contact_id)).first()
    )
    add_emails(session, contact_id, patch.add_emails, has_email)
    has_phone = bool(
        session.exec(select(ContactPhone).where(ContactPhone.contact_id == contact_id)).first()
    )
    add_phones(session, contact_id, patch.add_phones, has_phone, region)
    remove_websites(session, contact_id, patch.remove_websites)
    for value in patch.add_websites:
        label, url = validate.split_label(value)
        session.add(ContactWebsite(contact_id=contact_id, url=validate.url(url), label=label))
    _change_custom(session, contact_id, patch.set_custom, patch.remove_custom)


def _change_custom(
    session: CrmSession, contact_id: int, values: dict[str, str], removed: Sequence[str]
) -> None:
    from sqlmodel import select

    from pocketcrm.core.models import CustomField

    for name, value in values.items():
        existing = session.exec(
            select(CustomField).where(
                CustomField.contact_id == contact_id, CustomField.name == name.strip()
            )
        ).first()
        if existing is None:
            session.add(CustomField(contact_id=contact_id, name=name.strip(), value=value))
        else:
            existing.value = value
    for name in removed:
        for existing in session.exec(
            select(CustomField).where(
                CustomField.contact_id == contact_id, CustomField.name == name.strip()
            )
        ).all():
            session.delete(existing)


def change_tags(store: Store, ref: str, add: Sequence[str], remove: Sequence[str]) -> ContactCard:
    """`tag REF +vip -cold`: add and remove in one step."""
    # The card's classes cost ~44M instructions: only a command that answers with a card.
    from pocketcrm.core.services.cards import card_for, tags_of

    adding = sorted({validate.tag(t) for t in add})
    removing = sorted({validate.tag(t) for t in remove})
    with store.sql_write() as session:
        contact_id = resolve_contact(session, ref, region=store.settings.default_region)
        current = set(tags_of(session, contact_id))
        for tag_id in tag_ids(session, [t for t in adding if t not in current]):
            sql.insert_plain(session, "contact_tag", {"contact_id": contact_id, "tag_id": tag_id})
        for name in removing:
            session.run(
                "DELETE FROM contact_tag WHERE contact_id = :c AND tag_id = "
                "(SELECT id FROM tag WHERE name = :n)",
                {"c": contact_id, "n": name},
            )
        session.run(
            "UPDATE contact SET updated_at = :now WHERE id = :c",
            {"c": contact_id, "now": db_time(clock.now())},
        )
        reindex(session, [contact_id])
        return card_for(session, contact_id)


def set_stage(store: Store, ref: str, stage: str, *, by: str = "") -> ContactCard:
    """Move a contact along the life cycle; every change is kept in its history."""
    from pocketcrm.core.services.cards import card_for  # the card's classes: ~44M instructions

    new_stage = validate.stage(stage, store.settings)
    with store.sql_write() as session:
        contact_id = resolve_contact(session, ref, region=store.settings.default_region)
        current = session.run("SELECT stage FROM contact WHERE id = :c", {"c": contact_id})
        old_stage = str(current.scalar_one())
        if old_stage != new_stage:
            now = clock.now()
            sql.insert(
                session,
                "stage_change",
                {
                    "contact_id": contact_id,
                    "at": now,
                    "from_stage": old_stage,
                    "to_stage": new_stage,
                    "by": by or acting.owner(session, store.settings.owner),
                },
            )
            session.run(
                "UPDATE contact SET stage = :s, updated_at = :now WHERE id = :c",
                {"c": contact_id, "s": new_stage, "now": db_time(now)},
            )
        return card_for(session, contact_id)
