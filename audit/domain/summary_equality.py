"""What a completed audit adds to the equality figures (``audit.reporting.equality``), a kind kept
by ``audit.domain.summaries``: one row per characteristic of the child (``CASE_FIELDS``) for each
completed audit with a final overall grade, with the value recorded on its case now and whether
that grade is good or better.

The characteristics are read from the case as it stands, so a change to a case's characteristics
must refresh its completed audits: the flush listener (``summaries.changed_cases``) does so, for
this kind only (``summaries.CASE_KINDS``), on every ORM write to a case (the case import and the
case form both write through the ORM).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, literal, select, union_all

from audit.domain.final_grades import FINAL_OVERALL_GRADE_ID
from audit.domain.summaries import CASE_FIELDS, _audit_keys
from audit.models import Audit, Case, Moderation, ScaleGrade

EQUALITY_ROW_COLUMNS = ("audit_id", "characteristic", "day", "month", "team_id", "tool_version_id", "value", "good")
EQUALITY_KEY = ("team_id", "tool_version_id", "characteristic", "value", "good")

# Every character Python's ``str.strip()`` takes off (``str.isspace``), so the value stored is the
# one the figures have always shown: "White " and "White" are one group, " " is not recorded.
WHITE_SPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)


def stripped(column: Any, dialect: str) -> ColumnElement[str]:
    """The column's text without surrounding white space, "" where it is None."""
    trim = func.btrim if dialect == "postgresql" else func.trim  # SQLite's trim(text, characters)
    return trim(func.coalesce(column, ""), WHITE_SPACE)


def equality_rows(audits: ColumnElement[bool], dialect: str) -> Select[Any]:
    """(``EQUALITY_ROW_COLUMNS``) for the completed ``audits`` with a final overall grade (the
    moderator's where moderated, otherwise the auditor's): one row per characteristic. Each audit
    is read once (a CTE), then turned into its four rows."""
    keys = _audit_keys(audits, dialect)
    graded = (
        select(
            keys,
            *(getattr(Case, name) for name in CASE_FIELDS),
            case((ScaleGrade.good_or_better, True), else_=False).label("good"),
        )
        .select_from(keys)
        .join(Audit, Audit.id == keys.c.audit_id)
        .join(Case, Case.id == Audit.case_id)
        .outerjoin(Moderation, Moderation.audit_id == keys.c.audit_id)
        .join(ScaleGrade, ScaleGrade.id == FINAL_OVERALL_GRADE_ID)
        .cte("graded")
    )
    parts = [
        select(
            graded.c.audit_id,
            literal(name).label("characteristic"),
            graded.c.day,
            graded.c.month,
            graded.c.team_id,
            graded.c.tool_version_id,
            stripped(graded.c[name], dialect).label("value"),
            graded.c.good,
        )
        for name in CASE_FIELDS
    ]
    return select(union_all(*parts).subquery())
