"""Install the job that runs `pocketcrm remind`: a cron line, a systemd user timer or a
launchd agent; with cron, a second tagged line takes a daily backup.

The cron line is found again by its trailing comment (TAG), so installing twice updates it
in place and removing takes only our line. The crontab is edited as text, line by line:
python-crontab renders our line (schedule and `%` escaping) but is not allowed to re-render
the rest, because it normalises other people's lines and comments out any it cannot parse.

Environment settings go inside the command (`env NAME=value ...`), never as crontab
variable lines: those apply to every later line in the file, and tools re-append them.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from pocketcrm import humanize
from pocketcrm.core.errors import CrmError, Invalid
from pocketcrm.core.files import write_whole

TAG = "pocketcrm-remind"
BACKUP_TAG = "pocketcrm-backup"  # the daily `backup create` line, installed beside remind's
BACKUP_SCHEDULE = "30 12 * * *"  # midday: a laptop is more often on then than at night
SERVICE_NAME = "pocketcrm-remind.service"
TIMER_NAME = "pocketcrm-remind.timer"
LAUNCHD_LABEL = "com.pocketcrm.remind"
BACKUP_SERVICE_NAME = "pocketcrm-backup.service"  # the daily backup beside the reminders
BACKUP_TIMER_NAME = "pocketcrm-backup.timer"
BACKUP_LAUNCHD_LABEL = "com.pocketcrm.backup"
BACKUP_HOUR, BACKUP_MINUTE = 12, 30  # the same moment as BACKUP_SCHEDULE's cron line
_CRONTAB_TIMEOUT = 30.0


def _tagged(tag: str) -> re.Pattern[str]:
    return re.compile(r"\s#\s*" + re.escape(tag) + r"\s*$")


_SYSTEMD_BARE = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")


class SchedulingFailed(CrmError):
    """The system scheduler refused (crontab could not be read or written)."""


def _check_every(every_minutes: int) -> None:
    """Only divisors of 60 keep a steady rhythm: cron's */7 restarts at every hour."""
    if (
        isinstance(every_minutes, bool)
        or not isinstance(every_minutes, int)
        or not 1 <= every_minutes <= 60
        or 60 % every_minutes
    ):
        raise Invalid(
            "every",
            f"{every_minutes!r} minutes does not divide the hour; "
            "use 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60",
        )


def _sh_quote(arg: str) -> str:
    """shlex.quote, except that '#' is escaped outside quotes.

    A '#' after whitespace would start a comment for crontab parsers, even inside quotes.
    """
    if not arg:
        return "''"
    if "#" not in arg:
        return shlex.quote(arg)
    return "\\#".join(shlex.quote(part) if part else "" for part in arg.split("#"))


def _resolve_executable(executable: str) -> str:
    """An absolute path: cron runs with PATH=/usr/bin:/bin and from the home directory."""
    path = os.path.expanduser(executable)
    if os.sep not in path:
        found = shutil.which(path)
        if found is None:
            raise Invalid("executable", f"cannot find {executable!r} on PATH; give its full path")
        path = found
    return os.path.abspath(path)


def remind_command(executable: str, db: str | None) -> str:
    """The exact command line the scheduler runs.

    `--db` is a global option, so it goes before the subcommand. On Linux, cron gives the
    job no D-Bus session address, so desktop notifications need it set explicitly.
    """
    for name, value in (("executable", executable), ("db", db or "")):
        if any(ch in value for ch in "\n\r\0"):
            raise Invalid(name, "a path cannot hold a line break")
    argv = [_resolve_executable(executable)]
    if db:
        target = db if "://" in db else os.path.abspath(os.path.expanduser(db))
        argv += ["--db", target]
    argv += ["remind", "--quiet-if-none"]
    if sys.platform.startswith("linux"):
        bus = f"DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/{os.getuid()}/bus"
        argv = ["env", bus, *argv]
    return " ".join(_sh_quote(arg) for arg in argv)


def backup_command(executable: str, db: str | None) -> str:
    """The daily backup's command line: `backup create`, silent unless it fails."""
    for name, value in (("executable", executable), ("db", db or "")):
        if any(ch in value for ch in "\n\r\0"):
            raise Invalid(name, "a path cannot hold a line break")
    argv = [_resolve_executable(executable)]
    if db:
        argv += ["--db", db if "://" in db else os.path.abspath(os.path.expanduser(db))]
    argv += ["backup", "create", "--reason", "daily", "--quiet"]
    return " ".join(_sh_quote(arg) for arg in argv)


# --- cron ---------------------------------------------------------------------------------


def crontab_available() -> bool:
    """Whether a `crontab` program exists to install into the user's crontab."""
    return shutil.which("crontab") is not None


def _cron_line(command: str, every_minutes: int, tag: str = TAG, schedule: str = "") -> str:
    if not schedule:
        _check_every(every_minutes)
    if any(ch in command for ch in "\n\r\0"):
        raise Invalid("command", "the command must be one line")
    if not command.strip():
        raise Invalid("command", "the command is empty")
    from crontab import CronItem  # about 45 ms; only when installing

    if schedule:
        pass
    elif every_minutes == 60:
        schedule = "0 * * * *"  # python-crontab writes it as @hourly
    elif every_minutes == 1:
        schedule = "* * * * *"
    else:
        schedule = f"*/{every_minutes} * * * *"
    item = CronItem(command=command.strip(), comment=tag)
    item.setall(schedule)
    return str(item.render())


def _crontab_args(user: bool | str) -> list[str]:
    program = shutil.which("crontab")
    if program is None:
        raise Invalid(
            "cron",
            "no `crontab` program found; install cron (Debian/Ubuntu: apt install cron) "
            "or use the systemd timer instead",
        )
    args = [program]
    if isinstance(user, str):
        import getpass

        if user != getpass.getuser():
            args += ["-u", user]
    return args


def _run_crontab(args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            args,
            input=stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=_CRONTAB_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise SchedulingFailed(f"crontab: {exc}") from exc


def _read_tab(user: bool | str, tabfile: str | None) -> str:
    if tabfile is not None:
        try:
            return Path(tabfile).read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""
    if user is False:
        raise Invalid("cron", "give a user or a tab file")
    done = _run_crontab([*_crontab_args(user), "-l"])
    if done.returncode == 0:
        return done.stdout
    if "no crontab for" in done.stderr.lower():
        return ""
    raise SchedulingFailed(f"crontab -l failed: {' '.join(done.stderr.split())}")


def _write_tab(text: str, user: bool | str, tabfile: str | None) -> None:
    if tabfile is not None:
        path = Path(tabfile)
        partial = path.with_name(f".{path.name}.pocketcrm-tmp")
        partial.write_text(text, encoding="utf-8")
        if path.exists():
            shutil.copymode(path, partial)  # /etc/cron.d files must keep their mode
        os.replace(partial, path)
        return
    done = _run_crontab([*_crontab_args(user), "-"], stdin=text)
    if done.returncode != 0:
        raise SchedulingFailed(f"crontab refused the new table: {' '.join(done.stderr.split())}")


def _split_lines(text: str) -> list[str]:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _join_lines(lines: list[str]) -> str:
    return "".join(f"{line}\n" for line in lines)  # cron ignores a last line without newline


def cron_install(
    command: str,
    *,
    every_minutes: int = 15,
    user: bool | str = True,
    tabfile: str | None = None,
    tag: str = TAG,
    schedule: str = "",
) -> str:
    """Add or update our line tagged TAG (every N minutes, or at SCHEDULE) and return it
    exactly as written."""
    line = _cron_line(command, every_minutes, tag, schedule)
    before = _read_tab(user, tabfile)
    lines = _split_lines(before)
    ours = [i for i, existing in enumerate(lines) if _tagged(tag).search(existing)]
    if ours:
        lines[ours[0]] = line
        lines = [existing for i, existing in enumerate(lines) if i not in ours[1:]]
    else:
        lines.append(line)
    after = _join_lines(lines)
    if after != before:
        _write_tab(after, user, tabfile)
    return line


def cron_remove(
    *,
    user: bool | str = True,
    tabfile: str | None = None,
    tags: tuple[str, ...] = (TAG, BACKUP_TAG),
) -> bool:
    """Remove our tagged line(s); True if there was one. Other lines stay byte for byte."""
    if tabfile is None and not crontab_available():
        return False
    before = _read_tab(user, tabfile)
    lines = _split_lines(before)
    kept = [line for line in lines if not any(_tagged(tag).search(line) for tag in tags)]
    if len(kept) == len(lines):
        return False
    _write_tab(_join_lines(kept), user, tabfile)
    return True


def cron_status(
    *, user: bool | str = True, tabfile: str | None = None, tag: str = TAG
) -> str | None:
    """Our line as installed (a leading '#' means someone disabled it), or None."""
    if tabfile is None and not crontab_available():
        return None
    pattern = _tagged(tag)
    for line in _split_lines(_read_tab(user, tabfile)):
        if pattern.search(line):
            return line
    return None


# --- systemd and launchd ------------------------------------------------------------------


def _split_env(command: str) -> tuple[dict[str, str], list[str]]:
    """Take a leading `env NAME=value ...` apart: unit files and plists set it natively."""
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise Invalid("command", f"cannot parse {command!r}: {exc}") from exc
    if not argv:
        raise Invalid("command", "the command is empty")
    env: dict[str, str] = {}
    if os.path.basename(argv[0]) == "env":
        rest = argv[1:]
        while rest and "=" in rest[0] and not rest[0].startswith(("-", "=")):
            name, _, value = rest.pop(0).partition("=")
            env[name] = value
        if rest and not rest[0].startswith("-"):
            return env, rest
        env = {}
    return env, argv


def _systemd_quote(arg: str, *, command: bool = True) -> str:
    """Quote one word for a unit file: '%' starts a specifier, and '$' a variable in commands."""
    escaped = arg.replace("%", "%%")
    if _SYSTEMD_BARE.fullmatch(arg):
        return escaped
    escaped = escaped.replace("\\", "\\\\").replace('"', '\\"')
    if command:
        escaped = escaped.replace("$", "$$")
    return f'"{escaped}"'


def _on_calendar(every_minutes: int) -> str:
    if every_minutes == 60:
        return "hourly"
    if every_minutes == 1:
        return "minutely"
    return f"*:0/{every_minutes}"


def _service_unit(description: str, command: str) -> str:
    env, argv = _split_env(command)
    return "\n".join(
        [
            "[Unit]",
            f"Description={description}",
            "",
            "[Service]",
            "Type=oneshot",
            *(
                f"Environment={_systemd_quote(f'{name}={value}', command=False)}"
                for name, value in env.items()
            ),
            "ExecStart=" + " ".join(_systemd_quote(arg) for arg in argv),
            "",
        ]
    )


def _timer_unit(description: str, on_calendar: str, service: str) -> str:
    return "\n".join(
        [
            "[Unit]",
            f"Description={description}",
            "",
            "[Timer]",
            f"OnCalendar={on_calendar}",
            "Persistent=true",
            f"Unit={service}",
            "",
            "[Install]",
            "WantedBy=timers.target",
            "",
        ]
    )


def systemd_units(command: str, every_minutes: int = 15) -> dict[str, str]:
    """A oneshot service and its timer.

    OnCalendar rather than OnUnitActiveSec, because Persistent=true (run once after a
    suspend or shutdown that swallowed the due time) only applies to calendar timers.
    """
    _check_every(every_minutes)
    service = _service_unit(
        "pocketcrm reminders: deliver follow-ups, birthdays and overdue items", command
    )
    timer = _timer_unit(
        f"Run pocketcrm reminders every {humanize.count(every_minutes, 'minute')}",
        _on_calendar(every_minutes),
        SERVICE_NAME,
    )
    return {SERVICE_NAME: service, TIMER_NAME: timer}


def systemd_backup_units(command: str) -> dict[str, str]:
    """The daily backup's service and timer (a missed midday runs at the next start)."""
    service = _service_unit("pocketcrm daily backup", command)
    timer = _timer_unit(
        "Back up the pocketcrm database daily",
        f"*-*-* {BACKUP_HOUR:02d}:{BACKUP_MINUTE:02d}:00",
        BACKUP_SERVICE_NAME,
    )
    return {BACKUP_SERVICE_NAME: service, BACKUP_TIMER_NAME: timer}


def default_unit_dir() -> Path:
    """Where systemd looks for a user's own units."""
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(Path.home(), ".config")
    return Path(config) / "systemd" / "user"


def systemd_install(
    command: str,
    every_minutes: int = 15,
    unit_dir: Path | None = None,
    *,
    backup_command: str | None = None,
) -> list[Path]:
    """Write the unit files (0644) and return their paths; see systemd_enable to start them.
    BACKUP_COMMAND adds the daily backup's service and timer."""
    units = systemd_units(command, every_minutes)
    if backup_command is not None:
        units |= systemd_backup_units(backup_command)
    folder = unit_dir if unit_dir is not None else default_unit_dir()
    return [write_whole(folder / name, text) for name, text in units.items()]


def systemd_enable(*, timeout: float = 30.0, timers: tuple[str, ...] = (TIMER_NAME,)) -> str | None:
    """Reload the user manager and start the TIMERS; returns a warning instead of raising.

    Installing over SSH or in a container often has no user manager to talk to; the unit
    files are still in place, and the warning says what to run later.
    """
    names = " ".join(timers)
    later = f"run `systemctl --user daemon-reload && systemctl --user enable --now {names}`"
    program = shutil.which("systemctl")
    if program is None:
        return f"systemctl not found; {later} on a systemd machine"
    for args in (["--user", "daemon-reload"], ["--user", "enable", "--now", *timers]):
        try:
            done = subprocess.run(
                [program, *args],
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                timeout=timeout,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            return f"systemctl {' '.join(args)} failed ({exc}); {later} in your session"
        if done.returncode != 0:
            said = " ".join(done.stderr.split()) or f"exit status {done.returncode}"
            return f"systemctl {' '.join(args)} failed ({said}); {later} in your session"
    return None


def systemd_uninstall(unit_dir: Path | None = None, *, timeout: float = 30.0) -> list[Path]:
    """Stop the user timer (best effort) and delete our two unit files; returns those removed."""
    program = shutil.which("systemctl")
    if program is not None and unit_dir is None:
        # No user manager (SSH, containers) is fine: removing the files is what matters.
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(
                [
                    program,
                    "--user",
                    "disable",
                    "--now",
                    TIMER_NAME,
                    BACKUP_TIMER_NAME,
                ],
                capture_output=True,
                timeout=timeout,
                check=False,
            )
    folder = unit_dir if unit_dir is not None else default_unit_dir()
    removed = []
    for name in (
        TIMER_NAME,
        SERVICE_NAME,
        BACKUP_TIMER_NAME,
        BACKUP_SERVICE_NAME,
    ):
        path = folder / name
        if path.exists():
            path.unlink()
            removed.append(path)
    return removed


def launchd_agent_path(label: str = LAUNCHD_LABEL) -> Path:
    """Where a user's LaunchAgent for pocketcrm lives (macOS)."""
    return Path.home() / "Library" / "LaunchAgents" / f"{label}.plist"


def launchd_install(
    command: str, every_minutes: int = 15, *, backup_command: str | None = None
) -> list[Path]:
    """Write the reminders' agent (and the daily backup's) into ~/Library/LaunchAgents, each
    written whole then renamed; loading them is launchctl's job (the faces say how)."""
    agents = {LAUNCHD_LABEL: launchd_plist(command, every_minutes)}
    if backup_command is not None:
        agents[BACKUP_LAUNCHD_LABEL] = launchd_backup_plist(backup_command)
    return [write_whole(launchd_agent_path(label), text) for label, text in agents.items()]


def launchd_uninstall() -> list[Path]:
    """Delete our agents' plist files; returns those removed (launchctl bootout unloads)."""
    removed = []
    for label in (LAUNCHD_LABEL, BACKUP_LAUNCHD_LABEL):
        path = launchd_agent_path(label)
        if path.exists():
            path.unlink()
            removed.append(path)
    return removed


def installed_jobs(*, tabfile: str | None = None) -> tuple[str, ...]:
    """Which schedulers have pocketcrm's job: "cron" (an active line, not one commented out),
    "systemd" (the user timer's unit file), "launchd" (the agent's plist); empty: none, so
    nothing runs reminders on a schedule. A crontab that cannot be read counts as none."""
    found = []
    try:
        line = cron_status(tabfile=tabfile)
    except CrmError:
        line = None
    if line is not None and not line.lstrip().startswith("#"):
        found.append("cron")
    if (default_unit_dir() / TIMER_NAME).exists():
        found.append("systemd")
    if launchd_agent_path().exists():
        found.append("launchd")
    return tuple(found)


def launchd_plist(command: str, every_minutes: int = 15) -> str:
    """A LaunchAgent for ~/Library/LaunchAgents; launchd takes an argument list, no shell."""
    _check_every(every_minutes)
    return _plist(LAUNCHD_LABEL, command, {"StartInterval": every_minutes * 60})


def launchd_backup_plist(command: str) -> str:
    """The daily backup's LaunchAgent (launchd runs a missed calendar job at wake-up)."""
    when = {"Hour": BACKUP_HOUR, "Minute": BACKUP_MINUTE}
    return _plist(BACKUP_LAUNCHD_LABEL, command, {"StartCalendarInterval": when})


def _plist(label: str, command: str, schedule: dict[str, object]) -> str:
    import plistlib  # pulls in the XML parser; only macOS installs need it

    env, argv = _split_env(command)
    agent: dict[str, object] = {"Label": label, "ProgramArguments": argv, **schedule}
    if env:
        agent["EnvironmentVariables"] = env
    return plistlib.dumps(agent).decode("utf-8")
