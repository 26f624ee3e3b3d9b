"""The fake LMS starts as a fresh Open edX does (issue #11): writable gradebook off, enrollment throttle on, the
enrollment window kept, ``override_reason`` at 300 characters. Each rule cites its edx-platform file in the fake."""

from __future__ import annotations

import pytest

from tests.fakes.openedx_server import FakeOpenEdx
from tests.fakes.test_openedx_server import client

COURSE = "course-v1:PKU+Defaults101+2025"


@pytest.fixture
def lms():
    with FakeOpenEdx() as server:
        server.state.add_course(COURSE, "默认课程", [("hw1", "Homework 1", 10)])
        yield server
    assert server.errors == []


def test_the_writable_gradebook_is_off_until_its_waffle_flag_is_turned_on(lms):
    session = client(lms)
    for method, path in (("GET", "/"), ("POST", "/bulk-update")):
        reply = session.request(method, f"{lms.url}/api/grades/v1/gradebook/{COURSE}{path}", json=[])
        assert reply.status_code == 403
        assert reply.json() == {"developer_message": "The writable gradebook feature is not enabled for this course.",
                                "error_code": "feature_not_enabled"}
    assert session.get(f"{lms.url}/api/grades/v1/gradebook/{COURSE}/grading-info").status_code == 200  # not gated
    lms.state.waffle_flag("grades.writable_gradebook", COURSE)
    assert session.get(f"{lms.url}/api/grades/v1/gradebook/{COURSE}/").status_code == 200
    with pytest.raises(ValueError):
        lms.state.waffle_flag("grades.no_such_flag")


def test_the_enrollment_api_throttles_staff_at_120_a_minute_with_retry_after(lms):
    session = client(lms)
    url = f"{lms.url}/api/enrollment/v1/enrollments"
    statuses = [session.get(url, params={"course_id": COURSE}).status_code for _ in range(121)]
    assert statuses[:120] == [200] * 120
    last = session.get(url, params={"course_id": COURSE})
    assert last.status_code == 429 and 1 <= int(last.headers["Retry-After"]) <= 60
    assert last.json()["detail"].startswith("Request was throttled. Expected available in")
    assert session.get(f"{lms.url}/api/grades/v1/gradebook/{COURSE}/grading-info").status_code == 200  # other APIs
    lms.rate_limiting = False  # RateLimitConfiguration disabled in the admin: decorated views stop throttling
    assert session.get(url, params={"course_id": COURSE}).status_code == 200
    allowed = session.get(f"{lms.url}/api/enrollment/v1/enrollment_allowed/", params={"email": "a@b.cn"})
    assert allowed.status_code == 429  # EnrollmentAllowedView is not decorated with can_disable_rate_limit


def test_new_enrollments_outside_the_enrollment_dates_need_force_enrollment(lms):
    lms.state.courses[COURSE].enrollment_end = "2020-06-30T00:00:00Z"
    for name in ("zhang3", "li4", "wang5"):
        lms.state.add_user(name)
    lms.state.enroll("li4", COURSE, is_active=False)
    session = client(lms)
    url = f"{lms.url}/api/enrollment/v1/enrollment"

    def post(user: str, **extra):
        return session.post(url, json={"user": user, "is_active": True, "course_details": {"course_id": COURSE},
                                       **extra})

    refused = post("zhang3")
    assert refused.status_code == 400 and refused.json() == {"message": (
        f"An error occurred while creating the new course enrollment for user 'zhang3' in course '{COURSE}'")}
    assert lms.state.enrollment("zhang3", COURSE) is None
    assert post("zhang3", force_enrollment="yes").status_code == 400  # must be a boolean
    assert post("zhang3", force_enrollment=True).status_code == 200
    assert lms.state.enrollment("zhang3", COURSE) == {"mode": "audit", "is_active": True}
    assert post("li4").status_code == 200  # reactivating is an update by staff: no window
    lms.state.allow("wang5@example.edu", COURSE)
    assert post("wang5").status_code == 200  # an enrollment-allowed row opens the window for its e-mail
    detail = session.get(f"{lms.url}/api/enrollment/v1/course/{COURSE}").json()
    assert detail["enrollment_end"] == "2020-06-30T00:00:00Z"


def test_a_comment_longer_than_override_reason_fails_the_whole_batch(lms):
    lms.state.waffle_flag("grades.writable_gradebook", COURSE)
    (alice, _), (bob, _) = lms.add_learners(COURSE, 2)
    usage = next(iter(lms.state.courses[COURSE].subsections))
    session = client(lms)

    def item(username: str, comment: str) -> dict:
        return {"user_id": lms.state.user(username).id, "usage_id": usage,
                "grade": {"earned_graded_override": 5, "possible_graded_override": 10, "comment": comment}}

    url = f"{lms.url}/api/grades/v1/gradebook/{COURSE}/bulk-update"
    assert session.post(url, json=[item(alice, "ok"), item(bob, "长" * 301)]).status_code == 500
    assert lms.state.overrides == {}  # ATOMIC_REQUESTS: the first item is rolled back too
    assert session.post(url, json=[item(alice, "ok"), item(bob, "长" * 300)]).status_code == 202
    assert lms.state.override(bob, usage).comment == "长" * 300


def test_the_subsection_view_shows_an_unattempted_grade_and_the_latest_history_rows(lms):
    lms.state.waffle_flag("grades.writable_gradebook", COURSE)
    (alice, _), = lms.add_learners(COURSE, 1)
    usage = next(iter(lms.state.courses[COURSE].subsections))
    session = client(lms)
    url = f"{lms.url}/api/grades/v1/subsection/{usage}/"
    uid = lms.state.user(alice).id
    fresh = session.get(url, params={"user_id": uid}).json()
    assert fresh["course_id"] == COURSE and fresh["override"] is None and fresh["history"] == []
    assert fresh["original_grade"] == {"earned_all": 0.0, "possible_all": 10.0, "earned_graded": 0.0,
                                       "possible_graded": 10.0}
    lms.state.set_override(alice, usage, 6, 10, by="teacher")
    lms.state.set_override(alice, usage, 7, 10, by="teacher2")
    rows = session.get(url, params={"user_id": uid}).json()["history"]
    assert [(r["history_user"], r["history_type"]) for r in rows] == [("teacher", "+"), ("teacher2", "~")]
    assert rows[0]["created"] == rows[1]["created"] and rows[0]["history_date"] <= rows[1]["history_date"]
    latest = session.get(url, params={"user_id": uid, "history_record_limit": "1"}).json()["history"]
    assert [r["history_user"] for r in latest] == ["teacher2"]
