"""`pocketcrm segment save|list|show|rm` and `pocketcrm campaign new|send|list|show`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pocketcrm import humanize
from pocketcrm.commands.common import (
    CsvOption,
    DbOption,
    IdsOption,
    JsonOption,
    YesOption,
    confirm_or_exit,
    err,
    handle_errors,
    local,
    open_db,
    print_ids,
    print_json,
    print_list,
    print_result,
    table,
)
from pocketcrm.commands.params import (
    COMPANY_KIND_HELP,
    CompanyFilter,
    ContactSort,
    OwnerFilter,
    RowLimit,
    StageFilter,
    TagFilter,
)

if TYPE_CHECKING:
    from pocketcrm.core.services.campaigns import CampaignPreview

segment_app = typer.Typer(
    add_completion=False,
    help="Saved segments: the filters of `list` under a name, evaluated when used.",
    no_args_is_help=True,
)
campaign_app = typer.Typer(
    add_completion=False,
    help="Campaigns: one email to each person of a segment, never twice to anyone.",
    no_args_is_help=True,
)
SegmentName = Annotated[
    str, typer.Argument(help="The segment's name (letters, digits, dashes).", metavar="SEGMENT")
]
CampaignId = Annotated[
    str,
    typer.Argument(help="The campaign's id (see `pocketcrm campaign list`).", metavar="CAMPAIGN"),
]


def _filters_text(filters: dict[str, str | list[str]]) -> str:
    """'tag=boilers tag=trade stage=lead|customer': each tag must hold, a '|' lists choices."""
    parts = []
    for key, value in filters.items():
        if isinstance(value, str):
            parts.append(f"{key}={value}")
        elif key == "tag":
            parts.extend(f"tag={v}" for v in value)
        else:
            parts.append(f"{key}={'|'.join(value)}")
    return " ".join(parts) or "(every contact)"


@segment_app.command("save")
@handle_errors
def save(
    name: SegmentName,
    tag: TagFilter = [],  # noqa: B006
    stage: StageFilter = [],  # noqa: B006
    company: CompanyFilter = [],  # noqa: B006
    owner: OwnerFilter = [],  # noqa: B006
    kind: Annotated[
        list[str],
        typer.Option(
            "--kind",
            "--company-kind",
            help=COMPANY_KIND_HELP,
            metavar="KIND",
        ),
    ] = [],  # noqa: B006
    text: Annotated[
        str, typer.Option(help="Words to find (as `pocketcrm search`).", metavar="WORDS")
    ] = "",
    not_contacted_since: Annotated[
        str,
        typer.Option(help="WHEN, kept as typed and read at each use, e.g. 30d.", metavar="WHEN"),
    ] = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Save (or replace) a segment: the same filters as `pocketcrm list`.

    A filter given twice combines: `--tag a --tag b` needs both tags, `--stage lead --stage
    customer` takes either stage (the same for company, kind and owner)."""
    from pocketcrm.core.services import segments, users

    store = open_db(db)
    view = segments.save_segment(
        store,
        name,
        segments.SegmentFilters(
            stage=tuple(stage),
            tag=tuple(tag),
            company=tuple(company),
            company_kind=tuple(kind),
            owner=users.resolve_owners(store, owner),
            text=text,
            not_contacted_since=not_contacted_since,
        ),
    )
    print_result(
        view, as_json, f"saved segment {view.name}: {humanize.count(view.members, 'contact')} now"
    )


@segment_app.command("list")
@handle_errors
def list_(
    db: DbOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
    ids: IdsOption = False,
) -> None:
    """List saved segments with how many contacts each holds now."""
    from pocketcrm.core.services import segments

    views = segments.list_segments(open_db(db))
    print_list(
        views,
        ["name", "members", "filters", "updated"],
        lambda v: [v.name, v.members, _filters_text(v.filters), local(v.updated_at)],
        as_json=as_json,
        as_csv=as_csv,
        ids=ids,
        id_of=lambda v: v.name,  # a segment's id is its name
    )


@segment_app.command("show")
@handle_errors
def show(
    name: SegmentName,
    sort: ContactSort = "name",
    limit: RowLimit = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
    ids: IdsOption = False,
) -> None:
    """List the contacts a segment holds now."""
    from pocketcrm.core.services import segments

    rows = segments.segment_members(open_db(db), name, sort=sort, limit=limit)
    print_list(
        rows,
        ["id", "name", "company", "stage", "tags", "email", "phone", "last contact"],
        lambda r: [
            r.id,
            r.display_name,
            r.company,
            r.stage,
            " ".join(r.tags),
            r.email,
            r.phone,
            local(r.last_contact_at, date_only=True),
        ],
        as_json=as_json,
        as_csv=as_csv,
        ids=ids,
    )


@segment_app.command("rm")
@handle_errors
def rm(name: SegmentName, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Delete a saved segment (its filters only; no contact changes)."""
    from pocketcrm.core.services import segments

    view = segments.delete_segment(open_db(db), name)
    print_result(view, as_json, f"deleted segment {view.name} ({_filters_text(view.filters)})")


# -- campaigns ------------------------------------------------------------------------------


def _show_preview(preview: CampaignPreview) -> None:
    typer.echo(
        f"segment {preview.segment}: {humanize.count(preview.members, 'contact')}; "
        f"{preview.to_send} to email, {preview.skipped} skipped"
    )
    for reason, count in sorted(preview.skipped_reasons.items()):
        typer.echo(f"  skipped ({reason}): {count}")
    if preview.first is not None:
        typer.echo(f"\nTo: {preview.first.to}\nSubject: {preview.first.subject}\n")
        typer.echo(preview.first.body.rstrip("\n"))
        typer.echo("")


@campaign_app.command("new")
@handle_errors
def new(
    segment: Annotated[str, typer.Argument(help="The segment to email.", metavar="SEGMENT")],
    subject: Annotated[
        str,
        typer.Option(
            help="Subject; {first_name}, {name} and {company} are filled in.", metavar="TEXT"
        ),
    ],
    body: Annotated[
        str | None,
        typer.Option(help="The text (same placeholders; {{ for a brace).", metavar="TEXT"),
    ] = None,
    body_file: Annotated[
        Path | None,
        typer.Option(help="Read the text from this UTF-8 file ('-': stdin).", metavar="FILE"),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the first email and the counts; save nothing.")
    ] = False,
    yes: YesOption = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a campaign: fixes its recipients now (send it with `campaign send`)."""
    import sys

    from pocketcrm.core.errors import Invalid
    from pocketcrm.core.services import campaigns

    if (body is None) == (body_file is None):
        raise Invalid("body", "give the text with either --body TEXT or --body-file FILE")
    if body_file is not None:
        try:
            body = (
                sys.stdin.read() if str(body_file) == "-" else body_file.read_text(encoding="utf-8")
            )
        except (OSError, UnicodeDecodeError) as exc:
            raise Invalid("body-file", f"cannot read {str(body_file)!r}: {exc}") from exc
    assert body is not None
    store = open_db(db)
    preview = campaigns.preview_campaign(store, segment, subject, body)
    if dry_run:
        if as_json:
            print_json(preview)
        else:
            _show_preview(preview)
        return
    if not as_json:
        _show_preview(preview)
    if preview.to_send and not yes:  # nobody to email: create_campaign says why
        confirm_or_exit(
            f"this fixes {humanize.count(preview.to_send, 'recipient')}; pass --yes to create it",
            f"Create a campaign to {humanize.count(preview.to_send, 'person')}?",
        )
    made = campaigns.create_campaign(store, segment, subject, body)
    print_result(
        made,
        as_json,
        f"created campaign {made.id}: {made.pending} to send, {made.skipped} skipped; "
        f"send it with: pocketcrm campaign send {made.id}",
    )


@campaign_app.command("send")
@handle_errors
def send(
    campaign: CampaignId,
    limit: Annotated[
        int | None, typer.Option(help="Send at most this many now.", metavar="N")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Send a campaign (again after an interruption: nobody already mailed gets it twice)."""
    from pocketcrm.core.services import campaigns

    try:
        report = campaigns.send_campaign(open_db(db), campaign, limit=limit)
    except KeyboardInterrupt:
        err(
            "interrupted; everyone marked sent stays sent. Resume with: "
            f"pocketcrm campaign send {campaign}"
        )
        raise typer.Exit(130) from None
    if as_json:
        print_json(report)
    else:
        state = "finished" if report.finished else f"{report.remaining} left"
        typer.echo(
            f"campaign {report.campaign_id}: sent {report.sent}, failed {report.failed}, "
            f"skipped {report.skipped}; {state}"
        )
    if report.error:
        err(
            f"error: stopped: {report.error}; run `pocketcrm campaign send {report.campaign_id}` again to resume"
        )
        raise typer.Exit(1)


@campaign_app.command("list")
@handle_errors
def list_campaigns(
    db: DbOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
    ids: IdsOption = False,
) -> None:
    """List campaigns, newest first, with their counts."""
    from pocketcrm.core.services import campaigns

    views = campaigns.list_campaigns(open_db(db))
    print_list(
        views,
        ["id", "created", "segment", "subject", "sent", "pending", "failed", "skipped", "finished"],
        lambda v: [
            v.id,
            local(v.created_at),
            v.segment,
            v.subject,
            v.sent,
            v.pending,
            v.failed,
            v.skipped,
            local(v.finished_at),
        ],
        as_json=as_json,
        as_csv=as_csv,
        ids=ids,
    )


@campaign_app.command("show")
@handle_errors
def show_campaign(
    campaign: CampaignId,
    db: DbOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
    ids: IdsOption = False,
) -> None:
    """Show a campaign and every recipient's status."""
    from pocketcrm.core.services import campaigns

    view = campaigns.get_campaign(open_db(db), campaign)
    if ids:  # the recipients, as contact ids
        print_ids(r.contact_id for r in view.recipients)
        return
    if as_json:
        print_json(view)
        return
    if not as_csv:
        finished = f", finished {local(view.finished_at)}" if view.finished_at else ""
        typer.echo(
            f"campaign {view.id} to segment {view.segment}: {view.subject!r}\n"
            f"created {local(view.created_at)}{finished}; sent {view.sent}, pending "
            f"{view.pending}, failed {view.failed}, skipped {view.skipped}\n"
        )
    table(
        ["contact", "name", "email", "status", "attempts", "sent", "error"],
        [
            [
                r.contact_id,
                r.contact_name,
                r.email,
                r.status,
                r.attempts,
                local(r.sent_at),
                r.error,
            ]
            for r in view.recipients
        ],
        as_csv=as_csv,
    )
