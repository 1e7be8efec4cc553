"""`mail fetch` against a Maildir and an mbox written by the test and a real Dovecot IMAP
server: messages land on the right contacts and cases once, strangers and broken messages
are set aside with a reason, and a second fetch adds nothing (SQLite and PostgreSQL)."""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

import imapserver
from pocketcrm.core.errors import Invalid
from pocketcrm.core.mail import intake
from pocketcrm.core.mail.sources import MailFailed
from pocketcrm.core.services import case_views, cases, contacts
from pocketcrm.core.services.contacts import ContactInput
from pocketcrm.core.store import Store


def message(
    sender: str,
    to: str,
    subject: str,
    body: str = "Hello.",
    *,
    mid: str = "",
    refs: str = "",
    extra: str = "",
) -> bytes:
    lines = [f"From: {sender}", f"To: {to}", f"Subject: {subject}"]
    lines += [f"Message-ID: <{mid}>"] if mid else []
    lines += [f"References: {refs}"] if refs else []
    lines += ["Date: Tue, 01 Dec 2026 08:30:00 +0000"] + ([extra] if extra else [])
    return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode()


def maildir(tmp_path: Path, *raws: bytes) -> Path:
    box = tmp_path / "Mail"
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True, exist_ok=True)
    start = len(list((box / "new").iterdir()))
    for i, raw in enumerate(raws, start):
        (box / "new" / f"{1796000000 + i}.M{i}P1.host").write_bytes(raw)
    return box


@pytest.fixture
def people(store: Store) -> dict[str, int]:
    store.settings.mail.addresses = ["me@shop.example.com"]
    store.settings.service.support_address = "help@shop.example.com"
    return {
        "ann": contacts.create_contact(
            store, ContactInput(name="Ann Lee", emails=["ann@example.com"])
        ).id,
        "bob": contacts.create_contact(
            store, ContactInput(name="Bob Ray", emails=["Bob@Example.com"])
        ).id,
    }


def emails(store: Store, contact_id: int) -> list[tuple[str, str]]:
    with store.read() as session:
        rows = session.execute(
            text(
                "SELECT direction, notes FROM interaction WHERE contact_id = :c AND kind = 'email'"
                " ORDER BY id"
            ),
            {"c": contact_id},
        ).all()
    return [(str(d), str(n).split("\n")[0]) for d, n in rows]


def test_messages_land_on_contacts_once(
    store: Store, people: dict[str, int], tmp_path: Path
) -> None:
    box = maildir(
        tmp_path,
        message("Ann Lee <ann@example.com>", "me@shop.example.com", "Order", mid="1@x"),
        message("me@shop.example.com", "bob@example.com, ann@example.com", "Offer", mid="2@x"),
        message("stranger@else.com", "me@shop.example.com", "Spam", mid="3@x"),
    )
    report = intake.fetch(store, str(box))
    assert report.read == 3 and dict(report.outcomes) == {"logged": 2, "skipped": 1}
    assert emails(store, people["ann"]) == [("in", "Order"), ("out", "Offer")]
    assert emails(store, people["bob"]) == [("out", "Offer")]
    again = intake.fetch(store, str(box))
    assert again.already == 3 and not again.outcomes
    assert len(emails(store, people["ann"])) == 2
    assert contacts.get_card(store, "ann").last_contact_at is not None


def test_a_malformed_message_is_kept_aside_and_the_rest_goes_on(
    store: Store, people: dict[str, int], tmp_path: Path
) -> None:
    box = maildir(
        tmp_path,
        b"this is not an email at all",
        message("Nobody", "me@shop.example.com", "No address", mid="n@x"),
        message("ann@example.com", "me@shop.example.com", "Fine", mid="f@x"),
    )
    report = intake.fetch(store, str(box))
    assert report.outcomes["malformed"] == 2 and report.outcomes["logged"] == 1
    reasons = sorted(r[3] for r in intake.review(store))
    assert reasons == ["no headers", "no sender address in From"]
    assert intake.fetch(store, str(box)).already == 3


def test_replies_join_their_case_by_subject_or_references(
    store: Store, people: dict[str, int], tmp_path: Path
) -> None:
    made = cases.open_case(store, "ann", cases.CaseInput("Oven broken"))
    cases.set_status(store, made.number, "waiting")
    with store.write() as session:
        cases.event(session, made.id, "reply", "me", message_id="<r1@shop>")
    box = maildir(
        tmp_path,
        message("ann@example.com", "me@shop.example.com", f"Re: [{made.number}] Oven", "Still smokes.\n> old", mid="c1@x"),
        message("ann@example.com", "me@shop.example.com", "Re: your message", "Photo attached", mid="c2@x", refs="<r1@shop>"),
        message("me@shop.example.com", "ann@example.com", f"Re: [{made.number}]", "On our way", mid="c3@x"),
    )  # fmt: skip
    report = intake.fetch(store, str(box))
    assert report.outcomes["case"] == 3
    steps = [(s.kind, s.body) for s in case_views.timeline(store, made.number)]
    assert ("inbound", "Still smokes.") in steps and ("inbound", "Photo attached") in steps
    assert ("reply", "On our way") in steps
    after = case_views.get_case(store, made.number)
    assert after.status == "open" and after.first_response_at is not None


def test_support_mail_opens_cases_and_strangers_go_to_review_or_leads(
    store: Store, people: dict[str, int], tmp_path: Path
) -> None:
    box = maildir(
        tmp_path,
        message("Bob Ray <bob@example.com>", "help@shop.example.com", "Printer jams", "Since Monday.", mid="s1@x"),
        message("Zed <zed@new.example.com>", "help@shop.example.com", "Who are you?", mid="s2@x"),
    )  # fmt: skip
    report = intake.fetch(store, str(box))
    assert report.outcomes["opened"] == 1 and report.outcomes["review"] == 1
    [opened] = case_views.list_cases(store)
    assert (opened.subject, opened.contact_id, opened.channel) == (
        "Printer jams",
        people["bob"],
        "email",
    )
    assert opened.description == "Since Monday."
    store.settings.mail.unknown_sender = "lead"
    more = maildir(
        tmp_path,
        message("Zoe <zoe@new.example.com>", "help@shop.example.com", "Price?", mid="s3@x"),
    )
    assert intake.fetch(store, str(more)).outcomes["lead"] == 1
    lead = contacts.get_card(store, "zoe@new.example.com")
    assert lead.display_name == "Zoe" and lead.stage == "lead"
    assert [c.subject for c in case_views.list_cases(store, contact_ref="zoe@new.example.com")] == [
        "Price?"
    ]


def test_unsubscribe_reply_opts_the_contact_out(
    store: Store, people: dict[str, int], tmp_path: Path
) -> None:
    store.settings.mail.unsubscribe_address = "unsubscribe@shop.example.com"
    box = maildir(
        tmp_path,
        message("bob@example.com", "unsubscribe@shop.example.com", "unsubscribe", mid="u@x"),
    )
    assert intake.fetch(store, str(box)).outcomes["unsubscribed"] == 1
    assert contacts.get_card(store, "bob").email_opt_out


def test_satisfaction_reply_is_recorded(
    store: Store, people: dict[str, int], tmp_path: Path
) -> None:
    made = cases.open_case(store, "ann", cases.CaseInput("Oven"))
    cases.close_case(store, made.number, force=True, survey=False)
    with store.write() as session:
        session.execute(text("UPDATE support_case SET survey_sent_at = created_at"))
    box = maildir(
        tmp_path,
        message(
            "ann@example.com",
            "help@shop.example.com",
            f"Re: [{made.number}] How did we do?",
            "4 - quick and kind\n\n> How satisfied",
            mid="q@x",
        ),
    )
    assert intake.fetch(store, str(box)).outcomes["survey"] == 1
    after = case_views.get_case(store, made.number)
    assert (after.satisfaction, after.satisfaction_comment) == (4, "quick and kind")
    with store.read() as session:
        rated = (
            session.execute(
                text("SELECT satisfaction FROM interaction WHERE satisfaction IS NOT NULL")
            )
            .scalars()
            .all()
        )
    assert rated == [4]


def test_sent_folder_and_bcc_are_outgoing(
    store: Store, people: dict[str, int], tmp_path: Path
) -> None:
    store.settings.mail.bcc_address = "log@shop.example.com"
    sent = maildir(
        tmp_path / "sent",
        message("owner@home.example.com", "ann@example.com", "From my phone", mid="o1@x"),
    )
    intake.fetch(store, str(sent), sent=True)
    bcc = maildir(
        tmp_path / "bcc",
        message(
            "me@shop.example.com",
            "bob@example.com",
            "Quote",
            mid="o2@x",
            extra="Bcc: log@shop.example.com",
        ),
    )
    intake.fetch(store, str(bcc))
    assert emails(store, people["ann"]) == [("out", "From my phone")]
    assert emails(store, people["bob"]) == [("out", "Quote")]


def test_mbox_and_a_message_without_message_id(
    store: Store, people: dict[str, int], tmp_path: Path
) -> None:
    path = tmp_path / "inbox.mbox"
    box = mailbox.mbox(str(path))
    box.add(message("ann@example.com", "me@shop.example.com", "No id here"))
    box.add(message("bob@example.com", "me@shop.example.com", "Has id", mid="m@x"))
    box.close()
    assert intake.fetch(store, str(path)).outcomes["logged"] == 2
    assert intake.fetch(store, str(path)).already == 2


def test_a_source_that_is_not_there(store: Store, tmp_path: Path) -> None:
    with pytest.raises(Invalid, match="does not exist"):
        intake.fetch(store, str(tmp_path / "nope"))
    with pytest.raises(Invalid, match="source"):
        intake.fetch(store, "")


@pytest.fixture(scope="module")
def imap() -> Iterator[imapserver.Dovecot]:
    reason = imapserver.unavailable()
    if reason:
        pytest.skip(reason)
    server = imapserver.Dovecot().start()
    yield server
    server.stop()


def _imap_settings(
    store: Store, server: imapserver.Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    mail = store.settings.mail
    mail.imap_host, mail.imap_port, mail.imap_security = "127.0.0.1", server.port, "none"
    mail.imap_user, mail.source = imapserver.USER, "imap"
    monkeypatch.setenv(mail.password_env, imapserver.PASSWORD)


def test_imap_fetch_once_and_resume_after_the_last_uid(
    store: Store, people: dict[str, int], imap: imapserver.Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = f"T{store.settings.owner}{id(store)}"
    _imap_settings(store, imap, monkeypatch)
    imap.append(
        folder, message("ann@example.com", "me@shop.example.com", "Via IMAP", mid=f"i1{folder}@x")
    )
    first = intake.fetch(store, f"imap:{folder}")
    assert first.outcomes["logged"] == 1 and first.source.endswith(folder)
    imap.append(
        folder, message("bob@example.com", "me@shop.example.com", "Second", mid=f"i2{folder}@x")
    )
    second = intake.fetch(store, f"imap:{folder}")
    assert second.read == 1 and second.outcomes["logged"] == 1  # only what is new on the server
    assert emails(store, people["bob"]) == [("in", "Second")]


def test_imap_login_failure_writes_nothing(
    store: Store, people: dict[str, int], imap: imapserver.Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    _imap_settings(store, imap, monkeypatch)
    monkeypatch.setenv(store.settings.mail.password_env, "wrong")
    with pytest.raises(MailFailed, match="login") as caught:
        intake.fetch(store)
    assert caught.value.exit_code == 1 and "\n" not in str(caught.value)
    with store.read() as session:
        assert session.execute(text("SELECT count(*) FROM mail_message")).scalar() == 0


def test_a_reply_to_the_campaign_sender_saying_unsubscribe_opts_out(
    store: Store, people: dict[str, int], tmp_path: Path
) -> None:
    """Without a dedicated address, List-Unsubscribe is the sender with subject unsubscribe."""
    store.settings.reminders.smtp.sender = "news@shop.example.com"
    box = maildir(
        tmp_path,
        message("ann@example.com", "news@shop.example.com", "Re: our news", mid="k1@x"),
        message("bob@example.com", "news@shop.example.com", "Unsubscribe", mid="k2@x"),
    )
    assert dict(intake.fetch(store, str(box)).outcomes) == {"logged": 1, "unsubscribed": 1}
    assert contacts.get_card(store, "bob").email_opt_out
    assert not contacts.get_card(store, "ann").email_opt_out


def test_imap_sent_folder_is_outgoing(
    store: Store, people: dict[str, int], imap: imapserver.Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    _imap_settings(store, imap, monkeypatch)
    folder = f"Sent{id(store)}"
    store.settings.mail.sent = folder
    imap.append(
        folder,
        message(
            "owner@phone.example.com", "bob@example.com", "Sent from phone", mid=f"s{folder}@x"
        ),
    )
    assert intake.fetch(store, sent=True).outcomes["logged"] == 1
    assert emails(store, people["bob"]) == [("out", "Sent from phone")]


def test_a_message_a_rule_refuses_leaves_nothing_of_itself(
    store: Store, people: dict[str, int], tmp_path: Path
) -> None:
    """Support mail whose subject cannot name a case (a control character): its interaction,
    written before the case was refused, is rolled back with it (the rule's savepoint); the
    message is kept aside with the reason and the next one is filed."""
    box = maildir(
        tmp_path,
        message("ann@example.com", "help@shop.example.com", "=?utf-8?q?Oven=07?=", mid="b@x"),
        message("ann@example.com", "me@shop.example.com", "Fine", mid="f@x"),
    )
    report = intake.fetch(store, str(box))
    assert (report.outcomes["malformed"], report.outcomes["logged"]) == (1, 1)
    assert "control character" in report.problems[0]
    assert emails(store, people["ann"]) == [("in", "Fine")]
    assert case_views.list_cases(store) == []
    assert "control character" in intake.review(store)[0][3]
    assert intake.fetch(store, str(box)).already == 2


def test_mail_on_the_case_of_a_contact_without_an_address_keeps_their_company(
    store: Store, people: dict[str, int], tmp_path: Path
) -> None:
    cy = contacts.create_contact(store, ContactInput(name="Cy Young", company="Young Bakery"))
    made = cases.open_case(store, f"#{cy.id}", cases.CaseInput("Oven"))
    box = maildir(
        tmp_path,
        message("cy.home@example.net", "me@shop.example.com", f"Re: [{made.number}]", mid="c@x"),
    )
    assert intake.fetch(store, str(box)).outcomes["case"] == 1
    with store.read() as session:
        company = session.execute(
            text("SELECT company_id FROM interaction WHERE contact_id = :c"), {"c": cy.id}
        ).scalar()
        theirs = session.execute(
            text("SELECT company_id FROM contact WHERE id = :c"), {"c": cy.id}
        ).scalar()
    assert company is not None and company == theirs
