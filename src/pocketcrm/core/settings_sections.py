"""The sections of the settings a one-line command never reads (backups, mail, analysis,
business, profit, journal): each a typed object, built the first time something
reads it (see Settings in core/settings.py). The reminders' and the service's sections,
which the agenda reads, are in settings_reminders and settings_service.

A one-line command reads the owner, the stages and the phone region: building every
section's dataclass cost it about 25M instructions (issue 16).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class BackupConfig:
    """How many backups to keep: rotation never removes the newest backup, nor the newest one
    taken before a schema upgrade (the way back to the older release)."""

    keep: int = 10  # keep at most this many per database
    keep_days: int = 0  # also drop backups older than this many days (0: no age limit)


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
