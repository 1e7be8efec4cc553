"""Printable quotes and invoices: the document's data gathered here, drawn with fpdf2.

fpdf2 (about 0.4 s to import, with fontTools) is imported only when a PDF is drawn, and
the document is read with plain SQL (no models to load). A Unicode font (DejaVu
Sans) is used when the system has one, so any name prints; without it the built-in
Helvetica is used and letters outside Latin-1 print as '?'.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pocketcrm.core.db import Db
from pocketcrm.core.errors import Invalid, NotFound
from pocketcrm.core.money import format_amount
from pocketcrm.core.services import lines as L
from pocketcrm.core.services.figures import as_date
from pocketcrm.core.settings import BusinessConfig
from pocketcrm.core.store import Store

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/local/share/fonts"))
TITLES = {"invoice": "Invoice", "order": "Order confirmation", "quote": "Quote"}
_ID = re.compile(r"^#?(\d{1,9})$")


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


def _customer(session: Db, contact_id: int) -> tuple[str, ...]:
    found = session.run(
        "SELECT c.display_name, co.name FROM contact c LEFT JOIN company co ON co.id = "
        "c.company_id WHERE c.id = :c",
        {"c": contact_id},
    ).first()
    if found is None:
        return ()
    out = [str(found[0]), str(found[1] or "")]
    address = session.run(
        "SELECT street, extended, po_box, postcode, city, region, country FROM contact_address "
        "WHERE contact_id = :c ORDER BY id LIMIT 1",
        {"c": contact_id},
    ).first()
    if address is not None:
        street, extended, po_box, postcode, city, region, country = (str(v or "") for v in address)
        out += [street, extended, po_box, " ".join(p for p in (postcode, city) if p)]
        out += [region, country]
    return tuple(line for line in out if line.strip())


# The document's row: (id, number, issued_on, due or valid until, currency, contact_id,
# notes, cancelled, kind), a quote's or an invoice's (an order is an invoice of kind order).
_QUOTE = (
    "SELECT d.id, d.number, d.issued_on, d.valid_until, d.currency, d.contact_id, d.notes, "
    "d.status = 'declined', 'quote' FROM quote d"
)
_INVOICE = (
    "SELECT d.id, d.number, d.issued_on, d.due_on, d.currency, d.contact_id, d.description, "
    "d.cancelled_at IS NOT NULL, d.kind FROM invoice d"
)


def _document(session: Db, number: str) -> Any:
    """The live quote or invoice/order NUMBER names (its number in any case, or #id), of a
    contact not in the trash; NotFound otherwise."""
    cleaned = number.strip()
    is_quote = cleaned.upper().startswith("QUO-")
    select = _QUOTE if is_quote else _INVOICE
    live = "d.deleted_at IS NULL AND c.deleted_at IS NULL"
    source = f"{select} JOIN contact c ON c.id = d.contact_id WHERE {live} AND "
    found = None
    if cleaned:  # the number as typed (its index), then in any case
        found = (
            session.run(f"{source}d.number = :n", {"n": cleaned}).first()
            or session.run(f"{source}upper(d.number) = :n", {"n": cleaned.upper()}).first()
        )
    if found is None and (match := _ID.match(cleaned)):
        found = session.run(f"{source}d.id = :i", {"i": int(match[1])}).first()
    if found is None:
        raise NotFound("quote" if is_quote else "invoice", number)
    return found


def gather(store: Store, number: str) -> Printed:
    """The quote (QUO-...) or invoice/order NUMBER, ready to print. Plain SQL: drawing one
    document does not load the models (about 0.45 s of a one-second command)."""
    with store.sql_read() as session:
        doc_id, doc_number, issued, due, currency, contact_id, notes, cancelled, kind = _document(
            session, number
        )
        if kind == "quote":
            lines = L.load_lines(session, quote_id=int(doc_id))
        else:
            lines = L.load_lines(session, invoice_id=int(doc_id))
        issued_on = as_date(issued)
        assert issued_on is not None
        return Printed(
            kind=str(kind),
            number=str(doc_number),
            issued_on=issued_on,
            due_on=as_date(due),
            currency=str(currency),
            customer=_customer(session, int(contact_id)),
            lines=tuple(lines),
            bands=tuple(L.tax_bands(lines)),
            totals=L.totals(lines),
            business=store.settings.business,
            notes=str(notes or ""),
            cancelled=bool(cancelled),
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


def _fpdf() -> Any:
    """fpdf2's FPDF class, imported here only (about 0.4 CPU-s with fontTools).

    fpdf2 imports numpy when it can, only to decode LZW-compressed images faster (a logo is
    a PNG or JPEG: never that); numpy is another 0.13 s of a command that should take under
    a second. So numpy is hidden while fpdf2 loads (it falls back to plain Python), unless
    the process has it already."""
    import sys

    hide = "numpy" not in sys.modules
    if hide:
        sys.modules["numpy"] = None  # type: ignore[assignment]  # import numpy -> ImportError
    try:
        from fpdf import FPDF
    finally:
        if hide:
            del sys.modules["numpy"]
    return FPDF


def render(doc: Printed) -> bytes:
    """DOC as the bytes of a one- or more-page A4 PDF."""
    pdf = _fpdf()(format="A4")
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
