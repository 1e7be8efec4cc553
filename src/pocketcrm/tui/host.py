"""What screens, flows and modals may ask of the running app, as a Protocol.

They need the app's store, settings and a few calls (data written, an undo to remember), but
importing tui.app for its type would point an import up the layers (the app imports every
screen). `crm_app` gives a node's app under this type; PocketCRM is its one implementation
(a test checks that it keeps to it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:
    from textual.dom import DOMNode
    from textual.worker import Worker

    from pocketcrm.core.services.permissions import Access
    from pocketcrm.core.settings import Settings
    from pocketcrm.core.store import Store


class CrmApp(Protocol):
    """The pocketcrm app as the layers below it see it."""

    store: Store | None
    settings: Settings
    access: Access | None  # what the acting user's role may do (None until known)
    data_version: int
    status_text: str
    reminder_warning: tuple[str, ...]
    busy: int

    def show_busy(self, worker: Worker[None]) -> None:
        """WORKER is taking a while: the top bar shows a loading sign until it ends."""

    def prune_busy(self) -> None:
        """A job ended: the loading sign forgets it now (not at its next check)."""

    def data_written(self) -> None:
        """This app saved something: every screen shows fresh data."""

    def remember_undo(self, label: str, undo: Callable[[], str]) -> None:
        """The last undoable action; u runs UNDO."""

    def use_store(self, store: Store) -> None:
        """Work on another database from now on."""

    def first_frame_shown(self) -> bool:
        """The contact list is on screen; False when the app closes there."""


def crm_app(node: DOMNode) -> CrmApp:
    """NODE's app, typed as the pocketcrm app (every pocketcrm screen runs inside one)."""
    return cast("CrmApp", node.app)
