"""Add a product or service to the catalogue, or change one."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from pocketcrm.tui.modals.base import FormModal
from pocketcrm.tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from pocketcrm.core.services.products import ProductView

FIELDS = (
    ("sku", "SKU", "WID-100"),
    ("name", "Name", "Widget"),
    ("price", "Price (before tax)", "45.50 or 45.50 EUR"),
    ("cost", "Unit cost", "30"),
    ("tax", "Tax rate", "20%"),
    ("unit", "Unit", "each, hour, month"),
    ("category", "Category", "hardware"),
)


def _shown(product: ProductView) -> dict[str, str]:
    """A product's values as they are typed (plain amounts, the rate with %)."""
    from pocketcrm.core.money import plain_amount
    from pocketcrm.core.services.lines import rate_text

    return {
        "sku": product.sku, "name": product.name, "unit": product.unit,
        "price": f"{plain_amount(product.price_cents)} {product.currency}",
        "cost": plain_amount(product.cost_cents), "tax": rate_text(product.tax_rate_bp),
        "category": product.category,
    }  # fmt: skip


class ProductForm(FormModal[Any]):
    """A new product, or (given one) an edit of it; prices and costs keep integer cents."""

    FIELD_FOR: ClassVar[dict[str, str]] = {"tax_rate": "tax"}

    def __init__(self, product: ProductView | None = None) -> None:
        super().__init__()
        self.product = product

    def compose(self) -> ComposeResult:
        with Vertical(classes="form-box"):
            title = f"Edit {self.product.sku}" if self.product else "New product or service"
            yield Static(title, classes="form-title")
            values = _shown(self.product) if self.product else {}
            for name, label, hint in FIELDS:
                widget = Input(values.get(name, ""), id=name, placeholder=hint, compact=True)
                yield from self.field(name, label, widget)
            yield from self.buttons("Save" if self.product else "Add product")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#name" if self.product else "#sku", Input).focus()

    def validate(self) -> Callable[[], Any] | None:
        from pocketcrm.core.services import products

        store = self.store
        if store is None:
            self.show_error("form", "the database is not open yet")
            return None
        data = products.ProductInput(
            sku=self.value("sku"), name=self.value("name"), price=self.value("price") or "0",
            cost=self.value("cost") or "0", tax_rate=self.value("tax") or "0",
            unit=self.value("unit"), category=self.value("category"),
        )  # fmt: skip
        if self.product is None:
            return lambda: products.add_product(store, data)
        ref = str(self.product.id)
        return lambda: products.edit_product(store, f"#{ref}", data)
