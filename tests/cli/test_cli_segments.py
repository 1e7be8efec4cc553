"""`pocketcrm segment ...`, `list --segment` and `pocketcrm campaign ...` in-process, with a
real SMTP server on 127.0.0.1 (aiosmtpd) and results read back through the core."""

from __future__ import annotations

import json
import os
import socket
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from clisupport import Run

from pocketcrm.core.services import activity, campaigns
from pocketcrm.core.store import Store


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps what it accepts."""

    messages: list[tuple[list[str], bytes]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def per_address(self) -> Counter[str]:
        return Counter(to for tos, _ in self.messages for to in tos)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    from aiosmtpd.controller import Controller

    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def configure_smtp(port: int) -> None:
    path = Path(os.environ["POCKETCRM_CONFIG"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "[reminders.smtp]\n"
        'host = "127.0.0.1"\n'
        f"port = {port}\n"
        'security = "none"\n'
        'sender = "shop@example.com"\n',
        encoding="utf-8",
    )


@pytest.fixture
def people(run: Run) -> None:
    run("add", "Ann Lee", "-e", "ann@example.com", "-t", "news", "-c", "Acme")
    run("add", "Bob Ray", "-e", "bob@example.com", "-t", "news")
    run("add", "Cy Opt", "-e", "cy@example.com", "-t", "news")
    run("add", "Dee Nomail", "-t", "news")
    run("add", "Eve Other", "-e", "eve@example.com")
    run("edit", "Cy Opt", "--email-opt-out")


def test_segment_save_list_show_rm(run: Run, people: None) -> None:
    out = run("segment", "save", "News", "--tag", "news").stdout
    assert out.strip() == "saved segment news: 4 contacts now"
    listed = json.loads(run("segment", "list", "--json").stdout)
    assert [(s["name"], s["members"], s["filters"]) for s in listed] == [
        ("news", 4, {"tag": "news"})
    ]
    shown = json.loads(run("segment", "show", "news", "--json").stdout)
    assert [r["display_name"] for r in shown] == ["Ann Lee", "Bob Ray", "Cy Opt", "Dee Nomail"]
    csv = run("segment", "show", "news", "--csv").stdout.splitlines()
    assert csv[0].startswith("id,name,company") and len(csv) == 5
    plain = run("segment", "list").stdout
    assert "news\t4\ttag=news" in plain
    run("segment", "rm", "news")
    assert json.loads(run("segment", "list", "--json").stdout) == []
    err = run("segment", "show", "news", code=3).stderr
    assert "no segment matches 'news'" in err


def test_segment_save_takes_the_list_filters(run: Run, people: None) -> None:
    run("segment", "save", "acme", "--company", "acme", "--kind", "prospect", "--stage", "lead")
    shown = json.loads(run("segment", "show", "acme", "--json").stdout)
    assert [r["display_name"] for r in shown] == ["Ann Lee"]
    run("segment", "save", "quiet", "--not-contacted-since", "30d", "--text", "eve")
    assert [
        r["display_name"] for r in json.loads(run("segment", "show", "quiet", "--json").stdout)
    ] == ["Eve Other"]
    err = run("segment", "save", "bad name", "--tag", "x", code=2).stderr
    assert "segment" in err and "dashes" in err
    run("segment", "save", "bad", "--stage", "nonsense", code=2)


def test_list_segment_combines_with_other_filters(run: Run, people: None) -> None:
    run("segment", "save", "news", "--tag", "news")
    rows = json.loads(run("list", "--segment", "news", "--json").stdout)
    assert len(rows) == 4
    rows = json.loads(run("list", "--segment", "news", "--company", "acme", "--json").stdout)
    assert [r["display_name"] for r in rows] == ["Ann Lee"]
    rows = json.loads(run("list", "--segment", "news", "--tag", "other", "--json").stdout)
    assert rows == []
    run("list", "--segment", "missing", code=3)


def test_repeated_filters_are_all_kept(run: Run, people: None) -> None:
    """Issue 17: `segment save x --tag boilers --tag trade` kept only the last tag."""
    run("add", "Fay Both", "-e", "fay@example.com", "-t", "news", "-t", "trade")
    out = run("segment", "save", "bt", "--tag", "news", "--tag", "trade").stdout
    assert out.strip() == "saved segment bt: 1 contact now"
    shown = json.loads(run("segment", "show", "bt", "--json").stdout)
    assert [r["display_name"] for r in shown] == ["Fay Both"]
    assert "bt\t1\ttag=news tag=trade" in run("segment", "list").stdout
    rows = json.loads(run("list", "--tag", "news", "--tag", "trade", "--json").stdout)
    assert [r["display_name"] for r in rows] == ["Fay Both"]
    rows = json.loads(run("list", "--company", "acme", "--company", "none", "--json").stdout)
    assert [r["display_name"] for r in rows] == ["Ann Lee"]
    run("stage", "Eve Other", "customer")
    run("segment", "save", "either", "--stage", "lead", "--stage", "customer", "--tag", "news")
    assert "stage=lead|customer" in run("segment", "list").stdout
    out = run("campaign", "new", "bt", "--subject", "Hi", "--body", "Hello", "--dry-run").stdout
    assert "segment bt: 1 contact; 1 to email, 0 skipped" in out
    assert "To: fay@example.com" in out
    for command in (("segment", "save", "--help"), ("list", "--help")):
        assert "repeat" in run(*command).stdout


def test_campaign_new_dry_run_writes_nothing(
    run: Run, people: None, core: Callable[[], Store]
) -> None:
    run("segment", "save", "news", "--tag", "news")
    out = run(
        "campaign",
        "new",
        "news",
        "--subject",
        "Hi {first_name}",
        "--body",
        "For {company}",
        "--dry-run",
    ).stdout
    assert "segment news: 4 contacts; 2 to email, 2 skipped" in out
    assert "skipped (opted out of email): 1" in out
    assert "skipped (no email address): 1" in out
    assert "To: ann@example.com\nSubject: Hi Ann\n\nFor Acme" in out
    assert campaigns.list_campaigns(core()) == []


def test_campaign_new_needs_yes_without_a_terminal(
    run: Run, people: None, core: Callable[[], Store]
) -> None:
    run("segment", "save", "news", "--tag", "news")
    err = run("campaign", "new", "news", "--subject", "Hi", "--body", "Body", code=2).stderr
    assert "pass --yes" in err
    assert campaigns.list_campaigns(core()) == []


def test_campaign_new_refuses_an_unknown_placeholder(run: Run, people: None) -> None:
    run("segment", "save", "news", "--tag", "news")
    err = run(
        "campaign",
        "new",
        "news",
        "--subject",
        "Hi",
        "--body",
        "Dear {firstname}",
        "--yes",
        code=2,
    ).stderr
    assert "unknown placeholder {firstname}" in err
    run("campaign", "new", "news", "--subject", "Hi", code=2)  # no body at all


def test_campaign_new_send_list_show(
    run: Run, people: None, inbox: tuple[Inbox, int], core: Callable[[], Store], tmp_path: Path
) -> None:
    handler, port = inbox
    configure_smtp(port)
    run("segment", "save", "news", "--tag", "news")
    body = tmp_path / "body.txt"
    body.write_text("Dear {first_name},\nour winter sale starts today.\n", encoding="utf-8")
    made = json.loads(
        run(
            "campaign",
            "new",
            "news",
            "--subject",
            "Winter sale",
            "--body-file",
            str(body),
            "--yes",
            "--json",
        ).stdout
    )
    assert (made["pending"], made["skipped"]) == (2, 2)
    cid = str(made["id"])
    out = run("campaign", "send", cid, "--limit", "1").stdout
    assert out.strip() == f"campaign {cid}: sent 1, failed 0, skipped 0; 1 left"
    out = run("campaign", "send", cid).stdout
    assert out.strip() == f"campaign {cid}: sent 1, failed 0, skipped 0; finished"
    again = json.loads(run("campaign", "send", cid, "--json").stdout)
    assert (again["sent"], again["finished"]) == (0, True)
    assert handler.per_address() == {"ann@example.com": 1, "bob@example.com": 1}
    listed = json.loads(run("campaign", "list", "--json").stdout)
    assert [(c["id"], c["sent"], c["skipped"]) for c in listed] == [(made["id"], 2, 2)]
    assert listed[0]["finished_at"] is not None
    shown = json.loads(run("campaign", "show", cid, "--json").stdout)
    assert {r["email"]: r["status"] for r in shown["recipients"]} == {
        "ann@example.com": "sent",
        "bob@example.com": "sent",
        "cy@example.com": "skipped",
        "": "skipped",
    }
    text = run("campaign", "show", cid).stdout
    assert "opted out of email" in text
    store = core()
    ann = next(r["contact_id"] for r in shown["recipients"] if r["email"] == "ann@example.com")
    assert [(i.kind, i.notes) for i in activity.contact_interactions(store, ann)] == [
        ("email", "Winter sale")
    ]


def test_campaign_send_with_the_server_down_stops_with_one_line(
    run: Run, people: None, core: Callable[[], Store]
) -> None:
    configure_smtp(free_port())  # nothing listens there
    run("segment", "save", "news", "--tag", "news")
    cid = json.loads(
        run("campaign", "new", "news", "--subject", "Hi", "--body", "B", "--yes", "--json").stdout
    )["id"]
    result = run("campaign", "send", str(cid), code=1)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "refused the connection" in lines[0] and "again to resume" in lines[0]
    assert campaigns.get_campaign(core(), cid).pending == 2
    run("campaign", "show", "999", code=3)
    run("campaign", "send", "abc", code=2)


@dataclass
class HoldingInbox(Inbox):
    """Accepts messages until `hold_at`, then keeps that one waiting for an answer."""

    hold_at: int = 3
    seen: int = 0
    held: Any = None  # a threading.Event set when the held message arrives
    release: bool = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        import asyncio

        self.seen += 1
        if self.seen == self.hold_at:
            self.held.set()
            while not self.release:
                await asyncio.sleep(0.05)
            return "451 4.3.0 the sender went away"
        return await super().handle_DATA(server, session, envelope)


def test_a_send_killed_mid_campaign_resumes_without_mailing_anyone_twice(
    run: Run, core: Callable[[], Store]
) -> None:
    """A real `pocketcrm campaign send` process is killed (SIGKILL) while the server holds
    the third message; the next send mails the other three, and each address gets one."""
    import signal
    import subprocess
    import sys
    import threading

    from aiosmtpd.controller import Controller

    names = ["ann", "bob", "cy", "dee", "eve"]
    for who in names:
        run("add", f"{who.title()} Smith", "-e", f"{who}@example.com", "-t", "news", "--yes")
    run("segment", "save", "news", "--tag", "news")
    cid = json.loads(
        run("campaign", "new", "news", "--subject", "Hi", "--body", "B", "--yes", "--json").stdout
    )["id"]
    handler = HoldingInbox(held=threading.Event())
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        configure_smtp(port)
        program = str(Path(sys.executable).parent / "pocketcrm")
        proc = subprocess.Popen(
            [program, "campaign", "send", str(cid)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            assert handler.held.wait(60), "the third message never arrived"
            proc.send_signal(signal.SIGKILL)
            proc.wait(30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            handler.release = True
        assert proc.returncode == -signal.SIGKILL
        store = core()
        after_kill = {r.email: r.status for r in campaigns.get_campaign(store, cid).recipients}
        assert after_kill == {
            "ann@example.com": "sent",
            "bob@example.com": "sent",
            "cy@example.com": "pending",
            "dee@example.com": "pending",
            "eve@example.com": "pending",
        }
        out = run("campaign", "send", str(cid)).stdout
        assert out.strip() == f"campaign {cid}: sent 3, failed 0, skipped 0; finished"
    finally:
        controller.stop()
    assert handler.per_address() == {f"{w}@example.com": 1 for w in names}
    for recipient in campaigns.get_campaign(core(), cid).recipients:
        timeline = activity.contact_interactions(core(), recipient.contact_id)
        assert [i.kind for i in timeline] == ["email"]
