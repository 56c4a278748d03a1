"""What a completed audit adds to the voices and sample summaries (``audit.models.summary_voices``),
one query per kind for rebuild, refresh and check alike (``audit.domain.summaries.kinds``).

The definitions are those the reports used when they read the audits: an audit counts under a
theme when it has a section judgement of any section of the theme, whatever it says (graded, N/A
or neither; not the grade summary's rule, which counts a theme only where it was judged); a voice is
recorded when its text is not blank (SQL's trim, the same on both databases); an audit is a
re-audit when it came from no programme and follows an earlier audit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import InstrumentedAttribute

from audit.domain.summaries import _audit_keys
from audit.models import Audit, SectionJudgement, ToolSection
from audit.models.summary_voices import NO_PROGRAMME

VOICE_ROW_COLUMNS = ("audit_id", "section_id", "day", "month", "team_id", "tool_version_id", "family", "reflection")
VOICE_KEY = ("team_id", "tool_version_id", "section_id", "family", "reflection")
SAMPLE_ROW_COLUMNS = ("audit_id", "day", "month", "team_id", "tool_version_id", "programme_id", "reaudit", "family",
                      "reflection")  # fmt: skip
SAMPLE_KEY = ("team_id", "tool_version_id", "programme_id", "reaudit", "family", "reflection")


def written(column: InstrumentedAttribute[str | None]) -> ColumnElement[bool]:
    """The text is there and not only spaces."""
    return and_(column.is_not(None), func.length(func.trim(column)) > 0)


def _flag(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return case((condition, True), else_=False)


def voice_rows(audits: ColumnElement[bool], dialect: str) -> Select[Any]:
    """(``VOICE_ROW_COLUMNS``) for the completed audits among ``audits``: one row per theme the audit
    has a section judgement of, under the first such section (by id) of the theme."""
    keys = _audit_keys(audits, dialect)
    themes = (
        select(SectionJudgement.audit_id, func.min(ToolSection.id).label("section_id"))
        .select_from(SectionJudgement)
        .join(ToolSection, ToolSection.id == SectionJudgement.section_id)
        .join(keys, keys.c.audit_id == SectionJudgement.audit_id)
        .group_by(SectionJudgement.audit_id, ToolSection.theme)
        .subquery("themes")
    )
    return (
        select(
            keys.c.audit_id,
            themes.c.section_id,
            keys.c.day,
            keys.c.month,
            keys.c.team_id,
            keys.c.tool_version_id,
            _flag(written(Audit.child_family_feedback)).label("family"),
            _flag(written(Audit.practitioner_reflection)).label("reflection"),
        )
        .select_from(keys)
        .join(themes, themes.c.audit_id == keys.c.audit_id)
        .join(Audit, Audit.id == keys.c.audit_id)
    )


def sample_rows(audits: ColumnElement[bool], dialect: str) -> Select[Any]:
    """(``SAMPLE_ROW_COLUMNS``) for the completed audits among ``audits``: one row per audit."""
    keys = _audit_keys(audits, dialect)
    return (
        select(
            keys.c.audit_id,
            keys.c.day,
            keys.c.month,
            keys.c.team_id,
            keys.c.tool_version_id,
            func.coalesce(Audit.programme_id, NO_PROGRAMME).label("programme_id"),
            _flag(and_(Audit.programme_id.is_(None), Audit.follows_audit_id.is_not(None))).label("reaudit"),
            _flag(written(Audit.child_family_feedback)).label("family"),
            _flag(written(Audit.practitioner_reflection)).label("reflection"),
        )
        .select_from(keys)
        .join(Audit, Audit.id == keys.c.audit_id)
    )
