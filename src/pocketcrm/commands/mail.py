"""`pocketcrm mail fetch|review`: email that logs itself."""

from __future__ import annotations

from typing import Annotated

import typer

from pocketcrm.commands.common import (
    DbOption,
    JsonOption,
    echo,
    err,
    handle_errors,
    local,
    open_db,
    print_json,
    table,
)
from pocketcrm.commands.params import RowLimit

mail_app = typer.Typer(
    add_completion=False,
    help="Email that logs itself: fetch a Maildir, an mbox or an IMAP mailbox onto the timelines.",
    no_args_is_help=True,
)
# What each outcome is called in the summary line, in this order.
OUTCOMES = {
    "logged": "logged",
    "case": "added to cases",
    "opened": "opened cases",
    "lead": "new leads with cases",
    "survey": "satisfaction answers",
    "unsubscribed": "unsubscribed",
    "skipped": "from nobody known",
    "review": "kept for review",
    "malformed": "malformed (kept aside)",
}


@mail_app.command("fetch")
@handle_errors
def fetch(
    source: Annotated[
        str,
        typer.Argument(
            help="A Maildir folder, an mbox file, imap or imap:FOLDER (default: mail.source).",
            metavar="SOURCE",
            show_default=False,
        ),
    ] = "",
    sent: Annotated[
        bool,
        typer.Option("--sent", help="Read the Sent folder (mail.sent): every message is outgoing."),
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet-if-none", help="Print nothing when no message is new (cron).")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Read new messages and log each on its contacts and cases; a second fetch adds nothing."""
    from pocketcrm.core.mail import intake

    report = intake.fetch(open_db(db), source, sent=sent)
    if as_json:
        print_json(
            {
                "source": report.source,
                "read": report.read,
                "already": report.already,
                "outcomes": dict(report.outcomes),
                "problems": report.problems,
            }
        )
        return
    new = report.read - report.already
    if quiet and new == 0:
        return
    parts = [f"{report.outcomes[k]} {word}" for k, word in OUTCOMES.items() if report.outcomes[k]]
    echo(
        f"{report.source}: {new} new of {report.read}" + (f": {', '.join(parts)}" if parts else "")
    )
    for problem in report.problems[:10]:
        err(f"set aside: {problem}")
    if report.problems:
        err("see them with `pocketcrm mail review`")


@mail_app.command("review")
@handle_errors
def review(limit: RowLimit = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Messages set aside: malformed ones, and support mail from strangers, with the reason."""
    from pocketcrm.core.mail import intake

    rows = intake.review(open_db(db), limit or 100)
    if as_json:
        keys = ("status", "sender", "subject", "reason", "sent_at")
        print_json([dict(zip(keys, row, strict=True)) for row in rows])
        return
    table(
        ["status", "sent", "sender", "subject", "reason"],
        [[s, local(when), who, subject, reason] for s, who, subject, reason, when in rows],
    )
