"""The adapter contract for the OneRoster REST adapter (against the fake provider) and the CSV adapter."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.base import Change, ReadScope
from adapters.oneroster import OneRosterAdapter, OneRosterCsvAdapter
from adapters.records import Course, Enrollment, LineItem, Person, Score
from tests.adapters.contract import AdapterContract

from .conftest import make_adapter

WHEN = datetime(2025, 12, 1, tzinfo=UTC)


def _score(i: int, value: float) -> Score:
    return Score(person=Person(external_ids={"oneroster": f"u{i}"}), course_id="c1", line_item_id="li1",
                 value=value, max_score=50, scale="points", timestamp=WHEN)


class TestOneRosterRestContract(AdapterContract):
    """Against each provider of ``conftest.sis``: with paging headers, and capped without them (Ed-Fi)."""

    @pytest.fixture
    def adapter(self, sis):
        with make_adapter(sis) as made:
            yield made

    @pytest.fixture
    def misconfigured_adapter(self, sis):
        return OneRosterAdapter.from_spec(sis.root("rostering"), {"client_id": "x", "client_secret": "wrong",
                                                                  "max_attempts": "1"})

    @pytest.fixture
    def read_scope(self):
        return ReadScope(course_id="c1")

    @pytest.fixture
    def sample_changes(self):
        return {
            "scores": [Change(key=f"s{i}", stream="scores", action="create", record=_score(i, 10 * i))
                       for i in range(3)],
            "line_items": [Change(key="li", stream="line_items", action="create",
                                  record=LineItem(course_id="c1", line_item_id="li2", title="Quiz", max_score=20))],
        }


class TestOneRosterCsvContract(AdapterContract):
    @pytest.fixture
    def adapter(self, tmp_path):
        path = tmp_path / "bundle.zip"
        with OneRosterCsvAdapter(path) as writer:
            writer.write("enrollments", [Change(key=f"e{i}", stream="enrollments", action="create", record=Enrollment(
                person=Person(student_number=f"2025{i:03d}", name="张三"), course_id="c1")) for i in range(5)])
        with OneRosterCsvAdapter(path) as adapter:
            yield adapter

    @pytest.fixture
    def misconfigured_adapter(self, tmp_path):
        path = tmp_path / "broken.zip"
        path.write_bytes(b"PK\x03\x04 broken")
        return OneRosterCsvAdapter(path)

    @pytest.fixture
    def sample_changes(self):
        person = Person(student_number="2025001", name="张三")
        return {
            "persons": [Change(key="p", stream="persons", action="create", record=person)],
            "courses": [Change(key="c", stream="courses", action="create", record=Course(course_id="c2", title="T"))],
            "enrollments": [Change(key="e", stream="enrollments", action="create",
                                   record=Enrollment(person=person, course_id="c2"))],
            "line_items": [Change(key="l", stream="line_items", action="create",
                                  record=LineItem(course_id="c2", line_item_id="li9", title="Exam", max_score=100))],
            "scores": [Change(key="s", stream="scores", action="create", record=Score(
                person=person, course_id="c2", line_item_id="li9", value=88, timestamp=WHEN))],
        }
