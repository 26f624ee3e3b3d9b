"""The Open edX adapter against the fake LMS with Open edX's real defaults (issue #11 items 1, 2, 5, 6, 7).

The fake follows edx-platform (each behaviour cites its file): the override history's ``history_user``, the
``bulk_enroll`` route without a trailing slash, the writable gradebook off until the operator turns the waffle flag
on, the enrollment window and ``force_enrollment``, ``EnrollmentUserThrottle``, and ``override_reason``'s 300
characters. Each test asserts what the LMS stored and what was sent.
"""

from __future__ import annotations

import time

import pytest

from adapters.base import Change, ReadScope
from adapters.errors import FatalError
from adapters.http import RetryPolicy
from adapters.openedx import OpenEdxAdapter
from adapters.records import Enrollment, Person, Score
from tests.fakes.openedx_server import FakeOpenEdx
from tests.fakes.scenarios import graded_course, openedx_options

COURSE = "course-v1:PKU+Real101+2025"
BULK_UPDATE = r"/bulk-update$"


@pytest.fixture
def lms():
    with FakeOpenEdx() as server:
        yield server
    assert server.errors == []


class Waits(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        time.sleep(seconds)


def adapter(lms: FakeOpenEdx, waits: Waits | None = None, **options) -> OpenEdxAdapter:
    policy = RetryPolicy(max_attempts=6, backoff_base=0.01, sleep=waits if waits is not None else Waits())
    return OpenEdxAdapter.from_spec(lms.url, openedx_options(lms, COURSE, **options), retry=policy)


def score(username: str, usage: str, value: float, comment: str | None = None) -> Change:
    record = Score(source="x", person=Person(username=username), course_id=COURSE, line_item_id=usage, value=value,
                   max_score=10.0, scale="points", comment=comment)
    return Change(stream="scores", action="update", key=f"{username}|{usage}", record=record)


def enrol(username: str) -> Change:
    record = Enrollment(source="x", person=Person(username=username), course_id=COURSE, status="active")
    return Change(stream="enrollments", action="create", key=username, record=record)


# -- item 1: our own overrides are ours -------------------------------------------------------------------------


def test_overrides_the_sync_made_are_not_manual_and_a_teachers_are(lms):
    grades = graded_course(lms, COURSE, learners=2, subsections=1)
    target = adapter(lms)
    assert [r.status for r in target.write("scores", [score(g.username, g.usage_id, 7.0) for g in grades])] == \
        ["applied", "applied"]
    scores = {s.person.username: s for s in target.read("scores", ReadScope()) if s.line_item_id}
    assert {u: s.overridden for u, s in scores.items()} == {g.username: False for g in grades}
    assert target.current(score(grades[0].username, grades[0].usage_id, 9.0)).overridden is False
    # a second write of our own (the next sync) goes through, and is still ours
    assert target.write("scores", [score(grades[0].username, grades[0].usage_id, 9.0)])[0].status == "applied"
    assert lms.state.subsection_score(grades[0].username, grades[0].usage_id) == (9.0, 10.0)
    lms.state.set_override(grades[1].username, grades[1].usage_id, 4.0, 10.0, by="teacher_li")
    assert target.current(score(grades[1].username, grades[1].usage_id, 9.0)).overridden is True
    assert target.current(score(grades[0].username, grades[0].usage_id, 9.0)).overridden is False
    target.close()


# -- item 5: the writable gradebook is off until the operator turns it on -----------------------------------------


def test_a_gradebook_that_is_off_names_the_waffle_flag_for_reads_writes_and_student_numbers(lms):
    grades = graded_course(lms, COURSE, learners=2, subsections=1)
    lms.state.waffle_flag("grades.writable_gradebook", COURSE, on=False)  # as a fresh Open edX has it
    target = adapter(lms)
    for stream in ("scores", "enrollments"):  # enrollments: the 学号 come from the gradebook's external_user_key
        with pytest.raises(FatalError) as caught:
            list(target.read(stream, ReadScope()))
        assert caught.value.code == "writable_gradebook_off" and "grades.writable_gradebook" in caught.value.message
        assert "waffle_flag grades.writable_gradebook --everyone --create" in caught.value.message
    results = target.write("scores", [score(g.username, g.usage_id, 5.0) for g in grades])
    assert {r.error["code"] for r in results} == {"writable_gradebook_off"} and lms.state.overrides == {}
    lms.state.waffle_flag("grades.writable_gradebook", COURSE)
    assert [r.status for r in target.write("scores", [score(g.username, g.usage_id, 5.0) for g in grades])] == \
        ["applied", "applied"]
    target.close()


# -- item 2: bulk enroll ------------------------------------------------------------------------------------------


def test_bulk_enroll_posts_to_the_route_without_a_slash_and_says_which_feature_is_off(lms):
    lms.state.add_course(COURSE, "课程")
    for name in ("zhang3", "li4"):
        lms.state.add_user(name)
    target = adapter(lms, bulk_enroll="true", student_number="username")
    results = target.write("enrollments", [enrol("zhang3")])
    assert results[0].error["code"] == "bulk_enroll_off" and "ENABLE_BULK_ENROLLMENT_VIEW" in results[0].message
    lms.bulk_enroll_enabled = True
    assert [r.status for r in target.write("enrollments", [enrol("zhang3"), enrol("li4")])] == ["applied"] * 2
    assert lms.state.active_usernames(COURSE) == {"zhang3", "li4"}
    assert lms.traffic.count(method="POST", path=r"^/api/bulk_enroll/v1/bulk_enroll$") == 2
    assert lms.traffic.count(path=r"/bulk_enroll/$") == 0
    target.close()


# -- item 6: enrollment window and throttle -------------------------------------------------------------------------


def test_new_enrollments_after_the_enrollment_end_are_forced_and_say_how_when_not(lms):
    lms.state.add_course(COURSE, "课程", enrollment_end="2020-01-31T00:00:00Z")
    for name in ("zhang3", "li4"):
        lms.state.add_user(name)
    unforced = adapter(lms, student_number="username", force_enrollment="false")
    refused = unforced.write("enrollments", [enrol("li4")])[0]
    assert refused.error["code"] == "enrollment_refused" and "force_enrollment=true" in refused.message
    assert lms.state.enrollment("li4", COURSE) is None
    assert adapter(lms, student_number="username").write("enrollments", [enrol("zhang3")])[0].status == "applied"
    assert lms.state.enrollment("zhang3", COURSE) == {"mode": "audit", "is_active": True}
    assert lms.traffic.writes[-1].body["force_enrollment"] is True


def test_the_default_enrollment_rate_stays_under_the_enrollment_throttle(lms):
    lms.enrollment_staff_rate = (4, 2.0)  # EnrollmentUserThrottle's 120/minute, scaled down to keep this quick
    lms.state.add_course(COURSE, "课程")
    names = [f"s{n}" for n in range(7)]
    for name in names:
        lms.state.add_user(name)
    target = adapter(lms, student_number="username", enrollment_rate="2")  # the default: 120/minute
    assert {r.status for r in target.write("enrollments", [enrol(n) for n in names])} == {"applied"}
    assert lms.traffic.count(status=429) == 0 and lms.state.active_usernames(COURSE) == set(names)


def test_an_enrollment_429_is_waited_out_for_its_retry_after(lms):
    lms.enrollment_staff_rate = (3, 2.0)
    lms.state.add_course(COURSE, "课程")
    names = [f"s{n}" for n in range(5)]
    for name in names:
        lms.state.add_user(name)
    waits = Waits()
    target = adapter(lms, waits, student_number="username")  # enrollment_rate=0: nothing spaces the requests
    assert {r.status for r in target.write("enrollments", [enrol(n) for n in names])} == {"applied"}
    assert lms.traffic.count(status=429) >= 1 and all(w in (1.0, 2.0) for w in waits)  # Retry-After, not back-off
    assert lms.state.active_usernames(COURSE) == set(names) and lms.traffic.duplicates() == {}


# -- item 7: grade batches and comments ------------------------------------------------------------------------------


def test_grades_go_in_small_batches_and_a_long_comment_is_cut_for_its_item_only(lms):
    grades = graded_course(lms, COURSE, learners=5, subsections=5)  # 25 grades
    changes = [score(g.username, g.usage_id, 6.0, comment="成绩来自教务系统" if n else "备注" * 200)
               for n, g in enumerate(grades)]
    results = adapter(lms).write("scores", changes)
    assert {r.status for r in results} == {"applied"} and "300" in results[0].message
    assert lms.traffic.count(method="POST", path=BULK_UPDATE) == 3  # 10 + 10 + 5, not one request of 25
    assert max(len(w.body) for w in lms.traffic.writes if w.path.endswith("bulk-update")) == 10
    first, second = (lms.state.override(g.username, g.usage_id) for g in grades[:2])
    assert len(first.comment) == 300 and first.comment.endswith("…") and second.comment == "成绩来自教务系统"
    assert all(lms.state.subsection_score(g.username, g.usage_id) == (6.0, 10.0) for g in grades)
