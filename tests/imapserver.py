"""A real IMAP server for the tests: Dovecot (Debian's dovecot-imapd) in a temporary folder.

It runs with its own config file on 127.0.0.1, plain text (no TLS), one user from a
passwd-file. As root, Dovecot's login and mail processes run as the package's 'dovenull' and
'dovecot' users (it refuses uid 0 for them), so the mail folder belongs to 'dovecot'; as
anyone else, everything runs as that user. .ci/run installs the package.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

BINARY = "/usr/sbin/dovecot"
USER = "support"
PASSWORD = "s3cret-imap"


def unavailable() -> str:
    """Why no server can be started here ('' when one can)."""
    if not Path(BINARY).exists() or not Path("/usr/lib/dovecot/imap").exists():
        return "Dovecot is not installed (apt-get install dovecot-imapd)"
    if os.geteuid() == 0:
        for name in ("dovecot", "dovenull"):
            try:
                pwd.getpwnam(name)
            except KeyError:
                return f"running as root and there is no {name!r} user (the package makes it)"
    return ""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Dovecot:
    """One server for a test module; `port`, USER and PASSWORD reach it."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="pocketcrm-imap-"))
        self.port = _free_port()
        self.config = self.root / "dovecot.conf"

    def _users(self) -> tuple[str, str, str]:
        if os.geteuid() == 0:
            return "dovenull", "dovecot", "dovecot"
        me = pwd.getpwuid(os.geteuid()).pw_name
        return me, me, me

    def _write_config(self) -> None:
        login, internal, mail_user = self._users()
        mail = self.root / "mail"
        mail.mkdir()
        (self.root / "run").mkdir()
        (self.root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        if os.geteuid() == 0:
            record = pwd.getpwnam(mail_user)
            os.chown(mail, record.pw_uid, record.pw_gid)
            os.chmod(self.root, 0o755)
        self.config.write_text(
            f"""
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login}
default_internal_user = {internal}
mail_location = maildir:{mail}/%u
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {self.root}/users
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_user} home={mail}/%u
}}
service imap-login {{
  inet_listener imap {{
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""
        )

    def start(self) -> Dovecot:
        self._write_config()
        # Dovecot daemonizes and its children keep inherited pipes open: no capture here.
        subprocess.run(
            [BINARY, "-c", str(self.config)],
            check=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                    if conn.recv(100).startswith(b"* OK"):
                        return self
            except OSError:
                time.sleep(0.05)
        log = (self.root / "dovecot.log").read_text(errors="replace")
        raise RuntimeError(f"Dovecot did not start: {log[-2000:]}")

    def append(self, folder: str, raw: bytes) -> None:
        """Deliver one message into the user's FOLDER (made when missing), as IMAP APPEND."""
        from imapclient import IMAPClient

        with IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10) as client:
            client.login(USER, PASSWORD)
            if not client.folder_exists(folder):
                client.create_folder(folder)
            client.append(folder, raw)

    def stop(self) -> None:
        pid_file = self.root / "run" / "master.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().strip())
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
        shutil.rmtree(self.root, ignore_errors=True)
