"""Shared set-ups for sync tests and benchmarks against the fake LMS: a graded course and a source of scores."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from adapters.base import Adapter, ReadScope
from adapters.records import Person, Record, Score

from .openedx_server import FakeOpenEdx


class MemoryScores(Adapter):
    """A source adapter that yields the scores it was given (tests the target side, not a file reader)."""

    name: ClassVar[str] = "memory"
    reads: ClassVar[frozenset[str]] = frozenset({"scores"})

    def __init__(self, scores: list[Score]):
        self.scores = scores

    def check_connection(self) -> None:
        return None

    def read(self, stream: str, scope: ReadScope | None = None) -> Iterator[Record]:
        return iter(self.scores)


@dataclass(frozen=True)
class Grade:
    """One grade the LMS must end with: a learner's points on a subsection."""

    username: str
    student_number: str
    usage_id: str
    points: float
    possible: float


def graded_course(lms: FakeOpenEdx, course_id: str, learners: int, subsections: int = 3,
                  possible: float = 10.0) -> list[Grade]:
    """A course of ``subsections`` graded units and ``learners`` enrolled learners with 学号; the grades to write."""
    subs = [(f"unit{n:02d}", f"第{n}单元测验", possible) for n in range(1, subsections + 1)]
    course = lms.state.add_course(course_id, "测试课程", subs)
    lms.state.waffle_flag("grades.writable_gradebook", course_id)  # off by default; the operator turns it on
    people = lms.add_learners(course_id, learners)
    return [Grade(username, number, usage, float((i * 7 + j * 3) % 11) * possible / 10, possible)
            for i, (username, number) in enumerate(people) for j, usage in enumerate(course.subsections)]


def scores_for(grades: list[Grade], course_id: str) -> list[Score]:
    """The source records for ``grades``: people known only by 学号 and name, as in a MOOC export."""
    return [Score(source="memory", person=Person(student_number=g.student_number, name=f"学生{g.username[1:]}"),
                  course_id=course_id, line_item_id=g.usage_id, value=g.points, max_score=g.possible,
                  scale="points") for g in grades]


def missing(lms: FakeOpenEdx, grades: list[Grade]) -> list[Grade]:
    """The grades the LMS does not hold exactly (an empty list means the final state is exact)."""
    return [g for g in grades if lms.state.subsection_score(g.username, g.usage_id) != (g.points, g.possible)]


def openedx_options(lms: FakeOpenEdx, course_id: str, **extra: Any) -> dict[str, str]:
    """SPEC options for the Open edX adapter against ``lms`` (credentials included: for in-process use only)."""
    options = {"course": course_id, "student_number": "external_user_key", "rate": "0", "enrollment_rate": "0",
               "client_id": lms.client_id, "client_secret": lms.client_secret}
    options.update({k: str(v) for k, v in extra.items()})
    return options
