"""Where `mail fetch` reads: a Maildir folder, an mbox file, or an IMAP mailbox.

Each source yields its messages as raw bytes with a key (a file name, a position, an IMAP
UID). The IMAP source reads only UIDs above the last one the intake settled (the intake
stores it with each batch, so a killed fetch starts again at the first unsettled message)
and opens the mailbox read-only: fetching never marks anything read or moves it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pocketcrm.core.errors import CrmError, Invalid
from pocketcrm.core.settings import MailConfig

IMAP_BATCH = 200  # messages per FETCH


class MailFailed(CrmError):
    """The mailbox could not be read (a login refused, a server gone): one line, exit 1."""

    exit_code = 1


@dataclass(frozen=True)
class Item:
    key: str
    raw: bytes


class Source:
    """A mailbox: `label` names it in the records, `messages()` yields what it holds."""

    label = ""
    position = ""  # where the last fetch stopped (IMAP: "uidvalidity:uid"), "" for files

    def messages(self) -> Iterator[Item]:
        raise NotImplementedError

    def resume_from(self, position: str) -> None:
        """Start after POSITION (only the IMAP source keeps one)."""

    def close(self) -> None:
        """Let go of the connection (IMAP)."""


class MaildirSource(Source):
    """cur/ and new/ of a Maildir, oldest file name first (Maildir names start with time)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.label = f"maildir:{path}"

    def messages(self) -> Iterator[Item]:
        for sub in ("cur", "new"):
            folder = self.path / sub
            try:
                names = sorted(e.name for e in os.scandir(folder) if e.is_file())
            except FileNotFoundError:
                continue
            for name in names:
                try:
                    raw = (folder / name).read_bytes()
                except FileNotFoundError:  # moved by the mail client meanwhile: next run
                    continue
                yield Item(f"{sub}/{name}", raw)


class MboxSource(Source):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.label = f"mbox:{path}"

    def messages(self) -> Iterator[Item]:
        import mailbox

        box = mailbox.mbox(str(self.path), create=False)
        try:
            for key in box.iterkeys():
                yield Item(str(key), box.get_bytes(key))
        finally:
            box.close()


def imap_password(config: MailConfig) -> str:
    """From the environment variable named in the config, else the system keyring."""
    if config.password_env and os.environ.get(config.password_env):
        return os.environ[config.password_env]
    try:
        import keyring  # only when a password is needed

        value = keyring.get_password("pocketcrm-imap", config.imap_user)
    except Exception:  # noqa: BLE001 - any keyring backend fails its own way (no D-Bus, locked)
        return ""
    return value if isinstance(value, str) else ""


def _reason(exc: BaseException) -> str:
    text = exc.args[0] if exc.args else exc
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(str(text).split()) or type(exc).__name__


class ImapSource(Source):
    def __init__(self, config: MailConfig, folder: str) -> None:
        self.config = config
        self.folder = folder
        self.label = f"imap:{config.imap_user}@{config.imap_host}/{folder}"
        self.client: Any = None
        self.after = 0
        self.validity = ""

    def _connect(self) -> Any:
        import imaplib
        import ssl

        from imapclient import IMAPClient
        from imapclient.exceptions import IMAPClientError

        config = self.config
        password = imap_password(config)
        if not password:
            raise Invalid(
                "mail.password",
                f"no IMAP password for {config.imap_user!r}: set {config.password_env} or "
                f"store it with `keyring set pocketcrm-imap {config.imap_user}`",
            )
        where = f"{config.imap_host}:{config.imap_port}"
        try:
            client = IMAPClient(
                config.imap_host, port=config.imap_port, ssl=config.imap_security == "ssl",
                timeout=30,
            )  # fmt: skip
        except (OSError, IMAPClientError, imaplib.IMAP4.error) as exc:
            raise MailFailed(f"cannot reach the IMAP server {where}: {_reason(exc)}") from None
        try:
            if config.imap_security == "starttls":
                client.starttls(ssl.create_default_context())
            client.login(config.imap_user, password)
            selected = client.select_folder(self.folder, readonly=True)
        except (OSError, IMAPClientError, imaplib.IMAP4.error) as exc:
            client.shutdown()
            raise MailFailed(
                f"IMAP login to {where} as {config.imap_user!r} failed: {_reason(exc)}"
            ) from None
        self.validity = str(selected.get(b"UIDVALIDITY", ""))
        return client

    def resume_from(self, position: str) -> None:
        validity, _, uid = position.partition(":")
        self._resume = (validity, int(uid) if uid.isdigit() else 0)

    def messages(self) -> Iterator[Item]:
        self.client = self._connect()
        validity, uid = getattr(self, "_resume", ("", 0))
        self.after = uid if validity == self.validity else 0
        uids = sorted(
            u for u in self.client.search(["UID", f"{self.after + 1}:*"]) if u > self.after
        )
        for start in range(0, len(uids), IMAP_BATCH):
            chunk = uids[start : start + IMAP_BATCH]
            fetched = self.client.fetch(chunk, ["BODY.PEEK[]"])
            for uid_ in chunk:
                data = fetched.get(uid_, {})
                raw = data.get(b"BODY[]", b"")
                self.position = f"{self.validity}:{uid_}"
                yield Item(str(uid_), raw if isinstance(raw, bytes) else b"")

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.logout()
            except Exception:  # noqa: BLE001 - leaving anyway; the server may be gone
                self.client.shutdown()
            self.client = None


def open_source(spec: str, config: MailConfig) -> Source:
    """SPEC is a Maildir folder, an mbox file, "imap" (the configured account's folder) or
    "imap:FOLDER"; empty means the configured mail.source."""
    spec = (spec or config.source).strip()
    if not spec:
        raise Invalid("source", "say where to read: a Maildir, an mbox, or imap (mail.source)")
    if spec == "imap" or spec.startswith("imap:"):
        if not (config.imap_host and config.imap_user):
            raise Invalid("mail.imap_host", "set mail.imap_host and mail.imap_user to use IMAP")
        return ImapSource(config, spec.partition(":")[2] or config.imap_folder)
    path = Path(spec).expanduser()
    if path.is_dir():
        if not (path / "cur").is_dir() and not (path / "new").is_dir():
            raise Invalid("source", f"{path} is a folder but not a Maildir (no cur/ or new/)")
        return MaildirSource(path)
    if path.is_file():
        return MboxSource(path)
    raise Invalid("source", f"{path} does not exist; give a Maildir folder or an mbox file")
