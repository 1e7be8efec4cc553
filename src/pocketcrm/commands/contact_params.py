"""The options of `add` and `edit`: a contact's fields, declared once here so that each
command's signature reads as the list of what it takes, one line a field.

Only typer and the standard library (start-up is a feature).
"""

from __future__ import annotations

from typing import Annotated

import typer

AddName = Annotated[
    str, typer.Argument(help="Full name, e.g. 'Ann Lee' or 'Lee, Ann'.", metavar="NAME")
]

AddEmail = Annotated[
    list[str],
    typer.Option(
        "--email", "-e", help="Email (repeat; 'work:a@b.com' sets a label).", metavar="EMAIL"
    ),
]

AddPhone = Annotated[
    list[str], typer.Option("--phone", "-p", help="Phone as typed (repeat).", metavar="PHONE")
]

AddCompany = Annotated[
    str,
    typer.Option("--company", "-c", help="Company name or id (created if new).", metavar="COMPANY"),
]

AddCompanyKind = Annotated[
    str,
    typer.Option(
        help="Kind of the company it creates: customer, prospect, partner, supplier, "
        "distributor, other (default: from the stage). Contacts at a partner, supplier "
        "or distributor are not counted as leads.",
        metavar="KIND",
    ),
]

AddTitle = Annotated[str, typer.Option(help="Job title.", metavar="TITLE")]

AddDepartment = Annotated[str, typer.Option(help="Department.", metavar="TEXT")]

AddStage = Annotated[
    str,
    typer.Option(help="Life-cycle stage (default: the first configured, lead).", metavar="STAGE"),
]

AddTag = Annotated[list[str], typer.Option("--tag", "-t", help="Tag (repeat).", metavar="TAG")]

AddOwner = Annotated[
    str, typer.Option(help="Who is responsible (default: config owner).", metavar="OWNER")
]


AddBirthday = Annotated[
    str, typer.Option(help="Birthday: 1980-05-17 or --05-17 without a year.", metavar="DATE")
]

AddWebsite = Annotated[
    list[str], typer.Option("--website", help="Website (repeat).", metavar="URL")
]

AddAddress = Annotated[
    list[str],
    typer.Option(
        "--address",
        help="Postal address 'Street 1, City, Postcode, Country' (repeat; 'home:...' labels).",
        metavar="ADDRESS",
    ),
]

AddAnniversary = Annotated[
    str, typer.Option(help="Anniversary: 2010-06-12 or --06-12 without a year.", metavar="DATE")
]

AddNickname = Annotated[str, typer.Option(help="Nickname.", metavar="TEXT")]

AddSource = Annotated[str, typer.Option(help="Where the contact came from.", metavar="TEXT")]

AddSetField = Annotated[
    list[str],
    typer.Option("--set", help="Custom field NAME=VALUE (repeat).", metavar="NAME=VALUE"),
]

AddDoNotContact = Annotated[
    bool, typer.Option("--do-not-contact", help="Mark as not to be contacted.")
]

AddEmailOptOut = Annotated[
    bool, typer.Option("--email-opt-out", help="Opted out of marketing email.")
]

EditName = Annotated[str | None, typer.Option(help="New full name.", metavar="NAME")]

EditCompany = Annotated[
    str | None, typer.Option(help="Company name or id ('' removes it).", metavar="COMPANY")
]

EditTitle = Annotated[str | None, typer.Option(help="Job title.", metavar="TITLE")]

EditDepartment = Annotated[str | None, typer.Option(help="Department.", metavar="TEXT")]

EditOwner = Annotated[str | None, typer.Option(help="Owner.", metavar="OWNER")]

EditAddNote = Annotated[
    str | None, typer.Option(help="Append a line to the notes.", metavar="TEXT")
]

EditBirthday = Annotated[str | None, typer.Option(help="Birthday ('' clears).", metavar="DATE")]

EditAnniversary = Annotated[
    str | None, typer.Option(help="Anniversary ('' clears).", metavar="DATE")
]

EditNickname = Annotated[str | None, typer.Option(help="Nickname ('' clears).", metavar="TEXT")]

EditSource = Annotated[
    str | None, typer.Option(help="Where the contact came from.", metavar="TEXT")
]

EditAddAddress = Annotated[
    list[str],
    typer.Option(
        help="Add a postal address 'Street 1, City, Postcode, Country' (repeat).",
        metavar="ADDRESS",
    ),
]

EditRmAddress = Annotated[
    list[str],
    typer.Option(help="Remove an address: its label or its text (repeat).", metavar="ADDRESS"),
]

EditAddEmail = Annotated[list[str], typer.Option(help="Add an email (repeat).", metavar="EMAIL")]

EditRmEmail = Annotated[list[str], typer.Option(help="Remove an email (repeat).", metavar="EMAIL")]

EditAddPhone = Annotated[list[str], typer.Option(help="Add a phone (repeat).", metavar="PHONE")]

EditRmPhone = Annotated[list[str], typer.Option(help="Remove a phone (repeat).", metavar="PHONE")]

EditAddWebsite = Annotated[list[str], typer.Option(help="Add a website (repeat).", metavar="URL")]

EditSetField = Annotated[
    list[str],
    typer.Option("--set", help="Custom field NAME=VALUE (repeat).", metavar="NAME=VALUE"),
]

EditUnsetField = Annotated[
    list[str], typer.Option("--unset", help="Remove a custom field (repeat).", metavar="NAME")
]

EditDoNotContact = Annotated[
    bool | None, typer.Option("--do-not-contact/--may-contact", help="Do-not-contact flag.")
]

EditEmailOptOut = Annotated[
    bool | None, typer.Option("--email-opt-out/--email-opt-in", help="Marketing email opt-out.")
]

_PHOTO_HELP = "Photo: an image file (stored in the database), an http(s) address or a data: URI"

AddGiven = Annotated[str, typer.Option(metavar="TEXT", help="Given name (default: from NAME).")]

AddFamily = Annotated[str, typer.Option(metavar="TEXT", help="Family name (default: from NAME).")]

AddMiddle = Annotated[str, typer.Option(metavar="TEXT", help="Middle name(s).")]

AddPrefix = Annotated[str, typer.Option(metavar="TEXT", help="Name prefix, e.g. 'Dr.'.")]

AddSuffix = Annotated[str, typer.Option(metavar="TEXT", help="Name suffix, e.g. 'Jr.'.")]

AddPhoto = Annotated[str, typer.Option(metavar="FILE|URL", help=f"{_PHOTO_HELP}.")]

EditGiven = Annotated[str | None, typer.Option(metavar="TEXT", help="Given name ('' clears).")]

EditFamily = Annotated[str | None, typer.Option(metavar="TEXT", help="Family name ('' clears).")]

EditMiddle = Annotated[str | None, typer.Option(metavar="TEXT", help="Middle name(s) ('' clears).")]

EditPrefix = Annotated[
    str | None, typer.Option(metavar="TEXT", help="Name prefix, e.g. 'Dr.' ('' clears).")
]

EditSuffix = Annotated[
    str | None, typer.Option(metavar="TEXT", help="Name suffix, e.g. 'Jr.' ('' clears).")
]

EditPhoto = Annotated[
    str | None, typer.Option(metavar="FILE|URL", help=f"{_PHOTO_HELP} ('' removes it).")
]

EditRmWebsite = Annotated[
    list[str],
    typer.Option(metavar="URL|LABEL", help="Remove a website: its address or label (repeat)."),
]
