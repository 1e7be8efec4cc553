"""Campaigns on screen (before: only `pocketcrm campaign`): a new one is previewed before it
is made, then sent with a progress bar to a real SMTP server (aiosmtpd on 127.0.0.1); what
went out is read back through the core and from the server."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, TextArea
from tuihelp import NOW, build_crm, screen_text, settle

from pocketcrm.core.services.campaigns import get_campaign, list_campaigns
from pocketcrm.core.services.segments import SegmentFilters, save_segment, segment_members
from pocketcrm.tui.app import PocketCRM, make_app
from pocketcrm.tui.modals.campaign_form import CampaignForm
from pocketcrm.tui.screens.campaigns import CampaignsScreen


class Inbox:
    """Keeps every message the server accepts."""

    def __init__(self) -> None:
        self.to: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.to += list(envelope.rcpt_tos)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def mail_store(tmp_path: Path, settings: Any, smtp: tuple[Inbox, int]) -> Iterator[Any]:
    from pocketcrm.core.settings import ReminderConfig, SmtpConfig

    server = SmtpConfig(host="127.0.0.1", port=smtp[1], security="none", sender="shop@example.com")
    store = build_crm(tmp_path / "crm.db", replace(settings, reminders=ReminderConfig(smtp=server)))
    save_segment(store, "customers", SegmentFilters(stage="customer"))
    yield store
    store.close()


def app_for(store: Any) -> PocketCRM:
    return make_app(store, clock=lambda: NOW, watch_seconds=0)


async def test_preview_make_and_send_a_campaign(mail_store: Any, smtp: tuple[Inbox, int]) -> None:
    inbox, _port = smtp
    with_email = [r for r in segment_members(mail_store, "customers") if r.email]
    app = app_for(mail_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("9")
        await settle(pilot)
        assert isinstance(app.screen, CampaignsScreen)
        assert "No campaigns yet" in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CampaignForm)
        form.query_one("#segment", Input).value = "customers"
        form.query_one("#subject", Input).value = "Spring prices"
        form.query_one("#body", TextArea).text = "Hello {first_name},\n\nNew prices inside."
        await pilot.press("ctrl+s")  # the first save previews: nothing made yet
        await settle(pilot)
        assert isinstance(app.screen, CampaignForm) and list_campaigns(mail_store) == []
        assert f"{len(with_email)} email" in screen_text(app) and "Subject: Spring prices" in (
            screen_text(app)
        )
        await pilot.press("ctrl+s")  # the second makes it
        await settle(pilot)
        assert isinstance(app.screen, CampaignsScreen)
        [made] = list_campaigns(mail_store)
        assert made.pending == len(with_email) and made.sent == 0
        await pilot.press("s")
        await settle(pilot)
        assert "Send “Spring prices”" in screen_text(app)
        await pilot.press("y")
        for _ in range(200):  # batch by batch, until every one went out
            await settle(pilot)
            if app.screen.sending is None:
                break
        sent = get_campaign(mail_store, made.id)
        assert sent.sent == len(with_email) and sent.finished_at is not None
        assert sorted(inbox.to) == sorted(r.email for r in with_email)
        assert "finished" in screen_text(app) and f"{len(with_email)} sent" in screen_text(app)
