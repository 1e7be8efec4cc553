"""Stage 5: write a JSON record's history: interactions, follow-ups, deals, invoices, payments
(quotes, the catalogue and costs: importer/catalog.py)."""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from pocketcrm.core.errors import CrmError, Invalid
from pocketcrm.core.models import db_time
from pocketcrm.core.transfer import jsonfmt
from pocketcrm.core.transfer.importer.contacts import ContactWriter
from pocketcrm.core.transfer.importer.normalise import Rec, json_due, json_get
from pocketcrm.core.validate import channel as channel_of


class HistoryWriter(ContactWriter):
    def _write_json_rows(self) -> None:
        for contact_id, json_rec in self.buf_json:
            assert json_rec.json is not None
            self._json_activity(contact_id, json_rec.json, new=True)
            problems = self._json_money(contact_id, json_rec.json, json_rec)
            if problems:
                self.note(json_rec, problems, skipped=False)

    def _json_activity(self, cid: int, record: dict[str, Any], *, new: bool) -> bool:
        """Interactions, follow-ups and cadence rules of a JSON record; existing uuids stay."""
        interaction_ids = self._json_interactions(cid, record, new)
        changed = bool(interaction_ids)
        changed |= self._json_follow_ups(cid, record, new, interaction_ids)
        changed |= self._json_cadences(cid, record, new)
        if new and record.get("alternates"):  # an update adds them with its other fields
            self._many("contact_alternate", self._alternate_rows(cid, record["alternates"], set()))
        return changed

    def _taken(self, table: str, uid: str, new: bool) -> bool:
        """A row of TABLE has this uuid already (a new contact's cannot, in a new database)."""
        if new and not self.had_interactions:
            return False
        found = self.conn.exec_driver_sql(
            f"SELECT 1 FROM {table} WHERE uuid = {self.mark}", (uid,)
        ).first()
        return found is not None

    def _json_interactions(self, cid: int, record: dict[str, Any], new: bool) -> dict[str, int]:
        """Write the record's new interactions; their ids by uuid (follow-ups name them)."""
        interaction_ids: dict[str, int] = {}
        rows: list[tuple[Any, ...]] = []
        t = self._time
        for i in record.get("interactions") or []:
            uid = str(i.get("uuid") or uuidlib.uuid4())
            if self._taken("interaction", uid, new):
                continue
            iid = self.next_interaction
            self.next_interaction += 1
            interaction_ids[uid] = iid
            company = self.company_by_uuid.get(str(i.get("company") or ""))
            rows.append(
                (
                    iid,
                    uid,
                    cid,
                    company,
                    str(i.get("kind", "note")),
                    str(i.get("direction", "")),
                    t(i.get("occurred_at"), "occurred_at") or self.now_db,
                    i.get("duration_s"),
                    str(i.get("outcome", "")),
                    i.get("satisfaction"),
                    str(i.get("owner", "")),
                    str(i.get("notes", "")),
                    t(i.get("created_at"), "created_at") or self.now_db,
                    t(i.get("deleted_at"), "deleted_at"),
                    str(i.get("channel") or channel_of(str(i.get("kind", "note")), "")),
                    str(i.get("number", "")),
                    str(i.get("reason", "")),
                )
            )
        self._many("interaction", rows)
        return interaction_ids

    def _json_follow_ups(
        self, cid: int, record: dict[str, Any], new: bool, interaction_ids: dict[str, int]
    ) -> bool:
        rows: list[tuple[Any, ...]] = []
        t = self._time
        for f in record.get("follow_ups") or []:
            uid = str(f.get("uuid") or uuidlib.uuid4())
            if self._taken("follow_up", uid, new):
                continue
            ref = f.get("interaction")
            interaction_id = interaction_ids.get(str(ref)) if ref else None
            if ref and interaction_id is None:
                found = self.conn.exec_driver_sql(
                    f"SELECT id FROM interaction WHERE uuid = {self.mark}", (str(ref),)
                ).first()
                interaction_id = int(found[0]) if found else None
            rows.append(
                (
                    uid,
                    cid,
                    *json_due(f, t(f.get("due_at"), "due_at") or self.now_db),
                    str(f.get("note", "")),
                    str(f.get("owner", "")),
                    t(f.get("created_at"), "created_at") or self.now_db,
                    t(f.get("done_at"), "done_at"),
                    t(f.get("snoozed_until"), "snoozed_until"),
                    t(f.get("notified_at"), "notified_at"),
                    interaction_id,
                    t(f.get("deleted_at"), "deleted_at"),
                )
            )
        self._many("follow_up", rows)
        return bool(rows)

    def _json_cadences(self, cid: int, record: dict[str, Any], new: bool) -> bool:
        rows: list[tuple[Any, ...]] = []
        for c in record.get("cadences") or []:
            uid = str(c.get("uuid") or uuidlib.uuid4())
            if self._taken("cadence_rule", uid, new):
                continue
            rows.append(
                (
                    uid,
                    cid,
                    str(c.get("tag", "")),
                    int(c["ideal_days"]),
                    int(c["max_days"]),
                    self._time(c.get("created_at"), "created_at") or self.now_db,
                )
            )
        self._many("cadence_rule", rows)
        return bool(rows)

    def _alternate_rows(
        self, cid: int, items: Sequence[Any], known: set[tuple[str, str]]
    ) -> list[tuple[Any, ...]]:
        """Rows for the alternates of a JSON record that the contact lacks."""
        rows = []
        for item in items:
            if not isinstance(item, dict) or not item.get("field"):
                continue
            pair = (str(item["field"]), str(item.get("value", "")))
            if pair in known:
                continue
            known.add(pair)
            at = self._time(item.get("recorded_at"), "recorded_at") or self.now_db
            rows.append((cid, *pair, str(item.get("source", "")), self.batch_id, at))
        return rows

    # -- deals, invoices and payments of JSON records ----------------------------------------

    def _db_value(self, moment: datetime | None) -> Any:
        if moment is None:
            return None
        return db_time(moment) if self.sqlite else moment

    def _time(self, value: object, name: str) -> Any:
        return self._db_value(jsonfmt.parse_time(value, name))

    def _day(self, value: object, name: str) -> Any:
        """A date column's value from 'YYYY-MM-DD' (text for SQLite, a date for PostgreSQL)."""
        if value is None or value == "":
            return None
        try:
            found = date.fromisoformat(str(value))
        except ValueError:
            raise Invalid(name, f"{value!r} is not a date; use YYYY-MM-DD") from None
        return found.isoformat() if self.sqlite else found

    @staticmethod
    def _cents(value: object, name: str) -> int:
        if type(value) is int:
            return value
        raise Invalid(name, f"{value!r} is not an amount in cents; use a whole number")

    def _known(self, table: str, had: bool, uid: str) -> int | None:
        """The id of a stored row with this uuid (None when the table was empty before)."""
        if not had:
            return None
        found = self.conn.exec_driver_sql(
            f"SELECT id FROM {table} WHERE uuid = {self.mark}", (uid,)
        ).first()
        return None if found is None else int(found[0])

    def _deal_id(self, uid: str) -> int | None:
        found = self.deal_ids.get(uid)
        return found if found is not None else self._known("deal", self.had_deals, uid)

    def _invoice_id(self, uid: str) -> int | None:
        found = self.invoice_ids.get(uid)
        return found if found is not None else self._known("invoice", self.had_invoices, uid)

    def _quote_id(self, uid: str) -> int | None:
        found = self.quote_ids.get(uid)
        return found if found is not None else self._known("quote", self.had_quotes, uid)

    def _json_quotes(self, cid: int, record: dict[str, Any]) -> list[str]:
        """A record's quotes with their lines (written by importer/catalog.py)."""
        return []

    def _number_taken(self, number: str) -> bool:
        if number in self.invoice_numbers:
            return True
        return (
            self.had_invoices
            and self.conn.exec_driver_sql(
                f"SELECT 1 FROM invoice WHERE number = {self.mark}", (number,)
            ).first()
            is not None
        )

    def _created_rows(self, cid: int, entity: str, ids: Sequence[int]) -> None:
        """Undo entries for rows added to a contact that existed before this import (a new
        contact's rows go with it)."""
        if ids and cid not in self.created_ids:
            self._many(
                "import_change",
                [(self.batch_id, entity, i, "created", "") for i in ids],
            )

    def _json_money(self, cid: int, record: dict[str, Any], rec: Rec) -> list[str]:
        """Deals with their history, invoices and payments of a JSON record whose uuids are
        new; returns the problems (one per item left out)."""
        problems = self._json_deals(cid, record)
        problems.extend(self._json_quotes(cid, record))  # before the invoices naming them
        problems.extend(self._json_invoices(cid, record))
        problems.extend(self._payments(cid, record.get("payments") or [], rec, late=False))
        return problems

    def _json_deals(self, cid: int, record: dict[str, Any]) -> list[str]:
        problems: list[str] = []
        deals: list[tuple[Any, ...]] = []
        history: list[tuple[Any, ...]] = []
        for d in record.get("deals") or []:
            try:
                if not isinstance(d, dict):
                    raise Invalid("deals", "a deal is not a JSON object")
                uid = str(d.get("uuid") or uuidlib.uuid4())
                if uid in self.deal_ids or self._known("deal", self.had_deals, uid) is not None:
                    continue
                title = str(d.get("title", "")).strip()
                if not title:
                    raise Invalid("deal", "a deal without a title")
                row: tuple[Any, ...] = (
                    self.next_deal,
                    uid,
                    cid,
                    self.company_by_uuid.get(str(d.get("company") or "")),
                    title,
                    self._cents(d.get("amount_cents", 0), "amount_cents"),
                    str(d.get("currency", "")),
                    str(d.get("stage", "")) or self.settings.deal_stages[0],
                    str(d.get("owner", "")),
                    self._day(d.get("expected_close_on"), "expected_close_on"),
                    self._time(d.get("closed_at"), "closed_at"),
                    str(d.get("lost_reason", "")),
                    str(d.get("notes", "")),
                    self._time(d.get("created_at"), "created_at") or self.now_db,
                    self._time(d.get("updated_at"), "updated_at") or self.now_db,
                    self._time(d.get("deleted_at"), "deleted_at"),
                )
                steps = [
                    (
                        self.next_deal,
                        self._time(h.get("at"), "history.at") or self.now_db,
                        str(h.get("from", "")),
                        str(h.get("to", "")),
                        str(h.get("by", "")),
                    )
                    for h in d.get("history") or []
                    if isinstance(h, dict)
                ]
            except CrmError as exc:
                problems.append(f"deal {str(json_get(d, 'title'))!r} left out: {exc}")
                continue
            self.deal_ids[uid] = self.next_deal
            self.next_deal += 1
            deals.append(row)
            history.extend(steps)
        self._many("deal", deals)
        self._many("deal_stage_change", history)
        self._created_rows(cid, "deal", [r[0] for r in deals])
        return problems

    def _json_invoices(self, cid: int, record: dict[str, Any]) -> list[str]:
        problems: list[str] = []
        invoices: list[tuple[Any, ...]] = []
        lines: list[tuple[Any, ...]] = []
        for i in record.get("invoices") or []:
            try:
                if not isinstance(i, dict):
                    raise Invalid("invoices", "an invoice is not a JSON object")
                uid = str(i.get("uuid") or uuidlib.uuid4())
                if uid in self.invoice_ids or self._invoice_id(uid) is not None:
                    continue
                number = str(i.get("number", "")).strip()
                if not number:
                    raise Invalid("number", "an invoice without a number")
                if self._number_taken(number):
                    raise Invalid(
                        "number",
                        f"number {number} already belongs to another invoice; change it in "
                        "the file or remove that invoice, then import again",
                    )
                created = jsonfmt.parse_time(i.get("created_at"), "created_at")
                issued = self._day(i.get("issued_on"), "issued_on")
                if issued is None:
                    issued = self._day((created or self.now).date().isoformat(), "issued_on")
                ref = str(i.get("deal") or "")
                deal_id = self._deal_id(ref) if ref else None
                amount = self._cents(i.get("amount_cents"), "amount_cents")
                order_ref = str(i.get("order") or "")
                quote_ref = str(i.get("quote") or "")
                quote_id = self._quote_id(quote_ref) if quote_ref else None
                row = (
                    self.next_invoice,
                    uid,
                    number,
                    str(i.get("kind", "")) or "invoice",
                    cid,
                    deal_id,
                    issued,
                    self._day(i.get("due_on"), "due_on"),
                    amount,
                    str(i.get("currency", "")),
                    str(i.get("description", "")),
                    self._time(i.get("cancelled_at"), "cancelled_at"),
                    str(i.get("cancel_reason", "")),
                    self._db_value(created) or self.now_db,
                    self._time(i.get("updated_at"), "updated_at") or self.now_db,
                    self._time(i.get("deleted_at"), "deleted_at"),
                    self._cents(i.get("net_cents", amount), "net_cents"),
                    self._cents(i.get("tax_cents", 0), "tax_cents"),
                    self._cents(i.get("cost_cents", 0), "cost_cents"),
                    self._invoice_id(order_ref) if order_ref else None,
                    quote_id,
                )
                lines.extend(self._lines(row[0], i, amount, number))
            except CrmError as exc:
                problems.append(f"invoice {str(json_get(i, 'number'))!r} left out: {exc}")
                continue
            if ref and deal_id is None:
                self.late_deal_links.append((self.next_invoice, ref))
            if quote_ref and quote_id is None:
                self.late_quote_links.append((self.next_invoice, quote_ref))
            self.invoice_ids[uid] = self.next_invoice
            self.invoice_numbers.add(number)
            self.next_invoice += 1
            invoices.append(row)
        self._many("invoice", invoices)
        self._many("document_line", [line for line in lines if line[0] in {r[0] for r in invoices}])
        self._created_rows(cid, "invoice", [r[0] for r in invoices])
        return problems

    def _lines(
        self, invoice_id: int, item: dict[str, Any], amount: int, number: str
    ) -> list[tuple[Any, ...]]:
        """An invoice's lines from the file; a file from before lines gives one line of the
        whole amount (as the 0012 upgrade did). A SKU names a product of this catalogue."""
        given = item.get("lines")
        if not isinstance(given, list) or not given:
            text = str(item.get("description", "")) or number
            return [(invoice_id, 1, None, text, "", 1000, amount, 0, 0, 0, amount, 0, 0)]
        rows = []
        for position, line in enumerate(given, 1):
            if not isinstance(line, dict):
                raise Invalid("lines", "a line is not a JSON object")
            sku = str(line.get("sku") or "")
            product = self._product_id(sku) if sku else None
            rows.append(
                (invoice_id, int(line.get("position") or position), product,
                 str(line.get("description", "")), str(line.get("unit", "")),
                 *(self._cents(line.get(k, 0), k) for k in (
                     "quantity_milli", "unit_price_cents", "discount_bp", "tax_rate_bp",
                     "unit_cost_cents", "net_cents", "tax_cents", "cost_cents")))
            )  # fmt: skip
        return rows

    def _product_id(self, sku: str) -> int | None:
        found = self.conn.exec_driver_sql(
            f"SELECT id FROM product WHERE sku = {self.mark}", (sku,)
        ).first()
        return None if found is None else int(found[0])

    def _payments(self, cid: int, items: Sequence[Any], rec: Rec, *, late: bool) -> list[str]:
        """Write payments whose invoice is known; one whose invoice may come in a later record
        waits for the end of the run with those after it, so a contact's payments keep their
        order (late=True is that last try)."""
        problems: list[str] = []
        rows: list[tuple[Any, ...]] = []
        waiting = False
        for p in items:
            if waiting:
                self.late_payments.append((cid, p, rec))
                continue
            try:
                if not isinstance(p, dict):
                    raise Invalid("payments", "a payment is not a JSON object")
                uid = str(p.get("uuid") or uuidlib.uuid4())
                if (
                    uid in self.payment_uuids
                    or self._known("payment", self.had_payments, uid) is not None
                ):
                    continue
                ref = str(p.get("invoice") or "")
                if not ref:
                    raise Invalid("invoice", "a payment names no invoice")
                invoice_id = self._invoice_id(ref)
                if invoice_id is None and not late:
                    self.late_payments.append((cid, p, rec))
                    waiting = True
                    continue
                if invoice_id is None:
                    raise Invalid(
                        "invoice",
                        f"its invoice {ref} is neither in the database nor imported",
                    )
                row = (
                    self.next_payment,
                    uid,
                    invoice_id,
                    cid,
                    self._cents(p.get("amount_cents"), "amount_cents"),
                    str(p.get("currency", "")),
                    self._day(p.get("paid_on"), "paid_on")
                    or self._day(self.now.date().isoformat(), "paid_on"),
                    str(p.get("method", "")),
                    str(p.get("notes", "")),
                    self._time(p.get("created_at"), "created_at") or self.now_db,
                    self._time(p.get("deleted_at"), "deleted_at"),
                )
            except CrmError as exc:
                amount = json_get(p, "amount_cents")
                problems.append(
                    f"payment of {amount} cents on {json_get(p, 'paid_on')} left out: {exc}"
                )
                continue
            self.payment_uuids.add(uid)
            self.next_payment += 1
            rows.append(row)
        self._many("payment", rows)
        self._created_rows(cid, "payment", [r[0] for r in rows])
        return problems

    def settle_late(self) -> None:
        """Resolve references to deals and invoices that came in later records."""
        for invoice_id, ref in self.late_deal_links:
            deal_id = self._deal_id(ref)
            if deal_id is not None:
                self.conn.exec_driver_sql(
                    f"UPDATE invoice SET deal_id = {self.mark} WHERE id = {self.mark}",
                    (deal_id, invoice_id),
                )
        self.late_deal_links = []
        for invoice_id, ref in self.late_quote_links:
            quote_id = self._quote_id(ref)
            if quote_id is not None:
                self.conn.exec_driver_sql(
                    f"UPDATE invoice SET quote_id = {self.mark} WHERE id = {self.mark}",
                    (quote_id, invoice_id),
                )
        self.late_quote_links = []
        waiting, self.late_payments = self.late_payments, []
        for cid, payment, rec in waiting:
            problems = self._payments(cid, [payment], rec, late=True)
            if problems:
                self.note(rec, problems, skipped=False)

    # -- updating contacts ------------------------------------------------------------------

    def _json_has_new_activity(self, record: dict[str, Any]) -> bool:
        for table, key in (
            ("interaction", "interactions"),
            ("follow_up", "follow_ups"),
            ("cadence_rule", "cadences"),
            ("deal", "deals"),
            ("quote", "quotes"),
            ("invoice", "invoices"),
            ("payment", "payments"),
        ):
            for item in record.get(key) or []:
                uid = str(item.get("uuid") or "")
                if not uid:
                    return True
                if (
                    self.conn.exec_driver_sql(
                        f"SELECT 1 FROM {table} WHERE uuid = {self.mark}", (uid,)
                    ).first()
                    is None
                ):
                    return True
        return False

    # -- one record -------------------------------------------------------------------------
