"""What row-level security costs in team mode: `list`, `show` and `log-call` on PostgreSQL
at 100,000 contacts, as a sales login, with the roles' policies on and with them off.

Starts its own throwaway PostgreSQL cluster (tests/pgserver.py), builds one seeded database
with pocketcrm.core.demo.generate (cached only for the run), gives half the contacts to a
sales login, and copies it (CREATE DATABASE ... TEMPLATE) into a twin where every policy,
guard trigger and FORCE is taken off. Each measured run is a new `pocketcrm` process
connected as that login, alternately on one database and the other. The figure (goal:
<= 1.2x on/off) is the ratio of the median cost of a command: the CPU time of the process
plus the server's own time for its statements (from the server's log, every statement's
duration while the bench runs); what row-level security adds is in the second part. The
wall times are shown beside: under load they mostly measure the queue for a core (as in
bench/run.py, which judges on CPU time for the same reason).

Run: .venv/bin/python bench/bench_rls.py [--contacts N] [--runs N]
"""

from __future__ import annotations

import argparse
import re
import resource
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
DURATION = re.compile(r"duration: ([0-9.]+) ms")
Timing = tuple[float, float]  # (wall, cost: the process's CPU + the server's time), seconds
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


def server_ms(log: Path, start: int) -> float:
    """The server's own time for the statements logged since byte START of its LOG (every
    statement is logged with its duration while the bench runs: log_min_duration_statement)."""
    with log.open() as handle:
        handle.seek(start)
        return sum(float(ms) for ms in DURATION.findall(handle.read()))


def one_run(log: Path, url: str, args: list[str]) -> Timing:
    """(wall, cost) of one `pocketcrm ARGS` process as the sales login, in seconds; its cost
    is the CPU time of the process plus the server's time for its statements."""
    start = log.stat().st_size
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = run_cold([POCKETCRM, *args], {"POCKETCRM_DB": as_login(url)})[0]
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu + server_ms(log, start) / 1000


def timed(server: PgServer, urls: dict[str, str], args: list[str], runs: int) -> dict[str, Timing]:
    """Each database's median (wall, cost) of ARGS, the runs alternating between them: the
    load of a shared machine drifts within a session, and a ratio of two blocks measured
    minutes apart mostly measures that drift."""
    log = server.root / "log"
    samples: dict[str, list[Timing]] = {name: [] for name in urls}
    for index in range(runs + 1):  # the first round warms the page cache and the buffers
        for name, url in urls.items():
            timing = one_run(log, url, args)
            if index:
                samples[name].append(timing)
    return {
        name: (statistics.median(w for w, _ in got), statistics.median(c for _, c in got))
        for name, got in samples.items()
    }


def log_statements(server: PgServer, on: bool) -> None:
    """Every statement's duration in the server's log (or no longer)."""
    value = "0" if on else "DEFAULT"
    server.execute(f"ALTER SYSTEM SET log_min_duration_statement = {value}")
    server.execute("SELECT pg_reload_conf()")


def own_contact(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT min(id) FROM contact WHERE owner = %s", (LOGIN,)).fetchone()
    assert row is not None
    return int(row[0])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=9)
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
        print(f"{'':10} {'cost: CPU + server':^21}  {'':21} {'wall':^21}")
        print(f"{'command':10} {'rls on':>10} {'rls off':>10}  ratio (goal <= {GOAL}x) "
              f"{'rls on':>10} {'rls off':>10}  ratio")  # fmt: skip
        log_statements(server, True)
        for name, argv in commands.items():
            got = timed(server, {"on": on, "off": off}, argv, args.runs)
            (wall_on, cost_on), (wall_off, cost_off) = got["on"], got["off"]
            ratio = cost_on / cost_off
            worst = max(worst, ratio)
            print(f"{name:10} {ms(cost_on)} {ms(cost_off)}  {ratio:5.2f}x{'':15} "
                  f"{ms(wall_on)} {ms(wall_off)}  {wall_on / wall_off:.2f}x")  # fmt: skip
        log_statements(server, False)
        print("ok" if worst <= GOAL else f"OVER the goal: {worst:.2f}x")
        return 0 if worst <= GOAL else 1
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
