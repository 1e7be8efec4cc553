"""The typed configuration: a TOML file in the platformdirs config dir.

Precedence: command line, then environment (POCKETCRM_OWNER, POCKETCRM_TZ), then the file,
then the defaults declared in pocketcrm.core.settings. `pocketcrm config set` writes the file.
The phone region is guessed on first run (settle_phone_region) and stored, so it is said once
and can be changed; POCKETCRM_PHONE_REGION replaces the guess when the file names none.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pocketcrm.core.errors import Invalid
from pocketcrm.core.settings import Settings
from pocketcrm.paths import config_path

# key -> (help, section path); every settable key is listed here and in the README.
KEYS: dict[str, str] = {
    "owner": "your name: the default owner of new contacts, calls and follow-ups",
    "default_region": "country code for phone numbers typed without +, e.g. US, GB, DE",
    "timezone": "IANA zone for showing times, e.g. Europe/Berlin (empty: the system's)",
    "stages": "life-cycle stages, comma-separated, in order (first is the default)",
    "outcomes": "call outcomes, comma-separated",
    "deal_stages": "pipeline stages, comma-separated, in order, ending with won and lost",
    "currency": "ISO 4217 code for amounts given without one, e.g. USD, EUR, GBP",
    "cadence_counts_campaigns": "does a campaign email reset stay-in-touch cadences (true/false)",
    "stage_roles.lead": "the stage of new leads (empty: the first stage)",
    "stage_roles.customer": "the stage of customers (empty: the one before the last stage)",
    "stage_roles.past": "the stage of past customers (empty: the last stage)",
    "reminders.channels": "where reminders go: stdout, desktop, email, command (comma-separated)",
    "reminders.command": "command run once per reminder for the 'command' channel",
    "reminders.max_attempts": "delivery attempts before a reminder is given up",
    "reminders.overdue_every_days": "remind again every N days while overdue (0: once)",
    "reminders.all_day_hour": "local hour at which date-only follow-ups remind",
    "reminders.birthdays": "remind of birthdays and anniversaries (true/false)",
    "reminders.schedule_minutes": "how often the installed job runs (doctor warns past twice this)",
    "reminders.smtp.host": "SMTP server for the email digest",
    "reminders.smtp.port": "SMTP port (587 for STARTTLS, 465 for SSL)",
    "reminders.smtp.security": "starttls, ssl or none",
    "reminders.smtp.user": "SMTP user name (the password comes from the environment or keyring)",
    "reminders.smtp.sender": "From address of the digest",
    "reminders.smtp.recipients": "To addresses of the digest, comma-separated",
    "reminders.smtp.password_env": "environment variable that holds the SMTP password",
    "service.hours": "business hours, local time, e.g. 09:00-17:00",
    "service.days": "business days, comma-separated, e.g. mon,tue,wed,thu,fri",
    "service.holidays": "days without business hours, comma-separated YYYY-MM-DD",
    "service.first_response": "hours to the first reply per priority, e.g. urgent:1,high:4,normal:8,low:16",
    "service.resolution": "hours to resolve per priority, e.g. urgent:8,high:16,normal:40,low:80",
    "service.warn_hours": "a case due within this many hours is about to breach",
    "service.support_address": "mail to this address from a known contact opens a case",
    "service.survey": "closing a case emails a one-question satisfaction survey (true/false)",
    "mail.source": "where `mail fetch` reads: a Maildir folder, an mbox file, or imap",
    "mail.sent": "the Sent folder (Maildir, mbox or IMAP folder name) for outgoing mail",
    "mail.imap_host": "IMAP server for `mail fetch`",
    "mail.imap_port": "IMAP port (993 for SSL, 143 for STARTTLS or none)",
    "mail.imap_security": "ssl, starttls or none",
    "mail.imap_user": "IMAP user name (the password comes from the environment or keyring)",
    "mail.imap_folder": "IMAP folder to read, e.g. INBOX",
    "mail.password_env": "environment variable that holds the IMAP password",
    "mail.addresses": "your own addresses, comma-separated: mail from them is outgoing",
    "mail.bcc_address": "BCC address: mail sent with it in BCC is logged",
    "mail.unknown_sender": "what support mail from a stranger becomes: review or lead",
    "mail.full_body": "keep the whole text of each email on the timeline (true/false)",
    "mail.unsubscribe_address": "campaigns' List-Unsubscribe address (empty: the sender)",
    "backups.keep": "backups kept per database (the newest and the last before an upgrade stay)",
    "analysis.success_outcomes": "call outcomes that count as success in report calls/team",
    "analysis.low_satisfaction": "a score at or below this counts as low in report factors",
    "analysis.reasons": "dissatisfaction reasons offered by log-call --reason, comma-separated",
    "analysis.lead_sources": "lead sources offered for a contact's --source, comma-separated",
    "backups.keep_days": "also drop backups older than this many days (0: no age limit)",
    "business.name": "your business's name, printed on quotes and invoices",
    "business.address": "your business's address on quotes and invoices (lines comma-separated)",
    "business.tax_id": "your tax id (VAT number, EIN ...) on quotes and invoices",
    "business.logo": "path to a PNG or JPEG logo for quotes and invoices",
    "business.payment_terms": "payment terms printed on invoices",
    "business.email": "the email address printed on quotes and invoices",
    "business.phone": "the phone number printed on quotes and invoices",
    "profit.time_cost": "count logged call and meeting time in the profit report (true/false)",
    "profit.hourly_rates": "each user's hourly rate for the cost of time: login=rate, comma-separated",
    "journal.keep_days": "days the journal of who changed what is kept (0: forever)",
}
# Other names people use for a setting (the file keeps the name in KEYS).
ALIASES = {"phone_region": "default_region"}


def _target(settings: Settings, key: str) -> tuple[Any, str]:
    parts = key.split(".")
    obj: Any = settings
    for part in parts[:-1]:
        obj = getattr(obj, part)
    return obj, parts[-1]


def _coerce(current: Any, raw: Any, key: str) -> Any:
    if isinstance(current, bool):
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("true", "yes", "on", "1"):
            return True
        if text in ("false", "no", "off", "0"):
            return False
        raise Invalid(key, f"{raw!r} is not true or false")
    if isinstance(current, int):
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise Invalid(key, f"{raw!r} is not a whole number") from None
    if isinstance(current, list):
        items = raw if isinstance(raw, list) else str(raw).split(",")
        cleaned = [str(i).strip() for i in items if str(i).strip()]
        if key in ("stages", "outcomes", "deal_stages") or key.startswith("analysis."):
            cleaned = ["_".join(i.lower().split()) for i in cleaned]
            if not cleaned:
                raise Invalid(key, "needs at least one value, comma-separated")
        return cleaned
    if key in ("default_region", "currency"):
        return str(raw).strip().upper()
    return str(raw)


def _apply(settings: Settings, data: dict[str, Any], prefix: str = "") -> None:
    for name, value in data.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            _apply(settings, value, key + ".")
            continue
        if key not in KEYS:
            continue  # unknown keys from a newer release are kept in the file, ignored here
        obj, attr = _target(settings, key)
        setattr(obj, attr, _coerce(getattr(obj, attr), value, key))


def _validate(key: str, value: Any, stages: list[str] | None = None) -> None:
    """Refuse a bad value for KEY; STAGES are the configured ones (for stage roles)."""
    stages = stages or []
    if key in ("timezone", "default_region"):
        _validate_place(key, value)
    elif key in ("stages", "outcomes", "deal_stages"):
        _validate_names(key, value)
    elif key.startswith("stage_roles."):
        if value and value not in stages:
            raise Invalid(key, f"{value!r} is not a stage; use one of: {', '.join(stages)}")
    else:
        _validate_setting(key, value)


def _validate_place(key: str, value: Any) -> None:
    """The zone and the phone region, checked against the data that knows them (when set)."""
    if key == "timezone" and value:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            raise Invalid(key, f"unknown zone {value!r}; use a name like Europe/Berlin") from None
    if key == "default_region" and value:
        import phonenumbers  # only when the region is set

        if value not in phonenumbers.SUPPORTED_REGIONS:
            raise Invalid(key, f"unknown region {value!r}; use a country code like US, GB, DE")


def _validate_names(key: str, value: list[str]) -> None:
    """Stages, outcomes and deal stages: each once; deal stages end with won, lost."""
    if len(set(value)) != len(value):
        raise Invalid(key, "names a value twice; give each once, comma-separated")
    if key == "deal_stages" and (len(value) < 3 or value[-2:] != ["won", "lost"]):
        raise Invalid(key, "give the open stages, then won, lost; e.g. qualified,proposal,won,lost")


def _validate_setting(key: str, value: Any) -> None:
    """The remaining single settings: currency, reminders and backups."""
    if key == "currency" and not (len(value) == 3 and value.isalpha()):
        raise Invalid(key, f"{value!r} is not a currency code; use e.g. USD, EUR, GBP")
    if key == "reminders.smtp.security" and value not in ("starttls", "ssl", "none"):
        raise Invalid(key, "use starttls, ssl or none")
    if key == "reminders.channels":
        for channel in value:
            if channel not in ("stdout", "desktop", "email", "command"):
                raise Invalid(
                    key, f"unknown channel {channel!r}; use stdout, desktop, email, command"
                )
    if key == "analysis.low_satisfaction" and not 1 <= int(value) <= 4:
        raise Invalid(key, "give a score from 1 to 4; e.g. 2 means 1 and 2 are low")
    if key.startswith(("service.", "mail.")):
        from pocketcrm.core.sla import check_setting  # the service rules live with them

        check_setting(key, value)
    if key == "reminders.all_day_hour" and not 0 <= int(value) <= 23:
        raise Invalid(key, "give an hour from 0 to 23")
    if key == "profit.hourly_rates":
        from pocketcrm.core.services.profit import hourly_rates

        hourly_rates(value, "XXX")  # the form only; the currency is checked in the report
    if key == "backups.keep" and int(value) < 1:
        raise Invalid(key, "keep at least 1 backup")
    if key == "backups.keep_days" and int(value) < 0:
        raise Invalid(key, "give a number of days, or 0 for no age limit")
    if key == "journal.keep_days" and int(value) < 0:
        raise Invalid(key, "give a number of days, or 0 to keep the journal forever")


def read_file(path: Path | None = None) -> dict[str, Any]:
    path = path or config_path()
    if not path.exists():
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise Invalid("config", f"{path} is not valid TOML ({exc}); fix or remove it") from None


def load(path: Path | None = None) -> Settings:
    """Defaults, then the file, then the environment."""
    settings = Settings()
    data = read_file(path)
    _apply(settings, data)
    if os.environ.get("POCKETCRM_OWNER"):
        settings.owner = os.environ["POCKETCRM_OWNER"]
    if os.environ.get("POCKETCRM_TZ"):
        settings.timezone = os.environ["POCKETCRM_TZ"]
    region = os.environ.get("POCKETCRM_PHONE_REGION", "").strip()
    if region and "default_region" not in data:
        # The region when the file names none, in place of the first-run guess (containers,
        # CI): a region someone chose with `config set` still wins.
        settings.default_region = region.upper()
    _validate("timezone", settings.timezone)  # a hand-edited file or the environment
    return settings


def flatten(settings: Settings) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key in KEYS:
        obj, attr = _target(settings, key)
        result[key] = getattr(obj, attr)
    return result


def get_value(key: str, path: Path | None = None) -> Any:
    key = ALIASES.get(key, key)
    if key not in KEYS:
        raise Invalid("key", f"unknown setting {key!r}; see `pocketcrm config list`")
    obj, attr = _target(load(path), key)
    return getattr(obj, attr)


def set_value(key: str, raw: str, path: Path | None = None) -> Any:
    """Validate and write one setting, keeping the rest of the file."""
    key = ALIASES.get(key, key)
    if key not in KEYS:
        raise Invalid("key", f"unknown setting {key!r}; see `pocketcrm config list`")
    path = path or config_path()
    settings = Settings()
    obj, attr = _target(settings, key)
    value = _coerce(getattr(obj, attr), raw, key)
    if key.startswith("stage_roles."):
        value = "_".join(str(value).lower().split())
    _validate(key, value, load(path).stages)
    data = read_file(path)
    node = data
    parts = key.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(dumps(data))
    tmp.replace(path)
    return value


def settle_phone_region(path: Path | None = None) -> str | None:
    """On first run (no region in the file or the environment) guess the phone region from
    the locale or the time zone, store it, and return the one-time notice; else None.

    Without a guess the default (US) is stored all the same, so the notice comes once."""
    if os.environ.get("POCKETCRM_PHONE_REGION"):
        return None
    path = path or config_path()
    data = read_file(path)
    if "default_region" in data:
        return None
    import zoneinfo

    from pocketcrm.core.regions import guess_region

    zone = os.environ.get("POCKETCRM_TZ") or str(data.get("timezone") or "")
    guess = guess_region(dict(os.environ), zone, zoneinfo.TZPATH)
    region, source = Settings().default_region, "the default: neither locale nor time zone says"
    if guess is not None:
        import phonenumbers  # about 20 ms, on the first run only

        if guess.region in phonenumbers.SUPPORTED_REGIONS:
            region, source = guess.region, f"from {guess.source}"
    notice = (
        f"phone region: {region} ({source}); change with `pocketcrm config set phone_region XX`"
    )
    try:
        set_value("default_region", region, path)
    except OSError:
        return notice + " (the config file could not be written; using it for this run)"
    return notice


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


def dumps(data: dict[str, Any], prefix: str = "") -> str:
    """A small TOML writer for our nested tables of scalars and lists."""
    lines = [f"{k} = {_toml_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    out = "\n".join(lines) + ("\n" if lines else "")
    for name, value in data.items():
        if isinstance(value, dict):
            section = f"{prefix}{name}"
            out += f"\n[{section}]\n" + dumps(value, section + ".")
    return out
