"""What every command shares: the --db/--json options, opening the store, output, and the
translation of the core's typed errors into one line on stderr and an exit code.

Exit codes: 0 ok, 1 unexpected error, 2 bad input, 3 not found, 4 ambiguous.
Only typer and the standard library are imported at module level (start-up is a feature).
"""

from __future__ import annotations

import csv
import functools
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer

from pocketcrm.core.text import escape  # the standard library's re only

if TYPE_CHECKING:
    from pocketcrm.core.dates import When
    from pocketcrm.core.store import Store

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database file or URL (default: $POCKETCRM_DB or the data directory's pocketcrm.db).",
        show_default=False,
        metavar="FILE|URL",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (stable field names).")]
CsvOption = Annotated[bool, typer.Option("--csv", help="Print CSV.")]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask; assume yes.")]

CreateOption = Annotated[
    bool,
    typer.Option(
        "--create",
        help="Make a new database (and its folders) at --db / $POCKETCRM_DB if none is there.",
    ),
]

_root_db: str | None = None
_root_create = False


def set_root_db(db: str | None, create: bool = False) -> None:
    """The --db (and --create) given before the command name (`pocketcrm --db X list`)."""
    global _root_db, _root_create
    _root_db = db
    _root_create = create


def root_db() -> str | None:
    """The --db given before the command name, if any."""
    return _root_db


def db_location(db: str | None) -> str:
    from pocketcrm.paths import default_db

    return db or _root_db or default_db()


def load_settings() -> Any:
    from pocketcrm import config
    from pocketcrm.core import clock

    notice = config.settle_phone_region()  # first run only: guess, store, say it once
    if notice:
        err(notice)
    settings = config.load()
    if settings.timezone:
        from zoneinfo import ZoneInfo

        clock.set_local_zone(ZoneInfo(settings.timezone))
    return settings


def creating_allowed() -> bool:
    """Whether --create was given: a database may be made in a folder that does not exist."""
    return _root_create


def open_db(db: str | None) -> Store:
    """Open (create, migrate) the database named by --db, $POCKETCRM_DB or the default.

    Only the default file is made silently; elsewhere a missing folder needs --create, and a
    new file is announced on stderr (a typo in a path must not look like lost data).
    """
    from pocketcrm.core import journal
    from pocketcrm.core.store import open_store  # SQLModel: ~370 ms, never for --help
    from pocketcrm.paths import is_default_db

    journal.set_face("cli")
    wait_for_writers()
    location = db_location(db)
    default = is_default_db(location)
    store = open_store(location, load_settings(), create_folders=_root_create or default)
    close_when_done(store)
    if store.created and not default:
        err(f"created a new, empty database at {store.path}")
    return store


_opened: list[Store] = []


def close_when_done(store: Store) -> None:
    """Close the database when the command ends, not when the garbage collector gets to it:
    a process that runs several commands (tests, the shell's completion) must not keep a
    stale connection (which checkpoints its WAL when finally collected) to a file that a
    later command replaced. The root callback calls `close_opened` at the end."""
    _opened.append(store)


def close_opened() -> None:
    """Close every database this command opened."""
    while _opened:
        _opened.pop().close()


LOCK_WAIT_ENV = "POCKETCRM_LOCK_WAIT"


def wait_for_writers() -> None:
    """A write that finds another process writing (an import, cron) waits, saying so once.

    $POCKETCRM_LOCK_WAIT (seconds) shortens or lengthens the wait before giving up
    (default 30 minutes).
    """
    from pocketcrm.core.store import set_lock_wait

    limit: float | None = None
    raw = os.environ.get(LOCK_WAIT_ENV, "").strip()
    if raw:
        try:
            limit = max(0.0, float(raw))
        except ValueError:
            err(f"warning: ignoring {LOCK_WAIT_ENV}={raw!r}: not a number of seconds")
    set_lock_wait(
        lambda: err("waiting for another process to finish writing (an import?)..."), limit
    )


def interactive() -> bool:
    """True when a person is at a terminal (never in cron, pipes or tests)."""
    return sys.stdin.isatty() and sys.stdout.isatty() and not os.environ.get("CI")


def confirm_or_exit(refusal: str, question: str, *, warning: str = "") -> None:
    """Go on only when a person at a terminal answers yes to QUESTION (no: exit 1). Without
    a terminal (a script, cron) nobody can answer: refuse with REFUSAL, which names --yes
    (exit 2). WARNING, when given, is shown to the person before the question."""
    if not interactive():
        err(f"error: {refusal}")
        raise typer.Exit(2)
    if warning:
        err(f"warning: {warning}")
    if not typer.confirm(question, default=False):
        raise typer.Exit(1)


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
    from pocketcrm.core.services.lookup import resolve

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
    import json  # only for --json: a one-liner printing text never loads it

    from pocketcrm.core.readmodels import as_dict

    typer.echo(json.dumps(as_dict(data), ensure_ascii=False, indent=2))


def print_result(view: Any, as_json: bool, line: object) -> None:
    """A command's answer about one record: the record as JSON, or one LINE, escaped (it
    names stored text: a label, a note)."""
    if as_json:
        print_json(view)
    else:
        echo(line)


def print_created(record: Any, as_json: bool) -> None:
    """An `add` command's answer: the new record as JSON, or only its id (for scripts)."""
    if as_json:
        print_json(record)
    else:
        typer.echo(record.id)


def local(moment: datetime | None, *, date_only: bool = False) -> str:
    """A stored UTC moment in the user's zone."""
    if moment is None:
        return ""
    from pocketcrm.core import clock

    shown = moment.astimezone(clock.local_zone())
    return shown.strftime("%Y-%m-%d") if date_only else shown.strftime("%Y-%m-%d %H:%M")


def due_text(when: datetime | date | None) -> str:
    """A follow-up's due time: the day alone for an all-day one (never a fake 00:00)."""
    from pocketcrm.core.dates import format_due

    return format_due(when)


def ago(moment: datetime | None) -> str:
    """How long since MOMENT, in the same words as the interface (pocketcrm.humanize)."""
    from pocketcrm import humanize
    from pocketcrm.core import clock

    return humanize.ago(moment, clock.local_now())


def _rich_console() -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


# How a table fits a narrow terminal. A value is never broken across lines and every record
# keeps one line: free-text columns (by header) shrink first, with an ellipsis; ids, dates,
# amounts, stages, emails and phones keep their full width. If that is still too wide,
# the least needed columns are left out (tags first, then phone and company, then the
# rest from the right) and a note below the table names them; the first column, names,
# ids, stages, amounts and due dates always stay.
_TEXT_COLUMNS = frozenset(
    (
        *("name", "contact", "company", "note", "notes", "title", "label", "tags"),
        *("evidence", "filters", "subject", "detail", "error", "source", "segment"),
        *("city", "for", "rule", "owner", "state", "website"),
    )
)
_KEPT_COLUMNS = frozenset(("id", "number", "name", "contact", "title", "stage", "status"))
_KEPT_COLUMNS |= {"due", "amount", "kind", "keep", "other", "score"}
_HIDDEN_FIRST = {
    **dict.fromkeys(("tags", "website", "city", "source", "filters", "evidence"), 0),
    **dict.fromkeys(("detail", "rule", "encoding", "format", "label"), 0),
    **dict.fromkeys(("phone", "company", "owner", "segment"), 1),
}
_TEXT_MIN = 10  # a shrunk text column keeps this many characters (its header, if longer)
_GAP = 3  # Rich's padding and rule between two columns (no outer edge)


def _shrink(widths: list[int], floors: list[int], excess: int) -> int:
    """Take EXCESS characters from the columns, widest first, down to their floors; what
    could not be taken is returned."""
    while excess > 0:
        candidates = [i for i, w in enumerate(widths) if w > floors[i]]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: widths[i] - floors[i])
        widths[widest] -= 1
        excess -= 1
    return excess


def fit_columns(
    headers: Sequence[str], cells: Sequence[Sequence[str]], width: int
) -> tuple[list[int], list[int]]:
    """(shown column indexes, their widths) so that every row fits on one line of WIDTH."""
    from rich.cells import cell_len  # terminal cells: a CJK character or an emoji takes two

    natural = [
        max([cell_len(h), *(cell_len(row[i]) for row in cells)]) for i, h in enumerate(headers)
    ]
    text = [h in _TEXT_COLUMNS for h in headers]
    shown = list(range(len(headers)))
    droppable = sorted(
        (i for i in shown[1:] if headers[i] not in _KEPT_COLUMNS),
        key=lambda i: (_HIDDEN_FIRST.get(headers[i], 2), -i),
    )
    while True:
        widths = [natural[i] for i in shown]
        floors = [
            min(natural[i], max(len(headers[i]), _TEXT_MIN)) if text[i] else natural[i]
            for i in shown
        ]
        excess = _shrink(widths, floors, sum(widths) + _GAP * (len(shown) - 1) - width)
        if excess <= 0:
            return shown, widths
        if not droppable:  # only what must stay: shorten it all rather than wrap
            _shrink(
                widths,
                [min(w, len(headers[i])) for w, i in zip(widths, shown, strict=True)],
                excess,
            )
            return shown, widths
        shown.remove(droppable.pop(0))


def render_table(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], *, width: int, title: str = ""
) -> tuple[Any, str]:
    """The Rich table for a terminal WIDTH columns wide, and a note naming any column left
    out: every record on one line, no value broken in the middle."""
    from rich.table import Table
    from rich.text import Text

    cells = [[_cell(v) for v in row] for row in rows]
    shown, widths = fit_columns(columns, cells, width)
    grid = Table(title=title or None, show_edge=False, header_style="bold", pad_edge=False)
    for index, size in zip(shown, widths, strict=True):
        grid.add_column(columns[index], width=size, no_wrap=True, overflow="ellipsis")
    for row in cells:
        grid.add_row(*(Text(row[i], no_wrap=True, overflow="ellipsis") for i in shown))
    hidden = [columns[i] for i in range(len(columns)) if i not in shown]
    note = (
        f"(hidden to fit {width} columns: {', '.join(hidden)}; --csv shows every column)"
        if hidden
        else ""
    )
    return grid, note


def _cell(value: Any) -> str:
    """One line of text: a newline in a note would make a second line of the row."""
    return "" if value is None else " ".join(escape(str(value)).splitlines())


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
    console = _rich_console()
    grid, note = render_table(columns, rows, width=console.width, title=title)
    console.print(grid)
    if note:
        console.print(note, style="dim", markup=False)


IdsOption = Annotated[
    bool, typer.Option("--ids", "-q", help="Print only the ids, one per line (for xargs).")
]


def print_ids(ids: Iterable[object]) -> None:
    """`-q/--ids`: one id per line and nothing else, for `xargs` and shell loops."""
    for value in ids:
        typer.echo(str(value))


def _record_id(record: Any) -> object:
    return record.id


def print_list(
    items: Sequence[T],
    columns: Sequence[str],
    cells: Callable[[T], Sequence[Any]],
    *,
    as_json: bool,
    as_csv: bool = False,
    ids: bool = False,
    id_of: Callable[[T], object] = _record_id,
) -> None:
    """A list command's answer: only the ids (`--ids`), the records as JSON (`--json`), or
    a table of their CELLS (CSV with `--csv`); the cells are worked out only for a table."""
    if ids:
        print_ids(id_of(item) for item in items)
        return
    if as_json:
        print_json(items)
        return
    table(columns, [cells(item) for item in items], as_csv=as_csv)


def no_markup(text: str) -> str:
    """Stored text placed inside Rich markup: a "[" in a name or a note opens no tag."""
    return text.replace("[", r"\[")


# Rich's markup tag and emoji code (rich/markup.py RE_TAGS, rich/_emoji_replace.py): what
# `plain` must see to know whether it may strip the tags itself.
_MARKUP_TAG = re.compile(r"(\\*)\[[a-z#/@][^[]*?]")
_EMOJI_CODE = re.compile(r":\S*?:")


def plain(markup: str) -> str:
    """MARKUP as Rich prints it without styles. Our own markup (tags, stored text with its
    "[" escaped by `no_markup`) is stripped here: importing Rich is about 7% of a one-liner
    (64 M instructions of 940 M, measured). Text Rich would read differently (a backslash before a tag, an emoji code
    such as :smile:) goes through Rich itself, so the output is the same either way."""
    tags = list(_MARKUP_TAG.finditer(markup))
    if any(m.group(1) for m in tags) or _EMOJI_CODE.search(markup):
        from rich.text import Text

        return Text.from_markup(markup).plain
    stripped = _MARKUP_TAG.sub("", markup) if tags else markup
    return stripped.replace("\\[", "[")


def say(text: str) -> None:
    """Human output (Rich markup in a terminal, plain when piped); stored text in it is
    escaped (core/text.py), the markup holds no control characters of its own."""
    text = escape(text)
    if sys.stdout.isatty():
        _rich_console().print(text)
    else:
        typer.echo(plain(text))
