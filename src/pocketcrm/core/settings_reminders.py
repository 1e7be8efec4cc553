"""The reminders' section of the settings (and its SMTP part): read by remind and by the
agenda's reminder health; built when first read (see Settings in core/settings.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SmtpConfig:
    """Where the reminder digest goes; the password is never stored here (env var or keyring)."""

    host: str = ""
    port: int = 587
    security: str = "starttls"  # starttls | ssl | none
    user: str = ""
    sender: str = ""
    recipients: list[str] = field(default_factory=list)
    password_env: str = "POCKETCRM_SMTP_PASSWORD"


@dataclass
class ReminderConfig:
    channels: list[str] = field(
        default_factory=lambda: ["stdout"]
    )  # stdout, desktop, email, command
    command: str = ""  # run once per reminder for the "command" channel
    max_attempts: int = 5  # a failing delivery is retried on this many runs, then given up
    overdue_every_days: int = 0  # 0: remind once when due; N: again every N days while overdue
    all_day_hour: int = 9  # a date-only follow-up reminds at this local hour
    birthdays: bool = True
    schedule_minutes: int = 15  # how often the installed job runs; doctor warns past 2x this
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
