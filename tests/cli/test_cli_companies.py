"""`company add|list|show|edit|rm`, read back through the core."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

import pytest
from clisupport import Run

from pocketcrm.core.errors import NotFound
from pocketcrm.core.services import companies
from pocketcrm.core.store import Store


def test_company_add_list_show_edit_rm(run: Run, core: Callable[[], Store]) -> None:
    out = run(
        "company",
        "add",
        "Åkesson Bakery",
        "--kind",
        "supplier",
        "--website",
        "akesson.example.com",
        "--city",
        "Stockholm",
        "-t",
        "local",
        "-n",
        "Pays on time",
    ).stdout
    assert out == "1\n"
    run("company", "add", "Acme")
    run("add", "Ann Lee", "-c", "akesson bakery")
    run("log-call", "ann", "-n", "ordered rye")
    card = companies.get_company(core(), "1")
    assert (card.name, card.kind, card.city, card.tags) == (
        "Åkesson Bakery",
        "supplier",
        "Stockholm",
        ("local",),
    )

    lines = run("company", "list").stdout.splitlines()
    assert lines[0].split("\t") == [
        "id",
        "name",
        "kind",
        "people",
        "city",
        "phone",
        "website",
        "tags",
    ]
    assert [line.split("\t")[:4] for line in lines[1:]] == [
        ["2", "Acme", "customer", "0"],
        ["1", "Åkesson Bakery", "supplier", "1"],
    ]
    assert len(run("company", "list", "--kind", "supplier").stdout.splitlines()) == 2

    shown = run("company", "show", "akesson").stdout
    for expected in (
        "Åkesson Bakery",
        "supplier",
        "akesson.example.com",
        "#local",
        "People (1)",
        "Ann Lee",
        "ordered rye",
    ):
        assert expected in shown, expected

    assert (
        run("company", "edit", "acme", "--kind", "partner", "--add-tag", "vip").stdout
        == "updated #2 Acme\n"
    )
    assert companies.get_company(core(), "acme").kind == "partner"

    assert "restore 2 --kind company" in run("company", "rm", "acme").stdout
    with pytest.raises(NotFound):
        companies.get_company(core(), "acme")
    run("restore", "2", "--kind", "company")
    assert companies.get_company(core(), "acme").tags == ("vip",)


def test_company_json_and_csv(run: Run) -> None:
    created = json.loads(run("company", "add", "Acme", "--json").stdout)
    assert set(created) == {"id", "uuid", "label", "follow_up", "warnings"}
    [row] = json.loads(run("company", "list", "--json").stdout)
    assert set(row) == {"id", "name", "kind", "website", "phone", "city", "people", "tags"}
    card = json.loads(run("company", "show", "acme", "--json").stdout)
    assert card["name"] == "Acme" and card["people"] == []
    edited = json.loads(run("company", "edit", "acme", "--city", "Leeds", "--json").stdout)
    assert edited["city"] == "Leeds"
    rows = list(csv.reader(io.StringIO(run("company", "list", "--csv").stdout)))
    assert rows[1][:3] == ["1", "Acme", "customer"]
    removed = json.loads(run("company", "rm", "acme", "--json").stdout)
    assert removed["kind"] == "company"


def test_company_errors(run: Run) -> None:
    run("company", "add", "Acme")
    assert "name" in run("company", "add", "ACME", code=2).stderr
    assert "kind" in run("company", "add", "Beta", "--kind", "friend", code=2).stderr
    missing = run("company", "show", "Acme Crop", code=3).stderr
    assert "did you mean: Acme" in missing
    run("company", "add", "Acme Two")
    assert "Acme Two" in run("company", "show", "acm", code=4).stderr


def test_company_without_a_subcommand_shows_help(run: Run) -> None:
    result = run("company", code=None)
    assert result.exit_code in (0, 2)
    assert "add" in result.output and "list" in result.output


def test_company_list_sorts_by_a_column_and_reverses_with_a_dash(run: Run) -> None:
    for name, city in (("Zeta", "Aberdeen"), ("Acme", ""), ("Émile & Co", "York")):
        run("company", "add", name, "--city", city)
    run("add", "Ann Lee", "-c", "zeta")

    def names(*args: str) -> list[str]:
        return [r["name"] for r in json.loads(run("company", "list", *args, "--json").stdout)]

    assert names() == ["Acme", "Émile & Co", "Zeta"]
    assert names("--sort", "city") == ["Zeta", "Émile & Co", "Acme"]  # no city: last
    assert names("--sort", "-city") == ["Émile & Co", "Zeta", "Acme"]
    assert names("--sort", "-people") == ["Zeta", "Acme", "Émile & Co"]
    refused = run("company", "list", "--sort", "colour", code=2).stderr
    assert "sort" in refused and "people" in refused and len(refused.strip().splitlines()) == 1
