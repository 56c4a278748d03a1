"""Final grades: the grade that stands. A section's final grade is the moderator's where the
section was moderated, otherwise the auditor's; an audit's final overall grade likewise
(``FINAL_GRADE_RULE``, the words every report prints). The report figures in ``figures`` count
final grades and, beside them, the auditors' own, so the reports can show how far moderation
moved a figure (``AUDITOR_ONLY_RULE``).

The rule is in SQL once, in ``audit.domain.final_grades`` (re-exported here for reading rows: the
CSV export, the evidence quoted, the audits weak in a theme). The counting figures read the grade
summary (``audit.domain.summaries``), which applies the same expressions to each audit as it
changes. A theme counts once per audit (``THEME_ONCE_RULE``): the sections of a tool version that
share a theme are counted per audit, with the worst final grade among them, under the first of them.
"""

from __future__ import annotations

from audit.domain.final_grades import (
    FINAL_OVERALL_GRADE_ID,
    FINAL_SECTION_GRADE_ID,
    FINAL_SECTION_NOT_APPLICABLE,
    SECTION_MODERATED,
    shared_theme_sections,
    with_moderation,
)

__all__ = [
    "AUDITOR_ONLY_RULE",
    "FINAL_GRADE_RULE",
    "FINAL_OVERALL_GRADE_ID",
    "FINAL_SECTION_GRADE_ID",
    "FINAL_SECTION_NOT_APPLICABLE",
    "SECTION_MODERATED",
    "THEME_ONCE_RULE",
    "shared_theme_sections",
    "with_moderation",
]

FINAL_GRADE_RULE = (
    "A section's final grade is the moderator's where the section was moderated, otherwise the auditor's; "
    "an audit's final overall grade is the moderator's where the audit was moderated, otherwise the "
    "auditor's. An amendment made after moderation changes the auditor's grade only: the moderator's grade "
    "stands."
)
THEME_ONCE_RULE = (
    "Theme figures count audits: an audit counts once for each theme it graded. Where an audit tool has "
    "two sections with the same theme, the audit's grade for the theme is the worst final grade of those "
    "sections (not applicable only when every one of them was)."
)
AUDITOR_ONLY_RULE = (
    "Where moderation changed a figure, the figure from the auditors' grades alone is shown beside it, "
    "so the size of moderation's correction shows."
)
