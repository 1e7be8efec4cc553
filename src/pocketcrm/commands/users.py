"""`pocketcrm user add|list|show|edit|disable|enable|passwd`, `department ...` and `whoami`.

Passwords (team mode on PostgreSQL) are typed at a hidden prompt twice, read from one line
of standard input (--password-stdin, for scripts), or generated and shown once on stderr;
never taken from an argument, never in --json.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from pocketcrm.commands.common import (
    CsvOption,
    DbOption,
    JsonOption,
    err,
    handle_errors,
    interactive,
    local,
    no_markup,
    open_db,
    print_json,
    print_list,
    print_result,
    say,
)

if TYPE_CHECKING:
    from pocketcrm.core.services.departments import DepartmentView
    from pocketcrm.core.services.users import UserView

user_app = typer.Typer(
    add_completion=False,
    help="The people who work here: users, their roles and departments (logins in team mode).",
    no_args_is_help=True,
)
department_app = typer.Typer(
    add_completion=False,
    help="Departments: teams of users with a lead.",
    no_args_is_help=True,
)
UserRef = Annotated[str, typer.Argument(help="A login or a user's name.", metavar="USER")]
DeptRef = Annotated[str, typer.Argument(help="A department's id or name.", metavar="DEPARTMENT")]
RoleOption = Annotated[
    str, typer.Option("--role", help="admin, manager, sales or viewer.", metavar="ROLE")
]
DeptOption = Annotated[
    str, typer.Option("--department", "-d", help="Department name.", metavar="NAME")
]
GenerateOption = Annotated[
    bool, typer.Option("--generate", help="Make up a password and show it once (team mode).")
]
StdinOption = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from one line of standard input."),
]


def _password(generate: bool, from_stdin: bool) -> str:
    """The new password, asked for without echo (twice), read from stdin, or generated."""
    from pocketcrm.core.services import logins

    if generate:
        password = logins.generate_password()
        err(f"password (shown once, pass it on safely): {password}")
        return password
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not interactive():
        err("error: password: give it at a terminal, or use --password-stdin or --generate")
        raise typer.Exit(2)
    import getpass

    first = getpass.getpass("New password: ")
    if getpass.getpass("Again: ") != first:
        err("error: password: the two entries differ; nothing was changed")
        raise typer.Exit(2)
    return first


def _state(user: UserView) -> str:
    if not user.active:
        return "disabled"
    if user.can_log_in is False:
        return "no login"
    return "active"


def _show_user(user: UserView) -> None:
    lines = [
        f"[bold]{no_markup(user.name)}[/bold]  [dim]{no_markup(user.login)} · {user.role}[/dim]",
        f"department: {no_markup(user.department) or '-'}",
        f"email: {no_markup(user.email) or '-'}",
        f"state: {_state(user)}",
        f"since: {local(user.created_at, date_only=True)}",
    ]
    if user.disabled_at is not None:
        lines.append(f"disabled: {local(user.disabled_at, date_only=True)}")
    say("\n".join(lines))


@user_app.command("add")
@handle_errors
def user_add(
    login: Annotated[str, typer.Argument(help="The login, e.g. ann or ann.lee.", metavar="LOGIN")],
    name: Annotated[str, typer.Option("--name", help="Display name.", metavar="TEXT")] = "",
    email: Annotated[str, typer.Option("--email", "-e", help="Email.", metavar="EMAIL")] = "",
    department: DeptOption = "",
    role: RoleOption = "sales",
    generate: GenerateOption = False,
    password_stdin: StdinOption = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a user; in team mode (PostgreSQL) also their login, with a password."""
    from pocketcrm.core.services import users

    store = open_db(db)
    password = None if store.is_sqlite else _password(generate, password_stdin)
    created = users.add_user(
        store,
        users.UserInput(login=login, name=name, email=email, department=department, role=role),
        password=password,
    )
    print_result(created, as_json, created.login)


@user_app.command("list")
@handle_errors
def user_list(
    department: DeptOption = "",
    role: Annotated[str, typer.Option("--role", help="Only this role.", metavar="ROLE")] = "",
    active: Annotated[bool, typer.Option("--active", help="Leave disabled users out.")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """List users: login, name, role, department, state."""
    from pocketcrm.core.services import users

    rows = users.list_users(
        open_db(db), department=department, role=role, include_disabled=not active
    )
    print_list(
        rows,
        ["login", "name", "role", "department", "email", "state"],
        lambda u: [u.login, u.name, u.role, u.department, u.email, _state(u)],
        as_json=as_json,
        as_csv=as_csv,
        id_of=lambda u: u.login,
    )


@user_app.command("show")
@handle_errors
def user_show(ref: UserRef, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show one user."""
    from pocketcrm.core.services import users

    found = users.get_user(open_db(db), ref)
    if as_json:
        print_json(found)
    else:
        _show_user(found)


@user_app.command("edit")
@handle_errors
def user_edit(
    ref: UserRef,
    name: Annotated[
        str | None, typer.Option("--name", help="Display name.", metavar="TEXT")
    ] = None,
    email: Annotated[
        str | None, typer.Option("--email", "-e", help="Email.", metavar="EMAIL")
    ] = None,
    department: Annotated[
        str | None,
        typer.Option("--department", "-d", help="Department ('' for none).", metavar="NAME"),
    ] = None,
    role: Annotated[
        str | None, typer.Option("--role", help="admin, manager, sales or viewer.", metavar="ROLE")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change a user's name, email, department or role (admins)."""
    from pocketcrm.core.services import users

    changed = users.edit_user(
        open_db(db),
        ref,
        users.UserChanges(name=name, email=email, department=department, role=role),
    )
    print_result(changed, as_json, f"changed {changed.login}")


@user_app.command("disable")
@handle_errors
def user_disable(ref: UserRef, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Disable a user: no logging in, no new work; everything they did is kept."""
    from pocketcrm.core.services import users

    changed = users.set_active(open_db(db), ref, False)
    print_result(changed, as_json, f"disabled {changed.login}")


@user_app.command("enable")
@handle_errors
def user_enable(ref: UserRef, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Enable a disabled user again."""
    from pocketcrm.core.services import users

    changed = users.set_active(open_db(db), ref, True)
    print_result(changed, as_json, f"enabled {changed.login}")


@user_app.command("passwd")
@handle_errors
def user_passwd(
    ref: Annotated[
        str,
        typer.Argument(help="Whose password (default: yours; others: admins).", metavar="USER"),
    ] = "",
    generate: GenerateOption = False,
    password_stdin: StdinOption = False,
    db: DbOption = None,
) -> None:
    """Change your password (or, as an admin, someone else's) in team mode."""
    from pocketcrm.core.services import users

    store = open_db(db)
    if store.is_sqlite:
        users.change_password(store, ref, "")  # refuses with the reason
    changed = users.change_password(store, ref, _password(generate, password_stdin))
    typer.echo(f"changed the password of {changed.login}")


@handle_errors
def whoami(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Who you are working as: login, name, role and department."""
    from pocketcrm.core.readmodels import as_dict
    from pocketcrm.core.services import permissions, users

    store = open_db(db)
    me, may = users.whoami(store), permissions.access(store).summary()
    if as_json:
        print_json({**as_dict(me), "may": may})
        return
    extra = " · ".join(x for x in (me.role, me.department) if x)
    typer.echo(f"{me.login} ({me.name}){f' · {extra}' if extra else ''}")
    typer.echo(f"may: {', '.join(may)}")


def _show_department(found: DepartmentView) -> None:
    lead = f"{found.lead_name} ({found.lead})" if found.lead else "-"
    say(
        "\n".join(
            [
                f"[bold]{no_markup(found.name)}[/bold]  [dim]#{found.id}[/dim]",
                f"lead: {no_markup(lead)}",
                f"members: {no_markup(', '.join(found.members)) or '-'}",
            ]
        )
    )


LeadOption = Annotated[str, typer.Option("--lead", help="The user who leads it.", metavar="USER")]


@department_app.command("add")
@handle_errors
def department_add(
    name: Annotated[str, typer.Argument(help="The department's name.", metavar="NAME")],
    lead: LeadOption = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a department and print its id."""
    from pocketcrm.core.services import departments

    created = departments.add_department(open_db(db), name, lead=lead)
    print_result(created, as_json, created.id)


@department_app.command("list")
@handle_errors
def department_list(
    db: DbOption = None, as_json: JsonOption = False, as_csv: CsvOption = False
) -> None:
    """List departments with their lead and number of members."""
    from pocketcrm.core.services import departments

    print_list(
        departments.list_departments(open_db(db)),
        ["id", "name", "lead", "members"],
        lambda d: [d.id, d.name, d.lead, len(d.members)],
        as_json=as_json,
        as_csv=as_csv,
    )


@department_app.command("show")
@handle_errors
def department_show(ref: DeptRef, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show a department: its lead and members."""
    from pocketcrm.core.services import departments

    found = departments.get_department(open_db(db), ref)
    if as_json:
        print_json(found)
    else:
        _show_department(found)


@department_app.command("edit")
@handle_errors
def department_edit(
    ref: DeptRef,
    name: Annotated[str | None, typer.Option("--name", help="New name.", metavar="NAME")] = None,
    lead: Annotated[
        str | None,
        typer.Option("--lead", help="The user who leads it ('' for none).", metavar="USER"),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Rename a department or change its lead."""
    from pocketcrm.core.services import departments

    changed = departments.edit_department(open_db(db), ref, name=name, lead=lead)
    print_result(changed, as_json, f"changed {changed.name}")


@department_app.command("rm")
@handle_errors
def department_rm(ref: DeptRef, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Remove a department; its members stay users, without a department."""
    from pocketcrm.core.services import departments

    gone = departments.remove_department(open_db(db), ref)
    print_result(
        gone, as_json, f"removed {gone.name} ({len(gone.members)} members now without one)"
    )
