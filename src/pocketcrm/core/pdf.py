"""Printable quotes and invoices: the document's data gathered here, drawn with fpdf2.

fpdf2 (~60 ms to import) is imported only when a PDF is drawn. A Unicode font (DejaVu
Sans) is used when the system has one, so any name prints; without it the built-in
Helvetica is used and letters outside Latin-1 print as '?'.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from pocketcrm.core.errors import Invalid
from pocketcrm.core.models import Company, Contact, ContactAddress, Invoice, Quote
from pocketcrm.core.money import format_amount
from pocketcrm.core.services import lines as L
from pocketcrm.core.settings import BusinessConfig
from pocketcrm.core.store import Store

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/local/share/fonts"))
TITLES = {"invoice": "Invoice", "order": "Order confirmation", "quote": "Quote"}


@dataclass(frozen=True)
class Printed:
    """Everything a printed quote, order or invoice shows."""

    kind: str  # invoice | order | quote
    number: str
    issued_on: date
    due_on: date | None  # an invoice's due date, a quote's "valid until"
    currency: str
    customer: tuple[str, ...]  # name, company, address lines
    lines: tuple[L.LineView, ...]
    bands: tuple[L.TaxBand, ...]
    totals: L.Totals
    business: BusinessConfig
    notes: str
    cancelled: bool


def _customer(session: Session, contact_id: int) -> tuple[str, ...]:
    contact = session.get(Contact, contact_id)
    if contact is None:
        return ()
    out = [contact.display_name]
    if contact.company_id is not None and (company := session.get(Company, contact.company_id)):
        out.append(company.name)
    address = session.exec(
        select(ContactAddress).where(col(ContactAddress.contact_id) == contact_id)
    ).first()
    if address is not None:
        out += [address.street, address.extended, address.po_box]
        out.append(" ".join(p for p in (address.postcode, address.city) if p))
        out += [address.region, address.country]
    return tuple(line for line in out if line.strip())


def gather(store: Store, number: str) -> Printed:
    """The quote (QUO-...) or invoice/order NUMBER, ready to print."""
    from pocketcrm.core.services.billing import resolve_invoice
    from pocketcrm.core.services.quotes import resolve_quote

    with store.read() as session:
        doc: Quote | Invoice
        if number.strip().upper().startswith("QUO-"):
            doc = resolve_quote(session, number)
            kind, due, lines = "quote", doc.valid_until, L.load_lines(session, quote_id=doc.id)
            notes, cancelled = doc.notes, doc.status == "declined"
        else:
            doc = resolve_invoice(session, number)
            kind, due, lines = doc.kind, doc.due_on, L.load_lines(session, invoice_id=doc.id)
            notes, cancelled = doc.description, doc.cancelled_at is not None
        return Printed(
            kind=kind,
            number=doc.number,
            issued_on=doc.issued_on,
            due_on=due,
            currency=doc.currency,
            customer=_customer(session, doc.contact_id),
            lines=tuple(lines),
            bands=tuple(L.tax_bands(lines)),
            totals=L.totals(lines),
            business=store.settings.business,
            notes=notes,
            cancelled=cancelled,
        )


def _font(pdf: Any) -> str:
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            pdf.add_font("DejaVu", "", str(regular))
            pdf.add_font("DejaVu", "B", str(bold))
            return "DejaVu"
    return "Helvetica"


def _safe(text: str, font: str) -> str:
    return text if font == "DejaVu" else text.encode("latin-1", "replace").decode("latin-1")


def _header(pdf: Any, doc: Printed, font: str) -> None:
    b = doc.business
    if b.logo:
        logo = Path(b.logo).expanduser()
        if not logo.is_file():
            raise Invalid(
                "business.logo", f"{logo} is not a file; fix `pocketcrm config set business.logo`"
            )
        pdf.image(str(logo), x=150, y=12, h=18)
    pdf.set_font(font, "B", 14)
    pdf.cell(
        0,
        7,
        _safe(b.name or "(set business.name in the config)", font),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font(font, "", 9)
    for line in [*b.address.replace(",", "\n").splitlines(), b.email, b.phone]:
        if line.strip():
            pdf.cell(0, 4.5, _safe(line.strip(), font), new_x="LMARGIN", new_y="NEXT")
    if b.tax_id:
        pdf.cell(0, 4.5, _safe(f"Tax id: {b.tax_id}", font), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(font, "B", 16)
    title = TITLES[doc.kind] + (" (CANCELLED)" if doc.cancelled and doc.kind != "quote" else "")
    pdf.cell(0, 9, _safe(f"{title} {doc.number}", font), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 10)
    pdf.cell(0, 5, f"Date: {doc.issued_on.isoformat()}", new_x="LMARGIN", new_y="NEXT")
    if doc.due_on:
        label = "Valid until" if doc.kind == "quote" else "Due"
        pdf.cell(0, 5, f"{label}: {doc.due_on.isoformat()}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(font, "B", 10)
    pdf.cell(0, 5, "Bill to:" if doc.kind != "quote" else "For:", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 10)
    for line in doc.customer:
        pdf.cell(0, 5, _safe(line, font), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)


COLUMNS = (("#", 8, "R"), ("Description", 72, "L"), ("Qty", 16, "R"), ("Unit price", 26, "R"),
           ("Disc.", 14, "R"), ("Tax", 14, "R"), ("Net", 30, "R"))  # fmt: skip


def _row(pdf: Any, cells: list[str], font: str, bold: bool = False) -> None:
    pdf.set_font(font, "B" if bold else "", 9)
    for (_, width, align), text in zip(COLUMNS, cells, strict=True):
        pdf.cell(width, 6, _safe(text, font), border="B" if bold else 0, align=align)
    pdf.ln(6)


def _lines(pdf: Any, doc: Printed, font: str) -> None:
    _row(pdf, [c[0] for c in COLUMNS], font, bold=True)
    for line in doc.lines:
        what = f"{line.sku} {line.description}".strip() if line.sku else line.description
        qty = line.quantity + (f" {line.unit}" if line.unit and line.unit != "each" else "")
        _row(pdf, [
            str(line.position), what[:48], qty, format_amount(line.unit_price_cents, ""),
            L.rate_text(line.discount_bp) if line.discount_bp else "",
            L.rate_text(line.tax_rate_bp), format_amount(line.net_cents, ""),
        ], font)  # fmt: skip


def _sums(pdf: Any, doc: Printed, font: str) -> None:
    pdf.ln(3)
    cur = doc.currency

    def pair(label: str, cents: int, bold: bool = False) -> None:
        pdf.set_font(font, "B" if bold else "", 10)
        pdf.cell(130, 6, _safe(label, font), align="R")
        pdf.cell(50, 6, format_amount(cents, cur), align="R", new_x="LMARGIN", new_y="NEXT")

    pair("Net total", doc.totals.net_cents)
    for band in doc.bands:
        pair(
            f"Tax {L.rate_text(band.rate_bp)} on {format_amount(band.net_cents, cur)}",
            band.tax_cents,
        )
    pair("Total", doc.totals.gross_cents, bold=True)
    pdf.ln(6)
    pdf.set_font(font, "", 9)
    if doc.notes:
        pdf.multi_cell(0, 5, _safe(doc.notes, font), new_x="LMARGIN", new_y="NEXT")
    if doc.kind == "invoice" and doc.business.payment_terms:
        pdf.multi_cell(
            0,
            5,
            _safe(f"Payment terms: {doc.business.payment_terms}", font),
            new_x="LMARGIN",
            new_y="NEXT",
        )


def render(doc: Printed) -> bytes:
    """DOC as the bytes of a one- or more-page A4 PDF."""
    from fpdf import FPDF  # ~60 ms, only here

    pdf = FPDF(format="A4")
    pdf.set_creator("pocketcrm")
    pdf.set_title(f"{TITLES[doc.kind]} {doc.number}")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    font = _font(pdf)
    _header(pdf, doc, font)
    _lines(pdf, doc, font)
    _sums(pdf, doc, font)
    return bytes(pdf.output())


def write_pdf(store: Store, number: str, target: Path) -> Printed:
    """Draw quote/invoice NUMBER into TARGET (written whole or not at all)."""
    doc = gather(store, number)
    data = render(doc)
    partial = target.with_name(f".{target.name}.part")
    try:
        partial.write_bytes(data)
        partial.replace(target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise Invalid("output", f"cannot write {target}: {exc.strerror}") from None
    return doc
