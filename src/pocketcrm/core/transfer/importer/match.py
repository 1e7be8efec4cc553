"""Stage 3: match a record with a stored contact (ids, emails, name and phone)."""

from __future__ import annotations

from typing import Any

from pocketcrm.core.matching import digest, is_likely, phone_key
from pocketcrm.core.transfer import fidelity
from pocketcrm.core.transfer.importer.normalise import Rec
from pocketcrm.core.transfer.importer.report import MAX_LISTED, DuplicateHint
from pocketcrm.core.transfer.importer.state import RunState


class Matcher(RunState):
    def match(self, rec: Rec) -> tuple[int | None, str]:
        if rec.uuid and rec.uuid in self.by_uuid:
            return self.by_uuid[rec.uuid], "uuid"
        for pair in rec.external:
            if pair in self.by_external:
                return self.by_external[pair], f"{pair[0]} id"
        for email in rec.emails:
            if email[1] in self.by_email:
                return self.by_email[email[1]], f"email {email[0]}"
        key = rec.cols.get("name_key", "")
        for phone in rec.phones:
            found = self.by_name_phone.get((key, phone_key(phone[0], phone[1])))
            if found is not None:
                return found, f"name and phone {phone[0]}"
        for phone in rec.phones:  # the same phone, the name spelled otherwise (fidelity)
            found = self.by_phone.get(phone[1]) if phone[1] else None
            if found is not None and fidelity.spelling_key(
                self.name_of.get(found, "")
            ) == fidelity.spelling_key(rec.name):
                return found, f"phone {phone[0]} and the name spelled otherwise"
        if not rec.phones and not rec.emails:
            found = self.by_name_phone.get((key, ""))
            if found is not None:
                return found, "name"
        return None, ""

    def suppressed_by(self, rec: Rec) -> str:
        if not self.suppressions:
            return ""
        for email in rec.emails:
            if digest("email", email[1]) in self.suppressions:
                return f"email {email[0]} belongs to an erased person"
        for phone in rec.phones:
            key = phone_key(phone[0], phone[1])
            if key and digest("phone", key) in self.suppressions:
                return f"phone {phone[0]} belongs to an erased person"
        return ""

    def hint_duplicates(self, rec: Rec) -> None:
        if not self.had_contacts:
            return
        from pocketcrm.core.matching import match_key, name_ratio, pair_score

        best: tuple[int, tuple[str, ...], int] | None = None
        candidates: dict[int, dict[str, Any]] = {}
        for phone in rec.phones:
            if phone[1] and phone[1] in self.by_phone:
                candidates.setdefault(self.by_phone[phone[1]], {})["phone"] = phone[1]
        if self.names is not None:
            for cid, ratio in self.names.similar(rec.name)[:5]:
                candidates.setdefault(cid, {})["ratio"] = ratio
        for cid, found in candidates.items():
            if cid in self.created_ids or cid not in self.name_of:
                continue
            ratio = found.get("ratio") or name_ratio(
                match_key(rec.name), match_key(self.name_of[cid])
            )
            score, reasons = pair_score(phone=found.get("phone", ""), ratio=int(ratio))
            if score and (best is None or score > best[0]):
                best = (score, reasons, cid)
        if best is not None and is_likely(best[0]):
            self.duplicate_count += 1
            if len(self.duplicates) < MAX_LISTED:
                self.duplicates.append(
                    DuplicateHint(
                        rec.file,
                        rec.line,
                        rec.name,
                        best[2],
                        self.name_of[best[2]],
                        best[0],
                        best[1],
                    )
                )

    # -- companies --------------------------------------------------------------------------
