"""Audit tools: loading the definition files into versioned rows, and reading them back.

A definition file (``audit/tool_definitions/*.toml``) names its tool by ``slug`` and carries a
``version``. Loading is idempotent: an unchanged file loads nothing; a changed file must bump its
version and then becomes a new ``AuditToolVersion``, leaving audits on older versions untouched.
A question is required unless it says ``required = false``; the whole file is hashed, so marking
a question optional is a change like any other.
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
from audit.models import AnswerType, AuditTool, AuditToolVersion, GradeScale, ScaleGrade, ToolQuestion, ToolSection

DEFINITIONS_DIR = Path(__file__).resolve().parent.parent / "tool_definitions"


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
    tool = db.session.scalar(select(AuditTool).where(AuditTool.slug == definition["slug"]))
    if tool is None:
        tool = AuditTool(slug=definition["slug"], name=definition["name"])
        db.session.add(tool)
    existing = {version.version: version for version in tool.versions}
    same_version = existing.get(definition["version"])
    if same_version is not None:
        if same_version.content_hash == content_hash:
            return LoadResult(tool.slug, same_version.version, created=False)
        raise ToolDefinitionError(
            f"{source}: version {definition['version']} of {tool.slug} is already loaded with different content; "
            "bump 'version' to publish the change (audits keep the version they started on)"
        )
    if existing and definition["version"] < max(existing):
        raise ToolDefinitionError(f"{source}: version {definition['version']} is older than the loaded version")
    tool.name = definition["name"]
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
                questions=[
                    ToolQuestion(
                        key=question["key"],
                        text=question["text"],
                        guidance=question["guidance"],
                        answer_type=question["answer"],
                        position=question_index,
                        required=question.get("required", True),
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


def load_definitions(directory: Path = DEFINITIONS_DIR) -> list[LoadResult]:
    results = []
    for path in sorted(directory.glob("*.toml")):
        try:
            definition = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise ToolDefinitionError(f"{path.name}: not valid TOML ({error})") from error
        results.append(load_definition(definition, path.name))
    return results


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
        select(AuditTool).options(selectinload(AuditTool.versions)).order_by(AuditTool.name)
    ).all()


def tool_version_with_questions(version_id: int) -> AuditToolVersion | None:
    """A tool version with its scale, sections and questions, in a fixed number of queries."""
    return db.session.scalar(
        select(AuditToolVersion)
        .where(AuditToolVersion.id == version_id)
        .options(
            selectinload(AuditToolVersion.scale).selectinload(GradeScale.grades),
            selectinload(AuditToolVersion.sections).selectinload(ToolSection.questions),
            selectinload(AuditToolVersion.tool),
        )
    )


def all_themes() -> list[str]:
    """The themes the audit tools' sections cover, in alphabetical order."""
    return list(db.session.scalars(select(ToolSection.theme).distinct().order_by(ToolSection.theme)))
