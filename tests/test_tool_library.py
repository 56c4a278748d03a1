"""The shipped library of audit tools (issue 13): every tool file loads with its judgement areas,
options and bounds; every tool's audit renders section by section, saves, submits and prints to
PDF with its answers; and the loader versions a changed tool, leaving audits in progress on
theirs, and refuses a judgement area it does not know."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
from sqlalchemy import select

from audit.domain.tools import DEFINITIONS_DIR, JUDGEMENT_AREAS_FILE, ToolDefinitionError, load_definition
from audit.extensions import db
from audit.models import Answer, Audit, AuditStatus, AuditTool, AuditToolVersion, JudgementArea, Role, ToolQuestion
from tests.audit_forms import audit_structure, complete_post
from tests.conftest import page_text
from tests.pages import pdf_text

TOOL_FILES = sorted(path for path in DEFINITIONS_DIR.glob("*.toml") if path.name != JUDGEMENT_AREAS_FILE)
DEFINITIONS = {path.stem: tomllib.loads(path.read_text(encoding="utf-8")) for path in TOOL_FILES}
AREAS = tomllib.loads((DEFINITIONS_DIR / JUDGEMENT_AREAS_FILE).read_text(encoding="utf-8"))["areas"]
NEW_TOOLS = [
    "child-protection",
    "children-in-care",
    "care-leavers",
    "early-help",
    "missing-and-exploitation",
    "supervision-quality",
]


def _newest(slug: str) -> AuditToolVersion:
    tool = db.session.scalar(select(AuditTool).where(AuditTool.slug == slug))
    assert tool is not None, slug
    return tool.versions[-1]


def test_the_judgement_areas_are_loaded_from_their_file(app) -> None:
    with app.app_context():
        loaded = {area.key: area for area in db.session.scalars(select(JudgementArea))}
        for area in AREAS:
            assert loaded[area["key"]].name == area["name"]
            assert loaded[area["key"]].framework == area["framework"]
    assert {area["key"] for area in AREAS} >= {"help-and-protection", "children-in-care", "care-leavers", "leadership"}


@pytest.mark.parametrize("slug", sorted(DEFINITIONS))
def test_every_tool_loads_with_its_areas_options_and_bounds(app, slug: str) -> None:
    definition = DEFINITIONS[slug]
    with app.app_context():
        version = _newest(slug)
        assert version.version == definition["version"]
        assert [area.key for area in version.tool.judgement_areas] == definition["judgement_areas"]
        for section, section_file in zip(version.sections, definition["sections"], strict=True):
            expected = section_file.get("judgement_areas", definition["judgement_areas"])
            assert [area.key for area in section.judgement_areas] == expected, section.key
            for question, question_file in zip(section.questions, section_file["questions"], strict=True):
                assert question.answer_type == question_file["answer"]
                assert [(option.key, option.label) for option in question.options] == [
                    (option["key"], option["label"]) for option in question_file.get("options", [])
                ]
                assert (question.number_min, question.number_max) == (
                    question_file.get("min"),
                    question_file.get("max"),
                )


def test_the_new_tools_are_in_the_library_and_tagged_to_the_area_they_evidence(app) -> None:
    expected = {
        "child-protection": "help-and-protection",
        "children-in-care": "children-in-care",
        "care-leavers": "care-leavers",
        "early-help": "help-and-protection",
        "missing-and-exploitation": "help-and-protection",
        "supervision-quality": "leadership",
    }
    with app.app_context():
        for slug, area in expected.items():
            assert area in {tagged.key for tagged in _newest(slug).tool.judgement_areas}, slug


def test_a_section_may_name_its_own_areas_and_otherwise_has_the_tools(app) -> None:
    with app.app_context():
        sections = {section.key: section for section in _newest("assessment-and-planning").sections}
        assert [area.key for area in sections["management-oversight-and-supervision"].judgement_areas] == [
            "help-and-protection",
            "leadership",
        ]
        assert [area.key for area in sections["childs-voice"].judgement_areas] == ["help-and-protection"]


@pytest.fixture
def people(make: Any) -> dict[str, Any]:
    team = make.team("Library Team")
    case = make.case(team, worker=make.user(Role.PRACTITIONER, team=team), reference="LIB-000001")
    return {
        "case": case,
        "auditor": make.user(Role.AUDITOR, team=make.team("Library Quality")),
    }


@pytest.mark.parametrize("slug", sorted(DEFINITIONS))
def test_every_tool_renders_saves_submits_and_prints_its_answers(app, client, make, people, slug: str) -> None:
    audit = make.audit(people["case"], people["auditor"], tool=slug)
    client.sign_in_as(people["auditor"])
    structure = audit_structure(app, audit.id)

    # Each section's own page, as the auditor works through the task list.
    for number, (_section_id, questions) in enumerate(structure["sections"], start=1):
        page = client.get_page(f"/audits/{audit.id}/edit/{number}")
        for question_id, answer_type in questions:
            if answer_type == "choice":
                offered = [radio["value"] for radio in page.select(f'input[name="q{question_id}_option"]')]
                assert offered == structure["options"][question_id]
            elif answer_type == "number":
                field = page.select_one(f'input[name="q{question_id}_number"]')
                assert field is not None and field.get("inputmode") == "numeric"

    # Save a section from its own page, then the rest, then submit.
    first_section_id, first_questions = structure["sections"][0]
    whole = complete_post(app, audit.id)
    first = {
        name: value
        for name, value in whole.items()
        if any(name.startswith(f"q{question_id}_") for question_id, _ in first_questions)
        or name.startswith(f"s{first_section_id}_")
    }
    response = client.post(f"/audits/{audit.id}/edit/1", data=first | {"version": whole["version"], "completed": "yes"})
    assert response.status_code == 302, page_text(response)[:2000]
    data = complete_post(app, audit.id) | {"action": "submit"}
    response = client.post(f"/audits/{audit.id}/edit/all", data=data)
    assert response.status_code == 302, page_text(response)[:2000]

    with app.app_context():
        saved = db.session.get(Audit, audit.id)
        assert saved.status == AuditStatus.SUBMITTED.value
        answers = {answer.question_id: answer for answer in saved.answers}
        questions = {question.id: question for section in saved.tool_version.sections for question in section.questions}
        expected_words = []
        for question_id, question in questions.items():
            answer = answers[question_id]
            if question.answer_type == "choice":
                assert answer.option is not None and answer.option.key == question.options[0].key
                expected_words.append(question.options[0].label)
            elif question.answer_type == "number":
                assert answer.number_value == 2

    # The read-only page and the PDF show the options chosen.
    shown = page_text(client.get(f"/audits/{audit.id}"))
    pdf = client.get(f"/audits/{audit.id}/pdf")
    assert pdf.status_code == 200
    text = " ".join(pdf_text(pdf.data).split())
    for words in expected_words:
        assert words in shown
        # A long label may wrap in the PDF: its first words are enough to find it.
        assert " ".join(words.split()[:3]) in text, words


def test_a_changed_tool_is_a_new_version_and_an_audit_in_progress_keeps_its_own(app, make, people) -> None:
    audit = make.audit(people["case"], people["auditor"], tool="child-protection")
    changed = tomllib.loads((DEFINITIONS_DIR / "child-protection.toml").read_text(encoding="utf-8"))
    question = changed["sections"][0]["questions"][1]
    assert question["answer"] == "choice"
    question["options"].append({"key": "strategy-only", "label": "Strategy discussion only"})

    with app.app_context():
        with pytest.raises(ToolDefinitionError, match="bump 'version'"):
            load_definition(changed, "changed")
        db.session.rollback()
        changed["version"] += 1
        assert load_definition(changed, "changed").created
        db.session.commit()
        versions = {version.version: version for version in _newest("child-protection").tool.versions}
        kept = db.session.get(Audit, audit.id).tool_version
        assert kept.version == changed["version"] - 1
        options = (
            db.session.scalars(
                select(ToolQuestion)
                .where(ToolQuestion.key == question["key"])
                .join(ToolQuestion.section)
                .where(ToolQuestion.section.has(tool_version_id=versions[changed["version"]].id))
            )
            .one()
            .options
        )
        assert [option.key for option in options][-1] == "strategy-only"
        old = next(q for section in kept.sections for q in section.questions if q.key == question["key"])
        assert "strategy-only" not in [option.key for option in old.options]


def test_an_unknown_judgement_area_is_refused_with_its_key(app) -> None:
    definition = DEFINITIONS["early-help"] | {"slug": "early-help-unknown-area", "judgement_areas": ["no-such-area"]}
    with app.app_context():
        with pytest.raises(ToolDefinitionError, match="'no-such-area' is not known"):
            load_definition(definition, "unknown.toml")
        db.session.rollback()
        section = DEFINITIONS["early-help"]["sections"][0] | {"judgement_areas": ["leadership", "renewed-2027"]}
        definition = DEFINITIONS["early-help"] | {"slug": "early-help-unknown-area", "sections": [section]}
        with pytest.raises(ToolDefinitionError, match="'renewed-2027' is not known"):
            load_definition(definition, "unknown.toml")
        db.session.rollback()
        assert db.session.scalar(select(AuditTool).where(AuditTool.slug == "early-help-unknown-area")) is None


def test_a_new_framework_is_a_change_to_the_areas_file_alone(app, tmp_path) -> None:
    """A renewed framework's areas, added to the file, can tag a tool with no code."""
    areas = (DEFINITIONS_DIR / JUDGEMENT_AREAS_FILE).read_text(encoding="utf-8")
    areas += (
        '\n[[areas]]\nkey = "renewed-family-help"\nname = "Family help"\n'
        'framework = "Renewed framework 2027"\nposition = 5\n'
    )
    (tmp_path / JUDGEMENT_AREAS_FILE).write_text(areas, encoding="utf-8")
    tool = (DEFINITIONS_DIR / "early-help.toml").read_text(encoding="utf-8")
    tool = tool.replace(
        'judgement_areas = ["help-and-protection"]', 'judgement_areas = ["help-and-protection", "renewed-family-help"]'
    )
    tool = tool.replace(
        f"\nversion = {DEFINITIONS['early-help']['version']}\n",
        f"\nversion = {DEFINITIONS['early-help']['version'] + 1}\n",
    )
    (tmp_path / "early-help.toml").write_text(tool, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["load-tools", "--path", str(tmp_path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        tool_row = _newest("early-help").tool
        assert [area.key for area in tool_row.judgement_areas] == ["help-and-protection", "renewed-family-help"]
        assert db.session.scalar(select(JudgementArea).where(JudgementArea.key == "renewed-family-help")).framework == (
            "Renewed framework 2027"
        )


def test_the_admin_tool_page_lists_the_areas_and_options(app, client, make) -> None:
    admin = make.user(Role.ADMIN, team=make.team("Admin Team"))
    client.sign_in_as(admin)
    with app.app_context():
        version_id = _newest("front-door-mash").id
    listed = page_text(client.get_page("/admin/tools"))
    assert "The experiences and progress of care leavers" in listed
    page = page_text(client.get_page(f"/admin/tools/versions/{version_id}"))
    assert "The experiences and progress of children who need help and protection" in page
    assert "Dispensed with, reasons recorded" in page
    assert "Standard; Medium; High; Not completed" in page


def test_answers_to_an_option_are_kept_when_the_tool_moves_on(app, make, people) -> None:
    """An answer refers to its own version's option, so a later version never changes it."""
    audit = make.audit(people["case"], people["auditor"], tool="care-leavers")
    make.answers(audit)
    with app.app_context():
        chosen = [
            answer.option.label
            for answer in db.session.scalars(select(Answer).where(Answer.audit_id == audit.id))
            if answer.option is not None
        ]
    assert chosen and all(chosen)
