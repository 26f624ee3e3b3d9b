"""The fake Open edX LMS keeps the real endpoints' rules, and its faults, limits and logs do what they say."""

from __future__ import annotations

import threading

import pytest
import requests

from tests.fakes.openedx_server import FakeOpenEdx

COURSE = "course-v1:PKU+Py101+2025"


@pytest.fixture
def lms():
    with FakeOpenEdx() as server:
        server.state.add_course(COURSE, "Python", [("hw1", "Homework 1", 10), ("hw2", "Homework 2", 20),
                                                   ("final", "Final", 100, "Exam")],
                                weights={"Homework": 0.5, "Exam": 0.5}, cutoffs={"A": 0.9, "Pass": 0.6})
        server.state.waffle_flag("grades.writable_gradebook", COURSE)  # off by default, as in Open edX
        yield server
    assert server.errors == []  # a traceback in a view is a bug in the fake


def client(lms: FakeOpenEdx, token_type: str = "jwt") -> requests.Session:
    session = requests.Session()
    reply = session.post(f"{lms.url}/oauth2/access_token", data={
        "grant_type": "client_credentials", "client_id": lms.client_id, "client_secret": lms.client_secret,
        "token_type": token_type})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    session.headers["Authorization"] = f"{body['token_type']} {body['access_token']}"
    return session


def usage(lms: FakeOpenEdx, block: str) -> str:
    return next(u for u in lms.state.courses[COURSE].subsections if u.endswith("@" + block))


def follow(session: requests.Session, url: str, **params) -> list[dict]:
    rows, pages = [], 0
    while url:
        reply = session.get(url, params=params)
        assert reply.status_code == 200, reply.text
        rows += reply.json()["results"]
        url, params, pages = reply.json()["next"], {}, pages + 1
    return rows


# ---- auth -------------------------------------------------------------------------------------------------

def test_token_endpoint_issues_jwt_and_rejects_bad_clients(lms):
    reply = requests.post(f"{lms.url}/oauth2/access_token", data={
        "grant_type": "client_credentials", "client_id": lms.client_id, "client_secret": "wrong", "token_type": "jwt"})
    assert reply.status_code == 401 and reply.json() == {"error": "invalid_client"}
    reply = requests.post(f"{lms.url}/oauth2/access_token", data={"grant_type": "password"})
    assert reply.status_code == 400
    session = client(lms)
    scheme, token = session.headers["Authorization"].split(" ")
    assert scheme == "JWT" and token.count(".") == 2
    assert session.get(f"{lms.url}/api/user/v1/me").json() == {"username": "sync_service"}


def test_requests_without_the_right_scheme_get_401(lms):
    assert requests.get(f"{lms.url}/api/user/v1/me").status_code == 401
    session = client(lms)
    token = session.headers["Authorization"].split(" ")[1]
    reply = requests.get(f"{lms.url}/api/user/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 401 and reply.headers["WWW-Authenticate"].startswith("JWT")
    assert client(lms, token_type="bearer").get(f"{lms.url}/api/user/v1/me").status_code == 200


def test_tokens_expire_after_n_uses_and_when_revoked(lms):
    lms.tokens.max_uses = 2
    session = client(lms)
    assert [session.get(f"{lms.url}/api/user/v1/me").status_code for _ in range(3)] == [200, 200, 401]
    assert session.get(f"{lms.url}/api/user/v1/me").json()["detail"] == "Signature has expired."
    lms.tokens.max_uses = None
    fresh = client(lms)
    assert fresh.get(f"{lms.url}/api/user/v1/me").status_code == 200
    lms.tokens.revoke_all()
    assert fresh.get(f"{lms.url}/api/user/v1/me").status_code == 401
    assert lms.tokens.issued == 2


# ---- users and enrollments -----------------------------------------------------------------------------------

def test_accounts_lookup_by_usernames_and_email(lms):
    lms.state.add_user("alice", "Alice@Example.edu", name="张三")
    lms.state.add_user("bob")
    session = client(lms)
    found = session.get(f"{lms.url}/api/user/v1/accounts", params={"username": "alice,bob,nobody"}).json()
    assert sorted(a["username"] for a in found) == ["alice", "bob"]
    by_mail = session.get(f"{lms.url}/api/user/v1/accounts", params={"email": "alice@example.edu"}).json()
    assert by_mail[0]["name"] == "张三" and by_mail[0]["id"] == lms.state.user("alice").id
    assert session.get(f"{lms.url}/api/user/v1/accounts", params={"email": "x@y.z"}).status_code == 404
    assert session.get(f"{lms.url}/api/user/v1/accounts/nobody").status_code == 404


@pytest.mark.parametrize("style", ["cursor", "page"])
def test_enrollment_list_pages_follow_next_to_the_end(lms, style):
    lms.pagination, lms.page_size = style, 3
    lms.add_learners(COURSE, 10)
    rows = follow(client(lms), f"{lms.url}/api/enrollment/v1/enrollments", course_id=COURSE)
    assert sorted(r["user"] for r in rows) == [f"s{n:05d}" for n in range(1, 11)]
    first = client(lms).get(f"{lms.url}/api/enrollment/v1/enrollments", params={"course_id": COURSE}).json()
    assert len(first["results"]) == 3 and first["next"].startswith(lms.url)
    assert ("count" in first) == (style == "page")


def test_cursor_pages_do_not_skip_rows_added_during_paging(lms):
    lms.page_size = 2
    lms.add_learners(COURSE, 3)
    session = client(lms)
    first = session.get(f"{lms.url}/api/enrollment/v1/enrollments", params={"course_id": COURSE}).json()
    lms.add_learners(COURSE, 1, start=4)
    rest = follow(session, first["next"])
    assert [r["user"] for r in first["results"] + rest] == ["s00001", "s00002", "s00003", "s00004"]


def test_enrollment_post_creates_changes_and_deactivates(lms):
    lms.state.add_user("alice")
    session = client(lms)
    url = f"{lms.url}/api/enrollment/v1/enrollment"
    reply = session.post(url, json={"user": "alice", "course_details": {"course_id": COURSE}})
    assert reply.status_code == 200 and reply.json()["mode"] == "audit" and reply.json()["is_active"]
    assert session.post(url, json={"user": "alice", "mode": "verified",
                                   "course_details": {"course_id": COURSE}}).json()["mode"] == "verified"
    mismatch = session.post(url, json={"user": "alice", "mode": "audit", "is_active": False,
                                       "course_details": {"course_id": COURSE}})
    assert mismatch.status_code == 400 and "mismatch" in mismatch.json()["message"]
    session.post(url, json={"user": "alice", "is_active": False, "course_details": {"course_id": COURSE}})
    assert lms.state.enrollment("alice", COURSE) == {"mode": "verified", "is_active": False}
    assert session.post(url, json={"user": "ghost", "course_details": {"course_id": COURSE}}).status_code == 406
    assert session.post(url, json={"user": "alice", "course_details": {"course_id": "course-v1:X+Y+Z"}}
                        ).status_code == 400
    assert session.post(url, json={"user": "alice", "mode": "gold", "course_details": {"course_id": COURSE}}
                        ).status_code == 400
    detail = session.get(f"{lms.url}/api/enrollment/v1/enrollment/alice,{COURSE}").json()
    assert detail["course_details"]["course_id"] == COURSE and detail["is_active"] is False


def test_enrollment_allowed_enrolls_the_account_created_later(lms):
    session = client(lms)
    url = f"{lms.url}/api/enrollment/v1/enrollment_allowed/"
    body = {"email": "new@example.edu", "course_id": COURSE, "auto_enroll": True}
    assert session.post(url, json=body).status_code == 201
    assert session.post(url, json=body).status_code == 409
    assert session.get(url, params={"email": "new@example.edu"}).json()[0]["course_id"] == COURSE
    lms.state.add_user("newbie", "new@example.edu")
    assert lms.state.enrollment("newbie", COURSE) == {"mode": "audit", "is_active": True}
    assert session.delete(url, json=body).status_code == 204
    assert session.delete(url, json=body).status_code == 404


def test_bulk_enroll_is_off_by_default_and_reports_before_and_after(lms):
    lms.state.add_user("alice")
    session = client(lms)
    form = {"identifiers": "alice,someone@example.edu,nobody", "action": "enroll", "courses": COURSE,
            "auto_enroll": "true", "email_students": "false"}
    url = f"{lms.url}/api/bulk_enroll/v1/bulk_enroll"  # lms/djangoapps/bulk_enroll/urls.py: no trailing slash
    assert session.post(url, data=form).status_code == 404  # lms/urls.py: not mounted without the feature
    lms.bulk_enroll_enabled = True
    assert session.post(url + "/", data=form).status_code == 404  # the trailing slash is another, unknown route
    assert lms.state.enrollment("alice", COURSE) is None
    results = session.post(url, data=form).json()["courses"][COURSE]["results"]
    by_id = {r["identifier"]: r for r in results}
    assert by_id["alice"]["before"]["enrollment"] is False and by_id["alice"]["after"]["enrollment"] is True
    assert by_id["someone@example.edu"]["after"] == {"enrollment": False, "auto_enroll": True, "user": False,
                                                    "allowed": True}
    assert by_id["nobody"] == {"identifier": "nobody", "invalidIdentifier": True}


# ---- grades -------------------------------------------------------------------------------------------------

def test_bulk_update_reports_each_item_and_answers_422_on_any_failure(lms):
    (alice, _key), = lms.add_learners(COURSE, 1)
    lms.state.add_user("outsider")
    uid = lms.state.user(alice).id
    session = client(lms)
    url = f"{lms.url}/api/grades/v1/gradebook/{COURSE}/bulk-update"
    grade = {"earned_all_override": 8, "possible_all_override": 10, "earned_graded_override": 8,
             "possible_graded_override": 10, "comment": "MOOC"}
    ok = session.post(url, json=[{"user_id": uid, "usage_id": usage(lms, "hw1"), "grade": grade}])
    assert ok.status_code == 202 and ok.json()[0]["success"] is True
    reply = session.post(url, json=[
        {"user_id": uid, "usage_id": usage(lms, "hw2"), "grade": grade},
        {"user_id": 9999, "usage_id": usage(lms, "hw1"), "grade": grade},
        {"user_id": lms.state.user("outsider").id, "usage_id": usage(lms, "hw1"), "grade": grade},
        {"user_id": uid, "usage_id": "not-a-key", "grade": grade},
        {"user_id": uid, "usage_id": usage(lms, "hw1").replace("hw1", "nope"), "grade": grade},
    ])
    assert reply.status_code == 422
    assert [r["success"] for r in reply.json()] == [True, False, False, False, False]
    assert [r["reason"] for r in reply.json()][1:3] == ["User matching query does not exist.",
                                                        "CourseEnrollment matching query does not exist."]
    assert "does not exist in this course" in reply.json()[4]["reason"]
    assert lms.state.subsection_score(alice, usage(lms, "hw2")) == (8.0, 10.0)
    history = session.get(f"{lms.url}/api/grades/v1/subsection/{usage(lms, 'hw1')}/", params={"user_id": uid}).json()
    assert history["override"]["earned_graded_override"] == 8
    row = history["history"][0]  # SubsectionGradeOverrideSimpleHistorySerializer's fields, not the docstring's
    assert (row["history_user"], row["history_type"], row["system"]) == ("sync_service", "+", "GRADEBOOK")
    assert "user" not in row and "comments" not in row and row["history_date"]


def test_injected_item_failure_is_transient(lms):
    (alice, _), = lms.add_learners(COURSE, 1)
    uid = lms.state.user(alice).id
    lms.state.fail_item(uid, usage(lms, "hw1"), times=1, reason="Lock wait timeout exceeded")
    session = client(lms)
    body = [{"user_id": uid, "usage_id": usage(lms, "hw1"), "grade": {"earned_graded_override": 5}}]
    url = f"{lms.url}/api/grades/v1/gradebook/{COURSE}/bulk-update"
    first = session.post(url, json=body)
    assert first.status_code == 422 and first.json()[0]["reason"] == "Lock wait timeout exceeded"
    assert lms.state.override(alice, usage(lms, "hw1")) is None
    assert session.post(url, json=body).status_code == 202
    assert lms.traffic.duplicates() == {}


def test_course_grade_follows_overrides_and_grading_policy(lms):
    (alice, _), (bob, _) = lms.add_learners(COURSE, 2)
    lms.state.set_grade(alice, usage(lms, "hw1"), 10)
    lms.state.set_grade(alice, usage(lms, "hw2"), 20)
    lms.state.set_override(alice, usage(lms, "final"), 80)
    lms.state.set_course_grade(bob, COURSE, 0.95)
    session = client(lms)
    grades = {g["username"]: g for g in follow(session, f"{lms.url}/api/grades/v1/courses/{COURSE}/")}
    assert grades[alice]["percent"] == 0.9 and grades[alice]["letter_grade"] == "A" and grades[alice]["passed"]
    assert grades[bob]["percent"] == 0.95
    entry = session.get(f"{lms.url}/api/grades/v1/gradebook/{COURSE}/", params={"username": alice}).json()
    final = next(s for s in entry["section_breakdown"] if s["category"] == "Exam")
    assert final["score_earned"] == 80 and final["percent"] == 0.8
    assert entry["external_user_key"] == "2025000001"


def test_override_shows_in_computed_grades_only_after_the_recalculation_delay(lms):
    (alice, _), = lms.add_learners(COURSE, 1)
    lms.state.courses[COURSE].recalc_delay = 3600
    lms.state.set_override(alice, usage(lms, "final"), 100)
    assert lms.state.course_grade(alice, COURSE)["percent"] == 0.0
    assert lms.state.override(alice, usage(lms, "final")).earned_graded_override == 100


def test_gradebook_filters_and_switches(lms):
    lms.add_learners(COURSE, 4)
    lms.page_size = 3
    session = client(lms)
    page = session.get(f"{lms.url}/api/grades/v1/gradebook/{COURSE}/").json()
    assert page["total_users_count"] == 4 and len(page["results"]) == 3 and page["next"]
    found = session.get(f"{lms.url}/api/grades/v1/gradebook/{COURSE}/", params={"user_contains": "2025000003"}).json()
    assert [e["username"] for e in found["results"]] == ["s00003"]
    lms.state.courses[COURSE].writable_gradebook = False
    assert session.get(f"{lms.url}/api/grades/v1/gradebook/{COURSE}/").status_code == 403
    lms.state.courses[COURSE].writable_gradebook = True
    lms.state.courses[COURSE].grades_frozen = True
    frozen = session.post(f"{lms.url}/api/grades/v1/gradebook/{COURSE}/bulk-update", json=[])
    assert frozen.status_code == 403 and frozen.json()["error_code"] == "grades_frozen"


def test_percent_encoded_course_ids_route(lms):
    lms.add_learners(COURSE, 1)
    encoded = requests.utils.quote(COURSE, safe="")
    assert client(lms).get(f"{lms.url}/api/grades/v1/courses/{encoded}/").status_code == 200


# ---- programs ------------------------------------------------------------------------------------------------

def test_program_writes_answer_200_207_422_and_413(lms):
    program = lms.state.add_program([COURSE])
    session = client(lms)
    url = f"{lms.url}/api/program_enrollments/v1/programs/{program.uuid}/enrollments/"
    cur = program.curriculum_uuid
    assert session.post(url, json=[{"student_key": "001", "status": "enrolled", "curriculum_uuid": cur}]
                        ).status_code == 200
    mixed = session.post(url, json=[{"student_key": "001", "status": "enrolled", "curriculum_uuid": cur},
                                    {"student_key": "002", "status": "pending", "curriculum_uuid": cur}])
    assert mixed.status_code == 207 and mixed.json() == {"001": "conflict", "002": "pending"}
    assert session.patch(url, json=[{"student_key": "003", "status": "x"}]).status_code == 422
    too_many = [{"student_key": f"{n:03d}", "status": "enrolled", "curriculum_uuid": cur} for n in range(26)]
    assert session.put(url, json=too_many).status_code == 413
    keys = [r["student_key"] for r in follow(session, url)]
    assert keys == ["001", "002"]


def test_program_course_grades_mark_learners_without_accounts(lms):
    people = lms.add_learners(COURSE, 2)
    program = next(iter(lms.state.programs.values()))
    session = client(lms)
    url = f"{lms.url}/api/program_enrollments/v1/programs/{program.uuid}/courses/{COURSE}/"
    assert session.get(url + "grades/").status_code == 204
    lms.state.program_enroll(program.uuid, "2025999999")
    body = [{"student_key": k, "status": "active"} for _, k in people] + [{"student_key": "2025999999",
                                                                            "status": "active"}]
    assert session.post(url + "enrollments/", json=body).status_code == 200
    grades = session.get(url + "grades/")
    assert grades.status_code == 207
    assert {r["student_key"]: ("error" in r) for r in grades.json()["results"]} == {
        "2025000001": False, "2025000002": False, "2025999999": True}
    assert lms.state.enrollment("s00001", COURSE)["mode"] == "masters"


# ---- faults, limits, logs -----------------------------------------------------------------------------------

def test_a_burst_of_5xx_fires_exactly_as_scheduled(lms):
    session = client(lms)
    fault = lms.inject(status=503, times=2, skip=1, path="/api/user/v1/me", retry_after=2)
    codes = [session.get(f"{lms.url}/api/user/v1/me") for _ in range(4)]
    assert [r.status_code for r in codes] == [200, 503, 503, 200]
    assert codes[1].headers["Retry-After"] == "2" and fault.fired == 2


def test_timeouts_and_resets_reach_the_client(lms):
    session = client(lms)
    lms.inject(kind="timeout", seconds=2, path="/me")
    with pytest.raises(requests.exceptions.ReadTimeout):
        session.get(f"{lms.url}/api/user/v1/me", timeout=0.3)
    lms.inject(kind="reset", path="/me")
    with pytest.raises(requests.exceptions.ConnectionError):
        session.get(f"{lms.url}/api/user/v1/me", timeout=5)
    assert session.get(f"{lms.url}/api/user/v1/me", timeout=5).status_code == 200


def test_after_phase_fault_applies_the_write_and_loses_the_answer(lms):
    lms.state.add_user("alice")
    session = client(lms)
    lms.inject(status=502, phase="after", path="/enrollment$")
    reply = session.post(f"{lms.url}/api/enrollment/v1/enrollment",
                         json={"user": "alice", "course_details": {"course_id": COURSE}})
    assert reply.status_code == 502
    assert lms.state.enrollment("alice", COURSE) == {"mode": "audit", "is_active": True}
    assert lms.traffic.writes[-1].applied and lms.traffic.writes[-1].note == "fault-after:status"


def test_hold_signals_after_applying_and_then_drops_the_connection(lms):
    lms.state.add_user("alice")
    session = client(lms)
    hold = lms.inject(kind="hold", path="/enrollment$")
    outcome = {}

    def post():
        try:
            session.post(f"{lms.url}/api/enrollment/v1/enrollment",
                         json={"user": "alice", "course_details": {"course_id": COURSE}}, timeout=10)
        except requests.exceptions.ConnectionError as error:
            outcome["error"] = error

    worker = threading.Thread(target=post)
    worker.start()
    assert hold.reached.wait(10)
    assert lms.state.enrollment("alice", COURSE)["is_active"] is True
    hold.release.set()
    worker.join(10)
    assert "error" in outcome


def test_rate_limit_answers_429_with_retry_after_and_traffic_counts_peaks(lms):
    session = client(lms)
    lms.set_rate_limit(3, per=60)
    codes = [session.get(f"{lms.url}/api/user/v1/me") for _ in range(5)]
    assert [r.status_code for r in codes] == [200, 200, 200, 429, 429]
    assert int(codes[3].headers["Retry-After"]) >= 1
    assert lms.traffic.max_in_window(60.0) == 6 and lms.traffic.count(status=429) == 2
    assert lms.stats()["throttled"] == 2


def test_write_log_finds_duplicated_writes(lms):
    (alice, _), = lms.add_learners(COURSE, 1)
    seen = []
    lms.on_write(seen.append)
    session = client(lms)
    body = [{"user_id": lms.state.user(alice).id, "usage_id": usage(lms, "hw1"), "grade": {
        "earned_graded_override": 7, "possible_graded_override": 10}}]
    url = f"{lms.url}/api/grades/v1/gradebook/{COURSE}/bulk-update"
    session.post(url, json=body)
    assert lms.traffic.duplicates() == {}
    session.post(url, json=body)
    effect = ("override", COURSE, lms.state.user(alice).id, usage(lms, "hw1"), 7, 10)
    assert lms.traffic.duplicates() == {effect: 2}
    assert [w.body for w in seen] == [body, body]


def test_grading_info_lists_ungraded_subsections_unless_graded_only(lms):
    lms.state.courses[COURSE].subsections[usage(lms, "hw2")].graded = False
    session = client(lms)
    url = f"{lms.url}/api/grades/v1/gradebook/{COURSE}/grading-info"
    every = session.get(url).json()["subsections"]
    assert [(s["display_name"], s["graded"], s["short_label"]) for s in every] == [
        ("Homework 1", True, "HW"), ("Homework 2", False, None), ("Final", True, "Exam")]
    graded = session.get(url, params={"graded_only": "true"}).json()["subsections"]
    assert [s["module_id"] for s in graded] == [usage(lms, "hw1"), usage(lms, "final")]
