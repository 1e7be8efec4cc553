"""Mailing a report (`pocketcrm report --email`) through the SMTP server configured for
reminders (core/delivery.py: the same settings, password rules and error messages), and
the weekly job that does it (`cron install --report weekly`)."""

from __future__ import annotations

from email.message import EmailMessage

from pocketcrm.core import clock, delivery, scheduling
from pocketcrm.core.errors import Invalid
from pocketcrm.core.settings import SmtpConfig

REPORT_TAG = "pocketcrm-report"
SCHEDULES = {"weekly": "0 8 * * 1", "daily": "0 8 * * *", "monthly": "0 8 1 * *"}
PERIODS = {"weekly": "7d", "daily": "1d", "monthly": "30d"}


def _message(settings: delivery.SmtpSettings, subject: str, plain: str, html: str) -> EmailMessage:
    from email.utils import format_datetime, make_msgid

    delivery.check_settings(settings)
    sender = delivery.sender_address(settings)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(r.strip() for r in settings.recipients if r.strip())
    message["Date"] = format_datetime(clock.now().astimezone(clock.local_zone()))
    domain = sender.rpartition("@")[2].strip("<> ") or "pocketcrm.invalid"
    message["Message-ID"] = make_msgid(idstring="pocketcrm-report", domain=domain)
    message.set_content(plain)
    message.add_alternative(html, subtype="html")
    return message


def send_report(
    config: SmtpConfig, subject: str, plain: str, html: str, to: list[str] | None = None
) -> list[str]:
    """Mail the report (plain text with the HTML page as its alternative) to TO, else to
    the configured recipients; the addresses it went to. DeliveryFailed when nobody got it."""
    import smtplib

    settings = delivery.SmtpSettings.from_config(config)
    if to:
        bad = [a for a in to if "@" not in a]
        if bad:
            raise Invalid("to", f"{bad[0]!r} is not an email address")
        settings.recipients = list(to)
    message = _message(settings, subject, plain, html)
    password = delivery.smtp_password(settings) if settings.user else ""
    if settings.user and not password:
        raise Invalid(
            "reminders.smtp.password",
            f"no password for {settings.user!r}: set {settings.password_env} or use the keyring",
        )
    recipients = [r.strip() for r in settings.recipients if r.strip()]
    try:
        client = delivery.connect(settings)
    except (smtplib.SMTPException, OSError) as exc:
        raise delivery.DeliveryFailed("email", delivery.smtp_reason(exc, settings)) from exc
    try:
        if not delivery.secure(client, settings, password):
            raise delivery.DeliveryFailed("email", f"{settings.host} does not offer STARTTLS")
        refused = client.send_message(
            message, from_addr=delivery.sender_address(settings), to_addrs=recipients
        )
    except (smtplib.SMTPException, OSError) as exc:
        raise delivery.DeliveryFailed("email", delivery.smtp_reason(exc, settings)) from exc
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()
    return [r for r in recipients if r not in refused]


def report_command(executable: str, db: str | None, every: str) -> str:
    """The job's command line: the overview of the last period, mailed. The program and
    its --db come quoted as scheduling writes them for the backup job."""
    base = scheduling.backup_command(executable, db).split(" backup create")[0]
    return f"{base} report --email --since {PERIODS[every]}"


def check_schedule(every: str) -> None:
    if every not in SCHEDULES:
        raise Invalid("report", f"unknown schedule {every!r}; use one of: {', '.join(SCHEDULES)}")


def install_report_job(
    executable: str, db: str | None, every: str, tabfile: str | None = None
) -> str:
    """A crontab line mailing the report (Monday 08:00 for weekly); the line as written."""
    check_schedule(every)
    return scheduling.cron_install(
        report_command(executable, db, every),
        tabfile=tabfile,
        tag=REPORT_TAG,
        schedule=SCHEDULES[every],
    )
