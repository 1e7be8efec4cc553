"""The table of main screens: the one place a screen registers.

The app's modes, its number keys, the command palette's "Go to" entries, the help and the
tab bar all read TABS, so a new screen is one line here (its key, mode name, labels and where
its class lives). The class is named as "module:Class" and imported when the screen is first
shown: start-up pays nothing for a screen it may never open, and this bottom-floor module
imports no screen.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.screen import Screen


@dataclass(frozen=True)
class Tab:
    """One main screen: KEY opens it (none: only the palette does, and the tab bar names it
    only while it is shown); SHORT names it when the terminal is narrow."""

    key: str
    mode: str
    label: str
    short: str
    screen: str  # "pocketcrm.tui.screens.contacts:ContactsScreen"
    tooltip: str

    def load(self) -> type[Screen[None]]:
        """The screen's class (its module imported now if it was not yet)."""
        module, _, name = self.screen.partition(":")
        cls: type[Screen[None]] = getattr(importlib.import_module(module), name)
        return cls

    def build(self) -> Screen[None]:
        """A new instance of the screen."""
        return self.load()()


_SCREENS = "pocketcrm.tui.screens"

TABS: tuple[Tab, ...] = (
    Tab("1", "contacts", "Contacts", "Cont", f"{_SCREENS}.contacts:ContactsScreen", "the contacts"),
    Tab("2", "agenda", "Agenda", "Agnd", f"{_SCREENS}.agenda:AgendaScreen", "the agenda"),
    Tab("3", "companies", "Companies", "Comp", f"{_SCREENS}.companies:CompaniesScreen", "the companies"),
    Tab("4", "report", "Report", "Rep", f"{_SCREENS}.report:ReportScreen", "the report"),
    Tab("5", "dupes", "Dupes", "Dup", f"{_SCREENS}.dupes:DuplicatesScreen", "the duplicates review"),
    Tab("6", "pipeline", "Pipeline", "Pipe", f"{_SCREENS}.pipeline:PipelineScreen", "the deals pipeline"),
    Tab("7", "cases", "Cases", "Case", f"{_SCREENS}.cases:CasesScreen", "the support cases"),
    Tab("8", "products", "Products", "Prod", f"{_SCREENS}.products:ProductsScreen", "the products and services"),
    Tab("9", "campaigns", "Campaigns", "Mail", f"{_SCREENS}.campaigns:CampaignsScreen", "the campaigns: send to a segment"),
    Tab("0", "import", "Import", "Imp", f"{_SCREENS}.imports:ImportScreen", "the import: preview, import, undo"),
    # No number key left: reached from the palette (ctrl+p), shown in the tab bar when open.
    Tab("", "trash", "Trash", "Trash", f"{_SCREENS}.trash:TrashScreen", "the trash: restore or purge"),
    Tab("", "reminders", "Reminders", "Rem", f"{_SCREENS}.reminders:RemindersScreen", "the reminders' status"),
    Tab("", "users", "Users", "Users", f"{_SCREENS}.users:UsersScreen", "the users: roles and departments"),
)  # fmt: skip


def tab_for(mode: str) -> Tab | None:
    """The tab of MODE (None for a screen that is not a main one)."""
    return next((t for t in TABS if t.mode == mode), None)
