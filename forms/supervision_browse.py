"""The filters of the leaders' list of supervision records, read from the query string."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3; not in types-WTForms 3.2

from audit.domain.supervision_browse import SupervisionFilters
from audit.models import SupervisionKind, SupervisionStatus, Team, User
from audit.routing import record_id_or_none
from forms.base import Form, add_error
from forms.fields import FilterDateField, GovSelectField


def _choices(anything: str, options: Sequence[tuple[str, str]]) -> list[SelectChoice]:
    return [SelectChoice("", anything), *(SelectChoice(value, label) for value, label in options)]


def _person(user: User) -> str:
    return f"{user.name} ({user.team.name})" if user.team else user.name


def _id(value: str | None) -> int | None:
    """A record id from the query string; anything else (absurdly large, negative) matches nothing."""
    return record_id_or_none(value) if value else None


class SupervisionBrowseForm(Form):
    """GOV.UK selects and day, month and year boxes in the query string (so no CSRF token). A choice
    that is not offered (an old link to a team since removed) is ignored rather than refused; a
    date that is not real is an error, shown in the error summary and not applied."""

    class Meta:
        csrf = False

    team = GovSelectField("Team", validate_choice=False)
    supervisor = GovSelectField("Supervisor", validate_choice=False)
    worker = GovSelectField("Worker", validate_choice=False)
    kind = GovSelectField("Kind", validate_choice=False)
    status = GovSelectField("Status", validate_choice=False)
    start = FilterDateField("Held from", name="from", description="For example, 1 4 2026")
    end = FilterDateField("Held to", name="to", description="For example, 30 6 2026")

    def __init__(
        self, *args: Any, teams: Sequence[Team], supervisors: Sequence[User], workers: Sequence[User], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.team.choices = _choices("All teams", [(str(team.id), team.name) for team in teams])
        self.supervisor.choices = _choices("Any supervisor", [(str(user.id), _person(user)) for user in supervisors])
        self.worker.choices = _choices("Any worker", [(str(user.id), _person(user)) for user in workers])
        self.kind.choices = _choices("Any kind", [(kind.value, kind.label) for kind in SupervisionKind])
        self.status.choices = _choices("Any status", [(status.value, status.label) for status in SupervisionStatus])

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.start.data and self.end.data and self.start.data > self.end.data:
            add_error(self.end, "‘Held to’ must be the same as or after ‘Held from’")
            valid = False
        return valid

    def filters(self) -> SupervisionFilters:
        """What to filter by, once validated: a date with an error, or a kind or status that is not
        one, is left out."""
        kinds = {kind.value: kind for kind in SupervisionKind}
        statuses = {status.value: status for status in SupervisionStatus}
        return SupervisionFilters(
            team_id=_id(self.team.data),
            supervisor_id=_id(self.supervisor.data),
            worker_id=_id(self.worker.data),
            kind=kinds.get(self.kind.data or ""),
            status=statuses.get(self.status.data or ""),
            held_from=None if self.start.errors else self.start.data,
            held_to=None if self.end.errors else self.end.data,
        )
