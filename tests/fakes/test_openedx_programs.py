"""The fake LMS's program enrollments API follows edx-platform (see :mod:`tests.fakes.openedx_views_programs`)."""

from __future__ import annotations

import pytest
import requests

from tests.fakes.openedx_server import FakeOpenEdx

COURSE = "course-v1:PKU+Py101+2025"
OTHER = "course-v1:PKU+Stats+2025"


@pytest.fixture
def lms():
    with FakeOpenEdx() as server:
        server.state.add_course(COURSE, "Python")
        server.state.add_course(OTHER, "Statistics")
        yield server


def session(lms: FakeOpenEdx) -> requests.Session:
    s = requests.Session()
    token = s.post(f"{lms.url}/oauth2/access_token", data={
        "grant_type": "client_credentials", "client_id": lms.client_id, "client_secret": lms.client_secret,
        "token_type": "jwt"}).json()["access_token"]
    s.headers["Authorization"] = f"JWT {token}"
    return s


def test_a_program_enrollment_needs_a_curriculum_and_the_whole_request_is_refused_without_one(lms):
    program = lms.state.add_program([COURSE])
    url = f"{lms.url}/api/program_enrollments/v1/programs/{program.uuid}/enrollments/"
    s = session(lms)
    answer = s.post(url, json=[{"student_key": "001", "status": "enrolled", "curriculum_uuid": program.curriculum_uuid},
                               {"student_key": "002", "status": "enrolled"}])
    assert answer.status_code == 400
    assert answer.json() == {"developer_message": [{}, {"curriculum_uuid": ["This field is required."]}]}
    assert program.enrollments == {}  # nothing applied
    # validated before the limit: 26 bad items are a 400, not a 413
    assert s.put(url, json=[{"student_key": str(n), "status": ""} for n in range(26)]).status_code == 400
    # PATCH updates only: no curriculum needed, and an unknown student is not-in-program (422: none OK)
    patched = s.patch(url, json=[{"student_key": "003", "status": "enrolled"}])
    assert patched.status_code == 422 and patched.json() == {"003": "not-in-program"}
    assert s.post(url, json=[]).status_code == 204


def test_keys_are_compared_without_case_and_a_key_sent_twice_is_duplicated(lms):
    program = lms.state.add_program([COURSE])
    lms.state.program_enroll(program.uuid, "AB001")
    url = f"{lms.url}/api/program_enrollments/v1/programs/{program.uuid}/enrollments/"
    cur = program.curriculum_uuid
    answer = session(lms).post(url, json=[{"student_key": "ab001", "status": "enrolled", "curriculum_uuid": cur},
                                          {"student_key": "x1", "status": "enrolled", "curriculum_uuid": cur},
                                          {"student_key": "X1", "status": "pending", "curriculum_uuid": cur}])
    assert answer.status_code == 422 and answer.json() == {"ab001": "conflict", "X1": "duplicated"}
    assert set(program.enrollments) == {"AB001"}


def test_a_course_outside_the_programs_catalog_curriculum_is_404_course_not_in_program(lms):
    program = lms.state.add_program([COURSE])
    s = session(lms)
    base = f"{lms.url}/api/program_enrollments/v1/programs/{program.uuid}/courses"
    answer = s.put(f"{base}/{OTHER}/enrollments/", json=[{"student_key": "001", "status": "active"}])
    assert answer.status_code == 404 and answer.json()["error_code"] == "course_not_in_program"
    missing = s.get(f"{base}/course-v1:No+Such+Run/enrollments/")
    assert missing.status_code == 404 and missing.json()["error_code"] == "course_does_not_exist"
    unknown = s.get(f"{lms.url}/api/program_enrollments/v1/programs/00000000-0000-4000-8000-000000000000/enrollments/")
    assert unknown.status_code == 404 and unknown.json()["error_code"] == "program_does_not_exist"


def test_course_enrollments_need_the_program_enrollment_first_and_conflict_across_programs(lms):
    first, second = lms.state.add_program([COURSE]), lms.state.add_program([COURSE])
    lms.state.add_user("zhang3", "zhang3@example.edu")
    lms.state.program_enroll(first.uuid, "001", "zhang3")
    lms.state.program_enroll(second.uuid, "001", "zhang3")
    s = session(lms)
    url = f"{lms.url}/api/program_enrollments/v1/programs/{{}}/courses/{COURSE}/enrollments/"
    answer = s.put(url.format(first.uuid), json=[{"student_key": "001", "status": "active"},
                                                 {"student_key": "002", "status": "active"}])
    assert answer.status_code == 207 and answer.json() == {"001": "active", "002": "not-in-program"}
    assert lms.state.enrollment("zhang3", COURSE) == {"mode": "masters", "is_active": True}
    clash = s.put(url.format(second.uuid), json=[{"student_key": "001", "status": "active"}])
    assert clash.status_code == 422 and clash.json() == {"001": "conflict"}
    # POST creates only; PATCH of a course enrollment that does not exist is not-found
    assert s.post(url.format(first.uuid), json=[{"student_key": "001", "status": "inactive"}]).json() == {
        "001": "conflict"}
    assert s.patch(url.format(second.uuid), json=[{"student_key": "001", "status": "inactive"}]).json() == {
        "001": "not-found"}
