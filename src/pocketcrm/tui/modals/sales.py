"""A contact's sales on the card: quotes, orders and invoices with their lines, and a new
quote typed as lines ('WID-100 x3', 'Consulting 2h @ 90'), one a line."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from pocketcrm.tui.modals.base import FormModal
from pocketcrm.tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from pocketcrm.core.services.quotes import DocumentView


def documents_text(documents: list[DocumentView]) -> Text:
    """Each document's head, its numbered lines and its totals."""
    from pocketcrm.core.money import format_amount
    from pocketcrm.core.services.lines import describe

    text = Text()
    if not documents:
        text.append("No quotes, orders or invoices yet: Q on the card makes a quote.", style="dim")
    for doc in documents:
        text.append(f"{doc.number}", style="bold")
        text.append(f"  {doc.kind}  {doc.status}  {doc.issued_on.isoformat()}\n", style="dim")
        for line in doc.lines:
            text.append(f"  {line.position}. {describe(line, doc.currency)}")
            text.append(f"  = {format_amount(line.net_cents, doc.currency)}\n")
        text.append(
            f"  net {format_amount(doc.net_cents, doc.currency)}  tax "
            f"{format_amount(doc.tax_cents, doc.currency)}  total "
            f"{format_amount(doc.amount_cents, doc.currency)}\n\n"
        )
    return text


class SalesModal(ModalScreen[None]):
    """Read-only: the contact's documents and their lines."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="sales-close"),
    ]

    def __init__(self, name: str, documents: list[DocumentView]) -> None:
        super().__init__(classes="form")
        self.contact_name = name
        self.documents = documents

    def compose(self) -> ComposeResult:
        with Vertical(classes="form-box", id="sales-box"):
            yield Static(f"Sales: {self.contact_name}", classes="form-title")
            with VerticalScroll(id="sales-body"):
                yield Static(documents_text(self.documents), id="sales-text")
        yield KeyFooter()

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)


class QuoteForm(FormModal[Any]):
    """A new draft quote for the card's contact; every line is checked before it is saved."""

    FIELD_FOR: ClassVar[dict[str, str]] = {
        "line": "lines", "quantity": "lines", "discount": "lines", "tax": "lines",
        "price": "lines", "currency": "lines",
    }  # fmt: skip

    def __init__(self, contact_id: int, name: str) -> None:
        super().__init__()
        self.contact_id = contact_id
        self.contact_name = name

    def compose(self) -> ComposeResult:
        with Vertical(classes="form-box"):
            yield Static(f"New quote for {self.contact_name}", classes="form-title")
            yield from self.field(
                "lines", "Lines, one a line: SKU x3, Consulting 2h @ 90, SKU x2 -10%",
                TextArea(id="lines", soft_wrap=False, compact=True),
            )  # fmt: skip
            yield from self.buttons("Make quote")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#lines", TextArea).focus()

    def validate(self) -> Callable[[], Any] | None:
        from pocketcrm.core.services.quotes import create_quote

        store = self.store
        if store is None:
            self.show_error("form", "the database is not open yet")
            return None
        texts = [
            t.strip() for t in self.query_one("#lines", TextArea).text.splitlines() if t.strip()
        ]
        ref = f"#{self.contact_id}"
        return lambda: create_quote(store, ref, texts)
