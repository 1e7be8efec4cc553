"""Stage 5, issue 12: a JSON file's catalogue, its contacts' quotes (with their lines) and the
costs, written so that an export imported into an empty database gives the same figures.

Products are matched by uuid, then by SKU: a product already in the catalogue stays as it
is (the catalogue is edited with `product import`), and the file's lines name it by SKU. A
quote or a cost whose uuid is already stored is left alone, as deals and invoices are.
Products and costs are written as they come (the "products" section precedes the contacts,
"costs" follows them); undo removes what the import created (undo.py).
"""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from pocketcrm.core.errors import CrmError, Invalid
from pocketcrm.core.transfer import jsonfmt
from pocketcrm.core.transfer.importer.history import HistoryWriter
from pocketcrm.core.transfer.importer.normalise import Rec, json_get
from pocketcrm.core.transfer.importer.tables import COLUMNS

QUOTE_STATUSES = ("draft", "sent", "accepted", "declined")
COST_TARGETS = ("contact", "company", "campaign", "deal")


class CatalogWriter(HistoryWriter):
    # -- the "products" section --------------------------------------------------------------

    def json_product(self, value: dict[str, Any], file: str, line: int) -> None:
        sku = str(value.get("sku") or "").strip()
        name = " ".join(str(value.get("name") or "").split())
        if not sku or not name:
            self.note(Rec(file, line, sku), ["a product needs a sku and a name"], skipped=True)
            return
        uid = str(value.get("uuid") or uuidlib.uuid4())
        if self._product_id(sku) is not None or self._stored("product", uid):
            return
        try:
            row = (
                uid, sku, name, str(value.get("description", "")),
                str(value.get("unit", "")) or "each",
                self._cents(value.get("price_cents", 0), "price_cents"),
                str(value.get("currency", "")), self._cents(value.get("cost_cents", 0), "cost_cents"),
                self._cents(value.get("tax_rate_bp", 0), "tax_rate_bp"),
                str(value.get("category", "")),
                self._time(value.get("retired_at"), "retired_at"),
                self._time(value.get("created_at"), "created_at") or self.now_db,
                self._time(value.get("updated_at"), "updated_at") or self.now_db,
            )  # fmt: skip
        except CrmError as exc:
            self.note(Rec(file, line, sku), [f"product {sku} left out: {exc}"], skipped=True)
            return
        self.conn.exec_driver_sql(
            "INSERT INTO product (uuid, sku, name, description, unit, price_cents, currency, "
            "cost_cents, tax_rate_bp, category, retired_at, created_at, updated_at) "
            f"VALUES ({', '.join([self.mark] * len(row))})",
            row,
        )
        new_id = self._scalar("SELECT max(id) FROM product")
        self.buf["import_change"].append((self.batch_id, "product", new_id, "created", ""))

    def _stored(self, table: str, uid: str) -> bool:
        found = self.conn.exec_driver_sql(
            f"SELECT 1 FROM {table} WHERE uuid = {self.mark}", (uid,)
        ).first()
        return found is not None

    # -- quotes, in a contact's record ------------------------------------------------------

    def _json_quotes(self, cid: int, record: dict[str, Any]) -> list[str]:
        problems: list[str] = []
        quotes: list[tuple[Any, ...]] = []
        lines: list[tuple[Any, ...]] = []
        for q in record.get("quotes") or []:
            try:
                if not isinstance(q, dict):
                    raise Invalid("quotes", "a quote is not a JSON object")
                uid = str(q.get("uuid") or uuidlib.uuid4())
                if uid in self.quote_ids or self._quote_id(uid) is not None:
                    continue
                row = self._quote_row(cid, uid, q)
                lines.extend(self._lines(row[0], q, int(row[11]), str(row[2])))
            except CrmError as exc:
                problems.append(f"quote {str(json_get(q, 'number'))!r} left out: {exc}")
                continue
            self.quote_ids[uid] = self.next_quote
            self.quote_numbers.add(str(row[2]))
            self.next_quote += 1
            quotes.append(row)
        self._many("quote", quotes)
        if lines:  # document_line rows whose first column is the quote's
            columns = COLUMNS["quote_line"]
            self._execute_many(
                f"INSERT INTO document_line ({', '.join(columns)}) "
                f"VALUES ({', '.join([self.mark] * len(columns))})",
                lines,
                "document_line",
            )
        self._created_rows(cid, "quote", [r[0] for r in quotes])
        return problems

    def _quote_row(self, cid: int, uid: str, q: dict[str, Any]) -> tuple[Any, ...]:
        number = str(q.get("number", "")).strip()
        if not number:
            raise Invalid("number", "a quote without a number")
        if (
            number in self.quote_numbers
            or self.conn.exec_driver_sql(
                f"SELECT 1 FROM quote WHERE number = {self.mark}", (number,)
            ).first()
        ):
            raise Invalid(
                "number",
                f"number {number} already belongs to another quote; change it in the file "
                "or remove that quote, then import again",
            )
        status = str(q.get("status", "")) or "draft"
        if status not in QUOTE_STATUSES:
            raise Invalid("status", f"{status!r}; use one of: {', '.join(QUOTE_STATUSES)}")
        created = jsonfmt.parse_time(q.get("created_at"), "created_at")
        issued = self._day(q.get("issued_on"), "issued_on") or self._day(
            (created or self.now).date().isoformat(), "issued_on"
        )
        deal = str(q.get("deal") or "")
        return (
            self.next_quote, uid, number, cid, self._deal_id(deal) if deal else None, status,
            str(q.get("currency", "")), issued, self._day(q.get("valid_until"), "valid_until"),
            self._cents(q.get("net_cents", 0), "net_cents"),
            self._cents(q.get("tax_cents", 0), "tax_cents"),
            self._cents(q.get("amount_cents", 0), "amount_cents"), str(q.get("notes", "")),
            str(q.get("decline_reason", "")), str(q.get("owner", "")),
            self._time(q.get("sent_at"), "sent_at"), self._time(q.get("decided_at"), "decided_at"),
            self._db_value(created) or self.now_db,
            self._time(q.get("updated_at"), "updated_at") or self.now_db,
            self._time(q.get("deleted_at"), "deleted_at"),
        )  # fmt: skip

    # -- the "costs" section -----------------------------------------------------------------

    def json_cost(self, value: dict[str, Any], file: str, line: int) -> None:
        """One cost; its contact, deal and company are written by now (the section follows
        the contacts: the chunk in progress is written first)."""
        if self.buf["contact"] or self.buf_json:
            self.flush()
        uid = str(value.get("uuid") or uuidlib.uuid4())
        if self._stored("cost", uid):
            return
        try:
            row = self._cost_row(uid, value)
        except CrmError as exc:
            amount = json_get(value, "amount_cents")
            self.note(Rec(file, line, ""), [f"cost of {amount} cents left out: {exc}"], True)
            return
        self.conn.exec_driver_sql(
            "INSERT INTO cost (uuid, amount_cents, currency, kind, spent_on, contact_id, "
            "company_id, campaign_id, deal_id, notes, created_by, created_at, deleted_at) "
            f"VALUES ({', '.join([self.mark] * len(row))})",
            row,
        )
        new_id = self._scalar("SELECT max(id) FROM cost")
        self.buf["import_change"].append((self.batch_id, "cost", new_id, "created", ""))

    def _cost_row(self, uid: str, value: dict[str, Any]) -> tuple[Any, ...]:
        targets = {kind: self._target(kind, str(value.get(kind) or "")) for kind in COST_TARGETS}
        if not any(targets.values()):
            named = [kind for kind in COST_TARGETS if value.get(kind)]
            what = f"its {named[0]} is" if named else "nothing it was for is"
            raise Invalid("cost", f"{what} neither in the database nor in the file")
        spent = self._day(value.get("spent_on"), "spent_on")
        if spent is None:
            raise Invalid("spent_on", "a cost without a date; give spent_on as YYYY-MM-DD")
        return (
            uid, self._cents(value.get("amount_cents"), "amount_cents"),
            str(value.get("currency", "")), str(value.get("kind", "")) or "other", spent,
            targets["contact"], targets["company"], targets["campaign"], targets["deal"],
            str(value.get("notes", "")), str(value.get("created_by", "")),
            self._time(value.get("created_at"), "created_at") or self.now_db,
            self._time(value.get("deleted_at"), "deleted_at"),
        )  # fmt: skip

    def _target(self, kind: str, uid: str) -> int | None:
        """The id of the contact, company, campaign or deal with this uuid (None if unknown)."""
        if not uid:
            return None
        if kind == "contact":
            return self.by_uuid.get(uid)
        if kind == "company":
            return self.company_by_uuid.get(uid)
        if kind == "deal":
            return self._deal_id(uid)
        found = self.conn.exec_driver_sql(
            f"SELECT id FROM campaign WHERE uuid = {self.mark}", (uid,)
        ).first()
        return None if found is None else int(found[0])
