"""The settings the core needs, as a plain typed object handed to the store (never read here).

Its sections (reminders, service, backups, mail...) live in core/settings_reminders.py,
settings_service.py and settings_sections.py, and are built when first read: a one-line
command never pays for the ones it does not read. Their classes can still be imported from
here (`from pocketcrm.core.settings import ReminderConfig`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

if TYPE_CHECKING:
    from pocketcrm.core.settings_reminders import ReminderConfig as ReminderConfig
    from pocketcrm.core.settings_reminders import SmtpConfig as SmtpConfig
    from pocketcrm.core.settings_sections import AnalysisConfig as AnalysisConfig
    from pocketcrm.core.settings_sections import BackupConfig as BackupConfig
    from pocketcrm.core.settings_sections import BusinessConfig as BusinessConfig
    from pocketcrm.core.settings_sections import JournalConfig as JournalConfig
    from pocketcrm.core.settings_sections import MailConfig as MailConfig
    from pocketcrm.core.settings_sections import ProfitConfig as ProfitConfig
    from pocketcrm.core.settings_service import ServiceConfig as ServiceConfig

DEFAULT_STAGES = ["lead", "prospect", "customer", "past_customer"]
DEFAULT_OUTCOMES = [
    "reached", "voicemail", "no_answer", "busy", "wrong_number", "meeting_booked", "won"
]  # fmt: skip
COMPANY_KINDS = ["customer", "prospect", "partner", "supplier", "distributor", "other"]
# People at these companies are not sales leads, whatever their stage: the report's lead
# counts leave them out (a supplier's contact comes in at stage "lead" like anyone else).
NOT_SALES_COMPANY_KINDS = ("partner", "supplier", "distributor")
INTERACTION_KINDS = ["call", "meeting", "email", "note", "sms"]
# The pipeline, in order; the last two close a deal (won, lost) and must stay last.
DEFAULT_DEAL_STAGES = ["qualified", "proposal", "negotiation", "won", "lost"]


@dataclass
class StageRoles:
    """Which configured life-cycle stage plays each part the report counts by; empty means
    by position (see Settings.stage_for), so renamed stages keep working."""

    lead: str = ""  # new people not yet in talks: the report's leads by owner
    customer: str = ""  # people who buy: customers by company kind, customers not contacted
    past: str = ""  # people who bought and stopped


STAGE_ROLES = ("lead", "customer", "past")

CHANNELS = ["phone", "email", "meeting", "web_form", "walk_in", "referral", "social", "other"]

# Each section's class -> the module that defines it (imported when first needed).
_SECTIONS = {
    "SmtpConfig": "settings_reminders",
    "ReminderConfig": "settings_reminders",
    "ServiceConfig": "settings_service",
    "BackupConfig": "settings_sections",
    "MailConfig": "settings_sections",
    "JournalConfig": "settings_sections",
    "AnalysisConfig": "settings_sections",
    "BusinessConfig": "settings_sections",
    "ProfitConfig": "settings_sections",
}


def _section_class(name: str) -> Any:
    """A section's class, from its own module: importing one builds only the classes there."""
    module = _SECTIONS[name]
    if module == "settings_reminders":
        from pocketcrm.core import settings_reminders

        return getattr(settings_reminders, name)
    if module == "settings_service":
        from pocketcrm.core import settings_service

        return getattr(settings_service, name)
    from pocketcrm.core import settings_sections

    return getattr(settings_sections, name)


def __getattr__(name: str) -> Any:
    """A section's class, imported on first use (PEP 562): importing Settings does not
    build them."""
    if name in _SECTIONS:
        return _section_class(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_S = TypeVar("_S")


class _Section(Generic[_S]):
    """A field of Settings holding one section: given (Settings(reminders=...), or set), it
    is kept; else the section's defaults are built the first time it is read. A dataclass
    field whose default is a descriptor: its __init__ sets it through __set__ (None when not
    given), and equality, repr and replace read it through __get__, as before."""

    def __init__(self, kind: str) -> None:
        self.kind = kind  # the class's name (see _SECTIONS)
        self.slot = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}"

    @overload
    def __get__(self, instance: None, owner: type) -> None: ...

    @overload
    def __get__(self, instance: object, owner: type) -> _S: ...

    def __get__(self, instance: object | None, owner: type) -> _S | None:
        if instance is None:
            return None  # the dataclass's default: not given, made when first read
        made: _S | None = instance.__dict__.get(self.slot)
        if made is None:
            made = instance.__dict__[self.slot] = _section_class(self.kind)()
        return made

    def __set__(self, instance: object, value: _S | None) -> None:
        instance.__dict__[self.slot] = value


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
    # The sections, each built when first read (see _Section).
    reminders: _Section[ReminderConfig] = _Section("ReminderConfig")
    backups: _Section[BackupConfig] = _Section("BackupConfig")
    stage_roles: StageRoles = field(default_factory=StageRoles)  # small, read by add
    analysis: _Section[AnalysisConfig] = _Section("AnalysisConfig")
    business: _Section[BusinessConfig] = _Section("BusinessConfig")
    profit: _Section[ProfitConfig] = _Section("ProfitConfig")
    service: _Section[ServiceConfig] = _Section("ServiceConfig")
    mail: _Section[MailConfig] = _Section("MailConfig")
    journal: _Section[JournalConfig] = _Section("JournalConfig")

    def stage_for(self, role: str) -> str:
        """The stage that plays ROLE (lead, customer, past), or '' when none does.

        A role set in the config wins while it names a configured stage; otherwise by
        position: lead is the first stage, past the last and customer the one before it
        (with fewer than three stages: customer is the last and there is no past stage).
        The defaults (lead, prospect, customer, past_customer) come out as their names."""
        chosen = getattr(self.stage_roles, role)
        if chosen and chosen in self.stages:
            return str(chosen)
        stages = self.stages
        if not stages:
            return ""
        if role == "lead":
            return stages[0]
        if len(stages) < 3:
            return stages[-1] if role == "customer" and len(stages) > 1 else ""
        return stages[-2] if role == "customer" else stages[-1]
