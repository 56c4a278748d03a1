"""``flask report ...``: the reports for scheduled runs, written to a file.

Each command is added to the ``report`` group where it is defined (the themed report below; the
improvement plan in ``audit.plan.cli``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import click
from flask.cli import AppGroup

from audit.answers.fields import EARLIEST_DATE, LATEST_DATE
from audit.domain import people
from audit.domain import tools as tool_list
from audit.extensions import db
from audit.reporting import themed
from audit.reporting.figures import ReportScope

report = AppGroup("report", help="Produce a report as a PDF file, for scheduled runs.")


Id = TypeVar("Id")  # what the names stand for: ids, or the names themselves


def _one_of(kind: str, option: str, given: str, known: Mapping[str, Id]) -> Id:
    """The id (or name) of ``given`` among ``known`` (names and other keys, any case), or a clear error."""
    found = {key.casefold(): value for key, value in known.items()}.get(given.strip().casefold())
    if found is None:
        names = sorted({key for key in known if not key.isdigit()})
        raise click.BadParameter(
            f"there is no {kind} called {given!r}. Choose from: {', '.join(names)}.", param_hint=option
        )
    return found


@report.command("themed")
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day, YYYY-MM-DD.")
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day, YYYY-MM-DD.")
@click.option("--team", "teams", multiple=True, help="A team's name; repeat for several. Default: every team.")
@click.option("--tool", "tools", multiple=True, help="An audit tool's name or short name (slug); repeatable.")
@click.option("--theme", "themes", multiple=True, help="A theme's name; repeatable. Default: every theme.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path))
def themed_command(
    start: datetime, end: datetime, teams: tuple[str, ...], tools: tuple[str, ...], themes: tuple[str, ...], out: Path
) -> None:
    """The themed audit report for audits completed from --from to --to, as a PDF file."""
    for option, day in (("--from", start), ("--to", end)):
        if not EARLIEST_DATE <= day.date() <= LATEST_DATE:  # a period beyond them cannot be worked out
            raise click.BadParameter(
                f"the date must be between {EARLIEST_DATE.year} and {LATEST_DATE.year}.", param_hint=option
            )
    if start > end:
        raise click.BadParameter("the --to date must be the same as or after the --from date.", param_hint="--to")
    team_ids = {team.name: team.id for team in people.all_teams()}
    tool_ids: dict[str, int | str] = {}
    for tool in tool_list.all_tools():
        tool_ids |= {tool.name: tool.id, tool.slug: tool.id}
    known_themes = {theme: theme for theme in tool_list.all_themes()}
    scope = ReportScope(
        start=start.date(),
        end=end.date(),
        team_ids=tuple(sorted({int(_one_of("team", "--team", team, team_ids)) for team in teams})),
        tool_ids=tuple(sorted({int(_one_of("audit tool", "--tool", tool, tool_ids)) for tool in tools})),
        themes=tuple(sorted({str(_one_of("theme", "--theme", theme, known_themes)) for theme in themes})),
    )
    pdf = themed.themed_pdf(scope, user_id=None, via="command")
    out.write_bytes(pdf)
    db.session.commit()
    click.echo(f"Wrote {out} ({len(pdf) // 1024:,} KB): audits completed {scope.start} to {scope.end}.")
