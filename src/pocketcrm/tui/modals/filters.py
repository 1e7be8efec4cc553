"""Choose the list's filters: stage, tag, owner and company kind (any of them may be 'any')."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Select, Static

from pocketcrm.tui.host import crm_app
from pocketcrm.tui.jobs import run_in_thread
from pocketcrm.tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from pocketcrm.core.services.browse import FilterChoices

ANY = ""
PICKERS = (("stage", "Stage"), ("tag", "Tag"), ("owner", "Owner"), ("company_kind", "Company kind"))


@dataclass(frozen=True)
class ListFilters:
    """The filters a person chose (empty means any)."""

    stage: str = ""
    tag: str = ""
    owner: str = ""
    company_kind: str = ""

    def describe(self) -> str:
        parts = [
            f"{name}={value}"
            for name, value in (
                ("stage", self.stage),
                ("tag", self.tag),
                ("owner", self.owner),
                ("company", self.company_kind),
            )
            if value
        ]
        return " ".join(parts)


class FilterForm(ModalScreen[ListFilters]):
    """The result is the new filters (None when cancelled)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "apply", "Apply", id="filter-apply", priority=True),
        Binding("escape", "cancel", "Cancel", id="filter-cancel"),
    ]

    def __init__(self, current: ListFilters) -> None:
        super().__init__(classes="form")
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="form-box"):
            yield Static("Filter contacts", classes="form-title")
            for key, label in PICKERS:
                value = getattr(self.current, key)
                options = [("any", ANY)] + ([(value, value)] if value else [])
                yield Label(label, classes="field-label")
                yield Select(
                    options, value=value, allow_blank=False, id=f"filter-{key}", compact=True
                )
            with Horizontal(classes="form-buttons"):
                yield Button("Apply", variant="primary", id="apply", compact=True)
                yield Button("Clear all", id="clear", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#filter-stage", Select).focus()
        store = crm_app(self).store
        if store is None:
            return

        def job() -> FilterChoices:
            from pocketcrm.core.services.browse import filter_choices

            return filter_choices(store)

        run_in_thread(self, job, self._fill, group="filter-choices")

    def _fill(self, choices: FilterChoices) -> None:
        offered = {
            "stage": choices.stages,
            "tag": choices.tags,
            "owner": choices.owners,
            "company_kind": choices.company_kinds,
        }
        for key, values in offered.items():
            select = self.query_one(f"#filter-{key}", Select)
            keep = getattr(self.current, key)
            names = list(values) + ([keep] if keep and keep not in values else [])
            select.set_options([("any", ANY)] + [(v.replace("_", " "), v) for v in names])
            select.value = keep

    def chosen(self) -> ListFilters:
        values = {key: self.query_one(f"#filter-{key}", Select).value for key, _ in PICKERS}
        return ListFilters(**{k: v if isinstance(v, str) else ANY for k, v in values.items()})

    def action_apply(self) -> None:
        self.dismiss(self.chosen())

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "apply":
            self.action_apply()
        elif event.button.id == "clear":
            self.dismiss(ListFilters())
        else:
            self.dismiss(None)
