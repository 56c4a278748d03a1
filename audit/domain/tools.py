"""Audit tools: loading the definition files into versioned rows, and reading them back.

A definition file (``audit/tool_definitions/*.toml``) names its tool by ``slug`` and carries a
``version``. Loading is idempotent: an unchanged file loads nothing; a changed file must bump its
version and then becomes a new ``AuditToolVersion``, leaving audits on older versions untouched.
A question is required unless it says ``required = false``; the whole file is hashed, so marking
a question optional is a change like any other.

A choice question lists its ``options`` (``{ key, label }``, in order); a number question may give
``min`` and ``max``. The inspection framework's judgement areas are data too: ``judgement-areas.toml``
in the same folder lists them (``[[areas]]`` with key, name, framework, position) and is loaded
first; a tool names the areas it evidences in ``judgement_areas``, and a section may name its own
(otherwise it has the tool's). An area key that is not loaded is refused.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from audit.extensions import db
from audit.models import (
    AnswerType,
    AuditTool,
    AuditToolVersion,
    GradeScale,
    JudgementArea,
    QuestionOption,
    ScaleGrade,
    ToolQuestion,
    ToolSection,
)

DEFINITIONS_DIR = Path(__file__).resolve().parent.parent / "tool_definitions"
JUDGEMENT_AREAS_FILE = "judgement-areas.toml"


class ToolDefinitionError(ValueError):
    """A definition file that cannot be loaded, with the reason in words for its author."""


@dataclass(frozen=True)
class LoadResult:
    slug: str
    version: int
    created: bool


def _content_hash(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _require(mapping: dict[str, Any], key: str, where: str) -> Any:
    if key not in mapping or mapping[key] in ("", None):
        raise ToolDefinitionError(f"{where}: '{key}' is missing")
    return mapping[key]


def _check(definition: dict[str, Any], source: str) -> None:
    for key in ("slug", "name", "version", "description", "scale", "sections"):
        _require(definition, key, source)
    if not isinstance(definition["version"], int) or definition["version"] < 1:
        raise ToolDefinitionError(f"{source}: 'version' must be a whole number from 1")
    grades = _require(definition["scale"], "grades", f"{source} scale")
    if not any(grade.get("good_or_better") for grade in grades) or all(grade.get("good_or_better") for grade in grades):
        raise ToolDefinitionError(f"{source}: the scale needs grades that are and are not good or better")
    section_keys = set()
    for section in definition["sections"]:
        where = f"{source} section {section.get('key', '?')}"
        for key in ("key", "title", "theme", "guidance", "questions"):
            _require(section, key, where)
        if section["key"] in section_keys:
            raise ToolDefinitionError(f"{where}: the key is used twice")
        section_keys.add(section["key"])
        question_keys = set()
        for question in section["questions"]:
            for key in ("key", "text", "guidance", "answer"):
                _require(question, key, f"{where} question {question.get('key', '?')}")
            if not isinstance(question.get("required", True), bool):
                raise ToolDefinitionError(f"{where} question {question['key']}: 'required' must be true or false")
            if question["answer"] not in {answer.value for answer in AnswerType}:
                raise ToolDefinitionError(f"{where}: answer type {question['answer']!r} is not known")
            if question["key"] in question_keys:
                raise ToolDefinitionError(f"{where}: question key {question['key']} is used twice")
            question_keys.add(question["key"])
            _check_options(question, f"{where} question {question['key']}")
            _check_bounds(question, f"{where} question {question['key']}")


def _check_options(question: dict[str, Any], where: str) -> None:
    options = question.get("options")
    if question["answer"] != AnswerType.CHOICE:
        if options is not None:
            raise ToolDefinitionError(f"{where}: only a choice question has 'options'")
        return
    if not isinstance(options, list) or len(options) < 2:
        raise ToolDefinitionError(f"{where}: a choice question needs 'options', at least two")
    keys = set()
    for option in options:
        if not isinstance(option, dict) or not option.get("key") or not option.get("label"):
            raise ToolDefinitionError(f"{where}: each option needs a 'key' and a 'label'")
        if len(option["key"]) > 40:
            raise ToolDefinitionError(f"{where}: option key {option['key']!r} is longer than 40 characters")
        if option["key"] in keys:
            raise ToolDefinitionError(f"{where}: option key {option['key']!r} is used twice")
        keys.add(option["key"])


def _check_bounds(question: dict[str, Any], where: str) -> None:
    bounds = {key: question[key] for key in ("min", "max") if key in question}
    if bounds and question["answer"] != AnswerType.NUMBER:
        raise ToolDefinitionError(f"{where}: only a number question has 'min' or 'max'")
    for key, value in bounds.items():
        if not isinstance(value, int) or isinstance(value, bool) or abs(value) > 1_000_000_000:
            raise ToolDefinitionError(f"{where}: '{key}' must be a whole number")
    if "min" in bounds and "max" in bounds and bounds["min"] > bounds["max"]:
        raise ToolDefinitionError(f"{where}: 'min' is greater than 'max'")


def load_judgement_areas(definition: dict[str, Any], source: str = JUDGEMENT_AREAS_FILE) -> list[JudgementArea]:
    """Add the areas the file lists, or update their names, framework and order (matched by key).
    An area no longer listed stays: tools and sections loaded earlier still name it."""
    areas = definition.get("areas")
    if not isinstance(areas, list) or not areas:
        raise ToolDefinitionError(f"{source}: list the judgement areas as [[areas]]")
    existing = {area.key: area for area in db.session.scalars(select(JudgementArea))}
    loaded = []
    for index, data in enumerate(areas):
        where = f"{source} area {data.get('key', '?')}"
        for key in ("key", "name", "framework"):
            _require(data, key, where)
        if len(data["key"]) > 60:
            raise ToolDefinitionError(f"{where}: the key is longer than 60 characters")
        area = existing.get(data["key"])
        if area is None:
            area = JudgementArea(key=data["key"])
            db.session.add(area)
            existing[area.key] = area
        area.name, area.framework = data["name"], data["framework"]
        area.position = int(data.get("position", index))
        loaded.append(area)
    db.session.flush()
    return loaded


def _areas(keys: Any, where: str) -> list[JudgementArea]:
    """The judgement areas named by these keys, as loaded; an unknown key is refused."""
    if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
        raise ToolDefinitionError(f"{where}: 'judgement_areas' must be a list of area keys")
    known = {area.key: area for area in db.session.scalars(select(JudgementArea).where(JudgementArea.key.in_(keys)))}
    unknown = [key for key in keys if key not in known]
    if unknown:
        raise ToolDefinitionError(
            f"{where}: judgement area {', '.join(map(repr, unknown))} is not known; "
            f"add it to {JUDGEMENT_AREAS_FILE} first"
        )
    return [known[key] for key in dict.fromkeys(keys)]


def _scale_for(definition: dict[str, Any]) -> GradeScale:
    scale_data = definition["scale"]
    content_hash = _content_hash(scale_data)
    scale = db.session.scalar(
        select(GradeScale).where(GradeScale.key == scale_data["key"], GradeScale.content_hash == content_hash)
    )
    if scale is None:
        scale = GradeScale(
            key=scale_data["key"],
            name=scale_data.get("name", scale_data["key"]),
            not_applicable_label=scale_data.get("not_applicable", "Not applicable"),
            content_hash=content_hash,
            grades=[
                ScaleGrade(
                    key=grade["key"], label=grade["label"], position=index, good_or_better=bool(grade["good_or_better"])
                )
                for index, grade in enumerate(scale_data["grades"])
            ],
        )
        db.session.add(scale)
    return scale


def load_definition(definition: dict[str, Any], source: str = "definition") -> LoadResult:
    _check(definition, source)
    content_hash = _content_hash(definition)
    tool_areas = _areas(definition.get("judgement_areas", []), source)
    section_areas = [
        _areas(section["judgement_areas"], f"{source} section {section['key']}")
        if "judgement_areas" in section
        else tool_areas
        for section in definition["sections"]
    ]
    tool = db.session.scalar(select(AuditTool).where(AuditTool.slug == definition["slug"]))
    if tool is None:
        tool = AuditTool(slug=definition["slug"], name=definition["name"])
        db.session.add(tool)
    existing = {version.version: version for version in tool.versions}
    same_version = existing.get(definition["version"])
    if same_version is not None:
        if same_version.content_hash == content_hash:
            if same_version.version == max(existing):  # the tool's areas are the newest version's
                tool.judgement_areas = tool_areas
            return LoadResult(tool.slug, same_version.version, created=False)
        raise ToolDefinitionError(
            f"{source}: version {definition['version']} of {tool.slug} is already loaded with different content; "
            "bump 'version' to publish the change (audits keep the version they started on)"
        )
    if existing and definition["version"] < max(existing):
        raise ToolDefinitionError(f"{source}: version {definition['version']} is older than the loaded version")
    tool.name = definition["name"]
    tool.judgement_areas = tool_areas
    version = AuditToolVersion(
        tool=tool,
        version=definition["version"],
        name=definition["name"],
        description=definition["description"],
        asks_overall_grade=bool(definition.get("asks_overall_grade", True)),
        scale=_scale_for(definition),
        content_hash=content_hash,
        sections=[
            ToolSection(
                key=section["key"],
                title=section["title"],
                theme=section["theme"],
                guidance=section["guidance"],
                position=section_index,
                judgement_areas=section_areas[section_index],
                questions=[
                    ToolQuestion(
                        key=question["key"],
                        text=question["text"],
                        guidance=question["guidance"],
                        answer_type=question["answer"],
                        position=question_index,
                        required=question.get("required", True),
                        number_min=question.get("min"),
                        number_max=question.get("max"),
                        options=[
                            QuestionOption(key=option["key"], label=option["label"], position=option_index)
                            for option_index, option in enumerate(question.get("options", []))
                        ],
                    )
                    for question_index, question in enumerate(section["questions"])
                ],
            )
            for section_index, section in enumerate(definition["sections"])
        ],
    )
    db.session.add(version)
    db.session.flush()
    return LoadResult(tool.slug, version.version, created=True)


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ToolDefinitionError(f"{path.name}: not valid TOML ({error})") from error


def load_definitions(directory: Path = DEFINITIONS_DIR) -> list[LoadResult]:
    """Load the judgement areas (where the folder has the file), then every tool file in it."""
    areas = directory / JUDGEMENT_AREAS_FILE
    if areas.exists():
        load_judgement_areas(_read(areas))
    return [
        load_definition(_read(path), path.name)
        for path in sorted(directory.glob("*.toml"))
        if path.name != JUDGEMENT_AREAS_FILE
    ]


# Reading tools back ------------------------------------------------------------------------------


def latest_versions() -> Sequence[AuditToolVersion]:
    """The newest version of every tool: the ones new audits start on."""
    newest = (
        select(AuditToolVersion.tool_id, func.max(AuditToolVersion.version).label("version"))
        .group_by(AuditToolVersion.tool_id)
        .subquery()
    )
    return db.session.scalars(
        select(AuditToolVersion)
        .join(
            newest,
            (AuditToolVersion.tool_id == newest.c.tool_id) & (AuditToolVersion.version == newest.c.version),
        )
        .order_by(AuditToolVersion.name)
    ).all()


def all_tools() -> Sequence[AuditTool]:
    return db.session.scalars(
        select(AuditTool)
        .options(selectinload(AuditTool.versions), selectinload(AuditTool.judgement_areas))
        .order_by(AuditTool.name)
    ).all()


def tool_version_with_questions(version_id: int) -> AuditToolVersion | None:
    """A tool version with its scale, sections and questions, in a fixed number of queries."""
    return db.session.scalar(
        select(AuditToolVersion)
        .where(AuditToolVersion.id == version_id)
        .options(
            selectinload(AuditToolVersion.scale).selectinload(GradeScale.grades),
            selectinload(AuditToolVersion.sections)
            .selectinload(ToolSection.questions)
            .selectinload(ToolQuestion.options),
            selectinload(AuditToolVersion.sections).selectinload(ToolSection.judgement_areas),
            selectinload(AuditToolVersion.tool).selectinload(AuditTool.judgement_areas),
        )
    )


def all_themes() -> list[str]:
    """The themes the audit tools' sections cover, in alphabetical order."""
    return list(db.session.scalars(select(ToolSection.theme).distinct().order_by(ToolSection.theme)))
