"""Add a deal (who, what, how much, when it may close) and close one as lost (and why)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from pocketcrm.tui.modals import pickers
from pocketcrm.tui.modals.base import FormModal
from pocketcrm.tui.modals.when_hint import update_hint
from pocketcrm.tui.widgets.key_footer import KeyFooter


class DealForm(FormModal[Any]):
    """A new deal; with a contact given (from a card) the contact field is not asked."""

    FIELD_FOR: ClassVar[dict[str, str]] = {"ref": "contact", "expected_close": "close"}

    def __init__(self, contact_id: int | None = None, name: str = "") -> None:
        super().__init__()
        self.contact_id = contact_id
        self.contact_name = name

    def compose(self) -> ComposeResult:
        with Vertical(classes="form-box"):
            title = f"New deal with {self.contact_name}" if self.contact_id else "New deal"
            yield Static(title, classes="form-title")
            if self.contact_id is None:
                yield from self.field(
                    "contact",
                    "Contact",
                    Input(id="contact", placeholder="a name, email, phone or #id", compact=True),
                )
            yield from self.field(
                "title", "Title", Input(id="title", placeholder="40 chairs", compact=True)
            )
            yield from self.field(
                "amount",
                "Amount",
                Input(id="amount", placeholder="4,800 or 4800 EUR", compact=True),
            )
            yield from self.field(
                "close",
                "Expected close",
                Input(id="close", placeholder="end of month, dec 15, +3w", compact=True),
            )
            yield from self.field(
                "owner",
                "Owner",
                Input(id="owner", placeholder=f"you, or {pickers.PEOPLE_HINT}", compact=True),
            )
            yield from self.buttons("Add deal")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#contact" if self.contact_id is None else "#title", Input).focus()
        pickers.offer(self, people="owner")  # the owner completes users' logins and names

    @on(Input.Changed, "#close")
    def _close_typed(self, event: Input.Changed) -> None:
        update_hint(self.query_one("#close-error", Static), event.value)

    def fail(self, exc: BaseException) -> None:
        """Several contacts match what was typed: pick one, then save again."""
        from pocketcrm.core.errors import Ambiguous
        from pocketcrm.tui.modals.pick import PickModal

        if not isinstance(exc, Ambiguous) or self.contact_id is not None:
            super().fail(exc)
            return
        self.saving = False
        typed = self.value("contact").strip()

        def picked(contact_id: int | None) -> None:
            if contact_id is None:
                self.show_error("contact", f"{typed!r} matches several contacts; pick one")
                return
            label = dict(exc.candidates).get(contact_id, "")
            self.query_one("#contact", Input).value = f"#{contact_id}"
            self.query_one("#contact-error", Static).update(f"→ {label}")
            self.action_save()

        self.app.push_screen(PickModal(f"Which {typed!r}?", exc.candidates), picked)

    def validate(self) -> Callable[[], Any] | None:
        from pocketcrm.core import clock
        from pocketcrm.core.dates import parse_when
        from pocketcrm.core.errors import Invalid
        from pocketcrm.core.services.deals import DealInput, create_deal

        store = self.store
        if store is None:
            self.show_error("form", "the database is not open yet")
            return None
        ref = f"#{self.contact_id}" if self.contact_id else self.value("contact").strip()
        problems = []
        if not ref:
            problems.append(Invalid("contact", "say who the deal is with: a name, email or phone"))
        close_text = self.value("close").strip()
        close = None
        try:
            if close_text:
                moment = parse_when(close_text, field="close").moment
                close = moment.astimezone(clock.local_zone()).date()
        except Invalid as exc:
            problems.append(exc)
        if problems:
            self.show_errors(problems)
            return None
        data = DealInput(
            title=self.value("title"), amount=self.value("amount"), expected_close=close
        )
        owner = self.value("owner").strip()

        def job() -> Any:
            from pocketcrm.core.services.users import resolve_owner

            data.owner = resolve_owner(store, owner)  # a user, or refused beside the field
            return create_deal(store, ref, data)

        return job


class LostForm(FormModal[Any]):
    """Close a deal as lost; the reason is kept with it."""

    ENTER_SAVES = True

    def __init__(self, deal_id: int, title: str) -> None:
        super().__init__()
        self.deal_id = deal_id
        self.deal_title = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="form-box"):
            yield Static(f"Lost: {self.deal_title}", classes="form-title")
            yield from self.field(
                "reason",
                "Why",
                Input(id="reason", placeholder="went with a cheaper offer", compact=True),
            )
            yield from self.buttons("Close as lost")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def validate(self) -> Callable[[], Any] | None:
        from pocketcrm.core.services.deals import move_deal

        store = self.store
        if store is None:
            self.show_error("form", "the database is not open yet")
            return None
        reason, deal_id = self.value("reason"), self.deal_id
        return lambda: move_deal(store, deal_id, "lost", reason=reason)
