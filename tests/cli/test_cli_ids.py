"""`-q/--ids` on every listing: the ids alone, one per line, ready for `xargs`."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from clisupport import Run

from pocketcrm.core.queries import ContactQuery
from pocketcrm.core.services import companies, contacts
from pocketcrm.core.store import Store


@pytest.fixture
def data(run: Run) -> None:
    run("add", "Zoë Åkesson", "-e", "zoe@example.com", "-c", "Acme", "-t", "vip")
    run("add", "Ann Lee", "-e", "ann@example.com", "-t", "vip")
    run("add", "Ann Lee", "-e", "ann.lee@example.com", "--yes")  # a likely duplicate
    run("add", "Gone Person")
    run("rm", "gone")
    run("follow-up", "zoe", "tomorrow", "-n", "call back")
    run("follow-up", "1", "fri", "-n", "send the quote")
    run("deal", "add", "zoe", "Website", "--amount", "1200")
    run("invoice", "add", "zoe", "300")
    run("segment", "save", "vips", "--tag", "vip")
    run("cadence", "set", "--tag", "vip", "--every", "30d")
    run("campaign", "new", "vips", "--subject", "Hi", "--body", "Hello", "--yes")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("list",), ["3", "2", "1"]),
        (("list", "--tag", "vip"), ["2", "1"]),
        (("search", "ann"), ["3", "2"]),
        (("agenda", "--all"), ["1", "2"]),
        (("trash",), ["4"]),
        (("company", "list"), ["1"]),
        (("deal", "list"), ["1"]),
        (("segment", "list"), ["vips"]),
        (("segment", "show", "vips"), ["2", "1"]),
        (("cadence", "list"), ["1"]),
        (("dupes",), ["2 3"]),
        (("campaign", "list"), ["1"]),
        (("campaign", "show", "1"), ["1", "2"]),
    ],
)
@pytest.mark.parametrize("flag", ["-q", "--ids"])
def test_ids_only_one_per_line(
    run: Run, data: None, args: tuple[str, ...], expected: list[str], flag: str
) -> None:
    out = run(*args, flag).stdout
    assert sorted(out.splitlines()) == sorted(expected), out


def test_invoice_numbers(run: Run, data: None, core: Callable[[], Store]) -> None:
    out = run("invoice", "list", "-q").stdout.splitlines()
    assert len(out) == 1 and out[0].startswith("INV-")
    assert run("invoice", "show", out[0]).exit_code == 0


def test_the_trash_names_other_kinds(run: Run, data: None) -> None:
    run("deal", "rm", "1")
    lines = run("trash", "-q").stdout.splitlines()
    assert sorted(lines) == ["1 --kind deal", "4"]
    for line in lines:  # what `xargs -L1 pocketcrm restore` does
        run("restore", *line.split())
    assert run("trash", "-q").stdout == ""


def test_ids_feed_another_command(run: Run, data: None, core: Callable[[], Store]) -> None:
    for ref in run("list", "--tag", "vip", "-q").stdout.split():
        run("stage", ref, "customer")
    store: Store = core()
    assert [r.stage for r in contacts.list_contacts(store, ContactQuery(tag="vip"))] == [
        "customer",
        "customer",
    ]
    assert companies.list_companies(store)[0].name == "Acme"


def test_an_empty_listing_prints_nothing(run: Run) -> None:
    for args in (("list",), ("agenda",), ("trash",), ("deal", "list"), ("invoice", "list")):
        assert run(*args, "-q").stdout == "", args
