"""Add or edit a company: its name and kind, how to reach it, where it is, who owns it.

An edit form is opened with the company already loaded (the screen fetched it), so nothing
arriving later can overwrite what is typed; it saves only the fields that changed (the
core's CompanyPatch), and tags as the ones added and removed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Select, Static, TextArea

from pocketcrm.tui.modals import pickers
from pocketcrm.tui.modals.base import FormModal
from pocketcrm.tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from pocketcrm.core.readmodels.companies import CompanyCard

# The kinds `company add --kind` takes (core/validate.py's company_kind checks them).
KINDS = ("customer", "prospect", "partner", "supplier", "distributor", "other")

# Each one-line field: its widget id (the core's field name), label and placeholder.
LINES = (
    ("website", "Website", "example.com"),
    ("phone", "Phone", "+44 20 7946 0000"),
    ("email", "Email", "orders@example.com"),
    ("street", "Street", "1 Harbour Road"),
    ("city", "City", "Leeds"),
    ("region", "Region", ""),
    ("postcode", "Postcode", ""),
    ("country", "Country", "GB"),
    ("owner", "Owner", "who looks after it"),
)


def split_tags(text: str) -> list[str]:
    """'vip, trade wholesale' -> ['vip', 'trade', 'wholesale'] (the core checks each)."""
    return [t for t in text.replace(",", " ").split() if t]


class CompanyForm(FormModal[Any]):
    """A new company (COMPANY None) or an edit of COMPANY; the result is what was saved."""

    FIELD_FOR: ClassVar[dict[str, str]] = {"tag": "tags"}

    def __init__(self, company: CompanyCard | None = None) -> None:
        super().__init__()
        self.company = company

    def compose(self) -> ComposeResult:
        company = self.company
        with Vertical(classes="form-box wide-form"):
            title = "New company" if company is None else f"Edit {company.name}"
            yield Static(title, classes="form-title")
            with VerticalScroll(classes="form-fields"):
                yield from self.field(
                    "name",
                    "Name",
                    Input(company.name if company else "", id="name", compact=True),
                )
                yield from self.field(
                    "kind",
                    "Kind",
                    Select(
                        [(k, k) for k in KINDS],
                        value=company.kind if company and company.kind in KINDS else KINDS[0],
                        allow_blank=False,
                        id="kind",
                        compact=True,
                    ),
                )
                for name, label, hint in LINES:
                    value = str(getattr(company, name)) if company else ""
                    yield from self.field(
                        name, label, Input(value, id=name, placeholder=hint, compact=True)
                    )
                tags = " ".join(company.tags) if company else ""
                yield from self.field(
                    "tags", "Tags", Input(tags, id="tags", placeholder="vip trade", compact=True)
                )
                yield from self.field(
                    "notes",
                    "Notes",
                    TextArea(company.notes if company else "", id="notes", compact=True),
                )
            yield from self.buttons("Add company" if company is None else "Save")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()
        pickers.offer(self, people="owner")  # the owner completes users' logins and names

    def _typed(self) -> dict[str, str]:
        typed = {name: self.value(name) for name, _label, _hint in LINES}
        typed["name"] = self.value("name")
        typed["kind"] = str(self.query_one("#kind", Select).value)
        typed["notes"] = self.query_one("#notes", TextArea).text
        return typed

    def validate(self) -> Callable[[], Any] | None:
        from pocketcrm.core.services.companies import (
            CompanyInput,
            CompanyPatch,
            create_company,
            update_company,
        )

        store = self.store
        if store is None:
            self.show_error("form", "the database is not open yet")
            return None
        typed, tags = self._typed(), split_tags(self.value("tags"))
        company = self.company
        owner = _Owner(store, typed["owner"], company.owner if company else "")
        if company is None:
            return lambda: create_company(store, CompanyInput(**owner.checked(typed), tags=tags))
        changed = {k: v for k, v in typed.items() if v != getattr(company, k)}
        added = [t for t in tags if t not in company.tags]
        removed = [t for t in company.tags if t not in tags]
        ref = f"#{company.id}"

        def edit() -> Any:
            patch = CompanyPatch(**owner.checked(changed), add_tags=added, remove_tags=removed)
            return update_company(store, ref, patch)

        return edit


class _Owner:
    """The owner typed, made a login when the form saves (in its job: the lookup reads the
    database): one that names no user is refused beside the field; the one shown is kept."""

    def __init__(self, store: Any, typed: str, shown: str) -> None:
        self.store, self.typed, self.shown = store, typed.strip(), shown.strip()

    def checked(self, values: dict[str, str]) -> dict[str, str]:
        if "owner" not in values or self.typed == self.shown:
            return values
        from pocketcrm.core.services.users import resolve_owner

        return {**values, "owner": resolve_owner(self.store, self.typed)}
