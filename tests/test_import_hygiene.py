"""Start-up is a feature: `--help` and shell completion must not import the database stack
or the interface, and a one-line command must not import the interface.

Each case runs in a fresh interpreter (the test process has imported everything already)
and reports the names in sys.modules after the command ran.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HEAVY_DB = ("sqlmodel", "sqlalchemy", "alembic")
HEAVY_UI = ("textual",)

RUNNER = """
import json, sys
from pocketcrm.cli import app
code = 0
try:
    app(args=json.loads(sys.argv[1]), prog_name="pocketcrm")
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else 1
with open(sys.argv[2], "w") as handle:
    json.dump({"modules": sorted(sys.modules), "code": code}, handle)
"""


def modules_after(
    args: list[str], tmp_path: Path, env: dict[str, str] | None = None, *, check: bool = False
) -> tuple[set[str], str]:
    """Run `pocketcrm ARGS` in a new interpreter; the modules it imported and its stdout
    (CHECK: the command must have succeeded, exit 0)."""
    report = tmp_path / "modules.json"
    result = subprocess.run(
        [sys.executable, "-c", RUNNER, json.dumps(args), str(report)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )
    assert report.exists(), result.stderr
    found = json.loads(report.read_text())
    if check:
        assert found["code"] == 0, (args, result.stderr)
    return set(found["modules"]), result.stdout


def roots(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def test_help_imports_neither_the_database_stack_nor_the_interface(tmp_path: Path) -> None:
    modules, out = modules_after(["--help"], tmp_path)
    assert "log-call" in out
    assert not roots(modules) & {*HEAVY_DB, *HEAVY_UI}, sorted(
        roots(modules) & {*HEAVY_DB, *HEAVY_UI}
    )
    assert "pocketcrm.core.store" not in modules
    assert "pocketcrm.core.models" not in modules


def test_a_command_help_imports_no_database_either(tmp_path: Path) -> None:
    modules, out = modules_after(["log-call", "--help"], tmp_path)
    assert "--satisfaction" in out
    assert not roots(modules) & {*HEAVY_DB, *HEAVY_UI}


def test_a_one_line_command_on_an_up_to_date_database_needs_no_alembic(tmp_path: Path) -> None:
    db = tmp_path / "crm.db"
    modules, out = modules_after(["list", "--db", str(db)], tmp_path)
    assert out.startswith("id\tname")  # the first run made the database (Alembic, once)
    assert not roots(modules) & set(HEAVY_UI)
    modules, _ = modules_after(["list", "--db", str(db)], tmp_path)
    assert not roots(modules) & {*HEAVY_DB, *HEAVY_UI}, sorted(roots(modules) & {*HEAVY_DB})


# Every everyday command, as typed, on a database with a contact (#1) and open follow-ups
# (#1, #2): what people run fifty times a day (issue 16).
EVERYDAY = (
    ["show", "1"],
    ["show", "Ann"],
    ["list"],
    ["list", "--tag", "vip", "--json"],
    ["search", "ann"],
    ["agenda"],
    ["agenda", "--json"],
    ["add", "Bob Stone", "--company", "Acme", "--tag", "new", "--email", "bob@example.com"],
    ["log-call", "1", "--note", "hello", "--outcome", "reached"],
    ["log", "1", "--kind", "meeting", "--note", "met", "--follow-up", "tomorrow"],
    ["follow-up", "Ann", "next week", "--note", "call back"],
    ["done", "1"],
    ["snooze", "2", "in 3 days"],
    ["tag", "1", "+hot", "-vip"],
    ["stage", "1", "customer"],
)
HEAVY_ANY = {*HEAVY_DB, *HEAVY_UI, "numpy"}
# Dataclasses an everyday command never returns nor reads: building a class compiles its
# methods, and these cost a one-liner up to a sixth of the plain floor (issue 16).
NEVER_BUILT = {
    "pocketcrm.core.readmodels.companies",
    "pocketcrm.core.readmodels.trash",
    "pocketcrm.core.settings_sections",  # backups, mail, analysis, business, profit...
}
# The card's classes: only the commands that answer with a card build them.
CARD_COMMANDS = {"show", "tag", "stage", "add"}


def built_needlessly(args: list[str], modules: set[str]) -> set[str]:
    """The read models and settings sections ARGS imported although it never uses them."""
    unneeded = set(NEVER_BUILT)
    if args[0] not in CARD_COMMANDS:
        unneeded.add("pocketcrm.core.readmodels.card")
    if args[0] != "show":  # the card's money line only
        unneeded.add("pocketcrm.core.readmodels.report")
    if args[0] != "add":  # what a person types to create a contact
        unneeded.add("pocketcrm.core.services.contact_input")
    if args[0] != "agenda":  # the reminder health and the cases due
        unneeded |= {"pocketcrm.core.settings_reminders", "pocketcrm.core.settings_service"}
    return unneeded & modules


def test_everyday_commands_import_neither_the_orm_nor_alembic_nor_the_interface(
    tmp_path: Path,
) -> None:
    """The everyday commands run on the standard library's sqlite3: importing SQLAlchemy and
    SQLModel cost about 330 ms of a 450 ms command (issue 16). Each runs in a new process,
    must succeed, and must not have imported any of them."""
    db = tmp_path / "crm.db"
    setup = ["add", "Ann Lee", "--tag", "vip", "--email", "ann@example.com", "--db", str(db)]
    modules_after(setup, tmp_path, check=True)
    modules_after(["follow-up", "1", "tomorrow", "--db", str(db)], tmp_path, check=True)
    modules_after(["follow-up", "1", "friday", "--db", str(db)], tmp_path, check=True)
    for args in EVERYDAY:
        modules, _ = modules_after([*args, "--db", str(db)], tmp_path, check=True)
        assert not roots(modules) & HEAVY_ANY, (args, sorted(roots(modules) & HEAVY_ANY))
        assert "pocketcrm.core.models" not in modules, args
        assert not built_needlessly(args, modules), (args, built_needlessly(args, modules))
        # Piped, the output is plain text: Rich (7% of a one-liner) is for a terminal only.
        assert "rich" not in roots(modules), args
        # The WHEN phrase reader is built only by a command given a phrase.
        phrase = any(a in {"tomorrow", "next week", "in 3 days"} for a in args)
        assert phrase or "pocketcrm.core.dates.phrases" not in modules, args


def test_the_modules_of_the_plain_path_import_no_orm() -> None:
    """The plain path's own modules (the store, the connection protocol, the everyday
    services) import no SQLAlchemy at module level: only a use of the ORM loads it."""
    code = (
        "import sys\n"
        "import pocketcrm.core.store, pocketcrm.core.db, pocketcrm.core.services.contacts\n"
        "import pocketcrm.core.services.activity, pocketcrm.core.services.browse\n"
        "import pocketcrm.core.services.card_money, pocketcrm.core.services.cadence\n"
        "import pocketcrm.core.reminders.health\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'sqlmodel'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout


def test_everyday_commands_do_not_build_the_orm_models(tmp_path: Path) -> None:
    """The hot paths run plain SQL: building SQLModel's table classes (and SQLAlchemy's
    PostgreSQL dialect they bring) costs about 120 ms a command, for nothing."""
    db = tmp_path / "crm.db"
    modules_after(["add", "Ann Lee", "--db", str(db)], tmp_path)
    for args in (
        ["show", "1"],
        ["list"],
        ["search", "ann"],
        ["agenda"],
        ["add", "Bob Stone"],
        ["log-call", "1", "--note", "hello"],
    ):
        modules, _ = modules_after([*args, "--db", str(db)], tmp_path)
        assert "pocketcrm.core.models" not in modules, args
        assert "numpy" not in roots(modules), args


def test_completion_imports_neither(tmp_path: Path) -> None:
    env = {"_POCKETCRM_COMPLETE": "complete_bash", "COMP_WORDS": "pocketcrm ", "COMP_CWORD": "1"}
    modules, out = modules_after([], tmp_path, env)
    assert "agenda" in out.split()
    assert not roots(modules) & {*HEAVY_DB, *HEAVY_UI}


def test_completion_of_a_sub_command_imports_neither(tmp_path: Path) -> None:
    env = {
        "_POCKETCRM_COMPLETE": "complete_bash",
        "COMP_WORDS": "pocketcrm company ",
        "COMP_CWORD": "2",
    }
    modules, out = modules_after([], tmp_path, env)
    assert "add" in out.split()
    assert not roots(modules) & {*HEAVY_DB, *HEAVY_UI}


def test_the_root_help_summaries_match_each_commands_own_help() -> None:
    """The root --help shows Commands.summaries without importing the command modules; each
    must say what the command's own docstring says (and every command must have one)."""
    from pocketcrm.cli import Commands

    group = Commands()
    assert set(Commands.summaries) == set(Commands.lazy)
    for name in Commands.lazy:
        assert Commands.summaries[name] == group.summary_of(name), name


def test_the_root_help_imports_no_command_module(tmp_path: Path) -> None:
    modules, out = modules_after(["--help"], tmp_path)
    assert "pipeline" in out and "campaign" in out
    commands = {m for m in modules if m.startswith("pocketcrm.commands.")}
    infrastructure = {"common", "lazy", "clickcompat"}  # clickcompat: Typer's own, no cost
    assert commands <= {f"pocketcrm.commands.{m}" for m in infrastructure}, commands
