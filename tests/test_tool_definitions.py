"""Structural checks on the audit tool definitions in audit/tool_definitions/*.toml.

These files are written by hand and loaded into the database later, so a typo should fail here,
not at load time. The checks need neither the Flask app nor a database.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

TOOLS_DIR = Path(__file__).resolve().parent.parent / "audit" / "tool_definitions"
# judgement-areas.toml lists the inspection framework's areas, not a tool (tests/test_tool_library.py).
TOOL_FILES = sorted(path for path in TOOLS_DIR.glob("*.toml") if path.name != "judgement-areas.toml")

KEBAB_CASE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ANSWER_TYPES = {"grade", "yes_no_na", "date", "text", "choice", "number"}
ALLOWED_THEMES = {
    "Assessment quality",
    "Child's voice",
    "Culture, religion and identity",
    "Fathers' engagement",
    "Plan co-production",
    "Management oversight and supervision",
    "Front door: timeliness and thresholds",
    "Consent and agency checks",
    "Domestic abuse",
    "Strategy discussions and safety planning",
    "Impact on the child",
    # Child protection, children in care, care leavers, early help, missing and exploitation.
    "Child protection enquiries",
    "Child protection conferences",
    "Core groups",
    "Permanence and stability",
    "Health and education",
    "Family time",
    "Life-story work",
    "Independent reviewing officer oversight",
    "Pathway planning",
    "Accommodation",
    "Education, employment and training",
    "Staying put and staying close",
    "Health and wellbeing",
    "Personal adviser contact",
    "Homeless 16 and 17 year olds",
    "Lead professional",
    "Step-up and step-down",
    "Timeliness and drift",
    "Missing from home or care",
    "Exploitation",
    # Supervision quality: the parts of "Management oversight and supervision" it looks at closely.
    "Supervision: regularity",
    "Supervision: reflection",
    "Supervision: decisions and rationale",
    "Supervision: follow-through of actions",
}

TOOL_KEYS = {"slug", "name", "version", "description", "asks_overall_grade", "judgement_areas", "scale", "sections"}
SCALE_KEYS = {"key", "name", "not_applicable", "grades"}
GRADE_KEYS = {"key", "label", "good_or_better"}
SECTION_KEYS = {"key", "title", "theme", "guidance", "questions"}
OPTIONAL_SECTION_KEYS = {"judgement_areas"}  # the tool's, unless the section names its own
QUESTION_KEYS = {"key", "text", "guidance", "answer"}
# required: true unless the question may be left blank; options: a choice question's; min and max:
# a number question's bounds.
OPTIONAL_QUESTION_KEYS = {"required", "options", "min", "max"}

EXPECTED_SLUGS = {
    "assessment-and-planning",
    "front-door-mash",
    "fathers-engagement-themed",
    "child-protection",
    "children-in-care",
    "care-leavers",
    "early-help",
    "missing-and-exploitation",
    "supervision-quality",
}
# Short themed tools: 1-2 sections and 5-8 questions in all. Every other tool is a full tool with
# 3-5 questions in each section.
THEMED_TOOLS = {"fathers-engagement-themed"}

# An abbreviation used anywhere in a tool must be spelt out somewhere in that tool.
ABBREVIATIONS = {
    "DASH": "domestic abuse, stalking, harassment and honour-based violence",
    "IDVA": "independent domestic violence advisor",
    "MARAC": "multi-agency risk assessment conference",
    "MASH": "multi-agency safeguarding hub",
}


def load(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def all_text(tool: dict[str, Any]) -> str:
    parts = [tool["name"], tool["description"]]
    for section in tool["sections"]:
        parts += [section["title"], section["guidance"]]
        for question in section["questions"]:
            parts += [question["text"], question["guidance"]]
    return "\n".join(parts)


def non_empty_string(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != "" and value == value.strip()


@pytest.fixture(params=TOOL_FILES, ids=[path.name for path in TOOL_FILES])
def tool_file(request: pytest.FixtureRequest) -> Path:
    return request.param


@pytest.fixture
def tool(tool_file: Path) -> dict[str, Any]:
    return load(tool_file)


def test_expected_tools_exist() -> None:
    assert {path.stem for path in TOOL_FILES} >= EXPECTED_SLUGS


def test_top_level_keys(tool: dict[str, Any]) -> None:
    assert set(tool) == TOOL_KEYS
    for key in ("slug", "name", "description"):
        assert non_empty_string(tool[key]), key
    assert isinstance(tool["asks_overall_grade"], bool)


def test_slug_is_kebab_case_and_matches_file_name(tool_file: Path, tool: dict[str, Any]) -> None:
    assert KEBAB_CASE.match(tool["slug"])
    assert tool["slug"] == tool_file.stem


def test_version_is_positive_int(tool: dict[str, Any]) -> None:
    version = tool["version"]
    assert isinstance(version, int)
    assert not isinstance(version, bool)
    assert version >= 1


def test_scale(tool: dict[str, Any]) -> None:
    scale = tool["scale"]
    assert set(scale) == SCALE_KEYS
    assert KEBAB_CASE.match(scale["key"])
    assert non_empty_string(scale["name"])
    assert non_empty_string(scale["not_applicable"])
    grades = scale["grades"]
    assert isinstance(grades, list)
    assert grades, "a scale needs at least one grade"
    for grade in grades:
        assert set(grade) == GRADE_KEYS, grade
        assert KEBAB_CASE.match(grade["key"]), grade["key"]
        assert non_empty_string(grade["label"]), grade
        assert isinstance(grade["good_or_better"], bool), grade
    keys = [grade["key"] for grade in grades]
    labels = [grade["label"] for grade in grades]
    assert len(set(keys)) == len(keys), "grade keys must be unique"
    assert len(set(labels)) == len(labels), "grade labels must be unique"
    assert scale["not_applicable"] not in labels
    flags = [grade["good_or_better"] for grade in grades]
    assert True in flags, "at least one grade must count as good or better"
    assert False in flags, "at least one grade must count as below good"
    # Grades are listed best first, so the good-or-better grades come before the rest.
    assert flags == sorted(flags, reverse=True)


def test_sections_and_questions_structure(tool: dict[str, Any]) -> None:
    sections = tool["sections"]
    assert isinstance(sections, list)
    assert sections
    section_keys = [section["key"] for section in sections]
    assert len(set(section_keys)) == len(section_keys), "section keys must be unique within a tool"
    for section in sections:
        assert SECTION_KEYS <= set(section) <= SECTION_KEYS | OPTIONAL_SECTION_KEYS, section.get("key")
        assert KEBAB_CASE.match(section["key"]), section["key"]
        assert non_empty_string(section["title"])
        assert non_empty_string(section["guidance"])
        assert section["theme"] in ALLOWED_THEMES, section["theme"]
        questions = section["questions"]
        assert isinstance(questions, list)
        assert questions
        question_keys = [question["key"] for question in questions]
        assert len(set(question_keys)) == len(question_keys), f"duplicate question key in {section['key']}"
        for question in questions:
            where = f"{section['key']}/{question.get('key')}"
            assert QUESTION_KEYS <= set(question) <= QUESTION_KEYS | OPTIONAL_QUESTION_KEYS, where
            assert isinstance(question.get("required", True), bool), where
            assert KEBAB_CASE.match(question["key"]), where
            assert non_empty_string(question["text"]), where
            assert question["text"].endswith("?"), where
            assert non_empty_string(question["guidance"]), where
            assert question["answer"] in ANSWER_TYPES, where


def test_question_and_section_counts(tool: dict[str, Any]) -> None:
    sections = tool["sections"]
    counts = [len(section["questions"]) for section in sections]
    if tool["slug"] in THEMED_TOOLS:
        assert 1 <= len(sections) <= 2
        assert 5 <= sum(counts) <= 8
    else:
        for section, count in zip(sections, counts, strict=True):
            assert 3 <= count <= 5, f"{section['key']} has {count} questions"


def test_tool_has_graded_questions(tool: dict[str, Any]) -> None:
    answers = [question["answer"] for section in tool["sections"] for question in section["questions"]]
    assert answers.count("grade") > len(answers) / 2, "most questions should be graded"


def test_abbreviations_are_spelt_out(tool: dict[str, Any]) -> None:
    text = all_text(tool)
    for abbreviation, expansion in ABBREVIATIONS.items():
        if re.search(rf"\b{abbreviation}\b", text):
            assert expansion in text.lower(), f"{abbreviation} is used but never spelt out"


def test_tools_sharing_a_scale_key_define_it_identically() -> None:
    scales: dict[str, tuple[str, dict[str, Any]]] = {}
    for path in TOOL_FILES:
        scale = load(path)["scale"]
        if scale["key"] in scales:
            first_file, first_scale = scales[scale["key"]]
            assert scale == first_scale, f"scale {scale['key']} differs between {first_file} and {path.name}"
        else:
            scales[scale["key"]] = (path.name, scale)


def test_slugs_are_unique_across_files() -> None:
    slugs = [load(path)["slug"] for path in TOOL_FILES]
    assert len(set(slugs)) == len(slugs)


# Guidance that lets the auditor leave a question unanswered, in the words the tools use.
LEAVE_BLANK = re.compile(
    r"\bleave (?:it |this |the \w+ )?blank\b|\bleft blank\b|\bif (?:it|this) (?:has|is) not yet\b|\boptional\b",
    re.IGNORECASE,
)


def test_leave_blank_pattern_finds_the_phrases_guidance_uses() -> None:
    for guidance in (
        "Leave blank if it has not yet been authorised.",
        "Leave this blank where there is none.",
        "This question may be left blank.",
        "Optional: the date of the review.",
    ):
        assert LEAVE_BLANK.search(guidance), guidance
    assert not LEAVE_BLANK.search("Enter the date the contact was first received.")


def test_guidance_and_validation_agree_on_what_may_be_left_blank(tool: dict[str, Any]) -> None:
    """Guidance that says a question may be left blank sits on a question marked
    ``required = false``, and an optional question's guidance says when to leave it blank: an
    auditor is never told to leave blank what submission then demands, and so invents a date."""
    for section in tool["sections"]:
        for question in section["questions"]:
            where = f"{tool['slug']}: {section['key']}/{question['key']}"
            says_blank = bool(LEAVE_BLANK.search(question["guidance"]) or LEAVE_BLANK.search(question["text"]))
            optional = question.get("required", True) is False
            assert says_blank == optional, (
                f"{where}: guidance lets the auditor leave it blank but it is required"
                if says_blank
                else f"{where}: optional, but the guidance never says when to leave it blank"
            )


def test_questions_whose_answer_may_not_exist_are_optional() -> None:
    """The two dates an auditor cannot always find (issue 10) may be left blank."""
    tool = load(TOOLS_DIR / "assessment-and-planning.toml")
    questions = {question["key"]: question for section in tool["sections"] for question in section["questions"]}
    for key in ("date-authorised", "last-supervision-date"):
        assert questions[key]["required"] is False, key
    assert tool["version"] >= 2, "marking questions optional is a change: the version must rise"
