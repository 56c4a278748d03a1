"""Synthetic records for tests. Each call commits in its own app context (inside the test's
rolled-back transaction) and returns the record detached, with its columns loaded."""

from __future__ import annotations

import itertools
from typing import Any, TypeVar

from flask import Flask
from sqlalchemy import select

from audit.extensions import db
from audit.models import (
    Audit,
    AuditStatus,
    AuditTool,
    AuditToolVersion,
    Case,
    PlanType,
    Role,
    ServiceArea,
    Team,
    User,
    UserRole,
)
from audit.security.passwords import hash_password

PASSWORD = "correct horse battery staple"
_numbers = itertools.count(1)

T = TypeVar("T")


class Factory:
    def __init__(self, app: Flask) -> None:
        self.app = app

    def _save(self, record: T) -> T:
        db.session.add(record)
        db.session.commit()
        db.session.refresh(record)
        db.session.expunge(record)
        return record

    def team(self, name: str | None = None, area: str = "Assessment") -> Team:
        with self.app.app_context():
            service_area = db.session.scalar(select(ServiceArea).where(ServiceArea.name == area))
            return self._save(Team(name=name or f"Team {next(_numbers)}", service_area_id=service_area.id))

    def user(
        self,
        *roles: Role,
        team: Team | None = None,
        email: str | None = None,
        name: str | None = None,
        active: bool = True,
        must_change_password: bool = False,
    ) -> User:
        number = next(_numbers)
        with self.app.app_context():
            user = User(
                email=email or f"user{number}@test.example",
                name=name or f"Test User {number}",
                team_id=team.id if team else None,
                # In the test app, whose hasher is the cheap one (PASSWORD_HASH_COST="test").
                password_hash=hash_password(PASSWORD),
                active=active,
                must_change_password=must_change_password,
                role_rows=[UserRole(role=role.value) for role in (roles or (Role.PRACTITIONER,))],
            )
            return self._save(user)

    def case(self, team: Team, *, worker: User | None = None, reference: str | None = None, **fields: Any) -> Case:
        with self.app.app_context():
            case = Case(
                reference=reference or f"TEST-{next(_numbers):06d}",
                team_id=team.id,
                worker_id=worker.id if worker else None,
                plan_type=fields.pop("plan_type", PlanType.CHILD_IN_NEED.value),
                **fields,
            )
            return self._save(case)

    def tool_version(self, slug: str = "fathers-engagement-themed") -> AuditToolVersion:
        """A shipped tool's newest version (the test database loads them all)."""
        with self.app.app_context():
            version = db.session.scalar(
                select(AuditToolVersion)
                .join(AuditTool)
                .where(AuditTool.slug == slug)
                .order_by(AuditToolVersion.version.desc())
            )
            db.session.expunge(version)
            return version

    def audit(
        self,
        case: Case,
        auditor: User,
        *,
        tool: str = "fathers-engagement-themed",
        status: AuditStatus = AuditStatus.ASSIGNED,
        due_date: Any = None,
        created_by: User | None = None,
    ) -> Audit:
        from audit.clock import utcnow

        version = self.tool_version(tool)
        with self.app.app_context():
            audit = Audit(
                case_id=case.id,
                team_id=case.team_id,
                tool_version_id=version.id,
                auditor_id=auditor.id,
                created_by_id=(created_by or auditor).id,
                status=status.value,
                due_date=due_date,
                submitted_at=utcnow() if status.is_locked else None,
            )
            return self._save(audit)

    def judgements(self, audit: Audit, grades: str | dict[str, str] = "good", overall: str | None = "good") -> Audit:
        """The auditor's section judgements (grade keys by section key, or one key for every
        section; "na" for not applicable) and, where the tool asks for it, the overall grade."""
        from audit.models import ScaleGrade, SectionJudgement

        with self.app.app_context():
            saved = db.session.get(Audit, audit.id)
            scale = select(ScaleGrade).where(ScaleGrade.scale_id == saved.tool_version.scale_id)
            by_key = {grade.key: grade for grade in db.session.scalars(scale)}
            for section in saved.tool_version.sections:
                key = grades if isinstance(grades, str) else grades[section.key]
                db.session.add(
                    SectionJudgement(
                        audit_id=saved.id,
                        section_id=section.id,
                        grade_id=None if key == "na" else by_key[key].id,
                        not_applicable=key == "na",
                        evidence=f"Auditor's evidence for {section.title}.",
                    )
                )
            if saved.tool_version.asks_overall_grade and overall:
                saved.overall_grade_id = by_key[overall].id
                saved.overall_rationale = "Auditor's reasons for the overall grade."
            return self._save(saved)

    def answers(self, audit: Audit, grade: str = "good", evidence: str = "Evidence for {question}.") -> Audit:
        """Answer every question of the audit's tool: grade questions with the grade key ("na" for
        not applicable), yes/no with yes, choices with their first option, numbers with 2 (or the
        question's least), dates with 1 March 2025, text with a sentence; each with evidence
        (``{question}`` is replaced by the question's key)."""
        from datetime import date

        from audit.models import Answer, AnswerType, ScaleGrade

        with self.app.app_context():
            saved = db.session.get(Audit, audit.id)
            scale = select(ScaleGrade).where(ScaleGrade.scale_id == saved.tool_version.scale_id)
            by_key = {scale_grade.key: scale_grade for scale_grade in db.session.scalars(scale)}
            for section in saved.tool_version.sections:
                for question in section.questions:
                    kind = question.answer_type
                    db.session.add(
                        Answer(
                            audit_id=saved.id,
                            question_id=question.id,
                            grade_id=by_key[grade].id if kind == AnswerType.GRADE and grade != "na" else None,
                            not_applicable=kind == AnswerType.GRADE and grade == "na",
                            choice="yes" if kind == AnswerType.YES_NO_NA else None,
                            date_value=date(2025, 3, 1) if kind == AnswerType.DATE else None,
                            text_value=f"Answer to {question.key}." if kind == AnswerType.TEXT else None,
                            option_id=question.options[0].id if kind == AnswerType.CHOICE else None,
                            number_value=max(2, question.number_min or 0) if kind == AnswerType.NUMBER else None,
                            evidence=evidence.format(question=question.key),
                        )
                    )
            return self._save(saved)

    def programme(
        self,
        created_by: User,
        audits: Any = (),
        *,
        due_date: Any = None,
        name: str | None = None,
        tool: str = "fathers-engagement-themed",
    ) -> Any:
        """An audit programme (month: January 2030 unless told) with an audit for each
        (case, auditor, status) given, all due on its due date, which may be in the past."""
        from datetime import date

        from audit.clock import utcnow
        from audit.models import AuditProgramme

        version = self.tool_version(tool)
        due_date = due_date or date(2030, 1, 31)
        with self.app.app_context():
            programme = AuditProgramme(
                name=name or f"Programme {next(_numbers)}",
                month=due_date.replace(day=1),
                tool_version_id=version.id,
                due_date=due_date,
                created_by_id=created_by.id,
            )
            db.session.add(programme)
            db.session.flush()
            for case, auditor, status in audits:
                db.session.add(
                    Audit(
                        case_id=case.id,
                        team_id=case.team_id,
                        tool_version_id=version.id,
                        auditor_id=auditor.id,
                        created_by_id=created_by.id,
                        programme_id=programme.id,
                        status=status.value,
                        due_date=due_date,
                        submitted_at=utcnow() if status.is_locked else None,
                    )
                )
            return self._save(programme)

    def supervision(
        self,
        supervisor: User,
        *workers: User,
        kind: str = "case",
        status: str = "draft",
        held_on: Any = None,
        cases: Any = (),
        team: Team | None = None,
        **fields: Any,
    ) -> Any:
        """A supervision record of `workers` by `supervisor`, discussing `cases` (each with a
        current situation, decision and rationale). A completed record has its completion date;
        an acknowledged one has every worker's acknowledgement."""
        from datetime import date

        from audit.clock import utcnow
        from audit.models import SupervisionAttendee, SupervisionCase, SupervisionRecord

        acknowledged = status == "acknowledged"
        with self.app.app_context():
            record = SupervisionRecord(
                kind=kind,
                team_id=team.id if team else workers[0].team_id,
                supervisor_id=supervisor.id,
                status=status,
                held_on=held_on or date.today(),
                completed_at=None if status == "draft" else utcnow(),
                acknowledged_at=utcnow() if acknowledged else None,
                updated_by_id=supervisor.id,
                attendees=[
                    SupervisionAttendee(
                        user_id=worker.id, acknowledged_at=utcnow() if acknowledged else None, agrees=True
                    )
                    for worker in workers
                ],
                cases=[
                    SupervisionCase(
                        case_id=case.id,
                        current_situation=f"Current situation of {case.reference}.",
                        decision=f"Decision for {case.reference}.",
                        decision_rationale=f"Rationale for {case.reference}.",
                    )
                    for case in cases
                ],
                **fields,
            )
            return self._save(record)

    # The improvement plan -------------------------------------------------------------------------

    def priority(self, owner: User, **fields: Any) -> Any:
        """A priority owned by ``owner``, last in the plan unless ``position`` is given, due in a
        year."""
        from datetime import date

        from sqlalchemy import func

        from audit.models import Priority

        with self.app.app_context():
            last = db.session.scalar(select(func.max(Priority.position))) or 0
            fields.setdefault("position", last + 1)
            fields.setdefault("title", f"Priority {next(_numbers)}")
            fields.setdefault("target_date", date(2030, 3, 31))
            fields.setdefault("created_by_id", owner.id)
            return self._save(Priority(owner_id=owner.id, **fields))

    def measure(self, priority: Any, *, teams: Any = (), **fields: Any) -> Any:
        """A measure of the priority: by default % good or better for "Fathers' engagement", over
        the last 3 months, from 40% on 1 January 2026 to 80% on 31 December 2026."""
        from datetime import date

        from audit.models import Measure

        fields.setdefault("title", f"Measure {next(_numbers)}")
        fields.setdefault("figure", "theme_good_or_better")
        fields.setdefault("theme", "Fathers' engagement" if fields["figure"] == "theme_good_or_better" else None)
        fields.setdefault("window_months", 3)
        fields.setdefault("baseline_value", 40.0)
        fields.setdefault("baseline_on", date(2026, 1, 1))
        fields.setdefault("target_value", 80.0)
        fields.setdefault("target_on", date(2026, 12, 31))
        with self.app.app_context():
            measure = Measure(priority_id=priority.id, **fields)
            measure.teams = [db.session.get(Team, team.id) for team in teams]
            saved = self._save(measure)
            return saved

    def plan_action(self, priority: Any, owner: User, **fields: Any) -> Any:
        """An action of the priority, not started, due on 31 March 2030 unless told."""
        from datetime import date

        from audit.models import PlanAction

        fields.setdefault("description", f"Plan action {next(_numbers)}")
        fields.setdefault("due_date", date(2030, 3, 31))
        with self.app.app_context():
            return self._save(PlanAction(priority_id=priority.id, owner_id=owner.id, **fields))
