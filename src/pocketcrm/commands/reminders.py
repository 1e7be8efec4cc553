"""Reminders that always arrive: `remind`, `cadence set|list|rm`, `cron install|remove|status`
and `doctor`.

`pocketcrm remind` runs unattended every few minutes, so it stays lean: no Rich, no Textual,
no date library; the core (SQLModel, ~370 ms) is imported inside the command body, as
everywhere. It prints plain text (cron mails stdout and stderr) and keeps a log of names and
ids in the state directory.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pocketcrm import humanize
from pocketcrm.commands.common import (
    CsvOption,
    DbOption,
    IdsOption,
    JsonOption,
    ago,
    db_location,
    err,
    handle_errors,
    interactive,
    local,
    open_db,
    pick_contact,
    print_ids,
    print_json,
    print_result,
    table,
)
from pocketcrm.commands.params import deprecated

if TYPE_CHECKING:
    import logging

    from pocketcrm.core.doctor import Check
    from pocketcrm.core.reminders.engine import RunResult

LOG_NAME = "remind.log"
LOG_BYTES = 1_000_000
LOG_KEEP = 3

cadence_app = typer.Typer(
    add_completion=False,
    help="Stay in touch: how often you want to hear from a contact, or everyone with a tag.",
    no_args_is_help=True,
)
cron_app = typer.Typer(
    add_completion=False,
    help="Run `pocketcrm remind` on a schedule: a cron line, a systemd timer or a launchd agent.",
    no_args_is_help=True,
)

ChannelOption = Annotated[
    list[str] | None,
    typer.Option(
        "--channel",
        help="Deliver through this channel instead of reminders.channels: stdout, desktop, "
        "email or command (repeat, or separate with commas).",
        show_default=False,
        metavar="CHANNEL",
    ),
]
ChannelShortAlias = Annotated[
    list[str] | None,
    typer.Option("-c", hidden=True, help="Deprecated spelling of --channel (-c is --company)."),
]
TabfileOption = Annotated[
    str | None,
    typer.Option(
        "--tabfile",
        help="Edit this crontab file (e.g. under /etc/cron.d) instead of your own crontab.",
        show_default=False,
        metavar="FILE",
    ),
]


# -- remind --------------------------------------------------------------------------------


def _rotate(path: Path) -> None:
    """Keep the log under LOG_BYTES: remind.log.1 .. .3 hold the older runs."""
    try:
        if path.stat().st_size < LOG_BYTES:
            return
    except FileNotFoundError:
        return
    for number in range(LOG_KEEP - 1, 0, -1):
        older = path.with_name(f"{path.name}.{number}")
        if older.exists():
            older.replace(path.with_name(f"{path.name}.{number + 1}"))
    path.replace(path.with_name(f"{path.name}.1"))


def _open_log(level: str) -> tuple[logging.Logger, logging.Handler | None]:
    """The run's log file in the state directory: 0600, rotated once per run, not per line."""
    import logging

    from pocketcrm.paths import ensure_private_dir, state_dir

    class PrivateFileHandler(logging.FileHandler):
        def _open(self) -> Any:
            fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            return os.fdopen(fd, "a", encoding="utf-8")

    logger = logging.getLogger("pocketcrm.remind")
    logger.setLevel(logging.DEBUG if level == "debug" else logging.INFO)
    logger.propagate = False
    try:
        path = ensure_private_dir(state_dir()) / LOG_NAME
        _rotate(path)
        handler: logging.Handler = PrivateFileHandler(path, delay=True)
    except OSError as exc:
        err(f"warning: cannot write the log in {state_dir()}: {exc.strerror or exc}")
        return logger, None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(process)d] %(message)s"))
    logger.addHandler(handler)
    return logger, handler


def _report(result: RunResult, quiet_if_none: bool) -> None:
    """Failures and warnings on stderr, one line each: cron mails them."""
    if not result.delivered and not result.failed:
        if not quiet_if_none and interactive():
            typer.echo("nothing due")
        return
    reasons: dict[str, int] = {}
    for _, why in result.failed:
        reasons[why] = reasons.get(why, 0) + 1
    for why, n in list(reasons.items())[:5]:
        err(f"{humanize.count(n, 'reminder')} not delivered, kept for the next run: {why}")
    if len(reasons) > 5:
        err(
            f"...and {humanize.count(len(reasons) - 5, 'more failure')}; see `pocketcrm remind --status`"
        )
    if result.gave_up:
        err(
            f"gave up on {len(result.gave_up)} after repeated failures; see "
            "`pocketcrm remind --status` (and `--retry` once fixed)"
        )
    for warning in result.warnings:
        err(f"warning: {warning}")


def _run_json(result: RunResult) -> dict[str, object]:
    from pocketcrm.core import clock
    from pocketcrm.core.delivery import reminder_payload

    zone = clock.local_zone()
    return {
        "run_id": result.run_id,
        "at": result.at,
        "channels": list(result.channels),
        "delivered": [reminder_payload(r, zone) for r in result.delivered],
        "failed": [{**reminder_payload(r, zone), "error": why} for r, why in result.failed],
        "gave_up": list(result.gave_up),
        "warnings": list(result.warnings),
    }


def _schedule_line(jobs: tuple[str, ...], minutes: int) -> str:
    """The schedule only when a job is installed: without one nothing runs every N minutes."""
    if not jobs:
        return "schedule: none installed; set one up with `pocketcrm cron install`"
    return f"schedule: every {humanize.count(minutes, 'minute')} ({', '.join(jobs)})"


def _status(db: str | None, as_json: bool, tabfile: str | None = None) -> None:
    from pocketcrm.core import scheduling
    from pocketcrm.core.reminders.health import reminder_health, undelivered

    store = open_db(db)
    health = reminder_health(store)
    pending = undelivered(store)
    jobs = scheduling.installed_jobs(tabfile=tabfile)
    if as_json:
        print_json(
            {
                "last_run": health.last_run,
                "schedule_minutes": health.schedule_minutes,
                "scheduled_by": list(jobs),
                "late": health.late,
                "never_ran": health.never_ran,
                "pending": health.pending,
                "failing": health.failing,
                "gave_up": health.gave_up,
                "message": health.message,
                "undelivered": pending,
            }
        )
    else:
        last = f"{local(health.last_run)} ({ago(health.last_run)})" if health.last_run else "never"
        typer.echo(f"last run: {last}")
        typer.echo(_schedule_line(jobs, health.schedule_minutes))
        typer.echo(("warning: " if not health.ok else "") + health.message)
        typer.echo(
            f"pending: {health.pending}, failing: {health.failing}, given up: {health.gave_up}"
        )
        if pending:
            rows = [
                [
                    p.key,
                    f"{p.contact_name} (#{p.contact_id})" if p.contact_id else "",
                    local(p.due_at),
                    p.attempts,
                    ("GAVE UP: " + p.last_error if p.gave_up else p.last_error or "waiting")
                    + (
                        f" (sent by {', '.join(p.delivered_channels)})"
                        if p.delivered_channels
                        else ""
                    ),
                ]
                for p in pending
            ]
            typer.echo("")
            table(["reminder", "contact", "due", "attempts", "state"], rows)
    if health.needs_attention:
        raise typer.Exit(1)


@handle_errors
def remind(
    channel: ChannelOption = None,
    old_channel: ChannelShortAlias = None,
    status: Annotated[
        bool,
        typer.Option(
            "--status", help="Say when reminders last ran and what is stuck; send nothing."
        ),
    ] = False,
    retry: Annotated[
        bool,
        typer.Option("--retry", help="Try reminders that were given up again, then run."),
    ] = False,
    quiet_if_none: Annotated[
        bool,
        typer.Option(
            "--quiet-if-none",
            help="Print nothing when nothing is due, even at a terminal (always so under cron).",
        ),
    ] = False,
    log_level: Annotated[
        str,
        typer.Option(
            "--log-level",
            help="info: names and ids only; debug: also titles and notes.",
            metavar="info|debug",
        ),
    ] = "info",
    tabfile: TabfileOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Deliver every reminder that is due: follow-ups, stay-in-touch cadences, birthdays.

    Made for cron: asks nothing, prints nothing when nothing is due, catches up on what fell due while the machine was off, and delivers each reminder once even when two runs start together.

    Exit codes: 0 delivered (or nothing due), 1 a delivery failed (kept for the next run), 2 the configuration is wrong.
    """
    if status:
        _status(db, as_json, tabfile)
        return
    if log_level not in ("info", "debug"):
        from pocketcrm.core.errors import Invalid

        raise Invalid("log-level", "use info or debug")
    import io

    from pocketcrm.core.reminders import engine, health

    channels = deprecated("-c", "--channel", old_channel or None, channel or None, None)
    logger, handler = _open_log(log_level)
    try:
        store = open_db(db)
        if retry:
            count = health.retry_given_up(store)
            logger.info("retrying %d reminders that were given up", count)
        stream = io.StringIO() if as_json else sys.stdout
        try:
            result = engine.run(
                store, channels=channels, stream=stream, contact_details=as_json or None
            )
        except Exception as exc:
            logger.error("run failed: %s", type(exc).__name__)
            raise
    finally:
        if handler is not None:
            logger.removeHandler(handler)
            handler.close()
    if as_json:
        print_json(_run_json(result))
    _report(result, quiet_if_none or as_json)
    if result.exit_code:
        raise typer.Exit(result.exit_code)


# -- cadence -------------------------------------------------------------------------------


def _interval(days: int) -> str:
    if days % 7 == 0 and days >= 14:
        return f"{days // 7}w"
    return f"{days}d"


@cadence_app.command("set")
@handle_errors
def cadence_set(
    ref: Annotated[
        str | None,
        typer.Argument(
            help="A contact: id, email, phone or part of a name.", show_default=False, metavar="REF"
        ),
    ] = None,
    tag: Annotated[
        str,
        typer.Option(
            "--tag", "-t", help="Everyone with this tag instead of one contact.", metavar="TAG"
        ),
    ] = "",
    every: Annotated[
        str,
        typer.Option(
            "--every", help="The ideal interval: 30d, 2w, 3m (30-day months).", metavar="INTERVAL"
        ),
    ] = "",
    max_: Annotated[
        str,
        typer.Option(
            "--max",
            help="The longest acceptable gap (default: half as long again).",
            metavar="INTERVAL",
        ),
    ] = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Set how often to be in touch with a contact or a tag ("customers every 30 days").

    A call, meeting, email or text logged with the contact resets the clock. A contact's own rule wins over tag rules; among tag rules the most frequent applies.
    """
    from pocketcrm.core.errors import Invalid
    from pocketcrm.core.services import cadence

    if not every:
        raise Invalid("every", "give the ideal interval, e.g. --every 30d")
    if bool(ref) == bool(tag):
        raise Invalid("target", "give a contact or --tag TAG (one of them)")
    ideal = cadence.parse_interval(every, "every")
    limit = cadence.parse_interval(max_, "max") if max_ else None
    store = open_db(db)
    view = cadence.set_cadence(
        store,
        ideal_days=ideal,
        max_days=limit,
        ref=pick_contact(store, ref) if ref else "",
        tag=tag,
    )
    if as_json:
        print_json(view)
        return
    typer.echo(
        f"cadence #{view.id}: {view.target} every {humanize.count(view.ideal_days, 'day')} "
        f"(at most {view.max_days})"
    )
    if view.tag and not view.covers:
        err(f"note: no contact has the tag {view.tag!r} yet")


@cadence_app.command("list")
@handle_errors
def cadence_list(
    drifting: Annotated[
        bool,
        typer.Option("--drifting", help="List the contacts drifting out of touch instead."),
    ] = False,
    owner: Annotated[
        str, typer.Option(help="With --drifting: only this owner's contacts.", metavar="OWNER")
    ] = "",
    db: DbOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
    ids: IdsOption = False,
) -> None:
    """The stay-in-touch rules, or (--drifting) who is past their ideal interval."""
    from pocketcrm.core.services import cadence

    store = open_db(db)
    if drifting:
        from pocketcrm.core.services import users

        drifts = cadence.drifting(store, owner=users.resolve_owner(store, owner, assign=False))
        if ids:  # the contacts drifting, for `xargs -n1 pocketcrm show`
            print_ids(d.contact_id for d in drifts)
            return
        if as_json:
            print_json(drifts)
            return
        if not drifts and not as_csv:
            typer.echo("nobody is drifting out of touch")
            return
        table(
            ["id", "contact", "last in touch", "every", "over by", "rule"],
            _drift_rows(drifts, with_id=True),
            as_csv=as_csv,
        )
        return
    rules = cadence.list_cadences(store)
    if ids:
        print_ids(r.id for r in rules)
        return
    if as_json:
        print_json(rules)
        return
    if not rules and not as_csv:
        typer.echo("no cadences; add one with `pocketcrm cadence set --tag customers --every 30d`")
        return
    table(
        ["id", "for", "every", "at most", "contacts"],
        [[r.id, r.target, f"{r.ideal_days}d", f"{r.max_days}d", r.covers] for r in rules],
        as_csv=as_csv,
    )


def _drift_rows(drifts: list[Any], *, with_id: bool = False) -> list[list[object]]:
    rows: list[list[object]] = []
    for d in drifts:
        last = (
            f"{local(d.last_contact_at, date_only=True)} ({d.days_since}d)"
            if d.last_contact_at
            else "never"
        )
        over = f"{d.days_over}d" + (" (past max)" if d.past_max else "")
        row: list[object] = [d.contact_name, last, _interval(d.ideal_days), over, d.rule]
        rows.append([d.contact_id, *row] if with_id else row[:4])
    return rows


@cadence_app.command("rm")
@handle_errors
def cadence_rm(
    rule_id: Annotated[
        int, typer.Argument(metavar="ID", help="The rule's id (from cadence list).")
    ],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Remove a stay-in-touch rule."""
    from pocketcrm.core.services import cadence

    view = cadence.remove_cadence(open_db(db), rule_id)
    print_result(
        view,
        as_json,
        f"removed cadence #{view.id}: {view.target} every {humanize.count(view.ideal_days, 'day')}",
    )


# -- cron ----------------------------------------------------------------------------------


def _executable(given: str | None) -> str:
    """The pocketcrm program the job should run: as given, else the one running now."""
    import shutil

    if given:
        return given
    argv0 = Path(sys.argv[0])
    if argv0.name == "pocketcrm" and argv0.exists():
        return str(argv0.resolve())
    beside = Path(sys.executable).parent / "pocketcrm"
    if beside.exists():
        return str(beside)
    found = shutil.which("pocketcrm")
    if found:
        return found
    from pocketcrm.core.errors import Invalid

    raise Invalid("executable", "cannot find the pocketcrm program; give --executable PATH")


def _kind(systemd: bool, launchd: bool, cron: bool) -> str:
    from pocketcrm.core.errors import Invalid

    chosen = [
        name for name, on in (("systemd", systemd), ("launchd", launchd), ("cron", cron)) if on
    ]
    if len(chosen) > 1:
        raise Invalid("scheduler", "choose one of --cron, --systemd, --launchd")
    if chosen:
        return chosen[0]
    return "launchd" if sys.platform == "darwin" else "cron"


SystemdOption = Annotated[
    bool, typer.Option("--systemd", help="A systemd user timer (catches up after suspend).")
]
LaunchdOption = Annotated[
    bool,
    typer.Option(
        "--launchd", help="A launchd agent in ~/Library/LaunchAgents (the default on macOS)."
    ),
]
CronOption = Annotated[bool, typer.Option("--cron", help="A crontab line (the default elsewhere).")]


@cron_app.command("install")
@handle_errors
def cron_install(
    every: Annotated[
        int | None,
        typer.Option(
            "--every",
            help="Minutes between runs (a divisor of 60; default reminders.schedule_minutes).",
            show_default=False,
            metavar="MINUTES",
        ),
    ] = None,
    systemd: SystemdOption = False,
    launchd: LaunchdOption = False,
    cron: CronOption = False,
    tabfile: TabfileOption = None,
    executable: Annotated[
        str | None,
        typer.Option(
            help="The pocketcrm program to run (default: this one).",
            show_default=False,
            metavar="PROGRAM",
        ),
    ] = None,
    backup: Annotated[
        bool,
        typer.Option(
            "--backup/--no-backup",
            help="Also take a daily backup at 12:30 (its own crontab line, timer or agent).",
        ),
    ] = True,
    report: Annotated[
        str,
        typer.Option(
            "--report",
            help="Instead, mail the report on a schedule: weekly (Mondays 08:00), daily, monthly.",
            metavar="WHEN",
        ),
    ] = "",
    db: DbOption = None,
) -> None:
    """Install the job that runs `pocketcrm remind` (safe to repeat: it updates in place)."""
    from pocketcrm.core import pgpass, scheduling
    from pocketcrm.core.reminders.health import record_schedule

    if report:  # issue 13: the report mailed by a crontab line of its own
        from pocketcrm.core.analysis.mail import check_schedule, install_report_job

        check_schedule(report)  # before anything is written
    store = open_db(db)
    if report:
        where = pgpass.remember(db_location(db))[0]
        line = install_report_job(_executable(executable), where, report, tabfile)
        typer.echo(f"installed: {line}")
        return
    minutes = every if every is not None else store.settings.reminders.schedule_minutes
    location, kept_in = pgpass.remember(db_location(db))  # never a password in a job
    if kept_in is not None:
        err(f"the password is kept in {kept_in} (0600), not in the job")
    program = _executable(executable)
    command = scheduling.remind_command(program, location)
    kind = _kind(systemd, launchd, cron)
    backup_command = scheduling.backup_command(program, location) if backup else None
    if kind == "launchd":
        for path in scheduling.launchd_install(command, minutes, backup_command=backup_command):
            typer.echo(f"wrote {path}")
            err(f"load it with: launchctl bootstrap gui/$(id -u) {path}")
    elif kind == "systemd":
        paths = scheduling.systemd_install(command, minutes, backup_command=backup_command)
        for path in paths:
            typer.echo(f"wrote {path}")
        timers = (scheduling.TIMER_NAME,) + (
            (scheduling.BACKUP_TIMER_NAME,) if backup_command is not None else ()
        )
        warning = scheduling.systemd_enable(timers=timers)
        if warning:
            err(f"warning: {warning}")
        else:
            typer.echo(f"enabled {' '.join(timers)}")
    else:
        before = scheduling.cron_status(tabfile=tabfile)
        line = scheduling.cron_install(command, every_minutes=minutes, tabfile=tabfile)
        state = "already installed" if before == line else ("updated" if before else "installed")
        typer.echo(f"{state}: {line}")
        if backup:
            _install_backup_line(scheduling.backup_command(program, location), tabfile)
    record_schedule(store, minutes)


def _install_backup_line(command: str, tabfile: str | None) -> None:
    from pocketcrm.core import scheduling

    tag = scheduling.BACKUP_TAG
    before = scheduling.cron_status(tabfile=tabfile, tag=tag)
    line = scheduling.cron_install(
        command, tabfile=tabfile, tag=tag, schedule=scheduling.BACKUP_SCHEDULE
    )
    state = "already installed" if before == line else ("updated" if before else "installed")
    typer.echo(f"{state}: {line}")


@cron_app.command("remove")
@handle_errors
def cron_remove(
    systemd: SystemdOption = False,
    launchd: LaunchdOption = False,
    tabfile: TabfileOption = None,
) -> None:
    """Remove the job (only pocketcrm's own line or units; nothing else is touched)."""
    from pocketcrm.core import scheduling

    if systemd:
        removed = scheduling.systemd_uninstall()
        typer.echo("\n".join(f"removed {p}" for p in removed) if removed else "no timer installed")
        return
    if launchd:
        removed = scheduling.launchd_uninstall()
        typer.echo("\n".join(f"removed {p}" for p in removed) if removed else "no agent installed")
        for path in removed:
            err(f"unload it with: launchctl bootout gui/$(id -u)/{path.stem}")
        return
    if scheduling.cron_remove(tabfile=tabfile):
        typer.echo("removed the pocketcrm line from the crontab")
    else:
        typer.echo("no pocketcrm line in the crontab")


@cron_app.command("status")
@handle_errors
def cron_status(
    tabfile: TabfileOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the installed job and when reminders last ran."""
    from pocketcrm.core import scheduling
    from pocketcrm.core.reminders.health import reminder_health
    from pocketcrm.paths import shown

    line = scheduling.cron_status(tabfile=tabfile)
    line = shown(line) if line else line  # a line from an older release may hold a password
    backup_line = scheduling.cron_status(tabfile=tabfile, tag=scheduling.BACKUP_TAG)
    backup_line = shown(backup_line) if backup_line else backup_line
    timer = scheduling.default_unit_dir() / scheduling.TIMER_NAME
    health = reminder_health(open_db(db))
    if as_json:
        print_json(
            {
                "cron_line": line,
                "backup_line": backup_line,
                "systemd_timer": str(timer) if timer.exists() else None,
                "last_run": health.last_run,
                "late": health.late,
                "message": health.message,
            }
        )
        return
    typer.echo(f"cron: {line}" if line else "cron: not installed")
    if backup_line:
        typer.echo(f"backup: {backup_line}")
    if timer.exists():
        typer.echo(f"systemd: {timer}")
    typer.echo(health.message)


# -- doctor --------------------------------------------------------------------------------


def _config_check() -> tuple[Check, Any]:
    from pocketcrm import config
    from pocketcrm.core.doctor import Check
    from pocketcrm.core.errors import Invalid
    from pocketcrm.core.settings import Settings
    from pocketcrm.paths import config_path

    path = config_path()
    try:
        settings = config.load()
    except Invalid as exc:
        return Check("config", "fail", exc.message), Settings()
    if not path.exists():
        return Check("config", "ok", f"no {path}; the defaults apply"), settings
    return Check("config", "ok", f"{path} parses"), settings


@handle_errors
def doctor(
    tabfile: TabfileOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check the database, schema, integrity, file modes, config and the reminder job.

    Exit code 1 when a check fails; warnings alone exit 0.
    """
    from dataclasses import replace

    from pocketcrm import paths
    from pocketcrm.core.doctor import diagnose, mode_checks, scheduler_check
    from pocketcrm.paths import shown

    config_check, settings = _config_check()
    if settings.timezone:
        from zoneinfo import ZoneInfo

        from pocketcrm.core import clock

        clock.set_local_zone(ZoneInfo(settings.timezone))
    location = db_location(db)
    checks = [config_check, *diagnose(location, settings)]
    checks.append(scheduler_check(location, tabfile=tabfile))
    items = [
        ("state folder", paths.state_dir(), 0o700),
        ("reminder log", paths.state_dir() / LOG_NAME, 0o600),
        ("config file", paths.config_path(), 0o644),
    ]
    data = paths.data_dir()
    if "://" not in location and Path(location).expanduser().absolute().parent == data.absolute():
        items.insert(0, ("data folder", data, 0o700))
    checks += mode_checks(items)
    checks = [replace(c, detail=shown(c.detail)) for c in checks]  # never a password
    if as_json:
        print_json(checks)
    else:
        for check in checks:
            typer.echo(f"{check.status.upper():<4}  {check.name:<14} {check.detail}")
    if any(c.status == "fail" for c in checks):
        raise typer.Exit(1)
