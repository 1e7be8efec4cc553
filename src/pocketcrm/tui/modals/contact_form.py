"""Add or edit a contact. The core's rules decide what is valid; nothing is saved until it is.

Lists (emails, phones, websites, tags) are typed comma-separated, as on the command line
(`work:ann@example.com, ann.lee@home.example`). What a contact has less often (the name's
parts, a photo, websites, custom fields, the two flags) sits in a "More" section below the
notes, folded on a new contact and open on one that has any of it. On add, a likely duplicate (same email or
phone) is shown beside the name first; saving again adds the contact anyway. An email or
phone of an erased person (the suppression list) is shown beside the emails the same way, on
add and on edit: saving again confirms it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Checkbox, Collapsible, Input, Select, Static, TextArea

from pocketcrm.tui.jobs import run_in_thread
from pocketcrm.tui.modals import pickers
from pocketcrm.tui.modals.base import FormModal
from pocketcrm.tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from pocketcrm.core.readmodels.card import ContactCard
    from pocketcrm.core.readmodels.duplicates import DuplicateCandidate
    from pocketcrm.core.services.contacts import ContactInput, ContactPatch


def split_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def split_tags(value: str) -> list[str]:
    return [part.strip() for part in value.replace(",", " ").split() if part.strip()]


def _email_text(card: ContactCard) -> str:
    return ", ".join(f"{e.label}:{e.address}" if e.label else e.address for e in card.emails)


def split_addresses(value: str) -> list[str]:
    """Addresses are typed ';'-separated (each is itself comma-separated)."""
    return [part.strip() for part in value.split(";") if part.strip()]


def _address_texts(card: ContactCard) -> list[str]:
    return [f"{a.label}:{a.one_line()}" if a.label else a.one_line() for a in card.addresses]


def _phone_text(card: ContactCard) -> str:
    return ", ".join(f"{p.label}:{p.number}" if p.label else p.number for p in card.phones)


def _embedded(photo: str) -> bool:
    return photo.startswith("data:")


def _website_texts(card: ContactCard) -> list[str]:
    return [f"{w.label}:{w.url}" if w.label else w.url for w in card.websites]


# The name's parts: the widget (named as the core's errors name the field) and the column.
NAME_PARTS = (
    ("prefix", "prefix"),
    ("given", "given_name"),
    ("middle", "additional_names"),
    ("family", "family_name"),
    ("suffix", "suffix"),
)
FLAGS = (("do-not-contact", "do_not_contact"), ("email-opt-out", "email_opt_out"))


def custom_text(custom: dict[str, str]) -> str:
    """Custom fields as typed in the form: NAME=VALUE a line; a value's further lines follow
    indented by two spaces (read back exactly by parse_custom)."""
    lines = []
    for name, value in custom.items():
        first, *rest = value.split("\n")
        lines += [f"{name}={first}", *(f"  {more}" for more in rest)]
    return "\n".join(lines)


def parse_custom(text: str) -> dict[str, str]:
    """The custom fields typed in the form (see custom_text); blank lines are skipped."""
    from pocketcrm.core.errors import Invalid

    custom: dict[str, str] = {}
    name = ""
    for number, line in enumerate(text.split("\n"), start=1):
        if line.startswith((" ", "\t")) and name:
            custom[name] += "\n" + (line[2:] if line.startswith("  ") else line[1:])
            continue
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        if not sep:
            raise Invalid("custom", f"line {number} {line.strip()!r} is not NAME=VALUE")
        name = name.strip()
        custom[name] = value
    return custom


@dataclass(frozen=True)
class Suppressed:
    """Not saved yet: these emails or phones belong to an erased person."""

    field: str  # "email" or "phone"
    values: frozenset[str]
    message: str


def _suppressed(
    store: Any, emails: list[str], phones: list[str], confirmed: frozenset[str]
) -> Suppressed | None:
    """The erased people's emails and phones among these, unless all were confirmed."""
    from pocketcrm.core.services.contacts import suppressed_matches

    found = suppressed_matches(store, emails, phones)
    values = frozenset(f.value for f in found)
    if not found or values <= confirmed:
        return None
    message = "; ".join(str(f) for f in found) + ". Save again to keep it anyway."
    return Suppressed(found[0].field, values, message)


@dataclass(frozen=True)
class Duplicates:
    """Not saved yet: these contacts look like the same person."""

    candidates: tuple[DuplicateCandidate, ...]


class ContactForm(FormModal[int]):
    """New contact (contact_id None) or edit one; the result is the contact's id."""

    FIELD_FOR: ClassVar[dict[str, str]] = {
        "email": "emails",
        "phone": "phones",
        "tag": "tags",
        "address": "addresses",
        "website": "websites",
        "field": "custom",
    }

    def __init__(self, contact_id: int | None) -> None:
        super().__init__()
        self.contact_id = contact_id
        self.card: ContactCard | None = None
        self.duplicates_seen = False
        self.suppressed_confirmed: frozenset[str] = frozenset()
        self.opened_by_fill = False  # "More" opened as the stored contact loaded

    def compose(self) -> ComposeResult:
        stages = self.settings.stages
        with Vertical(classes="form-box wide-form"):
            title = "New contact" if self.contact_id is None else "Edit contact"
            yield Static(title, classes="form-title", id="form-title")
            with VerticalScroll(classes="form-fields"):
                yield from self.field(
                    "name", "Name", Input(id="name", placeholder="Ann Lee", compact=True)
                )
                yield from self.field(
                    "emails",
                    "Emails (comma-separated, label:address allowed)",
                    Input(id="emails", placeholder="work:ann@example.com", compact=True),
                )
                yield from self.field(
                    "phones",
                    "Phones",
                    Input(id="phones", placeholder="mobile:+44 20 7946 0000", compact=True),
                )
                yield from self.field(
                    "company", "Company (a new name creates it)", Input(id="company", compact=True)
                )
                yield from self.field("title", "Title", Input(id="title", compact=True))
                yield from self.field(
                    "department", "Department", Input(id="department", compact=True)
                )
                yield from self.field("nickname", "Nickname", Input(id="nickname", compact=True))
                yield from self.field(
                    "stage",
                    "Stage",
                    Select(
                        [(s.replace("_", " "), s) for s in stages],
                        value=stages[0],
                        allow_blank=False,
                        id="stage",
                        compact=True,
                    ),
                )
                yield from self.field(
                    "tags",
                    "Tags (space or comma separated)",
                    Input(id="tags", placeholder="vip", compact=True),
                )
                yield from self.field("owner", "Owner", Input(id="owner", compact=True))
                yield from self.field(
                    "source", "Source (where they came from)", Input(id="source", compact=True)
                )
                yield from self.field(
                    "birthday",
                    "Birthday",
                    Input(id="birthday", placeholder="1985-03-14 or --03-14", compact=True),
                )
                yield from self.field(
                    "anniversary",
                    "Anniversary",
                    Input(id="anniversary", placeholder="2010-06-12 or --06-12", compact=True),
                )
                yield from self.field(
                    "addresses",
                    "Postal addresses (';' between them)",
                    Input(
                        id="addresses",
                        placeholder="home:Street 1, City, Postcode, Country",
                        compact=True,
                    ),
                )
                yield from self.field(
                    "notes", "Notes", TextArea(id="notes", soft_wrap=True, compact=True)
                )
                yield from self.compose_more()
            yield from self.buttons("Add" if self.contact_id is None else "Save")
        yield KeyFooter()

    def compose_more(self) -> ComposeResult:
        """The fields a contact has less often, folded away until wanted."""
        with Collapsible(
            title="More: name parts, photo, websites, custom fields, flags", id="more"
        ):
            with Horizontal(classes="field-row"):
                for widget_id, label, hint in (
                    ("prefix", "Prefix", "Dr."),
                    ("given", "Given name", ""),
                    ("middle", "Middle", ""),
                ):
                    with Vertical():
                        yield from self.field(
                            widget_id, label, Input(id=widget_id, placeholder=hint, compact=True)
                        )
            with Horizontal(classes="field-row"):
                for widget_id, label, hint in (
                    ("family", "Family name", ""),
                    ("suffix", "Suffix", "Jr."),
                ):
                    with Vertical():
                        yield from self.field(
                            widget_id, label, Input(id=widget_id, placeholder=hint, compact=True)
                        )
            yield from self.field(
                "websites",
                "Websites (comma-separated, label:address allowed)",
                Input(id="websites", placeholder="blog:ann.example.com", compact=True),
            )
            yield from self.field(
                "photo",
                "Photo (an image file, kept in the database; an https:// address; a data: URI)",
                Input(id="photo", placeholder="~/Pictures/ann.jpg", compact=True),
            )
            yield Static("", id="photo-hint", classes="field-hint")
            yield Checkbox("Remove the embedded photo", id="photo-remove", compact=True)
            yield from self.field(
                "custom",
                "Custom fields (NAME=VALUE, one a line)",
                TextArea(id="custom", soft_wrap=True, compact=True),
            )
            yield Checkbox("Do not contact", id="do-not-contact", compact=True)
            yield Checkbox("No marketing email (opted out)", id="email-opt-out", compact=True)

    def typed_values(self) -> tuple[object, ...]:
        """The fields and the check boxes (esc asks first once any changed)."""
        return (*super().typed_values(), *(box.value for box in self.query(Checkbox)))

    def show_error(self, field: str, message: str, *, focus: bool = True) -> None:
        """An error about a field in "More" unfolds it first."""
        more = self.query_one("#more", Collapsible)
        if more.query(f"#{self.FIELD_FOR.get(field, field)}"):
            more.collapsed = False
        super().show_error(field, message, focus=focus)

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()
        self.query_one("#photo-remove", Checkbox).display = False
        pickers.offer(self, people="owner")  # the owner completes users' logins and names
        if self.contact_id is None:
            self.query_one("#owner", Input).value = self.settings.owner
            return
        store, contact_id = self.store, self.contact_id
        if store is None:
            return
        for widget in self.query("Input, Select, TextArea, Checkbox"):
            widget.disabled = True

        def job() -> ContactCard:
            from pocketcrm.core.services.contacts import get_card_by_id

            return get_card_by_id(store, contact_id, interactions=0)

        run_in_thread(self, job, self.fill, group="form-load", failed=self.fail)

    def fill(self, card: ContactCard) -> None:
        """Put the stored values in the fields (edit)."""
        self.card = card
        for widget in self.query("Input, Select, TextArea, Checkbox"):
            widget.disabled = False
        values = {
            "name": card.display_name,
            "emails": _email_text(card),
            "phones": _phone_text(card),
            "company": card.company.name if card.company else "",
            "title": card.title,
            "department": card.department,
            "nickname": card.nickname,
            "source": card.source,
            "tags": " ".join(card.tags),
            "owner": card.owner,
            "birthday": card.birthday,
            "anniversary": card.anniversary,
            "addresses": "; ".join(_address_texts(card)),
        }
        for widget_id, value in values.items():
            self.query_one(f"#{widget_id}", Input).value = value
        stage = self.query_one("#stage", Select)
        if card.stage in self.settings.stages:
            stage.value = card.stage
        else:  # a stage no longer configured stays selectable for this contact
            stage.set_options(
                [(s.replace("_", " "), s) for s in [*self.settings.stages, card.stage]]
            )
            stage.value = card.stage
        self.query_one("#notes", TextArea).text = card.notes
        self.fill_more(card)
        self.query_one("#form-title", Static).update(f"Edit {card.display_name}")
        self.query_one("#name", Input).focus()

    def fill_more(self, card: ContactCard) -> None:
        """The "More" fields of a stored contact; the section opens when any holds something."""
        from pocketcrm.core.photo import describe

        values = {widget_id: getattr(card, column) for widget_id, column in NAME_PARTS}
        values["websites"] = ", ".join(_website_texts(card))
        # An embedded image stays out of the field (a large one would slow every key): the
        # field is then for a replacement, and a box removes it.
        embedded = _embedded(card.photo)
        values["photo"] = "" if embedded else card.photo
        for widget_id, value in values.items():
            self.query_one(f"#{widget_id}", Input).value = value
        if embedded:
            self.query_one("#photo", Input).placeholder = "a file or address replaces it"
            self.query_one("#photo-hint", Static).update(f"kept: {describe(card.photo)}")
            self.query_one("#photo-remove", Checkbox).display = True
        self.query_one("#custom", TextArea).text = custom_text(card.custom)
        for widget_id, column in FLAGS:
            self.query_one(f"#{widget_id}", Checkbox).value = getattr(card, column)
        shown = [*values.values(), card.photo, card.custom, card.do_not_contact, card.email_opt_out]
        self.query_one("#more", Collapsible).collapsed = not any(shown)
        self.opened_by_fill = any(shown)

    @on(Collapsible.Expanded, "#more")
    def _more_expanded(self) -> None:
        """Opened by fill_more, "More" scrolls itself into view after the next refresh and
        hid the name, where the cursor is: back to the top once it has."""
        if not self.opened_by_fill:
            return  # opened by hand: showing it is right
        self.opened_by_fill = False
        fields = self.query_one(".form-fields", VerticalScroll)
        self.call_after_refresh(
            lambda: self.call_after_refresh(lambda: fields.scroll_home(animate=False))
        )

    # -- saving -----------------------------------------------------------------------------

    def _typed(self) -> dict[str, Any]:
        stage = self.query_one("#stage", Select).value
        return {
            "name": self.value("name"),
            "emails": split_list(self.value("emails")),
            "phones": split_list(self.value("phones")),
            "company": self.value("company").strip(),
            "title": self.value("title").strip(),
            "department": self.value("department").strip(),
            "nickname": self.value("nickname").strip(),
            "source": self.value("source").strip(),
            "stage": stage if isinstance(stage, str) else "",
            "tags": split_tags(self.value("tags")),
            "owner": self.value("owner").strip(),
            "birthday": self.value("birthday").strip(),
            "anniversary": self.value("anniversary").strip(),
            "addresses": split_addresses(self.value("addresses")),
            "notes": self.query_one("#notes", TextArea).text,
            **{column: self.value(widget_id).strip() for widget_id, column in NAME_PARTS},
            "websites": split_list(self.value("websites")),
            "photo": self._photo(),
            "custom": self._custom(),
            **{column: self.query_one(f"#{i}", Checkbox).value for i, column in FLAGS},
        }

    def _custom(self) -> dict[str, str]:
        """The custom fields typed; the stored ones exactly when their text was left alone
        (a name an import kept, such as one holding '=', is then not re-read)."""
        typed = self.query_one("#custom", TextArea).text
        if self.card is not None and typed == custom_text(self.card.custom):
            return dict(self.card.custom)
        return parse_custom(typed)

    def _photo(self) -> str:
        """The photo typed; an embedded one left alone is kept unless its box is checked."""
        typed = self.value("photo").strip()
        kept = self.card.photo if self.card is not None and _embedded(self.card.photo) else ""
        if typed or not kept or self.query_one("#photo-remove", Checkbox).value:
            return typed
        return kept

    def validate(self) -> Callable[[], Any] | None:
        from pocketcrm.core.services.contacts import ContactInput, input_problems

        store = self.store
        if store is None:
            self.show_error("form", "the database is not open yet")
            return None
        typed = self._typed()
        shown = self.card.owner if self.card is not None else self.settings.owner
        if typed["owner"] != shown.strip():  # a new owner must be a user (login or name)
            from pocketcrm.core.services.users import resolve_owner

            typed["owner"] = resolve_owner(store, typed["owner"])
        data = ContactInput(**typed)
        if self.card is not None:
            _leave_out_kept(data, self.card)
        problems = input_problems(data, store.settings)
        if problems:
            self.show_errors(problems)
            return None
        if self.contact_id is None:
            return self._add_job(store, data)
        if self.card is None:
            self.show_error("form", "still loading the contact; try again in a moment")
            return None
        return self._edit_job(store, self.card, typed)

    def _add_job(self, store: Any, data: Any) -> Callable[[], Any]:
        check = not self.duplicates_seen
        confirmed = self.suppressed_confirmed

        def job() -> int | Duplicates | Suppressed:
            from pocketcrm.core.matching import is_likely
            from pocketcrm.core.services.contacts import create_contact, likely_duplicates

            erased = _suppressed(store, data.emails, data.phones, confirmed)
            if erased is not None:
                return erased
            if check:
                found = [
                    d
                    for d in likely_duplicates(
                        store, data.name, data.emails, data.phones, company=data.company
                    )
                    if is_likely(d.score)
                ]
                if found:
                    return Duplicates(tuple(found))
            return create_contact(store, data, allow_suppressed=True).id

        return job

    def _edit_job(self, store: Any, card: ContactCard, typed: dict[str, Any]) -> Callable[[], Any]:
        from pocketcrm.core.services.contacts import ContactPatch
        from pocketcrm.core.validate import split_label

        patch = ContactPatch()
        if typed["name"].strip() != card.display_name:
            patch.name = typed["name"]
        if typed["company"] != (card.company.name if card.company else ""):
            patch.company = typed["company"]
        for attr in ("title", "owner", "department", "nickname", "source"):
            if typed[attr] != getattr(card, attr):
                setattr(patch, attr, typed[attr])
        if typed["birthday"] != card.birthday:
            patch.birthday = typed["birthday"]
        if typed["anniversary"] != card.anniversary:
            patch.anniversary = typed["anniversary"]
        old_addresses = dict(zip(_address_texts(card), card.addresses, strict=True))
        patch.add_addresses = [a for a in typed["addresses"] if a not in old_addresses]
        patch.remove_addresses = [
            view.one_line()
            for text, view in old_addresses.items()
            if text not in typed["addresses"]
        ]
        if typed["notes"].strip() != card.notes:
            patch.notes = typed["notes"]
        _change_more(patch, card, typed)
        old_emails = {e.address.lower() for e in card.emails}
        new_emails = {split_label(v)[1].lower(): v for v in typed["emails"]}
        patch.add_emails = [v for key, v in new_emails.items() if key not in old_emails]
        patch.remove_emails = [
            e.address for e in card.emails if e.address.lower() not in new_emails
        ]
        old_phones = {p.number for p in card.phones}
        new_phones = {" ".join(split_label(v)[1].split()): v for v in typed["phones"]}
        patch.add_phones = [v for key, v in new_phones.items() if key not in old_phones]
        patch.remove_phones = [p.number for p in card.phones if p.number not in new_phones]
        from pocketcrm.core import validate

        tags = {validate.tag(t) for t in typed["tags"]}
        add_tags = sorted(tags - set(card.tags))
        remove_tags = sorted(set(card.tags) - tags)
        stage = typed["stage"] if typed["stage"] and typed["stage"] != card.stage else ""
        ref = f"#{card.id}"
        confirmed = self.suppressed_confirmed

        def job() -> int | Suppressed:
            from pocketcrm.core.services import contacts

            erased = _suppressed(store, patch.add_emails, patch.add_phones, confirmed)
            if erased is not None:
                return erased
            contacts.update_contact(store, ref, patch, allow_suppressed=True)
            if add_tags or remove_tags:
                contacts.change_tags(store, ref, add_tags, remove_tags)
            if stage:
                contacts.set_stage(store, ref, stage, by=store.settings.owner)
            return card.id

        return job

    def saved(self, result: Any) -> None:
        if isinstance(result, Suppressed):
            self.suppressed_confirmed = self.suppressed_confirmed | result.values
            self.show_error(result.field, result.message)
            return
        if isinstance(result, Duplicates):
            self.duplicates_seen = True
            shown = "; ".join(
                f"#{d.id} {d.display_name} ({', '.join(d.reasons)})" for d in result.candidates[:3]
            )
            self.show_error("name", f"looks like {shown}. Save again to add anyway.")
            return
        self.dismiss(result)


def _leave_out_kept(data: ContactInput, card: ContactCard) -> None:
    """DATA without the "More" values kept as stored, so they are not checked again: an
    import may have stored what typing would not (a photo of an unknown type, a custom
    field's odd name, a website without a dot)."""
    for _, column in NAME_PARTS:
        if getattr(data, column) == getattr(card, column):
            setattr(data, column, "")
    if data.photo == card.photo:
        data.photo = ""
    data.websites = [w for w in data.websites if w not in _website_texts(card)]
    data.custom = {k: v for k, v in data.custom.items() if card.custom.get(k) != v}


def _change_more(patch: ContactPatch, card: ContactCard, typed: dict[str, Any]) -> None:
    """What changed in "More": the name's parts, the photo, websites, custom fields, flags."""
    for _, column in NAME_PARTS:
        if typed[column] != getattr(card, column):
            setattr(patch, column, typed[column])
    if typed["photo"] != card.photo:
        patch.photo = typed["photo"]
    old_sites = dict(zip(_website_texts(card), card.websites, strict=True))
    patch.add_websites = [w for w in typed["websites"] if w not in old_sites]
    patch.remove_websites = [
        view.url for text, view in old_sites.items() if text not in typed["websites"]
    ]
    custom: dict[str, str] = typed["custom"]
    patch.set_custom = {k: v for k, v in custom.items() if card.custom.get(k) != v}
    patch.remove_custom = [k for k in card.custom if k not in custom]
    for _, column in FLAGS:
        if typed[column] != getattr(card, column):
            setattr(patch, column, typed[column])
