"""The everyday actions several screens offer (log, follow-up, add, edit, delete, done, snooze).

A floor between the screens (which call these) and the modals (which these open): it
imports no screen, so any screen may use it.

Each opens a form (a ModalScreen that validates and saves through the core itself, so it
keeps what was typed on any error) or runs one service call in a thread worker, then tells
the app that data changed so the screen on top reloads. Undoable actions register their undo.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pocketcrm.tui.host import crm_app
from pocketcrm.tui.jobs import run_in_thread

if TYPE_CHECKING:
    from textual.screen import Screen

    from pocketcrm.core.readmodels.activity import FollowUpView
    from pocketcrm.core.readmodels.companies import CompanyCard
    from pocketcrm.core.readmodels.created import Created
    from pocketcrm.core.store import Store


def log_interaction(screen: Screen[Any], contact_id: int, name: str, kind: str = "call") -> None:
    from pocketcrm.tui.modals.log_form import LogForm

    def saved(created: Created | None) -> None:
        if created is None:
            return
        message = f"Logged {created.label}."
        if created.follow_up is not None:
            from pocketcrm.tui import format as fmt

            f = created.follow_up
            message += f" Follow-up {fmt.due(f.due_at, all_day=f.all_day)}."
        screen.notify(message, timeout=4)
        crm_app(screen).data_written()

    screen.app.push_screen(LogForm(contact_id, name, kind), saved)


def schedule_follow_up(screen: Screen[Any], contact_id: int, name: str) -> None:
    from pocketcrm.tui.modals.follow_up_form import FollowUpForm

    def saved(view: FollowUpView | None) -> None:
        if view is None:
            return
        from pocketcrm.tui import format as fmt

        due = fmt.due(view.due_at, all_day=view.all_day)
        if view.overdue:  # kept (backdating is fine) but a mistyped year is likelier
            screen.notify(
                f"Follow-up with {view.contact_name} {due}: already past, so it shows as "
                "overdue. Snooze it if the date was a typo.",
                severity="warning",
                timeout=8,
            )
        else:
            screen.notify(f"Follow-up with {view.contact_name} {due}.", timeout=4)
        crm_app(screen).data_written()

    screen.app.push_screen(FollowUpForm(contact_id, name), saved)


def add_deal(screen: Screen[Any], contact_id: int | None = None, name: str = "") -> None:
    """The deal form (the contact asked for unless given); the screens refresh after."""
    from pocketcrm.tui.modals.deal_form import DealForm

    def saved(deal: Any) -> None:
        if deal is not None:
            screen.notify(f"Deal added: {deal.title}.", timeout=3)
            crm_app(screen).data_written()

    screen.app.push_screen(DealForm(contact_id, name), saved)


def add_contact(screen: Screen[Any], created: Callable[[int], Any] | None = None) -> None:
    from pocketcrm.tui.modals.contact_form import ContactForm

    def saved(contact_id: int | None) -> None:
        if contact_id is None:
            return
        if created is not None:
            created(contact_id)
        screen.notify("Contact added.", timeout=3)
        crm_app(screen).data_written()

    screen.app.push_screen(ContactForm(None), saved)


def edit_contact(screen: Screen[Any], contact_id: int) -> None:
    from pocketcrm.tui.modals.contact_form import ContactForm

    def saved(saved_id: int | None) -> None:
        if saved_id is None:
            return
        screen.notify("Contact saved.", timeout=3)
        crm_app(screen).data_written()

    screen.app.push_screen(ContactForm(contact_id), saved)


def trash_contact(
    screen: Screen[Any], contact_id: int, name: str, after: Callable[[], Any] | None = None
) -> None:
    """Ask first; then the contact goes to the trash, with undo offered."""
    detail = (
        "Their card, calls and follow-ups stay in the trash until you empty it "
        "(pocketcrm trash); you can undo with u."
    )
    _confirm_trash(screen, "contact", contact_id, name, detail, after)


def _confirm_trash(
    screen: Screen[Any],
    kind: str,
    record_id: int,
    name: str,
    detail: str,
    after: Callable[[], Any] | None,
) -> None:
    """Ask "Move NAME to the trash?"; on yes trash the record of KIND (contact, company) in
    the background and offer undo: the one trash flow for every kind of card."""
    from pocketcrm.tui.modals.confirm import ConfirmModal

    store = crm_app(screen).store
    if store is None:
        return

    def answered(yes: bool | None) -> None:
        if not yes:
            return

        def job() -> str:
            from pocketcrm.core.services import trash

            move = trash.trash_contact if kind == "contact" else trash.trash_company
            return move(store, f"#{record_id}").label

        def done(label: str) -> None:
            _trashed(screen, store, kind, f"#{record_id}", label, title="Deleted")
            if after is not None:
                after()

        run_in_thread(screen, job, done, group="write")

    screen.app.push_screen(
        ConfirmModal(f"Move {name} to the trash?", detail, yes="Delete"), answered
    )


def complete_follow_up(screen: Screen[Any], follow_up_id: int, name: str) -> None:
    store = crm_app(screen).store
    if store is None:
        return

    def job() -> FollowUpView:
        from pocketcrm.core.services.activity import complete_follow_up as complete

        return complete(store, follow_up_id)

    def done(view: FollowUpView) -> None:
        def undo() -> str:
            from pocketcrm.core.services.activity import reopen_follow_up

            reopen_follow_up(store, follow_up_id)
            return f"Follow-up with {name} is open again."

        crm_app(screen).remember_undo("reopen the follow-up", undo)
        screen.notify(f"Done: follow-up with {view.contact_name}. Press u to undo.", timeout=5)
        crm_app(screen).data_written()

    run_in_thread(screen, job, done, group="write")


def trash_record(screen: Screen[Any], kind: str, record_id: int) -> None:
    """A follow-up or interaction entered by mistake goes to the trash, with undo offered
    (no question first: u brings it back)."""
    store = crm_app(screen).store
    if store is None:
        return
    noun = kind.replace("_", "-")

    def job() -> str:
        from pocketcrm.core.services import trash

        remove = trash.trash_follow_up if kind == "follow_up" else trash.trash_interaction
        return remove(store, record_id).label

    def done(label: str) -> None:
        _trashed(screen, store, kind, str(record_id), label, title="Removed", noun=f"{noun} ")

    run_in_thread(screen, job, done, group="write")


def _trashed(
    screen: Screen[Any],
    store: Store,
    kind: str,
    ref: str,
    label: str,
    *,
    title: str,
    noun: str = "",
) -> None:
    """LABEL (a KIND, REF) is in the trash: say so, and offer u to restore it."""

    def undo() -> str:
        from pocketcrm.core.services.trash import restore

        return f"Restored {noun}{restore(store, ref, kind).label}."

    crm_app(screen).remember_undo(f"restore {noun}{label}", undo)
    screen.notify(f"Moved {noun}{label} to the trash. Press u to undo.", title=title, timeout=8)
    crm_app(screen).data_written()


def snooze_follow_up(screen: Screen[Any], follow_up: FollowUpView) -> None:
    from pocketcrm.tui.modals.snooze_form import SnoozeForm

    def saved(view: FollowUpView | None) -> None:
        if view is None:
            return
        from pocketcrm.tui import format as fmt

        store = crm_app(screen).store

        def undo() -> str:
            from pocketcrm.core.services.activity import unsnooze

            if store is None:
                return "the database is not open"
            back = unsnooze(store, follow_up)
            return f"Follow-up with {back.contact_name} is due {fmt.due(back.due_at)} again."

        crm_app(screen).remember_undo("undo the snooze", undo)
        screen.notify(
            f"Snoozed: {view.contact_name} {fmt.due(view.due_at, all_day=view.all_day)}. "
            "Press u to undo.",
            timeout=4,
        )
        crm_app(screen).data_written()

    screen.app.push_screen(SnoozeForm(follow_up), saved)


def add_company(screen: Screen[Any]) -> None:
    from pocketcrm.tui.modals.company_form import CompanyForm

    def saved(created: Created | None) -> None:
        if created is not None:
            screen.notify(f"Added {created.label}.", title="New company", timeout=4)
            crm_app(screen).data_written()

    screen.app.push_screen(CompanyForm(), saved)


def edit_company(screen: Screen[Any], company_id: int) -> None:
    """Load the company first, then open the form filled in: nothing arriving later can
    overwrite what is typed."""
    from pocketcrm.tui.modals.company_form import CompanyForm

    store = crm_app(screen).store
    if store is None:
        return

    def job() -> CompanyCard:
        from pocketcrm.core.services.companies import get_company

        return get_company(store, f"#{company_id}", interactions=0)

    def saved(card: CompanyCard | None) -> None:
        if card is not None:
            screen.notify(f"Saved {card.name}.", timeout=3)
            crm_app(screen).data_written()

    run_in_thread(
        screen, job, lambda card: screen.app.push_screen(CompanyForm(card), saved), group="db"
    )


def trash_company(
    screen: Screen[Any], company_id: int, name: str, after: Callable[[], Any] | None = None
) -> None:
    """Ask first; then the company goes to the trash (its people stay), with undo offered."""
    detail = "Its people stay in your contacts; you can undo with u."
    _confirm_trash(screen, "company", company_id, name, detail, after)
