"""What every command shares: the --db/--json options, opening the store, output, and the
translation of the core's typed errors into one line on stderr and an exit code.

Exit codes: 0 ok, 1 unexpected error, 2 bad input, 3 not found, 4 ambiguous.
Only typer and the standard library are imported at module level (start-up is a feature).
"""

from __future__ import annotations

import csv
import functools
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer

from pocketcrm.core.text import escape  # the standard library's re only

if TYPE_CHECKING:
    from pocketcrm.core.dates import When
    from pocketcrm.core.store import Store

P = ParamSpec("P")
R = TypeVar("R")

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database file or URL (default: $POCKETCRM_DB or the data directory's pocketcrm.db).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (stable field names).")]
CsvOption = Annotated[bool, typer.Option("--csv", help="Print CSV.")]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask; assume yes.")]

_root_db: str | None = None


def set_root_db(db: str | None) -> None:
    """The --db given before the command name (`pocketcrm --db X list`)."""
    global _root_db
    _root_db = db


def root_db() -> str | None:
    """The --db given before the command name, if any."""
    return _root_db


def db_location(db: str | None) -> str:
    from pocketcrm.paths import default_db

    return db or _root_db or default_db()


def load_settings() -> Any:
    from pocketcrm import config
    from pocketcrm.core import clock

    settings = config.load()
    if settings.timezone:
        from zoneinfo import ZoneInfo

        clock.set_local_zone(ZoneInfo(settings.timezone))
    return settings


def open_db(db: str | None) -> Store:
    """Open (create, migrate) the database named by --db, $POCKETCRM_DB or the default."""
    from pocketcrm.core.store import open_store  # SQLModel: ~370 ms, never for --help

    return open_store(db_location(db), load_settings())


def interactive() -> bool:
    """True when a person is at a terminal (never in cron, pipes or tests)."""
    return sys.stdin.isatty() and sys.stdout.isatty() and not os.environ.get("CI")


def err(message: str) -> None:
    typer.echo(escape(f"pocketcrm: {message}"), err=True)


def echo(message: object) -> None:
    """One line of output that may hold stored text (names, notes): never raw controls."""
    typer.echo(escape(str(message)))


def fail(exc: Exception) -> NoReturn:
    from pocketcrm.core.errors import Ambiguous, CrmError

    if isinstance(exc, Ambiguous):
        err(f"error: {exc}")
        for cid, label in exc.candidates:
            typer.echo(escape(f"  {cid:>6}  {label}"), err=True)
    else:
        err(f"error: {exc}")
    code = exc.exit_code if isinstance(exc, CrmError) else 1
    raise typer.Exit(code)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn the core's typed errors into one line and an exit code; no traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from pocketcrm.core.errors import CrmError

        try:
            return func(*args, **kwargs)
        except CrmError as exc:
            fail(exc)
        except KeyboardInterrupt:
            err("interrupted; nothing more was written")
            raise typer.Exit(130) from None
        except BrokenPipeError:
            raise typer.Exit(0) from None

    return wrapper


def pick_contact(store: Store, ref: str) -> str:
    """REF as a concrete '#id': in a terminal, several matches offer a numbered choice."""
    from pocketcrm.core.errors import Ambiguous
    from pocketcrm.core.services.contacts import resolve

    try:
        return f"#{resolve(store, ref)}"
    except Ambiguous as exc:
        if not interactive():
            raise
        echo(f"{len(exc.candidates)} contacts match {ref!r}:")
        for number, (cid, label) in enumerate(exc.candidates, 1):
            echo(f"  {number}) {label}  (#{cid})")
        choice = typer.prompt("Which one (number, or 0 to cancel)", type=int, default=0)
        if not 1 <= choice <= len(exc.candidates):
            raise typer.Exit(4) from None
        return f"#{exc.candidates[choice - 1][0]}"


def when(text: str, field: str, *, past: bool = False) -> When:
    """A WHEN phrase (date library cost only here), echoed as the resolved date on stderr."""
    from pocketcrm.core import dates

    load_settings()  # "tomorrow 9am" means 9am in the configured zone, set there
    parsed = dates.parse_past(text, field=field) if past else dates.parse_when(text, field=field)
    return parsed


# -- output ---------------------------------------------------------------------------------


def print_json(data: Any) -> None:
    from pocketcrm.core.readmodels import as_dict

    typer.echo(json.dumps(as_dict(data), ensure_ascii=False, indent=2))


def local(moment: datetime | None, *, date_only: bool = False) -> str:
    """A stored UTC moment in the user's zone."""
    if moment is None:
        return ""
    from pocketcrm.core import clock

    shown = moment.astimezone(clock.local_zone())
    return shown.strftime("%Y-%m-%d") if date_only else shown.strftime("%Y-%m-%d %H:%M")


def ago(moment: datetime | None) -> str:
    if moment is None:
        return "never"
    from pocketcrm.core import clock

    days = (clock.now() - moment).days
    if days < 0:
        return f"in {-days}d"
    if days == 0:
        return "today"
    return f"{days}d ago"


def _rich_console() -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def table(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    as_csv: bool = False,
    title: str = "",
) -> None:
    """A Rich table in a terminal, tab-separated text when piped, CSV with --csv."""
    if as_csv:
        # A name like "=HYPERLINK(...)" must stay text when the file opens in a spreadsheet.
        from pocketcrm.core.transfer.csv_formats import sanitize_cell

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(
            [
                [
                    "" if v is None else sanitize_cell(escape(v)) if isinstance(v, str) else v
                    for v in row
                ]
                for row in rows
            ]
        )
        return
    if not sys.stdout.isatty():
        typer.echo("\t".join(columns))
        for row in rows:
            typer.echo(
                "\t".join(
                    "" if v is None else escape(str(v)).replace("\n", " ").replace("\t", " ")
                    for v in row
                )
            )
        return
    from rich.table import Table

    grid = Table(title=title or None, show_edge=False, header_style="bold", pad_edge=False)
    for name in columns:
        grid.add_column(name, overflow="fold")
    for row in rows:
        grid.add_row(*("" if v is None else escape(str(v)) for v in row))
    _rich_console().print(grid)


def say(text: str) -> None:
    """Human output (Rich markup in a terminal, plain when piped); stored text in it is
    escaped (core/text.py), the markup holds no control characters of its own."""
    text = escape(text)
    if sys.stdout.isatty():
        _rich_console().print(text)
    else:
        from rich.text import Text

        typer.echo(Text.from_markup(text).plain)
