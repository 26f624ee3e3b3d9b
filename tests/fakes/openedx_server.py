"""A fake Open edX LMS on 127.0.0.1 for end-to-end tests, fault tests and benchmarks.

    with FakeOpenEdx(latency=0.05) as lms:
        lms.state.add_course("course-v1:PKU+Py101+2025", subsections=[("hw1", "Homework 1", 100)])
        lms.add_learners("course-v1:PKU+Py101+2025", 3)       # s00001… with 学号 2025000001… via a program
        lms.inject(status=503, times=3, path="bulk-update")   # a burst of 503s
        ...  # point the adapter at lms.url, client lms.client_id / lms.client_secret
        assert lms.traffic.duplicates() == {}

The endpoints, bodies, statuses and per-item reasons come from openedx-platform's source (see
``openedx_views``), not from our adapter, so the fake is an independent check of it. Requests need
``Authorization: JWT <token>`` (or ``Bearer`` with an opaque token) from ``POST /oauth2/access_token``.
Everything is switchable while the server runs: ``latency``, ``pagination`` ("cursor" | "page"),
``page_size``, ``set_rate_limit``, ``inject`` (faults), ``tokens.ttl`` / ``tokens.max_uses`` /
``tokens.revoke_all()``, ``bulk_enroll_enabled``, ``on_write`` hooks. ``traffic`` logs every request and
every write with its body and effects. Run it alone with ``python -m tests.fakes.openedx_server --seed 20``.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import re
import socket
import struct
import threading
import time
import traceback
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .openedx_faults import Fault, FaultSchedule, RateLimiter, TokenStore, Traffic, WriteRecord
from .openedx_state import LmsState
from .openedx_views import (
    Request,
    Response,
    account,
    accounts,
    bulk_enroll,
    course_detail,
    enrollment_allowed,
    enrollment_detail,
    enrollment_post,
    enrollments_list,
    me,
    studio_import_status,
)
from .openedx_views_grades import (
    bulk_update,
    course_grades,
    gradebook,
    grading_info,
    program_grades,
    subsection_grade,
)
from .openedx_views_programs import program_course_enrollments, program_enrollments

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
TOKEN_PATH = "/oauth2/access_token"
COURSE = r"(?P<course_id>course-v1:[^/]+?)"
USAGE = r"(?P<usage_id>block-v1:[^/]+)"
PROGRAM = r"(?P<program>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
View = Callable[[LmsState, Request], Response]

ROUTES: list[tuple[str, str, View]] = [
    ("GET", r"/api/user/v1/me", me),
    ("GET", r"/api/user/v1/accounts/?", accounts),
    ("GET", r"/api/user/v1/accounts/(?P<username>[^/]+)/?", account),
    ("GET", r"/api/enrollment/v1/enrollments/?", enrollments_list),
    ("GET", rf"/api/enrollment/v1/enrollment/(?P<username>[^/,]+),{COURSE}", enrollment_detail),
    ("POST", r"/api/enrollment/v1/enrollment", enrollment_post),
    ("GET", rf"/api/enrollment/v1/course/{COURSE}", course_detail),
    ("GET|POST|DELETE", r"/api/enrollment/v1/enrollment_allowed/?", enrollment_allowed),
    ("POST", r"/api/bulk_enroll/v1/bulk_enroll", bulk_enroll),  # no trailing slash: lms/djangoapps/bulk_enroll/urls.py
    ("GET", r"/api/grades/v1/courses/?", course_grades),
    ("GET", rf"/api/grades/v1/courses/{COURSE}/", course_grades),
    ("GET", rf"/api/grades/v1/gradebook/{COURSE}/", gradebook),
    ("GET", rf"/api/grades/v1/gradebook/{COURSE}/grading-info", grading_info),
    ("POST", rf"/api/grades/v1/gradebook/{COURSE}/bulk-update", bulk_update),
    ("GET", rf"/api/grades/v1/subsection/{USAGE}/", subsection_grade),
    ("GET|POST|PATCH|PUT", rf"/api/program_enrollments/v1/programs/{PROGRAM}/enrollments/", program_enrollments),
    ("GET|POST|PATCH|PUT", rf"/api/program_enrollments/v1/programs/{PROGRAM}/courses/{COURSE}/enrollments/",
     program_course_enrollments),
    ("GET", rf"/api/program_enrollments/v1/programs/{PROGRAM}/courses/{COURSE}/grades/", program_grades),
    ("GET", rf"/api/courses/v0/import/{COURSE}/", studio_import_status),
]
COMPILED = [(methods.split("|"), re.compile(pattern + r"\Z"), view) for methods, pattern, view in ROUTES]


def route(method: str, path: str) -> tuple[View | None, dict[str, str], bool]:
    """The view for ``method path``, its path parameters, and whether the path exists for another method."""
    known = False
    for methods, pattern, view in COMPILED:
        match = pattern.match(path)
        if match:
            if method in methods:
                return view, match.groupdict(), True
            known = True
    return None, {}, known


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    lms: FakeOpenEdx


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # TCP_NODELAY: no 40 ms delayed-ACK stalls between headers and body
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    # ---- plumbing ----------------------------------------------------------------------------------------

    def _send(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        data = b"" if body is None or status == 204 else json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self._headers_buffer.append(b"\r\n" + data)  # headers and body leave in one write
        self.flush_headers()

    def _reset(self) -> None:
        """Drop the connection with a TCP reset (SO_LINGER 0), as a crashed proxy or worker would."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def _body(self, raw: bytes) -> Any:
        if not raw:
            return None
        kind = self.headers.get("Content-Type", "")
        if "json" in kind:
            return json.loads(raw.decode("utf-8"))
        form = parse_qs(raw.decode("utf-8"), keep_blank_values=True)
        return {k: v[0] if len(v) == 1 else v for k, v in form.items()}

    def _fault(self, fault: Fault, then: Callable[[], None] | None = None) -> None:
        """Misbehave as ``fault`` says; ``then`` sends the real response after a stall (phase "after")."""
        lms = self.server.lms
        if fault.kind == "timeout":
            lms.stopping.wait(fault.seconds)
            if then is not None:
                then()
            else:
                self._send(504, {"detail": "Gateway Timeout"})
        elif fault.kind == "reset":
            self._reset()
        elif fault.kind == "hold":
            fault.reached.set()
            while not fault.release.wait(0.05) and not lms.stopping.is_set():
                pass
            self._reset()
        else:
            headers = {}
            if fault.retry_after is not None:
                headers["Retry-After"] = str(max(0, round(fault.retry_after)))
            body = fault.body if fault.body is not None else {"detail": f"injected fault: HTTP {fault.status}"}
            self._send(fault.status, body, headers)

    # ---- one request ---------------------------------------------------------------------------------------

    def _handle(self) -> None:
        lms = self.server.lms
        method = self.command
        url = urlsplit(self.path)
        path = unquote(url.path)
        query = parse_qs(url.query, keep_blank_values=True)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if path.startswith("/__fake__/"):
            return self._send(200, lms.stats())
        record = lms.traffic.request(method, path)
        wait = lms.limiter.check(record.t) if lms.limiter else None
        if lms.latency:
            lms.stopping.wait(lms.latency)
        if wait is not None:
            record.status = 429
            seconds = max(1, int(-(-wait // 1)))
            return self._send(429, {"detail": f"Request was throttled. Expected available in {seconds} seconds."},
                              {"Retry-After": str(seconds)})
        try:
            body = self._body(raw)
        except (ValueError, UnicodeDecodeError) as error:
            record.status = 400
            return self._send(400, {"detail": f"JSON parse error - {error}"})
        write: WriteRecord | None = None
        if method in MUTATING and path.rstrip("/") != TOKEN_PATH:
            write = lms.traffic.write(method, path, body)
        fault = lms.faults.take(method, path, "before")
        if fault is not None:
            record.status, record.note = fault.status, f"fault:{fault.kind}"
            if write:
                write.status, write.note = fault.status, f"fault:{fault.kind}"
            return self._fault(fault)
        if path.rstrip("/") == TOKEN_PATH and method == "POST":
            response = self._token(body if isinstance(body, dict) else {})
        else:
            username, detail = lms.tokens.authenticate(self.headers.get("Authorization"))
            if username is None:
                response = Response(401, {"detail": detail}, headers={"WWW-Authenticate": 'JWT realm="api"'})
            else:
                response = self._dispatch(method, path, query, body, username)
        if write is not None:
            write.status = response.status
            if response.status not in (401, 429):  # refused before the view ran: nothing applied
                write.applied, write.effects = True, list(response.effects)
                for hook in list(lms.hooks):
                    hook(write)
        record.status = response.status
        after = lms.faults.take(method, path, "after") if response.status != 401 else None
        if after is not None:
            record.note = f"fault-after:{after.kind}"
            if write:
                write.note = record.note
            if after.kind == "status":
                record.status = after.status
            return self._fault(after, then=lambda: self._send(response.status, response.body, response.headers))
        self._send(response.status, response.body, response.headers)

    def _token(self, form: dict[str, Any]) -> Response:
        lms = self.server.lms
        client_id, secret = form.get("client_id"), form.get("client_secret")
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        if form.get("grant_type") != "client_credentials":
            return Response(400, {"error": "unsupported_grant_type"})
        token = lms.tokens.issue(str(client_id), str(secret), str(form.get("token_type") or "bearer"))
        if token is None:
            return Response(401, {"error": "invalid_client"})
        return Response(200, {"access_token": token.value, "expires_in": int(lms.tokens.ttl),
                              "token_type": token.kind, "scope": "read write email profile"})

    def _dispatch(self, method: str, path: str, query: dict, body: Any, username: str) -> Response:
        lms = self.server.lms
        if path.startswith("/api/bulk_enroll/") and not lms.bulk_enroll_enabled:
            # lms/urls.py mounts api/bulk_enroll/v1/ only with FEATURES['ENABLE_BULK_ENROLLMENT_VIEW']: else no route
            return Response(404, {"detail": "Not found."})
        if path.startswith("/api/courses/v0/import/") and not lms.studio:
            return Response(404, {"detail": "Not found."})  # a CMS route: only when this fake also plays Studio
        view, params, known = route(method, path)
        if view is None:  # DRF's APIView answers 405 for a method the view lacks (BulkEnrollView has only post)
            return Response(405 if known else 404, {"detail": "Not found." if not known else
                                                    f'Method "{method}" not allowed.'})
        if path.rstrip("/") == "/api/enrollment/v1/enrollments" and not lms.staff:
            # CourseEnrollmentsApiListView (openedx/core/djangoapps/enrollments/views.py): IsAdminUser
            return Response(403, {"developer_message": "You do not have permission to perform this action."})
        if path.startswith("/api/courses/v0/import/") and not lms.staff:
            # course_author_access_required (cms/djangoapps/contentstore/api/views/utils.py): 403 for a non-author
            return Response(403, {"developer_message": "The requesting user does not have course author "
                                  "permissions.", "error_code": "user_permissions"})
        wait = lms.throttle(username, path)
        if wait is not None:
            return Response(429, {"detail": f"Request was throttled. Expected available in {wait} seconds."},
                            headers={"Retry-After": str(wait)})
        base_url = f"http://{self.headers.get('Host') or lms.url.removeprefix('http://')}"
        request = Request(method, path, query, body, username, base_url, lms.pagination, lms.page_size, params)
        try:
            return view(lms.state, request)
        except Exception:  # a bug in the fake: keep it for the test to see, answer as Django would
            lms.errors.append(traceback.format_exc())
            return Response(500, {"detail": "Server Error (500)"})


class FakeOpenEdx:
    """The fake LMS: start it (or use it as a context manager), seed ``state``, point a client at ``url``."""

    def __init__(self, port: int = 0, latency: float = 0.0, pagination: str = "cursor", page_size: int | None = None,
                 rate_limit: int | None = None, token_ttl: float = 3600.0, token_max_uses: int | None = None,
                 bulk_enroll_enabled: bool = False, client_id: str = "mooc-bridge", client_secret: str = "s3cret",
                 rate_limiting: bool = True):
        self.port = port
        self.latency = latency
        self.pagination = pagination
        self.page_size = page_size
        self.bulk_enroll_enabled = bulk_enroll_enabled
        self.staff = True  # the service user is global staff (README); False: a user without is_staff
        self.studio = False  # True: also answer Studio's course import API (cms/.../api/views/course_import.py)
        self.client_id, self.client_secret = client_id, client_secret
        self.state = LmsState()
        self.faults = FaultSchedule()
        self.traffic = Traffic()
        self.tokens = TokenStore({client_id: client_secret}, ttl=token_ttl, max_uses=token_max_uses)
        self.limiter: RateLimiter | None = RateLimiter(rate_limit) if rate_limit else None
        self.rate_limiting = rate_limiting  # RateLimitConfiguration.enabled (Django admin; on after migrations)
        self.enrollment_staff_rate = (120, 60.0)  # EnrollmentUserThrottle.THROTTLE_RATES["staff"]: 120/minute
        self.enrollment_throttles: dict[str, RateLimiter] = {}
        self.hooks: list[Callable[[WriteRecord], None]] = []
        self.errors: list[str] = []
        self.stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # ---- life cycle ----------------------------------------------------------------------------------------

    def start(self) -> FakeOpenEdx:
        self._server = _Server(("127.0.0.1", self.port), _Handler)
        self._server.lms = self
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-openedx", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.faults.clear()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeOpenEdx:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    # ---- control -----------------------------------------------------------------------------------------

    def inject(self, **fault: Any) -> Fault:
        """Schedule a :class:`Fault` (same keywords) and return it; e.g. ``inject(status=503, times=5)``."""
        return self.faults.add(Fault(**fault))

    def set_rate_limit(self, limit: int | None, per: float = 1.0, retry_after: float | None = None) -> None:
        """Allow ``limit`` requests per ``per`` seconds (``None``: unlimited); over it, 429 with Retry-After."""
        self.limiter = RateLimiter(limit, per, retry_after) if limit else None

    def throttle(self, username: str, path: str) -> int | None:
        """``EnrollmentUserThrottle`` (``openedx/core/djangoapps/enrollments/views.py``): every enrollment API view
        shares one per-user history, ``120/minute`` for staff (DRF ``UserRateThrottle``: a sliding window; the
        429 says when the oldest request leaves it, rounded up, in ``Retry-After``). Views decorated with
        ``can_disable_rate_limit`` skip it while ``RateLimitConfiguration`` is disabled
        (``common/djangoapps/util/disable_rate_limit.py``); its data migration enables it, so it is on by default
        (:attr:`rate_limiting`). ``enrollment_allowed`` is not decorated: always throttled."""
        if not path.startswith("/api/enrollment/v1/"):
            return None
        if not self.rate_limiting and not path.startswith("/api/enrollment/v1/enrollment_allowed"):
            return None
        with self.state.lock:
            limiter = self.enrollment_throttles.setdefault(username, RateLimiter(*self.enrollment_staff_rate))
        wait = limiter.check(time.monotonic())
        return None if wait is None else max(1, math.ceil(wait))

    def on_write(self, hook: Callable[[WriteRecord], None]) -> None:
        """Call ``hook(write)`` in the server thread after each applied write, before its response is sent."""
        self.hooks.append(hook)

    def add_learners(self, course_id: str, count: int, start: int = 1, program_uuid: str | None = None,
                     prefix: str = "s", key_format: str = "2025{:06d}", mode: str = "audit") -> list[tuple[str, str]]:
        """Create ``count`` enrolled learners, each with a 学号 as program ``student_key``; return (username, 学号)."""
        state = self.state
        with state.lock:
            if program_uuid is None:
                program = next((p for p in state.programs.values() if course_id in p.courses), None)
                program_uuid = (program or state.add_program([course_id])).uuid
            out = []
            for n in range(start, start + count):
                username, key = f"{prefix}{n:05d}", key_format.format(n)
                state.add_user(username, name=f"学生{n}")
                state.enroll(username, course_id, mode)
                state.program_enroll(program_uuid, key, username)
                out.append((username, key))
            return out

    def stats(self) -> dict[str, Any]:
        """Counts for people and for out-of-process use (``GET /__fake__/stats``)."""
        return {"requests": len(self.traffic.requests), "writes": len(self.traffic.writes),
                "max_per_second": self.traffic.max_in_window(1.0), "duplicates": len(self.traffic.duplicates()),
                "tokens_issued": self.tokens.issued, "errors": len(self.errors),
                "throttled": self.limiter.rejected if self.limiter else 0}


DEMO_COURSE = "course-v1:MOOCBridge+Demo101+2025"


def seed_demo(lms: FakeOpenEdx, learners: int) -> None:
    """The demo course the README's sync examples use: three graded subsections (作业一 ``hw1``, 期中测验
    ``midterm``, 期末考试 ``exam``) and ``learners`` enrolled learners s00001… whose 学号 2025000001… Open edX
    knows from their program enrollment (the gradebook's ``external_user_key``)."""
    lms.state.add_course(DEMO_COURSE, "演示课程", [("hw1", "作业一", 100), ("midterm", "期中测验", 100, "Midterm Exam"),
                                                   ("exam", "期末考试", 100, "Exam")],
                         weights={"Homework": 0.2, "Midterm Exam": 0.3, "Exam": 0.5})
    lms.state.waffle_flag("grades.writable_gradebook", DEMO_COURSE)  # as the README's set-up tells the operator
    lms.add_learners(DEMO_COURSE, learners)


def main(argv: list[str] | None = None) -> None:
    """Serve a seeded fake LMS until interrupted (for trying an adapter or the CLI by hand)."""
    parser = argparse.ArgumentParser(description="A fake Open edX LMS on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=18000)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--pagination", choices=["cursor", "page"], default="cursor")
    parser.add_argument("--rate-limit", type=int, default=None)
    parser.add_argument("--seed", type=int, default=10, help="learners in the demo course")
    args = parser.parse_args(argv)
    lms = FakeOpenEdx(args.port, args.latency, args.pagination, rate_limit=args.rate_limit, bulk_enroll_enabled=True)
    seed_demo(lms, args.seed)
    lms.start()
    print(f"fake Open edX at {lms.url}  course {DEMO_COURSE}  client {lms.client_id}:{lms.client_secret}",
          flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        lms.stop()


if __name__ == "__main__":
    main()
