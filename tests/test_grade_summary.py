"""The grade summary (audit.domain.summaries) is kept equal to a rebuild from the audits through
every kind of change, made by the real domain functions: submit, amend (before and after
moderation), moderate, cancel and delete under retention. Randomised, with fixed seeds, on both
databases; after every step the summary must equal a rebuild, and the figures read from it must
equal a plain-Python count of the audits' final grades.
"""

from __future__ import annotations

import contextlib
import random
from collections import defaultdict
from datetime import date, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from audit.clock import to_local, today, utcnow
from audit.domain import audit_answers, follow_up, moderation, programme, retention, summaries
from audit.domain.atomic import Refused
from audit.domain.audit_answers import DraftValues, OverallValues, SectionValues
from audit.domain.audits import audit_with_everything
from audit.extensions import db
from audit.models import Action, Audit, AuditStatus, Case, GradeSummary, Role, ScaleGrade, User
from audit.models.summaries import period_end, period_start, tiles
from audit.reporting import agreement, evidence, figures
from audit.reporting.figures import ReportScope

TOOLS = ("fathers-engagement-themed", "child-protection")  # a shared theme, no overall; an overall
RETENTION_KEYS = [kind.key for kind in retention.KINDS]


class World:
    """People, cases and the random choices of one run."""

    def __init__(self, app, make, rng: random.Random) -> None:
        self.app, self.make, self.rng = app, make, rng
        self.teams = [make.team(), make.team()]
        self.auditors = [make.user(Role.AUDITOR, team=team) for team in self.teams]
        self.moderator = make.user(Role.MODERATOR, team=self.teams[0])
        self.leader = make.user(Role.LEADER, team=self.teams[0])
        self.worker = make.user(Role.PRACTITIONER, team=self.teams[0])
        self.programmes = [make.programme(self.leader).id, make.programme(self.leader).id]
        # The programme choices draw on a stream of their own, so that the changes the seeds were
        # chosen for (some completed audits still there at the end) stay as they were.
        self.programme_rng = random.Random()
        self.programme_rng.setstate(rng.getstate())

    def draft(self) -> int:
        """A complete draft on a case of its own (set up as the form would leave it), returned by id."""
        team = self.rng.choice(self.teams)
        case = self.make.case(team, worker=self.worker)
        auditor = self.auditors[self.teams.index(team)]
        slug = self.rng.choice(TOOLS)
        due = date.today() + timedelta(days=self.rng.randrange(-20, 20)) if self.rng.random() < 0.8 else None
        audit = self.make.audit(case, auditor, tool=slug, status=AuditStatus.IN_PROGRESS, due_date=due)
        self.make.answers(audit)
        with self.app.app_context():
            keys = [section.key for section in audit_with_everything(audit.id).tool_version.sections]
        grades = {key: self.grade_key() for key in keys}
        self.make.judgements(audit, grades, overall=self.rng.choice(["outstanding", "good", "requires-improvement"]))
        if self.programme_rng.random() < 0.5:  # one of a programme's audits
            with self.app.app_context():
                db.session.get(Audit, audit.id).programme_id = self.programme_rng.choice(self.programmes)
                db.session.commit()
        return audit.id

    def grade_key(self) -> str:
        return self.rng.choice(["outstanding", "good", "good", "requires-improvement", "inadequate", "na"])


def _when(rng: random.Random) -> datetime:
    """A submission time in the last 14 months, often at 23:xx UTC (the next UK day in summer)."""
    moment = utcnow() - timedelta(days=rng.randrange(0, 420), minutes=rng.randrange(0, 24 * 60))
    if rng.random() < 0.4:
        moment = moment.replace(hour=23, minute=rng.randrange(60))
    return moment


def _submit(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    audit_id = world.draft()
    audit = audit_with_everything(audit_id)
    auditor = db.session.get(User, audit.auditor_id)
    audit_answers.save_draft(
        audit,
        DraftValues(
            strengths="Strengths found.",
            areas_for_development="Areas found.",
            overall=OverallValues(
                grade=_grade_key_of(audit, audit.overall_grade_id),
                rationale="Reasons.",
                above_inadequate_reason="The child is safe now.",
            )
            if audit.tool_version.asks_overall_grade
            else None,
        ),
        auditor,
        audit.version,
    )
    moment = _when(world.rng)
    monkeypatch.setattr(audit_answers, "utcnow", lambda: moment)
    assert audit_answers.submit(audit, auditor) == []
    monkeypatch.undo()


def _grade_key_of(audit: Audit, grade_id: int | None) -> str | None:
    return next((grade.key for grade in audit.tool_version.scale.grades if grade.id == grade_id), None)


def _completed(status: tuple[str, ...] = ("submitted", "moderated")) -> list[Audit]:
    return list(db.session.scalars(select(Audit).where(Audit.status.in_(status)).order_by(Audit.id)))


def _amend(world: World) -> None:
    candidates = _completed()
    if not candidates:
        return
    audit = audit_with_everything(world.rng.choice(candidates).id)
    section = world.rng.choice(audit.tool_version.sections)
    values = DraftValues(
        sections={section.id: SectionValues(grade=world.grade_key(), evidence="Amended evidence.")},
        overall=OverallValues(
            grade=world.rng.choice(["good", "requires-improvement", "inadequate"]),
            rationale="Amended reasons.",
            above_inadequate_reason="The child is safe now.",
        )
        if audit.tool_version.asks_overall_grade
        else None,
    )
    with contextlib.suppress(Refused):
        audit_answers.amend_if_complete(
            audit, values, db.session.get(User, world.leader.id), "Corrected", expected_version=audit.version
        )


def _moderate(world: World) -> None:
    candidates = _completed(("submitted",))
    if not candidates:
        return
    audit = audit_with_everything(world.rng.choice(candidates).id)
    grades = {grade.key: grade.id for grade in audit.tool_version.scale.grades}
    sections = {}
    for section in audit.tool_version.sections:
        key = world.grade_key()
        sections[section.id] = (grades.get(key), key == "na", "Moderator's reason.")
    overall = (grades[world.rng.choice(list(grades))], "Moderator's reason.")
    moderation.record_moderation(
        audit,
        db.session.get(User, world.moderator.id),
        sections,
        overall if audit.tool_version.asks_overall_grade else None,
    )


def _cancel(world: World) -> None:
    audit = db.session.get(Audit, world.draft())
    programme.cancel_audit(audit, "No longer needed", db.session.get(User, world.leader.id))


def _delete_under_retention(world: World) -> None:
    candidates = _completed()
    if not candidates:
        return
    audit = world.rng.choice(candidates)
    db.session.get(Case, audit.case_id).closed_on = date.today() - timedelta(days=30)
    periods = dict.fromkeys(RETENTION_KEYS, 100000) | {"audits": 10, "audits_in_care": 10}
    retention.delete_past_period(periods, utcnow())


def _add_action(world: World) -> None:
    candidates = _completed()
    if not candidates:
        return
    audit = world.rng.choice(candidates)
    follow_up.add_action(
        audit,
        description="Update the plan.",
        owner_id=audit.auditor_id,
        due_date=date.today() + timedelta(days=world.rng.randrange(-30, 30)),
        created_by=db.session.get(User, world.leader.id),
    )


def _complete_action(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """An open action done, often at 23:xx UTC on its due day (the next UK day in summer)."""
    candidates = list(db.session.scalars(select(Action).where(Action.completed_at.is_(None)).order_by(Action.id)))
    if not candidates:
        return
    action = world.rng.choice(candidates)
    moment = datetime.combine(action.due_date, datetime.min.time()) + timedelta(
        hours=world.rng.choice([9, 23]), days=world.rng.choice([-1, 0, 0, 1])
    )
    monkeypatch.setattr(follow_up, "utcnow", lambda: moment)
    follow_up.complete_action(action, db.session.get(User, action.owner_id), "Done.")
    monkeypatch.undo()


def _move_a_due_date(world: World) -> None:
    """An open audit's or an open action's due date moved (both counted by due date), or an audit
    moved from one programme to the other, or out of programmes."""
    if world.programme_rng.random() < 0.3:
        audits = list(db.session.scalars(select(Audit).where(Audit.programme_id.is_not(None)).order_by(Audit.id)))
        if audits:
            moved = world.programme_rng.choice(audits)
            moved.programme_id = world.programme_rng.choice([*world.programmes, None])
    if world.rng.random() < 0.5:
        audits = list(db.session.scalars(select(Audit).where(Audit.status == "in_progress").order_by(Audit.id)))
        if audits:
            world.rng.choice(audits).due_date = date.today() + timedelta(days=world.rng.randrange(-10, 10))
    else:
        actions = list(db.session.scalars(select(Action).where(Action.completed_at.is_(None)).order_by(Action.id)))
        if actions:
            world.rng.choice(actions).due_date = date.today() + timedelta(days=world.rng.randrange(-10, 10))


OPERATIONS = [
    (_submit, 4),
    (_amend, 3),
    (_moderate, 3),
    (_cancel, 1),
    (_delete_under_retention, 1),
    (_add_action, 3),
    (_complete_action, 3),
    (_move_a_due_date, 2),
]
NEEDS_MONKEYPATCH = (_submit, _complete_action)


def _expected_theme_figures() -> dict[str, tuple[int, int, int]]:
    """Per theme, (good or better, graded, not applicable) of the completed audits' final grades,
    worked out in Python from the records: the moderator's grade where moderated, the worst of a
    theme's sections, N/A only when every section of the theme was."""
    counted: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for audit in _completed():
        full = audit_with_everything(audit.id)
        moderated = {item.section_id: item for item in full.moderation.section_grades} if full.moderation else {}
        worst: dict[str, ScaleGrade | str | None] = {}
        for judgement in full.judgements:
            section = judgement.section
            moderated_section = moderated.get(section.id)
            if moderated_section and (moderated_section.grade_id or moderated_section.not_applicable):
                grade, not_applicable = moderated_section.grade, moderated_section.not_applicable
            else:
                grade, not_applicable = judgement.grade, judgement.not_applicable
            if grade is None and not not_applicable:
                continue
            seen = worst.get(section.theme, "na")
            if grade is not None and (seen == "na" or grade.position > seen.position):  # type: ignore[union-attr]
                worst[section.theme] = grade
            else:
                worst.setdefault(section.theme, "na")
        for theme, grade in worst.items():
            if grade == "na":
                counted[theme][2] += 1
            else:
                counted[theme][0] += 1 if grade.good_or_better else 0  # type: ignore[union-attr]
                counted[theme][1] += 1
    return {theme: tuple(numbers) for theme, numbers in counted.items()}  # type: ignore[misc]


def _check(step: str) -> None:
    db.session.flush()
    assert summaries.differences() == [], step
    scope = ReportScope(date.today() - timedelta(days=800), date.today() + timedelta(days=1))
    found = {item.name: (item.good_or_better, item.graded, item.not_applicable) for item in figures.theme_grades(scope)}
    assert found == _expected_theme_figures(), step
    counts = figures.audit_counts(scope)
    assert counts.completed == len(_completed()), step
    open_audits = list(db.session.scalars(select(Audit).where(Audit.status.in_(("assigned", "in_progress")))))
    assert counts.in_progress == len(open_audits), step
    assert counts.overdue == sum(1 for audit in open_audits if audit.due_date and audit.due_date < today()), step
    _check_actions(scope, step)
    _check_programmes(step)
    # The moderation queue's count of audits waiting is summed from the kept counts too.
    submitted = _completed(("submitted",))
    assert moderation.moderation_queue().total == len(submitted), step
    for team_id in {audit.team_id for audit in submitted}:
        queue = moderation.moderation_queue(moderation.QueueFilters(team_id=team_id))
        assert queue.total == sum(1 for audit in submitted if audit.team_id == team_id), step


def _check_programmes(step: str) -> None:
    """Each programme's progress against its audits counted in Python."""
    for summary in programme.programme_summaries():
        audits = db.session.scalars(select(Audit).where(Audit.programme_id == summary.programme.id)).all()
        statuses = [audit.status for audit in audits]
        overdue = sum(
            1 for audit in audits if audit.status_enum.is_open and audit.due_date and audit.due_date < today()
        )
        assert (
            summary.not_started,
            summary.in_progress,
            summary.submitted,
            summary.moderated,
            summary.cancelled,
            summary.overdue,
        ) == (
            statuses.count("assigned"),
            statuses.count("in_progress"),
            statuses.count("submitted"),
            statuses.count("moderated"),
            statuses.count("cancelled"),
            overdue,
        ), step


def _check_actions(scope: ReportScope, step: str) -> None:
    """The action figures against a count of the actions themselves, in Python: each completed
    audit's actions, under the theme of its lowest final section grade below good."""
    actions = [action for audit in _completed() for action in audit_with_everything(audit.id).actions]
    found = figures.action_figures(scope)
    done = [action for action in actions if action.completed_at is not None]
    expected_on_time = sum(1 for action in done if to_local(action.completed_at).date() <= action.due_date)
    assert (found.total, found.open, found.completed, found.completed_on_time) == (
        len(actions),
        len(actions) - len(done),
        len(done),
        expected_on_time,
    ), step
    overdue = sum(1 for action in actions if action.completed_at is None and action.due_date < today())
    assert found.overdue == overdue, step
    by_theme = evidence.theme_actions(scope)
    assert sum(figures.total for figures in by_theme.values()) <= len(actions), step


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_summary_equals_a_rebuild_after_random_changes(app, make, monkeypatch, seed):
    rng = random.Random(seed)
    world = World(app, make, rng)
    kinds = {operation.__name__: 0 for operation, _weight in OPERATIONS}
    for step in range(40):
        operation = rng.choices([op for op, _ in OPERATIONS], weights=[weight for _, weight in OPERATIONS])[0]
        with app.app_context():
            operation(world, monkeypatch) if operation in NEEDS_MONKEYPATCH else operation(world)
            db.session.commit()
            _check(f"step {step}: {operation.__name__}")
        kinds[operation.__name__] += 1
    assert all(kinds.values()), kinds  # every kind of change was made at least once
    with app.app_context():
        assert db.session.scalar(select(GradeSummary.id).where(GradeSummary.period == "month").limit(1))


def test_a_period_reads_whole_periods_and_its_edge_days_on_uk_dates(app, make, monkeypatch):
    """An audit submitted at 23:30 UTC on 31 July (00:30 BST on 1 August) counts in August, and a
    period from 15 July to 15 September reads July's and September's days and August's month."""
    world = World(app, make, random.Random(7))
    times = [datetime(2026, 7, 31, 23, 30), datetime(2026, 7, 15, 10), datetime(2026, 9, 15, 22, 59)]
    for moment in times:
        with app.app_context():
            world.rng = random.Random(moment.day)
            audit_id = world.draft()
            audit = audit_with_everything(audit_id)
            audit_answers.save_draft(
                audit,
                DraftValues(
                    strengths="S.",
                    areas_for_development="A.",
                    overall=OverallValues(grade="good", rationale="R.", above_inadequate_reason="Safe.")
                    if audit.tool_version.asks_overall_grade
                    else None,
                ),
                db.session.get(User, audit.auditor_id),
                audit.version,
            )
            monkeypatch.setattr(audit_answers, "utcnow", lambda moment=moment: moment)
            audit_answers.submit(audit, db.session.get(User, audit.auditor_id))
            monkeypatch.undo()
            db.session.commit()
    with app.app_context():
        assert summaries.differences() == []
        days = {to_local(moment).date() for moment in times}
        assert date(2026, 8, 1) in days
        counts = figures.audit_counts(ReportScope(date(2026, 7, 15), date(2026, 9, 15)))
        assert counts.completed == 3
        assert figures.audit_counts(ReportScope(date(2026, 8, 1), date(2026, 8, 31))).completed == 1
        assert figures.audit_counts(ReportScope(date(2026, 7, 16), date(2026, 9, 14))).completed == 1
        trend = figures.theme_trend(ReportScope(date(2026, 7, 1), date(2026, 9, 30)))
        assert {row.group for row in trend} <= {"2026-07", "2026-08", "2026-09"}
        assert "2026-08" in {row.group for row in trend}
        moderation_pairs = agreement.moderation_agreement(ReportScope(date(2026, 7, 1), date(2026, 9, 30)))
        assert moderation_pairs.pairs == 0
        # A week that crosses the 1st is not read for a trend by month: 31 July's audit is August's.
        across = figures.theme_trend(ReportScope(date(2026, 7, 27), date(2026, 8, 9)), by="month")
        assert {row.group for row in across} == {"2026-08"}
        by_quarter = figures.theme_trend(ReportScope(date(2026, 7, 1), date(2026, 9, 30)), by="quarter")
        assert {row.group for row in by_quarter} == {"2026 Q3"}
        # A whole year and quarter are read from their own counts and agree with the days.
        assert figures.audit_counts(ReportScope(date(2026, 1, 1), date(2026, 12, 31))).completed == 3
        assert figures.audit_counts(ReportScope(date(2026, 7, 1), date(2026, 9, 30))).completed == 3


def test_the_listener_names_every_kind_kept():
    """A change to an audit's status moves every kind: the listener's names are the kinds' tables."""
    assert {kind.row_table.name for kind in summaries.kinds()} == summaries.EVERY_KIND


@pytest.mark.parametrize("within", [None, "month", "quarter"])
def test_the_periods_that_tile_a_range_cover_each_day_once(within):
    """Any range of dates is tiled exactly, each day once, by whole periods; with ``within`` no
    piece crosses a month's (or quarter's) first day; and a year takes a handful of pieces."""
    rng = random.Random(5)
    for _ in range(3000):
        start = date(2023, 1, 1) + timedelta(days=rng.randrange(1500))
        end = start + timedelta(days=rng.randrange(800))
        pieces = [(period, first, period_end(period, first)) for period, firsts in tiles(start, end, within).items()
                  for first in firsts]  # fmt: skip
        days = sorted(day for _period, first, last in pieces for day in range(first.toordinal(), last.toordinal() + 1))
        assert days == list(range(start.toordinal(), end.toordinal() + 1)), (start, end, within)
        if within is not None:
            group = {"month": "month", "quarter": "qtr"}[within]
            assert all(period_start(group, first) == period_start(group, last) for _p, first, last in pieces)
    assert sum(map(len, tiles(date(2025, 11, 29), date(2026, 11, 28)).values())) == 17


def test_check_summaries_finds_a_difference_and_rebuild_mends_it(app, make, monkeypatch):
    world = World(app, make, random.Random(11))
    with app.app_context():
        _submit(world, monkeypatch)
        db.session.commit()
        assert summaries.differences() == []
        row = db.session.scalars(select(GradeSummary).where(GradeSummary.period == "month")).first()
        row.audits += 5  # a summary that has drifted from the audits
        db.session.commit()
        assert summaries.differences()
    runner = CliRunner()
    with app.app_context():
        from audit.reports.summary_cli import check_summaries_command, rebuild_summaries_command

        result = runner.invoke(check_summaries_command, [])
        assert result.exit_code == 1
        assert "grade_summary" in result.output
        result = runner.invoke(rebuild_summaries_command, [])
        assert result.exit_code == 0, result.output
        result = runner.invoke(check_summaries_command, [])
        assert result.exit_code == 0, result.output
        assert "agrees" in result.output
