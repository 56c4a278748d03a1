"""A draft worked through as a task list (GOV.UK's "complete multiple tasks" pattern): parts, each
Not started, In progress or Completed, and the count the list leads with.

A part is Completed only while two things hold: its author marked it complete (a row of
``AuditPartDone`` or ``SupervisionPartDone``), and what is saved now still passes the part's checks.
So a part marked complete and later emptied by an autosave shows In progress again, and no part can
claim more than the saved record holds. The record's own rules decide what a part's checks are and
whether anything in it is started; this module only combines them.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

Problem = tuple[str, str]  # (field name, message), as the submission checks give them


class TaskStatus(enum.StrEnum):
    NOT_STARTED = "Not started"
    IN_PROGRESS = "In progress"
    COMPLETED = "Completed"


@dataclass(frozen=True)
class Task:
    key: str  # the part's key: "s12" or "overall" for an audit, "session"... for supervision
    number: int  # its place in the list, from 1: the page's address uses it
    title: str
    status: TaskStatus
    problems: tuple[Problem, ...]  # what stops it being completed now (empty when it could be)

    @property
    def completed(self) -> bool:
        return self.status == TaskStatus.COMPLETED


def task_status(*, marked: bool, started: bool, problems: Sequence[Problem]) -> TaskStatus:
    if marked and not problems:
        return TaskStatus.COMPLETED
    return TaskStatus.IN_PROGRESS if started or marked else TaskStatus.NOT_STARTED


@dataclass(frozen=True)
class TaskList:
    tasks: tuple[Task, ...]

    @property
    def total(self) -> int:
        return len(self.tasks)

    @property
    def completed(self) -> int:
        return sum(task.completed for task in self.tasks)

    @property
    def all_completed(self) -> bool:
        return self.completed == self.total

    @property
    def incomplete(self) -> tuple[Task, ...]:
        return tuple(task for task in self.tasks if not task.completed)

    def numbered(self, number: int) -> Task | None:
        return self.tasks[number - 1] if 1 <= number <= len(self.tasks) else None

    def keyed(self, key: str) -> Task | None:
        return next((task for task in self.tasks if task.key == key), None)


@dataclass(frozen=True)
class Part:
    """One part of a record's task list, as the record's own rules define it."""

    key: str
    title: str


def build_task_list(
    parts: Sequence[Part],
    problems: Sequence[Problem],
    *,
    part_of_field: Callable[[str], str],
    marked: set[str],
    started: Callable[[Part], bool],
) -> TaskList:
    """Each part's status from the record's completion problems (shared out by the field each
    is about), the parts its author marked complete, and whether anything in a part is saved."""
    by_part: dict[str, list[Problem]] = defaultdict(list)
    for name, message in problems:
        by_part[part_of_field(name)].append((name, message))
    return TaskList(
        tuple(
            Task(
                key=part.key,
                number=number,
                title=part.title,
                status=task_status(marked=part.key in marked, started=started(part), problems=by_part[part.key]),
                problems=tuple(by_part[part.key]),
            )
            for number, part in enumerate(parts, start=1)
        )
    )


Row = TypeVar("Row")


def set_mark(
    tasks: TaskList,
    key: str,
    rows: list[Row],
    *,
    complete: bool,
    part_of: Callable[[Row], str],
    make_row: Callable[[str], Row],
) -> list[Problem]:
    """Mark the part ``key`` complete, when what is saved passes its checks (otherwise return the
    problems and leave it unmarked), or take the mark away. ``rows`` are the record's marks."""
    task = tasks.keyed(key)
    if task is None:
        raise ValueError(f"the record has no part {key!r}")
    existing = next((row for row in rows if part_of(row) == task.key), None)
    if complete and task.problems:
        if existing is not None:
            rows.remove(existing)
        return list(task.problems)
    if complete and existing is None:
        rows.append(make_row(task.key))
    elif not complete and existing is not None:
        rows.remove(existing)
    return []


def incomplete_problems(tasks: TaskList, noun: str) -> list[Problem]:
    """One problem per part not completed, linked to the part's page (``part-<number>``)."""
    return [(f"part-{task.number}", f"{task.title}: complete this {noun}") for task in tasks.incomplete]
