"""Which department each owner's work counts for, for the sections' `department` tables.

An owner is a login (issue 11); the login's user belongs to at most one department, which
names its lead. Work of an owner who is no user, of a user in no department, or of nobody
counts for NO_DEPARTMENT. The users and departments are a few rows: the sections group
their figures by owner in SQL and fold the owners into departments here, in Python, so no
big scan joins two more tables.
"""

from __future__ import annotations

from dataclasses import dataclass

from pocketcrm.core.db import Db

NO_DEPARTMENT = "(no department)"  # as `report --by department` (services/report_people.py)


@dataclass(frozen=True)
class Departments:
    """login -> department name; department name -> its lead (a login, '' when none)."""

    of_login: dict[str, str]
    leads: dict[str, str]

    def of(self, owner: str) -> str:
        """The department OWNER's work counts for."""
        return self.of_login.get(owner, NO_DEPARTMENT)

    def names(self) -> list[str]:
        """Every department, by name (NO_DEPARTMENT not included)."""
        return sorted(self.leads, key=str.casefold)


def departments(session: Db) -> Departments:
    """The users' departments and every department's lead, read in one go."""
    of_login = {
        str(login): str(name)
        for login, name in session.run(
            "SELECT u.login, d.name FROM app_user u JOIN department d ON d.id = u.department_id"
        )
    }
    leads = {
        str(name): str(lead or "")
        for name, lead in session.run("SELECT name, lead FROM department")
    }
    return Departments(of_login, leads)
