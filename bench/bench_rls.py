"""What row-level security costs in team mode: `list`, `show` and `log-call` on PostgreSQL
at 100,000 contacts, as a sales login, with the roles' policies on and with them off.

Starts its own throwaway PostgreSQL cluster (tests/pgserver.py), builds one seeded database
with pocketcrm.core.demo.generate (cached only for the run), gives half the contacts to a
sales login, and copies it (CREATE DATABASE ... TEMPLATE) into a twin where every policy,
guard trigger and FORCE is taken off. Each measured run is a new `pocketcrm` process
connected as that login; the ratio on/off is the figure (goal: <= 1.2x), both measured in
the same session because this machine is noisy.

Run: .venv/bin/python bench/bench_rls.py [--contacts N] [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from common import POCKETCRM, ms, run_cold

import pgserver
from pgserver import PgServer

GOAL = 1.2
LOGIN = "bench_sales"
GUARDED = (
    "contact", "company", "deal", "interaction", "follow_up", "contact_email", "contact_phone",
    "contact_address", "contact_website", "custom_field", "contact_tag", "stage_change",
    "contact_alternate", "invoice", "payment", "company_tag", "deal_stage_change",
)  # fmt: skip


def build(server: PgServer, contacts: int) -> str:
    """The seeded database with policies on, half its contacts owned by the sales login."""
    from sqlalchemy import text

    from pocketcrm.core.demo import generate
    from pocketcrm.core.services import users
    from pocketcrm.core.store import open_store

    url = server.database(name="rls_on")
    store = open_store(url)
    started = time.perf_counter()
    generate(
        store,
        contacts=contacts,
        companies=max(1, contacts // 10),
        interactions=contacts,
        follow_ups=contacts // 10,
        seed=1,
    )
    users.add_user(store, users.UserInput(LOGIN, role="sales"), password="a long bench password")
    with store.write() as session:
        session.execute(text("UPDATE contact SET owner = :l WHERE id % 2 = 0"), {"l": LOGIN})
        for (table,) in session.execute(
            text("SELECT table_name FROM information_schema.columns WHERE column_name = 'id' "
                 "AND table_schema = current_schema() AND column_default LIKE 'nextval%'")
        ).all():  # fmt: skip
            session.execute(  # the generator wrote ids itself: the sequences follow
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                     f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)")
            )  # fmt: skip
        session.execute(text("ANALYZE"))
    store.close()
    print(f"built {contacts:,} contacts in {time.perf_counter() - started:.0f} s")
    return url


def without_rls(server: PgServer) -> str:
    """A twin of rls_on with every policy, guard and FORCE taken off (the grants stay)."""
    url = server.database(template="rls_on", name="rls_off")
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for table in GUARDED:
            conn.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
            conn.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
            conn.execute(f"DROP TRIGGER IF EXISTS pocketcrm_guard ON {table}")
        conn.execute("DROP TRIGGER IF EXISTS pocketcrm_interaction_owner ON interaction")
    return url


def as_login(url: str) -> str:
    return url.replace("postgresql://postgres@", f"postgresql://{LOGIN}@", 1)


def timed(url: str, args: list[str], runs: int) -> float:
    env = {"POCKETCRM_DB": as_login(url)}
    run_cold([POCKETCRM, *args], env)  # the page cache and the server's buffers warm
    return statistics.median(run_cold([POCKETCRM, *args], env)[0] for _ in range(runs))


def own_contact(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT min(id) FROM contact WHERE owner = %s", (LOGIN,)).fetchone()
    assert row is not None
    return int(row[0])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    reason = pgserver.unavailable()
    if reason:
        print(f"skipped: {reason}")
        return 0
    pgserver.PORT = 55480  # beside a test session's server, never on it
    server = PgServer().start()
    try:
        on = build(server, args.contacts)
        off = without_rls(server)
        mine = str(own_contact(on))
        commands = {
            "list": ["list", "--limit", "50"],
            "show": ["show", mine],
            "log-call": ["log-call", mine, "--outcome", "reached"],
        }
        worst = 0.0
        print(f"{'command':10} {'rls on':>10} {'rls off':>10}  ratio (goal <= {GOAL}x)")
        for name, argv in commands.items():
            with_rls, without = timed(on, argv, args.runs), timed(off, argv, args.runs)
            ratio = with_rls / without
            worst = max(worst, ratio)
            print(f"{name:10} {ms(with_rls)} {ms(without)}  {ratio:.2f}x")
        print("ok" if worst <= GOAL else f"OVER the goal: {worst:.2f}x")
        return 0 if worst <= GOAL else 1
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
