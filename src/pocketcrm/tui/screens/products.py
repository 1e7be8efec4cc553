"""The catalogue: products and services with their price, cost, margin and tax rate."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from pocketcrm.tui.screens.base import CrmScreen, PaletteCommand
from pocketcrm.tui.widgets.key_footer import KeyFooter
from pocketcrm.tui.widgets.top_bar import TopBar
from pocketcrm.tui.widgets.virtual_table import Column, VirtualTable

if TYPE_CHECKING:
    from pocketcrm.core.services.products import ProductView


def _money(cents: int) -> str:
    from pocketcrm.core.money import format_amount

    return format_amount(cents, "")


def _rate(bp: int) -> str:
    from pocketcrm.core.services.lines import rate_text

    return rate_text(bp)


PRODUCT_COLUMNS = [
    Column("sku", "SKU", 8, lambda p: p.sku),
    Column("name", "Name", 14, lambda p: p.name, grow=3),
    Column("category", "Category", 9, lambda p: p.category, grow=1),
    Column("price", "Price", 10, lambda p: _money(p.price_cents), justify="right"),
    Column("cost", "Cost", 10, lambda p: _money(p.cost_cents), justify="right"),
    Column("tax", "Tax", 5, lambda p: _rate(p.tax_rate_bp), justify="right"),
    Column("state", "State", 7, lambda p: "active" if p.retired_at is None else "retired"),
]


class ProductsScreen(CrmScreen):
    """Every product (retired ones too, marked); add, edit and retire them here."""

    WRITES: ClassVar[dict[str, str]] = {"add": "sell", "edit": "sell", "retire": "sell"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add", id="products-add", tooltip="Add a product or service"),
        Binding("e", "edit", "Edit", id="products-edit", tooltip="Edit the product"),
        Binding(
            "r", "retire", "Retire", id="products-retire", tooltip="Retire it, or sell it again"
        ),
    ]

    def __init__(self) -> None:
        super().__init__(id="products")

    def compose(self) -> ComposeResult:
        yield TopBar("products")
        yield Static("Products and services", classes="pane-title")
        yield VirtualTable(
            PRODUCT_COLUMNS, id="product-list", empty_text="No products yet: a adds one."
        )
        yield Static("", id="products-status", classes="status")
        yield KeyFooter()

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#product-list", VirtualTable)

    def on_mount(self) -> None:
        self.table.focus()

    def reload(self) -> None:
        store = self.store
        if store is None:
            return
        self.mark_seen()
        sort = self.table.sort

        def job() -> list[ProductView]:
            from pocketcrm.core.services.products import list_products
            from pocketcrm.core.sorting import sort_rows

            return sort_rows(list_products(store, retired=True), "products", sort)

        def done(rows: list[ProductView]) -> None:
            self.table.set_rows(rows)
            active = sum(1 for p in rows if p.retired_at is None)
            self.query_one("#products-status", Static).update(
                f"{active} active, {len(rows) - active} retired"
            )

        self.background(job, done, group="products", exclusive=True)

    @on(VirtualTable.HeaderClicked, "#product-list")
    def _header_clicked(self, event: VirtualTable.HeaderClicked) -> None:
        self.sort_by_header(event, "products")

    def _saved(self, result: Any) -> None:
        if result is not None:
            self.notify(f"saved {result.sku} {result.name}")
            self.reload()

    def action_add(self) -> None:
        from pocketcrm.tui.modals.product_form import ProductForm

        self.app.push_screen(ProductForm(), self._saved)

    def action_edit(self) -> None:
        from pocketcrm.tui.modals.product_form import ProductForm

        product: ProductView | None = self.table.current
        if product is not None:
            self.app.push_screen(ProductForm(product), self._saved)

    @on(VirtualTable.Chosen, "#product-list")
    def _chosen(self) -> None:
        self.action_edit()

    def action_retire(self) -> None:
        product: ProductView | None = self.table.current
        store = self.store
        if product is None or store is None:
            return
        undo = product.retired_at is not None

        def job() -> ProductView:
            from pocketcrm.core.services.products import retire_product

            return retire_product(store, f"#{product.id}", undo=undo)

        def done(view: ProductView) -> None:
            self.notify(f"{'selling again' if undo else 'retired'}: {view.sku} {view.name}")
            self.reload()

        self.background(job, done, group="product-retire")

    def palette_commands(self) -> list[PaletteCommand]:
        return [PaletteCommand("Add a product", "A new product or service", "add")]
