"""Question-level figures: what the yes/no and choice questions found ("% of children seen alone",
"% with a DASH completed", how often consent was sought or overridden).

A question is known by its tool's slug and its own key, so the figure runs on across the tool's
versions (a reworded question keeps its key). Each figure counts **audits**: an audit answers a
question once. A yes/no question gives the % answered yes among the audits answering yes or no
(not applicable and unanswered are left out, and counted apart); a choice question gives the share
of each option among the audits that chose one. Questions are answered by the auditor alone (a
moderator re-grades sections, not answers), so there is no "final" answer to prefer.

``question_figures`` is one counting query and one naming query, however many audits are counted:
it sums the answer summary (``audit.models.summary_answers``), kept with every change. The
dashboard, the themed report and the plan's measures all call it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Integer, cast, func, select

from audit.answers import YES_NO_LABELS
from audit.domain.summary_answers import COUNTED_TYPES  # the answers the summary keeps
from audit.extensions import db
from audit.models import (
    AnswerSummary,
    AnswerType,
    AuditTool,
    AuditToolVersion,
    QuestionOption,
    ToolQuestion,
    ToolSection,
)
from audit.reporting.figures import ReportScope, percent

YES = "yes"
NOT_APPLICABLE = "na"

QUESTION_RULE = (
    "Question figures count audits: each audit answers each question once. For a yes/no question, "
    "the % answered yes is of the audits answering yes or no; not applicable and unanswered are left "
    "out and shown apart. For a choice question, each option's share is of the audits that chose an "
    "option. A question is followed across its tool's versions by its key."
)


def figure_key(tool_slug: str, question_key: str, option: str) -> str:
    """The stable key a plan measure binds to: ``question:<tool>:<question>:<yes or option key>``."""
    return f"question:{tool_slug}:{question_key}:{option}"


@dataclass(frozen=True)
class OptionShare:
    key: str  # "yes", "no" or the option's key
    label: str
    count: int
    of: int  # the audits counted: answering yes or no, or choosing an option

    @property
    def percent(self) -> float | None:
        return percent(self.count, self.of)


@dataclass(frozen=True)
class QuestionFigure:
    """One question's answers in the audits counted."""

    tool_slug: str
    tool_name: str
    key: str
    text: str  # as the newest version of the tool asks it
    theme: str  # the theme of the section asking it (in the newest version)
    answer_type: str
    shares: list[OptionShare] = field(default_factory=list)  # in the question's own order
    not_applicable: int = 0  # yes/no questions: answered not applicable (left out)

    @property
    def counted(self) -> int:
        return self.shares[0].of if self.shares else 0

    @property
    def is_yes_no(self) -> bool:
        return self.answer_type == AnswerType.YES_NO_NA.value

    @property
    def yes(self) -> OptionShare | None:
        """A yes/no question's headline: the audits answering yes."""
        return next((share for share in self.shares if share.key == YES), None) if self.is_yes_no else None

    def share(self, option: str) -> OptionShare | None:
        return next((share for share in self.shares if share.key == option), None)

    def figure_key(self, option: str) -> str:
        return figure_key(self.tool_slug, self.key, option)


@dataclass(frozen=True)
class KnownQuestion:
    """A question as its tool's newest version that has it asks it, with its options in order."""

    tool_slug: str
    tool_name: str
    key: str
    text: str
    theme: str
    answer_type: str
    options: list[tuple[str, str]]  # (key, label)

    @property
    def is_yes_no(self) -> bool:
        return self.answer_type == AnswerType.YES_NO_NA.value


def known_questions(tool_slugs: Sequence[str] = ()) -> dict[tuple[str, str], KnownQuestion]:
    """Every yes/no and choice question the loaded tools ask, by (tool slug, question key), named
    as the newest version asking it names it. One query: the rows are the tools' questions, as
    many as the tool files hold, whatever the number of audits."""
    query = (
        select(
            AuditTool.slug,
            AuditTool.name,
            AuditToolVersion.version,
            ToolQuestion.key,
            ToolQuestion.text,
            ToolQuestion.answer_type,
            ToolSection.theme,
            QuestionOption.key,
            QuestionOption.label,
        )
        .select_from(ToolQuestion)
        .join(ToolSection, ToolSection.id == ToolQuestion.section_id)
        .join(AuditToolVersion, AuditToolVersion.id == ToolSection.tool_version_id)
        .join(AuditTool, AuditTool.id == AuditToolVersion.tool_id)
        .outerjoin(QuestionOption, QuestionOption.question_id == ToolQuestion.id)
        .where(ToolQuestion.answer_type.in_(COUNTED_TYPES))
        .order_by(
            AuditTool.name,
            AuditToolVersion.version.desc(),
            ToolSection.position,
            ToolQuestion.position,
            QuestionOption.position,
        )
    )
    if tool_slugs:
        query = query.where(AuditTool.slug.in_(tool_slugs))
    found: dict[tuple[str, str], KnownQuestion] = {}
    newest: dict[tuple[str, str], int] = {}
    older_options: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for slug, tool_name, version, key, text, answer_type, theme, option_key, option_label in db.session.execute(query):
        identity = (slug, key)
        if identity not in found:
            newest[identity] = version
            found[identity] = KnownQuestion(slug, tool_name, key, text, theme, answer_type, [])
        if not option_key:  # a yes/no question, outer-joined to no option
            continue
        if version == newest[identity]:
            found[identity].options.append((option_key, option_label))
        else:  # an option an older version offered, kept so its answers are still named
            older_options[identity].setdefault(option_key, option_label)
    for identity, options in older_options.items():
        have = {key for key, _label in found[identity].options}
        found[identity].options.extend((key, label) for key, label in options.items() if key not in have)
    return found


def question_figures(scope: ReportScope) -> list[QuestionFigure]:
    """Every yes/no and choice question answered in the audits in scope, by tool (by name) and then
    in the order the tool asks them. Two queries, whatever the number of audits: the answers are
    read from the answer summary (``audit.models.summary_answers``), a few thousand counts a year."""
    # Counted per question id and answer first (as the answers store them), then named.
    counted = (
        select(
            AnswerSummary.question_id,
            AnswerSummary.choice,
            AnswerSummary.option_id,
            func.sum(AnswerSummary.audits).label("audits"),
        )
        .where(*scope.summarised(AnswerSummary))
        .group_by(AnswerSummary.question_id, AnswerSummary.choice, AnswerSummary.option_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            AuditTool.slug,
            ToolQuestion.key,
            counted.c.choice,
            QuestionOption.key,
            cast(func.sum(counted.c.audits), Integer),
        )
        .select_from(counted)
        .join(ToolQuestion, ToolQuestion.id == counted.c.question_id)
        .join(ToolSection, ToolSection.id == ToolQuestion.section_id)
        .join(AuditToolVersion, AuditToolVersion.id == ToolSection.tool_version_id)
        .join(AuditTool, AuditTool.id == AuditToolVersion.tool_id)
        .outerjoin(QuestionOption, QuestionOption.id == counted.c.option_id)  # NO_OPTION joins none
        .where(ToolQuestion.answer_type.in_(COUNTED_TYPES), *scope.sections())
        .group_by(AuditTool.slug, ToolQuestion.key, counted.c.choice, QuestionOption.key)
    ).all()
    answers: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for slug, key, choice, option_key, audits in rows:
        value = option_key if option_key is not None else (choice or None)  # NO_CHOICE is none
        if value is not None:  # unanswered (an optional question left blank) is not counted
            answers[(slug, key)][value] += int(audits or 0)
    if not answers:
        return []
    # known_questions is in the order to show: by tool name, then as the tool asks them.
    questions = known_questions(sorted({slug for slug, _key in answers}))
    return [_figure(question, answers[identity]) for identity, question in questions.items() if identity in answers]


def _figure(question: KnownQuestion, counts: dict[str, int]) -> QuestionFigure:
    if question.answer_type == AnswerType.YES_NO_NA.value:
        options = [(YES, YES_NO_LABELS[YES]), ("no", YES_NO_LABELS["no"])]
        not_applicable = counts.get(NOT_APPLICABLE, 0)
    else:
        options = list(question.options)
        not_applicable = 0
    known = {key for key, _label in options}
    # An answer to an option no version names any more is still counted, under its key.
    options += [(key, key) for key in sorted(counts) if key not in known and key != NOT_APPLICABLE]
    of = sum(counts.get(key, 0) for key, _label in options)
    return QuestionFigure(
        tool_slug=question.tool_slug,
        tool_name=question.tool_name,
        key=question.key,
        text=question.text,
        theme=question.theme,
        answer_type=question.answer_type,
        shares=[OptionShare(key, label, counts.get(key, 0), of) for key, label in options],
        not_applicable=not_applicable,
    )


def by_tool(found: Sequence[QuestionFigure]) -> dict[str, list[QuestionFigure]]:
    """The figures grouped under their tool's name, in order."""
    grouped: dict[str, list[QuestionFigure]] = {}
    for figure in found:
        grouped.setdefault(figure.tool_name, []).append(figure)
    return grouped


def by_theme(found: Sequence[QuestionFigure]) -> dict[str, list[QuestionFigure]]:
    grouped: dict[str, list[QuestionFigure]] = {}
    for figure in found:
        grouped.setdefault(figure.theme, []).append(figure)
    return grouped
