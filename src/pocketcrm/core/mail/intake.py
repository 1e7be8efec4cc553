"""`mail fetch`: file each new message on the right contacts and cases, once.

Each message is filed by one rule, first match wins:
  malformed     no headers or no sender: kept aside with the reason (raw text kept);
  unsubscribed  a reply to the campaigns' List-Unsubscribe address: the sender opts out;
  survey        a digit 1-5 answering a case's satisfaction question: recorded on the case;
  case          its subject names a case (CASE-YYYY-NNNN) or its References point to one:
                added to the case's timeline (and the contact's);
  opened        to the support address from a known contact: opens a case;
  lead / review to the support address from a stranger: a new lead with a case, or kept
                for review (raw text kept), as [mail] unknown_sender says;
  logged        from or to known contacts: an "email" interaction on each one's timeline;
  skipped       nobody known: only remembered, so it is not read again.
Mail from one of my addresses (or in the Sent folder) is outgoing and is filed on its
recipients, which is how a BCC address works: mail I send with it in BCC lands here.

Idempotent by Message-ID (a digest for a message without one): every message read is
remembered in mail_message in the same transaction as what it became. Messages are
written in batches, each its own short transaction (so `remind` from cron is never held
up for long); a killed fetch loses at most the batch in flight, which the next fetch
reads again, so nothing is lost or doubled.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from pocketcrm.core import acting, clock, sql
from pocketcrm.core.db import Db
from pocketcrm.core.mail.parse import Malformed, Parsed, fresh_text, identity, parse
from pocketcrm.core.mail.sources import Item, Source, open_source
from pocketcrm.core.services import cases
from pocketcrm.core.store import Store
from pocketcrm.core.times import db_time, from_db_time

# Messages per transaction. 1,000 holds the write lock for about half a second (messages
# are parsed before it is taken); 250 made four times the commits and WAL checkpoints and
# refreshed a contact's dates and search rows once per batch it appears in.
BATCH = 1000
EXCERPT = 500  # characters of the text kept on the timeline (unless full_body)
RAW_LIMIT = 1_000_000  # characters of a set-aside message kept
_CASE_NUMBER = re.compile(r"\bCASE-\d{4}-\d{4,}\b", re.IGNORECASE)
_SCORE = re.compile(r"^\s*([1-5])(?![0-9])\W*(.*)", re.DOTALL)
_POSITION = "mail:position:"


@dataclass
class FetchReport:
    source: str
    read: int = 0
    already: int = 0  # fetched before (by Message-ID)
    outcomes: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)  # the malformed ones, with reasons


@dataclass
class _Rules:
    """What every message is checked against, read once per fetch."""

    mine: set[str]
    support: str
    unsubscribe: str
    unsubscribe_dedicated: bool
    unknown_sender: str
    full_body: bool
    outgoing: bool  # the whole source is a Sent folder
    contacts: dict[str, int]  # address -> contact id
    companies: dict[int, int | None]  # contact id -> company id
    owner: str  # whose the logged mail is: the configured owner, as a login (core/acting.py)


def _rules(session: Db, store: Store, outgoing: bool) -> _Rules:
    settings = store.settings
    mail, service = settings.mail, settings.service
    smtp_sender = settings.reminders.smtp.sender.strip().lower()
    mine = {a.strip().lower() for a in mail.addresses if a.strip()}
    mine |= {a for a in (smtp_sender, mail.bcc_address.strip().lower()) if a}
    support = service.support_address.strip().lower()
    unsubscribe = mail.unsubscribe_address.strip().lower()
    rows = session.run(
        "SELECT e.address_key, e.contact_id, c.company_id FROM contact_email e JOIN contact c "
        "ON c.id = e.contact_id WHERE c.deleted_at IS NULL ORDER BY e.is_primary, e.id DESC"
    ).all()
    return _Rules(
        mine=mine | ({support} if support else set()),
        support=support,
        unsubscribe=unsubscribe or smtp_sender,
        unsubscribe_dedicated=bool(unsubscribe),
        unknown_sender=mail.unknown_sender,
        full_body=mail.full_body,
        outgoing=outgoing,
        contacts={str(r[0]): int(r[1]) for r in rows},
        companies={int(r[1]): None if r[2] is None else int(r[2]) for r in rows},
        owner=acting.owner(session, settings.owner),
    )


@dataclass
class _Batch:
    """One transaction's worth of messages and the contacts they touched."""

    # (item, message id, what parsing it gave): parsed before the write lock is taken
    items: list[tuple[Item, str, Parsed | Malformed]] = field(default_factory=list)
    touched: set[int] = field(default_factory=set)
    # The common case (a message logged on known contacts, or from nobody known) needs no
    # ids back: its rows go in with one executemany at the batch's end.
    interactions: list[dict[str, object]] = field(default_factory=list)
    messages: list[dict[str, object]] = field(default_factory=list)


def _remember(
    session: Db,
    message_id: str,
    source: str,
    status: str,
    *,
    parsed: Parsed | None = None,
    reason: str = "",
    contact_id: int | None = None,
    case_id: int | None = None,
    raw: bytes = b"",
    direction: str = "",
    later: _Batch | None = None,
) -> None:
    row: dict[str, object] = {
        "message_id": message_id,
        "source": source,
        "status": status,
        "reason": reason,
        "direction": direction,
        "sender": parsed.sender if parsed else "",
        "subject": parsed.subject if parsed else "",
        "sent_at": parsed.sent_at if parsed else None,
        "contact_id": contact_id,
        "case_id": case_id,
        "raw": raw.decode("utf-8", "replace")[:RAW_LIMIT],
        "fetched_at": clock.now(),
    }
    if later is not None:
        later.messages.append(row)
    else:
        sql.insert(session, "mail_message", row)


def _notes(rules: _Rules, parsed: Parsed) -> str:
    body = parsed.text if rules.full_body else parsed.text[:EXCERPT]
    subject = parsed.subject or "(no subject)"
    return f"{subject}\n\n{body}".strip()


def _interaction(
    owner: str, contact_id: int, company: int | None, parsed: Parsed, **values: object
) -> dict[str, object]:
    return {
        "uuid": sql.new_uuid(),
        "contact_id": contact_id,
        "company_id": company,
        "kind": "email",
        "direction": values["direction"],
        "occurred_at": parsed.sent_at or clock.now(),
        "duration_s": None,
        "outcome": "",
        "satisfaction": values.get("satisfaction"),
        "owner": owner,
        "notes": values["notes"],
        "created_at": clock.now(),
    }


def _log(
    filer: _Filer,
    contact_id: int,
    parsed: Parsed,
    *,
    direction: str,
    notes: str,
    satisfaction: int | None = None,
) -> int:
    """An "email" interaction now (its id is needed); dates and search follow at the end."""
    filer.batch.touched.add(contact_id)
    known = filer.rules.companies  # every contact with an address; a case's may have none
    company = (
        known[contact_id]
        if contact_id in known
        else filer.session.run(
            "SELECT company_id FROM contact WHERE id = :c", {"c": contact_id}
        ).scalar()
    )
    row = _interaction(filer.rules.owner, contact_id, company, parsed, direction=direction,
                       notes=notes, satisfaction=satisfaction)  # fmt: skip
    return sql.insert(filer.session, "interaction", row)


def _flush(session: Db, batch: _Batch) -> None:
    """The batch's deferred rows: one executemany per table on SQLite (the driver's own,
    with positional values: a tenth of the cost of one statement per row)."""
    for table, rows in (("interaction", batch.interactions), ("mail_message", batch.messages)):
        if not rows:
            continue
        columns = list(rows[0])
        if session.dialect_name != "sqlite":
            for row in rows:
                sql.insert_plain(session, table, row)
        else:
            statement = (
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' for _ in columns)})"
            )
            session.driver_cursor().executemany(
                statement,
                [
                    tuple(db_time(v) if isinstance(v, datetime) else v for v in row.values())
                    for row in rows
                ],
            )
        rows.clear()


@contextmanager
def _savepoint(session: Db) -> Iterator[None]:
    """A rarer rule writes at once, inside a savepoint: one that fails leaves nothing."""
    session.run("SAVEPOINT mail_rule")
    try:
        yield
    except BaseException:
        session.run("ROLLBACK TO SAVEPOINT mail_rule")
        session.run("RELEASE SAVEPOINT mail_rule")
        raise
    session.run("RELEASE SAVEPOINT mail_rule")


def _case_for(session: Db, parsed: Parsed) -> int | None:
    numbers = [n.upper() for n in _CASE_NUMBER.findall(parsed.subject)]
    for number in numbers:
        found = session.run(
            "SELECT id FROM support_case WHERE number = :n AND deleted_at IS NULL", {"n": number}
        ).scalar()
        if found is not None:
            return int(found)
    if not parsed.references:
        return None
    marks = ", ".join(f":r{i}" for i in range(len(parsed.references)))
    params = {f"r{i}": ref for i, ref in enumerate(parsed.references)}
    found = session.run(
        f"SELECT case_id FROM case_event WHERE message_id IN ({marks}) UNION "
        f"SELECT id FROM support_case WHERE thread_id IN ({marks}) AND deleted_at IS NULL",
        params,
    ).scalar()
    return None if found is None else int(found)


def _is_unsubscribe(rules: _Rules, parsed: Parsed) -> bool:
    if not rules.unsubscribe or rules.unsubscribe not in parsed.recipients:
        return False
    return rules.unsubscribe_dedicated or parsed.subject.lower().lstrip().startswith("unsubscribe")


class _Filer:
    """Files one parsed message by the rules above, in the batch's transaction."""

    def __init__(self, session: Db, store: Store, rules: _Rules, batch: _Batch) -> None:
        self.session, self.store, self.rules, self.batch = session, store, rules, batch

    def file(self, parsed: Parsed, source: str, raw: bytes) -> str:
        rules = self.rules
        outgoing = rules.outgoing or parsed.sender in rules.mine
        direction = "out" if outgoing else "in"
        sender_contact = None if outgoing else rules.contacts.get(parsed.sender)
        keep = dict(parsed=parsed, direction=direction)
        # The rarer rules write at once, each in a savepoint: one that fails leaves nothing.
        if not outgoing and _is_unsubscribe(rules, parsed):
            with _savepoint(self.session):
                return self._unsubscribe(parsed, source, sender_contact, raw)
        case_id = _case_for(self.session, parsed)
        if case_id is not None:
            with _savepoint(self.session):
                return self._on_case(parsed, source, case_id, direction)
        if not outgoing and rules.support and rules.support in parsed.recipients:
            with _savepoint(self.session):
                return self._support(parsed, source, sender_contact, raw)
        people = [sender_contact] if not outgoing else self._recipients(parsed)
        known = [p for p in people if p is not None]
        batch = self.batch
        if not known:
            _remember(self.session, parsed.message_id, source, "skipped", later=batch, **keep)  # type: ignore[arg-type]
            return "skipped"
        for contact_id in known:
            batch.touched.add(contact_id)
            batch.interactions.append(
                _interaction(
                    rules.owner,
                    contact_id,
                    rules.companies.get(contact_id),
                    parsed,
                    direction=direction,
                    notes=_notes(rules, parsed),
                )
            )
        _remember(self.session, parsed.message_id, source, "logged", contact_id=known[0],
                  later=batch, **keep)  # type: ignore[arg-type]  # fmt: skip
        return "logged"

    def _recipients(self, parsed: Parsed) -> list[int | None]:
        found = [self.rules.contacts.get(a) for a in parsed.recipients if a not in self.rules.mine]
        return list(dict.fromkeys(found))

    def _unsubscribe(self, parsed: Parsed, source: str, contact: int | None, raw: bytes) -> str:
        if contact is None:
            _remember(self.session, parsed.message_id, source, "review", parsed=parsed,
                      reason="unsubscribe from an unknown address", raw=raw, direction="in")  # fmt: skip
            return "review"
        self.session.run(
            "UPDATE contact SET email_opt_out = :t, updated_at = :n WHERE id = :c",
            {"t": True, "n": db_time(clock.now()), "c": contact},
        )
        _log(self, contact, parsed, direction="in",
             notes=f"Unsubscribed by email: {parsed.subject}".strip())  # fmt: skip
        _remember(self.session, parsed.message_id, source, "unsubscribed", parsed=parsed,
                  contact_id=contact, direction="in")  # fmt: skip
        return "unsubscribed"

    def _on_case(self, parsed: Parsed, source: str, case_id: int, direction: str) -> str:
        session, store = self.session, self.store
        row = session.run(
            "SELECT contact_id, number, survey_sent_at FROM support_case WHERE id = :i",
            {"i": case_id},
        ).one()
        contact, number = int(row[0]), str(row[1])
        fresh = fresh_text(parsed.text)
        score = _SCORE.match(fresh) if direction == "in" and row[2] is not None else None
        at = parsed.sent_at or clock.now()
        if score is not None:
            value, comment = int(score.group(1)), " ".join(score.group(2).split())
            _log(self, contact, parsed, direction="in",
                 notes=f"{number}: rated {value}/5 {comment}".strip(), satisfaction=value)  # fmt: skip
            cases.record_satisfaction(session, store, case_id, value, comment, at=at)
            status = "survey"
        else:
            notes = f"{number}: {_notes(self.rules, parsed)}"
            interaction = _log(self, contact, parsed, direction=direction, notes=notes)
            body = fresh or parsed.text
            if direction == "in":
                cases.add_inbound(session, store, case_id, body, message_id=parsed.message_id,
                                  interaction_id=interaction, at=at)  # fmt: skip
            else:
                cases.add_outbound(session, store, case_id, body, message_id=parsed.message_id,
                                   interaction_id=interaction, at=at)  # fmt: skip
            status = "case"
        _remember(session, parsed.message_id, source, status, parsed=parsed, contact_id=contact,
                  case_id=case_id, direction=direction)  # fmt: skip
        return status

    def _support(self, parsed: Parsed, source: str, contact: int | None, raw: bytes) -> str:
        status = "opened"
        if contact is None:
            if self.rules.unknown_sender != "lead":
                _remember(self.session, parsed.message_id, source, "review", parsed=parsed,
                          reason="support mail from an unknown sender", raw=raw, direction="in")  # fmt: skip
                return "review"
            contact = self._new_lead(parsed)
            status = "lead"
        interaction = _log(self, contact, parsed, direction="in", notes=_notes(self.rules, parsed))
        at = parsed.sent_at or clock.now()
        data = cases.CaseInput(
            subject=(parsed.subject or "(no subject)")[:200],
            description=parsed.text[:10_000],
            channel="email",
            thread_id=parsed.message_id,
        )
        case_id = cases.open_case_in(self.session, self.store, contact, data, at=at)
        self.session.run(
            "UPDATE case_event SET message_id = :m, interaction_id = :i WHERE case_id = :c",
            {"m": parsed.message_id, "i": interaction, "c": case_id},
        )
        _remember(self.session, parsed.message_id, source, status, parsed=parsed,
                  contact_id=contact, case_id=case_id, direction="in")  # fmt: skip
        return status

    def _new_lead(self, parsed: Parsed) -> int:
        from pocketcrm.core.services.contacts import ContactInput, add_contact_in

        name = parsed.sender_name or parsed.sender.split("@")[0]
        data = ContactInput(name=name, emails=[parsed.sender], source="email")
        contact = add_contact_in(self.session, self.store, data)
        self.rules.contacts[parsed.sender] = contact
        self.rules.companies[contact] = None
        return contact


def _known(session: Db, ids: Iterable[str]) -> set[str]:
    wanted = list(ids)
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ", ".join(f":m{i}" for i in range(len(chunk)))
        rows = session.run(
            f"SELECT message_id FROM mail_message WHERE message_id IN ({marks})",
            {f"m{i}": m for i, m in enumerate(chunk)},
        )
        found.update(str(r[0]) for r in rows)
    return found


def _header_id(raw: bytes) -> str:
    """The Message-ID without parsing the whole message (a cheap look at the headers)."""
    head = raw.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    found = re.search(rb"^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)", head, re.I | re.M)
    return identity(raw, found.group(1).decode("ascii", "replace") if found else "")


def _write(store: Store, source: Source, batch: _Batch, report: FetchReport, rules: _Rules) -> None:
    from pocketcrm.core.search import reindex
    from pocketcrm.core.services.activity import refresh_dates_of

    with store.sql_write() as session:
        seen = _known(session, (m for _, m, _ in batch.items))
        filer = _Filer(session, store, rules, batch)
        for item in batch.items:
            if item[1] in seen:
                report.already += 1
                continue
            seen.add(item[1])
            outcome = _one(session, filer, item, source.label, report)
            report.outcomes[outcome] += 1
        _flush(session, batch)
        refresh_dates_of(session, sorted(batch.touched))
        reindex(session, sorted(batch.touched))
        if source.position:
            _set_position(session, source.label, source.position)


def _one(
    session: Db,
    filer: _Filer,
    item: tuple[Item, str, Parsed | Malformed],
    label: str,
    report: FetchReport,
) -> str:
    """File one message; a message the rules cannot take is kept aside, never fatal."""
    from pocketcrm.core.errors import CrmError

    message, message_id, parsed = item
    reason = parsed.reason if isinstance(parsed, Malformed) else ""
    if isinstance(parsed, Parsed):
        try:
            return filer.file(parsed, label, message.raw)
        except CrmError as exc:  # its savepoint is rolled back: nothing of it stays
            reason = str(exc)
    report.problems.append(f"{message.key}: {reason}")
    _remember(session, message_id, label, "malformed", reason=reason, raw=message.raw)
    return "malformed"


def _set_position(session: Db, label: str, position: str) -> None:
    key = _POSITION + label
    changed = session.run(
        "UPDATE app_state SET value = :v WHERE key = :k", {"k": key, "v": position}
    )
    if not getattr(changed, "rowcount", 0):
        sql.insert_plain(session, "app_state", {"key": key, "value": position})


def _position(store: Store, label: str) -> str:
    with store.sql_read() as session:
        found = session.run(
            "SELECT value FROM app_state WHERE key = :k", {"k": _POSITION + label}
        ).scalar()
    return str(found or "")


def _parsed(item: Item) -> tuple[Item, str, Parsed | Malformed]:
    """(item, its Message-ID, what it parses to): done before the batch's transaction."""
    message_id = _header_id(item.raw)
    try:
        parsed = parse(item.raw, message_id)
    except Malformed as exc:
        return item, message_id, exc
    return item, message_id, parsed


def _batches(source: Source, size: int) -> Iterator[_Batch]:
    batch = _Batch()
    for item in source.messages():
        batch.items.append(_parsed(item))
        if len(batch.items) >= size:
            yield batch
            batch = _Batch()
    if batch.items:
        yield batch


def fetch(
    store: Store, spec: str = "", *, sent: bool = False, batch_size: int = BATCH
) -> FetchReport:
    """Read new messages from SPEC (default: mail.source; with `sent`, mail.sent: outgoing)."""
    config = store.settings.mail
    target = spec or (config.sent if sent else config.source)
    if sent and not spec and config.source.startswith("imap") and not target.startswith("imap"):
        target = f"imap:{target}"  # mail.sent names a folder of the IMAP account
    source = open_source(target, config)
    report = FetchReport(source.label)
    source.resume_from(_position(store, source.label))
    with store.sql_read() as session:
        rules = _rules(session, store, sent)
    try:
        for batch in _batches(source, batch_size):
            report.read += len(batch.items)
            _write(store, source, batch, report, rules)
    finally:
        source.close()
    return report


def review(store: Store, limit: int = 100) -> list[tuple[str, str, str, str, datetime | None]]:
    """Messages set aside (malformed, or for review): (status, sender, subject, reason, sent)."""
    with store.sql_read() as session:
        rows = session.run(
            "SELECT status, sender, subject, reason, sent_at FROM mail_message "
            "WHERE status IN ('malformed', 'review') ORDER BY id DESC LIMIT :n",
            {"n": limit},
        ).all()
    return [(str(r[0]), str(r[1]), str(r[2]), str(r[3]), from_db_time(r[4])) for r in rows]
