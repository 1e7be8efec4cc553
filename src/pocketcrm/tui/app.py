"""The full-screen interface: one App, built by `make_app` for the CLI and for the tests.

Start-up is a feature: the first frame is drawn before the database is opened (SQLModel costs
about 0.4 s to import); the store opens in a thread worker and the screens fill in when it is
ready. A timer watches the SQLite files (and the app re-checks on focus), so changes made by
other processes (cron reminders, one-line commands) appear without a restart.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.worker import Worker

from pocketcrm.tui import format as fmt
from pocketcrm.tui.jobs import report_failure, run_in_thread
from pocketcrm.tui.messages import DatabaseChanged, StoreOpened
from pocketcrm.tui.screens.base import CrmScreen, PaletteCommand
from pocketcrm.tui.screens.contacts import ContactsScreen
from pocketcrm.tui.tabs import TABS, Tab
from pocketcrm.tui.textual_internals import lay_out_off_screen, register_screen, styled_as_built

if TYPE_CHECKING:
    from pocketcrm.core.reminders.health import ReminderHealth
    from pocketcrm.core.services.permissions import Access
    from pocketcrm.core.settings import Settings
    from pocketcrm.core.store import Store

WATCH_SECONDS = 1.5
EXIT_AFTER_FRAME = 0.05  # seconds: POCKETCRM_EXIT_AFTER_FIRST_FRAME ends the app then
PREBUILD_AFTER = 0.05  # seconds after the first frame: the card screen is built then (idle)
# The main screens whose first build (compose, styles, layout) takes over ~100 ms at 120x40:
# built ahead, off screen, one a frame after the card, so their first switch draws at once.
BUILT_AHEAD = ("report", "pipeline")
SCREENS = Binding.Group("Screens", compact=True)
NAVIGATION = {"switch_mode", "help", "undo"}
# What the help lists for moving around; a screen that moves otherwise sets MOVE_KEYS.
LIST_MOVE_KEYS = [
    ("↑ ↓ j k", "move in a list"),
    ("pgup pgdn", "a page at a time"),
    ("home end g G", "first, last row"),
    ("tab", "next field or pane"),
]


def _key_label(key: str) -> str:
    names = {
        "question_mark": "?",
        "slash": "/",
        "left_square_bracket": "[",
        "right_square_bracket": "]",
        "escape": "esc",
        "enter": "enter",
    }
    return ", ".join(names.get(k, k) for k in key.split(","))


def screen_commands(app: App[Any], screen: Screen[Any]) -> list[tuple[Any, PaletteCommand]]:
    """Every action the screen and the app offer by key, plus the screen's extra commands,
    each with the object that runs it."""
    found: list[tuple[Any, PaletteCommand]] = []
    seen: set[str] = set()
    sources: list[tuple[Any, Iterable[BindingType]]] = [
        (screen, getattr(screen, "BINDINGS", [])),
        (app, getattr(app, "BINDINGS", [])),
    ]
    for owner, bindings in sources:
        for item in bindings:
            if not isinstance(item, Binding) or item.action in seen:
                continue
            seen.add(item.action)
            title = item.tooltip or item.description
            found.append(
                (owner, PaletteCommand(title, f"key: {_key_label(item.key)}", item.action))
            )
    if isinstance(screen, CrmScreen):
        found += [(screen, extra) for extra in screen.palette_commands()]
    found += [
        (app, PaletteCommand(f"Go to {tab.tooltip}", "no key", f"switch_mode({tab.mode!r})"))
        for tab in TABS
        if not tab.key  # the keyed ones came with their bindings above
    ]
    return found


def _enabled(owner: Any, action: str) -> bool:
    name = action.split("(", 1)[0]
    return owner.check_action(name, ()) is not False


def _role_allows(screen: Screen[Any], action: str) -> bool:
    """Whether the acting user's role may ever use ACTION here (the help leaves it out)."""
    name = action.split("(", 1)[0]
    return not isinstance(screen, CrmScreen) or screen.permitted(name) is not False


def reminder_warning(health: ReminderHealth) -> tuple[str, ...]:
    """What the top bar says when reminders need a look (the core's rule, needs_attention):
    longest first (it shows the longest that fits), then the core's whole sentence for the
    tooltip; () when all is well."""
    if not health.needs_attention:
        return ()
    parts = []
    if health.late and health.last_run is not None:
        parts.append(f"not run for {fmt.span(health.checked_at - health.last_run)}")
    if health.failing:
        parts.append(f"{health.failing} failing")
    if health.gave_up:
        parts.append(f"{health.gave_up} given up")
    return (
        "⚠ reminders " + ", ".join(parts),
        f"⚠ reminders {health.attention}",
        "⚠ reminders",
        health.message,
    )


def mode_screen(tab: Tab) -> Callable[[], Screen[None]]:
    """What a mode builds: TAB's screen, styled as it mounts (see styled_as_built)."""

    def build() -> Screen[None]:
        return styled_as_built(tab.build())

    return build


class CrmCommands(Provider):
    """The command palette's pocketcrm commands: what the current screen and the app can do."""

    def _commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        app = self.app
        result: list[tuple[str, str, Callable[[], Any]]] = []
        for owner, command in screen_commands(app, self.screen):
            if not _enabled(owner, command.action):
                continue

            async def run(action: str = command.action, target: Any = owner) -> None:
                await app.run_action(action, target)

            result.append((command.title, command.help, run))
        return result

    async def discover(self) -> Hits:
        for title, help_text, run in self._commands():
            yield DiscoveryHit(title, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, run in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), run, text=title, help=help_text)


def mode_name(mode: str) -> str:
    """The name MODE's screen is installed under (a mode names it, so it can be built ahead)."""
    return f"mode-{mode}"


class PocketCRM(App[int]):
    """pocketcrm's interface; build it with make_app."""

    CSS_PATH = "app.tcss"
    TITLE = "pocketcrm"
    SCREENS: ClassVar[dict[str, Callable[[], Screen[Any]]]] = {
        mode_name(tab.mode): mode_screen(tab) for tab in TABS
    }
    MODES: ClassVar[dict[str, Any]] = {tab.mode: mode_name(tab.mode) for tab in TABS}
    DEFAULT_MODE: ClassVar[str] = "contacts"
    COMMANDS = App.COMMANDS | {CrmCommands}
    HORIZONTAL_BREAKPOINTS = [
        (0, "-narrow"),
        (110, "-wide"),
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(
                tab.key,
                f"switch_mode({tab.mode!r})",
                tab.label,
                id=f"go-{tab.mode}",
                group=SCREENS,
                tooltip=f"Go to {tab.tooltip}",
            )
            for tab in TABS
            if tab.key
        ),
        Binding("u", "undo", "Undo", id="undo", tooltip="Undo the last delete or done"),
        Binding("question_mark", "help", "Help", id="help", tooltip="Help: keys and screens"),
        Binding("q", "quit", "Quit", id="quit", tooltip="Quit pocketcrm"),
    ]

    status_text: reactive[str] = reactive("")
    # What the top bar says about reminders (see reminder_warning); () when all is well.
    reminder_warning: reactive[tuple[str, ...]] = reactive(())
    # How many jobs have run past LOADING_AFTER and not ended: the top bar's loading sign.
    busy: reactive[int] = reactive(0)

    def __init__(
        self,
        location: str | None,
        store: Store | None,
        settings: Settings,
        *,
        exit_after_first_frame: bool = False,
        watch_seconds: float = WATCH_SECONDS,
        create_folders: bool = True,
    ) -> None:
        super().__init__()
        self.location = location
        self.create_folders = create_folders
        self.store: Store | None = store
        self.access: Access | None = None  # the role's permissions, with the status below
        self.settings = settings
        self.exit_after_first_frame = exit_after_first_frame
        self.watch_seconds = watch_seconds
        self.data_version = 0
        self.open_error = ""
        self._marker: tuple[int, ...] = ()
        self._undo: tuple[str, Callable[[], str]] | None = None
        self._busy: set[Worker[None]] = set()
        self._busy_timer: Timer | None = None
        self.closing = False  # exit() was called: input still on its way is dropped
        self._froze = False  # build_ahead froze what start-up made (gc.freeze)
        self._frozen_modes: set[str] = set()  # the main screens built before a freeze

    def exit(self, result: int | None = None, return_code: int = 0, message: Any = None) -> None:
        """Quit. Keys typed right after q are dropped: q then e opened a form while the app
        closed, its mount failed, and pocketcrm ended with status 1 and a traceback."""
        self.closing = True
        super().exit(result, return_code, message)

    async def on_event(self, event: events.Event) -> None:
        if self.closing and isinstance(event, events.Key | events.MouseEvent):
            return
        await super().on_event(event)

    def on_unmount(self) -> None:
        if self._froze:  # collectable again once the app ends (the tests run many apps)
            gc.unfreeze()
            self._froze = False

    # -- the store --------------------------------------------------------------------------

    def on_mount(self) -> None:
        if self.store is not None:
            self._store_ready(self.store)
        else:
            self.open_store()

    @work(thread=True, group="open-store", exit_on_error=False)
    def open_store(self) -> None:
        """Open (create, migrate) the database after the first frame is on screen."""
        from pocketcrm.core.errors import CrmError
        from pocketcrm.core.store import open_store  # SQLModel: ~370 ms, so not before the frame

        assert self.location is not None
        try:
            store = open_store(self.location, self.settings, create_folders=self.create_folders)
        except CrmError as exc:
            self.call_later(self._store_failed, str(exc))
            return
        except Exception as exc:  # a broken file must not leave a blank screen
            self.call_later(self._store_failed, f"{type(exc).__name__}: {exc}")
            raise  # the worker ends failed (exit_on_error=False: Textual only logs it)
        self.call_later(self._store_ready, store)

    def _store_failed(self, message: str) -> None:
        self.open_error = message
        self.status_text = "database not open"
        self.notify(message, title="Cannot open the database", severity="error", timeout=30)
        if self.exit_after_first_frame:
            self.exit(1)

    def _store_ready(self, store: Store, *, watch: bool = True) -> None:
        from pocketcrm.core.journal import set_face
        from pocketcrm.core.services.browse import change_marker

        set_face("tui")  # the journal says which face made each change
        self.store = store
        self._marker = change_marker(store)
        self.data_version += 1
        if not isinstance(self.screen, ContactsScreen):
            self.refresh_status()  # else after the list's first frame (first_frame_shown)
        self.screen.post_message(StoreOpened())
        if watch and store.path is not None and self.watch_seconds > 0:
            self.set_interval(self.watch_seconds, self.check_for_changes, name="watch-db")

    def use_store(self, store: Store) -> None:
        """Work on another database from now on (the demo offered on an empty one)."""
        old, self._undo, self.access = self.store, None, None
        self.location = str(store.path) if store.path is not None else self.location
        self._store_ready(store, watch=old is None or old.path is None)
        self.refresh_status()  # the top bar names the database now open and its counts
        if old is not None and old is not store:
            old.close()
        self.notify(f"Opened {self.location}", title="Demo database", timeout=6)

    def first_frame_shown(self) -> bool:
        """The contact list is on screen: the benchmark stops here (False: closing); else fill
        in the rest (True)."""
        if self.exit_after_first_frame:
            # After-refresh callbacks run once the screen is idle, which can come before a
            # widget's last repaint reached it: exit a few frames later, so the terminal has
            # the whole frame (the benchmark once read no list at all).
            self.set_timer(EXIT_AFTER_FRAME, self.exit, name="exit-after-first-frame")
            return False
        self.refresh_status()
        self.set_timer(PREBUILD_AFTER, self.build_card_ahead, name="prebuild-card")
        return True

    def build_card_ahead(self) -> None:
        """Once the list is on screen and idle: the card screen, so Enter only fills it in."""
        from pocketcrm.tui.screens.card import prebuild_card

        if not self.screen_stack:  # the timer fired while the app was closing
            return
        for tab in TABS:  # each screen's module, so its first switch does not import it
            tab.load()
        row = getattr(self.screen, "table", None)
        current = getattr(row, "current", None)
        prebuild_card(self, getattr(current, "id", None))
        self.call_after_refresh(self.build_ahead, list(BUILT_AHEAD))

    def build_ahead(self, modes: list[str]) -> None:
        """The first of MODES' screens composed, styled and laid out off screen (it loads
        its data when first shown), then the next one after a frame: a key pressed
        meanwhile waits for one screen's build at most."""
        if not self.screen_stack or not self.is_running:
            return
        if not modes:
            # What start-up built (Textual, the screens, the ORM: about 150,000 objects) lives
            # as long as the app: kept out of the collector's full sweeps, which otherwise
            # stopped the event loop for 200 to 330 ms every few search keystrokes at 100k.
            gc.freeze()
            self._froze = True
            self._frozen_modes = {self.current_mode, *BUILT_AHEAD}
            return
        screen = register_screen(self, mode_name(modes[0]))
        if not screen.is_current:
            size = self.size
            screen.post_message(events.Resize(size, size))  # its -wide/-narrow classes
            screen.call_after_refresh(self._lay_out_ahead, screen, modes[1:])

    def _lay_out_ahead(self, screen: Screen[Any], rest: list[str]) -> None:
        if not screen.is_current and self.is_running:
            lay_out_off_screen(screen, self.size)
        self.call_after_refresh(self.build_ahead, rest)

    def check_for_changes(self) -> None:
        """Another process wrote (or we did): the screen on top shows fresh data."""
        if self.store is None:
            return
        from pocketcrm.core.services.browse import change_marker

        marker = change_marker(self.store)
        if marker != self._marker:
            self._marker = marker
            self._changed()

    def on_app_focus(self) -> None:
        self.check_for_changes()

    def data_written(self) -> None:
        """This app saved something: refresh now (the file watcher would, a moment later)."""
        if self.store is not None:
            from pocketcrm.core.services.browse import change_marker

            self._marker = change_marker(self.store)
        self._changed()

    def _changed(self) -> None:
        self.data_version += 1
        self.refresh_status()
        self.screen.post_message(DatabaseChanged())

    def refresh_status(self) -> None:
        """The top bar's due counts, fetched off the event loop."""
        store = self.store
        if store is None:
            return

        def job() -> tuple[int, int, ReminderHealth, str, Access]:
            from pocketcrm.core.reminders.health import reminder_health
            from pocketcrm.core.services.activity import count_due
            from pocketcrm.core.services.permissions import access
            from pocketcrm.core.services.users import header_label

            return (*count_due(store), reminder_health(store), header_label(store), access(store))

        def done(result: tuple[int, int, ReminderHealth, str, Access]) -> None:
            overdue, today, health, me, allowed = result
            if allowed != self.access:  # the footers and palette offer what the role may do
                self.access = allowed
                self.screen.refresh_bindings()
            name = os.path.basename(str(store.path)) if store.path is not None else "database"
            who = f"{me} · " if me else ""  # who you are, when there is more than one
            self.status_text = f"{who}{name} · {overdue} overdue · {today} due today "
            self.reminder_warning = reminder_warning(health)

        run_in_thread(self, job, done, group="status", exclusive=True, failed=lambda _e: None)

    def show_busy(self, worker: Worker[None]) -> None:
        if worker.is_finished:
            return
        self._busy.add(worker)
        self.busy = len(self._busy)
        if self._busy_timer is None:  # watched only while something is slow
            self._busy_timer = self.set_interval(0.1, self.prune_busy, name="loading")

    def prune_busy(self) -> None:
        """Drop the jobs that ended from the loading sign."""
        self._busy = {w for w in self._busy if not w.is_finished}
        self.busy = len(self._busy)
        if not self._busy and self._busy_timer is not None:
            self._busy_timer.stop()
            self._busy_timer = None

    # -- actions -----------------------------------------------------------------------------

    def remember_undo(self, label: str, undo: Callable[[], str]) -> None:
        """The last undoable action (a delete, a done); u runs its undo."""
        self._undo = (label, undo)
        self.refresh_bindings()

    def action_undo(self) -> None:
        if self._undo is None:
            self.notify("Nothing to undo.", timeout=2)
            return
        _label, undo = self._undo
        self._undo = None
        self.refresh_bindings()

        def done(message: str) -> None:
            self.notify(message, title="Undone", timeout=4)
            self.data_written()

        run_in_thread(self, undo, done, group="write", failed=lambda e: report_failure(self, e))

    def action_help(self) -> None:
        from pocketcrm.tui.modals.help import HelpModal

        screen = self.screen
        if isinstance(screen, ModalScreen):
            return
        screen_keys = []
        for item in getattr(screen, "BINDINGS", []):
            if isinstance(item, Binding) and _role_allows(screen, item.action):
                screen_keys.append((_key_label(item.key), item.tooltip or item.description))
        screen_keys += getattr(screen, "MOVE_KEYS", LIST_MOVE_KEYS)
        global_keys = [
            (_key_label(b.key), b.tooltip or b.description)
            for b in self.BINDINGS
            if isinstance(b, Binding)
        ]
        global_keys.append(("ctrl+p", "command palette: every action by name"))
        self.push_screen(HelpModal(screen_keys, global_keys))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if (  # not over a form; the palette closes itself before it runs a command
            action in NAVIGATION
            and isinstance(self.screen, ModalScreen)
            and not isinstance(self.screen, CommandPalette)
        ):
            return False
        if action == "undo" and self._undo is None:
            return None  # shown dimmed: nothing to undo yet
        return True

    async def action_switch_mode(self, mode: str) -> None:
        await self.switch_mode(mode)
        if self._froze and mode not in self._frozen_modes:
            self._frozen_modes.add(mode)
            self.call_after_refresh(self._freeze_new_screen)

    def _freeze_new_screen(self) -> None:
        """A main screen built for the first time lives as long as the app: its widgets are
        kept out of the collector's full sweeps too (each sweep of the app's 100,000 to
        230,000 objects stopped the event loop for 100 to 400 ms during first visits)."""
        gc.collect(1)  # the young garbage first (a few ms): what is frozen is never collected
        gc.freeze()


def make_app(
    store_or_url: Store | str | os.PathLike[str],
    settings: Settings | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
    exit_after_first_frame: bool | None = None,
    watch_seconds: float = WATCH_SECONDS,
    create_folders: bool = True,
) -> PocketCRM:
    """Build the App for the CLI (a path or URL, opened after the first frame) or for tests (a
    Store, used as is). CLOCK fixes 'now' for the whole core (tests and screenshots)."""
    from pocketcrm.core import clock as core_clock
    from pocketcrm.core.settings import Settings

    if clock is not None:
        core_clock.set_clock(clock)
    if exit_after_first_frame is None:
        exit_after_first_frame = os.environ.get("POCKETCRM_EXIT_AFTER_FIRST_FRAME") == "1"
    if isinstance(store_or_url, str | os.PathLike):
        chosen = settings or Settings()
        return PocketCRM(
            str(store_or_url),
            None,
            chosen,
            exit_after_first_frame=exit_after_first_frame,
            watch_seconds=watch_seconds,
            create_folders=create_folders,
        )
    chosen = settings or store_or_url.settings
    return PocketCRM(
        None,
        store_or_url,
        chosen,
        exit_after_first_frame=exit_after_first_frame,
        watch_seconds=watch_seconds,
    )


def run(db_location: str, settings: Settings, *, create_folders: bool = True) -> None:
    """What `pocketcrm` (in a terminal) and `pocketcrm tui` call; CREATE_FOLDERS=False
    refuses a database path whose folder is missing (a typo must not look like lost data)."""
    if settings.timezone:
        from zoneinfo import ZoneInfo

        from pocketcrm.core import clock

        clock.set_local_zone(ZoneInfo(settings.timezone))
    app = make_app(db_location, settings, create_folders=create_folders)
    app.run()
    if app.open_error:
        raise SystemExit(f"pocketcrm: {app.open_error}")
    code = app.return_code or 0
    if code:
        raise SystemExit(code)
