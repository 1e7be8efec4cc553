"""Stage 4: write contacts and companies (new ones, and what a company lacks)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text

from pocketcrm.core import search
from pocketcrm.core.matching import phone_key
from pocketcrm.core.models import db_time
from pocketcrm.core.search import fold
from pocketcrm.core.sql import json_value
from pocketcrm.core.transfer import jsonfmt
from pocketcrm.core.transfer.importer.match import Matcher
from pocketcrm.core.transfer.importer.normalise import JSON_ACTIVITY_KEYS, Rec, uuid4

# A company's details an import fills in (a new company) or adds where empty (a known one).
_COMPANY_DETAILS = ("website", "phone", "email", "street", "city", "region", "postcode", "country")


class ContactWriter(Matcher):
    def buying_stages(self) -> set[str]:
        """The stages playing the customer and past-customer roles: a company first met
        through someone in them is a customer."""
        roles = self.settings
        return {roles.stage_for("customer"), roles.stage_for("past")} - {""}

    def company_id(self, name: str, stage: str, key: str = "") -> int:
        key = key or fold(name)
        found = self.company_by_key.get(key)
        if found is not None:
            return found
        kind = "customer" if stage in self.buying_stages() else "prospect"
        return self._new_company({"name": name[:200], "kind": kind}, key)

    def _new_company(self, values: dict[str, Any], key: str, uid: str = "") -> int:
        coid = self.next_company
        self.next_company += 1
        row = {
            "id": coid,
            "uuid": uid or uuid4(),
            "name": values["name"],
            "name_key": key,
            "kind": values.get("kind", "customer"),
            **{k: str(values.get(k, "")) for k in (*_COMPANY_DETAILS, "notes")},
            "owner": str(values.get("owner", self.owner)),
            "created_at": values.get("created_at", self.now_db),
            "updated_at": values.get("updated_at", self.now_db),
            "deleted_at": values.get("deleted_at"),
        }
        self.buf["company"].append(tuple(row.values()))
        self.buf["import_change"].append((self.batch_id, "company", coid, "created", ""))
        self.company_by_key.setdefault(key, coid)
        self.company_by_uuid[row["uuid"]] = coid
        self.company_names[coid] = row["name"]
        self.companies_created += 1
        return coid

    def tag_id(self, name: str) -> int:
        found = self.tag_ids.get(name)
        if found is None:
            found = self.next_tag
            self.next_tag += 1
            self.tag_ids[name] = found
            self.tag_names[found] = name
            self.buf["tag"].append((found, name))
            self.buf["import_change"].append((self.batch_id, "tag", found, "created", ""))
        return found

    def company_record(self, rec: Rec) -> None:
        """A company-only draft: create the company, or fill what an existing one lacks."""

        name = rec.company or rec.name
        values: dict[str, Any] = {"name": name[:200]}
        extra: list[str] = []
        if rec.websites:
            values["website"] = rec.websites[0][0]
            extra += [f"website: {u}" for u, _ in rec.websites[1:]]
        if rec.phones:
            values["phone"] = rec.phones[0][0]
            extra += [f"phone: {p[0]}" for p in rec.phones[1:]]
        if rec.emails:
            values["email"] = rec.emails[0][0]
            extra += [f"email: {e[0]}" for e in rec.emails[1:]]
        if rec.addresses:
            a = rec.addresses[0]
            street = ", ".join(p for p in (a[3], a[1], a[2]) if p)
            values.update(street=street, city=a[4], region=a[5], postcode=a[6], country=a[7])
            extra += [f"address: {', '.join(p for p in b[1:] if p)}" for b in rec.addresses[1:]]
        if rec.name and rec.name != name:
            extra.append(f"name on card: {rec.name}")
        for column in ("title", "department", "nickname"):
            if rec.cols.get(column):
                extra.append(f"{column}: {rec.cols[column]}")
        if rec.cols.get("photo"):
            extra.append(f"photo: {rec.cols['photo']}")
        extra += [f"{n}: {v}" for n, v in rec.custom]
        extra += [f"id {s}: {v}" for s, v in rec.external]
        notes = "\n".join(p for p in [rec.cols.get("notes", ""), *extra] if p)
        values["notes"] = notes
        if rec.stage in self.buying_stages():
            values["kind"] = "customer"
        key = fold(values["name"])
        existing = self.company_by_key.get(key)
        if existing is None:
            coid = self._new_company(values, key)
            for tag in rec.tags:
                self._link_company_tag(coid, tag)
            return
        self.flush()
        self._update_company(existing, values, rec.tags)

    def _link_company_tag(self, coid: int, tag: str) -> None:
        tid = self.tag_id(tag)
        self.flush()  # the company and the tag exist before the link
        self.conn.exec_driver_sql(
            f"INSERT INTO company_tag (company_id, tag_id) VALUES ({self.mark}, {self.mark})",
            [(coid, tid)],
        )

    def _update_company(self, coid: int, values: dict[str, Any], tags: Sequence[str]) -> None:
        row = (
            self.session.execute(text("SELECT * FROM company WHERE id = :c"), {"c": coid})
            .mappings()
            .one()
        )
        changes: dict[str, Any] = {}
        for column in _COMPANY_DETAILS:
            if values.get(column) and not row[column]:
                changes[column] = values[column]
        if values.get("notes") and values["notes"] not in row["notes"]:
            changes["notes"] = (
                f"{row['notes']}\n{values['notes']}" if row["notes"] else values["notes"]
            )
        current = {
            int(t)
            for (t,) in self.conn.exec_driver_sql(
                f"SELECT tag_id FROM company_tag WHERE company_id = {int(coid)}"
            )
        }
        new_tags = [t for t in tags if self.tag_ids.get(t) not in current]
        if not changes and not new_tags:
            return
        self._read_to_update("company", coid, row["updated_at"])
        before = {
            "company": {k: json_value(v) for k, v in row.items()},
            "tags": sorted(current),
        }
        self.conn.exec_driver_sql(
            f"INSERT INTO import_change (batch_id, entity, entity_id, action, before) VALUES ({', '.join([self.mark] * 5)})",
            [(self.batch_id, "company", coid, "updated", json.dumps(before, ensure_ascii=False))],
        )
        if changes:
            changes["updated_at"] = self.now_db
            self.session.execute(
                text(
                    f"UPDATE company SET {', '.join(f'{c} = :{c}' for c in changes)} WHERE id = :id"
                ),
                {**changes, "id": coid},
            )
        for tag in new_tags:
            self._link_company_tag(coid, tag)
        self.companies_updated += 1

    # -- creating contacts ------------------------------------------------------------------

    def create(self, rec: Rec) -> int:
        cid = self.next_contact
        self.next_contact += 1
        stage = rec.stage or self.settings.stages[0]
        company_id = None
        if rec.json is not None and rec.company_uuid:
            company_id = self.company_by_uuid.get(rec.company_uuid)
        elif rec.company:
            company_id = self.company_id(rec.company, stage, rec.company_key)
        uid = rec.uuid if rec.uuid and rec.uuid not in self.by_uuid else uuid4()
        self.buf["contact"].append(self._contact_row(cid, uid, rec, stage, company_id))
        self._buffer_sub_rows(cid, rec)
        self._buffer_history(cid, rec, stage)
        self.buf["import_change"].append((self.batch_id, "contact", cid, "created", ""))
        self.by_uuid[uid] = cid
        self.created_ids.add(cid)
        self.pending.add(cid)
        if self.sqlite:
            self._index_row(cid, rec, company_id)
        self.created += 1
        return cid

    def _contact_row(
        self, cid: int, uid: str, rec: Rec, stage: str, company_id: int | None
    ) -> tuple[Any, ...]:
        """A new contact's row, in COLUMNS["contact"] order."""
        cols = rec.cols
        is_json = rec.json is not None
        return (
            cid,
            uid,
            cols["display_name"],
            cols.get("given_name", ""),
            cols.get("family_name", ""),
            cols.get("additional_names", ""),
            cols.get("prefix", ""),
            cols.get("suffix", ""),
            cols.get("nickname", ""),
            cols["name_key"],
            company_id,
            cols.get("title", ""),
            cols.get("department", ""),
            stage,
            cols.get("owner", "") if is_json else self.owner,
            cols.get("notes", ""),
            cols.get("birthday_year"),
            cols.get("birthday_month"),
            cols.get("birthday_day"),
            cols.get("anniversary_year"),
            cols.get("anniversary_month"),
            cols.get("anniversary_day"),
            cols.get("do_not_contact", False),
            cols.get("email_opt_out", False),
            cols.get("source", ""),
            cols.get("photo", ""),
            cols.get("last_contact_at"),
            cols.get("next_follow_up_at"),
            cols.get("next_follow_up_date"),
            cols.get("created_at") or self.now_db,
            cols.get("updated_at") or self.now_db,
            cols.get("deleted_at"),
        )

    def _buffer_sub_rows(self, cid: int, rec: Rec) -> None:
        """A new contact's emails, phones, addresses, websites, custom fields, ids and tags."""
        cols = rec.cols
        primary = next((i for i, e in enumerate(rec.emails) if e[3]), 0)
        for i, (address, key, label, _) in enumerate(rec.emails):
            self.buf["contact_email"].append((cid, address, key, label, i == primary))
            self.by_email.setdefault(key, cid)
        primary = next((i for i, p in enumerate(rec.phones) if p[5]), 0)
        for i, (number, e164, valid, extension, label, _) in enumerate(rec.phones):
            self.buf["contact_phone"].append(
                (cid, number, e164, valid, extension, label, i == primary)
            )
            self.by_name_phone.setdefault((cols["name_key"], phone_key(number, e164)), cid)
        if not rec.phones and not rec.emails:
            self.by_name_phone.setdefault((cols["name_key"], ""), cid)
        for a in rec.addresses:
            self.buf["contact_address"].append((cid, *a))
        for url, label in rec.websites:
            self.buf["contact_website"].append((cid, url, label))
        for name, value in rec.custom:
            self.buf["custom_field"].append((cid, name, value))
        for system, value in rec.external:
            if (system, value) in self.by_external:
                rec.notes.append(
                    f"{system} id {value!r} already belongs to another contact; not linked"
                )
                continue
            self.buf["external_id"].append((cid, system, value))
            self.by_external[(system, value)] = cid
        for tag in rec.tags:
            self.buf["contact_tag"].append((cid, self.tag_id(tag)))

    def _buffer_history(self, cid: int, rec: Rec, stage: str) -> None:
        """A new contact's stage history (a JSON record's own, else its first stage)."""
        if rec.json is not None:
            for h in rec.json.get("stage_history") or []:
                at = jsonfmt.parse_time(h.get("at"), "stage_history.at") or self.now
                self.buf["stage_change"].append(
                    (
                        cid,
                        db_time(at) if self.sqlite else at,
                        str(h.get("from", "")),
                        str(h.get("to", "")),
                        str(h.get("by", "")),
                    )
                )
            if any(rec.json.get(k) for k in JSON_ACTIVITY_KEYS):
                self.buf_json.append((cid, rec))
        else:
            self.buf["stage_change"].append((cid, self.now_db, "", stage, self.owner))

    def _index_row(self, cid: int, rec: Rec, company_id: int | None) -> None:
        """The search row of a new contact, as search._SOURCE_SQL would read it back: sub-rows
        in the order they are inserted, tags in tag id order, trashed contacts left out."""
        cols = rec.cols
        if cols.get("deleted_at") is not None:
            return
        if rec.json is not None and rec.json.get("interactions"):
            self.touched.add(cid)  # their notes are indexed: read back at the end
            return
        company = ""
        if company_id is not None:
            if company_id not in self.company_names:
                self.touched.add(cid)  # read back from the database at the end instead
                return
            company = self.company_names[company_id]
        phones = rec.fts_phones
        if phones is None:
            phones = search.phone_terms((p[0], p[1]) for p in rec.phones)
        tags = sorted({self.tag_ids[t] for t in rec.tags})
        self.buf_fts.append(
            (
                cid,
                f"{cols['display_name']} {cols.get('given_name', '')} "
                f"{cols.get('family_name', '')} {cols.get('nickname', '')}",
                " ".join(e[0] for e in rec.emails),
                phones,
                company,
                " ".join(self.tag_names[t] for t in tags),
                f"{cols.get('notes', '')} {cols.get('title', '')} {cols.get('department', '')}",
                search.activity_text(value for _, value in rec.custom),
            )
        )
