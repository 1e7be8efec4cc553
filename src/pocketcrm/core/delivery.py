"""Delivery channels for `pocketcrm remind`: stdout, email, desktop and a user command.

This module knows nothing about the database. The claiming engine hands each channel the
claimed reminders that channel has not taken yet; a channel either delivers all of them or
raises DeliveryFailed, so the engine can release the claims and retry on the next run (on
the channels that failed only: it remembers which took each reminder). The command channel
runs once per reminder, and the desktop channel is the exception: a notification service is
often absent (servers, cron without a session), so it says which were shown and warns
instead of raising.

Everything here runs unattended from cron, so failures become one readable line (cron mails
it), never a traceback. Heavy imports (smtplib, email, desktop_notifier, keyring) happen
inside the functions that need them: `pocketcrm remind --quiet-if-none` runs every few
minutes and usually has nothing to send.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, TextIO

from pocketcrm import humanize
from pocketcrm.core.errors import CrmError, Invalid

if TYPE_CHECKING:
    import smtplib
    from email.message import EmailMessage

    from pocketcrm.core.settings import SmtpConfig

SECURITY_MODES = ("starttls", "ssl", "none")
DESKTOP_SUMMARY_OVER = 5  # more reminders than this become one summary notification
_NOTIFY_TIMEOUT = 10.0  # seconds for notify-send / osascript; both return at once normally

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Most urgent first; unknown kinds follow in alphabetical order.
_KIND_HEADINGS = {
    "overdue": "Overdue",
    "case_breached": "Cases past their service level",
    "case_due": "Cases due soon",
    "follow_up": "Follow-ups",
    "cadence": "Keep in touch",
    "birthday": "Birthdays",
    "anniversary": "Anniversaries",
}
_DATE_ONLY_KINDS = frozenset({"birthday", "anniversary"})


class DeliveryFailed(CrmError):
    """A channel could not deliver; the caller releases the claims and retries later.

    `delivered` holds the keys of reminders that did go out before the failure (only the
    command channel delivers one by one), so the caller can keep those and avoid duplicates.
    """

    def __init__(self, channel: str, reason: str, *, delivered: Sequence[str] = ()) -> None:
        super().__init__(f"{channel}: {reason}")
        self.channel = channel
        self.reason = reason
        self.delivered = tuple(delivered)


@dataclass(frozen=True)
class Reminder:
    """One claimed reminder, flattened so channels need no database access."""

    key: str
    kind: str
    contact_id: int
    contact_name: str
    title: str
    due: datetime
    detail: str = ""
    contact_email: str = ""
    contact_phone: str = ""

    def __post_init__(self) -> None:
        if self.due.tzinfo is None or self.due.utcoffset() is None:
            raise ValueError(f"Reminder {self.key!r}: due must be timezone-aware")


@dataclass
class SmtpSettings:
    """How to reach the mail server. The password is never stored here: see smtp_password."""

    host: str
    port: int = 587
    security: str = "starttls"  # "starttls" | "ssl" | "none"
    user: str = ""
    password_env: str = "POCKETCRM_SMTP_PASSWORD"
    keyring_service: str = "pocketcrm"
    sender: str = ""
    recipients: list[str] = field(default_factory=list)
    timeout: float = 20.0

    @classmethod
    def from_config(
        cls, config: SmtpConfig, *, keyring_service: str = "pocketcrm", timeout: float = 20.0
    ) -> SmtpSettings:
        """Build from the [reminders.smtp] section of the config file."""
        return cls(
            host=config.host,
            port=config.port,
            security=config.security,
            user=config.user,
            password_env=config.password_env,
            keyring_service=keyring_service,
            sender=config.sender,
            recipients=list(config.recipients),
            timeout=timeout,
        )


# --- plain text ---------------------------------------------------------------------------


def _one_line(text: object) -> str:
    """Collapse whitespace so a value never breaks a line-oriented output."""
    return " ".join(str(text).split())


def _day(moment: datetime) -> str:
    """'Thu 26 Nov', spelled out by hand so the output does not depend on the locale."""
    return f"{_WEEKDAYS[moment.weekday()]} {moment.day:02d} {_MONTHS[moment.month - 1]}"


def _when(reminder: Reminder, zone: tzinfo) -> str:
    local = reminder.due.astimezone(zone)
    text = f"{_day(local)} {local.year}"
    if reminder.kind in _DATE_ONLY_KINDS:
        return text
    return f"{text} {local:%H:%M}"


def _count(n: int) -> str:
    return humanize.count(n, "reminder")


def _zone_name(zone: tzinfo, sample: datetime) -> str:
    key = getattr(zone, "key", None)  # zoneinfo.ZoneInfo
    if isinstance(key, str) and key:
        return key
    return sample.astimezone(zone).tzname() or str(zone)


def _heading(kind: str) -> str:
    return _KIND_HEADINGS.get(kind) or kind.replace("_", " ").capitalize()


def _grouped(reminders: Sequence[Reminder]) -> list[tuple[str, list[Reminder]]]:
    groups: dict[str, list[Reminder]] = {}
    for reminder in reminders:
        groups.setdefault(reminder.kind, []).append(reminder)
    order = list(_KIND_HEADINGS)
    kinds = sorted(groups, key=lambda k: (order.index(k) if k in order else len(order), k))
    return [
        (kind, sorted(groups[kind], key=lambda r: (r.due, r.contact_name, r.key))) for kind in kinds
    ]


def _line(reminder: Reminder, zone: tzinfo) -> str:
    text = f"{_when(reminder, zone)}  {_one_line(reminder.title)}"
    detail = _one_line(reminder.detail)
    if detail:
        text += f" - {detail}"
    return f"{text} (contact #{reminder.contact_id})"


def format_plain(reminders: Sequence[Reminder], *, zone: tzinfo) -> str:
    """Plain text for cron mail and email bodies: grouped by kind, one line per reminder."""
    if not reminders:
        return "No reminders due.\n"
    zone_name = _zone_name(zone, reminders[0].due)
    lines = [f"pocketcrm: {_count(len(reminders))} (times in {zone_name})", ""]
    for kind, group in _grouped(reminders):
        lines.append(f"{_heading(kind)} ({len(group)})")
        lines.extend(f"  {_line(reminder, zone)}" for reminder in group)
        lines.append("")
    return "\n".join(lines)


def deliver_stdout(reminders: Sequence[Reminder], stream: TextIO, *, zone: tzinfo) -> None:
    """Write the plain digest; under cron, stdout becomes the mail cron sends."""
    text = format_plain(reminders, zone=zone)
    try:
        try:
            stream.write(text)
        except UnicodeEncodeError:
            # An ASCII-only stream (LANG=C without UTF-8 mode) still gets every reminder.
            encoding = getattr(stream, "encoding", None) or "ascii"
            stream.write(text.encode(encoding, "replace").decode(encoding))
        stream.flush()
    except (OSError, ValueError) as exc:  # ValueError: the stream was closed
        raise DeliveryFailed("stdout", _one_line(exc) or type(exc).__name__) from exc


# --- email --------------------------------------------------------------------------------


def smtp_password(settings: SmtpSettings) -> str:
    """The SMTP password from the environment, else the system keyring, else "".

    Never from the config file: that file is meant to be shareable and backed up.
    """
    if settings.password_env:
        from_env = os.environ.get(settings.password_env, "")
        if from_env:
            return from_env
    if not settings.user:
        return ""
    try:
        import keyring  # about 60 ms plus backend discovery: only when a password is needed

        value = keyring.get_password(settings.keyring_service, settings.user)
    except Exception:  # noqa: BLE001 - any keyring backend fails its own way (no D-Bus, locked)
        # A missing password is reported by the caller with instructions.
        return ""
    return value if isinstance(value, str) else ""


def sender_address(settings: SmtpSettings) -> str:
    """The From address: the configured sender, else the login if it is an address."""
    if settings.sender.strip():
        return settings.sender.strip()
    if "@" in settings.user:
        return settings.user.strip()
    raise Invalid("reminders.smtp.sender", 'set the From address, e.g. sender = "you@example.com"')


def check_settings(settings: SmtpSettings) -> None:
    """Invalid naming the first SMTP setting to fix (the digest's and the campaigns')."""
    if not settings.host.strip():
        raise Invalid("reminders.smtp.host", 'set the mail server, e.g. host = "smtp.example.com"')
    if settings.security not in SECURITY_MODES:
        raise Invalid(
            "reminders.smtp.security",
            f"{settings.security!r} is not one of {', '.join(SECURITY_MODES)}; "
            'use "starttls" (port 587), "ssl" (port 465) or "none" (a trusted local relay)',
        )
    if not 0 < settings.port < 65536:
        raise Invalid("reminders.smtp.port", f"{settings.port} is not a port; use 587, 465 or 25")
    recipients = [r.strip() for r in settings.recipients if r.strip()]
    if not recipients:
        raise Invalid(
            "reminders.smtp.recipients", 'add at least one address, e.g. ["you@example.com"]'
        )
    bad = [r for r in recipients if "@" not in r]
    if bad:
        raise Invalid("reminders.smtp.recipients", f"{bad[0]!r} is not an email address")
    sender_address(settings)


def build_digest(
    reminders: Sequence[Reminder], settings: SmtpSettings, *, zone: tzinfo, now: datetime
) -> EmailMessage:
    """One email for all reminders, so a busy day is one message rather than a flood."""
    from email.message import EmailMessage
    from email.utils import format_datetime, make_msgid

    check_settings(settings)
    sender = sender_address(settings)
    local_now = now.astimezone(zone)
    message = EmailMessage()
    message["Subject"] = f"pocketcrm: {_count(len(reminders))} for {_day(local_now)}"
    message["From"] = sender
    message["To"] = ", ".join(r.strip() for r in settings.recipients if r.strip())
    message["Date"] = format_datetime(local_now)
    # An explicit domain: make_msgid would otherwise look up this host's FQDN (slow DNS).
    domain = sender.rpartition("@")[2].strip("<> ") or "pocketcrm.invalid"
    message["Message-ID"] = make_msgid(idstring="pocketcrm", domain=domain)
    message.set_content(format_plain(reminders, zone=zone))
    return message


def smtp_reason(exc: BaseException, settings: SmtpSettings) -> str:
    """One line saying what went wrong, in terms a person can act on."""
    import smtplib
    import socket
    import ssl

    def text(raw: bytes | str) -> str:
        return _one_line(raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw)

    server = f"{settings.host}:{settings.port}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = ", ".join(
            f"{address} ({code} {text(reply)})" for address, (code, reply) in exc.recipients.items()
        )
        return f"{server} refused every recipient: {refused}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"{server} refused the login for {settings.user!r}: {exc.smtp_code} {text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{server} answered {exc.smtp_code} {text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPServerDisconnected) and isinstance(
        exc.__context__, TimeoutError
    ):
        return f"{server} stopped answering (no reply within {settings.timeout:g} s)"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"{server} closed the connection ({text(str(exc)) or 'no reason given'})"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"{server}: {text(str(exc))}"
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve {settings.host!r} ({text(str(exc))})"
    if isinstance(exc, TimeoutError):
        return f"{server} did not answer within {settings.timeout:g} s"
    if isinstance(exc, ConnectionRefusedError):
        return f"{server} refused the connection (is the host and port right?)"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"{server}'s certificate was not accepted: {text(exc.verify_message or str(exc))}"
    if isinstance(exc, ssl.SSLError):
        hint = ""
        if exc.reason == "WRONG_VERSION_NUMBER":
            hint = ' (this port speaks plain SMTP: use security = "starttls")'
        return f"TLS with {server} failed: {text(exc.reason or str(exc))}{hint}"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{server}: {text(exc.strerror)}"
    return f"{server}: {text(str(exc)) or type(exc).__name__}"


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    """A connection as the security setting asks (TLS from the start for "ssl")."""
    import smtplib
    import ssl

    if settings.security == "ssl":
        return smtplib.SMTP_SSL(
            settings.host,
            settings.port,
            timeout=settings.timeout,
            context=ssl.create_default_context(),
        )
    return smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)


def secure(client: smtplib.SMTP, settings: SmtpSettings, password: str) -> bool:
    """STARTTLS (required unless the security setting says otherwise), then the login;
    False when the server does not offer STARTTLS (the caller says so in its own terms)."""
    import ssl

    if settings.security == "starttls":
        client.ehlo()
        if not client.has_extn("starttls"):
            return False
        client.starttls(context=ssl.create_default_context())
        client.ehlo()
    if settings.user:
        client.login(settings.user, password)
    return True


def deliver_email(
    reminders: Sequence[Reminder], settings: SmtpSettings, *, zone: tzinfo, now: datetime
) -> str | None:
    """Send the digest; raises DeliveryFailed if nobody got it.

    Returns a warning when the server accepted the message for some recipients and refused
    others: retrying would mail the accepted ones again on every run, so that is reported,
    not raised. Returns None otherwise (and when there is nothing to send).
    """
    if not reminders:
        return None
    import smtplib

    message = build_digest(reminders, settings, zone=zone, now=now)
    password = ""
    if settings.user:
        password = smtp_password(settings)
        if not password:
            raise Invalid(
                "reminders.smtp.password",
                f"no password for {settings.user!r}: set {settings.password_env} or store it "
                f"with `keyring set {settings.keyring_service} {settings.user}`",
            )
    sender = sender_address(settings)
    recipients = [r.strip() for r in settings.recipients if r.strip()]
    try:
        client = connect(settings)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed("email", smtp_reason(exc, settings)) from exc
    try:
        if not secure(client, settings, password):
            raise DeliveryFailed(
                "email",
                f"{settings.host}:{settings.port} does not offer STARTTLS; use "
                'security = "ssl" (usually port 465), or "none" only for a trusted local relay',
            )
        refused = client.send_message(message, from_addr=sender, to_addrs=recipients)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed("email", smtp_reason(exc, settings)) from exc
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()
    if refused:
        addresses = ", ".join(sorted(refused))
        return f"email: {settings.host} refused {addresses}; the others got the digest"
    return None


# --- desktop ------------------------------------------------------------------------------


class _Problems(logging.Handler):
    """Collects desktop-notifier's warnings: it logs failures instead of raising them."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.found: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text = f"{text}: {_one_line(record.exc_info[1])}"
        self.found.append(_one_line(text))


@contextmanager
def _captured(name: str) -> Iterator[_Problems]:
    """Route a library's warnings to a collector, away from stderr (cron would mail them)."""
    logger = logging.getLogger(name)
    problems = _Problems()
    saved = (logger.level, logger.propagate)
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    logger.addHandler(problems)
    try:
        yield problems
    finally:
        logger.removeHandler(problems)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]


def _notifications(reminders: Sequence[Reminder], zone: tzinfo) -> list[tuple[str, str]]:
    """(title, body) pairs: one per reminder, or a single summary past the limit."""
    if len(reminders) > DESKTOP_SUMMARY_OVER:
        ordered = [r for _, group in _grouped(reminders) for r in group]
        shown = [f"{_one_line(r.title)}" for r in ordered[:DESKTOP_SUMMARY_OVER]]
        more = len(ordered) - DESKTOP_SUMMARY_OVER
        body = "\n".join([*shown, f"...and {more} more: run `pocketcrm remind` for the list"])
        return [(f"pocketcrm: {_count(len(reminders))}", body)]
    notes = []
    for reminder in reminders:
        body = f"{_when(reminder, zone)} · {reminder.contact_name}"
        detail = _one_line(reminder.detail)
        if detail:
            body += f"\n{detail}"
        notes.append((_one_line(reminder.title), body))
    return notes


def _notify_with_library(notes: Sequence[tuple[str, str]]) -> tuple[int, str]:
    """Send through desktop-notifier; returns how many went out and why the rest did not."""
    try:
        # About 60 ms (asyncio, dbus-fast): imported only when the desktop channel is used.
        from desktop_notifier import DesktopNotifierSync
        from desktop_notifier.backends.dummy import DummyNotificationCenter
        from desktop_notifier.main import get_backend_class
    except ImportError as exc:
        return 0, f"desktop-notifier is unavailable ({_one_line(exc)})"
    with _captured("desktop_notifier") as problems:
        if issubclass(get_backend_class(), DummyNotificationCenter):
            # macOS outside an app bundle, or an unsupported system: the library would
            # silently drop every notification.
            return 0, f"desktop-notifier cannot show notifications on {sys.platform} here"
        notifier = DesktopNotifierSync(app_name="pocketcrm", app_icon=None)
        for sent, (title, body) in enumerate(notes):
            before = len(problems.found)
            notifier.send(title=title, message=body)
            if len(problems.found) > before:
                return sent, problems.found[before]
    return len(notes), ""


def _notify_command(title: str, body: str) -> list[str] | None:
    """The platform's own notifier, for when the library is missing or cannot reach it."""
    if sys.platform.startswith("linux"):
        program = shutil.which("notify-send")
        return [program, "--app-name=pocketcrm", "--", title, body] if program else None
    if sys.platform == "darwin":
        program = shutil.which("osascript")
        if program is None:
            return None
        # Text goes in as arguments, so no AppleScript quoting is needed.
        script = [
            "on run argv",
            "display notification (item 2 of argv) with title (item 1 of argv)",
            "end run",
        ]
        return [program, *(arg for line in script for arg in ("-e", line)), title, body]
    return None


def _notify_with_command(notes: Sequence[tuple[str, str]]) -> tuple[int, str]:
    for sent, (title, body) in enumerate(notes):
        argv = _notify_command(title, body)
        if argv is None:
            name = "osascript" if sys.platform == "darwin" else "notify-send"
            return sent, f"{name} not found"
        try:
            done = subprocess.run(
                argv,
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                timeout=_NOTIFY_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            return sent, f"{os.path.basename(argv[0])}: {_one_line(exc)}"
        if done.returncode != 0:
            said = _last_line(done.stderr) or f"exit status {done.returncode}"
            return sent, f"{os.path.basename(argv[0])}: {said}"
    return len(notes), ""


@dataclass(frozen=True)
class DesktopShown:
    """Which reminders the desktop showed, and why the others were not (None: all shown)."""

    keys: tuple[str, ...]
    warning: str | None


def show_desktop(reminders: Sequence[Reminder], *, zone: tzinfo) -> DesktopShown:
    """Show desktop notifications and say which reminders they covered; never raises.

    Notifications go out in the reminders' order, so the first N shown are the first N
    reminders; a summary covers all of them or none. The engine remembers the shown ones,
    so a retry does not show them again.
    """
    if not reminders:
        return DesktopShown((), None)
    notes = _notifications(reminders, zone)
    try:
        sent, library_reason = _notify_with_library(notes)
    except Exception as exc:  # noqa: BLE001 - a notifier library must never crash the run
        sent, library_reason = 0, f"desktop-notifier failed: {_one_line(exc)}"
    fallback_sent, fallback_reason = 0, ""
    if sent < len(notes):
        try:
            fallback_sent, fallback_reason = _notify_with_command(notes[sent:])
        except Exception as exc:  # noqa: BLE001 - the same promise for the fallback
            fallback_sent, fallback_reason = 0, _one_line(exc)
    shown = sent + fallback_sent
    if len(notes) < len(reminders):  # one summary for them all
        keys = tuple(r.key for r in reminders) if shown else ()
    else:
        keys = tuple(r.key for r in reminders[:shown])
    if shown == len(notes):
        return DesktopShown(keys, None)
    warning = (
        f"desktop notifications unavailable ({library_reason}; {fallback_reason}); "
        f"{len(notes) - shown} of {len(notes)} not shown"
    )
    return DesktopShown(keys, warning)


def deliver_desktop(reminders: Sequence[Reminder], *, zone: tzinfo) -> str | None:
    """Show desktop notifications; returns None when all were shown, else a warning.

    Never raises: a missing notification service (a server, cron without a session) is a
    normal situation, and the warning lets the caller mention it once.
    """
    return show_desktop(reminders, zone=zone).warning


# --- command ------------------------------------------------------------------------------


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def _clean_env(value: str) -> str:
    return value.replace("\0", "")  # the one character an environment value cannot hold


def reminder_payload(reminder: Reminder, zone: tzinfo) -> dict[str, str | int]:
    """The reminder as JSON-ready fields; `due` is ISO 8601 in the user's zone with offset."""
    return {
        "key": reminder.key,
        "kind": reminder.kind,
        "contact_id": reminder.contact_id,
        "contact_name": reminder.contact_name,
        "contact_email": reminder.contact_email,
        "contact_phone": reminder.contact_phone,
        "title": reminder.title,
        "due": reminder.due.astimezone(zone).isoformat(),
        "detail": reminder.detail,
    }


def _command_argv(command: str) -> list[str]:
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise Invalid("reminders.command", f"cannot parse {command!r}: {exc}") from exc
    if not argv:
        raise Invalid("reminders.command", 'set the program to run, e.g. command = "~/bin/notify"')
    argv[0] = os.path.expanduser(argv[0])
    return argv


def deliver_command(
    reminders: Sequence[Reminder], command: str, *, zone: tzinfo, timeout: float = 30
) -> None:
    """Run the user's command once per reminder (no shell), the reminder in env and on stdin.

    A failure names the reminder and carries the keys already delivered, so a retry does not
    run the command again for those.
    """
    argv = _command_argv(command)
    program = os.path.basename(argv[0])
    delivered: list[str] = []
    for reminder in reminders:
        payload = reminder_payload(reminder, zone)
        env = dict(os.environ)
        for name, value in payload.items():
            env[f"POCKETCRM_REMINDER_{name.upper()}"] = _clean_env(str(value))
        try:
            done = subprocess.run(
                argv,
                input=json.dumps(payload, ensure_ascii=False),
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                env=env,
                timeout=timeout,
                check=False,
            )
        except (FileNotFoundError, PermissionError) as exc:
            if not delivered:
                raise Invalid(
                    "reminders.command",
                    f"cannot run {argv[0]!r} ({_one_line(exc.strerror or exc)}); "
                    "give the full path of an executable program",
                ) from exc
            raise DeliveryFailed(
                "command", f"{program} for {reminder.key}: {_one_line(exc)}", delivered=delivered
            ) from exc
        except subprocess.TimeoutExpired as exc:
            raise DeliveryFailed(
                "command",
                f"{program} timed out after {timeout:g} s for {reminder.key}",
                delivered=delivered,
            ) from exc
        except OSError as exc:
            raise DeliveryFailed(
                "command", f"{program} for {reminder.key}: {_one_line(exc)}", delivered=delivered
            ) from exc
        if done.returncode != 0:
            said = _last_line(done.stderr)
            status = (
                f"was killed by signal {-done.returncode}"
                if done.returncode < 0
                else f"exited with status {done.returncode}"
            )
            raise DeliveryFailed(
                "command",
                f"{program} {status} for {reminder.key}" + (f": {said}" if said else ""),
                delivered=delivered,
            )
        delivered.append(reminder.key)
