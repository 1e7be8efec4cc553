"""Campaigns: one plain-text email to each person of a segment, never twice to anyone.

The recipients are fixed when the campaign is created (people who opted out, must not be
contacted or have no email are recorded as skipped, with the reason). Sending marks each
recipient sent in its own short transaction right after the mail server accepted the
message, together with the "email" interaction on the contact's timeline, so a crash,
Ctrl-C or a lost connection mid-campaign leaves everyone either sent (and never mailed
again) or still pending (mailed by the next `send`). A refused recipient is retried on
later sends until it has had MAX_ATTEMPTS tries.

The SMTP settings and password are the reminder digest's ([reminders.smtp]; the password
from the environment variable it names, else the keyring); the connection code is
delivery.py's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlmodel import Session

from pocketcrm.core import acting, clock, sql
from pocketcrm.core.errors import Invalid, NotFound
from pocketcrm.core.search import reindex
from pocketcrm.core.store import Store
from pocketcrm.core.times import db_time, from_db_time

if TYPE_CHECKING:
    import smtplib
    from email.message import EmailMessage

    from pocketcrm.core.delivery import SmtpSettings

MAX_ATTEMPTS = 3  # a refused recipient is tried on at most this many sends
PLACEHOLDERS = ("first_name", "name", "company")
_FIELD = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
_CHUNK = 500  # ids per IN (...) list: well under SQLite's and PostgreSQL's parameter limits

SKIP_DO_NOT_CONTACT = "do not contact"
SKIP_OPTED_OUT = "opted out of email"
SKIP_NO_EMAIL = "no email address"
SKIP_TRASHED = "contact is in the trash"


@dataclass(frozen=True)
class RecipientView:
    contact_id: int
    contact_name: str
    email: str
    status: str  # pending, sent, failed, skipped
    attempts: int
    sent_at: datetime | None
    error: str


@dataclass(frozen=True)
class CampaignView:
    id: int
    uuid: str
    segment: str
    subject: str
    body: str
    created_at: datetime
    finished_at: datetime | None
    total: int
    pending: int
    sent: int
    failed: int
    skipped: int
    recipients: tuple[RecipientView, ...] = ()  # filled by get_campaign only


@dataclass(frozen=True)
class RenderedEmail:
    to: str
    subject: str
    body: str


@dataclass(frozen=True)
class CampaignPreview:
    """What `campaign new` would create: nothing is written to make this."""

    segment: str
    members: int
    to_send: int
    skipped: int
    skipped_reasons: dict[str, int]
    first: RenderedEmail | None


@dataclass(frozen=True)
class SendReport:
    campaign_id: int
    sent: int  # this run
    failed: int  # this run (refused by the server; retried later while attempts remain)
    skipped: int  # this run (the contact opted out or was trashed since the campaign was made)
    remaining: int  # still to send (pending, or failed with attempts left)
    finished: bool
    error: str = ""  # why the run stopped early (the connection), "" when it did not


# -- templates ------------------------------------------------------------------------------


def check_template(value: str, field: str) -> None:
    """Refuse a placeholder we cannot fill now, not in a customer's inbox mid-send."""
    for match in _FIELD.finditer(value):
        name = match.group(1)
        if name is not None and name.strip() not in PLACEHOLDERS:
            raise Invalid(
                field,
                f"unknown placeholder {match.group(0)}; use "
                + ", ".join("{" + p + "}" for p in PLACEHOLDERS)
                + " (write {{ and }} for a literal brace)",
            )


def render(value: str, fields: dict[str, str]) -> str:
    def fill(match: re.Match[str]) -> str:
        whole = match.group(0)
        if whole in ("{{", "}}"):
            return whole[0]
        return fields[match.group(1).strip()]

    return _FIELD.sub(fill, value)


def _fields(display_name: str, given_name: str, company: str) -> dict[str, str]:
    first = given_name.strip() or (display_name.split() or [""])[0]
    return {"first_name": first, "name": display_name, "company": company}


def _check_input(subject: str, body: str) -> tuple[str, str]:
    subject = " ".join(subject.split())
    if not subject:
        raise Invalid("subject", "must not be empty; give the email's subject line")
    if len(subject) > 300:
        raise Invalid("subject", "is longer than 300 characters; shorten it")
    if not body.strip():
        raise Invalid("body", "must not be empty; give the text with --body or --body-file")
    check_template(subject, "subject")
    check_template(body, "body")
    return subject, body.replace("\r\n", "\n")


# -- who gets it ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Person:
    contact_id: int
    display_name: str
    given_name: str
    company: str
    email: str
    do_not_contact: bool
    email_opt_out: bool
    deleted: bool

    def skip_reason(self) -> str:
        if self.deleted:
            return SKIP_TRASHED
        if self.do_not_contact:
            return SKIP_DO_NOT_CONTACT
        if self.email_opt_out:
            return SKIP_OPTED_OUT
        if not self.email:
            return SKIP_NO_EMAIL
        return ""


_PEOPLE_SQL = """
SELECT c.id, c.display_name, c.given_name, coalesce(co.name, ''),
       coalesce((SELECT address FROM contact_email WHERE contact_id = c.id
                 ORDER BY is_primary DESC, id LIMIT 1), ''),
       c.do_not_contact, c.email_opt_out, c.deleted_at
FROM contact c LEFT JOIN company co ON co.id = c.company_id AND co.deleted_at IS NULL
WHERE c.id IN ({ids})
"""


def _people(session: Session, ids: Sequence[int]) -> dict[int, _Person]:
    """Name, primary email and flags of these contacts, read in the caller's transaction."""
    found: dict[int, _Person] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = [int(i) for i in ids[start : start + _CHUNK]]
        marks = ",".join(str(i) for i in chunk)  # ints only: nothing a person typed
        for r in session.execute(text(_PEOPLE_SQL.format(ids=marks))):
            found[int(r[0])] = _Person(
                contact_id=int(r[0]),
                display_name=str(r[1]),
                given_name=str(r[2] or ""),
                company=str(r[3]),
                email=str(r[4]),
                do_not_contact=bool(r[5]),
                email_opt_out=bool(r[6]),
                deleted=r[7] is not None,
            )
    return found


def _plan(store: Store, segment: str) -> tuple[str, list[int], dict[int, _Person]]:
    from pocketcrm.core.services import segments

    name = segments.get_segment(store, segment).name
    members = [r.id for r in segments.segment_members(store, name)]
    with store.read() as session:
        people = _people(session, members)
    return name, members, people


def preview_campaign(store: Store, segment: str, subject: str, body: str) -> CampaignPreview:
    """The counts and the first recipient's email, as `campaign new` would make them."""
    subject, body = _check_input(subject, body)
    name, members, people = _plan(store, segment)
    reasons: dict[str, int] = {}
    first: RenderedEmail | None = None
    to_send = 0
    for contact_id in members:
        person = people.get(contact_id)
        reason = person.skip_reason() if person else SKIP_TRASHED
        if reason:
            reasons[reason] = reasons.get(reason, 0) + 1
            continue
        assert person is not None
        to_send += 1
        if first is None:
            fields = _fields(person.display_name, person.given_name, person.company)
            first = RenderedEmail(
                to=person.email, subject=render(subject, fields), body=render(body, fields)
            )
    return CampaignPreview(
        segment=name,
        members=len(members),
        to_send=to_send,
        skipped=sum(reasons.values()),
        skipped_reasons=reasons,
        first=first,
    )


def create_campaign(store: Store, segment: str, subject: str, body: str) -> CampaignView:
    """Fix the recipients now: the segment's members with an email, the others skipped."""
    subject, body = _check_input(subject, body)
    name, members, _ = _plan(store, segment)
    if not members:
        raise Invalid("segment", f"{name!r} has no members; check it with `pocketcrm segment show`")
    now = clock.now()
    with store.write() as session:
        # Flags are read again inside the writing transaction: an opt-out that arrived
        # since the segment was read is honoured.
        people = _people(session, members)
        if not any(p.skip_reason() == "" for p in people.values()):
            raise Invalid(
                "segment",
                f"nobody in {name!r} can be emailed (opted out, do not contact, or no email)",
            )
        campaign_id = sql.insert(
            session,
            "campaign",
            {
                "uuid": sql.new_uuid(),
                "segment": name,
                "subject": subject,
                "body": body,
                "created_at": now,
                "finished_at": None,
            },
        )
        for contact_id in dict.fromkeys(members):  # one recipient per contact
            person = people.get(contact_id)
            if person is None:
                continue
            reason = person.skip_reason()
            sql.insert(
                session,
                "campaign_recipient",
                {
                    "campaign_id": campaign_id,
                    "contact_id": contact_id,
                    "email": person.email,
                    "status": "skipped" if reason else "pending",
                    "attempts": 0,
                    "sent_at": None,
                    "error": reason,
                },
            )
    return get_campaign(store, campaign_id)


# -- reading --------------------------------------------------------------------------------

_CAMPAIGN_SQL = """
SELECT c.id, c.uuid, c.segment, c.subject, c.body, c.created_at, c.finished_at,
       (SELECT count(*) FROM campaign_recipient r WHERE r.campaign_id = c.id),
       (SELECT count(*) FROM campaign_recipient r WHERE r.campaign_id = c.id
          AND r.status = 'pending'),
       (SELECT count(*) FROM campaign_recipient r WHERE r.campaign_id = c.id
          AND r.status = 'sent'),
       (SELECT count(*) FROM campaign_recipient r WHERE r.campaign_id = c.id
          AND r.status = 'failed'),
       (SELECT count(*) FROM campaign_recipient r WHERE r.campaign_id = c.id
          AND r.status = 'skipped')
FROM campaign c
"""


def _campaign(r: Sequence[Any]) -> CampaignView:
    created = from_db_time(r[5])
    assert created is not None
    return CampaignView(
        id=int(r[0]),
        uuid=str(r[1]),
        segment=str(r[2]),
        subject=str(r[3]),
        body=str(r[4]),
        created_at=created,
        finished_at=from_db_time(r[6]),
        total=int(r[7]),
        pending=int(r[8]),
        sent=int(r[9]),
        failed=int(r[10]),
        skipped=int(r[11]),
    )


def list_campaigns(store: Store) -> list[CampaignView]:
    """Every campaign, newest first, with its counts."""
    with store.read() as session:
        rows = session.execute(text(_CAMPAIGN_SQL + " ORDER BY c.created_at DESC, c.id DESC"))
        return [_campaign(r) for r in rows]


def _campaign_id(ref: int | str) -> int:
    shown = str(ref).strip().lstrip("#")
    if not shown.isdecimal():
        raise Invalid("campaign", f"{ref!r} is not a campaign id; see `pocketcrm campaign list`")
    return int(shown)


def get_campaign(store: Store, campaign_id: int | str) -> CampaignView:
    """One campaign with every recipient's status."""
    key = _campaign_id(campaign_id)
    with store.read() as session:
        found = session.execute(text(_CAMPAIGN_SQL + " WHERE c.id = :i"), {"i": key}).first()
        if found is None:
            raise NotFound("campaign", str(campaign_id))
        recipients = tuple(
            RecipientView(
                contact_id=int(r[0]),
                contact_name=str(r[1]),
                email=str(r[2]),
                status=str(r[3]),
                attempts=int(r[4]),
                sent_at=from_db_time(r[5]),
                error=str(r[6]),
            )
            for r in session.execute(
                text(
                    "SELECT r.contact_id, coalesce(c.display_name, ''), r.email, r.status, "
                    "r.attempts, r.sent_at, r.error FROM campaign_recipient r "
                    "LEFT JOIN contact c ON c.id = r.contact_id "
                    "WHERE r.campaign_id = :i ORDER BY r.id"
                ),
                {"i": key},
            )
        )
    return replace(_campaign(found), recipients=recipients)


# -- sending --------------------------------------------------------------------------------


def smtp_settings(store: Store) -> SmtpSettings:
    """The [reminders.smtp] settings, checked for what a campaign needs (no digest list)."""
    from pocketcrm.core import delivery

    return delivery.SmtpSettings.from_config(store.settings.reminders.smtp)


def _check_smtp(smtp: SmtpSettings) -> tuple[str, str]:
    """(sender, password) or Invalid naming the setting to fix."""
    from pocketcrm.core import delivery

    # The digest's checks, minus its own recipient list (a campaign brings its own).
    delivery.check_settings(replace(smtp, recipients=["campaign@recipients.invalid"]))
    password = ""
    if smtp.user:
        password = delivery.smtp_password(smtp)
        if not password:
            raise Invalid(
                "reminders.smtp.password",
                f"no password for {smtp.user!r}: set {smtp.password_env} or store it "
                f"with `keyring set {smtp.keyring_service} {smtp.user}`",
            )
    return delivery.sender_address(smtp), password


def _open(smtp: SmtpSettings, password: str) -> smtplib.SMTP:
    """A logged-in connection, as the digest makes it (STARTTLS required unless told not)."""
    import smtplib

    from pocketcrm.core import delivery

    client = delivery.connect(smtp)
    try:
        if not delivery.secure(client, smtp, password):
            raise smtplib.SMTPNotSupportedError(
                'the server does not offer STARTTLS; use security = "ssl" (usually port '
                '465), or "none" only for a trusted local relay'
            )
    except BaseException:
        client.close()
        raise
    return client


def build_message(
    sender: str, to_name: str, to_address: str, subject: str, body: str, *, now: datetime
) -> EmailMessage:
    """A plain-text email with its own Message-ID and Date."""
    from email.headerregistry import Address
    from email.message import EmailMessage
    from email.utils import format_datetime, make_msgid

    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    user, _, domain = to_address.rpartition("@")
    try:
        message["To"] = Address(display_name=to_name, username=user, domain=domain)
    except (ValueError, IndexError):
        message["To"] = to_address
    message["Date"] = format_datetime(now.astimezone(clock.local_zone()))
    # An explicit domain: make_msgid would otherwise look up this host's FQDN (slow DNS).
    sender_domain = sender.rpartition("@")[2].strip("<> ") or "pocketcrm.invalid"
    message["Message-ID"] = make_msgid(idstring="pocketcrm", domain=sender_domain)
    message.set_content(body if body.endswith("\n") else body + "\n")
    return message


@dataclass(frozen=True)
class _Todo:
    recipient_id: int
    contact_id: int
    email: str


def _todo(session: Session, campaign_id: int) -> list[_Todo]:
    rows = session.execute(
        text(
            "SELECT id, contact_id, email FROM campaign_recipient WHERE campaign_id = :c "
            "AND (status = 'pending' OR (status = 'failed' AND attempts < :most)) ORDER BY id"
        ),
        {"c": campaign_id, "most": MAX_ATTEMPTS},
    )
    return [_Todo(int(r[0]), int(r[1]), str(r[2])) for r in rows]


def _mark_sent(store: Store, todo: _Todo, subject: str) -> None:
    """The server took it: sent, and on the timeline, in one short transaction."""
    from pocketcrm.core.services.activity import refresh_contact_dates

    now = clock.now()
    with store.write() as session:
        changed = session.execute(
            text(
                "UPDATE campaign_recipient SET status = 'sent', attempts = attempts + 1, "
                "sent_at = :now, error = '' WHERE id = :i AND status <> 'sent'"
            ),
            {"now": db_time(now), "i": todo.recipient_id},
        )
        if not getattr(changed, "rowcount", 1):
            return  # another send got there first; its interaction is already logged
        company_id = session.execute(
            text("SELECT company_id FROM contact WHERE id = :c"), {"c": todo.contact_id}
        ).scalar()
        sql.insert(
            session,
            "interaction",
            {
                "uuid": sql.new_uuid(),
                "contact_id": todo.contact_id,
                "company_id": company_id,
                "kind": "email",
                "direction": "out",
                "occurred_at": now,
                "duration_s": None,
                "outcome": "",
                "satisfaction": None,
                "owner": acting.owner(session, store.settings.owner),
                "notes": subject,
                "created_at": now,
            },
        )
        refresh_contact_dates(session, todo.contact_id)
        reindex(session, [todo.contact_id])  # the subject is on the timeline: searchable


def _mark(store: Store, todo: _Todo, status: str, error: str, *, attempt: bool) -> None:
    with store.write() as session:
        session.execute(
            text(
                "UPDATE campaign_recipient SET status = :s, error = :e, "
                "attempts = attempts + :a WHERE id = :i AND status <> 'sent'"
            ),
            {"s": status, "e": error, "a": 1 if attempt else 0, "i": todo.recipient_id},
        )


def _finish_if_done(store: Store, campaign_id: int) -> bool:
    with store.write() as session:
        left = session.execute(
            text(
                "SELECT count(*) FROM campaign_recipient WHERE campaign_id = :c "
                "AND (status = 'pending' OR (status = 'failed' AND attempts < :most))"
            ),
            {"c": campaign_id, "most": MAX_ATTEMPTS},
        ).scalar_one()
        if int(left):
            return False
        session.execute(
            text("UPDATE campaign SET finished_at = :now WHERE id = :c AND finished_at IS NULL"),
            {"now": db_time(clock.now()), "c": campaign_id},
        )
        return True


def _remaining(store: Store, campaign_id: int) -> int:
    with store.read() as session:
        return len(_todo(session, campaign_id))


SEND_LEASE_SECONDS = 120  # a send that has not been heard of this long has died


def _lease_key(campaign_id: int) -> str:
    return f"campaign:{campaign_id}:sending"


def _holder() -> str:
    import os
    import socket

    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(holder: str) -> bool:
    """Whether the process holding a lease may still run: certain only on this machine."""
    import os
    import socket

    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine (a shared server): trust the lease's age instead
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _take_lease(store: Store, campaign_id: int, token: str) -> None:
    """One send of a campaign at a time: a second (cron and a person, say) is refused
    instead of mailing the same people. The lease lives in app_state (token|time|host:pid),
    renewed while the send runs; one whose process is gone (killed on this machine) or not
    renewed for SEND_LEASE_SECONDS is taken over."""
    now = clock.now()
    key = _lease_key(campaign_id)
    with store.write() as session:
        held = session.execute(
            text("SELECT value FROM app_state WHERE key = :k"), {"k": key}
        ).scalar()
        if held:
            other, _, rest = str(held).partition("|")
            stamp, _, holder = rest.partition("|")
            since = from_db_time(stamp) if stamp else None
            fresh = since is not None and (now - since).total_seconds() < SEND_LEASE_SECONDS
            if other != token and fresh and _alive(holder):
                raise Invalid(
                    "id",
                    f"campaign {campaign_id} is being sent by another run right now; "
                    "wait for it to finish",
                )
            session.execute(text("DELETE FROM app_state WHERE key = :k"), {"k": key})
        session.execute(
            text("INSERT INTO app_state (key, value) VALUES (:k, :v)"),
            {"k": key, "v": f"{token}|{db_time(now)}|{_holder()}"},
        )


def _renew_lease(store: Store, campaign_id: int, token: str) -> None:
    with store.write() as session:
        session.execute(
            text("UPDATE app_state SET value = :v WHERE key = :k AND value LIKE :mine"),
            {
                "k": _lease_key(campaign_id),
                "v": f"{token}|{db_time(clock.now())}|{_holder()}",
                "mine": f"{token}|%",
            },
        )


def _drop_lease(store: Store, campaign_id: int, token: str) -> None:
    with store.write() as session:
        session.execute(
            text("DELETE FROM app_state WHERE key = :k AND value LIKE :mine"),
            {"k": _lease_key(campaign_id), "mine": f"{token}|%"},
        )


def send_campaign(
    store: Store,
    campaign_id: int | str,
    *,
    smtp: SmtpSettings | None = None,
    limit: int | None = None,
) -> SendReport:
    """Send to every pending recipient (and failed ones with tries left), at most LIMIT.

    Each recipient is marked sent right after the server accepted its message, so running
    this again after any interruption continues where it stopped and mails nobody twice.
    A refused recipient is marked failed and the run goes on; a lost connection stops the
    run (the rest stay pending) and the report says why.
    """

    view = get_campaign(store, campaign_id)
    if limit is not None and limit < 1:
        raise Invalid("limit", "must be at least 1")
    smtp = smtp or smtp_settings(store)
    with store.read() as session:
        todo = _todo(session, view.id)
    if limit is not None:
        todo = todo[:limit]
    if not todo:
        finished = _finish_if_done(store, view.id)
        return SendReport(view.id, 0, 0, 0, _remaining(store, view.id), finished)
    sender, password = _check_smtp(smtp)
    token = sql.new_uuid()
    _take_lease(store, view.id, token)
    try:
        return _send(store, view, todo, smtp, sender, password, token)
    finally:
        _drop_lease(store, view.id, token)


@dataclass
class _Tally:
    """What one send did so far, and why it stopped early ("" while it goes on)."""

    sent: int = 0
    failed: int = 0
    skipped: int = 0
    error: str = ""


def _send(
    store: Store,
    view: CampaignView,
    todo: list[_Todo],
    smtp: SmtpSettings,
    sender: str,
    password: str,
    token: str,
) -> SendReport:
    import smtplib

    from pocketcrm.core import delivery

    try:
        client = _open(smtp, password)
    except (smtplib.SMTPException, OSError) as exc:
        reason = delivery.smtp_reason(exc, smtp)
        return SendReport(view.id, 0, 0, 0, _remaining(store, view.id), False, reason)
    tally = _Tally()
    renewed = clock.now()
    try:
        for item in todo:
            if (clock.now() - renewed).total_seconds() > SEND_LEASE_SECONDS / 4:
                _renew_lease(store, view.id, token)
                renewed = clock.now()
            prepared = _prepared(store, view, item, sender, tally)
            if prepared is None:
                continue
            message, subject = prepared
            if not _send_one(store, client, item, message, subject, smtp, sender, tally):
                break
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()
    finished = _finish_if_done(store, view.id)
    remaining = _remaining(store, view.id)
    return SendReport(
        view.id, tally.sent, tally.failed, tally.skipped, remaining, finished, tally.error
    )


def _prepared(
    store: Store, view: CampaignView, item: _Todo, sender: str, tally: _Tally
) -> tuple[EmailMessage, str] | None:
    """ITEM's message and subject, or None: sent meanwhile, or to be skipped now."""
    with store.read() as session:
        still = session.execute(
            text("SELECT status FROM campaign_recipient WHERE id = :i"),
            {"i": item.recipient_id},
        ).scalar()
    if still == "sent":  # sent by a run that ended after this one read its list
        return None
    with store.read() as session:
        person = _people(session, [item.contact_id]).get(item.contact_id)
    reason = person.skip_reason() if person else SKIP_TRASHED
    if reason and reason != SKIP_NO_EMAIL:
        # Opted out (or trashed) since the campaign was made: respect it now.
        _mark(store, item, "skipped", reason, attempt=False)
        tally.skipped += 1
        return None
    assert person is not None
    fields = _fields(person.display_name, person.given_name, person.company)
    subject = render(view.subject, fields)
    message = build_message(
        sender,
        person.display_name,
        item.email,
        subject,
        render(view.body, fields),
        now=clock.now(),
    )
    # Bulk mail says how to leave it; a reply to this address (read by `mail fetch`) opts out.
    leave = store.settings.mail.unsubscribe_address.strip() or sender
    message["List-Unsubscribe"] = f"<mailto:{leave}?subject=unsubscribe>"
    return message, subject


def _send_one(
    store: Store,
    client: smtplib.SMTP,
    item: _Todo,
    message: EmailMessage,
    subject: str,
    smtp: SmtpSettings,
    sender: str,
    tally: _Tally,
) -> bool:
    """Send ITEM's message and mark the outcome; False when the run must stop (tally.error)."""
    import smtplib

    from pocketcrm.core import delivery

    try:
        refused = client.send_message(message, from_addr=sender, to_addrs=[item.email])
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPSenderRefused) as exc:
        # The connection, or our own From address: nothing about this recipient,
        # so it stays pending and keeps its tries.
        tally.error = delivery.smtp_reason(exc, smtp)
        return False
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as exc:
        code = getattr(exc, "smtp_code", 0)
        _mark(store, item, "failed", delivery.smtp_reason(exc, smtp), attempt=True)
        tally.failed += 1
        if code == 421:  # the server is closing the connection
            tally.error = delivery.smtp_reason(exc, smtp)
            return False
        return True
    except (smtplib.SMTPException, OSError) as exc:
        tally.error = delivery.smtp_reason(exc, smtp)
        return False
    if refused:
        _mark(store, item, "failed", str(refused), attempt=True)
        tally.failed += 1
        return True
    _mark_sent(store, item, subject)
    tally.sent += 1
    return True
