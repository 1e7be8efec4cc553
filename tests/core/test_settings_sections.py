"""Settings' sections are built when first read (issue 16), and behave as plain fields did:
given ones are kept, defaults appear on reading, equality, repr, replace and pickling see
the same values."""

from __future__ import annotations

import dataclasses
import pickle
import subprocess
import sys

from pocketcrm.core.settings import JournalConfig, ReminderConfig, ServiceConfig, Settings


def test_a_section_not_given_is_its_defaults_when_read() -> None:
    settings = Settings()
    assert settings.reminders == ReminderConfig()
    assert settings.service.warn_hours == ServiceConfig().warn_hours
    assert settings.backups.keep >= 1


def test_a_given_or_set_section_is_kept() -> None:
    given = ReminderConfig(all_day_hour=7)
    settings = Settings(reminders=given)
    assert settings.reminders is given
    settings.service = ServiceConfig(warn_hours=5)
    assert settings.service.warn_hours == 5
    settings.reminders.max_attempts = 2  # a section read once is the same object after
    assert settings.reminders.max_attempts == 2


def test_equality_repr_replace_and_pickle_see_the_sections() -> None:
    journal = JournalConfig()  # a plain class: compared by identity, as it always was
    lazy = Settings(journal=journal)
    built = Settings(reminders=ReminderConfig(), service=ServiceConfig(), journal=journal)
    assert lazy == built
    assert repr(lazy) == repr(built)
    assert Settings(reminders=ReminderConfig(all_day_hour=7), journal=journal) != lazy
    moved = dataclasses.replace(Settings(owner="ann"), timezone="UTC")
    assert (moved.owner, moved.timezone, moved.mail) == ("ann", "UTC", Settings().mail)
    again = pickle.loads(pickle.dumps(built))
    assert (again.reminders, again.service, again.mail) == (
        built.reminders,
        built.service,
        built.mail,
    )
    assert [f.name for f in dataclasses.fields(Settings)][-9:] == [
        "reminders", "backups", "stage_roles", "analysis", "business", "profit", "service",
        "mail", "journal",
    ]  # fmt: skip


def test_importing_settings_builds_no_section() -> None:
    code = (
        "import sys\n"
        "from pocketcrm.core.settings import Settings\n"
        "s = Settings(owner='ann')\n"
        "assert s.stages\n"
        "print(sorted(m for m in sys.modules if m.startswith('pocketcrm.core.settings_')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout
