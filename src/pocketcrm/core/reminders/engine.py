"""The reminder engine behind `pocketcrm remind`: find what is due, claim it, deliver, mark it.

Made to run unattended every few minutes (cron, a systemd timer, launchd) and to deliver each
reminder exactly once, even when two runs start together, the interface is open, or the
machine was off when something fell due:

1. One write transaction (BEGIN IMMEDIATE, so concurrent runs queue up here) records every
   occurrence that is due as a `reminder` row with a stable key (kind:record:occurrence,
   inserted with ON CONFLICT DO NOTHING), releases claims left by a run that died, and
   claims the undelivered rows with this run's token.
2. The channels deliver outside any transaction: an SMTP server may take seconds, and the
   interface or another command must not wait on the write lock meanwhile. Each reminder
   remembers which channels took it (`delivered_channels`, saved as soon as a channel is
   done), so a retry goes only to the channels that failed: the email that went out is not
   sent again because the command channel failed, even if the run is killed in between.
3. A second write transaction marks what went out (delivered_at, follow_up.notified_at) and
   releases what did not (attempts + 1 and last_error; given up after max_attempts), so a
   failure shows in `pocketcrm agenda`, in `remind --status` and in the interface.

Step 1 is claim.py, what counts as due is due.py; this module delivers, settles and runs.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import TextIO

from sqlalchemy import text

from pocketcrm.core import clock, delivery, journal
from pocketcrm.core.errors import Invalid, Locked
from pocketcrm.core.reminders.channels import channel_text, check_channels
from pocketcrm.core.reminders.claim import Claimed, claim_due
from pocketcrm.core.reminders.rows import LAST_RUN_KEY, chunks, set_state
from pocketcrm.core.settings import ReminderConfig
from pocketcrm.core.store import Store
from pocketcrm.core.times import db_time

log = logging.getLogger("pocketcrm.remind")

_DELIVERY_ORDER = ("email", "command", "stdout", "desktop")  # deliver() tries them so
HEARTBEAT_SECONDS = 60.0  # a run delivering one by one renews its claims this often
# Claiming waits this long at most for another writer (an import): the next run retries.
CLAIM_LOCK_WAIT_S = 120.0
_EMAILISH = re.compile(r"[^\s@<>()\"',;:]+@[^\s@<>()\"',;:]+")
_PHONEISH = re.compile(r"\+?\d[\d ().-]{6,}\d")
_NOT_PHONE = re.compile(r"\d{1,3}(\.\d{1,3}){3}|\d{4}-\d{2}-\d{2}( \d{2})?")


def _phone_or_not(match: re.Match[str]) -> str:
    found = match.group(0)
    if _NOT_PHONE.fullmatch(found.strip()) or sum(ch.isdigit() for ch in found) < 7:
        return found  # an IP address, a date or a short number: useful, and nobody's phone
    return "<phone>"


def scrub(message: str) -> str:
    """Keep email addresses and phone numbers out of the log file."""
    return _PHONEISH.sub(_phone_or_not, _EMAILISH.sub("<email>", message))


# -- step 2: delivery, outside any transaction ---------------------------------------------


@dataclass
class Outcome:
    """What the channels did with the claimed reminders."""

    failures: dict[str, tuple[str, bool]] = field(default_factory=dict)  # key: (why, counts)
    warnings: list[str] = field(default_factory=list)
    config_error: bool = False
    taken: dict[str, set[str]] = field(default_factory=dict)  # key: channels that took it

    def fail(self, reminders: Sequence[delivery.Reminder], why: str, *, counts: bool) -> None:
        """Note a failed channel; a second failure adds its reason (and counts if either does)."""
        for reminder in reminders:
            before = self.failures.get(reminder.key)
            if before is None:
                self.failures[reminder.key] = (why, counts)
            else:
                self.failures[reminder.key] = (f"{before[0]}; {why}", before[1] or counts)

    def took(self, channel: str, reminders: Sequence[delivery.Reminder]) -> None:
        for reminder in reminders:
            self.taken.setdefault(reminder.key, set()).add(channel)


Took = Callable[[str, Sequence[delivery.Reminder]], None]


def deliver(
    reminders: Sequence[delivery.Reminder],
    channels: Sequence[str],
    config: ReminderConfig,
    *,
    stream: TextIO | None,
    zone: tzinfo,
    now: datetime,
    heartbeat: Callable[[], None] | None = None,
    done: Mapping[str, Collection[str]] | None = None,
    record: Took | None = None,
) -> Outcome:
    """Step 2: each channel delivers the reminders it has not taken yet.

    DONE maps a reminder's key to the channels that took it in earlier runs; they are
    skipped, so a retry after one channel failed never repeats the others. The channels do
    not wait on each other: a reminder the email could not carry is still run through the
    command and printed now, and the next run only emails it. RECORD(channel, reminders) is
    called as soon as a channel took some, so the progress is saved before the next channel
    starts (a run killed in between does not repeat what went out): after each reminder of
    the command, after the others unless they are the run's last (settle() saves that).

    A reminder counts as delivered when every fallible channel of the run has taken it (in
    this run or before). A desktop service that is missing is a warning, unless the desktop
    is the only channel: then nothing reached anyone. A configuration mistake (no SMTP host,
    a command that does not exist) fails the run but does not use up attempts: it is
    retried, and reported, until someone fixes it.
    """
    outcome = Outcome()
    earlier = done or {}
    last = next((c for c in reversed(_DELIVERY_ORDER) if c in channels), "")

    def wanted(channel: str) -> list[delivery.Reminder]:
        if channel not in channels:
            return []
        return [r for r in reminders if channel not in earlier.get(r.key, ())]

    def took(channel: str, items: Sequence[delivery.Reminder]) -> None:
        if items:
            outcome.took(channel, items)
            if record is not None and (channel != last or channel == "command"):
                record(channel, items)

    _by_email(wanted("email"), config, outcome, took, zone=zone, now=now)
    _by_command(wanted("command"), config, outcome, took, zone=zone, heartbeat=heartbeat)
    _by_stdout(wanted("stdout"), stream, outcome, took, zone=zone)
    alone = list(channels) == ["desktop"]
    _by_desktop(wanted("desktop"), outcome, took, zone=zone, alone=alone)
    return outcome


def _by_email(
    todo: Sequence[delivery.Reminder],
    config: ReminderConfig,
    outcome: Outcome,
    took: Took,
    *,
    zone: tzinfo,
    now: datetime,
) -> None:
    """One digest for them all; a partly refused one is a warning (see deliver_email)."""
    if not todo:
        return
    try:
        smtp = delivery.SmtpSettings.from_config(config.smtp)
        warning = delivery.deliver_email(todo, smtp, zone=zone, now=now)
    except delivery.DeliveryFailed as exc:
        outcome.fail(todo, str(exc), counts=True)
    except Invalid as exc:
        outcome.fail(todo, f"email: {exc}", counts=False)
        outcome.config_error = True
    else:
        took("email", todo)
        if warning:
            outcome.warnings.append(warning)


def _by_command(
    todo: Sequence[delivery.Reminder],
    config: ReminderConfig,
    outcome: Outcome,
    took: Took,
    *,
    zone: tzinfo,
    heartbeat: Callable[[], None] | None,
) -> None:
    """One run of the command per reminder; a command that cannot run stops the rest."""
    beat = time.monotonic()
    for index, reminder in enumerate(todo):
        if heartbeat is not None and time.monotonic() - beat > HEARTBEAT_SECONDS:
            heartbeat()  # a long batch keeps its claims from looking abandoned
            beat = time.monotonic()
        try:
            delivery.deliver_command([reminder], config.command, zone=zone)
        except delivery.DeliveryFailed as exc:
            outcome.fail([reminder], str(exc), counts=True)
        except Invalid as exc:
            outcome.fail(todo[index:], f"command: {exc}", counts=False)
            outcome.config_error = True
            break
        else:
            took("command", [reminder])


def _by_stdout(
    todo: Sequence[delivery.Reminder],
    stream: TextIO | None,
    outcome: Outcome,
    took: Took,
    *,
    zone: tzinfo,
) -> None:
    if not todo:
        return
    if stream is None:
        raise ValueError("the stdout channel needs a stream")
    try:
        delivery.deliver_stdout(todo, stream, zone=zone)
    except delivery.DeliveryFailed as exc:
        outcome.fail(todo, str(exc), counts=True)
    else:
        took("stdout", todo)


def _by_desktop(
    todo: Sequence[delivery.Reminder], outcome: Outcome, took: Took, *, zone: tzinfo, alone: bool
) -> None:
    """Notifications that could not be shown fail only when the desktop is the run's ALONE
    channel; beside others, they are a warning."""
    if not todo:
        return
    shown = delivery.show_desktop(todo, zone=zone)
    keys = set(shown.keys)
    took("desktop", [r for r in todo if r.key in keys])
    if shown.warning and alone:
        missed = [r for r in todo if r.key not in keys]
        outcome.fail(missed, f"desktop: {shown.warning}", counts=True)
    elif shown.warning:
        outcome.warnings.append(f"desktop: {shown.warning}")


# -- step 3: mark delivered, or release for the next run -----------------------------------


def _by_channels(ids_and_channels: Sequence[tuple[int, str]]) -> dict[str, list[int]]:
    """Row ids grouped by their `delivered_channels` text: one statement per distinct value."""
    groups: dict[str, list[int]] = {}
    for row_id, channels in ids_and_channels:
        groups.setdefault(channels, []).append(row_id)
    return groups


def save_progress(store: Store, token: str, channels_by_id: Mapping[int, Collection[str]]) -> None:
    """Remember mid-run which channels took which claimed reminders (all of them so far).

    Best effort: settle() writes the same again at the end, so a write that waited too long
    for the lock is logged, not raised, and the delivery carries on.
    """
    from sqlalchemy.exc import OperationalError

    pairs = [(row_id, channel_text(channels)) for row_id, channels in channels_by_id.items()]
    try:
        with store.write() as session:
            for value, ids in _by_channels(pairs).items():
                for chunk in chunks(ids):
                    session.execute(
                        text(
                            "UPDATE reminder SET delivered_channels = :channels "
                            "WHERE claim_token = :token AND delivered_at IS NULL "
                            f"AND id IN ({chunk})"
                        ),
                        {"channels": value, "token": token},
                    )
    except OperationalError as exc:
        log.warning("could not save the delivery progress yet: %s", exc.orig)
    except Locked as exc:
        log.warning("could not save the delivery progress yet: %s", exc)


def settle(
    store: Store,
    token: str,
    claimed: Sequence[Claimed],
    outcome: Outcome,
    now: datetime,
) -> list[str]:
    """Step 3: mark delivered or release, and record the run; returns keys given up.

    Either way the row keeps every channel that took it, now or in an earlier run.
    """
    max_attempts = max(1, store.settings.reminders.max_attempts)
    done = [c for c in claimed if c.reminder.key not in outcome.failures]
    failed = [c for c in claimed if c.reminder.key in outcome.failures]
    channels = {
        c.id: channel_text(c.channels_done | outcome.taken.get(c.reminder.key, set()))
        for c in claimed
    }
    gave_up: list[str] = []
    with store.write() as session:
        for value, ids in _by_channels([(c.id, channels[c.id]) for c in done]).items():
            for chunk in chunks(ids):
                # Ids come from the database as ints: inlining them is safe, and one
                # statement per thousand rows is several times faster than executemany.
                session.execute(
                    text(
                        "UPDATE reminder SET delivered_at = :now, last_error = '', "
                        "delivered_channels = :channels "
                        f"WHERE claim_token = :token AND id IN ({chunk})"
                    ),
                    {"now": db_time(now), "token": token, "channels": value},
                )
        follow_ups = sorted({c.follow_up_id for c in done if c.follow_up_id is not None})
        for chunk in chunks(follow_ups):
            session.execute(
                text(f"UPDATE follow_up SET notified_at = :now WHERE id IN ({chunk})"),
                {"now": db_time(now)},
            )
        for item in failed:
            why, counts = outcome.failures[item.reminder.key]
            step = 1 if counts else 0
            row = session.execute(
                text(
                    "UPDATE reminder SET claimed_at = NULL, claim_token = '', "
                    "attempts = attempts + :step, gave_up = (attempts + :step >= :max), "
                    "last_error = :why, delivered_channels = :channels "
                    "WHERE id = :id AND claim_token = :token RETURNING gave_up"
                ),
                {
                    "step": step,
                    "max": max_attempts,
                    "why": why[:500],
                    "channels": channels[item.id],
                    "id": item.id,
                    "token": token,
                },
            ).first()
            if row is not None and row[0]:
                gave_up.append(item.reminder.key)
        set_state(session, LAST_RUN_KEY, now.isoformat())
    return gave_up


# -- the whole run ------------------------------------------------------------------------


@dataclass(frozen=True)
class RunResult:
    """What one run did; the command turns it into an exit code and a few lines."""

    run_id: str
    at: datetime
    channels: tuple[str, ...]
    delivered: tuple[delivery.Reminder, ...]
    failed: tuple[tuple[delivery.Reminder, str], ...]
    gave_up: tuple[str, ...]
    warnings: tuple[str, ...]
    released_stale: int
    config_error: bool

    @property
    def exit_code(self) -> int:
        """0 all went out (or nothing was due), 2 the configuration is wrong, 1 otherwise."""
        if self.config_error:
            return 2
        return 1 if self.failed else 0


def prune_journal(store: Store) -> None:
    from pocketcrm.core.services.history import prune

    try:
        with store.waiting_at_most(CLAIM_LOCK_WAIT_S):
            prune(store)
    except Locked:  # busy: the next run prunes
        log.info("journal not pruned: the database stayed busy")


@journal.as_face("remind")
def run(
    store: Store,
    *,
    channels: Sequence[str] | None = None,
    stream: TextIO | None = None,
    now: datetime | None = None,
    contact_details: bool | None = None,
) -> RunResult:
    """Deliver everything due since the last run, exactly once across concurrent runs.

    CONTACT_DETAILS (default: when the command channel is used) fills in each reminder's
    contact email and phone.
    """
    config = store.settings.reminders
    chosen = tuple(check_channels(channels if channels else config.channels))
    moment = now or clock.now()
    token = uuid.uuid4().hex
    zone = clock.local_zone()
    details = "command" in chosen if contact_details is None else contact_details
    prune_journal(store)  # journal.keep_days: a cheap read when nothing is old enough
    try:
        with store.waiting_at_most(CLAIM_LOCK_WAIT_S):
            claimed, released = claim_due(store, token, moment, contact_details=details)
    except Locked as exc:  # nothing claimed, nothing sent: the next run tries again
        log.warning("run %s: the database stayed busy; nothing sent", token[:8])
        raise Locked(
            "the database is busy: another process (an import?) is writing; nothing was "
            "sent, the next run tries again"
        ) from exc
    if not claimed:
        log.debug("run %s: nothing due", token[:8])
        return RunResult(token, moment, chosen, (), (), (), (), released, False)
    log.info("run %s: %d due, channels %s", token[:8], len(claimed), ",".join(chosen))
    reminders = [c.reminder for c in claimed]
    done = {c.reminder.key: c.channels_done for c in claimed}
    ids = {c.reminder.key: c.id for c in claimed}
    progress = {c.id: set(c.channels_done) for c in claimed}

    def record(channel: str, items: Sequence[delivery.Reminder]) -> None:
        for item in items:
            progress[ids[item.key]].add(channel)
        save_progress(store, token, {ids[item.key]: progress[ids[item.key]] for item in items})

    try:
        outcome = deliver(
            reminders,
            chosen,
            config,
            stream=stream,
            zone=zone,
            now=moment,
            heartbeat=lambda: renew_claims(store, token, clock.now() if now is None else moment),
            done=done,
            record=record,
        )
    except BaseException:
        # Interrupted mid-delivery: leave the claims; they go stale and are retried.
        log.error("run %s: interrupted during delivery; claims released in 10 minutes", token[:8])
        raise
    gave_up = _settle_patiently(store, token, claimed, outcome, now)
    delivered = [r for r in reminders if r.key not in outcome.failures]
    failed = [(r, outcome.failures[r.key][0]) for r in reminders if r.key in outcome.failures]
    _log_run(delivered, failed, outcome.warnings, gave_up, config.max_attempts)
    return RunResult(
        run_id=token,
        at=moment,
        channels=chosen,
        delivered=tuple(delivered),
        failed=tuple(failed),
        gave_up=tuple(gave_up),
        warnings=tuple(outcome.warnings),
        released_stale=released,
        config_error=outcome.config_error,
    )


def renew_claims(store: Store, token: str, now: datetime) -> None:
    """Tell other runs this one is alive: move its claims' time forward.

    Best effort: a heartbeat that could not get the write lock must not stop the delivery.
    """
    try:
        with store.write() as session:
            session.execute(
                text(
                    "UPDATE reminder SET claimed_at = :now "
                    "WHERE claim_token = :token AND delivered_at IS NULL"
                ),
                {"now": db_time(now), "token": token},
            )
    except Locked as exc:
        log.warning("could not renew the claims yet: %s", exc)


def _settle_patiently(
    store: Store,
    token: str,
    claimed: Sequence[Claimed],
    outcome: Outcome,
    fixed_now: datetime | None,
) -> list[str]:
    """Step 3, retried: once delivered, failing to record it would mean delivering twice.

    Each try already waits for the write lock up to the store's limit (minutes).
    """
    from sqlalchemy.exc import OperationalError

    tries = 1
    while True:
        try:
            return settle(store, token, claimed, outcome, fixed_now or clock.now())
        except (OperationalError, Locked) as exc:
            if tries == 3:
                log.error("could not record the delivery: %s", getattr(exc, "orig", exc))
                raise
            tries += 1
            log.warning("recording the delivery waited too long; trying again")


def _who(reminder: delivery.Reminder) -> str:
    return f"{reminder.key} (contact #{reminder.contact_id} {reminder.contact_name})"


def _log_run(
    delivered: Sequence[delivery.Reminder],
    failed: Sequence[tuple[delivery.Reminder, str]],
    warnings: Sequence[str],
    gave_up: Sequence[str],
    max_attempts: int,
) -> None:
    """One record per outcome, a line per reminder: names and ids, never emails or notes.

    Batched because a thousand separate records cost more than the rest of the run.
    """
    if delivered:
        lines = "".join(f"\n  {_who(r)}" for r in delivered)
        log.info("delivered %d:%s", len(delivered), lines)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("details:%s", "".join(f"\n  {r.title}: {r.detail}" for r in delivered))
    if failed:
        lines = "".join(f"\n  {_who(r)}: {scrub(why)}" for r, why in failed)
        log.warning("not delivered %d, kept for the next run:%s", len(failed), lines)
    for warning in warnings:
        log.warning("%s", scrub(warning))
    if gave_up:
        lines = "".join(f"\n  {key}" for key in gave_up)
        log.error("gave up after %d attempts:%s", max_attempts, lines)
