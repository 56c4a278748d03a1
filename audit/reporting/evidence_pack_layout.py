"""The inspection evidence pack laid out: ``layout`` turns the figures ``evidence_pack.build_pack``
gathered into headings, paragraphs and tables of words, once; the PDF (WeasyPrint, through the one
PDF renderer) and the Word document (python-docx, real Heading 1 and 2 styles and tables, for the
council to finish its self-evaluation in) both draw that same layout, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from io import BytesIO

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from flask import current_app, render_template

from audit.pdf import render_pdf
from audit.reporting.evidence_pack import CASES_LISTED, AreaPack, EvidencePack
from audit.reporting.final_grades import FINAL_GRADE_RULE, THEME_ONCE_RULE
from audit.reporting.questions import QUESTION_RULE

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def percent(value: float | None) -> str:
    """As every report writes a percentage ("75%", "66.7%"; a dash when there is nothing)."""
    return "–" if value is None else f"{round(value, 1):g}%"


def day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _movement(points: float | None) -> str:
    if points is None:
        return "–"
    if points == 0:
        return "no change"
    return f"{'up' if points > 0 else 'down'} {abs(points):g} point{'s' if abs(points) != 1 else ''}"


def _quarter(key: str) -> str:
    year, _, quarter = key.partition(" ")
    return f"{quarter} {year}"


@dataclass
class Table:
    caption: str
    header: list[str]
    rows: list[list[str]]
    numeric: tuple[int, ...] = ()  # the columns to right-align


@dataclass
class Part:
    heading: str  # Heading 2
    blocks: list[str | Table] = field(default_factory=list)  # paragraphs and tables, in order
    notes: list[str] = field(default_factory=list)  # small print at the end

    def say(self, paragraph: str) -> None:
        self.blocks.append(paragraph)

    def show(self, table: Table) -> None:
        self.blocks.append(table)


@dataclass
class AreaLayout:
    heading: str  # Heading 1
    intro: str
    parts: list[Part]


@dataclass
class PackLayout:
    title: str
    council: str
    period: str
    filters: str
    generated: str
    areas: list[AreaLayout]
    definitions: list[tuple[str, str]]


def _what_we_know(area: AreaPack, previous: str) -> Part:
    part = Part("What we know")
    if not area.has_audits:
        part.say("No audit that evidences this area was completed in the period.")
        return part
    part.say(
        f"{_count(area.sample.completed if area.sample else 0, 'audit')} completed in the period evidence this area. "
        f"Good or better is counted on final grades (the moderator's where moderated), against {previous}."
    )
    if area.overall:
        part.show(
            Table(
                "Overall grades by audit tool",
                ["Audit tool", "Good or better", "Audits", "Auditors' grades alone"],
                [
                    [
                        tool.name,
                        percent(tool.grades.percent_good_or_better),
                        f"{tool.grades.good_or_better} of {tool.grades.graded}",
                        percent(tool.grades.auditor_percent_good_or_better)
                        if tool.grades.moderation_changed
                        else "same",
                    ]
                    for tool in area.overall
                ],
                (1, 2, 3),
            )
        )
    if area.themes:
        part.show(
            Table(
                "Themes: good or better",
                ["Theme", "This period", "Audits", "Previous period", "Movement"],
                [
                    [
                        theme.name,
                        percent(theme.grades.percent_good_or_better),
                        f"{theme.grades.good_or_better} of {theme.grades.graded}",
                        percent(theme.before),
                        _movement(theme.points),
                    ]
                    for theme in area.themes
                ],
                (1, 2, 3),
            )
        )
        quarters = sorted({row.group for theme in area.themes for row in theme.trend})
        if len(quarters) > 1:
            part.show(
                Table(
                    "Trend: good or better by quarter (this period and the previous one)",
                    ["Theme", *(_quarter(key) for key in quarters)],
                    [
                        [theme.name, *(percent(by.get(key)) for key in quarters)]
                        for theme in area.themes
                        for by in [{row.group: row.percent_good_or_better for row in theme.trend}]
                    ],
                    tuple(range(1, len(quarters) + 1)),
                )
            )
    if area.questions:
        rows = []
        for question in area.questions:
            shares = [question.yes] if question.is_yes_no and question.yes else question.shares
            for index, share in enumerate(shares):
                rows.append(
                    [
                        question.text if index == 0 else "",  # said once, over its answers
                        question.tool_name if index == 0 else "",
                        share.label,
                        f"{percent(share.percent)} ({share.count} of {share.of})",
                    ]
                )
        part.show(Table("What the questions found", ["Question", "Audit tool", "Answer", "Audits"], rows, (3,)))
        part.notes.append(QUESTION_RULE)
    return part


def _how_we_know(area: AreaPack) -> Part:
    part = Part("How we know it")
    described = area.sample
    if described is None or not described.completed:
        part.say("No audit evidences this area in the period, so there is no sample to describe.")
        return part
    from_programmes = described.completed - described.reaudits - described.other
    part.say(
        f"The sample: {_count(described.completed, 'audit')}, {from_programmes} from the monthly audit "
        f"programmes, {_count(described.reaudits, 're-audit')} of cases first graded Inadequate and "
        f"{described.other} added outside a programme, across {_count(len(described.teams), 'team')}."
    )
    if described.programmes:
        part.show(
            Table(
                "Audit programmes",
                ["Programme", "Month", "Audit tool", "How cases were chosen", "Audits"],
                [[p.name, p.month, p.tool, p.rule, str(p.audits)] for p in described.programmes],
                (4,),
            )
        )
    found = area.agreement
    if found and found.pairs:
        kappa = "–" if found.kappa is None else f"{found.kappa:.2f}"
        part.show(
            Table(
                "Moderation: auditors' and moderators' grades of the same sections",
                ["Measure", "Figure", "Sections"],
                [
                    ["Exact agreement", percent(found.percent_exact), f"{found.exact} of {found.pairs}"],
                    ["Within one grade", percent(found.percent_within_one), f"{found.within_one} of {found.pairs}"],
                    ["Weighted kappa (quadratic weights)", kappa, "1 is perfect, 0 chance"],
                ],
                (1, 2),
            )
        )
        if found.drift_in_words:
            part.say(f"Compared with moderators, auditors {found.drift_in_words}.")
    else:
        part.say("No section in the period was graded by both an auditor and a moderator.")
    if area.voices:
        part.say(
            f"Family feedback was recorded on {area.voices.family_feedback} of {area.voices.audits} audits "
            f"({percent(area.voices.percent_family)}), and the practitioner's reflection on "
            f"{area.voices.practitioner_reflection} ({percent(area.voices.percent_practitioner)})."
        )
    outcomes = area.reaudits
    if outcomes and (outcomes.compared or outcomes.not_comparable):
        part.say(
            f"Re-audits: of {outcomes.compared} re-audits that can be compared with the first audit, "
            f"{outcomes.improved} improved, {outcomes.same} stayed the same and {outcomes.worse} got worse "
            f"({percent(outcomes.percent_improved)} improved)."
        )
    else:
        part.say("Re-audits: no re-audit evidencing this area was completed in the period.")
    return part


def _what_we_are_doing(area: AreaPack) -> Part:
    part = Part("What we are doing")
    if not area.priorities:
        part.say("No improvement plan priority has a measure that reads this area's themes or tools.")
        return part
    for line in area.priorities:
        priority = line.priority
        part.say(f"Priority: {priority.title} (owner {priority.owner.name}, target {day(priority.target_date)}).")
        part.show(
            Table(
                f"Measures of success: {priority.title}",
                ["Measure", "Baseline", "Now", "Target", "Status", "Month by month"],
                [
                    [
                        measure.result.measure.title,
                        percent(measure.result.measure.baseline_value),
                        percent(measure.result.value),
                        f"{percent(measure.result.measure.target_value)} by {day(measure.result.measure.target_on)}",
                        measure.result.status.label,
                        ", ".join(
                            f"{MONTHS[point.month.month - 1]} {percent(point.value)}"
                            for point in measure.history
                            if point.value is not None
                        )
                        or "none recorded yet",
                    ]
                    for measure in line.measures
                ],
                (1, 2, 3),
            )
        )
        if line.actions:
            part.show(
                Table(
                    f"Actions: {priority.title}",
                    ["Action", "Owner", "Due", "Status"],
                    [
                        [action.description, action.owner.name, day(action.due_date), _action_status(action.status)]
                        for action in line.actions
                    ],
                )
            )
    return part


def _action_status(status: object) -> str:
    label = getattr(status, "label", None)
    return str(label) if label else str(status).replace("_", " ").capitalize()


def _cases(area: AreaPack) -> Part:
    part = Part("Cases an inspector can sample")
    if not area.cases:
        part.say("No audit evidences this area in the period.")
        return part
    shown = len(area.cases)
    more = f" ({shown} of {area.cases_total}; every audit is in the answers export)" if area.cases_total > shown else ""
    part.say(f"The audits behind these figures, by case reference, the most recent first{more}.")
    part.show(
        Table(
            "Audits behind the figures",
            ["Case", "Team", "Audit tool", "Completed", "Final overall grade"],
            [
                [case.reference, case.team, case.tool, day(case.submitted_on), case.overall or "not graded overall"]
                for case in area.cases
            ],
        )
    )
    return part


def layout(pack: EvidencePack) -> PackLayout:
    """The pack as headings, paragraphs and tables of words: what both documents print."""
    scope, previous = pack.scope, pack.previous
    previous_words = f"{day(previous.start)} to {day(previous.end)}"
    areas = [
        AreaLayout(
            area.name,
            "Audit tools that evidence this area: " + (", ".join(area.tools) or "none in the filters chosen") + ".",
            [_what_we_know(area, previous_words), _how_we_know(area), _what_we_are_doing(area), _cases(area)],
        )
        for area in pack.areas
    ]
    filters = "Teams: " + (", ".join(pack.team_names) or "all teams")
    return PackLayout(
        title=pack.title,
        council=current_app.config["COUNCIL_NAME"],
        period=f"Audits completed {day(scope.start)} to {day(scope.end)}",
        filters=filters,
        generated=f"{day(pack.generated_at.date())} at {pack.generated_at:%H:%M}",
        areas=areas,
        definitions=[
            ("Final grade", FINAL_GRADE_RULE),
            ("Good or better for a theme", f"Unit: audits. {THEME_ONCE_RULE}"),
            (
                "Which audits evidence an area",
                "The audits of the tools that evidence the area (the tool's list, or one of its sections'); an "
                "area's themes are those of the sections that evidence it. A tool may evidence two areas.",
            ),
            ("Movement", f"In percentage points against {previous_words}, the period of the same length before."),
            ("Case references", f"Up to {CASES_LISTED} per area, the most recent first. No names are given."),
        ],
    )


def pack_pdf(pack: EvidencePack) -> bytes:
    document = layout(pack)
    return render_pdf(render_template("pdf/evidence_pack.html", pack=document, document_title=document.title))


def pack_docx(pack: EvidencePack) -> bytes:
    """The same layout as an editable Word document: Title, Heading 1 per area, Heading 2 per part,
    real tables (the built-in "Table Grid" style, a header row repeated across pages)."""
    document_layout = layout(pack)
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    document.styles["Normal"].font.name = "Arial"
    document.styles["Normal"].font.size = Pt(10.5)
    document.core_properties.title = document_layout.title
    document.core_properties.author = document_layout.council
    document.add_paragraph(document_layout.council)
    document.add_heading(document_layout.title, level=0)
    for line in (document_layout.period, document_layout.filters, f"Generated {document_layout.generated}"):
        document.add_paragraph(line)
    document.add_paragraph(
        "OFFICIAL-SENSITIVE. Cases are named by reference only. Edit freely: this document is the starting point "
        "of the service's self-evaluation, its figures as recorded on the date generated."
    )
    for area in document_layout.areas:
        document.add_page_break()  # type: ignore[no-untyped-call]
        document.add_heading(area.heading, level=1)
        document.add_paragraph(area.intro)
        for part in area.parts:
            document.add_heading(part.heading, level=2)
            for block in part.blocks:
                if isinstance(block, Table):
                    _docx_table(document, block)
                else:
                    document.add_paragraph(block)
            for note in part.notes:
                document.add_paragraph(note).runs[0].font.size = Pt(9)
    document.add_page_break()  # type: ignore[no-untyped-call]
    document.add_heading("About the figures", level=1)
    for term, meaning in document_layout.definitions:
        definition = document.add_paragraph()
        definition.add_run(f"{term}. ").bold = True
        definition.add_run(meaning)
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def _docx_table(document: Document, table: Table) -> None:  # type: ignore[valid-type]
    caption = document.add_paragraph()  # type: ignore[attr-defined]
    caption.add_run(table.caption).bold = True
    grid = document.add_table(rows=1, cols=len(table.header))  # type: ignore[attr-defined]
    grid.style = "Table Grid"
    header = grid.rows[0]
    _repeat_header(header)
    for cell, text in zip(header.cells, table.header, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for row in table.rows:
        cells = grid.add_row().cells
        for index, (cell, text) in enumerate(zip(cells, row, strict=True)):
            cell.text = text
            if index in table.numeric:
                cell.paragraphs[0].alignment = 2  # right
    document.add_paragraph()  # type: ignore[attr-defined]


def _repeat_header(row: object) -> None:
    """Mark a table's first row as a header row, repeated at the top of each page (w:tblHeader)."""
    properties = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)
