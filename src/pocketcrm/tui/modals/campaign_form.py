"""A new campaign: a segment, a subject and a text; saved in two steps, the first of which
only previews (how many get it, how many are skipped and why, the first email filled in),
so nothing is made before the person has seen what goes out. Any change after the preview
previews again."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Button, Input, Static, TextArea

from pocketcrm import humanize
from pocketcrm.tui.modals.base import FormModal
from pocketcrm.tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from pocketcrm.core.services.campaigns import CampaignPreview


def preview_text(preview: CampaignPreview) -> Text:
    """What the preview says: who gets it and the first email as it will read."""
    text = Text()
    text.append(f"{humanize.count(preview.to_send, 'email')} to send", style="bold")
    text.append(f" of {humanize.count(preview.members, 'member')} of {preview.segment}")
    if preview.skipped:
        reasons = ", ".join(f"{n} {why}" for why, n in preview.skipped_reasons.items())
        text.append(f"; {preview.skipped} skipped ({reasons})", style="yellow")
    text.append("\n")
    if preview.first is not None:
        text.append(f"To: {preview.first.to}\nSubject: {preview.first.subject}\n", style="dim")
        text.append(preview.first.body.strip()[:400] + "\n")
    text.append("ctrl+s again makes the campaign; s on the list sends it.", style="dim")
    return text


class CampaignForm(FormModal[Any]):
    """The result is the new CampaignView."""

    PLACEHOLDER = "Hello {first_name},\n\n"

    def __init__(self) -> None:
        super().__init__()
        self.previewed: tuple[object, ...] | None = None  # the fields the preview was of

    def compose(self) -> ComposeResult:
        with Vertical(classes="form-box wide-form"):
            yield Static("New campaign", classes="form-title")
            with VerticalScroll(classes="form-fields"):
                yield from self.field(
                    "segment",
                    "Segment",
                    Input(id="segment", placeholder="vip-leads (o on the contacts)", compact=True),
                )
                yield from self.field(
                    "subject",
                    "Subject",
                    Input(id="subject", placeholder="Our spring prices", compact=True),
                )
                yield from self.field(
                    "body",
                    "Text ({first_name}, {name}, {company} are filled in)",
                    TextArea(self.PLACEHOLDER, id="body", soft_wrap=True, compact=True),
                )
                yield Static("", id="campaign-preview")
            yield from self.buttons("Preview")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#segment", Input).focus()

    def saved(self, result: Any) -> None:
        """The first save previews; the form stays open until the second."""
        from pocketcrm.core.services.campaigns import CampaignPreview

        if isinstance(result, CampaignPreview):
            self.previewed = self.typed_values()
            self.query_one("#campaign-preview", Static).update(preview_text(result))
            self.query_one("#save", Button).label = "Make campaign"
            return
        self.dismiss(result)

    def validate(self) -> Callable[[], Any] | None:
        from pocketcrm.core.services.campaigns import create_campaign, preview_campaign

        store = self.store
        if store is None:
            self.show_error("form", "the database is not open yet")
            return None
        segment, subject = self.value("segment").strip(), self.value("subject")
        body = self.query_one("#body", TextArea).text
        if not segment:
            self.show_error("segment", "say which segment gets it (o on the contacts opens one)")
            return None
        if self.previewed == self.typed_values():
            return lambda: create_campaign(store, segment, subject, body)
        return lambda: preview_campaign(store, segment, subject, body)
