"""The fake LMS's grades (grades API v1, gradebook, bulk-update, subsection overrides) and program endpoints.

Shapes and rules from openedx-platform ``lms/djangoapps/grades/rest_api/v1`` and
``lms/djangoapps/program_enrollments/rest_api/v1``: bulk-update answers 202 when every item succeeded and 422
otherwise, with a per-item ``{user_id, usage_id, success, reason}``. Program grades answer 200 / 207 / 422 / 204
(``ProgramCourseGradesView._calc_response_code``); the program writes are in :mod:`.openedx_views_programs`.
"""

from __future__ import annotations

import time
from typing import Any

from .openedx_state import LmsState, short_label
from .openedx_views import Request, Response, error, paginate
from .openedx_views_programs import find_program

# ---- grades API v1 -------------------------------------------------------------------------------------------

def course_grades(state: LmsState, req: Request) -> Response:
    course_id = req.params.get("course_id") or req.arg("course_id")
    username = req.arg("username")
    with state.lock:
        course = state.courses.get(course_id or "")
        if course is None:
            return error(404, f"Requested grade for unknown course {course_id}", error_code="course_does_not_exist")
        now = time.monotonic()
        if username:
            user = state.users.get(username)
            if user is None or (username, course_id) not in state.enrollments:
                return error(404, "The user matching the requested username is not enrolled in this course",
                              error_code="user_not_enrolled")
            return Response(200, [state._course_grade(user, course, now)])
        rows = [(r.id, state.users[r.username]) for r in state.enrollments.values()
                if r.course_id == course_id and r.is_active]
        page = paginate(req, rows, default_size=50)
        if page.status == 200:
            page.body["results"] = [state._course_grade(user, course, now) for user in page.body["results"]]
    return page


def _gradebook_course(state: LmsState, course_id: str) -> Any:
    """``verify_course_exists`` then ``verify_writable_gradebook_enabled`` (``lms/djangoapps/grades/rest_api/v1/
    gradebook_views.py``): 403 ``feature_not_enabled`` unless the course waffle flag ``grades.writable_gradebook``
    is on (``lms/djangoapps/grades/config/waffle.py``, default off; :meth:`LmsState.waffle_flag`)."""
    course = state.courses.get(course_id)
    if course is None:
        return error(404, f"Requested grade for unknown course {course_id}", error_code="course_does_not_exist")
    if not course.writable_gradebook:
        return error(403, "The writable gradebook feature is not enabled for this course.",
                      error_code="feature_not_enabled")
    return course


def gradebook(state: LmsState, req: Request) -> Response:
    """``GradebookView.get`` (``lms/djangoapps/grades/rest_api/v1/gradebook_views.py``): 403 ``feature_not_enabled``
    while ``grades.writable_gradebook`` is off; one entry per active learner of the page asked for, with
    ``external_user_key`` only for learners with a program enrollment (``_gradebook_entry``)."""
    with state.lock:
        course = _gradebook_course(state, req.params["course_id"])
        if isinstance(course, Response):
            return course
        now = time.monotonic()
        username = req.arg("username")
        if username:
            user = state.users.get(username)
            if user is None:
                return error(404, "The user matching the requested username does not exist.",
                              error_code="user_does_not_exist")
            if (username, course.course_id) not in state.enrollments:
                return error(404, "The user matching the requested username is not enrolled in this course",
                              error_code="user_not_enrolled")
            return Response(200, state.gradebook_entry(user, course, now))
        active = [r for r in state.enrollments.values() if r.course_id == course.course_id and r.is_active]
        contains = (req.arg("user_contains") or "").lower()
        mode = req.arg("enrollment_mode")
        rows = []
        keys = state.external_keys(course.course_id)
        for r in active:
            user = state.users[r.username]
            key = keys.get(r.username, "")
            if contains and not any(contains in s.lower() for s in (user.username, user.email, key)):
                continue
            if mode and r.mode != mode:
                continue
            rows.append((r.id, user))
        page = paginate(req, rows, default_size=50, max_size=10_000, total_users_count=len(active),
                        filtered_users_count=len(rows))
        if page.status == 200:  # entries only for the page asked for, as the real view does
            page.body["results"] = [state.gradebook_entry(user, course, now, keys) for user in page.body["results"]]
    return page


def grading_info(state: LmsState, req: Request) -> Response:
    """``CourseGradingView`` (``lms/djangoapps/grades/rest_api/v1/gradebook_views.py``): every visible subsection,
    ungraded ones too, unless ``graded_only`` is true (default false); ``short_label`` only for graded ones."""
    graded_only = (req.arg("graded_only") or "").lower() == "true"
    with state.lock:
        course = state.courses.get(req.params["course_id"])
        if course is None:
            return error(404, "The course does not exist.")
        return Response(200, {
            "grade_cutoffs": course.cutoffs, "grades_frozen": course.grades_frozen, "can_see_bulk_management": False,
            "assignment_types": {f: {"type": f, "short_label": short_label(f), "min_count": 1, "drop_count": 0,
                                     "weight": w} for f, w in course.weights.items()},
            "subsections": [{"assignment_type": s.format, "graded": s.graded,
                             "short_label": short_label(s.format) if s.graded else None,
                             "module_id": s.usage_id, "display_name": s.display_name}
                            for s in course.subsections.values() if s.graded or not graded_only]})


COMMENT_MAX = 300
"""``PersistentSubsectionGradeOverride.override_reason`` is ``CharField(max_length=300)`` (``lms/djangoapps/grades/
models.py``); the bulk-update's ``comment`` is stored there."""


def bulk_update(state: LmsState, req: Request) -> Response:
    """``GradebookBulkUpdateView.post`` (``lms/djangoapps/grades/rest_api/v1/gradebook_views.py``): 403
    ``feature_not_enabled`` / ``grades_frozen``; per item ``{user_id, usage_id, success, reason}`` with the
    reasons of the caught ``DoesNotExist``/``InvalidKeyError``; 202 when all succeeded, else 422. Each item is
    recalculated in the request (``recalculate_subsection_grade_v3.apply``, not ``apply_async``):
    ``item_seconds`` per item models that time. A comment longer than ``override_reason``'s 300 characters is not
    a per-item failure: MySQL (strict mode) raises ``DataError``, the view does not catch it, the request ends in
    a 500 and ``ATOMIC_REQUESTS`` rolls every item of the batch back."""
    with state.lock:
        course = _gradebook_course(state, req.params["course_id"])
        if isinstance(course, Response):
            return course
        if course.grades_frozen:
            return error(403, "Grades are frozen for this course.", error_code="grades_frozen")
        if not isinstance(req.body, list):
            return Response(400, {"detail": 'Expected a list of items but got type "dict".'})
        if any(isinstance(i, dict) and len(str((i.get("grade") or {}).get("comment") or "")) > COMMENT_MAX
               for i in req.body):
            return Response(500, {"detail": "Server Error (500)"})  # 1406 Data too long for column 'override_reason'
    if state.item_seconds:
        time.sleep(state.item_seconds * len(req.body))
    with state.lock:
        results, effects = [], []
        by_id = {u.id: u for u in state.users.values()}
        for item in req.body:
            user_id, usage_id = item.get("user_id"), item.get("usage_id")

            def fail(reason: str, user_id=user_id, usage_id=usage_id) -> None:
                results.append({"user_id": user_id, "usage_id": usage_id, "success": False, "reason": reason})

            user = by_id.get(user_id) if isinstance(user_id, int) else None
            if user is None:
                fail("User matching query does not exist.")
                continue
            if not isinstance(usage_id, str) or not usage_id.startswith("block-v1:"):
                fail(f"<class 'opaque_keys.edx.locator.BlockUsageLocator'>: {usage_id}")
                continue
            if (user.username, course.course_id) not in state.enrollments:
                fail("CourseEnrollment matching query does not exist.")
                continue
            if usage_id not in course.subsections:
                fail(f"usage_key {usage_id} does not exist in this course.")
                continue
            injected = state.item_failures.get((user_id, usage_id)) or state.item_failures.get((None, None))
            if injected and injected[1] > 0:
                injected[1] -= 1
                fail(injected[0])
                continue
            grade = item.get("grade") or {}
            state._override(user.id, usage_id, grade, req.caller)
            results.append({"user_id": user.id, "usage_id": usage_id, "success": True, "reason": None})
            effects.append(("override", course.course_id, user.id, usage_id, grade.get("earned_graded_override"),
                            grade.get("possible_graded_override")))
    status = 202 if all(r["success"] for r in results) else 422
    return Response(status, results, effects)


def subsection_grade(state: LmsState, req: Request) -> Response:
    """``SubsectionGradeView.get`` (``lms/djangoapps/grades/rest_api/v1/gradebook_views.py``): 404 ``invalid_usage_key``
    / ``invalid_user_id``; the learner's grade (zero earned when never attempted), the override and its history
    oldest first, shaped by ``SubsectionGradeResponseSerializer`` (``lms/djangoapps/grades/rest_api/serializers.py``:
    history rows carry ``history_user`` and ``history_date``, not the docstring's ``user``/``comments``);
    ``history_record_limit`` keeps the latest rows."""
    usage_id = req.params["usage_id"]
    try:
        user_id = int(req.arg("user_id") or "")
    except ValueError:
        return error(404, "Invalid UserID", error_code="invalid_user_id")
    with state.lock:
        if user_id not in {u.id for u in state.users.values()}:
            return error(404, "Invalid UserID", error_code="invalid_user_id")
        try:
            course = state._course_of_usage(usage_id)
        except KeyError:
            return error(404, "Invalid UsageKey", error_code="invalid_usage_key")
        base = state.base_grades.get((user_id, usage_id))
        row = state.overrides.get((user_id, usage_id))
        earned, possible = base or (0.0, course.subsections[usage_id].possible)
        history = list(row.history) if row else []
        limit = req.arg("history_record_limit")
        if limit is not None:
            history = history[-int(limit):] if limit.isdigit() and int(limit) else []
        return Response(200, {
            "success": True, "subsection_id": usage_id, "user_id": user_id, "course_id": course.course_id,
            "original_grade": {"earned_all": earned, "possible_all": possible, "earned_graded": earned,
                               "possible_graded": possible},
            "override": None if row is None else {
                "earned_all_override": row.earned_all_override, "possible_all_override": row.possible_all_override,
                "earned_graded_override": row.earned_graded_override,
                "possible_graded_override": row.possible_graded_override},
            "history": history})


# ---- program grades (the program writes are in openedx_views_programs) ------------------------------------------

def program_grades(state: LmsState, req: Request) -> Response:
    with state.lock:
        program = find_program(state, req, with_course=True)
        if isinstance(program, Response):
            return program
        course_id = req.params["course_id"]
        course = state.courses[course_id]
        now = time.monotonic()
        rows = []
        for (key, cid), r in program.course_enrollments.items():
            if cid != course_id:
                continue
            username = program.enrollments[key].username
            if username and username in state.users:
                grade = state._course_grade(state.users[username], course, now)
                rows.append((r.id, {"student_key": key, "passed": grade["passed"], "percent": grade["percent"],
                                    "letter_grade": grade["letter_grade"]}))
            else:
                rows.append((r.id, {"student_key": key, "error": "no_user"}))
    if not rows:
        return Response(204)
    page = paginate(req, rows, default_size=100)
    if page.status == 200:
        errors = sum(1 for row in page.body["results"] if "error" in row)
        page.status = 200 if not errors else 422 if errors == len(page.body["results"]) else 207
    return page
