"""The company and the tags a write names: found by name (or id), or created. Plain SQL and
no models, so the everyday contact commands that call it do not load SQLModel's classes."""

from __future__ import annotations

from collections.abc import Iterable

from pocketcrm.core import clock, sql, validate
from pocketcrm.core.db import Db
from pocketcrm.core.errors import Invalid
from pocketcrm.core.search import fold
from pocketcrm.core.services.lookup import resolve_company
from pocketcrm.core.settings import Settings


def same_kind(session: Db, company_id: int, kind: str) -> None:
    name, current = session.run(
        "SELECT name, kind FROM company WHERE id = :i", {"i": company_id}
    ).one()
    if current != kind:
        raise Invalid(
            "company-kind",
            f"{name} is already a {current}; leave --company-kind out, or change the company "
            f"with `pocketcrm company edit {company_id} --kind {kind}`",
        )


def tag_ids(session: Db, names: Iterable[str]) -> list[int]:
    """Ids of these tags, creating the missing ones."""
    ids = []
    for name in names:
        found = session.run("SELECT id FROM tag WHERE name = :n", {"n": name}).scalar()
        ids.append(int(found) if found is not None else sql.insert(session, "tag", {"name": name}))
    return ids


def company_for(
    session: Db,
    ref: str,
    stage: str = "",
    kind: str = "",
    *,
    settings: Settings | None = None,
) -> int:
    """The id of the company named REF (an id or a name), created when the name is new.

    KIND (supplier, partner, ...) is the new company's kind; an existing company of another
    kind is refused rather than silently left as it is."""
    ref = ref.strip()
    kind = validate.company_kind(kind) if kind.strip() else ""
    if ref.isdecimal():
        found: int | None = resolve_company(session, ref)
    else:
        found = session.run(
            "SELECT id FROM company WHERE name_key = :k AND deleted_at IS NULL ORDER BY id",
            {"k": fold(ref)},
        ).scalar()
    if found is not None:
        if kind:
            same_kind(session, int(found), kind)
        return int(found)
    now = clock.now()
    # A company first met through a contact takes its kind from that contact's stage: the
    # stages playing the customer and past-customer roles make a customer.
    if not kind:
        roles = settings or Settings()
        buying = {roles.stage_for("customer"), roles.stage_for("past")} - {""}
        kind = "customer" if stage in buying else "prospect"
    name = validate.name(ref, "company")
    return sql.insert(
        session,
        "company",
        {
            "uuid": sql.new_uuid(),
            "name": name,
            "name_key": fold(name),
            "kind": kind,
            "website": "",
            "phone": "",
            "email": "",
            "street": "",
            "city": "",
            "region": "",
            "postcode": "",
            "country": "",
            "notes": "",
            "owner": "",
            "created_at": now,
            "updated_at": now,
        },
    )
