"""Campaigns against a real SMTP server on 127.0.0.1: recipients fixed at creation, skips
with reasons, personalisation, and above all nobody mailed twice however a send is cut short.

Runs on SQLite and PostgreSQL (the store fixture); the clock is fixed at Tue 1 Dec 2026.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from coresupport import NOW, FixedClock
from smtp_kit import Recorder, Server, start
from sqlalchemy import text

from pocketcrm.core.errors import Invalid, NotFound
from pocketcrm.core.services import activity, campaigns, contacts, segments
from pocketcrm.core.services.contacts import ContactInput, ContactPatch
from pocketcrm.core.services.segments import SegmentFilters
from pocketcrm.core.store import Store
from pocketcrm.core.times import db_time

FIVE = ["ann", "bob", "cy", "dee", "eve"]


@pytest.fixture
def smtp() -> Iterator[Server]:
    yield from start(Recorder())


def add(store: Store, name: str, email: str = "", **fields: object) -> int:
    data = ContactInput(name=name, emails=[email] if email else [], **fields)  # type: ignore[arg-type]
    return contacts.create_contact(store, data).id


def five_customers(store: Store) -> dict[str, int]:
    ids = {
        who: add(store, f"{who.title()} Smith", f"{who}@example.com", tags=["news"]) for who in FIVE
    }
    segments.save_segment(store, "news", SegmentFilters(tag="news"))
    return ids


def statuses(store: Store, campaign_id: int) -> dict[str, tuple[str, int]]:
    return {
        r.email: (r.status, r.attempts)
        for r in campaigns.get_campaign(store, campaign_id).recipients
    }


def test_recipients_are_fixed_at_creation_with_skip_reasons(
    store: Store, rows: Callable[[str], int]
) -> None:
    add(store, "Ann Lee", "ann@example.com", tags=["news"])
    add(store, "Bob Ray", "bob@example.com", tags=["news"])
    opted = add(store, "Cy Opt", "cy@example.com", tags=["news"])
    blocked = add(store, "Dee Block", "dee@example.com", tags=["news"])
    add(store, "Eve Nomail", tags=["news"])
    contacts.update_contact(store, f"#{opted}", ContactPatch(email_opt_out=True))
    contacts.update_contact(store, f"#{blocked}", ContactPatch(do_not_contact=True))
    segments.save_segment(store, "news", SegmentFilters(tag="news"))

    made = campaigns.create_campaign(store, "news", "Hello {first_name}", "Hi {name}!")
    assert (made.total, made.pending, made.skipped, made.sent, made.failed) == (5, 2, 3, 0, 0)
    assert made.segment == "news" and made.finished_at is None
    shown = {r.contact_name: (r.status, r.error) for r in made.recipients}
    assert shown == {
        "Ann Lee": ("pending", ""),
        "Bob Ray": ("pending", ""),
        "Cy Opt": ("skipped", "opted out of email"),
        "Dee Block": ("skipped", "do not contact"),
        "Eve Nomail": ("skipped", "no email address"),
    }
    # Fixed: someone joining the segment later is not added to this campaign.
    add(store, "Fay Late", "fay@example.com", tags=["news"])
    assert campaigns.get_campaign(store, made.id).total == 5
    assert rows("campaign_recipient") == 5


def test_the_primary_email_is_used_once_per_contact(store: Store, smtp: Server) -> None:
    data = ContactInput(
        name="Ann Lee", tags=["news"], emails=["ann@work.example.com", "ann@home.example.com"]
    )
    contacts.create_contact(store, data)
    segments.save_segment(store, "news", SegmentFilters(tag="news"))
    made = campaigns.create_campaign(store, "news", "Hi", "Body")
    assert [r.email for r in made.recipients] == ["ann@work.example.com"]


def test_personalised_plain_text_with_message_id_and_date(store: Store, smtp: Server) -> None:
    add(store, "Ann Lee", "ann@example.com", tags=["news"], company="Acme")
    add(store, "Bob", "bob@example.com", tags=["news"])
    segments.save_segment(store, "news", SegmentFilters(tag="news"))
    made = campaigns.create_campaign(
        store, "news", "News for {company}", "Dear {first_name},\n{{not a field}} for {name}.\n"
    )
    report = campaigns.send_campaign(store, made.id, smtp=smtp.settings())
    assert (report.sent, report.failed, report.skipped, report.remaining) == (2, 0, 0, 0)
    assert report.finished and report.error == ""
    by_to = {m["To"].addresses[0].addr_spec: m for m in smtp.handler.parsed()}
    ann = by_to["ann@example.com"]
    assert ann["Subject"] == "News for Acme"
    assert ann["From"] == "shop@example.com"
    assert ann["To"].addresses[0].display_name == "Ann Lee"
    assert ann.get_content_type() == "text/plain"
    assert ann.get_content().replace("\r\n", "\n") == "Dear Ann,\n{not a field} for Ann Lee.\n"
    assert ann["Message-ID"].endswith("@example.com>")
    assert ann["Date"].datetime is not None
    assert ann["List-Unsubscribe"] == "<mailto:shop@example.com?subject=unsubscribe>"
    assert by_to["bob@example.com"]["Subject"] == "News for "
    assert by_to["bob@example.com"].get_content().startswith("Dear Bob,")
    ids = {m["Message-ID"] for m in smtp.handler.parsed()}
    assert len(ids) == 2
    done = campaigns.get_campaign(store, made.id)
    assert done.finished_at is not None and done.sent == 2


def test_each_send_is_on_the_contacts_timeline(store: Store, smtp: Server) -> None:
    ids = five_customers(store)
    made = campaigns.create_campaign(store, "news", "Winter sale", "Hello {first_name}")
    campaigns.send_campaign(store, made.id, smtp=smtp.settings())
    for contact_id in ids.values():
        timeline = activity.contact_interactions(store, contact_id)
        assert [(i.kind, i.notes, i.outcome, i.owner, i.direction) for i in timeline] == [
            ("email", "Winter sale", "", "Me", "out")
        ]
        card = contacts.get_card(store, f"#{contact_id}")
        assert card.last_contact_at is not None


@pytest.mark.parametrize(
    ("subject", "body", "field"),
    [
        ("Hi {firstname}", "Body", "subject"),
        ("Hi", "Dear {first_name} at {Company}", "body"),
        ("Hi", "{}", "body"),
        ("", "Body", "subject"),
        ("Hi", "  \n", "body"),
    ],
)
def test_bad_templates_are_refused_at_creation(
    store: Store, rows: Callable[[str], int], subject: str, body: str, field: str
) -> None:
    five_customers(store)
    with pytest.raises(Invalid) as caught:
        campaigns.create_campaign(store, "news", subject, body)
    assert caught.value.field == field
    assert rows("campaign") == 0 and rows("campaign_recipient") == 0
    with pytest.raises(Invalid):
        campaigns.preview_campaign(store, "news", subject, body)


def test_preview_writes_nothing(store: Store, rows: Callable[[str], int]) -> None:
    ids = five_customers(store)
    contacts.update_contact(store, f"#{ids['ann']}", ContactPatch(email_opt_out=True))
    preview = campaigns.preview_campaign(store, "news", "Hi {first_name}", "Dear {name}")
    assert (preview.members, preview.to_send, preview.skipped) == (5, 4, 1)
    assert preview.skipped_reasons == {"opted out of email": 1}
    assert preview.first == campaigns.RenderedEmail(
        to="bob@example.com", subject="Hi Bob", body="Dear Bob Smith"
    )
    assert rows("campaign") == 0 and rows("campaign_recipient") == 0 and rows("interaction") == 0


def test_unknown_campaigns_and_segments(store: Store) -> None:
    with pytest.raises(NotFound):
        campaigns.get_campaign(store, 42)
    with pytest.raises(NotFound):
        campaigns.create_campaign(store, "nope", "Hi", "Body")
    with pytest.raises(Invalid):
        campaigns.get_campaign(store, "abc")


def test_a_segment_nobody_can_be_mailed_in_is_refused(
    store: Store, rows: Callable[[str], int]
) -> None:
    add(store, "Eve Nomail", tags=["news"])
    segments.save_segment(store, "news", SegmentFilters(tag="news"))
    with pytest.raises(Invalid, match="nobody"):
        campaigns.create_campaign(store, "news", "Hi", "Body")
    segments.save_segment(store, "empty", SegmentFilters(tag="nobody-has-this"))
    with pytest.raises(Invalid, match="no members"):
        campaigns.create_campaign(store, "empty", "Hi", "Body")
    assert rows("campaign") == 0


def test_refusals_mid_send_then_resume_mails_each_person_exactly_once(
    store: Store, smtp: Server
) -> None:
    five_customers(store)
    made = campaigns.create_campaign(store, "news", "Hi {first_name}", "Body")
    smtp.handler.accept_only = 2  # then "451 try again later" for everyone else
    first = campaigns.send_campaign(store, made.id, smtp=smtp.settings())
    assert (first.sent, first.failed, first.remaining, first.finished) == (2, 3, 3, False)
    assert sorted(s for s, _ in statuses(store, made.id).values()) == [
        "failed",
        "failed",
        "failed",
        "sent",
        "sent",
    ]
    smtp.handler.accept_only = None
    second = campaigns.send_campaign(store, made.id, smtp=smtp.settings())
    assert (second.sent, second.failed, second.remaining, second.finished) == (3, 0, 0, True)
    assert smtp.handler.per_address() == {f"{w}@example.com": 1 for w in FIVE}
    # Nothing left: a third send mails nobody.
    third = campaigns.send_campaign(store, made.id, smtp=smtp.settings())
    assert (third.sent, third.remaining, third.finished) == (0, 0, True)
    assert len(smtp.handler.messages) == 5


def test_a_server_dying_mid_send_stops_the_run_and_the_next_send_resumes(
    store: Store, smtp: Server
) -> None:
    ids = five_customers(store)
    made = campaigns.create_campaign(store, "news", "Hi", "Body")
    smtp.handler.drop_at = 3  # the third message: the connection is cut, no answer
    first = campaigns.send_campaign(store, made.id, smtp=smtp.settings())
    assert (first.sent, first.failed, first.remaining, first.finished) == (2, 0, 3, False)
    assert "closed the connection" in first.error
    assert "\n" not in first.error
    assert [s for s, _ in statuses(store, made.id).values()] == [
        "sent",
        "sent",
        "pending",
        "pending",
        "pending",
    ]
    # The server is gone for good: the run stops at once, everyone left stays pending.
    port = smtp.port
    smtp.handler.drop_at = None
    stopped = campaigns.send_campaign(store, made.id, smtp=smtp.settings(port=_closed_port()))
    assert (stopped.sent, stopped.remaining) == (0, 3)
    assert "refused the connection" in stopped.error
    resumed = campaigns.send_campaign(store, made.id, smtp=smtp.settings(port=port))
    assert (resumed.sent, resumed.remaining, resumed.finished) == (3, 0, True)
    assert smtp.handler.per_address() == {f"{w}@example.com": 1 for w in FIVE}
    for contact_id in ids.values():
        assert len(activity.contact_interactions(store, contact_id)) == 1


def _closed_port() -> int:
    from smtp_kit import free_port

    return free_port()


def test_limit_sends_a_few_at_a_time(store: Store, smtp: Server) -> None:
    five_customers(store)
    made = campaigns.create_campaign(store, "news", "Hi", "Body")
    assert campaigns.send_campaign(store, made.id, smtp=smtp.settings(), limit=2).sent == 2
    report = campaigns.send_campaign(store, made.id, smtp=smtp.settings(), limit=2)
    assert (report.sent, report.remaining, report.finished) == (2, 1, False)
    report = campaigns.send_campaign(store, made.id, smtp=smtp.settings(), limit=2)
    assert (report.sent, report.remaining, report.finished) == (1, 0, True)
    assert smtp.handler.per_address() == {f"{w}@example.com": 1 for w in FIVE}
    with pytest.raises(Invalid):
        campaigns.send_campaign(store, made.id, smtp=smtp.settings(), limit=0)


def test_a_refused_recipient_is_tried_three_times_then_given_up(store: Store, smtp: Server) -> None:
    five_customers(store)
    made = campaigns.create_campaign(store, "news", "Hi", "Body")
    smtp.handler.refuse_rcpt = {"cy@example.com"}
    for attempt in (1, 2, 3):
        report = campaigns.send_campaign(store, made.id, smtp=smtp.settings())
        assert report.failed == 1
        assert statuses(store, made.id)["cy@example.com"] == ("failed", attempt)
    assert report.finished and report.remaining == 0
    fourth = campaigns.send_campaign(store, made.id, smtp=smtp.settings())
    assert (fourth.sent, fourth.failed) == (0, 0)
    cy = next(
        r for r in campaigns.get_campaign(store, made.id).recipients if r.email.startswith("cy")
    )
    assert "550" in cy.error
    assert smtp.handler.per_address() == {f"{w}@example.com": 1 for w in FIVE if w != "cy"}


def test_an_opt_out_after_creation_is_respected_at_send(store: Store, smtp: Server) -> None:
    ids = five_customers(store)
    made = campaigns.create_campaign(store, "news", "Hi", "Body")
    contacts.update_contact(store, f"#{ids['bob']}", ContactPatch(email_opt_out=True))
    report = campaigns.send_campaign(store, made.id, smtp=smtp.settings())
    assert (report.sent, report.skipped, report.finished) == (4, 1, True)
    assert statuses(store, made.id)["bob@example.com"] == ("skipped", 0)
    assert "bob@example.com" not in smtp.handler.per_address()


def test_smtp_settings_come_from_the_config_and_are_checked(store: Store, smtp: Server) -> None:
    five_customers(store)
    made = campaigns.create_campaign(store, "news", "Hi", "Body")
    with pytest.raises(Invalid) as caught:
        campaigns.send_campaign(store, made.id)  # no [reminders.smtp] host configured
    assert caught.value.field == "reminders.smtp.host"
    config = store.settings.reminders.smtp
    config.host, config.port, config.security = "127.0.0.1", smtp.port, "none"
    with pytest.raises(Invalid) as caught:
        campaigns.send_campaign(store, made.id)
    assert caught.value.field == "reminders.smtp.sender"
    config.user = "shop"
    config.sender = "shop@example.com"
    config.password_env = "POCKETCRM_TEST_CAMPAIGN_PASSWORD"
    with pytest.raises(Invalid) as caught:
        campaigns.send_campaign(store, made.id)
    assert caught.value.field == "reminders.smtp.password"
    config.user = ""
    assert campaigns.send_campaign(store, made.id).sent == 5
    assert statuses(store, made.id)["ann@example.com"] == ("sent", 1)


def test_list_campaigns_newest_first_with_counts(store: Store, smtp: Server) -> None:
    five_customers(store)
    one = campaigns.create_campaign(store, "news", "One", "Body")
    two = campaigns.create_campaign(store, "news", "Two", "Body")
    campaigns.send_campaign(store, one.id, smtp=smtp.settings(), limit=1)
    listed = campaigns.list_campaigns(store)
    assert [(c.id, c.sent, c.pending) for c in listed] == [(two.id, 0, 5), (one.id, 1, 4)]
    assert listed[0].recipients == ()


def test_a_refused_sender_stops_the_run_without_using_up_tries(store: Store, smtp: Server) -> None:
    five_customers(store)
    made = campaigns.create_campaign(store, "news", "Hi", "Body")
    smtp.handler.refuse_sender = True
    report = campaigns.send_campaign(store, made.id, smtp=smtp.settings())
    assert (report.sent, report.failed, report.remaining) == (0, 0, 5)
    assert "550" in report.error
    assert set(statuses(store, made.id).values()) == {("pending", 0)}
    smtp.handler.refuse_sender = False
    assert campaigns.send_campaign(store, made.id, smtp=smtp.settings()).sent == 5


def test_a_second_send_of_the_same_campaign_is_refused_while_one_runs(
    store: Store, smtp: Server, fixed_clock: FixedClock
) -> None:
    """Cron and a person sending at once would both read the same pending list: the lease
    refuses the second run; one on another machine that stopped renewing it is taken over
    after two minutes (a killed one on this machine at once: tests/cli)."""
    five_customers(store)
    made = campaigns.create_campaign(store, "news", "Hi {first_name}", "Body")
    with store.write() as session:  # a live send on another machine of a shared database
        session.execute(
            text("INSERT INTO app_state (key, value) VALUES (:k, :v)"),
            {"k": f"campaign:{made.id}:sending", "v": f"other|{db_time(NOW)}|elsewhere:1"},
        )
    with pytest.raises(Invalid, match="being sent by another run"):
        campaigns.send_campaign(store, made.id, smtp=smtp.settings())
    assert smtp.handler.messages == []
    fixed_clock.advance(seconds=campaigns.SEND_LEASE_SECONDS + 1)  # that run died
    done = campaigns.send_campaign(store, made.id, smtp=smtp.settings())
    assert (done.sent, done.finished) == (5, True)
    assert smtp.handler.per_address() == {f"{w}@example.com": 1 for w in FIVE}
    with store.read() as session:  # the lease is given back
        assert session.execute(text("SELECT count(*) FROM app_state")).scalar() == 0


def test_recipients_follow_a_merge_and_its_undo_and_show_in_person_export(
    store: Store, smtp: Server
) -> None:
    from pocketcrm.core.services import dupes
    from pocketcrm.core.transfer import people

    ids = five_customers(store)
    made = campaigns.create_campaign(store, "news", "Hi {first_name}", "Body")
    campaigns.send_campaign(store, made.id, smtp=smtp.settings())
    twin = add(store, "Ann Smith", "ann.smith@example.com")  # not in the campaign

    def owners() -> dict[str, int]:
        with store.read() as session:
            return {
                str(e): int(c)
                for e, c in session.execute(
                    text("SELECT email, contact_id FROM campaign_recipient")
                ).all()
            }

    before = owners()
    dupes.merge_contacts(store, f"#{twin}", f"#{ids['ann']}")
    assert owners() == {**before, "ann@example.com": twin}
    [entry] = people.export_person(store, f"#{twin}").document["campaigns"]
    assert (entry["subject"], entry["email"], entry["status"]) == (
        "Hi {first_name}",
        "ann@example.com",
        "sent",
    )
    dupes.undo_merge(store)
    assert owners() == before
