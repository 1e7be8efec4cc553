"""Owner and department pickers: a form's Input that completes the users' logins and names
(or the departments' names) as they are typed, fed by the users service: only the users the
acting user's role may give work to (permissions.choices).

What was typed is checked by the core when the form saves (users.resolve_owner,
departments.resolve_department): an unknown value is refused beside its field, with the
closest matches, and nothing is written. Tab (or right) takes the suggestion.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.suggester import SuggestFromList
from textual.widgets import Input

from pocketcrm.tui.jobs import run_in_thread

if TYPE_CHECKING:
    from pocketcrm.core.services.users import Choices
    from pocketcrm.tui.modals.base import FormModal

PEOPLE_HINT = "a login or a name (tab completes)"
DEPARTMENT_HINT = "a department (tab completes)"


def offer(form: FormModal[Any], *, people: str = "", departments: str = "") -> None:
    """Complete the Input with id PEOPLE with users, DEPARTMENTS with departments."""
    store = form.store
    if store is None:
        return

    def job() -> Choices:
        from pocketcrm.core.services.permissions import choices

        return choices(store)  # whom the acting user may give work to

    def done(found: Choices) -> None:
        for widget_id, values in ((people, found.people), (departments, found.departments)):
            if widget_id:
                form.query_one(f"#{widget_id}", Input).suggester = SuggestFromList(
                    values, case_sensitive=False
                )

    run_in_thread(form, job, done, group="form-pickers", failed=lambda _e: None)
