"""The data dictionary of the exports: every column of every CSV, what it means and the values it
takes, and how each headline figure of the dashboard is worked out again from them. One source
for the page at /reports/data-dictionary and for docs/data-dictionary.md (``markdown()``; a test
checks the file is what this writes), so the two never disagree. A test also checks each export's
header row against its columns here, so a column added to an export without a definition fails.
"""

from __future__ import annotations

from dataclasses import dataclass

from audit.reporting import export, tidy_export
from audit.reporting.final_grades import FINAL_GRADE_RULE, THEME_ONCE_RULE


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str
    values: str


@dataclass(frozen=True)
class Export:
    key: str  # the route's name in the reports blueprint, e.g. "audits_csv"
    path: str  # as served, e.g. /reports/audits.csv
    title: str
    row: str  # what one row is
    columns: tuple[Column, ...]

    @property
    def header(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


@dataclass(frozen=True)
class Recipe:
    figure: str  # as the dashboard names it
    from_export: str  # the export it is worked out from
    how: str


SCOPE = (
    "Every export honours the dashboard's filters the same way the figures do: the audits completed "
    "(submitted or moderated) whose submitted date, a UK (Europe/London) date, is within the dates chosen, "
    "in the teams and audit tools chosen; with themes chosen, the audits whose tool covers one of them and, "
    "for the answers and judgements, only the sections of those themes. Dates are UK dates (YYYY-MM-DD). "
    "A cell that a spreadsheet would read as a formula starts with an apostrophe."
)

_GRADE = "A grade label of the audit tool's scale (e.g. Good), the scale's not-applicable label, or blank"
_AUDIT_ID = Column("audit_id", "The audit's number in the service: joins the exports together", "A whole number")
_CASE = Column("case_reference", "The case reference from the case-management system", "Text")
_TEAM = Column("team", "The team the audit counts for (the case's team when the audit was made)", "A team's name")
_SUBMITTED = Column("submitted_on", "The UK date the audit was submitted: the date the period is cut on", "YYYY-MM-DD")
_YES_NO = "yes or no"
_OVERALL = "A grade label of the audit tool's scale (e.g. Good), or blank"

AUDITS = Export(
    "audits_csv",
    "/reports/audits.csv",
    "Audits",
    "One row per audit in scope.",
    (
        _AUDIT_ID,
        _CASE,
        _TEAM,
        Column("tool", "The audit tool's stable short name: overall grades are counted per tool", "A slug"),
        Column("tool_name", "The audit tool's name as the version used names it", "Text"),
        Column("tool_version", "The version of the tool the audit was made with", "A whole number"),
        _SUBMITTED,
        Column("status", "Where the audit is", "submitted or moderated"),
        Column("auditor_overall_grade", "The auditor's overall grade", _OVERALL + " (the tool asks for none)"),
        Column("moderated_overall_grade", "The moderator's overall grade", _OVERALL + " (not moderated)"),
        Column(
            "final_overall_grade",
            "The overall grade that stands: the moderator's where moderated, otherwise the auditor's",
            _OVERALL,
        ),
        Column(
            "final_overall_good_or_better",
            "Whether the final overall grade counts as good or better on its scale",
            "yes, no, or blank where there is no final overall grade",
        ),
        Column("moderated", "Whether the audit has been moderated (its status is moderated)", _YES_NO),
        Column("moderated_on", "The UK date of the moderation", "YYYY-MM-DD, or blank"),
    ),
)

JUDGEMENTS = Export(
    "judgements_csv",
    "/reports/judgements.csv",
    "Section judgements",
    "One row per section the auditor judged, of each audit in scope.",
    (
        _AUDIT_ID,
        _CASE,
        _TEAM,
        Column("tool", "The audit tool's stable short name", "A slug"),
        Column("tool_version", "The version of the tool the audit was made with", "A whole number"),
        Column("section", "The section's key in the tool version", "A slug"),
        Column("theme", "The theme the section evidences; two sections of a tool may share one", "Text"),
        Column("auditor_grade", "The auditor's grade for the section", _GRADE + " (not graded)"),
        Column("moderated_grade", "The moderator's grade for the section", _GRADE + " (not moderated)"),
        Column(
            "final_grade",
            "The grade that stands: the moderator's where the section was moderated, otherwise the auditor's",
            _GRADE,
        ),
        Column(
            "final_good_or_better",
            "Whether the final grade counts as good or better on its scale",
            "yes, no, or blank where the final grade is not applicable or missing",
        ),
        Column("final_not_applicable", "Whether the final judgement is not applicable", _YES_NO),
        Column(
            "auditor_good_or_better",
            "Whether the auditor's own grade counts as good or better: for the auditors'-only figures",
            "yes, no, or blank",
        ),
        Column("section_moderated", "Whether a moderator graded the section (or marked it not applicable)", _YES_NO),
        _SUBMITTED,
    ),
)

_ANSWER_COLUMNS = {
    "audit_id": _AUDIT_ID,
    "case_reference": _CASE,
    "team": _TEAM,
    "tool": Column("tool", "The audit tool's name as the version used names it", "Text"),
    "tool_version": Column("tool_version", "The version of the tool the audit was made with", "A whole number"),
    "section": Column("section", "The section's title", "Text"),
    "theme": Column("theme", "The theme the section evidences", "Text"),
    "question": Column("question", "The question as the tool version asks it", "Text"),
    "answer": Column(
        "answer",
        "The answer, as its kind of question writes it",
        "A grade label, yes/no/not applicable, an option's label, a number, a date or text",
    ),
    "auditor_section_grade": Column("auditor_section_grade", "The auditor's grade for the answer's section", _GRADE),
    "moderated_section_grade": Column("moderated_section_grade", "The moderator's grade for the section", _GRADE),
    "final_section_grade": Column("final_section_grade", "The section's grade that stands", _GRADE),
    "auditor_overall_grade": Column("auditor_overall_grade", "The audit's overall grade by the auditor", _OVERALL),
    "moderated_overall_grade": Column("moderated_overall_grade", "The moderator's overall grade", _OVERALL),
    "final_overall_grade": Column("final_overall_grade", "The audit's overall grade that stands", _OVERALL),
    "submitted_on": _SUBMITTED,
    "moderated_on": Column("moderated_on", "The UK date of the moderation", "YYYY-MM-DD, or blank"),
}

ANSWERS = Export(
    "answers_csv",
    "/reports/answers.csv",
    "Answers",
    "One row per answer to a question, of each audit in scope (per theme asked for).",
    tuple(_ANSWER_COLUMNS[name] for name in export.HEADER),
)

ACTIONS = Export(
    "actions_csv",
    "/reports/actions.csv",
    "Actions",
    "One row per action arising from an audit in scope.",
    (
        Column("action_id", "The action's number in the service", "A whole number"),
        _AUDIT_ID,
        _CASE,
        _TEAM,
        Column("tool", "The audit tool's name as the version used names it", "Text"),
        Column("action", "What is to be done", "Text"),
        Column("owner", "Who owns the action", "A person's name"),
        Column("due_on", "The UK date it is due", "YYYY-MM-DD"),
        Column("status", "Where it is today", "completed, overdue or open"),
        Column("completed_on", "The UK date it was completed", "YYYY-MM-DD, or blank"),
        Column(
            "completed_on_time",
            "Whether it was completed on or before its due date (judged on UK dates)",
            "yes, no, or blank while open",
        ),
        Column("audit_submitted_on", "The UK date the audit it arose from was submitted", "YYYY-MM-DD"),
    ),
)

EXPORTS = (AUDITS, JUDGEMENTS, ANSWERS, ACTIONS)

RECIPES = (
    Recipe(
        "% good or better for a theme",
        "judgements.csv",
        "Group the rows by audit_id and theme: each group is one audit's judgement of the theme (a tool with two "
        "sections of one theme gives two rows, and the audit counts once, with the worst final grade). The "
        "audit is graded for the theme when any row's final_good_or_better is yes or no, and good or better "
        "when every such row is yes. The figure is good-or-better audits / graded audits x 100, to one decimal "
        "place. Not applicable (every row's final_not_applicable yes) is counted apart.",
    ),
    Recipe(
        "The auditors' grades alone, for a theme",
        "judgements.csv",
        "As above with auditor_good_or_better in place of final_good_or_better.",
    ),
    Recipe(
        "% of audits good or better overall, per audit tool",
        "audits.csv",
        "For each tool, of the rows whose final_overall_good_or_better is yes or no (the audits with a final "
        "overall grade), the share that is yes. Tools are never added together: their overall grades are "
        "different judgements.",
    ),
    Recipe("Completed audits", "audits.csv", "The number of rows."),
    Recipe(
        "Audits moderated, and % moderated",
        "audits.csv",
        "The rows whose moderated is yes; as a percentage of all rows.",
    ),
    Recipe(
        "Exact agreement between auditors and moderators",
        "judgements.csv",
        "Of the rows with section_moderated yes where both auditor_grade and moderated_grade are grades (neither "
        "blank nor the not-applicable label), the share where the two are the same grade.",
    ),
    Recipe(
        "% of audit actions completed on time",
        "actions.csv",
        "Of the rows whose status is completed, the share whose completed_on_time is yes.",
    ),
)

RULES = (FINAL_GRADE_RULE, THEME_ONCE_RULE)


def markdown() -> str:
    """docs/data-dictionary.md, as this module defines it."""
    lines = [
        "# Data dictionary of the exports",
        "",
        "<!-- Written by audit/reporting/dictionary.py (served at /reports/data-dictionary); "
        "edit that module, not this file. -->",
        "",
        "The dashboard's downloads reproduce every headline figure: this is what each column means and how "
        "each figure is worked out again from them.",
        "",
        SCOPE,
        "",
        *[part for rule in RULES for part in (rule, "")],
    ]
    for item in EXPORTS:
        lines += [f"## {item.title}: `{item.path}`", "", item.row, "", "| Column | Meaning | Values |", "|---|---|---|"]
        lines += [f"| `{column.name}` | {column.meaning} | {column.values} |" for column in item.columns]
        lines.append("")
    lines += ["## Working out the headline figures", ""]
    for recipe in RECIPES:
        lines += [f"- **{recipe.figure}** (from `{recipe.from_export}`): {recipe.how}"]
    lines.append("")
    return "\n".join(lines)


def headers() -> dict[str, tuple[str, ...]]:
    """Each export's header row as the exports write it, by path: checked against ``EXPORTS``."""
    return {
        AUDITS.path: tidy_export.AUDIT_HEADER,
        JUDGEMENTS.path: tidy_export.JUDGEMENT_HEADER,
        ANSWERS.path: export.HEADER,
        ACTIONS.path: export.ACTION_HEADER,
    }
