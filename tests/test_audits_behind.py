"""The audits behind a figure (audit.reporting.audits_behind) are read from the grade summary's
rows per audit. They must be exactly the audits the figure counted, with the grade it counted:
checked against the final grades worked out in plain Python from the records, after random
submits, amendments (before and after moderation), moderations (N/A included) and cancellations,
on a tool with a shared theme and one with an overall grade; every page in turn, newest day first,
within a day by audit id; and the list's total equal to the figure's count.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest

from audit.clock import to_local, utcnow
from audit.domain.audits import audit_with_everything
from audit.extensions import db
from audit.models import Role, ScaleGrade, User
from audit.reporting import audits_behind as behind
from audit.reporting import equality, figures
from audit.reporting.audits_behind import FigureFilter, GradeChoice
from audit.reporting.figures import ReportScope
from tests import test_grade_summary
from tests.test_grade_summary import OPERATIONS, World, _completed, _submit

Row = tuple[int, date, str, bool]  # audit id, UK day, grade label, good or better


Graded = dict[int, tuple[date, int, ScaleGrade]]  # audit id: UK day, team id, final grade


def _expected_grades() -> dict[str | None, Graded]:
    """Per theme (None: overall), each completed audit that has a final grade for it, with its UK
    day, its team and that grade: the moderator's grade where moderated, else the auditor's; a
    theme's worst over its sections, not applicable not counted."""
    found: dict[str | None, Graded] = {None: {}}
    for audit in _completed():
        full = audit_with_everything(audit.id)
        day = to_local(full.submitted_at).date()
        moderated = {item.section_id: item for item in full.moderation.section_grades} if full.moderation else {}
        worst: dict[str, ScaleGrade] = {}
        for judgement in full.judgements:
            item = moderated.get(judgement.section_id)
            grade = item.grade if item and (item.grade_id or item.not_applicable) else judgement.grade
            theme = judgement.section.theme
            if grade is not None and (theme not in worst or grade.position > worst[theme].position):
                worst[theme] = grade
        for theme, grade in worst.items():
            found.setdefault(theme, {})[full.id] = (day, full.team_id, grade)
        overall_id = (full.moderation.overall_grade_id if full.moderation else None) or full.overall_grade_id
        if overall_id is not None:
            found[None][full.id] = (day, full.team_id, db.session.get(ScaleGrade, overall_id))
    return found


def _expected(grades: Graded, scope: ReportScope, viewer: User, choice: GradeChoice | None) -> list[Row]:
    rows = []
    for audit_id, (day, team_id, grade) in grades.items():
        if not scope.start <= day <= scope.end or (scope.team_ids and team_id not in scope.team_ids):
            continue
        if not viewer.can_see_team(team_id):
            continue
        if choice is not None and grade.good_or_better != (choice == "good-or-better"):
            continue
        rows.append((audit_id, day, grade.label, grade.good_or_better))
    return sorted(rows, key=lambda row: (row[1], row[0]), reverse=True)


def _listed(scope: ReportScope, figure: FigureFilter, viewer: User) -> tuple[list[Row], int]:
    """Every page in turn, and the total the first page gave."""
    first = behind.audits_behind(scope, figure, viewer)
    rows: list[Row] = []
    for number in range(1, first.pages + 1):
        page = behind.audits_behind(scope, figure, viewer, number)
        assert (page.page, page.pages, page.total) == (number, first.pages, first.total)
        rows += [(row.audit_id, row.submitted_on, row.grade, row.good_or_better) for row in page.audits]
    return rows, first.total


def _few_days(rng: random.Random) -> datetime:
    """A submission time on one of a few days, so that several audits share a day (listed by audit
    id within it), some at 23:xx UTC (the next UK day in summer time)."""
    moment = utcnow() - timedelta(days=rng.choice([0, 0, 1, 45, 45, 100, 130, 300]))
    return moment.replace(hour=rng.choice([9, 14, 23]), minute=rng.randrange(60))


@pytest.mark.parametrize("seed", [11, 12])
def test_the_list_is_exactly_the_audits_the_figure_counted(app, make, monkeypatch, request, seed):
    rng = random.Random(seed)
    world = World(app, make, rng)
    times = pytest.MonkeyPatch()  # apart: _submit undoes its own monkeypatch each time
    request.addfinalizer(times.undo)
    times.setattr(test_grade_summary, "_when", _few_days)
    with app.app_context():
        for _ in range(6):  # enough completed audits to moderate and amend
            _submit(world, monkeypatch)
            db.session.commit()
    for _ in range(24):
        operation = rng.choices([op for op, _ in OPERATIONS[:4]], weights=[weight for _, weight in OPERATIONS[:4]])[0]
        with app.app_context():
            operation(world, monkeypatch) if operation is _submit else operation(world)
            db.session.commit()
    times.setattr(behind, "PAGE_SIZE", 4)  # many pages, each merged from the theme's sections
    supervisor = make.user(Role.SUPERVISOR, team=world.teams[1])
    with app.app_context():
        expected = _expected_grades()
        assert {"Fathers' engagement", None} <= set(expected)  # the shared theme; the overall grade
        everything = ReportScope(date.today() - timedelta(days=800), date.today() + timedelta(days=1))
        scopes = [
            everything,
            # Days at both edges and whole months between, as the figures read them.
            ReportScope(date.today() - timedelta(days=130), date.today() - timedelta(days=45)),
            ReportScope(everything.start, everything.end, team_ids=(world.teams[0].id,)),
        ]
        viewers = [db.session.get(User, world.leader.id), db.session.get(User, supervisor.id)]
        checked = 0
        for scope in scopes:
            for theme, grades in expected.items():
                for viewer in viewers:
                    for choice in (None, *behind.GRADE_CHOICES):
                        rows, total = _listed(scope, FigureFilter(theme=theme, grade=choice), viewer)
                        assert rows == _expected(grades, scope, viewer, choice), (scope, theme, choice, viewer.id)
                        assert total == len(rows)
                        checked += len(rows)
            # The total is the figure's count: a theme's graded audits; the overall grades of every tool.
            leader = viewers[0]
            for distribution in figures.theme_grades(scope):
                found = behind.audits_behind(scope, FigureFilter(theme=distribution.name), leader)
                assert found.total == distribution.graded
                good = behind.audits_behind(scope, FigureFilter(distribution.name, "good-or-better"), leader)
                assert good.total == distribution.good_or_better
            by_tool = figures.overall_grades_by_tool(scope)
            overall = behind.audits_behind(scope, FigureFilter(), leader).total
            assert overall == sum(tool.grades.graded for tool in by_tool)
        assert checked > 100
        days = [day for day, _team, _grade in expected[None].values()]
        assert len(days) > len(set(days))  # audits that share a day were listed by id


def test_a_characteristics_list_is_the_equality_figures_audits(app, make, monkeypatch):
    rng = random.Random(5)
    world = World(app, make, rng)
    with app.app_context():
        for _ in range(12):
            _submit(world, monkeypatch)
            db.session.commit()
        for case_number, audit in enumerate(_completed()):
            case = audit_with_everything(audit.id).case
            case.gender = ["Female", "Male", " Female ", None, ""][case_number % 5]
        db.session.commit()
        scope = ReportScope(date.today() - timedelta(days=800), date.today() + timedelta(days=1))
        leader = db.session.get(User, world.leader.id)
        breakdown = equality.equality_breakdown(scope)
        gender = next(item for item in breakdown.characteristics if item.key == "gender")
        expected = _expected_grades()
        overall = expected[None]
        assert len(gender.groups) == 3  # "Female" with " Female ", "Male", not recorded (None or blank)
        genders = {audit.id: (audit_with_everything(audit.id).case.gender or "").strip() for audit in _completed()}
        for group in gender.groups:
            figure = FigureFilter(characteristic="gender", group=group.value)
            rows, total = _listed(scope, figure, leader)
            recorded = {audit_id for audit_id, recorded in genders.items() if recorded == (group.value or "")}
            assert {row[0] for row in rows} == recorded & set(overall) and total == len(rows)
            if group.graded is not None:  # not suppressed: the figure's own count
                assert total == group.graded
            for theme, grades in expected.items():  # a theme's audits of the group, as the theme's list
                in_group = [row for row in _expected(grades, scope, leader, None) if row[0] in recorded]
                figure = FigureFilter(theme=theme, characteristic="gender", group=group.value)
                assert _listed(scope, figure, leader) == (in_group, len(in_group))
