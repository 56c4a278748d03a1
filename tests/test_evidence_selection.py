"""The themed report's quotes, chosen through newest-first look-ups per theme and grade (issue 16),
against a brute-force choice in Python over every graded section: the same quotes whichever way
the database is read (a scope ranked whole, or walked newest first, with or without the look-ups
that go further back), and the same as ranking every graded section wherever each theme and grade
holds no more than the window."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from audit.clock import to_local
from audit.extensions import db
from audit.models import (
    Audit,
    AuditStatus,
    ModeratedSection,
    Moderation,
    Role,
    ScaleGrade,
    SectionJudgement,
    ToolSection,
)
from audit.reporting import evidence
from audit.reporting.figures import ReportScope

SCOPE = ReportScope(date(2026, 3, 1), date(2026, 5, 31))
TOOLS = ("fathers-engagement-themed", "child-protection")
TEXTS = ("Seen alone; words quoted.", "Plan changed by the child's views.", "Drift over months.", "No father named.")


def _council(app, make, audits: int, seed: int) -> None:
    """Audits of two tools spread over (and beyond) the scope, two at a time sharing a submitted
    time; evidence drawn from a few texts (so copies are common), some blank; a third moderated."""
    rng = random.Random(seed)
    team = make.team()
    auditor = make.user(Role.AUDITOR, team=team)
    moderator = make.user(Role.MODERATOR)
    case = make.case(team)
    versions = [make.tool_version(slug) for slug in TOOLS]
    with app.app_context():
        grades = {
            version.id: db.session.scalars(
                select(ScaleGrade.id).where(ScaleGrade.scale_id == version.scale_id).order_by(ScaleGrade.position)
            ).all()
            for version in versions
        }
        sections = {
            version.id: db.session.scalars(
                select(ToolSection.id).where(ToolSection.tool_version_id == version.id).order_by(ToolSection.position)
            ).all()
            for version in versions
        }
        for n in range(audits):
            version = versions[n % 2]
            audit = Audit(
                case_id=case.id,
                team_id=team.id,
                tool_version_id=version.id,
                auditor_id=auditor.id,
                created_by_id=auditor.id,
                status=AuditStatus.SUBMITTED.value,
                # 20 February to 10 June: some before and after the scope.
                submitted_at=datetime(2026, 2, 20, 10) + timedelta(days=(n // 2) * 110 / audits * 2),
            )
            db.session.add(audit)
            db.session.flush()
            judged = []
            for section_id in sections[version.id]:
                judgement = SectionJudgement(
                    audit_id=audit.id,
                    section_id=section_id,
                    grade_id=rng.choice(grades[version.id]),
                    not_applicable=False,
                    evidence=rng.choice((*TEXTS, "  ", None)),
                )
                db.session.add(judgement)
                judged.append(judgement)
            if n % 3 == 0:
                audit.status = AuditStatus.MODERATED.value
                audit.moderated_at = audit.submitted_at + timedelta(days=1)
                moderation = Moderation(audit_id=audit.id, moderator_id=moderator.id)
                db.session.add(moderation)
                db.session.flush()
                for judgement in judged:
                    if rng.random() < 0.5:
                        regraded = rng.choice(grades[version.id])
                        db.session.add(
                            ModeratedSection(
                                moderation_id=moderation.id,
                                section_id=judgement.section_id,
                                grade_id=regraded,
                                agrees=regraded == judgement.grade_id,
                                reason=None if regraded == judgement.grade_id else "Lower.",
                            )
                        )
        db.session.commit()


def _brute_force(scope: ReportScope, per_theme: int, window: int | None) -> dict[str, evidence.ThemeEvidence]:
    """Every graded section with evidence in scope, by final grade; per theme and grade the newest
    ``window`` (all when None); then per theme and side of good, best (or weakest) grade first and
    newest first, each text once, ``per_theme`` of them."""
    grades = {grade.id: grade for grade in db.session.scalars(select(ScaleGrade))}
    rows = []
    for audit in db.session.scalars(select(Audit)):
        if audit.status not in (AuditStatus.SUBMITTED, AuditStatus.MODERATED) or audit.submitted_at is None:
            continue
        if not scope.start <= to_local(audit.submitted_at).date() <= scope.end:
            continue
        moderated = {item.section_id: item for item in (audit.moderation.section_grades if audit.moderation else [])}
        for judgement in audit.judgements:
            if judgement.evidence is None or not judgement.evidence.strip():
                continue
            override = moderated.get(judgement.section_id)
            final = (
                override.grade_id if override and (override.grade_id or override.not_applicable) else judgement.grade_id
            )
            if final is None:
                continue
            section = db.session.get(ToolSection, judgement.section_id)
            rows.append((section.theme, grades[final], judgement, audit, final))
    by_arm = defaultdict(list)
    for theme, grade, judgement, audit, final in rows:
        by_arm[(theme, grade.good_or_better, grade.position)].append((theme, grade, judgement, audit, final))
    kept = []
    for arm_rows in by_arm.values():
        arm_rows.sort(key=lambda row: (row[3].submitted_at, row[2].id), reverse=True)
        kept += arm_rows[:window] if window is not None else arm_rows
    found: dict[str, evidence.ThemeEvidence] = defaultdict(evidence.ThemeEvidence)
    for theme in sorted({row[0] for row in kept}):
        for good in (True, False):
            side = [row for row in kept if row[0] == theme and row[1].good_or_better == good]
            side.sort(key=lambda row: (row[3].submitted_at, row[2].id), reverse=True)
            side.sort(key=lambda row: row[1].position if good else -row[1].position)
            seen: set[str] = set()
            for _theme, grade, judgement, audit, final in side:
                if judgement.evidence in seen or len(seen) == per_theme:
                    continue
                seen.add(judgement.evidence)
                quote = evidence.Quote(
                    audit.id,
                    audit.case_id,
                    audit.case.reference,
                    audit.team.name,
                    grade.label,
                    judgement.evidence.strip(),
                    to_local(audit.submitted_at).date(),
                    (grades[judgement.grade_id].label if judgement.grade_id else "not graded")
                    if judgement.grade_id != final
                    else None,
                    judgement_id=judgement.id,
                    good_or_better=good,
                )
                (found[theme].strengths if good else found[theme].areas).append(quote)
    return dict(found)


@pytest.mark.parametrize(
    ("path", "sorted_up_to", "newest_first"),
    [
        ("ranked whole", 10**9, 20_000),
        ("newest first, one read", 0, 20_000),
        ("newest first, with look-ups further back", 0, 5),
    ],
)
def test_quotes_equal_the_brute_force_choice_whichever_way_they_are_read(
    app, make, monkeypatch, path, sorted_up_to, newest_first
):
    _council(app, make, audits=60, seed=16)
    monkeypatch.setattr(evidence, "SORTED_UP_TO", sorted_up_to)
    monkeypatch.setattr(evidence, "NEWEST_FIRST", newest_first)
    with app.app_context():
        for per_theme in (1, 2, 3):
            found = evidence.theme_evidence(SCOPE, per_theme=per_theme)
            expected = _brute_force(SCOPE, per_theme, per_theme * evidence.EVIDENCE_WINDOW)
            assert found == expected, f"{path}, {per_theme} per theme"
    assert any(item.strengths and item.areas for item in found.values())  # the data tests something


def test_where_no_theme_and_grade_holds_more_than_the_window_the_quotes_are_those_of_ranking_everything(
    app, make, monkeypatch
):
    _council(app, make, audits=14, seed=3)
    monkeypatch.setattr(evidence, "SORTED_UP_TO", 0)  # read newest first: the path large periods take
    with app.app_context():
        everything = _brute_force(SCOPE, 3, None)
        windowed = _brute_force(SCOPE, 3, 3 * evidence.EVIDENCE_WINDOW)
        assert everything == windowed  # this small council fits the window everywhere
        assert evidence.theme_evidence(SCOPE) == everything
    assert sum(len(item.strengths) + len(item.areas) for item in everything.values()) >= 4


def test_quotes_are_read_in_the_same_statements_whatever_the_period_holds(app, make, monkeypatch):
    from tests.querycount import count_queries

    monkeypatch.setattr(evidence, "SORTED_UP_TO", 0)
    monkeypatch.setattr(evidence, "NEWEST_FIRST", 5)
    _council(app, make, audits=10, seed=1)
    with count_queries(app) as few, app.app_context():
        evidence.theme_evidence(SCOPE)
    _council(app, make, audits=60, seed=2)
    with count_queries(app) as many, app.app_context():
        evidence.theme_evidence(SCOPE)
    assert few.count == many.count <= 6, f"{few}\n\n{many}"
