"""What the acting user's role may do: the one rule the faces ask before they offer an action.

It mirrors what the database enforces on a server (migration 0010's grants, row-level
policies and guard triggers), so a face can hide what would be refused instead of letting
someone fill a form for nothing:

- **admin**: everything, users and departments, purging the trash, erasing a person;
- **manager**: changes work that is unassigned, theirs, or of someone in their department,
  and may hand work to those people;
- **sales**: reads everything; changes and trashes what they own or what is unassigned;
  logs interactions as themselves (on anyone's contact); takes unassigned work;
- **viewer**: reads only.

Records hanging from a contact (emails, tags, stages, invoices, payments) follow the
contact's owner; a deal's stages follow the deal's. On PostgreSQL the role is the login's
(app_user, else its group role; a superuser is an admin); on a SQLite file it is the role of
the user settings.owner names (core/acting.py), and someone who is not a user there (a file
from before users) may do everything, as before. The server stays the judge: a face still
reports its refusal (exit 5, a notification) if one slips past.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pocketcrm.core.errors import Invalid, NotAllowed
from pocketcrm.core.services import users

if TYPE_CHECKING:
    from pocketcrm.core.store import Store

# What a face asks about. Each is allowed to a set of roles; OWNED ones also depend on whose
# record it is (may_change).
ACTIONS = {
    "read": frozenset(users.ROLES),
    "add": frozenset({"admin", "manager", "sales"}),  # a new contact, company, deal, case...
    "change": frozenset({"admin", "manager", "sales"}),  # edit or trash a record (its owner's)
    "log": frozenset({"admin", "manager", "sales"}),  # a call, note, follow-up, as oneself
    "sell": frozenset({"admin", "manager", "sales"}),  # products, quotes, campaigns
    "import": frozenset({"admin", "manager", "sales"}),
    "users": frozenset({"admin"}),  # add, change, disable users; departments
    "purge": frozenset({"admin"}),  # empty the trash, erase a person
}
_WHO = {
    "add": "adding records",
    "change": "changing records",
    "log": "logging interactions",
    "sell": "selling (products, quotes, campaigns)",
    "import": "importing",
    "users": "managing users and departments",
    "purge": "purging the trash and erasing people",
}
_SAID = {
    "add": "add records",
    "log": "log calls and follow-ups as yourself",
    "sell": "sell",
    "import": "import",
    "users": "manage users and departments",
    "purge": "purge the trash and erase people",
}


@dataclass(frozen=True)
class Access:
    """Who is working, their role, and the people whose work they manage.

    role '' means nobody restricts them (a SQLite file's unknown owner, a server without
    pocketcrm's roles): everything is allowed, as it was before users."""

    login: str
    role: str
    department: str = ""
    team: frozenset[str] = frozenset()  # logins in their department (themselves included)

    @property
    def read_only(self) -> bool:
        return self.role == "viewer"

    def may(self, action: str) -> bool:
        """Whether the role may do ACTION at all (on some record)."""
        allowed = ACTIONS.get(action)
        if allowed is None:
            raise Invalid("action", f"unknown action {action!r}; use one of {', '.join(ACTIONS)}")
        return not self.role or self.role in allowed

    def manages(self, owner: str) -> bool:
        """Whether they may change OWNER's work besides their own (the database's rule)."""
        if not self.role or self.role == "admin":
            return True
        return self.role == "manager" and (owner == "" or owner in self.team)

    def may_change(self, owner: str) -> bool:
        """Whether they may edit or trash a record owned by OWNER ('' for unassigned)."""
        if not self.may("change"):
            return False
        return owner in ("", self.login) or self.manages(owner)

    def may_assign(self, owner: str) -> bool:
        """Whether they may give a record to OWNER (a new record's owner, or a reassignment)."""
        return self.may_change(owner)

    def may_log_as(self, owner: str) -> bool:
        """Whether they may log an interaction in OWNER's name ('' is themselves)."""
        if not self.may("log"):
            return False
        return owner in ("", self.login) or (self.manages(owner) and owner != "")

    def summary(self) -> list[str]:
        """What they may do, in words (`whoami` says it)."""
        if self.read_only:
            return ["read"]
        whose = {
            "": "everything",
            "admin": "everything",
            "manager": "yours, your department's and unassigned work",
            "sales": "yours and unassigned work",
        }.get(self.role, "")
        said = [f"change {whose}"] if whose else []
        return said + [words for action, words in _SAID.items() if self.may(action)]

    def require(self, action: str, owner: str | None = None) -> None:
        """Refuse (NotAllowed, exit 5) what the role may not do, naming it."""
        if not self.may(action):
            raise NotAllowed(f"{_WHO.get(action, action)} as a {self.role}", reason=self.login)
        if owner is not None and action == "change" and not self.may_change(owner):
            raise NotAllowed(f"changing {owner}'s records as a {self.role}", reason=self.login)


def access(store: Store) -> Access:
    """The acting user's access (one query or two; the faces load it once per store)."""
    login = users.acting_login(store)
    role = _role(store, login)
    with store.sql_read() as session:
        row = session.run(
            "SELECT d.id, d.name FROM app_user u JOIN department d ON d.id = u.department_id "
            "WHERE u.login = :l",
            {"l": login},
        ).first()
        team: frozenset[str] = frozenset()
        if row is not None:
            team = frozenset(
                str(r[0])
                for r in session.run(
                    "SELECT login FROM app_user WHERE department_id = :d", {"d": row[0]}
                ).all()
            )
    return Access(login, role, str(row[1]) if row is not None else "", team)


def choices(store: Store) -> users.Choices:
    """What a form's owner pickers offer: the users the acting user may give work to (a
    sales user: themselves; a manager: their department), and every department."""
    return users.choices(store, access(store).may_assign)


def _role(store: Store, login: str) -> str:
    """The role that binds LOGIN ('' when nothing does)."""
    if store.is_sqlite:
        return users.role_of(store, login)
    with store.sql_read() as session:
        superuser = session.run(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        ).scalar()
        if superuser:
            return "admin"
        groups = {
            str(r[0])
            for r in session.run(
                "SELECT rolname FROM pg_roles WHERE rolname LIKE 'pocketcrm\\_%' "
                "AND pg_has_role(current_user, oid, 'MEMBER')"
            ).all()
        }
    for role in users.ROLES:  # the strongest group they are in
        if f"pocketcrm_{role}" in groups:
            return role
    return users.role_of(store, login) or ""
