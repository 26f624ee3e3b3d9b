"""A thin, typed client for the Open edX REST endpoints the adapter uses (one method per endpoint).

Every method goes through :class:`adapters.http.HttpClient` (retry policy, rate limit, JWT token) and returns
parsed models from :mod:`adapters.openedx.models`. Endpoints and their sources are listed in
docs/decisions/0010-openedx-adapter.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import quote

from adapters.errors import AdapterError
from adapters.http import (
    ClientCredentials,
    HttpClient,
    NextUrlPaginator,
    PageRequest,
    RateLimiter,
    RetryPolicy,
    json_body,
    paginate,
)

from .models import (
    Account,
    BulkEnrollResult,
    BulkUpdateItem,
    CourseGrade,
    EnrollmentAllowed,
    EnrollmentItem,
    GradebookEntry,
    GradingInfo,
    ProgramCourseEnrollment,
    SubsectionGradeDetail,
    parse,
    parse_list,
)
from .refusals import bulk_enroll_refusal, enrollment_refusal, gradebook_refusal, program_refusal
from .settings import OpenEdxSettings

__all__ = ["OpenEdxApi"]

ACCOUNTS_PER_LOOKUP = 50
"""Usernames per ``GET /api/user/v1/accounts?username=a,b,…`` (keeps URLs short)."""

PROGRAM_WRITE_LIMIT = 25
"""``MAX_ENROLLMENT_RECORDS`` of the program enrollments API: more in one request answers 413."""

ENROLLMENT_API = "/api/enrollment/"
"""Every view under it shares ``EnrollmentUserThrottle`` (``openedx/core/djangoapps/enrollments/views.py``): 120
requests a minute for staff, so the client spaces these at ``enrollment_rate`` on top of ``rate``."""


def _path(value: str) -> str:
    return quote(value, safe=":+@")


class OpenEdxApi:
    """The endpoints, for one LMS; thread-safe (the HttpClient gives each thread its own session)."""

    def __init__(self, settings: OpenEdxSettings, *, client: HttpClient | None = None,
                 retry: RetryPolicy | None = None, rate_limiter: RateLimiter | None = None):
        """Build the HTTP client from ``settings`` unless one is given (tests inject clocks and sleeps)."""
        self.settings = settings
        if client is None:
            secret = settings.client_secret.get_secret_value() if settings.client_secret else ""
            auth = ClientCredentials.openedx(settings.lms_url, settings.client_id or "", secret)
            client = HttpClient(
                settings.lms_url, auth=auth, timeout=(settings.connect_timeout, settings.timeout),
                retry=retry or RetryPolicy(max_attempts=settings.max_attempts),
                rate_limiter=rate_limiter or RateLimiter(settings.rate, settings.burst), verify=settings.verify,
                path_limits={ENROLLMENT_API: RateLimiter(settings.enrollment_rate)})
        self.client = client

    # -- identity -----------------------------------------------------------------------------------------

    def me(self) -> str:
        """``GET /api/user/v1/me``: the service user's username (a cheap authenticated call)."""
        data = self.client.get_json("/api/user/v1/me")
        return parse(Account, data, {"endpoint": "/api/user/v1/me"}).username

    def accounts_by_username(self, usernames: Sequence[str]) -> list[Account]:
        """``GET /api/user/v1/accounts?username=a,b`` in chunks; unknown usernames are simply absent."""
        found: list[Account] = []
        for start in range(0, len(usernames), ACCOUNTS_PER_LOOKUP):
            chunk = ",".join(usernames[start:start + ACCOUNTS_PER_LOOKUP])
            # ``username`` on current releases, ``usernames`` on older ones: both are sent.
            response = self.client.request("GET", "/api/user/v1/accounts",
                                           params={"username": chunk, "usernames": chunk}, ok_statuses=(404,))
            if response.status_code == 404:
                continue
            found.extend(parse_list(Account, json_body(response), {"endpoint": "/api/user/v1/accounts"}))
        return found

    def account_by_email(self, email: str) -> Account | None:
        """``GET /api/user/v1/accounts?email=``: the account, or ``None`` when there is none (404)."""
        response = self.client.request("GET", "/api/user/v1/accounts", params={"email": email}, ok_statuses=(404,))
        if response.status_code == 404:
            return None
        items = parse_list(Account, json_body(response), {"endpoint": "/api/user/v1/accounts"})
        return items[0] if items else None

    # -- enrollments --------------------------------------------------------------------------------------

    def iter_enrollments(self, course_id: str, usernames: Sequence[str] = ()) -> Iterator[EnrollmentItem]:
        """``GET /api/enrollment/v1/enrollments?course_id=`` following ``next`` (page-number or cursor shape)."""
        params: dict[str, Any] = {"course_id": course_id, "page_size": self.settings.page_size}
        if usernames:
            params["username"] = ",".join(usernames)
        where = {"endpoint": "/api/enrollment/v1/enrollments", "course_id": course_id}
        for page in paginate(self.client, PageRequest("/api/enrollment/v1/enrollments", params), NextUrlPaginator()):
            yield from parse_list(EnrollmentItem, page.items, {**where, "page": page.number})

    def enrollment(self, username: str, course_id: str) -> EnrollmentItem | None:
        """``GET /api/enrollment/v1/enrollment/{username},{course_id}``; ``None`` when not enrolled (empty body)."""
        url = f"/api/enrollment/v1/enrollment/{_path(username)},{_path(course_id)}"
        response = self.client.request("GET", url, ok_statuses=(404,))
        if response.status_code == 404 or not response.content.strip():
            return None
        data = json_body(response)
        if not data:
            return None
        return parse(EnrollmentItem, EnrollmentItem.from_single(data), {"endpoint": url})

    def set_enrollment(self, username: str, course_id: str, active: bool, mode: str | None) -> EnrollmentItem:
        """``POST /api/enrollment/v1/enrollment`` with ``is_active`` (false unenrolls) and, to enrol with the
        ``force_enrollment`` setting, ``force_enrollment`` (new enrollments outside the enrollment dates).

        Sent as not idempotent: after a failure where the LMS may have acted (read timeout, 5xx) it is not
        re-sent here; the writer re-reads the enrollment first (:mod:`adapters.openedx.writes`).
        """
        body: dict[str, Any] = {"user": username, "is_active": active, "course_details": {"course_id": course_id}}
        if mode:
            body["mode"] = mode
        forced = active and self.settings.force_enrollment
        if forced:
            body["force_enrollment"] = True
        try:
            response = self.client.request("POST", "/api/enrollment/v1/enrollment", json=body, idempotent=False)
        except AdapterError as exc:
            refusal = enrollment_refusal(exc, username, course_id, forced)
            if refusal is None:
                raise
            raise refusal from exc
        data = json_body(response)
        return parse(EnrollmentItem, EnrollmentItem.from_single(data), {"endpoint": "/api/enrollment/v1/enrollment"})

    def bulk_enroll(self, identifiers: Sequence[str], course_id: str, action: str) -> list[BulkEnrollResult]:
        """``POST /api/bulk_enroll/v1/bulk_enroll`` (no trailing slash: ``lms/djangoapps/bulk_enroll/urls.py``):
        per-identifier before/after states for one course; ``bulk_enroll_off`` when the view is not mounted."""
        body = {"identifiers": ",".join(identifiers), "courses": course_id, "action": action,
                "auto_enroll": self.settings.auto_enroll, "email_students": False}
        url = "/api/bulk_enroll/v1/bulk_enroll"
        try:
            data = json_body(self.client.request("POST", url, json=body, idempotent=True))
        except AdapterError as exc:
            refusal = bulk_enroll_refusal(exc)
            if refusal is None:
                raise
            raise refusal from exc
        course = (data.get("courses") or {}).get(course_id) if isinstance(data, dict) else None
        results = course.get("results") if isinstance(course, dict) else None
        return parse_list(BulkEnrollResult, results, {"endpoint": url, "course_id": course_id})

    def enrollment_allowed(self, email: str) -> list[EnrollmentAllowed]:
        """``GET /api/enrollment/v1/enrollment_allowed/?email=``: the courses ``email`` may enrol in."""
        url = "/api/enrollment/v1/enrollment_allowed/"
        data = self.client.get_json(url, params={"email": email})
        return parse_list(EnrollmentAllowed, data, {"endpoint": url})

    def allow_enrollment(self, email: str, course_id: str) -> bool:
        """``POST …/enrollment_allowed/``: True when created (201), False when it already existed (409)."""
        body = {"email": email, "course_id": course_id, "auto_enroll": self.settings.auto_enroll}
        response = self.client.request("POST", "/api/enrollment/v1/enrollment_allowed/", json=body,
                                       idempotent=True, ok_statuses=(409,))
        return response.status_code != 409

    def disallow_enrollment(self, email: str, course_id: str) -> bool:
        """``DELETE …/enrollment_allowed/``: True when deleted (204), False when there was none (404)."""
        response = self.client.request("DELETE", "/api/enrollment/v1/enrollment_allowed/",
                                       json={"email": email, "course_id": course_id}, ok_statuses=(404,))
        return response.status_code != 404

    # -- programs -----------------------------------------------------------------------------------------

    def _program_url(self) -> str:
        return f"/api/program_enrollments/v1/programs/{self.settings.program}/enrollments/"

    def _program_course_url(self, course_id: str) -> str:
        return f"/api/program_enrollments/v1/programs/{self.settings.program}/courses/{_path(course_id)}/enrollments/"

    def _program_call(self, course_id: str | None, call):
        """Run ``call``; a 404 that the catalog explains becomes its typed error (:func:`program_refusal`)."""
        try:
            return call()
        except AdapterError as exc:
            refusal = program_refusal(exc, self.settings.program or "", course_id)
            if refusal is None:
                raise
            raise refusal from exc

    def iter_program_course_enrollments(self, course_id: str) -> Iterator[ProgramCourseEnrollment]:
        """``GET …/programs/{uuid}/courses/{course_id}/enrollments/`` following ``next``."""
        url = self._program_course_url(course_id)
        request = PageRequest(url, {"page_size": self.settings.page_size})
        pages = iter(paginate(self.client, request, NextUrlPaginator()))
        while (page := self._program_call(course_id, lambda: next(pages, None))) is not None:
            yield from parse_list(ProgramCourseEnrollment, page.items, {"endpoint": url, "page": page.number})

    def write_program_course_enrollments(self, course_id: str, rows: Sequence[dict[str, str]]) -> tuple[int, dict]:
        """``PUT …/courses/{course_id}/enrollments/`` (create or update; at most 25 rows).

        Returns the status (200 all ok, 207 mixed, 422 none) and the ``{student_key: status}`` map; a student
        without a program enrollment answers ``not-in-program`` (:meth:`create_program_enrollments` first).
        """
        url = self._program_course_url(course_id)
        response = self._program_call(course_id, lambda: self.client.request(
            "PUT", url, json=list(rows), ok_statuses=(207, 422)))
        return response.status_code, _status_map(response)

    def program_curriculum(self) -> str | None:
        """The curriculum new program enrollments name: the ``curriculum`` setting, else that of the program's first
        listed enrollment (``GET …/programs/{uuid}/enrollments/?page_size=1``), else ``None``."""
        if self.settings.curriculum:
            return self.settings.curriculum
        url = self._program_url()
        data = self._program_call(None, lambda: self.client.get_json(url, params={"page_size": 1}))
        rows = data.get("results") if isinstance(data, dict) else None
        first = rows[0] if isinstance(rows, list) and rows and isinstance(rows[0], dict) else {}
        return str(first["curriculum_uuid"]) if first.get("curriculum_uuid") else None

    def create_program_enrollments(self, keys: Sequence[str], curriculum: str,
                                   status: str = "enrolled") -> tuple[int, dict]:
        """``POST …/programs/{uuid}/enrollments/``: add 学号 to the program (at most 25), creating only.

        An existing enrollment answers ``conflict`` and is left as it is (a registrar's ``suspended`` stays), so
        sending again after a lost answer changes nothing. Returns the status and ``{student_key: status}``.
        """
        url = self._program_url()
        body = [{"student_key": key, "status": status, "curriculum_uuid": curriculum} for key in keys]
        response = self._program_call(None, lambda: self.client.request(
            "POST", url, json=body, idempotent=True, ok_statuses=(207, 422)))
        return response.status_code, _status_map(response)

    # -- grades -------------------------------------------------------------------------------------------

    def iter_course_grades(self, course_id: str) -> Iterator[CourseGrade]:
        """``GET /api/grades/v1/courses/{course_id}/`` following ``next``."""
        url = f"/api/grades/v1/courses/{_path(course_id)}/"
        request = PageRequest(url, {"page_size": self.settings.page_size})
        for page in paginate(self.client, request, NextUrlPaginator()):
            yield from parse_list(CourseGrade, page.items, {"endpoint": url, "page": page.number})

    def iter_gradebook(self, course_id: str) -> Iterator[GradebookEntry]:
        """``GET /api/grades/v1/gradebook/{course_id}/`` following ``next``; ``writable_gradebook_off`` (naming the
        waffle flag) when the course's writable gradebook is off."""
        url = f"/api/grades/v1/gradebook/{_path(course_id)}/"
        request = PageRequest(url, {"page_size": self.settings.page_size})
        try:
            for page in paginate(self.client, request, NextUrlPaginator()):
                yield from parse_list(GradebookEntry, page.items, {"endpoint": url, "page": page.number})
        except AdapterError as exc:
            refusal = gradebook_refusal(exc, course_id)
            if refusal is None:
                raise
            raise refusal from exc

    def grading_info(self, course_id: str) -> GradingInfo:
        """``GET /api/grades/v1/gradebook/{course_id}/grading-info?graded_only=true``."""
        url = f"/api/grades/v1/gradebook/{_path(course_id)}/grading-info"
        return parse(GradingInfo, self.client.get_json(url, params={"graded_only": "true"}), {"endpoint": url})

    def subsection_grade(self, usage_id: str, user_id: int) -> SubsectionGradeDetail:
        """``GET /api/grades/v1/subsection/{usage_id}/?user_id=``: original grade, override and its history."""
        url = f"/api/grades/v1/subsection/{_path(usage_id)}/"
        return parse(SubsectionGradeDetail, self.client.get_json(url, params={"user_id": user_id}), {"endpoint": url})

    def bulk_update(self, course_id: str, items: Sequence[dict[str, Any]]) -> list[BulkUpdateItem]:
        """``POST /api/grades/v1/gradebook/{course_id}/bulk-update``: per-item results (202 all ok, 422 some not).

        Not idempotent for us: each request that lands adds a history row per learner and queues a
        recalculation, so it is retried here only when it surely never reached the LMS (throttled, not
        connected). After a lost answer the writer re-reads the items before sending any again.
        """
        url = f"/api/grades/v1/gradebook/{_path(course_id)}/bulk-update"
        try:
            response = self.client.request("POST", url, json=list(items), idempotent=False, ok_statuses=(422,))
        except AdapterError as exc:
            refusal = gradebook_refusal(exc, course_id)
            if refusal is None:
                raise
            raise refusal from exc
        return parse_list(BulkUpdateItem, json_body(response), {"endpoint": url})

    def close(self) -> None:
        """Close the HTTP sessions."""
        self.client.close()


def _status_map(response) -> dict[str, str]:
    """The ``{student_key: status}`` answer of a program write (empty for a 204 or a body of another shape)."""
    data = json_body(response) if response.status_code != 204 and response.content.strip() else {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
