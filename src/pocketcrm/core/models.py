"""Every table pocketcrm stores, in one place.

Conventions: integer ids for people to type, a UUID on every record for identity across
exports and machines, times as aware UTC datetimes (stored naive-UTC, see UTCDateTime),
`deleted_at` for the trash. Denormalised columns (`last_contact_at`, `next_follow_up_at`,
`name_key`) keep the 100,000-row list fast; the services keep them true on every write.
"""

from __future__ import annotations

import uuid as uuidlib
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlmodel import Field, SQLModel

# Re-exported: older modules import the time helpers from here.
from pocketcrm.core.times import db_time as db_time
from pocketcrm.core.times import from_db_time as from_db_time
from pocketcrm.core.timetype import UTCDateTime

# Named constraints from the first migration: SQLite cannot drop an unnamed one later.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata = MetaData(naming_convention=NAMING_CONVENTION)
metadata = SQLModel.metadata


def _uuid() -> str:
    return str(uuidlib.uuid4())


def _when(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def _created() -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=False))


class Company(SQLModel, table=True):
    __tablename__ = "company"

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=_uuid, unique=True)
    name: str
    name_key: str = Field(index=True)  # accent- and case-folded name for matching and sorting
    kind: str = "customer"
    website: str = ""
    phone: str = ""
    email: str = ""
    street: str = ""
    city: str = ""
    region: str = ""
    postcode: str = ""
    country: str = ""
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    owner: str = ""
    created_at: datetime = _created()
    updated_at: datetime = _created()
    deleted_at: datetime | None = _when()


class Contact(SQLModel, table=True):
    __tablename__ = "contact"
    __table_args__ = (
        # Covering index for the report: stages, owners' leads, new and stale customers
        # without reading the (wide) rows.
        Index(
            "ix_contact_report",
            "stage", "owner", "deleted_at", "created_at", "last_contact_at", "company_id",
        ),
    )  # fmt: skip

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=_uuid, unique=True)
    display_name: str
    given_name: str = ""
    family_name: str = ""
    additional_names: str = ""
    prefix: str = ""
    suffix: str = ""
    nickname: str = ""
    name_key: str = Field(index=True)
    company_id: int | None = Field(default=None, foreign_key="company.id", index=True)
    title: str = ""
    department: str = ""
    stage: str = Field(default="lead", index=True)
    owner: str = Field(default="", index=True)
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    birthday_year: int | None = None
    birthday_month: int | None = None
    birthday_day: int | None = None
    anniversary_year: int | None = None
    anniversary_month: int | None = None
    anniversary_day: int | None = None
    do_not_contact: bool = False
    email_opt_out: bool = False
    source: str = ""
    photo: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    last_contact_at: datetime | None = _when(index=True)
    next_follow_up_at: datetime | None = _when(index=True)
    next_follow_up_date: str | None = None  # "YYYY-MM-DD" when the next one is all-day
    created_at: datetime = _created()
    updated_at: datetime = _created()
    deleted_at: datetime | None = _when(index=True)


class ContactEmail(SQLModel, table=True):
    __tablename__ = "contact_email"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True, ondelete="CASCADE")
    address: str
    address_key: str = Field(index=True)  # lower-cased for matching
    label: str = ""
    is_primary: bool = False


class ContactPhone(SQLModel, table=True):
    __tablename__ = "contact_phone"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True, ondelete="CASCADE")
    number: str  # exactly as typed
    e164: str = Field(default="", index=True)
    valid: bool = False
    extension: str = ""
    label: str = ""
    is_primary: bool = False


class ContactAddress(SQLModel, table=True):
    __tablename__ = "contact_address"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True, ondelete="CASCADE")
    label: str = ""
    street: str = ""
    extended: str = ""
    po_box: str = ""
    city: str = ""
    region: str = ""
    postcode: str = ""
    country: str = ""


class ContactWebsite(SQLModel, table=True):
    __tablename__ = "contact_website"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True, ondelete="CASCADE")
    url: str
    label: str = ""


class CustomField(SQLModel, table=True):
    __tablename__ = "custom_field"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True, ondelete="CASCADE")
    name: str
    value: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class ExternalId(SQLModel, table=True):
    """Where a record came from (vCard UID, HubSpot id, Google id): re-imports update, not duplicate."""

    __tablename__ = "external_id"
    __table_args__ = (Index("ix_external_id_system_value", "system", "value", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True, ondelete="CASCADE")
    system: str
    value: str


class Tag(SQLModel, table=True):
    __tablename__ = "tag"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)


class ContactTag(SQLModel, table=True):
    __tablename__ = "contact_tag"

    contact_id: int = Field(foreign_key="contact.id", primary_key=True, ondelete="CASCADE")
    tag_id: int = Field(foreign_key="tag.id", primary_key=True, index=True, ondelete="CASCADE")


class CompanyTag(SQLModel, table=True):
    __tablename__ = "company_tag"

    company_id: int = Field(foreign_key="company.id", primary_key=True, ondelete="CASCADE")
    tag_id: int = Field(foreign_key="tag.id", primary_key=True, index=True, ondelete="CASCADE")


class StageChange(SQLModel, table=True):
    """The customer life cycle's history: every stage a contact passed through."""

    __tablename__ = "stage_change"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True, ondelete="CASCADE")
    at: datetime = _created()
    from_stage: str = ""
    to_stage: str
    by: str = ""


class Interaction(SQLModel, table=True):
    __tablename__ = "interaction"
    __table_args__ = (
        Index("ix_interaction_contact_when", "contact_id", "occurred_at"),
        # Covering index: the report reads kind, outcome and owner without touching rows.
        Index(
            "ix_interaction_report",
            "occurred_at",
            "kind",
            "outcome",
            "owner",
            "satisfaction",
            "deleted_at",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=_uuid, unique=True)
    contact_id: int = Field(foreign_key="contact.id", ondelete="CASCADE")
    company_id: int | None = Field(default=None, foreign_key="company.id", index=True)
    kind: str = "call"  # call, meeting, email, note, sms
    direction: str = ""  # in, out or empty
    occurred_at: datetime = _created()
    duration_s: int | None = None
    outcome: str = ""
    satisfaction: int | None = None
    owner: str = ""
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = _created()
    deleted_at: datetime | None = _when()


class FollowUp(SQLModel, table=True):
    __tablename__ = "follow_up"
    __table_args__ = (
        # The agenda and the reminder run only look at open follow-ups.
        Index(
            "ix_follow_up_open_due",
            "due_at",
            sqlite_where=text("done_at IS NULL AND deleted_at IS NULL"),
            postgresql_where=text("done_at IS NULL AND deleted_at IS NULL"),
        ),
        Index("ix_follow_up_contact", "contact_id", "done_at"),
        Index("ix_follow_up_report", "deleted_at", "due_at", "done_at", "all_day", "due_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=_uuid, unique=True)
    contact_id: int = Field(foreign_key="contact.id", ondelete="CASCADE")
    # For an all-day item due_at is only its order key (the day's start where it was
    # written); the day itself is due_date ("YYYY-MM-DD"), so it never moves with the zone.
    due_at: datetime = _created()
    all_day: bool = False  # a date without a time: due for the whole local day
    due_date: str | None = None
    note: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    owner: str = ""
    created_at: datetime = _created()
    done_at: datetime | None = _when()
    snoozed_until: datetime | None = _when()
    notified_at: datetime | None = _when()
    interaction_id: int | None = Field(default=None, foreign_key="interaction.id")
    deleted_at: datetime | None = _when()


class CadenceRule(SQLModel, table=True):
    """Stay in touch: a contact (or everyone with a tag) should hear from us every N days."""

    __tablename__ = "cadence_rule"

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=_uuid, unique=True)
    contact_id: int | None = Field(
        default=None, foreign_key="contact.id", index=True, ondelete="CASCADE"
    )
    tag: str = ""
    ideal_days: int
    max_days: int
    created_at: datetime = _created()


class Reminder(SQLModel, table=True):
    """One reminder occurrence, claimed and marked in one transaction: never missed, never twice."""

    __tablename__ = "reminder"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)  # kind:record:occurrence, stable across runs
    kind: str
    contact_id: int | None = Field(default=None, foreign_key="contact.id", ondelete="CASCADE")
    follow_up_id: int | None = Field(
        default=None, foreign_key="follow_up.id", index=True, ondelete="CASCADE"
    )
    due_at: datetime = _created()
    claimed_at: datetime | None = _when()
    claim_token: str = ""
    delivered_at: datetime | None = _when(index=True)
    attempts: int = 0
    last_error: str = ""
    gave_up: bool = False
    # Channels that took it, comma-separated ("email,command"): a retry after one channel
    # failed goes only to the others, so nobody gets the same reminder twice.
    delivered_channels: str = Field(
        default="", sa_column=Column(Text, nullable=False, server_default="")
    )


class InteractionRollup(SQLModel, table=True):
    """Interactions counted per UTC day, kind, outcome and owner (kept by triggers, rollup.py)."""

    __tablename__ = "interaction_rollup"

    day: str = Field(primary_key=True)  # YYYY-MM-DD in UTC
    kind: str = Field(primary_key=True)
    outcome: str = Field(primary_key=True)
    owner: str = Field(primary_key=True)
    n: int = 0
    sat_sum: int = 0
    sat_n: int = 0


class AppState(SQLModel, table=True):
    """Small key-value facts about this database: last reminder run, demo flag, and so on."""

    __tablename__ = "app_state"

    key: str = Field(primary_key=True)
    value: str = ""


class ImportBatch(SQLModel, table=True):
    __tablename__ = "import_batch"

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=_uuid, unique=True)
    source: str = ""  # file name(s)
    format: str = ""
    encoding: str = ""
    created: int = 0
    updated: int = 0
    skipped: int = 0
    at: datetime = _created()
    undone_at: datetime | None = _when()
    created_by: str = Field(default="", sa_column_kwargs={"server_default": ""})  # a login


class ImportChange(SQLModel, table=True):
    """What one import did to one record, with the record's state before (for undo)."""

    __tablename__ = "import_change"

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="import_batch.id", index=True, ondelete="CASCADE")
    entity: str  # contact, company
    entity_id: int
    action: str  # created, updated
    before: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class ContactAlternate(SQLModel, table=True):
    """A value of a contact's field that an import did not keep (see transfer/fidelity.py):
    the stored one it replaced, or the file's one it declined, with where it came from."""

    __tablename__ = "contact_alternate"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True, ondelete="CASCADE")
    field: str  # a contact column: display_name, given_name, title, notes, ...
    value: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    source: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id", ondelete="SET NULL")
    recorded_at: datetime = _created()


class MergeRecord(SQLModel, table=True):
    """A merge of two records, with both states before, so it can be undone."""

    __tablename__ = "merge_record"

    id: int | None = Field(default=None, primary_key=True)
    entity: str = "contact"
    kept_id: int
    other_id: int
    at: datetime = _created()
    before: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    undone_at: datetime | None = _when()


class Suppression(SQLModel, table=True):
    """Hashes of erased people's emails and phones: an import must not bring them back silently."""

    __tablename__ = "suppression"

    id: int | None = Field(default=None, primary_key=True)
    kind: str  # email, phone
    digest: str = Field(unique=True)
    at: datetime = _created()


def _text() -> Any:
    return Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class Deal(SQLModel, table=True):
    """An opportunity in the pipeline: what it is worth, where it stands, when it may close."""

    __tablename__ = "deal"

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=_uuid, unique=True)
    contact_id: int = Field(foreign_key="contact.id", index=True, ondelete="CASCADE")
    company_id: int | None = Field(default=None, foreign_key="company.id", index=True)
    title: str
    amount_cents: int = 0
    currency: str = ""
    stage: str = Field(index=True)  # one of settings.deal_stages; won and lost close it
    owner: str = ""
    expected_close_on: date | None = None
    closed_at: datetime | None = _when()
    lost_reason: str = _text()
    notes: str = _text()
    created_at: datetime = _created()
    updated_at: datetime = _created()
    deleted_at: datetime | None = _when()


class DealStageChange(SQLModel, table=True):
    """A deal's history through the pipeline."""

    __tablename__ = "deal_stage_change"

    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = Field(foreign_key="deal.id", index=True, ondelete="CASCADE")
    at: datetime = _created()
    from_stage: str = ""
    to_stage: str
    changed_by: str = ""


class Invoice(SQLModel, table=True):
    """An order or an invoice: what was billed, when, and whether it was cancelled.

    Paid or not follows from the payments against it; a cancellation keeps the record."""

    __tablename__ = "invoice"
    __table_args__ = (
        # Covering index of the profit report (0012): contact and currency first, so the
        # per-customer figures never read the (wide) rows.
        Index(
            "ix_invoice_profit",
            "contact_id", "currency", "issued_on", "kind", "deleted_at", "cancelled_at",
            "net_cents", "cost_cents",
        ),
    )  # fmt: skip

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=_uuid, unique=True)
    number: str = Field(unique=True)  # INV-2026-0001 or ORD-2026-0001 unless given
    kind: str = "invoice"  # invoice, order
    contact_id: int = Field(foreign_key="contact.id", index=True, ondelete="CASCADE")
    deal_id: int | None = Field(
        default=None, foreign_key="deal.id", index=True, ondelete="SET NULL"
    )
    issued_on: date
    due_on: date | None = None
    amount_cents: int
    currency: str = ""
    description: str = _text()
    cancelled_at: datetime | None = _when()
    cancel_reason: str = _text()
    created_at: datetime = _created()
    updated_at: datetime = _created()
    deleted_at: datetime | None = _when()
    # issue 12 (0012): totals from the lines, and where it came from (a quote, an order)
    net_cents: int = 0
    tax_cents: int = 0
    cost_cents: int = 0
    quote_id: int | None = Field(default=None, foreign_key="quote.id", ondelete="SET NULL")
    order_id: int | None = Field(
        default=None, foreign_key="invoice.id", index=True, ondelete="SET NULL"
    )
    created_by: str = Field(default="", sa_column_kwargs={"server_default": ""})  # a login


class Payment(SQLModel, table=True):
    """Money received against an invoice (a negative amount is a refund)."""

    __tablename__ = "payment"

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=_uuid, unique=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True, ondelete="CASCADE")
    contact_id: int = Field(foreign_key="contact.id", index=True, ondelete="CASCADE")
    amount_cents: int
    currency: str = ""
    paid_on: date
    method: str = ""  # bank transfer, card, cash ...
    notes: str = _text()
    created_at: datetime = _created()
    deleted_at: datetime | None = _when()


class Segment(SQLModel, table=True):
    """A saved list: the filters of `list` under a name, evaluated when used."""

    __tablename__ = "segment"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    filters: str = _text()  # JSON: the list filters (tag, stage, company, owner, text ...)
    created_at: datetime = _created()
    updated_at: datetime = _created()


class Campaign(SQLModel, table=True):
    """One bulk email to a segment; its recipients are fixed when it is created."""

    __tablename__ = "campaign"

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=_uuid, unique=True)
    segment: str = ""
    subject: str
    body: str = _text()
    created_at: datetime = _created()
    finished_at: datetime | None = _when()
    created_by: str = Field(default="", sa_column_kwargs={"server_default": ""})  # a login


class CampaignRecipient(SQLModel, table=True):
    """One person of a campaign: sent at most once, however often the send is resumed."""

    __tablename__ = "campaign_recipient"
    __table_args__ = (UniqueConstraint("campaign_id", "contact_id"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True, ondelete="CASCADE")
    contact_id: int = Field(foreign_key="contact.id", index=True, ondelete="CASCADE")
    email: str
    status: str = "pending"  # pending, sent, failed, skipped
    attempts: int = 0
    sent_at: datetime | None = _when()
    error: str = _text()


# --- Issue 13 (analysis): the interaction's channel, the other party's number, a
# dissatisfaction reason (added to the table here, read and written with plain SQL by
# services/activity.py and core/analysis/), and the market sizes the owner knows.
for _name in ("channel", "number", "reason"):
    Interaction.__table__.append_column(  # type: ignore[attr-defined]
        Column(_name, Text, nullable=False, server_default="")
    )
_calls = Interaction.__table__.c  # type: ignore[attr-defined]
Index(
    "ix_interaction_calls",
    _calls.occurred_at,
    _calls.kind,
    _calls.direction,
    _calls.channel,
    _calls.owner,
    _calls.outcome,
    _calls.deleted_at,
)
Index(
    "ix_interaction_rated",
    _calls.occurred_at,
    _calls.contact_id,
    _calls.satisfaction,
    _calls.owner,
    _calls.channel,
    _calls.reason,
    sqlite_where=text("satisfaction IS NOT NULL AND deleted_at IS NULL"),
    postgresql_where=text("satisfaction IS NOT NULL AND deleted_at IS NULL"),
)
Index("ix_interaction_contact_owner", _calls.contact_id, _calls.owner, _calls.deleted_at)


class Market(SQLModel, table=True):
    """The size of a market the owner knows: money a year, or a number of customers."""

    __tablename__ = "market"
    __table_args__ = (
        UniqueConstraint("name", "segment", "year", name="uq_market_name_segment_year"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str
    segment: str = ""  # "" is the whole market
    year: int = 0  # 0: not tied to a year
    size_cents: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    customers: int | None = None
    currency: str = ""
    created_at: datetime = _created()
    updated_at: datetime = _created()


# --- issue 12: the catalogue, quotes and document lines, costs (migration 0012) ---


class Product(SQLModel, table=True):
    """Something the business sells: a product or a service, at a list price and a cost.

    A retired product stays (old lines point at it) but is offered no more."""

    __tablename__ = "product"

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=_uuid, unique=True)
    sku: str = Field(unique=True)
    name: str
    description: str = _text()
    unit: str = "each"  # each, hour, day, month ...
    price_cents: int = 0  # list price per unit, before tax
    currency: str = ""
    cost_cents: int = 0  # what one unit costs the business today
    tax_rate_bp: int = 0  # basis points: 2000 is 20 %
    category: str = Field(default="", index=True)
    retired_at: datetime | None = _when()
    created_at: datetime = _created()
    updated_at: datetime = _created()


class Quote(SQLModel, table=True):
    """An offer to a customer: draft, sent, then accepted or declined; an order follows."""

    __tablename__ = "quote"

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=_uuid, unique=True)
    number: str = Field(unique=True)  # QUO-2026-0001
    contact_id: int = Field(foreign_key="contact.id", index=True, ondelete="CASCADE")
    deal_id: int | None = Field(default=None, foreign_key="deal.id", ondelete="SET NULL")
    status: str = "draft"  # draft, sent, accepted, declined
    currency: str = ""
    issued_on: date
    valid_until: date | None = None
    net_cents: int = 0
    tax_cents: int = 0
    amount_cents: int = 0  # gross: net plus tax
    notes: str = _text()
    decline_reason: str = _text()
    owner: str = ""  # who made it (a user's login)
    sent_at: datetime | None = _when()
    decided_at: datetime | None = _when()
    created_at: datetime = _created()
    updated_at: datetime = _created()
    deleted_at: datetime | None = _when()


class DocumentLine(SQLModel, table=True):
    """One line of a quote, an order or an invoice, with its totals in integer cents.

    The unit cost is the product's cost when the line was made: a later change of the
    catalogue does not rewrite what a past sale earned."""

    __tablename__ = "document_line"
    __table_args__ = (
        # Covering index of the profit report by product: never reads the (wide) rows.
        Index("ix_document_line_profit", "invoice_id", "product_id", "net_cents", "cost_cents"),
        # The same in product order: the report's GROUP BY product reads it without a sort
        # (migration 0017).
        Index(
            "ix_document_line_product_sales", "product_id", "invoice_id", "net_cents",
            "cost_cents",
        ),
        # Only the lines sold below cost: "products sold below cost" reads just these.
        Index(
            "ix_document_line_below_cost", "invoice_id",
            sqlite_where=text("net_cents < cost_cents"),
            postgresql_where=text("net_cents < cost_cents"),
        ),
    )  # fmt: skip

    id: int | None = Field(default=None, primary_key=True)
    quote_id: int | None = Field(
        default=None, foreign_key="quote.id", index=True, ondelete="CASCADE"
    )
    invoice_id: int | None = Field(
        default=None, foreign_key="invoice.id", index=True, ondelete="CASCADE"
    )
    position: int = 1
    product_id: int | None = Field(
        default=None, foreign_key="product.id", index=True, ondelete="SET NULL"
    )
    description: str = _text()
    unit: str = ""
    quantity_milli: int = 1000  # thousandths: 1.5 hours is 1500
    unit_price_cents: int = 0
    discount_bp: int = 0  # basis points: 1000 is 10 % off
    tax_rate_bp: int = 0
    unit_cost_cents: int = 0
    net_cents: int = 0
    tax_cents: int = 0
    cost_cents: int = 0


class Cost(SQLModel, table=True):
    """Money the business spent on a customer, company, campaign or deal (travel, ads ...)."""

    __tablename__ = "cost"

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=_uuid, unique=True)
    amount_cents: int
    currency: str = ""
    kind: str = "other"  # travel, ads, discount, other
    spent_on: date = Field(index=True)
    contact_id: int | None = Field(
        default=None, foreign_key="contact.id", index=True, ondelete="CASCADE"
    )
    company_id: int | None = Field(default=None, foreign_key="company.id", ondelete="CASCADE")
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", ondelete="CASCADE")
    deal_id: int | None = Field(default=None, foreign_key="deal.id", ondelete="CASCADE")
    notes: str = _text()
    created_by: str = ""
    created_at: datetime = _created()
    deleted_at: datetime | None = _when()


# --- customer service and mail intake (issue 14) -------------------------------------------


class SupportCase(SQLModel, table=True):
    """A customer's question or complaint, from opening to closing, with its service level.

    `next_due_at` is the earliest target still running (first reply while unanswered, else
    resolution) and NULL once resolved or closed: the queue and `--breached` read it through
    a partial index instead of recomputing every case."""

    __tablename__ = "support_case"
    __table_args__ = (
        Index(
            "ix_support_case_next_due",
            "next_due_at",
            sqlite_where=text("next_due_at IS NOT NULL AND deleted_at IS NULL"),
            postgresql_where=text("next_due_at IS NOT NULL AND deleted_at IS NULL"),
        ),
        Index("ix_support_case_opened", "created_at", "deleted_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=_uuid, unique=True)
    number: str = Field(unique=True)  # CASE-YYYY-NNNN
    contact_id: int = Field(foreign_key="contact.id", index=True, ondelete="CASCADE")
    company_id: int | None = Field(
        default=None, foreign_key="company.id", index=True, ondelete="SET NULL"
    )
    product: str = _text()  # the catalogue's name when linked, else the free text typed
    product_id: int | None = Field(
        default=None, foreign_key="product.id", index=True, ondelete="SET NULL"
    )  # migration 0019: the catalogue entry the product matched, if any
    subject: str
    description: str = _text()
    channel: str = "email"  # email, phone, web, chat, in_person, other
    priority: str = "normal"  # low, normal, high, urgent
    status: str = Field(default="new", index=True)  # new, open, waiting, resolved, closed
    assignee: str = Field(default="", index=True)  # a user's login
    department: str = ""
    tags: str = _text()  # comma-separated
    created_by: str = ""
    first_response_due_at: datetime = _created()
    resolution_due_at: datetime = _created()
    next_due_at: datetime | None = _when()
    first_response_at: datetime | None = _when()
    resolved_at: datetime | None = _when()
    closed_at: datetime | None = _when()
    reopen_count: int = 0
    thread_id: str = _text()  # Message-ID of the first mail: replies' References point here
    survey_sent_at: datetime | None = _when()
    satisfaction: int | None = None  # 1-5 from the survey reply
    satisfaction_comment: str = _text()
    created_at: datetime = _created()
    updated_at: datetime = _created()
    deleted_at: datetime | None = _when()


class CaseEvent(SQLModel, table=True):
    """One step on a case's timeline: a reply, an internal note, a status or assignee change,
    a customer's message, a satisfaction score."""

    __tablename__ = "case_event"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="support_case.id", index=True, ondelete="CASCADE")
    at: datetime = _created()
    kind: str  # opened, reply, note, inbound, status, assign, satisfaction
    actor: str = ""  # who: a login
    from_value: str = ""
    to_value: str = ""
    body: str = _text()
    message_id: str = Field(default="", index=True)  # of the mail sent or received
    interaction_id: int | None = Field(
        default=None, foreign_key="interaction.id", ondelete="SET NULL"
    )


class MailMessage(SQLModel, table=True):
    """A message `mail fetch` has read: fetched once by its Message-ID, with what it became.

    Malformed or unmatched messages keep their raw text here (`mail review` lists them)."""

    __tablename__ = "mail_message"

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(unique=True)  # the header, or sha256:<digest> when it has none
    source: str = ""  # the mailbox it came from
    status: str = Field(index=True)  # logged, case, survey, unsubscribed, review, lead, malformed
    reason: str = _text()
    direction: str = ""
    sender: str = ""
    subject: str = _text()
    sent_at: datetime | None = _when()
    contact_id: int | None = Field(default=None, foreign_key="contact.id", ondelete="SET NULL")
    case_id: int | None = Field(default=None, foreign_key="support_case.id", ondelete="SET NULL")
    raw: str = _text()  # kept only for messages set aside
    fetched_at: datetime = _created()


# -- the organisation (issue 11): users and departments --------------------------------------
# Owner columns hold a user's login (text, no foreign key: see services/users.py).


class Department(SQLModel, table=True):
    """A team of users; its lead is a user's login."""

    __tablename__ = "department"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    name_key: str = Field(unique=True)  # folded name: "Field Sales" and "field sales" are one
    lead: str = Field(default="", sa_column_kwargs={"server_default": ""})  # a login
    created_at: datetime = _created()


class AppUser(SQLModel, table=True):
    """A person who works here ("user" is reserved in PostgreSQL, hence app_user)."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(unique=True)  # the PostgreSQL login role in team mode
    display_name: str = Field(default="", sa_column_kwargs={"server_default": ""})
    email: str = Field(default="", sa_column_kwargs={"server_default": ""})
    department_id: int | None = Field(
        default=None, foreign_key="department.id", index=True, ondelete="SET NULL"
    )
    role: str = Field(default="sales", sa_column_kwargs={"server_default": "sales"})
    active: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    created_at: datetime = _created()
    disabled_at: datetime | None = _when()


# -- the journal (issue 11: who changed what) --------------------------------------------------


class Journal(SQLModel, table=True):
    """One change to one record: when, who, which face, and each changed field's value before
    and after ({"field": [before, after]}). Written by triggers only (core/journal.py, and the
    migration's on PostgreSQL), so no write path can forget it."""

    __tablename__ = "journal"
    __table_args__ = (
        Index("ix_journal_contact", "contact_id", "id"),
        Index("ix_journal_row", "tbl", "row_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    txn: int = Field(sa_column=Column(BigInteger(), nullable=False, index=True))
    actor: str = Field(default="", sa_column=Column(String(), nullable=False, server_default=""))
    face: str = Field(default="", sa_column=Column(String(), nullable=False, server_default=""))
    tbl: str
    row_id: int | None = Field(default=None, sa_column=Column(BigInteger(), nullable=True))
    row_uuid: str = Field(default="", sa_column=Column(String(), nullable=False, server_default=""))
    contact_id: int | None = Field(default=None, sa_column=Column(BigInteger(), nullable=True))
    action: str  # insert, update, delete
    changes: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    undone_txn: int | None = Field(default=None, sa_column=Column(BigInteger(), nullable=True))


# -- issue 13 (analysis, migration 0018) ---------------------------------------------------
Index(
    "ix_interaction_contact_live",
    _calls.contact_id,
    _calls.occurred_at,
    _calls.direction,
    sqlite_where=text("deleted_at IS NULL"),
    postgresql_where=text("deleted_at IS NULL"),
)
