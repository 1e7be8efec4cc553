"""The demo's organisation: its four owners are users with logins, in three departments each
with a lead, so `user list`, `department list` and `report --by department` mean something on
the demo.

Users here are rows of app_user, not PostgreSQL login roles: on a server they are people to
assign work to until an admin gives them a password (`pocketcrm user passwd LOGIN`). A login
that already exists (the file's own admin may be called alex) is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pocketcrm.core import sql
from pocketcrm.core.search import fold
from pocketcrm.core.store import Store


@dataclass(frozen=True)
class DemoUser:
    login: str
    name: str
    department: str
    role: str


# The department, then its lead (a login below).
DEPARTMENTS = (("Field sales", "alex"), ("Inside sales", "jordan"), ("Support", "robin"))
USERS = (
    DemoUser("alex", "Alex Morgan", "Field sales", "manager"),
    DemoUser("sam", "Sam Patel", "Field sales", "sales"),
    DemoUser("jordan", "Jordan Lee", "Inside sales", "manager"),
    DemoUser("robin", "Robin Fischer", "Support", "manager"),
    DemoUser("kim", "Kim Weber", "Support", "viewer"),
)
# Who owns the demo's contacts, companies, calls and follow-ups (logins, as owners are).
OWNERS = ["alex", "sam", "jordan", "robin"]


def add_people(store: Store, since: datetime) -> None:
    """The demo's departments and users, made SINCE (the start of its history)."""
    with store.sql_write() as session:
        departments: dict[str, int] = {}
        for name, lead in DEPARTMENTS:
            found = session.run(
                "SELECT id FROM department WHERE name_key = :k", {"k": fold(name)}
            ).scalar()
            departments[name] = (
                int(found)
                if found is not None
                else sql.insert(
                    session,
                    "department",
                    {"name": name, "name_key": fold(name), "lead": lead, "created_at": since},
                )
            )
        taken = {str(r[0]) for r in session.run("SELECT login FROM app_user").all()}
        for user in USERS:
            if user.login in taken:
                continue
            sql.insert(
                session,
                "app_user",
                {
                    "login": user.login,
                    "display_name": user.name,
                    "email": f"{user.login}@pocketcrm-demo.example",
                    "department_id": departments[user.department],
                    "role": user.role,
                    "active": True,
                    "created_at": since,
                },
            )
