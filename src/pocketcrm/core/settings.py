"""The settings the core needs, as a plain typed object handed to the store (never read here)."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_STAGES = ["lead", "prospect", "customer", "past_customer"]
DEFAULT_OUTCOMES = ["reached", "voicemail", "no_answer", "busy", "wrong_number"]
COMPANY_KINDS = ["customer", "prospect", "partner", "supplier", "distributor", "other"]
INTERACTION_KINDS = ["call", "meeting", "email", "note", "sms"]
# The pipeline, in order; the last two close a deal (won, lost) and must stay last.
DEFAULT_DEAL_STAGES = ["qualified", "proposal", "negotiation", "won", "lost"]


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


@dataclass
class Settings:
    """Everything configurable that the core's rules depend on."""

    owner: str = ""  # who "I" am: the default owner of new contacts and interactions
    default_region: str = "US"  # for phone numbers typed without a country code
    timezone: str = ""  # IANA name; empty means the system's zone
    stages: list[str] = field(default_factory=lambda: list(DEFAULT_STAGES))
    outcomes: list[str] = field(default_factory=lambda: list(DEFAULT_OUTCOMES))
    deal_stages: list[str] = field(default_factory=lambda: list(DEFAULT_DEAL_STAGES))
    currency: str = "USD"  # ISO 4217 code for amounts given without one
    cadence_counts_campaigns: bool = False  # does a campaign email reset stay-in-touch clocks?
    reminders: ReminderConfig = field(default_factory=ReminderConfig)
