"""Housekeeping: where, config, demo."""

from __future__ import annotations

from typing import Annotated

import typer

from pocketcrm import humanize
from pocketcrm.commands.common import DbOption, JsonOption, db_location, handle_errors, print_json

config_app = typer.Typer(
    add_completion=False,
    help="Read and change settings (a TOML file in the config directory).",
    no_args_is_help=True,
)


@handle_errors
def where(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Print where the database, config, backups and logs are."""
    from pocketcrm import paths

    location = db_location(db)
    if "://" not in location:
        from pathlib import Path

        backups = str(Path(location).expanduser().absolute().parent / "backups")
    else:
        backups = str(paths.data_dir() / "backups")  # pg_dump archives
    facts = {
        "database": paths.shown(location),
        "config": str(paths.config_path()),
        "backups": backups,
        "logs": str(paths.state_dir()),
        "demo": str(paths.demo_db()),
    }
    if as_json:
        print_json(facts)
        return
    for name, value in facts.items():
        typer.echo(f"{name:<9} {value}")


@config_app.command("list")
@handle_errors
def config_list(as_json: JsonOption = False) -> None:
    """Every setting with its current value."""
    from pocketcrm import config

    values = config.flatten(config.load())
    if as_json:
        print_json(values)
        return
    for key, value in values.items():
        shown = ", ".join(value) if isinstance(value, list) else value
        typer.echo(f"{key} = {shown}    # {config.KEYS[key]}")


@config_app.command("get")
@handle_errors
def config_get(
    key: Annotated[
        str, typer.Argument(help="A setting, e.g. owner or reminders.channels.", metavar="KEY")
    ],
) -> None:
    """Print one setting."""
    from pocketcrm import config

    value = config.get_value(key)
    typer.echo(", ".join(value) if isinstance(value, list) else value)


@config_app.command("set")
@handle_errors
def config_set(
    key: Annotated[
        str, typer.Argument(help="A setting (see `pocketcrm config list`).", metavar="KEY")
    ],
    value: Annotated[
        str, typer.Argument(help="The new value (lists comma-separated).", metavar="VALUE")
    ],
) -> None:
    """Change one setting."""
    from pocketcrm import config

    stored = config.set_value(key, value)
    typer.echo(f"{key} = {', '.join(stored) if isinstance(stored, list) else stored}")


@handle_errors
def demo(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Where to build it (default: demo.db in the data directory).",
            metavar="FILE",
        ),
    ] = None,
    contacts: Annotated[int, typer.Option(min=1, help="How many contacts.", metavar="N")] = 300,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same data).", metavar="N")] = 7,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing demo database.")
    ] = False,
) -> None:
    """Build a separate demo database with realistic contacts, companies, calls and follow-ups."""
    from pathlib import Path

    from pocketcrm import paths
    from pocketcrm.commands.common import load_settings, root_db
    from pocketcrm.core.demo import build_demo
    from pocketcrm.core.errors import Invalid
    from pocketcrm.core.store import open_store

    db = db or root_db()  # `pocketcrm --db X demo` as well as `pocketcrm demo --db X`
    target = Path(db).expanduser() if db else paths.demo_db()
    if target.exists():
        if not force:
            raise Invalid("db", f"{target} exists; pass --force to replace it")
        for suffix in ("", "-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
    if not db:
        paths.ensure_private_dir(target.parent)
    store = open_store(target, load_settings())
    counts = build_demo(store, contacts=contacts, seed=seed)
    typer.echo(
        f"demo database: {target}\n"
        f"  {humanize.count(counts['contacts'], 'contact')}, {humanize.count(counts['companies'], 'company')}, "
        f"{humanize.count(counts['interactions'], 'interaction')}, "
        f"{humanize.count(counts['follow_ups'], 'follow-up')}\n"
        f"try it:\n  pocketcrm --db {target} agenda\n  pocketcrm --db {target} report\n"
        f"  pocketcrm --db {target}            (the full-screen interface)\n"
        f"or for a whole shell session: export POCKETCRM_DB={target}"
    )
