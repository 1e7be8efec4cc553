"""A real PostgreSQL server for the tests: a throwaway cluster in a temporary folder.

initdb and pg_ctl come from the system (Debian's postgresql package; .ci/run installs it).
PostgreSQL refuses to run as root, so as root the cluster belongs to the 'postgres' user.
It listens on a Unix socket only. POCKETCRM_TEST_PG_URL names an existing server instead.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

PORT = 55433


def _tool(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def unavailable() -> str:
    """Why no server can be started here ('' when one can)."""
    if os.environ.get("POCKETCRM_TEST_PG_URL"):
        return ""
    if _tool("initdb") is None or _tool("pg_ctl") is None:
        return "PostgreSQL's initdb/pg_ctl are not installed (apt-get install postgresql)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run the server"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install -e '.[dev]')"
    return ""


class PgServer:
    """One cluster for the test session; `database()` hands out a fresh empty database."""

    def __init__(self) -> None:
        self.given = os.environ.get("POCKETCRM_TEST_PG_URL", "")
        self.root = Path(tempfile.mkdtemp(prefix="pocketcrm-pg-"))
        self.count = 0

    def _run(self, *args: str) -> None:
        command = list(args)
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True)

    def start(self) -> PgServer:
        if self.given:
            return self
        os.chmod(self.root, 0o777)
        if os.geteuid() == 0:
            postgres = pwd.getpwnam("postgres")
            os.chown(self.root, postgres.pw_uid, postgres.pw_gid)
        data = self.root / "data"
        initdb, pg_ctl = _tool("initdb"), _tool("pg_ctl")
        assert initdb and pg_ctl
        self._run(initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        options = f"-k {self.root} -p {PORT} -c listen_addresses='' -c fsync=off"
        self._run(pg_ctl, "-D", str(data), "-o", options, "-l", str(self.root / "log"), "-w",
                  "start")  # fmt: skip
        return self

    def stop(self) -> None:
        if not self.given:
            pg_ctl = _tool("pg_ctl")
            assert pg_ctl
            self._run(pg_ctl, "-D", str(self.root / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, name: str) -> str:
        if self.given:
            base, _, _ = self.given.rpartition("/")
            return f"{base}/{name}"
        return f"postgresql://postgres@/{name}?host={self.root}&port={PORT}"

    def execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(sql)

    def database(self, template: str = "template1", name: str = "") -> str:
        """A new database, a copy of TEMPLATE (empty by default): its URL."""
        self.count += 1
        name = name or f"crm_{os.getpid()}_{self.count}"
        self.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url(name)
