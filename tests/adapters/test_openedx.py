"""The Open edX adapter against a small stateful fake LMS built on `responses` (no network, no waiting)."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import pytest
import responses

from adapters.base import Change, ReadScope
from adapters.errors import AdapterError, DataError, FatalError
from adapters.http import RateLimiter, RetryPolicy
from adapters.openedx import OpenEdxAdapter, OpenEdxSettings
from adapters.records import Enrollment, Person, Score
from tests.adapters.contract import AdapterContract

LMS = "https://lms.example.edu"
COURSE = "course-v1:Org+C101+2025"
SEQ = [f"block-v1:Org+C101+2025+type@sequential+block@s{n}" for n in range(3)]
SECRET = "very-secret-client-secret"
PROGRAM = "b2c3d4e5-0000-1111-2222-333344445555"


class FakeClock:
    def __init__(self):
        self.now, self.sleeps = 0.0, []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class FakeLms:
    """Just enough of the LMS endpoints the adapter uses, with state, following their documented shapes."""

    def __init__(self, rsps, page_size=2):
        self.rsps, self.page_size = rsps, page_size
        self.users = {"alice": {"id": 11, "email": "alice@example.edu", "name": "Alice"},
                      "bob": {"id": 12, "email": "bob@example.edu", "name": "Bob"},
                      "20230007": {"id": 13, "email": "c@example.edu", "name": "张三"}}
        self.enrolled = {("alice", COURSE): True, ("bob", COURSE): True, ("20230007", COURSE): False}
        self.allowed: set[tuple[str, str]] = set()
        self.overrides: dict[tuple[int, str], dict] = {}
        self.bad_usages: set[str] = set()
        self.program_keys = {"20230007": "active", "20230008": None}
        self.curriculum: str | None = None  # of the program's enrollments: None, so a new 学号 cannot join
        self.gradebook_writable = True
        self.token_calls = 0
        for method, pattern, handler in (
            ("POST", r"/oauth2/access_token", self.token),
            ("GET", r"/api/user/v1/me", lambda r, q, b: (200, {"username": "svc"})),
            ("GET", r"/api/user/v1/accounts", self.accounts),
            ("GET", r"/api/enrollment/v1/enrollments", self.enrollments),
            ("GET", r"/api/enrollment/v1/enrollment/(?P<user>[^,]+),(?P<course>.+)", self.enrollment),
            ("POST", r"/api/enrollment/v1/enrollment", self.set_enrollment),
            ("GET", r"/api/enrollment/v1/enrollment_allowed/", self.get_allowed),
            ("POST", r"/api/enrollment/v1/enrollment_allowed/", self.post_allowed),
            ("DELETE", r"/api/enrollment/v1/enrollment_allowed/", self.delete_allowed),
            ("POST", r"/api/bulk_enroll/v1/bulk_enroll", self.bulk_enroll),  # bulk_enroll/urls.py: no slash
            ("PUT", r"/api/program_enrollments/v1/programs/(?P<uuid>[^/]+)/courses/(?P<course>[^/]+)/enrollments/",
             self.program_put),
            ("GET", r"/api/program_enrollments/v1/programs/(?P<uuid>[^/]+)/courses/(?P<course>[^/]+)/enrollments/",
             self.program_get),
            ("GET", r"/api/program_enrollments/v1/programs/(?P<uuid>[^/]+)/enrollments/", self.program_members),
            ("POST", r"/api/program_enrollments/v1/programs/(?P<uuid>[^/]+)/enrollments/", self.program_join),
            ("GET", r"/api/grades/v1/courses/(?P<course>[^/]+)/", self.course_grades),
            ("GET", r"/api/grades/v1/gradebook/(?P<course>[^/]+)/grading-info", self.grading_info),
            ("GET", r"/api/grades/v1/gradebook/(?P<course>[^/]+)/", self.gradebook),
            ("POST", r"/api/grades/v1/gradebook/(?P<course>[^/]+)/bulk-update", self.bulk_update),
            ("GET", r"/api/grades/v1/subsection/(?P<usage>[^/]+)/", self.subsection),
        ):
            rsps.add_callback(method, re.compile(re.escape(LMS) + pattern + r"(\?.*)?$"), self._wrap(handler, pattern))

    def _wrap(self, handler, pattern):
        def callback(request):
            parts = urlsplit(request.url)
            match = re.match(pattern + "$", unquote(parts.path))
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            body = json.loads(request.body) if request.body and request.body[:1] in (b"[", b"{", "[", "{") else None
            status, data = handler(request, {**query, **(match.groupdict() if match else {})}, body)
            return status, {"Content-Type": "application/json"}, "" if data is None else json.dumps(data)
        return callback

    def token(self, request, q, body):
        self.token_calls += 1
        form = parse_qs(request.body if isinstance(request.body, str) else request.body.decode())
        if form.get("client_secret") != [SECRET]:
            return 401, {"error": "invalid_client"}
        return 200, {"access_token": f"jwt-token-{self.token_calls}-abcdef", "expires_in": 3600, "token_type": "JWT"}

    def _account(self, username):
        return {"username": username, **self.users[username], "is_active": True}

    def accounts(self, request, q, body):
        if "email" in q:
            found = [u for u, d in self.users.items() if d["email"] == q["email"]]
            return (200, [self._account(found[0])]) if found else (404, None)
        names = [n for n in q.get("username", "").split(",") if n in self.users]
        return (200, [self._account(n) for n in names]) if names else (404, None)

    def _page(self, q, rows, path):
        page, size = int(q.get("page", 1)), min(int(q.get("page_size", self.page_size)), self.page_size)
        chunk = rows[(page - 1) * size: page * size]
        more = page * size < len(rows)
        params = urlencode({k: v for k, v in q.items() if k not in ("page", "course", "usage")})
        return {"count": len(rows), "num_pages": -(-len(rows) // size), "current_page": page,
                "next": f"{LMS}{path}?{params}&page={page + 1}" if more else None, "previous": None,
                "results": chunk}

    def enrollments(self, request, q, body):
        rows = [{"user": u, "course_id": c, "is_active": a, "mode": "audit", "created": "2025-09-01T00:00:00Z"}
                for (u, c), a in sorted(self.enrolled.items()) if c == q["course_id"]]
        return 200, self._page(q, rows, "/api/enrollment/v1/enrollments")

    def enrollment(self, request, q, body):
        active = self.enrolled.get((q["user"], q["course"]))
        if active is None:
            return 200, None
        return 200, {"user": q["user"], "is_active": active, "mode": "audit",
                     "course_details": {"course_id": q["course"]}, "created": "2025-09-01T00:00:00Z"}

    def set_enrollment(self, request, q, body):
        user, course = body["user"], body["course_details"]["course_id"]
        if user not in self.users:
            return 406, {"message": f"The user {user} does not exist."}
        self.enrolled[(user, course)] = body.get("is_active", True)
        return 200, {"user": user, "is_active": self.enrolled[(user, course)], "mode": body.get("mode") or "audit",
                     "course_details": {"course_id": course}}

    def get_allowed(self, request, q, body):
        return 200, [{"email": e, "course_id": c, "auto_enroll": True} for e, c in self.allowed if e == q["email"]]

    def post_allowed(self, request, q, body):
        key = (body["email"], body["course_id"])
        if key in self.allowed:
            return 409, {"message": "already exists"}
        self.allowed.add(key)
        return 201, {**body}

    def delete_allowed(self, request, q, body):
        key = (body["email"], body["course_id"])
        if key not in self.allowed:
            return 404, {"message": "doesn't exist"}
        self.allowed.discard(key)
        return 204, None

    def bulk_enroll(self, request, q, body):
        course, results = body["courses"], []
        for ident in body["identifiers"].split(","):
            user = ident if ident in self.users else next((u for u, d in self.users.items() if d["email"] == ident),
                                                          None)
            if user is None:
                results.append({"identifier": ident, "invalidIdentifier": True})
                continue
            before = {"user": True, "enrollment": bool(self.enrolled.get((user, course))), "allowed": False,
                      "auto_enroll": False}
            self.enrolled[(user, course)] = body["action"] == "enroll"
            results.append({"identifier": ident, "before": before,
                            "after": {**before, "enrollment": self.enrolled[(user, course)]}})
        return 200, {"action": body["action"], "courses": {course: {"action": body["action"], "results": results}}}

    def program_put(self, request, q, body):
        answer = {}
        for row in body:
            key = row["student_key"]
            if key not in self.program_keys:
                answer[key] = "not-in-program"
            else:
                self.program_keys[key] = row["status"]
                answer[key] = row["status"]
                if key in self.users:  # a linked account's course enrollment follows its program row
                    self.enrolled[(key, q["course"])] = row["status"] == "active"
        ok = [v in ("active", "inactive") for v in answer.values()]
        return (200 if all(ok) else 207 if any(ok) else 422), answer

    def program_members(self, request, q, body):
        rows = [{"student_key": k, "status": "enrolled", "account_exists": k in self.users,
                 "curriculum_uuid": self.curriculum} for k in sorted(self.program_keys)]
        return 200, {"next": None, "previous": None, "results": rows[:1]}

    def program_join(self, request, q, body):
        answer = {}
        for row in body:
            answer[row["student_key"]] = "conflict" if row["student_key"] in self.program_keys else row["status"]
            self.program_keys.setdefault(row["student_key"], None)
        return (200 if "conflict" not in answer.values() else 207), answer

    def program_get(self, request, q, body):
        rows = [{"student_key": k, "status": v, "account_exists": k in self.users, "curriculum_uuid": None,
                 "course_staff": False} for k, v in sorted(self.program_keys.items()) if v is not None]
        path = f"/api/program_enrollments/v1/programs/{q['uuid']}/courses/{q['course']}/enrollments/"
        return 200, self._page({k: v for k, v in q.items() if k != "uuid"}, rows, path)

    def _grade(self, user_id, usage):
        o = self.overrides.get((user_id, usage))
        return (o["earned_graded_override"], o["possible_graded_override"]) if o else (1.0, 4.0)

    def course_grades(self, request, q, body):
        rows = [{"username": u, "email": d["email"], "course_id": q["course"], "passed": False, "percent": 0.25,
                 "letter_grade": None} for u, d in sorted(self.users.items())]
        return 200, self._page(q, rows, f"/api/grades/v1/courses/{q['course']}/")

    def grading_info(self, request, q, body):
        return 200, {"subsections": [{"module_id": s, "display_name": f"HW {n}", "graded": True,
                                      "short_label": f"HW{n}", "assignment_type": "Homework"}
                                     for n, s in enumerate(SEQ)],
                     "grades_frozen": False}

    def gradebook(self, request, q, body):
        if not self.gradebook_writable:
            return 403, {"developer_message": "The writable gradebook feature is not enabled for this course.",
                         "error_code": "feature_not_enabled"}
        rows = []
        for u, d in sorted(self.users.items()):
            breakdown = []
            for s in SEQ:
                earned, possible = self._grade(d["id"], s)
                breakdown.append({"module_id": s, "attempted": True, "score_earned": earned,
                                  "score_possible": possible, "percent": earned / possible, "subsection_name": s})
            rows.append({"user_id": d["id"], "username": u, "email": d["email"], "full_name": d["name"],
                         "percent": 0.25, "section_breakdown": breakdown,
                         **({"external_user_key": u} if u.isdigit() else {})})
        return 200, self._page(q, rows, f"/api/grades/v1/gradebook/{q['course']}/")

    def bulk_update(self, request, q, body):
        if not self.gradebook_writable:
            return 403, {"developer_message": "The writable gradebook feature is not enabled for this course.",
                         "error_code": "feature_not_enabled"}
        result = []
        for item in body:
            if item["usage_id"] in self.bad_usages:
                result.append({"user_id": item["user_id"], "usage_id": item["usage_id"], "success": False,
                               "reason": f"usage_key {item['usage_id']} does not exist in this course."})
                continue
            self.overrides[(item["user_id"], item["usage_id"])] = {**item["grade"], "by": "svc"}
            result.append({"user_id": item["user_id"], "usage_id": item["usage_id"], "success": True, "reason": None})
        return (202 if all(r["success"] for r in result) else 422), result

    def subsection(self, request, q, body):
        user_id, usage = int(q["user_id"]), q["usage"]
        o = self.overrides.get((user_id, usage))
        history = [{"history_user": o["by"], "history_date": "2025-12-01T00:00:00Z", "history_type": "+",
                    "created": "2025-12-01T00:00:00Z", "override_reason": None, "system": "GRADEBOOK"}] if o else []
        override = {k: o.get(k) for k in ("earned_all_override", "possible_all_override", "earned_graded_override",
                                          "possible_graded_override")} if o else None
        return 200, {"subsection_id": usage, "user_id": user_id, "course_id": COURSE,
                     "original_grade": {"earned_all": 1.0, "possible_all": 4.0, "earned_graded": 1.0,
                                        "possible_graded": 4.0},
                     "override": override, "history": history}


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def lms(rsps):
    return FakeLms(rsps)


@pytest.fixture
def clock():
    return FakeClock()


def make(clock, adapter_class=OpenEdxAdapter, **options) -> OpenEdxAdapter:
    opts = {"course": COURSE, "client_id": "cid", "client_secret": SECRET, **options}
    return adapter_class.from_spec(LMS, {k: str(v) for k, v in opts.items()},
                                    retry=RetryPolicy(sleep=clock.sleep, clock=clock, random=lambda: 0.5),
                                    rate_limiter=RateLimiter(0))


def enrol(key, action="create", status="active", **person):
    return Change(key=key, stream="enrollments", action=action,
                  record=Enrollment(person=Person(**person), course_id=COURSE, status=status))


def grade(key, username, usage, value, max_score=None, scale="percent", **kw):
    return Change(key=key, stream="scores", action="update",
                  record=Score(person=Person(username=username), course_id=COURSE, line_item_id=usage, value=value,
                               max_score=max_score, scale=scale, **kw))


# -- the contract -------------------------------------------------------------------------------------------


class TestOpenEdxContract(AdapterContract):
    @pytest.fixture
    def adapter(self, lms, clock):
        return make(clock)

    @pytest.fixture
    def misconfigured_adapter(self, lms, clock):
        return make(clock, client_secret="wrong-secret-value")

    @pytest.fixture
    def sample_changes(self):
        return {
            "enrollments": [enrol("e1", username="alice"), enrol("e2", username="20230007"),
                            enrol("e3", action="delete", status="inactive", username="bob")],
            "scores": [grade("s1", "alice", SEQ[0], 85.0), grade("s2", "bob", SEQ[1], 3.0, 4.0, "points")],
        }


class TestOpenEdxProgramContract(TestOpenEdxContract):
    """The same, enrolling by 学号 in a program: 20230007 is linked to an account, 20230008 has none yet."""

    @pytest.fixture
    def adapter(self, lms, clock):
        return make(clock, program=PROGRAM)

    @pytest.fixture
    def sample_changes(self):
        return {
            "enrollments": [enrol("p1", student_number="20230007"), enrol("p2", student_number="20230008")],
            "scores": [grade("s1", "alice", SEQ[0], 85.0)],
        }


class NamesItself(OpenEdxAdapter):
    """Resolves every grade item name to itself: titles to titles, unknown names to themselves."""

    def resolve_line_items(self, names, course_id=None):
        return {name: name for name in names}


def test_the_contract_does_not_pass_an_adapter_that_resolves_names_wrongly(lms, clock):
    contract = TestOpenEdxContract()
    with pytest.raises(AssertionError, match="HW 0"):
        contract.test_resolve_line_items_finds_every_item_it_reads(make(clock, NamesItself), ReadScope())
    with pytest.raises(pytest.fail.Exception, match="DID NOT RAISE"):
        contract.test_resolve_line_items_refuses_an_unknown_name(make(clock, NamesItself), ReadScope())
    contract.test_resolve_line_items_finds_every_item_it_reads(make(clock), ReadScope())  # the real one passes


def test_the_contract_does_not_pass_an_adapter_whose_writes_all_fail(lms, clock):
    refused = {"enrollments": [enrol("x", student_number="20239999")]}  # not in the program: every write fails
    contract = TestOpenEdxProgramContract()
    for check in (contract.test_current_reflects_a_write,
                  contract.test_applying_the_same_changes_twice_changes_nothing_more):
        with pytest.raises(AssertionError, match="x: failed"):
            check(make(clock, program=PROGRAM), refused)


# -- connection and settings -----------------------------------------------------------------------------------


def test_check_connection_fetches_a_token_and_proves_staff_access(lms, rsps, clock):
    adapter = make(clock)
    adapter.check_connection()
    assert lms.token_calls == 1 and adapter.service_user() == "svc"
    assert any("/api/enrollment/v1/enrollments" in c.request.url for c in rsps.calls)


@pytest.mark.parametrize(("options", "code"), [({"client_secret": ""}, "missing_credentials"),
                                                ({"client_secret": "nope-nope-nope"}, "bad_credentials")])
def test_check_connection_fails_clearly_without_leaking_the_secret(lms, clock, options, code):
    with pytest.raises(FatalError) as info:
        make(clock, **options).check_connection()
    assert info.value.code == code
    assert "nope-nope-nope" not in json.dumps(info.value.to_dict())


def test_a_service_user_without_staff_rights_is_told_so(rsps, clock):
    rsps.post(f"{LMS}/oauth2/access_token", json={"access_token": "tok-abcdefgh", "expires_in": 3600})
    rsps.get(f"{LMS}/api/user/v1/me", json={"username": "svc"})
    rsps.get(re.compile(re.escape(LMS) + r"/api/enrollment/v1/enrollments.*"), status=403,
             json={"detail": "You do not have permission to perform this action."})
    with pytest.raises(FatalError) as info:
        make(clock).check_connection()
    assert info.value.code == "forbidden" and "staff" in info.value.message


def test_spec_options_env_credentials_and_plus_signs(monkeypatch):
    monkeypatch.setenv("MOOC_BRIDGE_OPENEDX_CLIENT_ID", "env-id")
    monkeypatch.setenv("MOOC_BRIDGE_OPENEDX_CLIENT_SECRET", "env-secret")
    settings = OpenEdxSettings.from_spec(f"{LMS}/", {"course": "course-v1:Org C101 2025", "rate": "2.5",
                                                     "bulk_enroll": "true", "verify": "false"})
    assert settings.course == COURSE and settings.rate == 2.5 and settings.bulk_enroll and settings.verify is False
    assert settings.client_id == "env-id" and settings.client_secret.get_secret_value() == "env-secret"
    assert "env-secret" not in repr(settings)
    for bad in ({"rate": "fast"}, {"page_size": "1000"}, {"colour": "red"}):
        with pytest.raises(FatalError) as info:
            OpenEdxSettings.from_spec(LMS, bad)
        assert info.value.code == "bad_spec"
    with pytest.raises(FatalError):
        OpenEdxSettings.from_spec("ftp://lms", {})


# -- reading -----------------------------------------------------------------------------------------------------


def test_enrollments_follow_every_page(lms, rsps, clock):
    rows = list(make(clock).read("enrollments"))
    assert [(e.person.username, e.status) for e in rows] == [("20230007", "inactive"), ("alice", "active"),
                                                            ("bob", "active")]
    pages = [c for c in rsps.calls if "/api/enrollment/v1/enrollments" in c.request.url]
    assert len(pages) == 2


def test_enrollments_in_the_older_cursor_shape(rsps, clock):
    rsps.post(f"{LMS}/oauth2/access_token", json={"access_token": "tok-abcdefgh", "expires_in": 3600})
    url = f"{LMS}/api/enrollment/v1/enrollments"
    rsps.get(url, match=[responses.matchers.query_param_matcher({"course_id": COURSE, "page_size": "100"})],
             json={"next": f"{url}?cursor=cD0y", "previous": None,
                   "results": [{"user": "a", "course_id": COURSE, "is_active": True, "mode": "audit"}]})
    rsps.get(url, match=[responses.matchers.query_param_matcher({"cursor": "cD0y"})],
             json={"next": None, "previous": f"{url}?cursor=x",
                   "results": [{"user": "b", "course_id": COURSE, "is_active": False, "mode": "honor"}]})
    assert [e.person.username for e in make(clock, student_number="none").read("enrollments")] == ["a", "b"]


def test_a_throttled_listing_waits_as_told(rsps, clock):
    url = re.compile(re.escape(LMS) + r"/api/enrollment/v1/enrollments.*")
    rsps.add(responses.GET, url, status=429, headers={"Retry-After": "30"},
             json={"detail": "Request was throttled. Expected available in 30 seconds."})
    FakeLms(rsps)  # registered after the 429, so it answers from the second attempt on
    rows = list(make(clock).read("enrollments"))
    assert len(rows) == 3 and clock.sleeps == [30.0]


def test_a_bad_payload_is_a_data_error_that_says_where(rsps, clock):
    rsps.post(f"{LMS}/oauth2/access_token", json={"access_token": "tok-abcdefgh", "expires_in": 3600})
    rsps.get(re.compile(re.escape(LMS) + r"/api/enrollment/v1/enrollments.*"),
             json={"next": None, "results": [{"user": "a", "course_id": COURSE, "is_active": "maybe"}]})
    with pytest.raises(DataError) as info:
        list(make(clock, student_number="none").read("enrollments"))
    assert info.value.code == "bad_payload" and info.value.where["field"] == "is_active"
    assert info.value.where["index"] == 0


def test_persons_carry_ids_and_student_numbers(lms, clock):
    people = {p.username: p for p in make(clock, student_number="username").read("persons")}
    assert people["alice"].email == "alice@example.edu" and people["alice"].external_ids == {"openedx": "11"}
    assert people["20230007"].student_number == "20230007" and people["20230007"].name == "张三"


def test_scores_and_line_items(lms, clock):
    lms.overrides[(11, SEQ[1])] = {"earned_graded_override": 4.0, "possible_graded_override": 4.0, "by": "teacher"}
    lms.overrides[(12, SEQ[1])] = {"earned_graded_override": 2.0, "possible_graded_override": 4.0, "by": "svc"}
    adapter = make(clock)
    items = list(adapter.read("line_items"))
    assert [i.line_item_id for i in items] == [None, *SEQ]
    scores = list(adapter.read("scores"))
    course = [s for s in scores if s.line_item_id is None]
    assert len(course) == 3 and {s.value for s in course} == {25.0}
    sub = {(s.person.username, s.line_item_id): s for s in scores if s.line_item_id}
    assert sub[("alice", SEQ[1])].overridden is True       # a teacher overrode it by hand
    assert sub[("bob", SEQ[1])].overridden is False        # we wrote it
    assert sub[("bob", SEQ[1])].fraction() == 0.5
    assert sub[("alice", SEQ[0])].overridden is False


def test_scores_need_a_course(lms, clock):
    adapter = make(clock, course="")
    with pytest.raises(FatalError) as info:
        list(adapter.read("scores", ReadScope()))
    assert info.value.code == "missing_course"


# -- writing enrollments --------------------------------------------------------------------------------------------


def test_enrol_and_unenrol_one_by_one(lms, clock):
    adapter = make(clock)
    results = adapter.write("enrollments", [enrol("a", username="20230007"),
                                            enrol("b", action="delete", status="inactive", username="alice"),
                                            enrol("c", username="nobody-here")])
    assert [r.status for r in results] == ["applied", "applied", "failed"]
    assert lms.enrolled[("20230007", COURSE)] is True and lms.enrolled[("alice", COURSE)] is False
    assert results[2].error["code"] == "http_error" and results[2].error["status"] == 406


def test_people_without_an_account_get_enrollment_allowed(lms, clock):
    adapter = make(clock)
    change = enrol("n", email="new.student@example.edu")
    assert [r.status for r in adapter.write("enrollments", [change])] == ["applied"]
    assert ("new.student@example.edu", COURSE) in lms.allowed
    assert [r.status for r in adapter.write("enrollments", [change])] == ["unchanged"]
    current = adapter.current(change)
    assert current is not None and current.mode == "enrollment_allowed"
    gone = enrol("n2", action="delete", status="inactive", email="new.student@example.edu")
    assert [r.status for r in adapter.write("enrollments", [gone, gone.model_copy(update={"key": "n3"})])] == [
        "applied", "unchanged"]
    assert not lms.allowed and adapter.current(gone) is None


def test_a_student_number_is_a_username_only_when_that_account_exists(lms, rsps, clock):
    adapter = make(clock, student_number="username")
    results = adapter.write("enrollments", [enrol("a", student_number="20230007"),
                                            enrol("b", student_number="20239999", email="new@example.edu")])
    assert [r.status for r in results] == ["applied", "applied"]
    assert lms.enrolled[("20230007", COURSE)] is True and lms.allowed == {("new@example.edu", COURSE)}
    posted = [json.loads(c.request.body)["user"] for c in rsps.calls
              if c.request.method == "POST" and c.request.url.endswith("/api/enrollment/v1/enrollment")]
    assert posted == ["20230007"]  # the unknown number was never sent as a username (Open edX answers 406)


def test_with_student_number_username_the_number_wins_over_another_systems_login(lms, rsps, clock):
    adapter = make(clock, student_number="username")
    from_sis = enrol("a", student_number="20230007", username="sis-login-7", source="oneroster")
    assert [r.status for r in adapter.write("enrollments", [from_sis])] == ["applied"]
    assert lms.enrolled[("20230007", COURSE)] is True


def test_student_number_username_applies_to_every_person_read(lms, clock):
    adapter = make(clock, student_number="username", overrides="skip")
    for stream in ("scores", "enrollments"):
        people = [r.person for r in adapter.read(stream)]
        assert people and all(p.student_number == p.username for p in people), stream
    assert {s.person.student_number for s in adapter.read("scores") if s.line_item_id is None} == {
        "alice", "bob", "20230007"}


def test_an_email_with_an_account_is_enrolled_normally(lms, clock):
    results = make(clock).write("enrollments", [enrol("x", email="bob@example.edu")])
    assert results[0].status == "applied" and not lms.allowed


def test_bulk_enroll_reads_each_identifier(lms, rsps, clock):
    adapter = make(clock, bulk_enroll="true")
    changes = [enrol("a", username="alice"), enrol("b", username="20230007"), enrol("c", email="ghost@example.edu"),
               enrol("d", action="delete", status="inactive", username="bob")]
    results = adapter.write("enrollments", changes)
    assert [r.status for r in results] == ["unchanged", "applied", "failed", "applied"]
    assert results[2].error["code"] == "invalid_identifier"
    posts = [c for c in rsps.calls if "bulk_enroll" in c.request.url]
    assert len(posts) == 2  # one enroll, one unenroll


def test_program_enrollments_map_a_207_item_by_item(lms, rsps, clock):
    adapter = make(clock, program="b2c3d4e5-0000-1111-2222-333344445555")
    results = adapter.write("enrollments", [enrol("k1", student_number="20230007"),
                                            enrol("k2", student_number="20239999"),
                                            enrol("k3", action="delete", status="inactive", student_number="20230008")])
    assert [r.status for r in results] == ["applied", "failed", "applied"]
    assert results[1].error["code"] == "no_curriculum"  # not-in-program, and no curriculum to add it with
    assert lms.program_keys == {"20230007": "active", "20230008": "inactive"}
    puts = [c for c in rsps.calls if c.request.method == "PUT" and "program_enrollments" in c.request.url]
    assert len(puts) == 1 and json.loads(puts[0].request.body)[0] == {"student_key": "20230007", "status": "active"}


def test_a_student_number_not_in_the_program_joins_it_with_the_curriculum_of_the_others(lms, rsps, clock):
    lms.curriculum = "0b1c2d3e-0000-4000-8000-00000000c001"
    results = make(clock, program=PROGRAM).write("enrollments", [enrol("k2", student_number="20239999")])
    assert [r.status for r in results] == ["applied"] and lms.program_keys["20239999"] == "active"
    sent = [(c.request.method, json.loads(c.request.body)) for c in rsps.calls
            if c.request.method != "GET" and "program_enrollments" in c.request.url]
    assert sent == [("PUT", [{"student_key": "20239999", "status": "active"}]),
                    ("POST", [{"student_key": "20239999", "status": "enrolled", "curriculum_uuid": lms.curriculum}]),
                    ("PUT", [{"student_key": "20239999", "status": "active"}])]


def test_program_writes_go_25_at_a_time(lms, rsps, clock):
    lms.program_keys.update({f"2023{n:04d}": None for n in range(100, 160)})
    changes = [enrol(f"k{n}", student_number=f"2023{n:04d}") for n in range(100, 160)]
    results = make(clock, program="b2c3d4e5-0000-1111-2222-333344445555").write("enrollments", changes)
    assert {r.status for r in results} == {"applied"}
    assert [len(json.loads(c.request.body)) for c in rsps.calls if "program_enrollments" in c.request.url] == [
        25, 25, 10]


def test_program_enrollments_are_read_back_by_student_number(lms, rsps, clock):
    """A 学号 written to the program with no account yet is read (and re-read) from the program's listing."""
    lms.program_keys.update({"20230009": None})
    adapter = make(clock, program=PROGRAM)
    adapter.write("enrollments", [enrol("k1", student_number="20230008"),
                                  enrol("k2", action="delete", status="inactive", student_number="20230009")])
    read = {(e.person.username, e.person.student_number): e.status for e in adapter.read("enrollments")}
    assert read[(None, "20230008")] == "active" and read[(None, "20230009")] == "inactive"
    assert read[("20230007", "20230007")] == "inactive"  # linked: its LMS enrollment, not a second row
    assert (None, "20230007") not in read
    listings = len([c for c in rsps.calls if c.request.method == "GET" and "program_enrollments" in c.request.url])
    again = [adapter.current(enrol(k, student_number=n)) for k, n in (("a", "20230008"), ("b", "20230009"))]
    assert [(e.person.student_number, e.status) for e in again] == [("20230008", "active"), ("20230009", "inactive")]
    assert adapter.current(enrol("c", student_number="20239999")) is None  # not in the program's course
    assert len([c for c in rsps.calls if c.request.method == "GET" and "program_enrollments" in c.request.url]) \
        == listings  # listed once until the next program write


# -- writing grades ---------------------------------------------------------------------------------------------------


def test_bulk_update_partial_failure_is_mapped_change_by_change(lms, rsps, clock):
    lms.bad_usages.add(SEQ[2])
    changes = [grade("g1", "alice", SEQ[0], 90.0), grade("g2", "alice", SEQ[2], 50.0),
               grade("g3", "bob", SEQ[0], 3.0, 4.0, "points")]
    results = make(clock).write("scores", changes)
    assert [r.status for r in results] == ["applied", "failed", "applied"]
    assert results[1].error["code"] == "override_refused" and "does not exist" in results[1].message
    assert not results[1].retriable
    assert lms.overrides[(11, SEQ[0])]["earned_graded_override"] == 90.0
    assert lms.overrides[(11, SEQ[0])]["possible_graded_override"] == 100.0
    assert lms.overrides[(12, SEQ[0])]["possible_graded_override"] == 4.0
    posts = [c for c in rsps.calls if "bulk-update" in c.request.url]
    assert len(posts) == 1 and len(json.loads(posts[0].request.body)) == 3


def test_a_refused_batch_fails_each_of_its_changes(lms, clock):
    lms.gradebook_writable = False
    results = make(clock).write("scores", [grade("g1", "alice", SEQ[0], 90.0), grade("g2", "bob", SEQ[0], 80.0)])
    assert [r.status for r in results] == ["failed", "failed"]
    assert {r.error["code"] for r in results} == {"writable_gradebook_off"} and not any(r.retriable for r in results)
    assert all("grades.writable_gradebook" in r.message for r in results)  # says which flag to turn on


def test_a_batch_lost_to_5xx_is_re_read_before_each_resend_then_reported_retriable(rsps, clock):
    url = re.compile(re.escape(LMS) + r"/api/grades/v1/gradebook/[^/]+/bulk-update")
    for _ in range(6):
        rsps.add(responses.POST, url, status=503)
    lms = FakeLms(rsps)
    results = make(clock).write("scores", [grade("g1", "alice", SEQ[0], 90.0)])
    assert results[0].status == "failed" and results[0].retriable and results[0].error["status"] == 503
    assert (11, SEQ[0]) not in lms.overrides
    calls = ["POST" if "bulk-update" in c.request.url else "GET" for c in rsps.calls
             if "bulk-update" in c.request.url or "/subsection/" in c.request.url]
    assert calls == ["POST", "GET", "POST", "GET", "POST"]  # never sent again without a re-read first
    assert len(clock.sleeps) == 2


def lose_answers(rsps, pattern, holder, handler_name, applies=lambda item: True, times=1):
    """The LMS acts on the next ``times`` requests (items for which ``applies``), then the answer is lost (504)."""
    def callback(request):
        body = json.loads(request.body)
        kept = [item for item in body if applies(item)] if isinstance(body, list) else body
        getattr(holder[0], handler_name)(request, {}, kept)
        return 504, {}, ""
    for _ in range(times):
        rsps.add_callback(responses.POST, re.compile(re.escape(LMS) + pattern), callback=callback)


def test_a_bulk_update_whose_answer_is_lost_is_re_read_not_re_sent(rsps, clock):
    holder = []
    lose_answers(rsps, r"/api/grades/v1/gradebook/[^/]+/bulk-update", holder, "bulk_update")
    holder.append(lms := FakeLms(rsps))
    results = make(clock).write("scores", [grade("g1", "alice", SEQ[0], 90.0), grade("g2", "bob", SEQ[1], 3.0, 4.0,
                                                                                       "points")])
    assert [r.status for r in results] == ["applied", "applied"]
    assert "re-read" in results[0].message
    assert len([c for c in rsps.calls if "bulk-update" in c.request.url]) == 1
    assert lms.overrides[(12, SEQ[1])]["earned_graded_override"] == 3.0


def test_a_lost_bulk_update_resends_only_the_items_that_did_not_land(rsps, clock):
    holder = []
    lose_answers(rsps, r"/api/grades/v1/gradebook/[^/]+/bulk-update", holder, "bulk_update",
                 applies=lambda item: item["user_id"] == 11)
    holder.append(lms := FakeLms(rsps))
    results = make(clock).write("scores", [grade("g1", "alice", SEQ[0], 90.0), grade("g2", "bob", SEQ[0], 80.0)])
    assert [r.status for r in results] == ["applied", "applied"]
    posts = [json.loads(c.request.body) for c in rsps.calls if "bulk-update" in c.request.url]
    assert [[item["user_id"] for item in body] for body in posts] == [[11, 12], [12]]
    assert lms.overrides[(12, SEQ[0])]["earned_graded_override"] == 80.0


def test_an_enrollment_whose_answer_is_lost_is_re_read_not_re_sent(rsps, clock):
    holder = []
    lose_answers(rsps, r"/api/enrollment/v1/enrollment$", holder, "set_enrollment")
    holder.append(lms := FakeLms(rsps))
    results = make(clock).write("enrollments", [enrol("a", username="20230007")])
    assert [r.status for r in results] == ["applied"] and lms.enrolled[("20230007", COURSE)] is True
    assert len([c for c in rsps.calls if c.request.method == "POST" and c.request.url.endswith("/enrollment")]) == 1


def test_a_lost_enrollment_that_did_not_land_is_sent_again(rsps, clock):
    rsps.add(responses.POST, re.compile(re.escape(LMS) + r"/api/enrollment/v1/enrollment$"), status=502)
    lms = FakeLms(rsps)
    results = make(clock).write("enrollments", [enrol("a", username="20230007")])
    assert [r.status for r in results] == ["applied"] and lms.enrolled[("20230007", COURSE)] is True
    gets = [c for c in rsps.calls if c.request.method == "GET" and "/enrollment/20230007," in unquote(c.request.url)]
    assert len(gets) == 1  # re-read once between the two sends


def test_scores_that_cannot_be_written_fail_alone(lms, clock):
    changes = [grade("a", "alice", SEQ[0], None, scale="five_level", text="优秀"),
               grade("b", "alice", None, 90.0),
               grade("c", "ghost", SEQ[0], 90.0),
               grade("d", "alice", SEQ[0], 120.0),
               grade("e", "bob", SEQ[1], 70.0)]
    results = make(clock).write("scores", changes)
    assert [r.status for r in results] == ["failed", "failed", "failed", "failed", "applied"]
    assert [r.error["code"] for r in results[:4]] == ["unsupported_scale", "course_grade_read_only",
                                                      "unknown_person", "score_out_of_range"]


def test_current_reads_the_override_back_at_once(lms, clock):
    adapter = make(clock)
    change = grade("g", "bob", SEQ[2], 75.0)
    before = adapter.current(change)
    assert before.fraction() == 0.25 and not before.overridden
    adapter.write("scores", [change])
    after = adapter.current(change)
    assert after.fraction() == 0.75 and after.overridden is False
    lms.overrides[(12, SEQ[2])]["by"] = "teacher"
    assert adapter.current(change).overridden is True


def test_unknown_streams_are_refused(lms, clock):
    adapter = make(clock)
    with pytest.raises(AdapterError) as info:
        adapter.write("courses", [])
    assert info.value.code == "unsupported_stream" and "courses" in str(info.value)
