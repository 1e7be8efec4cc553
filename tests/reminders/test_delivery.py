"""Delivery channels against real things: an SMTP server, subprocesses, a private D-Bus.

No `from __future__ import annotations` here: dbus-fast reads the fake notification
server's method annotations at class creation, and they must be real objects.
"""

import asyncio
import email
import email.policy
import io
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import pytest

from pocketcrm.core.delivery import (
    DeliveryFailed,
    Reminder,
    SmtpSettings,
    build_digest,
    deliver_command,
    deliver_desktop,
    deliver_email,
    deliver_stdout,
    format_plain,
    smtp_password,
)
from pocketcrm.core.errors import Invalid
from pocketcrm.core.settings import SmtpConfig

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)


def reminders() -> list[Reminder]:
    return [
        Reminder(
            key="follow_up:12:2026-11-26T09:00:00+00:00",
            kind="follow_up",
            contact_id=12,
            contact_name="Ann Lee",
            title="Follow up with Ann Lee: send the quote",
            due=datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
            detail="she asked for\nthe blue model",
            contact_email="ann@example.com",
        ),
        Reminder(
            key="birthday:7:2026-11-27",
            kind="birthday",
            contact_id=7,
            contact_name="Zoë Brown",
            title="Zoë Brown's birthday",
            due=datetime(2026, 11, 27, 9, 0, tzinfo=UTC),
        ),
        Reminder(
            key="overdue:3:2026-11-20T14:30:00+00:00",
            kind="overdue",
            contact_id=3,
            contact_name="Bob Ng",
            title="Overdue: call Bob Ng about the invoice",
            due=datetime(2026, 11, 20, 14, 30, tzinfo=UTC),
            contact_phone="+44 20 7946 0000",
        ),
        Reminder(
            key="follow_up:4:2026-11-26T08:00:00+00:00",
            kind="follow_up",
            contact_id=4,
            contact_name="Cy Dee",
            title="Follow up with Cy Dee",
            due=datetime(2026, 11, 26, 8, 0, tzinfo=UTC),
        ),
    ]


EXPECTED_PLAIN = """\
pocketcrm: 4 reminders (times in Europe/London)

Overdue (1)
  Fri 20 Nov 2026 14:30  Overdue: call Bob Ng about the invoice (contact #3)

Follow-ups (2)
  Thu 26 Nov 2026 08:00  Follow up with Cy Dee (contact #4)
  Thu 26 Nov 2026 09:00  Follow up with Ann Lee: send the quote - she asked for the blue model (contact #12)

Birthdays (1)
  Fri 27 Nov 2026  Zoë Brown's birthday (contact #7)
"""


# --- plain text and stdout ----------------------------------------------------------------


def test_format_plain_groups_by_kind_in_the_users_zone() -> None:
    assert format_plain(reminders(), zone=LONDON) == EXPECTED_PLAIN


def test_format_plain_shows_times_in_the_given_zone() -> None:
    text = format_plain(reminders()[:1], zone=ZoneInfo("America/New_York"))
    assert text.splitlines()[0] == "pocketcrm: 1 reminder (times in America/New_York)"
    assert "Thu 26 Nov 2026 04:00  Follow up with Ann Lee" in text


def test_format_plain_without_reminders() -> None:
    assert format_plain([], zone=LONDON) == "No reminders due.\n"


def test_a_naive_due_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Reminder("k", "follow_up", 1, "A", "t", datetime(2026, 1, 1))


def test_deliver_stdout_writes_the_digest() -> None:
    out = io.StringIO()
    deliver_stdout(reminders(), out, zone=LONDON)
    assert out.getvalue() == EXPECTED_PLAIN


def test_deliver_stdout_survives_an_ascii_only_stream() -> None:
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="ascii")
    deliver_stdout(reminders(), out, zone=LONDON)
    assert "Zo? Brown's birthday (contact #7)" in raw.getvalue().decode("ascii")


def test_deliver_stdout_to_a_closed_stream_fails() -> None:
    out = io.StringIO()
    out.close()
    with pytest.raises(DeliveryFailed, match=r"^stdout: "):
        deliver_stdout(reminders(), out, zone=LONDON)


# --- a real SMTP server -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Recorder:
    """An aiosmtpd handler that keeps what it receives and can refuse on demand."""

    refuse_rcpt: set[str] = field(default_factory=set)
    refuse_data: str = ""
    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.refuse_rcpt:
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_data:
            return self.refuse_data
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@dataclass
class Server:
    handler: Recorder
    port: int


def _start(handler: Recorder, **kwargs: Any) -> Iterator[Server]:
    from aiosmtpd.controller import Controller

    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield Server(handler, port)
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[Server]:
    yield from _start(Recorder())


@pytest.fixture
def auth_server() -> Iterator[Server]:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    handler = Recorder()

    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> Any:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        handler.logins.append((auth_data.login, auth_data.password))
        ok = auth_data.login == b"ann" and auth_data.password == b"s3cret pass"
        return AuthResult(success=ok, handled=False)  # unhandled: the server answers 235/535

    yield from _start(handler, authenticator=authenticator, auth_require_tls=False)


def settings_for(server_port: int, **changes: Any) -> SmtpSettings:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": server_port,
        "security": "none",
        "sender": "pocketcrm@example.com",
        "recipients": ["me@example.com", "team@example.com"],
        "timeout": 5.0,
    }
    values.update(changes)
    return SmtpSettings(**values)


def parse(raw: bytes) -> email.message.EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    return message


def test_build_digest_headers_and_body() -> None:
    message = build_digest(reminders(), settings_for(25), zone=LONDON, now=NOW)
    assert message["Subject"] == "pocketcrm: 4 reminders for Thu 26 Nov"
    assert message["From"] == "pocketcrm@example.com"
    assert message["To"] == "me@example.com, team@example.com"
    assert message["Date"] == "Thu, 26 Nov 2026 08:30:00 +0000"
    assert message["Message-ID"].endswith("@example.com>")
    assert message.get_content() == EXPECTED_PLAIN


def test_build_digest_subject_uses_the_local_day() -> None:
    one = reminders()[:1]
    late = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)
    message = build_digest(one, settings_for(25), zone=ZoneInfo("Asia/Tokyo"), now=late)
    assert message["Subject"] == "pocketcrm: 1 reminder for Fri 27 Nov"


def test_settings_from_config() -> None:
    config = SmtpConfig(host="mail.example.com", user="ann", recipients=["a@example.com"])
    settings = SmtpSettings.from_config(config, timeout=3)
    assert (settings.host, settings.port, settings.security) == (
        "mail.example.com",
        587,
        "starttls",
    )
    assert settings.recipients == ["a@example.com"] and settings.timeout == 3


def test_email_reaches_a_real_server(smtp_server: Server) -> None:
    warning = deliver_email(reminders(), settings_for(smtp_server.port), zone=LONDON, now=NOW)
    assert warning is None
    [(mail_from, rcpt_tos, raw)] = smtp_server.handler.messages
    assert mail_from == "pocketcrm@example.com"
    assert rcpt_tos == ["me@example.com", "team@example.com"]
    message = parse(raw)
    assert message["Subject"] == "pocketcrm: 4 reminders for Thu 26 Nov"
    body = message.get_content()
    assert body.splitlines() == EXPECTED_PLAIN.splitlines()


def test_nothing_to_send_sends_nothing(smtp_server: Server) -> None:
    assert deliver_email([], settings_for(smtp_server.port), zone=LONDON, now=NOW) is None
    assert smtp_server.handler.messages == []


def test_login_uses_the_password_from_the_environment(
    auth_server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POCKETCRM_SMTP_PASSWORD", "s3cret pass")
    settings = settings_for(auth_server.port, user="ann")
    deliver_email(reminders(), settings, zone=LONDON, now=NOW)
    assert auth_server.handler.logins == [(b"ann", b"s3cret pass")]
    assert len(auth_server.handler.messages) == 1


def test_a_wrong_password_fails_with_the_servers_answer(
    auth_server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POCKETCRM_SMTP_PASSWORD", "wrong")
    settings = settings_for(auth_server.port, user="ann")
    with pytest.raises(DeliveryFailed, match="refused the login for 'ann': 535") as failure:
        deliver_email(reminders(), settings, zone=LONDON, now=NOW)
    assert "\n" not in str(failure.value)
    assert auth_server.handler.messages == []


def test_a_missing_password_is_a_configuration_error(
    auth_server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POCKETCRM_SMTP_PASSWORD", raising=False)
    settings = settings_for(auth_server.port, user="ann", keyring_service="pocketcrm-test-none")
    with pytest.raises(Invalid, match="POCKETCRM_SMTP_PASSWORD") as failure:
        deliver_email(reminders(), settings, zone=LONDON, now=NOW)
    assert failure.value.field == "reminders.smtp.password"


def test_starttls_against_a_server_without_it_fails_clearly(smtp_server: Server) -> None:
    settings = settings_for(smtp_server.port, security="starttls")
    with pytest.raises(DeliveryFailed, match="does not offer STARTTLS"):
        deliver_email(reminders(), settings, zone=LONDON, now=NOW)
    assert smtp_server.handler.messages == []


def test_ssl_against_a_plain_server_fails(smtp_server: Server) -> None:
    settings = settings_for(smtp_server.port, security="ssl")
    with pytest.raises(DeliveryFailed, match="this port speaks plain SMTP"):
        deliver_email(reminders(), settings, zone=LONDON, now=NOW)


def test_a_silent_server_times_out() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings = settings_for(silent.getsockname()[1], timeout=0.5)
        with pytest.raises(DeliveryFailed, match=r"stopped answering \(no reply within 0\.5 s\)"):
            deliver_email(reminders(), settings, zone=LONDON, now=NOW)


def test_a_refused_recipient_fails_the_delivery() -> None:
    handler = Recorder(refuse_rcpt={"me@example.com"})
    for server in _start(handler):
        settings = settings_for(server.port, recipients=["me@example.com"])
        with pytest.raises(DeliveryFailed, match=r"refused every recipient: me@example\.com \(550"):
            deliver_email(reminders(), settings, zone=LONDON, now=NOW)


def test_some_recipients_refused_is_a_warning_not_a_retry() -> None:
    handler = Recorder(refuse_rcpt={"team@example.com"})
    for server in _start(handler):
        warning = deliver_email(reminders(), settings_for(server.port), zone=LONDON, now=NOW)
        assert warning == "email: 127.0.0.1 refused team@example.com; the others got the digest"
        [(_, rcpt_tos, _)] = handler.messages
        assert rcpt_tos == ["me@example.com"]


def test_a_server_refusing_the_message_fails_the_delivery() -> None:
    for server in _start(Recorder(refuse_data="554 5.7.1 rejected as spam")):
        with pytest.raises(DeliveryFailed, match=r"answered 554 5\.7\.1 rejected as spam"):
            deliver_email(reminders(), settings_for(server.port), zone=LONDON, now=NOW)


def test_a_closed_port_fails_the_delivery() -> None:
    settings = settings_for(free_port())
    with pytest.raises(DeliveryFailed, match="refused the connection") as failure:
        deliver_email(reminders(), settings, zone=LONDON, now=NOW)
    assert failure.value.channel == "email"
    assert failure.value.delivered == ()


@pytest.mark.parametrize(
    ("changes", "field_name"),
    [
        ({"host": ""}, "reminders.smtp.host"),
        ({"security": "tls"}, "reminders.smtp.security"),
        ({"recipients": []}, "reminders.smtp.recipients"),
        ({"recipients": ["nobody"]}, "reminders.smtp.recipients"),
        ({"sender": "", "user": "ann"}, "reminders.smtp.sender"),
        ({"port": 0}, "reminders.smtp.port"),
    ],
)
def test_bad_settings_say_which_field(changes: dict[str, Any], field_name: str) -> None:
    with pytest.raises(Invalid) as failure:
        deliver_email(reminders(), settings_for(25, **changes), zone=LONDON, now=NOW)
    assert failure.value.field == field_name


def test_the_sender_defaults_to_a_login_that_is_an_address() -> None:
    settings = settings_for(25, sender="", user="ann@example.com")
    assert build_digest(reminders(), settings, zone=LONDON, now=NOW)["From"] == "ann@example.com"


# --- the password -------------------------------------------------------------------------


@pytest.fixture
def memory_keyring() -> Iterator[dict[tuple[str, str], str]]:
    import keyring
    from keyring.backend import KeyringBackend

    store: dict[tuple[str, str], str] = {}

    class Memory(KeyringBackend):
        priority = 1

        def get_password(self, service: str, username: str) -> str | None:
            return store.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            store[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            store.pop((service, username), None)

    previous = keyring.get_keyring()
    keyring.set_keyring(Memory())  # type: ignore[no-untyped-call]
    try:
        yield store
    finally:
        keyring.set_keyring(previous)


def test_password_from_the_keyring(
    memory_keyring: dict[tuple[str, str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POCKETCRM_SMTP_PASSWORD", raising=False)
    memory_keyring[("pocketcrm", "ann")] = "from keyring"
    assert smtp_password(SmtpSettings(host="h", user="ann")) == "from keyring"
    assert smtp_password(SmtpSettings(host="h", user="bob")) == ""


def test_the_environment_wins_over_the_keyring(
    memory_keyring: dict[tuple[str, str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    memory_keyring[("pocketcrm", "ann")] = "from keyring"
    monkeypatch.setenv("MY_PW", "from env")
    assert smtp_password(SmtpSettings(host="h", user="ann", password_env="MY_PW")) == "from env"


def test_a_broken_keyring_gives_no_password(monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring
    from keyring.backend import KeyringBackend
    from keyring.errors import KeyringLocked

    class Locked(KeyringBackend):
        priority = 1

        def get_password(self, service: str, username: str) -> str | None:
            raise KeyringLocked("the wallet is locked")

        def set_password(self, service: str, username: str, password: str) -> None:
            raise KeyringLocked("the wallet is locked")

        def delete_password(self, service: str, username: str) -> None:
            raise KeyringLocked("the wallet is locked")

    monkeypatch.delenv("POCKETCRM_SMTP_PASSWORD", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(Locked())  # type: ignore[no-untyped-call]
    try:
        assert smtp_password(SmtpSettings(host="h", user="ann")) == ""
    finally:
        keyring.set_keyring(previous)


# --- a command per reminder ---------------------------------------------------------------

RECORD = """
import json, os, sys
with open(sys.argv[1], "a", encoding="utf-8") as out:
    env = {k: v for k, v in os.environ.items() if k.startswith("POCKETCRM_REMINDER_")}
    out.write(json.dumps({"env": env, "stdin": json.loads(sys.stdin.read())}) + "\\n")
fail_on = os.environ.get("FAIL_ON_KIND")
if fail_on and os.environ["POCKETCRM_REMINDER_KIND"] == fail_on:
    print("could not reach the phone", file=sys.stderr)
    sys.exit(3)
"""


def python_command(*args: str) -> str:
    return shlex.join([sys.executable, "-c", *args])


def test_command_runs_once_per_reminder_with_env_and_stdin(tmp_path: Path) -> None:
    log = tmp_path / "calls.jsonl"
    deliver_command(reminders()[:2], python_command(RECORD, str(log)), zone=LONDON)
    calls = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert len(calls) == 2
    first = calls[0]
    assert first["env"]["POCKETCRM_REMINDER_KEY"] == "follow_up:12:2026-11-26T09:00:00+00:00"
    assert first["env"]["POCKETCRM_REMINDER_KIND"] == "follow_up"
    assert first["env"]["POCKETCRM_REMINDER_CONTACT_ID"] == "12"
    assert first["env"]["POCKETCRM_REMINDER_CONTACT_NAME"] == "Ann Lee"
    assert first["env"]["POCKETCRM_REMINDER_TITLE"] == "Follow up with Ann Lee: send the quote"
    assert first["env"]["POCKETCRM_REMINDER_DUE"] == "2026-11-26T09:00:00+00:00"
    assert first["env"]["POCKETCRM_REMINDER_DETAIL"] == "she asked for\nthe blue model"
    assert first["env"]["POCKETCRM_REMINDER_CONTACT_EMAIL"] == "ann@example.com"
    assert first["stdin"] == {
        "key": "follow_up:12:2026-11-26T09:00:00+00:00",
        "kind": "follow_up",
        "contact_id": 12,
        "contact_name": "Ann Lee",
        "contact_email": "ann@example.com",
        "contact_phone": "",
        "title": "Follow up with Ann Lee: send the quote",
        "due": "2026-11-26T09:00:00+00:00",
        "detail": "she asked for\nthe blue model",
    }
    assert calls[1]["stdin"]["contact_name"] == "Zoë Brown"


def test_due_is_given_in_the_users_zone(tmp_path: Path) -> None:
    log = tmp_path / "calls.jsonl"
    deliver_command(reminders()[:1], python_command(RECORD, str(log)), zone=ZoneInfo("Asia/Tokyo"))
    [call] = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert call["env"]["POCKETCRM_REMINDER_DUE"] == "2026-11-26T18:00:00+09:00"


def test_a_failing_command_names_the_reminder_and_what_was_delivered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAIL_ON_KIND", "birthday")
    log = tmp_path / "calls.jsonl"
    with pytest.raises(DeliveryFailed) as failure:
        deliver_command(reminders(), python_command(RECORD, str(log)), zone=LONDON)
    assert str(failure.value) == (
        "command: "
        f"{os.path.basename(sys.executable)} exited with status 3 for birthday:7:2026-11-27: "
        "could not reach the phone"
    )
    assert failure.value.delivered == ("follow_up:12:2026-11-26T09:00:00+00:00",)
    assert len(log.read_text(encoding="utf-8").splitlines()) == 2


def test_a_hanging_command_times_out() -> None:
    with pytest.raises(DeliveryFailed, match=r"timed out after 0.5 s for follow_up:12:"):
        deliver_command(
            reminders()[:1], python_command("import time; time.sleep(30)"), zone=LONDON, timeout=0.5
        )


def test_a_missing_program_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(Invalid) as failure:
        deliver_command(reminders(), str(tmp_path / "no-such-program"), zone=LONDON)
    assert failure.value.field == "reminders.command"
    with pytest.raises(Invalid):
        deliver_command(reminders(), "   ", zone=LONDON)


# --- desktop notifications ----------------------------------------------------------------


@pytest.fixture
def no_session(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No D-Bus session reachable and no notify-send on PATH: a server or a bare cron job."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-such-bus")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("PATH", str(bin_dir))
    return bin_dir


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="D-Bus is the Linux service")
def test_desktop_without_a_session_warns_and_does_not_raise(
    no_session: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    warning = deliver_desktop(reminders(), zone=LONDON)
    assert warning is not None
    assert warning.startswith("desktop notifications unavailable (")
    assert "notify-send not found" in warning
    assert warning.endswith("4 of 4 not shown")
    assert "\n" not in warning
    assert capfd.readouterr().err == ""  # nothing for cron to mail but the caller's warning


def fake_notify_send(bin_dir: Path, log: Path, status: int = 0) -> None:
    script = bin_dir / "notify-send"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        f"open({str(log)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n"
        f"print('notify-send says no', file=sys.stderr) if {status} else None\n"
        f"sys.exit({status})\n",
        encoding="utf-8",
    )
    script.chmod(0o755)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="notify-send is Linux's")
def test_desktop_falls_back_to_notify_send(
    no_session: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "notify.jsonl"
    fake_notify_send(no_session, log)
    monkeypatch.setitem(sys.modules, "desktop_notifier", None)  # the library is missing
    assert deliver_desktop(reminders()[:2], zone=LONDON) is None
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert calls == [
        [
            "--app-name=pocketcrm",
            "--",
            "Follow up with Ann Lee: send the quote",
            "Thu 26 Nov 2026 09:00 · Ann Lee\nshe asked for the blue model",
        ],
        ["--app-name=pocketcrm", "--", "Zoë Brown's birthday", "Fri 27 Nov 2026 · Zoë Brown"],
    ]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="notify-send is Linux's")
def test_more_than_five_reminders_become_one_summary(no_session: Path, tmp_path: Path) -> None:
    log = tmp_path / "notify.jsonl"
    fake_notify_send(no_session, log)
    many = [
        Reminder(f"cadence:{i}", "cadence", i, f"P{i}", f"Get in touch with P{i}", NOW)
        for i in range(7)
    ]
    assert deliver_desktop(many, zone=LONDON) is None  # the library fails, notify-send works
    [call] = [json.loads(line) for line in log.read_text().splitlines()]
    assert call[2] == "pocketcrm: 7 reminders"
    assert call[3].splitlines() == [
        *(f"Get in touch with P{i}" for i in range(5)),
        "...and 2 more: run `pocketcrm remind` for the list",
    ]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="notify-send is Linux's")
def test_a_failing_notify_send_is_a_warning(no_session: Path, tmp_path: Path) -> None:
    fake_notify_send(no_session, tmp_path / "notify.jsonl", status=1)
    warning = deliver_desktop(reminders()[:1], zone=LONDON)
    assert warning is not None
    assert warning.endswith("notify-send: notify-send says no); 1 of 1 not shown")


def test_desktop_with_nothing_to_show() -> None:
    assert deliver_desktop([], zone=LONDON) is None


@dataclass
class Bus:
    address: str
    received: list[tuple[str, str, str]]


@pytest.fixture
def session_bus(tmp_path: Path) -> Iterator[Bus]:
    """A private D-Bus session with a fake org.freedesktop.Notifications server on it."""
    pytest.importorskip("dbus_fast")
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        pytest.skip("dbus-daemon is not installed")
    from dbus_fast.aio import MessageBus
    from dbus_fast.annotations import DBusDict, DBusInt32, DBusSignature, DBusStr, DBusUInt32
    from dbus_fast.service import ServiceInterface, dbus_method

    strings = Annotated[list[str], DBusSignature("as")]
    received: list[tuple[str, str, str]] = []

    class Notifications(ServiceInterface):
        def __init__(self) -> None:
            super().__init__("org.freedesktop.Notifications")

        @dbus_method()
        def Notify(
            self,
            app_name: DBusStr,
            replaces_id: DBusUInt32,
            app_icon: DBusStr,
            summary: DBusStr,
            body: DBusStr,
            actions: strings,
            hints: DBusDict,
            expire_timeout: DBusInt32,
        ) -> DBusUInt32:
            received.append((app_name, summary, body))
            return len(received)

        @dbus_method()
        def GetCapabilities(self) -> strings:
            return ["body"]

        @dbus_method()
        def GetServerInformation(self) -> Annotated[list[str], DBusSignature("ssss")]:
            return ["fake", "pocketcrm tests", "1.0", "1.2"]

        @dbus_method()
        def CloseNotification(self, notification_id: DBusUInt32) -> None:
            return None

    socket_path = tmp_path / "bus"
    process = subprocess.Popen(
        [daemon, "--session", "--nofork", "--print-address", f"--address=unix:path={socket_path}"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    address = process.stdout.readline().strip()
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def serve() -> Any:
        bus = await MessageBus(bus_address=address).connect()
        bus.export("/org/freedesktop/Notifications", Notifications())
        await bus.request_name("org.freedesktop.Notifications")
        return bus

    bus = asyncio.run_coroutine_threadsafe(serve(), loop).result(timeout=10)
    try:
        yield Bus(address, received)
    finally:
        loop.call_soon_threadsafe(bus.disconnect)
        time.sleep(0.1)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        loop.close()
        process.terminate()
        process.wait(timeout=5)
        process.stdout.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="D-Bus is the Linux service")
def test_desktop_notifications_through_a_real_session_bus(
    session_bus: Bus, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session_bus.address)
    monkeypatch.setenv("PATH", str(tmp_path))  # no notify-send: the library must do it
    assert deliver_desktop(reminders()[:2], zone=LONDON) is None
    assert session_bus.received == [
        (
            "pocketcrm",
            "Follow up with Ann Lee: send the quote",
            "Thu 26 Nov 2026 09:00 · Ann Lee\nshe asked for the blue model",
        ),
        ("pocketcrm", "Zoë Brown's birthday", "Fri 27 Nov 2026 · Zoë Brown"),
    ]


def test_importing_the_module_stays_cheap() -> None:
    """`pocketcrm remind --quiet-if-none` runs every few minutes: no heavy import up front."""
    heavy = ["smtplib", "email.message", "desktop_notifier", "keyring", "typer", "rich", "textual"]
    code = f"import sys, pocketcrm.core.delivery; print([m for m in {heavy!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
