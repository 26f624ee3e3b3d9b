"""The fake LMS's program enrollments API v1: programs and their course enrollments, keyed by ``student_key`` (学号).

Each behaviour follows openedx-platform (read with the read_file tool):

- ``lms/djangoapps/program_enrollments/rest_api/v1/views.py`` (``EnrollmentWriteMixin.handle_write_request``):
  POST creates only, PATCH updates only, PUT does both; the body is validated by its serializer *before* the
  limit is checked (a bad item answers 400 for the whole request); more than ``MAX_ENROLLMENT_RECORDS`` (25,
  ``rest_api/v1/constants.py``) answers 413 with the view's string body, whose two numbers come out swapped;
  the answer is ``{student_key: status}``.
- ``rest_api/v1/serializers.py``: ``student_key`` and ``status`` are required and not blank; a program enrollment
  create (POST, PUT) also needs a ``curriculum_uuid`` that is a UUID; ``course_staff`` is an optional boolean. The
  serializer's ``ValidationError`` is a DRF ``APIException``, which ``DeveloperErrorViewMixin.handle_exception``
  (``openedx/core/lib/api/view_utils.py``) answers as 400 ``{"developer_message": <the per-item errors>}``;
  ``verify_course_exists`` there answers 404 ``course_does_not_exist`` "Unknown course …".
- ``rest_api/v1/utils.py``: ``get_enrollment_http_code``: 204 with no results, 200 when all are OK statuses, 207
  when some are, 422 when none; ``verify_program_exists`` (404 ``program_does_not_exist``: not in the LMS's
  catalog cache) and ``verify_course_exists_and_in_program`` (404 ``course_not_in_program``: the program's
  curriculum in the catalog has no such course run); cursor pages of 100 ordered by id.
- ``lms/djangoapps/program_enrollments/constants.py``: program statuses enrolled, pending, suspended, canceled,
  ended; program-course statuses active, inactive; errors duplicated, invalid-status, conflict, not-in-program,
  and not-found for a course enrollment PATCHed that does not exist.
- ``lms/djangoapps/program_enrollments/api/writing.py``: keys compared case-insensitively; a key sent twice is
  ``duplicated`` and neither item is applied; a course enrollment needs the student's program enrollment first
  (``not-in-program``); asking ``active`` while an active course enrollment of *another* program exists is a
  ``conflict``; a linked account gets a ``masters`` course enrollment, (de)activated with the status.
"""

from __future__ import annotations

import uuid
from typing import Any

from .openedx_state import MAX_PROGRAM_WRITE, PROGRAM_COURSE_OK, PROGRAM_OK, LmsState, ProgramCourseEnrollment
from .openedx_views import Request, Response, error, paginate

__all__ = ["program_course_enrollments", "program_enrollments"]

WRITE_MODES = {"POST": (True, False), "PATCH": (False, True), "PUT": (True, True)}


def find_program(state: LmsState, req: Request, with_course: bool) -> Any:
    """The program of the URL (in the catalog cache), or the 404 its decorators answer."""
    program = state.programs.get(req.params["program"])
    if program is None:
        return error(404, "no program exists with given key", error_code="program_does_not_exist")
    if with_course:
        if req.params["course_id"] not in state.courses:
            return error(404, f"Unknown course {req.params['course_id']}", error_code="course_does_not_exist")
        if req.params["course_id"] not in program.courses:
            return error(404, "the program's curriculum does not contain the given course",
                         error_code="course_not_in_program")
    return program


def _http_status(results: dict[str, str], ok: set[str]) -> int:
    if not results:
        return 204
    found = set(results.values())
    return 200 if found <= ok else 207 if found & ok else 422


def _validate(req: Request, curriculum: bool, course: bool) -> Response | None:
    """The serializer (``many=True``): 400 with one error dict per item when any item is bad, then the 413."""
    if not isinstance(req.body, list):
        return error(400, {"non_field_errors": [f'Expected a list of items but got type "{type(req.body).__name__}".']})
    problems, bad = [], False
    for item in req.body:
        errors: dict[str, list[str]] = {}
        if not isinstance(item, dict):
            problems.append({"non_field_errors": ["Invalid data. Expected a dictionary."]})
            bad = True
            continue
        for name in ("student_key", "status"):
            value = item.get(name)
            if value is None:
                errors[name] = ["This field is required."]
            elif not isinstance(value, str | int) or str(value).strip() == "":
                errors[name] = ["This field may not be blank."]
        if curriculum:
            try:
                uuid.UUID(str(item.get("curriculum_uuid")))
            except ValueError:
                errors["curriculum_uuid"] = (["This field is required."] if item.get("curriculum_uuid") is None
                                             else ["Must be a valid UUID."])
        if course and item.get("course_staff") not in (None, True, False):
            errors["course_staff"] = ["Must be a valid boolean."]
        problems.append(errors)
        bad = bad or bool(errors)
    if bad:
        return error(400, problems)
    if len(req.body) > MAX_PROGRAM_WRITE:  # the view's message, numbers in its order
        return Response(413, f"{MAX_PROGRAM_WRITE} enrollments requested, but limit is {len(req.body)}.")
    return None


def _by_key(items: list[dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """``_organize_requests_by_external_key``: requests by key (case-insensitive), and the keys sent twice."""
    requests: dict[str, dict[str, Any]] = {}
    duplicated: dict[str, str] = {}
    for item in items:
        key = str(item["student_key"])
        folded = key.casefold()
        if folded in duplicated:
            continue
        if folded in requests:
            duplicated[folded] = key
            del requests[folded]
            continue
        requests[folded] = {**item, "student_key": key}
    return requests, list(duplicated.values())


def _lookup(rows: dict[str, Any], key: str) -> Any:
    folded = key.casefold()
    return next((row for name, row in rows.items() if name.casefold() == folded), None)


def program_enrollments(state: LmsState, req: Request) -> Response:
    """``ProgramEnrollmentsView``: GET lists, POST/PATCH/PUT write (``write_program_enrollments``)."""
    with state.lock:
        program = find_program(state, req, with_course=False)
        if isinstance(program, Response):
            return program
        if req.method == "GET":
            rows = []
            for r in program.enrollments.values():
                user = state.users.get(r.username or "")
                rows.append((r.id, {"student_key": r.student_key, "status": r.status, "account_exists": bool(user),
                                    "curriculum_uuid": r.curriculum_uuid, "username": user.username if user else "",
                                    "email": user.email if user else ""}))
            return paginate(req, rows, default_size=100)
        create, update = WRITE_MODES[req.method]
        bad = _validate(req, curriculum=create, course=False)
        if bad:
            return bad
        requests, duplicated = _by_key(req.body)
        results, effects = {}, []
        for item in requests.values():
            key, status = item["student_key"], str(item["status"])
            if status not in PROGRAM_OK:
                results[key] = "invalid-status"
                continue
            existing = _lookup(program.enrollments, key)
            if existing is not None and not update:
                results[key] = "conflict"
            elif existing is None and not create:
                results[key] = "not-in-program"
            else:
                if existing is None:
                    row = state.program_enroll(program.uuid, key, None, status)
                    row.curriculum_uuid = str(item["curriculum_uuid"])
                else:
                    existing.status = status
                results[key] = status
                effects.append(("program-enrollment", program.uuid, key, status))
        results.update({key: "duplicated" for key in duplicated})
        return Response(_http_status(results, PROGRAM_OK), results, effects)


def _active_elsewhere(state: LmsState, program_uuid: str, key: str, course_id: str) -> bool:
    """``_get_conflicting_active_course_enrollments``: an active course enrollment of another program."""
    for other in state.programs.values():
        if other.uuid == program_uuid:
            continue
        row = next((r for (k, c), r in other.course_enrollments.items()
                    if c == course_id and k.casefold() == key.casefold()), None)
        if row is not None and row.status == "active":
            return True
    return False


def program_course_enrollments(state: LmsState, req: Request) -> Response:
    """``ProgramCourseEnrollmentsView``: GET lists, POST/PATCH/PUT write (``write_program_course_enrollments``)."""
    with state.lock:
        program = find_program(state, req, with_course=True)
        if isinstance(program, Response):
            return program
        course_id = req.params["course_id"]
        if req.method == "GET":
            rows = [(r.id, {"student_key": r.student_key, "status": r.status,
                            "account_exists": bool(program.enrollments[r.student_key].username),
                            "curriculum_uuid": program.enrollments[r.student_key].curriculum_uuid,
                            "course_staff": r.course_staff})
                    for (key, cid), r in program.course_enrollments.items() if cid == course_id]
            return paginate(req, rows, default_size=100)
        create, update = WRITE_MODES[req.method]
        bad = _validate(req, curriculum=False, course=True)
        if bad:
            return bad
        requests, duplicated = _by_key(req.body)
        results: dict[str, str] = {key: "duplicated" for key in duplicated}
        effects = []
        for item in requests.values():
            key, status = item["student_key"], str(item["status"])
            if status == "active" and _active_elsewhere(state, program.uuid, key, course_id):
                results[key] = "conflict"
                continue
            if status not in PROGRAM_COURSE_OK:
                results[key] = "invalid-status"
                continue
            enrollment = _lookup(program.enrollments, key)
            if enrollment is None:
                results[key] = "not-in-program"
                continue
            existing = program.course_enrollments.get((enrollment.student_key, course_id))
            if existing is not None and not update:
                results[key] = "conflict"
            elif existing is None and not create:
                results[key] = "not-found"
            else:
                if existing is None:
                    existing = ProgramCourseEnrollment(next(state._ids), enrollment.student_key, course_id, status,
                                                       bool(item.get("course_staff")))
                    program.course_enrollments[(enrollment.student_key, course_id)] = existing
                existing.status = status
                if enrollment.username:
                    state._set_enrollment(enrollment.username, course_id, "masters", status == "active")
                results[key] = status
                effects.append(("program-course-enrollment", program.uuid, course_id, key, status))
        return Response(_http_status(results, PROGRAM_COURSE_OK), results, effects)
