"""The sections of the settings (reminders, backups, service, mail, analysis...): each a typed
object, built the first time a command reads it (see Settings in core/settings.py).

A one-line command reads the owner, the stages and the phone region, never the mail or the
service hours: building these ten dataclasses cost it about 25M instructions (issue 16).
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


@dataclass
class BackupConfig:
    """How many backups to keep: rotation never removes the newest backup, nor the newest one
    taken before a schema upgrade (the way back to the older release)."""

    keep: int = 10  # keep at most this many per database
    keep_days: int = 0  # also drop backups older than this many days (0: no age limit)


@dataclass
class ServiceConfig:
    """Customer service: business hours, service levels per priority, the support address."""

    hours: str = "09:00-17:00"  # business hours, local time (the timezone setting)
    days: list[str] = field(default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"])
    holidays: list[str] = field(default_factory=list)  # YYYY-MM-DD days with no business hours
    # priority:business hours until the first reply / until resolved
    first_response: list[str] = field(
        default_factory=lambda: ["urgent:1", "high:4", "normal:8", "low:16"]
    )
    resolution: list[str] = field(
        default_factory=lambda: ["urgent:8", "high:16", "normal:40", "low:80"]
    )
    warn_hours: int = 2  # "about to breach": due within this many hours
    support_address: str = ""  # mail to it from a known contact opens a case
    survey: bool = False  # closing a case emails the one-question satisfaction survey


@dataclass
class MailConfig:
    """Where `pocketcrm mail fetch` reads: a Maildir or mbox path, or an IMAP account."""

    source: str = ""  # a Maildir folder, an mbox file, or imap (the imap_* settings)
    sent: str = ""  # the Sent Maildir/mbox (or IMAP folder name) holding outgoing mail
    imap_host: str = ""
    imap_port: int = 993
    imap_security: str = "ssl"  # ssl | starttls | none
    imap_user: str = ""
    imap_folder: str = "INBOX"
    password_env: str = "POCKETCRM_IMAP_PASSWORD"
    addresses: list[str] = field(default_factory=list)  # my own addresses: mail from them is out
    bcc_address: str = ""  # mail BCC'd here is logged on the recipients' timelines
    unknown_sender: str = "review"  # review | lead: what a stranger's mail to support becomes
    full_body: bool = False  # keep the whole text on the interaction (else an excerpt)
    unsubscribe_address: str = ""  # campaigns' List-Unsubscribe mailto (else the sender)


class JournalConfig:
    """How long the journal of who changed what is kept (pruned by `remind`)."""

    keep_days: int = 730  # two years; 0 keeps every change forever


@dataclass
class StageRoles:
    """Which configured life-cycle stage plays each part the report counts by; empty means
    by position (see Settings.stage_for), so renamed stages keep working."""

    lead: str = ""  # new people not yet in talks: the report's leads by owner
    customer: str = ""  # people who buy: customers by company kind, customers not contacted
    past: str = ""  # people who bought and stopped


@dataclass
class AnalysisConfig:
    """What the analysis sections count as success, as low, and the lists they offer."""

    success_outcomes: list[str] = field(
        default_factory=lambda: ["reached", "meeting_booked", "won"]
    )  # a call with one of these outcomes succeeded
    low_satisfaction: int = 2  # a score at or below this is "low" (report factors)
    reasons: list[str] = field(
        default_factory=lambda: ["price", "quality", "delivery", "service", "billing", "other"]
    )  # why a customer was unhappy (log-call --reason)
    lead_sources: list[str] = field(
        default_factory=lambda: [
            "campaign",
            "referral",
            "web",
            "event",
            "cold_call",
            "import",
            "social",
            "other",
        ]
    )  # offered for contacts' --source (any text is kept)


@dataclass
class BusinessConfig:
    """Who sends the quotes and invoices: printed at the top of every PDF."""

    name: str = ""
    address: str = ""  # lines separated by commas or newlines
    tax_id: str = ""  # VAT number, EIN ...
    logo: str = ""  # path to a PNG or JPEG
    payment_terms: str = "Payment within 30 days of the invoice date."
    email: str = ""
    phone: str = ""


@dataclass
class ProfitConfig:
    """The cost of time in the profit report: off unless turned on."""

    time_cost: bool = False  # count logged call and meeting time at each user's hourly rate
    hourly_rates: list[str] = field(default_factory=list)  # login=rate, e.g. ann=60
