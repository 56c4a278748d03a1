"""The report filters: a date range (GOV.UK date inputs, or ISO dates in a link), team, tool and
theme, or a period picked from a list (financial-year quarters first: councils report April to March).
They arrive in the query string, so the form has no CSRF token."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField

from audit.clock import today
from audit.models import AuditTool, Team
from audit.reporting.figures import ReportScope
from audit.reporting.periods import period_choices
from forms.base import Form, add_error
from forms.fields import FilterDateField, GovSelectField

DEFAULT_DAYS = 365


class ReportFiltersForm(Form):
    class Meta:
        csrf = False

    period = GovSelectField(
        "Period",
        default="",
        description="Financial-year quarters run April to June (Q1), July to September (Q2), October to December (Q3) "
        "and January to March (Q4). A period chosen here is used instead of the dates below.",
        invalid_choice_message="Select a period from the list",
    )
    start = FilterDateField("From", name="from", description="Audits submitted on or after. For example, 1 4 2026")
    end = FilterDateField("To", name="to", description="Audits submitted on or before. For example, 30 6 2026")
    team = GovSelectField("Team", default="", invalid_choice_message="Select a team from the list")
    tool = GovSelectField("Audit tool", default="", invalid_choice_message="Select an audit tool from the list")
    theme = GovSelectField("Theme", default="", invalid_choice_message="Select a theme from the list")
    submit = SubmitField("Show figures", widget=GovSubmitInput())

    def __init__(
        self, *args: Any, teams: Sequence[Team], tools: Sequence[AuditTool], themes: Sequence[str], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.periods = {period.key: period for period in period_choices(today())}
        self.period.choices = [
            ("", "Dates below, or the 12 months to today"),
            *((period.key, period.label) for period in self.periods.values()),
        ]
        # For links from a figure named by its team or tool to the audits behind it.
        self.team_ids_by_name = {team.name: team.id for team in teams}
        self.tool_ids_by_name = {tool.name: tool.id for tool in tools}
        self.team.choices = [("", "All teams"), *((str(team.id), team.name) for team in teams)]
        self.tool.choices = [("", "All audit tools"), *((str(tool.id), tool.name) for tool in tools)]
        self.theme.choices = [("", "All themes"), *((theme, theme) for theme in themes)]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.start.data and self.end.data and self.start.data > self.end.data:
            add_error(self.end, "The ‘to’ date must be the same as or after the ‘from’ date")
            valid = False
        return valid

    def scope(self) -> ReportScope:
        """The scope asked for: the period chosen, or the dates; without either, the 12 months to today."""
        period = self.periods.get(self.period.data or "")
        if period is not None:
            start, end = period.start, period.end
        else:
            end = self.end.data or today()
            start = self.start.data or min(end, today()) - timedelta(days=DEFAULT_DAYS - 1)
        return ReportScope(
            start=start,
            end=end,
            team_ids=(int(self.team.data),) if self.team.data else (),
            tool_ids=(int(self.tool.data),) if self.tool.data else (),
            themes=(self.theme.data,) if self.theme.data else (),
        )
