"""Companies: the organisations people belong to (customers, suppliers, partners, ...)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text
from sqlmodel import Session, col, select

from pocketcrm.core import acting, clock, validate
from pocketcrm.core.dialect import joined
from pocketcrm.core.errors import Invalid
from pocketcrm.core.models import Company, CompanyTag, Contact, Interaction
from pocketcrm.core.queries import ContactQuery, select_rows
from pocketcrm.core.readmodels.companies import CompanyCard, CompanyRow
from pocketcrm.core.readmodels.created import Created
from pocketcrm.core.search import contains, fold, reindex_company
from pocketcrm.core.services.activity_views import interaction_view
from pocketcrm.core.services.lookup import resolve_company
from pocketcrm.core.services.named import tag_ids
from pocketcrm.core.sorting import order_sql
from pocketcrm.core.store import Store

_FIELDS = ("website", "phone", "email", "street", "city", "region", "postcode", "country")


@dataclass
class CompanyInput:
    name: str
    kind: str = "customer"
    website: str = ""
    phone: str = ""
    email: str = ""
    street: str = ""
    city: str = ""
    region: str = ""
    postcode: str = ""
    country: str = ""
    notes: str = ""
    owner: str = ""
    tags: list[str] = field(default_factory=list)


@dataclass
class CompanyPatch:
    name: str | None = None
    kind: str | None = None
    website: str | None = None
    phone: str | None = None
    email: str | None = None
    street: str | None = None
    city: str | None = None
    region: str | None = None
    postcode: str | None = None
    country: str | None = None
    notes: str | None = None
    owner: str | None = None
    add_tags: list[str] = field(default_factory=list)
    remove_tags: list[str] = field(default_factory=list)


def _check_contact_fields(website: str | None, email: str | None, phone: str | None) -> None:
    if website:
        validate.url(website)
    if email:
        validate.email(email)
    if phone:
        validate.phone_text(phone)


def _check_text(data: CompanyInput | CompanyPatch) -> None:
    """The address, owner and notes hold no control or bidirectional characters."""
    for name in ("street", "city", "region", "postcode", "country", "owner"):
        value = getattr(data, name)
        if value is not None:
            validate.line(value, name)
    if data.notes is not None:
        validate.block(data.notes, "notes")


def create_company(store: Store, data: CompanyInput) -> Created:
    name = validate.name(data.name, "name")
    kind = validate.company_kind(data.kind)
    _check_contact_fields(data.website, data.email, data.phone)
    _check_text(data)
    tags = sorted({validate.tag(t) for t in data.tags})
    now = clock.now()
    with store.write() as session:
        duplicate = session.exec(
            select(Company).where(Company.name_key == fold(name), col(Company.deleted_at).is_(None))
        ).first()
        if duplicate is not None:
            raise Invalid("name", f"a company named {duplicate.name!r} exists (id {duplicate.id})")
        company = Company(
            name=name,
            name_key=fold(name),
            kind=kind,
            notes=data.notes.strip(),
            owner=data.owner.strip() or acting.owner(session, store.settings.owner),
            created_at=now,
            updated_at=now,
            **{f: getattr(data, f).strip() for f in _FIELDS},
        )
        if company.email:
            company.email = validate.email(company.email)
        session.add(company)
        session.flush()
        assert company.id is not None
        for tag_id in tag_ids(session, tags):
            session.add(CompanyTag(company_id=company.id, tag_id=tag_id))
        return Created(id=company.id, uuid=company.uuid, label=name)


def _company_tags(session: Session, company_id: int) -> tuple[str, ...]:
    rows = session.execute(
        text(
            "SELECT t.name FROM company_tag ct JOIN tag t ON t.id = ct.tag_id "
            "WHERE ct.company_id = :c ORDER BY t.name"
        ),
        {"c": company_id},
    ).scalars()
    return tuple(str(r) for r in rows)


def list_companies(
    store: Store,
    *,
    kind: str = "",
    tag: str = "",
    text_filter: str = "",
    limit: int | None = None,
    offset: int = 0,
    sort: str = "",
) -> list[CompanyRow]:
    """The companies, by name (SORT: a column of COMPANY_SORTS, "-" first reversed)."""
    order = order_sql(sort, COMPANY_SORTS, "q.name_key, q.id")  # an unknown sort: refused first
    clauses = ["co.deleted_at IS NULL"]
    params: dict[str, object] = {}
    if kind:
        clauses.append("co.kind = :kind")
        params["kind"] = validate.company_kind(kind)
    if tag:
        clauses.append(
            "EXISTS (SELECT 1 FROM company_tag ct JOIN tag t ON t.id = ct.tag_id "
            "WHERE ct.company_id = co.id AND t.name = :tag)"
        )
        params["tag"] = validate.tag(tag)
    if text_filter.strip():
        clauses.append("co.name_key LIKE :like ESCAPE '\\'")
        params["like"] = contains(text_filter)
    tag_names = joined("t.name", "','", store.is_sqlite)
    statement = (
        "SELECT q.id, q.name, q.kind, q.website, q.phone, q.city, q.people, q.tags FROM ("
        "SELECT co.id, co.name, co.name_key, co.kind, co.website, co.phone, co.city, "
        "(SELECT count(*) FROM contact c WHERE c.company_id = co.id AND c.deleted_at IS NULL) "
        f"AS people, coalesce((SELECT {tag_names} FROM company_tag ct JOIN tag t "
        "ON t.id = ct.tag_id WHERE ct.company_id = co.id), '') AS tags "
        "FROM company co WHERE " + " AND ".join(clauses) + ") q" + order
    )
    if limit is not None:
        statement += " LIMIT :limit OFFSET :offset"
        params.update(limit=limit, offset=offset)
    with store.read() as session:
        rows = session.execute(text(statement), params).all()
    return [
        CompanyRow(
            id=int(r[0]),
            name=str(r[1]),
            kind=str(r[2]),
            website=str(r[3]),
            phone=str(r[4]),
            city=str(r[5]),
            people=int(r[6]),
            tags=tuple(sorted(str(r[7]).split(","))) if r[7] else (),
        )
        for r in rows
    ]


# What each column of the company list sorts by (core/sorting.py's rules for a paged list).
COMPANY_SORTS = {
    "name": ("q.name_key", True),
    "kind": ("q.kind", True),
    "city": ("lower(q.city)", True),
    "people": ("q.people", False),
    "tags": ("q.tags", True),
}


def get_company(store: Store, ref: str, *, interactions: int = 20) -> CompanyCard:
    with store.read() as session:
        company_id = resolve_company(session, ref)
        company = session.get(Company, company_id)
        assert company is not None and company.id is not None
        recent = session.exec(
            select(Interaction, Contact.display_name)
            .join(Contact, col(Contact.id) == Interaction.contact_id)
            .where(
                Contact.company_id == company_id,
                col(Interaction.deleted_at).is_(None),
                col(Contact.deleted_at).is_(None),
            )
            .order_by(col(Interaction.occurred_at).desc(), col(Interaction.id).desc())
            .limit(interactions)
        ).all()
        tags = _company_tags(session, company_id)
        people = select_rows(session, ContactQuery(company=str(company_id)), store.settings)
    return CompanyCard(
        id=company.id,
        uuid=company.uuid,
        name=company.name,
        kind=company.kind,
        website=company.website,
        phone=company.phone,
        email=company.email,
        street=company.street,
        city=company.city,
        region=company.region,
        postcode=company.postcode,
        country=company.country,
        notes=company.notes,
        owner=company.owner,
        tags=tags,
        created_at=company.created_at,
        updated_at=company.updated_at,
        deleted_at=company.deleted_at,
        people=tuple(people),
        interactions=tuple(interaction_view(row, name) for row, name in recent),
    )


def update_company(store: Store, ref: str, patch: CompanyPatch) -> CompanyCard:
    if patch.name is not None:
        validate.name(patch.name)
    if patch.kind is not None:
        validate.company_kind(patch.kind)
    _check_contact_fields(patch.website, patch.email, patch.phone)
    _check_text(patch)
    adding = sorted({validate.tag(t) for t in patch.add_tags})
    removing = sorted({validate.tag(t) for t in patch.remove_tags})
    with store.write() as session:
        company_id = resolve_company(session, ref)
        company = session.get(Company, company_id)
        assert company is not None
        if patch.name is not None:
            company.name = validate.name(patch.name)
            company.name_key = fold(company.name)
        if patch.kind is not None:
            company.kind = validate.company_kind(patch.kind)
        for attr in (*_FIELDS, "notes", "owner"):
            value = getattr(patch, attr)
            if value is not None:
                setattr(company, attr, value.strip())
        if patch.email:
            company.email = validate.email(patch.email)
        current = set(_company_tags(session, company_id))
        for tag_id in tag_ids(session, [t for t in adding if t not in current]):
            session.add(CompanyTag(company_id=company_id, tag_id=tag_id))
        for name in removing:
            session.execute(
                text(
                    "DELETE FROM company_tag WHERE company_id = :c AND tag_id = "
                    "(SELECT id FROM tag WHERE name = :n)"
                ),
                {"c": company_id, "n": name},
            )
        company.updated_at = clock.now()
        session.flush()
        reindex_company(session, company_id)
    return get_company(store, str(company_id))
