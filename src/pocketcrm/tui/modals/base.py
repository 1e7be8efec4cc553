"""What every form shares: one error line beside each field, save and cancel keys, and a
save that runs in a thread worker and keeps everything typed when the core says no."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from pocketcrm.tui.host import crm_app
from pocketcrm.tui.jobs import report_failure, run_in_thread

if TYPE_CHECKING:
    from pocketcrm.core.errors import Invalid
    from pocketcrm.core.settings import Settings
    from pocketcrm.core.store import Store

R = TypeVar("R")
T = TypeVar("T")


class FormModal(ModalScreen[R]):
    """A form that validates with the core's rules and saves through the core's services."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="form-save", priority=True),
        Binding("escape", "cancel", "Cancel", id="form-cancel"),
    ]

    TITLE: ClassVar[str] = ""
    FIELD_FOR: ClassVar[dict[str, str]] = {}
    """Which widget shows an error about a core field name (Invalid.field)."""
    ENTER_SAVES: ClassVar[bool] = False
    """Enter in a field saves (one-field forms); else it moves to the next field, so a
    stray Enter never saves a half-filled form: ctrl+s or the button saves."""

    def __init__(self) -> None:
        super().__init__(classes="form")
        self.saving = False
        self._pristine: tuple[object, ...] | None = None
        self._form_lines: list[str] = []

    def on_mount(self) -> None:
        """(Runs after the subclass's on_mount.) What the fields hold before any typing."""
        self.call_after_refresh(self.mark_pristine)

    def typed_values(self) -> tuple[object, ...]:
        """Every field's current value, in order: the form is 'changed' when this differs."""
        values: list[object] = []
        for widget in self.query("Input, TextArea, Select"):
            values.append(getattr(widget, "text", None) or getattr(widget, "value", None))
        return tuple(values)

    def mark_pristine(self) -> None:
        """The fields as loaded (a new form, or an edit form once its record is filled in)."""
        self._pristine = self.typed_values()

    @property
    def changed(self) -> bool:
        return self._pristine is not None and self.typed_values() != self._pristine

    @property
    def store(self) -> Store | None:
        return crm_app(self).store

    @property
    def settings(self) -> Settings:
        return crm_app(self).settings

    def field(self, name: str, label: str, widget: Any, hint: str = "") -> ComposeResult:
        """A label, the widget, and the (initially empty) error line for field NAME."""
        yield Label(label, classes="field-label")
        yield widget
        yield Static(hint, id=f"{name}-error", classes="field-error" if not hint else "field-hint")

    def buttons(self, save: str = "Save", close: str = "Cancel") -> ComposeResult:
        with Horizontal(classes="form-buttons"):
            yield Button(save, variant="primary", id="save", compact=True)
            yield Button(close, id="cancel", compact=True)
        yield Static("", id="form-error", classes="field-error")

    def value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value

    def clear_errors(self) -> None:
        self._form_lines.clear()
        for error in self.query(".field-error"):
            if isinstance(error, Static):
                error.update("")
                error.remove_class("-shown")

    def show_error(self, field: str, message: str, *, focus: bool = True) -> None:
        """Put MESSAGE beside the widget for FIELD (or at the bottom) and focus that widget."""
        name = self.FIELD_FOR.get(field, field)
        found = self.query(f"#{name}-error")
        target = found.first() if found else self.query_one("#form-error")
        assert isinstance(target, Static)
        if found:
            target.update(message)
        else:  # at the bottom: under any other there already (clear_errors empties it)
            self._form_lines.append(f"{field}: {message}" if field != "form" else message)
            target.update("\n".join(self._form_lines))
        target.set_classes("field-error -shown")
        widgets = self.query(f"#{name}")
        if widgets and focus:
            widgets.first().focus()

    def show_errors(self, problems: Sequence[Invalid]) -> None:
        """Every problem at once, each beside its field; the cursor goes to the first."""
        for n, problem in enumerate(problems):
            self.show_error(problem.field, problem.message, focus=n == 0)

    @staticmethod
    def gather(problems: list[Invalid], parse: Callable[[], T]) -> T | None:
        """PARSE's result; or None, its Invalid added to PROBLEMS (so every field is checked
        and show_errors shows them all, not only the first)."""
        from pocketcrm.core.errors import Invalid

        try:
            return parse()
        except Invalid as exc:
            problems.append(exc)
            return None

    def fail(self, exc: BaseException) -> None:
        """A save failed: show why where it belongs; keep every field as typed."""
        from pocketcrm.core.errors import Ambiguous, Invalid, NotFound

        self.saving = False
        if isinstance(exc, Invalid):
            self.show_error(exc.field, exc.message)
        elif isinstance(exc, NotFound | Ambiguous):
            self.show_error("form", str(exc))
        else:
            self.show_error("form", f"not saved: {exc}")
            report_failure(self.app, exc)

    def submit(self, job: Callable[[], Any]) -> None:
        """Save in a thread; `saved` gets the result, `fail` the error (the form stays open)."""
        if self.saving:
            return
        self.saving = True

        def finished(result: Any) -> None:
            self.saving = False
            self.saved(result)

        run_in_thread(self, job, finished, group="form-save", failed=self.fail)

    def saved(self, result: Any) -> None:
        """The job succeeded: close with its result (a form may instead ask for a second save)."""
        self.dismiss(result)

    def validate(self) -> Callable[[], Any] | None:
        """Check the fields (subclasses) and return the save job, or None when invalid."""
        raise NotImplementedError

    def action_save(self) -> None:
        from pocketcrm.core.errors import Invalid

        if self.saving:
            return
        self.clear_errors()
        try:
            job = self.validate()
        except Invalid as exc:
            self.show_error(exc.field, exc.message)
            return
        if job is not None:
            self.submit(job)

    def action_cancel(self) -> None:
        """Esc: close; a form with something typed asks first (typing is never lost quietly)."""
        if not self.changed:
            self.dismiss(None)
            return
        from pocketcrm.tui.modals.confirm import ConfirmModal

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmModal("Discard what you typed?", "n keeps the form open.", yes="Discard"),
            answered,
        )

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        if self.ENTER_SAVES:
            self.action_save()
        else:
            self.focus_next()

    def compose_title(self) -> ComposeResult:
        yield Static(self.TITLE, classes="form-title")
