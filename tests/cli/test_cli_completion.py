"""Shell completion of values, through the protocol the installed scripts use: the installed
`pocketcrm` in a subprocess with _POCKETCRM_COMPLETE set (COMP_WORDS/COMP_CWORD for bash,
_TYPER_COMPLETE_ARGS for zsh and fish), and bash itself running the script
`--show-completion` prints. Values come from the database without SQLModel."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from clisupport import Run

from pgserver import PgServer

POCKETCRM = str(Path(sys.executable).with_name("pocketcrm"))


def complete(shell: str, line: str, env: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """The (value, description) candidates SHELL would get for LINE ('' after a space: the
    next word)."""
    environ = {**os.environ, **(env or {}), "_POCKETCRM_COMPLETE": f"complete_{shell}"}
    if shell == "bash":
        words = line.split(" ")
        environ["COMP_WORDS"] = line
        environ["COMP_CWORD"] = str(len(words) - 1)
    else:
        environ["_TYPER_COMPLETE_ARGS"] = line
        environ["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    done = subprocess.run(
        [POCKETCRM], env=environ, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0 and not done.stderr, (done.returncode, done.stderr)
    out = done.stdout.strip("\n")
    if shell == "bash":
        return [(value, "") for value in out.splitlines() if value]
    if shell == "fish":
        return [tuple((item.split("\t") + [""])[:2]) for item in out.splitlines() if item]  # type: ignore[misc]
    if out == "_files":  # zsh: nothing to offer, so the shell lists files
        return []
    if out.startswith("_arguments"):  # Typer's own answer (option and command names)
        pairs = re.findall(r'"((?:[^"\\]|\\.)*)"(?::"((?:[^"\\]|\\.)*)")?', out)
        return [(value.replace("\\", ""), about) for value, about in pairs]
    # ours: compadd -U with the values and, beside each, "value -- description"
    found = re.search(r"_pocketcrm_values=\( (.*) \); _pocketcrm_shown=\( (.*) \); compadd", out)
    assert found, out
    shown = [item.partition(" -- ")[2] if " -- " in item else "" for item in shlex.split(found[2])]
    return list(zip(shlex.split(found[1]), shown, strict=True))


def values(shell: str, line: str, env: dict[str, str] | None = None) -> list[str]:
    return [value for value, _ in complete(shell, line, env)]


SHELLS = ["bash", "zsh", "fish"]


@pytest.fixture
def crm(run: Run) -> None:
    run("add", "Ann Lee", "-e", "ann@example.com", "-t", "vip", "-c", "Acme Corp")
    run("add", "Ann Smith", "-t", "vendor")
    run("add", "Bob Leeds")
    run("add", "Zoë Åkesson", "--stage", "customer")
    run("add", "Gone Person")
    run("rm", "gone")
    run("deal", "add", "ann lee", "Website", "--amount", "1200")
    run("invoice", "add", "bob", "300")
    run("follow-up", "zoe", "fri", "-n", "send the quote")
    run("segment", "save", "vips", "--tag", "vip")
    run("campaign", "new", "vips", "--subject", "Winter sale", "--body", "Hello", "--yes")


@pytest.mark.parametrize("shell", SHELLS)
def test_deal_move_completes_stages_not_files(crm: None, shell: str) -> None:
    assert values(shell, "pocketcrm deal move 1 ") == [
        "qualified",
        "proposal",
        "negotiation",
        "won",
        "lost",
    ]
    assert values(shell, "pocketcrm deal move 1 ne") == ["negotiation"]
    assert values(shell, "pocketcrm deal move ")[0] == "1"


@pytest.mark.parametrize("shell", SHELLS)
def test_a_ref_completes_names_ids_and_emails(crm: None, shell: str) -> None:
    found = complete(shell, "pocketcrm show ann")
    names = [v.replace("\\ ", " ") for v, _ in found]
    assert names == ["Ann Lee", "Ann Smith"]
    if shell != "bash":  # zsh and fish show a description beside each
        assert [about for _, about in found] == ["#1", "#2"]
    # any word of the name, accents ignored; never what is in the trash
    assert [v.replace("\\ ", " ") for v in values(shell, "pocketcrm log-call lee")] == [
        "Ann Lee",
        "Bob Leeds",
    ]
    assert [v.replace("\\ ", " ") for v in values(shell, "pocketcrm show zoe")] == ["Zoë Åkesson"]
    assert values(shell, "pocketcrm show gone") == []
    assert values(shell, "pocketcrm show 3") == ["3"]
    assert values(shell, "pocketcrm show ann@") == ["ann@example.com"]


def test_bash_escapes_spaces_so_a_name_stays_one_word(crm: None) -> None:
    assert values("bash", "pocketcrm show ann") == ["Ann\\ Lee", "Ann\\ Smith"]


def test_names_several_contacts_share_are_offered_as_ids(crm: None, run: Run) -> None:
    run("add", "Ann Lee", "--yes")
    assert complete("zsh", "pocketcrm show ann") == [
        ("1", "Ann Lee"),
        ("6", "Ann Lee"),
        ("Ann Smith", "#2"),
    ]


@pytest.mark.parametrize("shell", ["zsh"])  # the protocol itself is covered above
def test_settings_and_stored_values(crm: None, shell: str) -> None:
    assert values(shell, "pocketcrm stage ann ") == [
        "lead",
        "prospect",
        "customer",
        "past_customer",
    ]
    assert values(shell, "pocketcrm log ann --kind m") == ["meeting"]
    assert values(shell, "pocketcrm log-call ann --outcome ") == [
        "reached",
        "voicemail",
        "no_answer",
        "busy",
        "wrong_number",
        "meeting_booked",
        "won",
    ]
    assert values(shell, "pocketcrm list --tag v") == ["vendor", "vip"]
    assert values(shell, "pocketcrm tag ann +v") == ["+vendor", "+vip"]
    assert values(shell, "pocketcrm segment show ") == ["vips"]
    assert values(shell, "pocketcrm list --segment v") == ["vips"]
    assert values(shell, "pocketcrm invoice show ")[0].startswith("INV-")
    assert values(shell, "pocketcrm pay inv")[0].startswith("INV-")
    assert values(shell, "pocketcrm done ") == ["1"]
    assert complete(shell, "pocketcrm campaign show ") == [("1", "Winter sale")]
    assert values(shell, "pocketcrm config get reminders.smtp.p") == [
        "reminders.smtp.port",
        "reminders.smtp.password_env",
    ]
    assert [v.replace("\\ ", " ") for v in values(shell, "pocketcrm company show ac")] == [
        "Acme Corp"
    ]
    assert values(shell, "pocketcrm company add X --kind sup") == ["supplier"]


def test_configured_stages_are_the_ones_offered(crm: None, run: Run) -> None:
    run("config", "set", "stages", "lead,trial,customer")
    assert values("fish", "pocketcrm stage ann ") == ["lead", "trial", "customer"]


def test_db_before_or_after_the_command_is_the_one_read(
    crm: None, run: Run, tmp_path: Path
) -> None:
    other = tmp_path / "other.db"
    run("--db", str(other), "add", "Olga Other")
    assert values("fish", f"pocketcrm --db {other} show o") == ["Olga Other"]
    assert values("fish", f"pocketcrm show --db {other} o") == ["Olga Other"]
    assert values("fish", "pocketcrm show o") == []


def test_no_database_means_no_candidates_and_no_file(tmp_path: Path) -> None:
    missing = tmp_path / "nothing-here.db"
    env = {"POCKETCRM_DB": str(missing)}
    for shell in SHELLS:
        assert values(shell, "pocketcrm show ann", env) == []
        assert values(shell, "pocketcrm deal move 1 ", env)[0] == "qualified"
    assert not missing.exists()


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_installed_bash_script_fills_compreply(crm: None, tmp_path: Path) -> None:
    """bash itself runs the script and the function the shell calls on Tab."""
    script = subprocess.run(
        [POCKETCRM],
        env={**os.environ, "_POCKETCRM_COMPLETE": "source_bash"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "_pocketcrm_completion" in script
    (tmp_path / "completion.bash").write_text(script)
    probe = (
        f"source {tmp_path / 'completion.bash'}\n"
        "COMP_WORDS=(pocketcrm show ann); COMP_CWORD=2\n"
        "_pocketcrm_completion pocketcrm\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
        "COMP_WORDS=(pocketcrm deal move 1 ''); COMP_CWORD=4\n"
        "_pocketcrm_completion pocketcrm\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {**os.environ, "PATH": f"{Path(POCKETCRM).parent}{os.pathsep}{os.environ['PATH']}"}
    out = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", probe],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert out == [
        "Ann\\ Lee",
        "Ann\\ Smith",
        "qualified",
        "proposal",
        "negotiation",
        "won",
        "lost",
    ]


@pytest.mark.skipif(shutil.which("fish") is None, reason="needs fish")
def test_the_installed_fish_script_answers_fish(crm: None, tmp_path: Path) -> None:
    """fish itself runs the script (`complete -C` lists what Tab would offer)."""
    script = tmp_path / "pocketcrm.fish"
    script.write_text(
        subprocess.run(
            [POCKETCRM],
            env={**os.environ, "_POCKETCRM_COMPLETE": "source_fish"},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    env = {**os.environ, "PATH": f"{Path(POCKETCRM).parent}{os.pathsep}{os.environ['PATH']}"}
    probe = (
        f"source {script}; complete -C 'pocketcrm show ann'; complete -C 'pocketcrm deal move 1 w'"
    )
    out = subprocess.run(
        ["fish", "--no-config", "-c", probe], env=env, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out == ["Ann Lee\t#1", "Ann Smith\t#2", "won"]


def _tmux(socket: str, *args: str) -> str:
    """A tmux command on our own server (SOCKET), so no other session is touched."""
    return subprocess.run(
        ["tmux", "-L", socket, "-f", "/dev/null", *args], capture_output=True, text=True, check=True
    ).stdout


def _screen_shows(socket: str, wanted: str) -> str:
    """The tmux pane once it shows WANTED (polled; a loaded machine may take seconds)."""
    deadline = time.monotonic() + 30
    screen = ""
    while time.monotonic() < deadline:
        screen = _tmux(socket, "capture-pane", "-p")
        if wanted in screen:
            return screen
        time.sleep(0.1)
    raise AssertionError(f"{wanted!r} never showed:\n{screen}")


@pytest.mark.skipif(
    shutil.which("zsh") is None or shutil.which("tmux") is None, reason="needs zsh and tmux"
)
def test_zsh_itself_completes_a_name_typed_in_lower_case(crm: None, tmp_path: Path) -> None:
    """zsh at a terminal (tmux) with the installed script: "ann" + Tab becomes "Ann", a second
    Tab lists both Anns with their ids (zsh's own matching would have dropped them)."""
    script = subprocess.run(
        [POCKETCRM],
        env={**os.environ, "_POCKETCRM_COMPLETE": "source_zsh"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (tmp_path / "_pocketcrm").write_text(script)
    (tmp_path / ".zshrc").write_text(
        f"export PATH={Path(POCKETCRM).parent}:$PATH\n"
        f"fpath=({tmp_path} $fpath)\nautoload -Uz compinit && compinit -u -d {tmp_path}/dump\n"
        f"source {tmp_path}/_pocketcrm\nPS1='%% '\n"
    )
    socket = f"pocketcrm-zsh-{os.getpid()}"
    _tmux(
        socket, "new-session", "-d", "-x", "100", "-y", "20",
        f"env ZDOTDIR={tmp_path} zsh -i",
    )  # fmt: skip
    try:
        _screen_shows(socket, "%")
        _tmux(socket, "send-keys", "-l", "pocketcrm show ann")
        _tmux(socket, "send-keys", "Tab")
        _screen_shows(socket, "% pocketcrm show Ann")
        _tmux(socket, "send-keys", "Tab")
        screen = _screen_shows(socket, "Ann Smith -- #2")
        assert "Ann Lee -- #1" in screen
        _tmux(socket, "send-keys", "C-u")
        _tmux(socket, "send-keys", "-l", "pocketcrm deal move 1 neg")
        _tmux(socket, "send-keys", "Tab")
        _screen_shows(socket, "pocketcrm deal move 1 negotiation")
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], check=False, capture_output=True)


RUNNER = """
import json, sys
sys.argv = ["pocketcrm"]
from pocketcrm.launcher import main
try:
    main()
except SystemExit:
    pass
with open(sys.argv[-1] if len(sys.argv) > 1 else REPORT, "w") as handle:
    json.dump(sorted(sys.modules), handle)
"""
HEAVY = {"sqlalchemy", "sqlmodel", "alembic", "textual", "numpy"}


def modules_after(line: str, tmp_path: Path) -> tuple[set[str], str]:
    """The top-level modules a completion process for LINE imported, and what it printed."""
    report = tmp_path / "modules.json"
    env = {
        **os.environ,
        "_POCKETCRM_COMPLETE": "complete_bash",
        "COMP_WORDS": line,
        "COMP_CWORD": str(len(line.split(" ")) - 1),
    }
    done = subprocess.run(
        [sys.executable, "-c", RUNNER.replace("REPORT", repr(str(report)))],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert report.exists(), done.stderr
    return {name.split(".")[0] for name in json.loads(report.read_text())}, done.stdout


@pytest.mark.parametrize(
    "line", ["pocketcrm show ann", "pocketcrm deal move 1 ", "pocketcrm invoice show "]
)
def test_completing_a_value_imports_neither_the_database_stack_nor_typer(
    crm: None, tmp_path: Path, line: str
) -> None:
    modules, out = modules_after(line, tmp_path)
    assert out.strip()  # it did complete something
    assert not modules & {*HEAVY, "typer", "click", "rich", "pydantic"}, sorted(
        modules & {*HEAVY, "typer", "click", "rich", "pydantic"}
    )


def test_what_the_fast_path_leaves_to_typer_imports_no_database_stack_either(
    crm: None, tmp_path: Path
) -> None:
    modules, out = modules_after("pocketcrm show --js", tmp_path)  # an option name
    assert out.split() == ["--json"]
    assert "typer" in modules and not modules & HEAVY, sorted(modules & HEAVY)
    modules, out = modules_after("pocketcrm show --unknown-option ann", tmp_path)
    assert out.splitlines() == ["Ann\\ Lee", "Ann\\ Smith"]  # Typer's path, same values
    assert "typer" in modules and not modules & HEAVY, sorted(modules & HEAVY)


def test_the_fast_paths_map_of_the_commands_agrees_with_them() -> None:
    """commands/completion_spec.py may lag behind (a new option only costs speed) but must
    never be wrong: rerun scripts/completion_spec.py when this fails."""
    import typer

    from pocketcrm.cli import app
    from pocketcrm.commands.completion import spec_of
    from pocketcrm.commands.completion_spec import SPEC

    live = spec_of(typer.main.get_command(app))
    for path, shape in SPEC.items():
        assert path in live, f"`{path}` is no longer a command"
        assert [tuple(a) for a in shape["arguments"]] == [
            tuple(a) for a in live[path]["arguments"]
        ], path
        for spelling, option in shape["options"].items():
            assert live[path]["options"].get(spelling) == tuple(option), (path, spelling)
        assert set(shape.get("commands", [])) <= set(live[path].get("commands", [])), path


def test_completion_on_postgresql(pg_server: PgServer) -> None:
    url = pg_server.database()
    env = {**os.environ, "POCKETCRM_DB": url}

    def crm(*args: str) -> None:
        subprocess.run([POCKETCRM, *args], env=env, check=True, capture_output=True)

    crm("user", "add", "robin", "--name", "Robin", "--generate")
    crm("user", "add", "jordan", "--name", "Jordan", "--generate")
    crm("add", "Ann Lee", "-e", "ann@example.com", "-c", "Acme Corp", "--owner", "Robin")
    crm("add", "Ann Smith", "--owner", "Jordan")
    crm("add", "Bob Leeds")
    crm("tag", "bob", "+vip")
    crm("invoice", "add", "bob", "300")
    assert complete("fish", "pocketcrm show ann", env) == [("Ann Lee", "#1"), ("Ann Smith", "#2")]
    assert values("fish", "pocketcrm show lee", env) == ["Ann Lee", "Bob Leeds"]
    assert values("fish", "pocketcrm show ann@", env) == ["ann@example.com"]
    assert values("fish", "pocketcrm list --tag v", env) == ["vip"]
    # the first user is the role that made the database; robin and jordan are logins
    assert values("fish", "pocketcrm list --owner ", env) == ["jordan", "postgres", "robin"]
    assert values("fish", "pocketcrm company show ac", env) == ["Acme Corp"]
    assert values("fish", "pocketcrm invoice show inv", env)[0].startswith("INV-")
    assert values("fish", "pocketcrm show 2", env) == ["2"]
