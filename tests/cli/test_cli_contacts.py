"""`add`, `show`, `list`, `search`, `edit`, `tag`, `stage`, `rm`, `trash`, `restore`: each
command's happy path, checked by reading the database back through the core."""

from __future__ import annotations

import json
from collections.abc import Callable

from clisupport import Run

from pocketcrm.core.services import activity, contacts, trash
from pocketcrm.core.store import Store


def test_add_prints_the_id_and_writes_everything(run: Run, core: Callable[[], Store]) -> None:
    run("user", "add", "sam", "--name", "Sam")
    result = run(
        "add",
        "Zoë Åkesson",
        "-e",
        "work:zoe@example.com",
        "--phone",
        "+1 415 555 0100",
        "-c",
        "Nordic Breads",
        "--title",
        "Owner",
        "--stage",
        "customer",
        "-t",
        "vip",
        "--tag",
        "wholesale",
        "--owner",
        "Sam",
        "-n",
        "Likes rye",
        "--birthday",
        "--05-17",
        "--website",
        "zoe.example.com",
    )
    assert result.stdout == "1\n"
    card = contacts.get_card(core(), "1")
    assert card.display_name == "Zoë Åkesson"
    assert [(e.address, e.label) for e in card.emails] == [("zoe@example.com", "work")]
    assert [p.e164 for p in card.phones] == ["+14155550100"]
    assert card.company is not None and card.company.name == "Nordic Breads"
    assert (card.title, card.stage, card.owner, card.notes) == (
        "Owner",
        "customer",
        "sam",
        "Likes rye",
    )
    assert card.tags == ("vip", "wholesale")
    assert card.birthday == "--05-17"
    assert [w.url for w in card.websites] == ["zoe.example.com"]


def test_add_warns_about_an_invalid_phone_but_adds(run: Run, core: Callable[[], Store]) -> None:
    result = run("add", "Ann Lee", "-p", "555 12")
    assert "warning" in result.stderr and "555 12" in result.stderr
    assert contacts.get_card(core(), "ann").phones[0].valid is False


def test_add_refuses_a_likely_duplicate_without_yes(run: Run, core: Callable[[], Store]) -> None:
    run("add", "Zoë Åkesson", "-e", "zoe@example.com")
    refused = run("add", "Zoe Akesson", "-e", "ZOE@example.com", code=2)
    assert "likely duplicate of #1 Zoë Åkesson" in refused.stderr
    assert "--yes" in refused.stderr
    assert refused.stdout == ""
    assert contacts.count_contacts(core()) == 1
    forced = run("add", "Zoe Akesson", "-e", "ZOE@example.com", "--yes")
    assert forced.stdout == "2\n"
    assert contacts.count_contacts(core()) == 2


def test_add_refuses_a_duplicate_phone_or_name_too(run: Run, core: Callable[[], Store]) -> None:
    run("add", "Ann Lee", "-p", "+1 415 555 0100")
    assert "same phone" in run("add", "Someone Else", "-p", "(415) 555-0100", code=2).stderr
    assert "same name" in run("add", "ann lee", code=2).stderr
    run("add", "Ann Leeson")  # not the same person
    assert contacts.count_contacts(core()) == 2


def test_show(run: Run, core: Callable[[], Store]) -> None:
    run("add", "Ann Lee", "-e", "ann@x.com", "-c", "Acme", "-t", "vip", "-n", "Met [at] the fair")
    run("log-call", "ann", "--outcome", "reached", "--satisfaction", "4", "-n", "Wants a quote")
    run("follow-up", "ann", "fri 3pm", "-n", "Send the quote")
    run("stage", "ann", "customer")
    out = run("show", "ann").stdout
    for expected in (
        "Ann Lee",
        "#1",
        "Acme",
        "stage: customer",
        "#vip",
        "ann@x.com",
        "Met [at] the fair",
        "Send the quote",
        "Wants a quote",
        "reached",
        "4/5",
        "lead -> customer",
        "2026-12-04 15:00",
    ):
        assert expected in out, expected
    assert "[bold]" not in out and "\x1b[" not in out


def test_list_filters_and_sorts(run: Run) -> None:
    run("user", "add", "sam", "--name", "Sam")
    run("add", "Bob Ray", "-c", "Beta", "--stage", "customer", "-t", "vip")
    run("add", "Ann Lee", "-c", "Acme", "--owner", "Sam")
    run("add", "Cy Young", "--stage", "customer")
    run("log-call", "cy", "--at", "2026-11-01 09:00")

    def names(*args: str) -> list[str]:
        lines = run("list", *args).stdout.splitlines()
        assert lines[0].split("\t")[:2] == ["id", "name"]
        return [line.split("\t")[1] for line in lines[1:]]

    assert names() == ["Ann Lee", "Bob Ray", "Cy Young"]
    assert names("--stage", "customer") == ["Bob Ray", "Cy Young"]
    assert names("--tag", "vip") == ["Bob Ray"]
    assert names("--company", "acm") == ["Ann Lee"]
    assert names("--owner", "sam") == ["Ann Lee"]
    assert names("--sort", "last-contact") == ["Cy Young", "Bob Ray", "Ann Lee"]
    assert names("--not-contacted-since", "7d") == ["Ann Lee", "Bob Ray", "Cy Young"]
    assert names("--not-contacted-since", "60d") == ["Ann Lee", "Bob Ray"]
    assert names("--limit", "1") == ["Ann Lee"]
    assert names("--stage", "past_customer") == []


def test_search(run: Run) -> None:
    run("add", "Zoë Åkesson", "-p", "+1 415 555 0100", "-n", "sourdough")
    run("add", "Ann Lee")
    for words in (["zoe"], ["akess"], ["5550100"], ["sourdough"], ["zo", "ak"]):
        lines = run("search", *words).stdout.splitlines()
        assert [line.split("\t")[1] for line in lines[1:]] == ["Zoë Åkesson"], words
    assert run("search", "nobody").stdout.splitlines()[1:] == []


def test_edit(run: Run, core: Callable[[], Store]) -> None:
    run("add", "Ann Lee", "-e", "ann@x.com")
    out = run(
        "edit",
        "ann",
        "--name",
        "Ann Lee-Smith",
        "--title",
        "CEO",
        "--company",
        "Beta",
        "--add-email",
        "second@x.com",
        "--rm-email",
        "ann@x.com",
        "--add-phone",
        "+1 415 555 0100",
        "--set",
        "shoe size=38",
        "--add-note",
        "likes tea",
        "--do-not-contact",
    ).stdout
    assert out == "updated #1 Ann Lee-Smith\n"
    card = contacts.get_card(core(), "1")
    assert (card.display_name, card.title, card.notes) == ("Ann Lee-Smith", "CEO", "likes tea")
    assert card.company is not None and card.company.name == "Beta"
    assert [e.address for e in card.emails] == ["second@x.com"]
    assert card.custom == {"shoe size": "38"}
    assert card.do_not_contact is True
    run("edit", "1", "--company", "", "--unset", "shoe size", "--may-contact")
    card = contacts.get_card(core(), "1")
    assert card.company is None and card.custom == {} and card.do_not_contact is False


def test_tag_adds_and_removes_in_one_go(run: Run, core: Callable[[], Store]) -> None:
    run("add", "Ann Lee", "-t", "cold")
    out = run("tag", "ann", "+vip", "wholesale", "-cold").stdout
    assert out == "#1 Ann Lee: #vip #wholesale\n"
    assert contacts.get_card(core(), "1").tags == ("vip", "wholesale")
    run("tag", "ann", "-vip", "-wholesale")
    assert contacts.get_card(core(), "1").tags == ()


def test_stage_keeps_history(run: Run, core: Callable[[], Store]) -> None:
    run("add", "Ann Lee")
    assert run("stage", "ann", "prospect").stdout == "#1 Ann Lee is now prospect\n"
    run("stage", "ann", "Past Customer")
    history = contacts.get_card(core(), "1").stage_history
    assert [(h.from_stage, h.to_stage) for h in history] == [
        ("", "lead"),
        ("lead", "prospect"),
        ("prospect", "past_customer"),
    ]


def test_rm_trash_restore_and_purge(run: Run, core: Callable[[], Store]) -> None:
    run("add", "Ann Lee")
    run("add", "Bob Ray")
    assert "restore 1" in run("rm", "ann").stdout
    assert [r.display_name for r in contacts.list_contacts(core())] == ["Bob Ray"]
    lines = run("trash").stdout.splitlines()
    assert lines[0] == "kind\tid\tlabel\tdeleted"
    assert lines[1].startswith("contact\t1\tAnn Lee\t2026-12-01 10:00")
    assert run("restore", "ann").stdout == "restored contact #1 (Ann Lee)\n"
    assert contacts.count_contacts(core()) == 2
    run("rm", "bob")
    refused = run("trash", "--purge", code=2)
    assert "--yes" in refused.stderr
    assert [i.label for i in trash.list_trash(core())] == ["Bob Ray"]
    assert run("trash", "--purge", "--yes").stdout == "deleted 1 record for good\n"
    assert trash.list_trash(core()) == []
    assert contacts.count_contacts(core()) == 1
    assert run("trash", "--purge").stdout == "the trash is empty\n"
    run("rm", "ann")
    assert json.loads(run("trash", "--purge", "--yes", "--json").stdout) == {"purged": 1}
    assert json.loads(run("trash", "--purge", "--json").stdout) == {"purged": 0}


def test_restore_other_kinds(run: Run, core: Callable[[], Store]) -> None:
    run("add", "Ann Lee")
    run("log-call", "ann", "--follow-up", "tomorrow")
    store = core()
    trash.trash_interaction(store, 1)
    trash.trash_follow_up(store, 1)
    run("restore", "1", "--kind", "interaction")
    run("restore", "1", "--kind", "follow_up")
    assert trash.list_trash(store) == []
    assert [f.id for f in activity.agenda(store, "all")] == [1]


def test_json_of_the_people_commands(run: Run) -> None:
    created = json.loads(run("add", "Ann Lee", "-e", "ann@x.com", "--json").stdout)
    assert created == {
        "id": 1,
        "uuid": created["uuid"],
        "label": "Ann Lee",
        "follow_up": None,
        "warnings": [],
    }
    card = json.loads(run("show", "ann", "--json").stdout)
    assert card["emails"] == [{"address": "ann@x.com", "label": "", "primary": True}]
    assert card["created_at"] == "2026-12-01T09:00:00Z"
    assert json.loads(run("tag", "ann", "+vip", "--json").stdout)["tags"] == ["vip"]
    assert json.loads(run("stage", "ann", "customer", "--json").stdout)["stage"] == "customer"
    assert json.loads(run("edit", "ann", "--title", "CEO", "--json").stdout)["title"] == "CEO"
    removed = json.loads(run("rm", "ann", "--json").stdout)
    assert removed == {
        "kind": "contact",
        "id": 1,
        "label": "Ann Lee",
        "deleted_at": "2026-12-01T09:00:00Z",
    }
    assert json.loads(run("trash", "--json").stdout) == [removed]
    assert json.loads(run("restore", "1", "--json").stdout)["id"] == 1


def test_show_prints_brackets_as_typed(run: Run) -> None:
    """Names, titles and companies are text, never Rich markup."""
    run("add", "Bo [x] Brackets", "-c", "[Acme] Ltd", "--title", "Boss [x]", "-n", "notes [/] here")
    out = run("show", "bo").stdout
    assert "Bo [x] Brackets" in out
    assert "Boss [x] at [Acme] Ltd (prospect)" in out
    assert "notes [/] here" in out
    assert "[Acme] Ltd" in run("company", "show", "1").stdout


def test_add_with_company_kind_creates_the_company_of_that_kind(
    run: Run, core: Callable[[], Store]
) -> None:
    """Issue 17: `add` could not say that a new company is a supplier."""
    from pocketcrm.core.services import companies

    run("add", "Sue Parts", "-c", "Parts Ltd", "--company-kind", "supplier")
    assert companies.get_company(core(), "Parts Ltd").kind == "supplier"
    run("add", "Sid Parts", "-c", "parts ltd", "--company-kind", "supplier")  # same kind: fine
    result = run("add", "Pat Parts", "-c", "Parts Ltd", "--company-kind", "customer", code=2)
    assert "company-kind: Parts Ltd is already a supplier" in result.stderr
    assert "company-kind:" in run("add", "Kim", "--company-kind", "supplier", code=2).stderr
    result = run("add", "Kim", "-c", "X", "--company-kind", "alien", code=2)
    assert "kind" in result.stderr
    assert [c.display_name for c in contacts.list_contacts(core())] == ["Sid Parts", "Sue Parts"]
    report = json.loads(run("report", "--json").stdout)
    assert report["leads_by_owner"] == []


def test_show_has_open_and_won_deals_and_what_is_owed(run: Run) -> None:
    """Issue 17: `show` left out the money the interface's card shows."""
    run("add", "Ann Lee", "-e", "ann@x.com")
    assert "Deals" not in run("show", "ann").stdout  # no money yet: no block
    run("deal", "add", "Ann", "Boilers", "--amount", "4800 GBP", "--stage", "proposal")
    run("deal", "add", "Ann", "Pumps", "--amount", "900 GBP")
    run("deal", "won", "2")
    run("deal", "add", "Ann", "Lost one", "--amount", "5")
    run("deal", "lost", "3", "--reason", "price")
    run("invoice", "add", "Ann", "900 GBP", "--deal", "2", "--issued", "2026-10-01")
    run("pay", "INV-2026-0001", "100 GBP")
    out = run("show", "ann").stdout
    assert "Deals (1 open, 1 won)" in out
    assert "proposal     Boilers  4,800.00 GBP" in out
    assert "won          Pumps  900.00 GBP" in out
    assert "Lost one" not in out
    assert "owed: 800.00 GBP" in out
    assert "INV-2026-0001  800.00 GBP, due 2026-10-31 overdue" in out
