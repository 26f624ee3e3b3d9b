"""New 学号 join the program, then its course (#11 item 4), against the fake LMS following edx-platform's
``lms/djangoapps/program_enrollments`` (``rest_api/v1/views.py``, ``serializers.py``, ``utils.py``,
``api/writing.py``; see :mod:`tests.fakes.openedx_views_programs`)."""

from __future__ import annotations

import pytest

from adapters.base import Change
from adapters.errors import FatalError
from adapters.openedx import OpenEdxAdapter
from adapters.records import Enrollment, Person
from tests.fakes.openedx_server import FakeOpenEdx
from tests.fakes.openedx_state import ProgramCourseEnrollment
from tests.fakes.scenarios import openedx_options

COURSE = "course-v1:PKU+Py101+2025"
OUTSIDE = "course-v1:PKU+Art101+2025"
PROGRAM = "5b7c3a1e-0000-4000-8000-0000000000aa"


@pytest.fixture
def lms():
    with FakeOpenEdx() as server:
        server.state.add_course(COURSE, "Python")
        server.state.add_course(OUTSIDE, "Art")
        server.state.add_program([COURSE], PROGRAM)
        server.state.waffle_flag("grades.writable_gradebook", COURSE)  # the 学号 of accounts come from the gradebook
        yield server
    assert server.errors == []


def adapter(lms: FakeOpenEdx, **options) -> OpenEdxAdapter:
    return OpenEdxAdapter.from_spec(lms.url, {**openedx_options(lms, COURSE, **options), "program": PROGRAM,
                                              "student_number": "program"})


def enrol(number: str, status: str = "active", course: str = COURSE) -> Change:
    record = Enrollment(source="x", person=Person(student_number=number), course_id=course, status=status)
    return Change(stream="enrollments", action="create" if status == "active" else "update", key=number,
                  record=record)


def program_writes(lms: FakeOpenEdx) -> list[tuple[str, str]]:
    return [(w.method, w.path.split("/programs/", 1)[1]) for w in lms.traffic.writes if "program_enrollments" in w.path]


def test_a_new_student_number_joins_the_program_then_its_course(lms):
    program = lms.state.programs[PROGRAM]
    lms.state.program_enroll(PROGRAM, "2025000001")  # an earlier student: the curriculum to follow
    results = adapter(lms).write("enrollments", [enrol("2025000001"), enrol("2025000002"), enrol("2025000003")])
    assert [r.status for r in results] == ["applied", "applied", "applied"], results
    assert {k: r.status for k, r in program.enrollments.items()} == {
        "2025000001": "enrolled", "2025000002": "enrolled", "2025000003": "enrolled"}
    assert {r.curriculum_uuid for r in program.enrollments.values()} == {program.curriculum_uuid}
    assert {k: r.status for (k, c), r in program.course_enrollments.items() if c == COURSE} == {
        "2025000001": "active", "2025000002": "active", "2025000003": "active"}
    # the course PUT, then a POST creating only the two missing, then the course PUT for those two
    assert [m for m, _p in program_writes(lms)] == ["PUT", "POST", "PUT"]
    assert [row["student_key"] for row in lms.traffic.writes[1].body] == ["2025000002", "2025000003"]
    # a second run reads them back and sends nothing
    again = adapter(lms).current(enrol("2025000002"))
    assert again is not None and again.status == "active"


def test_joining_never_changes_an_existing_program_status(lms):
    lms.state.program_enroll(PROGRAM, "2025000001", status="suspended")
    lms.state.program_enroll(PROGRAM, "2025000009")
    results = adapter(lms).write("enrollments", [enrol("2025000001")])
    assert results[0].status == "applied"
    assert lms.state.programs[PROGRAM].enrollments["2025000001"].status == "suspended"  # the registrar's, kept
    assert [m for m, _p in program_writes(lms)] == ["PUT"]


def test_the_curriculum_setting_is_used_and_without_any_the_error_says_how(lms):
    chosen = "7d2c9a10-1111-4222-8333-944455556666"
    assert adapter(lms, curriculum=chosen).write("enrollments", [enrol("2025000001")])[0].status == "applied"
    assert lms.state.programs[PROGRAM].enrollments["2025000001"].curriculum_uuid == chosen

    empty = "6a1b2c3d-0000-4000-8000-000000000001"
    lms.state.add_program([COURSE], empty)
    target = OpenEdxAdapter.from_spec(lms.url, {**openedx_options(lms, COURSE), "program": empty,
                                                "student_number": "program"})
    result = target.write("enrollments", [enrol("2025000002")])[0]
    assert result.status == "failed" and result.error["code"] == "no_curriculum"
    assert "curriculum=" in result.message and lms.state.programs[empty].enrollments == {}


def test_a_course_outside_the_catalog_program_is_a_clear_error(lms):
    result = adapter(lms).write("enrollments", [enrol("2025000001", course=OUTSIDE)])[0]
    assert result.status == "failed" and result.error["code"] == "course_not_in_program"
    assert OUTSIDE in result.message and "cache_programs" in result.message
    assert lms.state.programs[PROGRAM].enrollments == {}
    with pytest.raises(FatalError) as caught:
        list(adapter(lms).api.iter_program_course_enrollments(OUTSIDE))
    assert caught.value.code == "course_not_in_program"


def test_an_unknown_program_names_the_catalog_cache(lms):
    target = OpenEdxAdapter.from_spec(lms.url, {**openedx_options(lms, COURSE), "student_number": "program",
                                                "program": "00000000-0000-4000-8000-000000000000"})
    result = target.write("enrollments", [enrol("2025000001")])[0]
    assert result.status == "failed" and result.error["code"] == "program_not_in_catalog"
    assert "cache_programs" in result.message


def test_per_student_answers_become_typed_outcomes(lms):
    other = lms.state.add_program([COURSE])
    lms.state.program_enroll(other.uuid, "2025000001")
    lms.state.program_enroll(PROGRAM, "2025000001")
    other.course_enrollments[("2025000001", COURSE)] = ProgramCourseEnrollment(999, "2025000001", COURSE, "active")
    results = adapter(lms).write("enrollments", [enrol("2025000001"), enrol("2025000002"),
                                                 enrol("2025000003", status="inactive")])
    assert [r.status for r in results] == ["failed", "applied", "unchanged"]
    assert results[0].error["code"] == "conflict" and results[0].error["status"] == 422  # none OK in that PUT
    assert "2025000003" not in lms.state.programs[PROGRAM].enrollments  # an unenrolment never adds to the program


def test_the_spec_refuses_a_program_that_is_not_a_uuid(lms):
    with pytest.raises(FatalError) as caught:
        OpenEdxAdapter.from_spec(lms.url, {**openedx_options(lms, COURSE), "program": "computer-science"})
    assert caught.value.code == "bad_spec" and "computer-science" in caught.value.message
