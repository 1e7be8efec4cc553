"""One email to one person through the configured SMTP server: case replies and surveys.

The server, security and password are the reminder digest's ([reminders.smtp]); the
connection code is delivery.py's. A message either reaches the server (and its Message-ID
comes back, to be recorded) or raises: DeliveryFailed for the server, Invalid for a setting.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from pocketcrm.core import clock
from pocketcrm.core.errors import Invalid
from pocketcrm.core.settings import Settings


@dataclass(frozen=True)
class Outgoing:
    to_name: str
    to_address: str
    subject: str
    body: str
    in_reply_to: str = ""  # a Message-ID this answers (threading)
    references: tuple[str, ...] = ()


def sender(settings: Settings) -> str:
    """The From address replies carry (the support address wins when set)."""
    from pocketcrm.core import delivery

    support = settings.service.support_address.strip()
    if support:
        return support
    return delivery.sender_address(delivery.SmtpSettings.from_config(settings.reminders.smtp))


def _message(mail: Outgoing, from_address: str, now: datetime) -> object:
    from email.headerregistry import Address
    from email.message import EmailMessage
    from email.utils import format_datetime, make_msgid

    message = EmailMessage()
    message["Subject"] = mail.subject
    message["From"] = from_address
    user, _, domain = mail.to_address.rpartition("@")
    try:
        message["To"] = Address(display_name=mail.to_name, username=user, domain=domain)
    except (ValueError, IndexError):
        message["To"] = mail.to_address
    message["Date"] = format_datetime(now.astimezone(clock.local_zone()))
    domain = from_address.rpartition("@")[2].strip("<> ") or "pocketcrm.invalid"
    message["Message-ID"] = make_msgid(idstring="pocketcrm", domain=domain)
    if mail.in_reply_to:
        message["In-Reply-To"] = mail.in_reply_to
    if mail.references:
        message["References"] = " ".join(mail.references)
    message.set_content(mail.body if mail.body.endswith("\n") else mail.body + "\n")
    return message


def send(settings: Settings, mail: Outgoing) -> str:
    """Hand one message to the SMTP server; returns its Message-ID."""
    import smtplib
    from email.message import EmailMessage

    from pocketcrm.core import delivery

    smtp = delivery.SmtpSettings.from_config(settings.reminders.smtp)
    delivery.check_settings(replace(smtp, recipients=[mail.to_address]))
    password = delivery.smtp_password(smtp) if smtp.user else ""
    if smtp.user and not password:
        raise Invalid(
            "reminders.smtp.password",
            f"no password for {smtp.user!r}: set {smtp.password_env} or store it "
            f"with `keyring set {smtp.keyring_service} {smtp.user}`",
        )
    from_address = sender(settings)
    message = _message(mail, from_address, clock.now())
    assert isinstance(message, EmailMessage)
    try:
        client = delivery.connect(smtp)
    except (smtplib.SMTPException, OSError) as exc:
        raise delivery.DeliveryFailed("email", delivery.smtp_reason(exc, smtp)) from exc
    try:
        if not delivery.secure(client, smtp, password):
            raise delivery.DeliveryFailed(
                "email", f"{smtp.host}:{smtp.port} does not offer STARTTLS; see security"
            )
        client.send_message(message, from_addr=from_address, to_addrs=[mail.to_address])
    except (smtplib.SMTPException, OSError) as exc:
        raise delivery.DeliveryFailed("email", delivery.smtp_reason(exc, smtp)) from exc
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()
    return str(message["Message-ID"])
