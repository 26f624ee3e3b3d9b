"""The fake LMS's user and enrollment endpoints, and what every view shares: requests, responses, pagination.

One function per view, from a parsed request to (status, JSON body, effects).

Routes, bodies, statuses and per-item reasons follow openedx-platform (checked against its source):
``openedx/core/djangoapps/enrollments/views.py``, ``lms/djangoapps/grades/rest_api/v1/{views,gradebook_views}.py``,
``lms/djangoapps/program_enrollments/rest_api/v1/views.py``, ``lms/djangoapps/bulk_enroll`` and
``openedx/core/djangoapps/user_api/accounts/views.py``. ``effects`` lists what a write changed, one tuple
per item, so the server's write log can prove that no change was made twice.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from .openedx_state import LmsState


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    caller: str
    base_url: str
    pagination: str = "cursor"
    page_size: int | None = None
    params: dict[str, str] = field(default_factory=dict)

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class Response:
    status: int
    body: Any = None
    effects: list[tuple] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)


def error(status: int, message: str, **extra: Any) -> Response:
    """``DeveloperErrorViewMixin.api_error`` (``openedx/core/lib/api/view_utils.py``): ``developer_message`` and,
    when given, ``error_code``."""
    return Response(status, {"developer_message": message, **extra})


def paginate(req: Request, rows: list[Any], default_size: int, max_size: int = 100, **extra: Any) -> Response:
    """DRF-style pagination, cursor (``?cursor=``, opaque, by id) or page number (``?page=``), always with ``next``."""
    try:
        size = int(req.arg("page_size") or req.page_size or default_size)
    except ValueError:
        size = default_size
    size = max(1, min(size, max_size))
    rows = sorted(rows, key=lambda row: row[0])
    params = {k: v[0] for k, v in req.query.items() if k not in ("cursor", "page")}

    def link(**change: Any) -> str:
        return f"{req.base_url}{req.path}?{urlencode({**params, **change})}"

    if req.pagination == "page":
        try:
            page = int(req.arg("page") or 1)
        except ValueError:
            return Response(404, {"detail": "Invalid page."})
        pages = max(1, -(-len(rows) // size))
        if page < 1 or page > pages:
            return Response(404, {"detail": "Invalid page."})
        chunk = rows[(page - 1) * size: page * size]
        body = {"count": len(rows), "num_pages": pages, "current_page": page, "start": (page - 1) * size,
                "next": link(page=page + 1) if page < pages else None,
                "previous": link(page=page - 1) if page > 1 else None}
    else:
        after = 0
        cursor = req.arg("cursor")
        if cursor:
            try:
                after = int(base64.urlsafe_b64decode(cursor.encode() + b"==").decode().removeprefix("p="))
            except (ValueError, UnicodeDecodeError):
                return Response(404, {"detail": "Invalid cursor"})
        remaining = [row for row in rows if row[0] > after]
        chunk = remaining[:size]
        more = len(remaining) > size
        token = base64.urlsafe_b64encode(f"p={chunk[-1][0]}".encode()).decode().rstrip("=") if chunk else ""
        body = {"next": link(cursor=token) if more else None, "previous": link(cursor="cD0w") if after else None}
    body["results"] = [row[1] for row in chunk]
    body.update(extra)
    return Response(200, body)


# ---- users --------------------------------------------------------------------------------------------------

def _shown(state: LmsState, account: dict[str, Any]) -> dict[str, Any]:
    """``UserReadOnlySerializer._filter_fields`` (``openedx/core/djangoapps/user_api/accounts/serializers.py``): only
    the fields of ``ACCOUNT_VISIBILITY_CONFIGURATION["admin_fields"]``; ``state.hidden_account_fields`` are the
    ones an operator's configuration leaves out."""
    return {k: v for k, v in account.items() if k not in state.hidden_account_fields}


def accounts(state: LmsState, req: Request) -> Response:
    names = req.arg("usernames") or req.arg("username")
    email = req.arg("email")
    with state.lock:
        if names:
            found = [state.users[n].account() for n in names.strip(",").split(",") if n in state.users]
        elif email:
            found = [u.account() for u in state.users.values() if u.email == email.strip().lower()]
        else:
            found = []
    return Response(200, [_shown(state, a) for a in found]) if found else Response(404)


def account(state: LmsState, req: Request) -> Response:
    user = state.users.get(req.params["username"])
    return Response(200, _shown(state, user.account())) if user else Response(404)


def studio_import_status(state: LmsState, req: Request) -> Response:
    """Studio's ``CourseImportView.get`` (``cms/djangoapps/contentstore/api/views/course_import.py``).

    ``course_author_access_required`` (``cms/djangoapps/contentstore/api/views/utils.py``) lets a global staff caller
    through for any course key, even one Studio does not have, and answers ``403 user_permissions`` otherwise (checked
    in the dispatcher, which knows the caller). The
    view then looks the task up by ``task_id`` and a name made from the course and ``filename``; an unknown task
    leaves ``None``, whose ``.state`` fails inside its ``try``, re-raised as ``500 internal_error`` with the
    exception's text (``DeveloperErrorViewMixin``, ``openedx/core/lib/api/view_utils.py``). So the status request
    never says whether the course exists."""
    return error(500, "'NoneType' object has no attribute 'state'", error_code="internal_error")


def me(state: LmsState, req: Request) -> Response:
    return Response(200, {"username": req.caller})


# ---- enrollment API v1 ----------------------------------------------------------------------------------------

def _course_details(state: LmsState, course_id: str) -> dict[str, Any]:
    course = state.courses[course_id]
    return {"course_id": course_id, "course_name": course.name, "enrollment_start": course.enrollment_start,
            "enrollment_end": course.enrollment_end,
            "course_start": None, "course_end": None, "invite_only": False, "pacing_type": "Instructor Paced",
            "course_modes": [{"slug": m, "name": m.title(), "min_price": 0, "suggested_prices": "", "currency": "usd",
                              "expiration_datetime": None, "description": None, "sku": None, "bulk_sku": None}
                             for m in course.modes]}


def _enrollment_body(state: LmsState, row: Any) -> dict[str, Any]:
    return {"created": row.created, "mode": row.mode, "is_active": row.is_active,
            "course_details": _course_details(state, row.course_id), "user": row.username}


def enrollments_list(state: LmsState, req: Request) -> Response:
    course_id = req.arg("course_id")
    course_ids = [c for c in (req.arg("course_ids") or "").split(",") if c]
    usernames = {u for u in (req.arg("username") or "").split(",") if u}
    emails = {e.lower() for e in (req.arg("email") or "").split(",") if e}
    with state.lock:
        rows = []
        for row in state.enrollments.values():
            user = state.users[row.username]
            if (course_id and row.course_id != course_id) or (course_ids and not any(c in row.course_id
                                                                                       for c in course_ids)):
                continue
            if (usernames and row.username not in usernames) or (emails and user.email not in emails):
                continue
            rows.append((row.id, {"created": row.created, "mode": row.mode, "is_active": row.is_active,
                                  "user": row.username, "course_id": row.course_id}))
    return paginate(req, rows, default_size=100)


def enrollment_detail(state: LmsState, req: Request) -> Response:
    with state.lock:
        row = state.enrollments.get((req.params["username"], req.params["course_id"]))
        return Response(200, _enrollment_body(state, row) if row else None)


def course_detail(state: LmsState, req: Request) -> Response:
    course_id = req.params["course_id"]
    if course_id not in state.courses:
        return Response(400, {"message": f"No course found for course ID '{course_id}'"})
    return Response(200, _course_details(state, course_id))


def enrollment_post(state: LmsState, req: Request) -> Response:
    """``EnrollmentListView.post`` (``openedx/core/djangoapps/enrollments/views.py``) for a global staff caller: a
    change of mode or activation of an existing enrollment is an update (no enrollment window); anything else
    goes through ``add_enrollment`` → ``CourseEnrollment.enroll(check_access=True, can_upgrade=force_enrollment)``
    (``enrollments/data.py``), so outside the course's enrollment window it fails with the generic 400 of
    ``CourseEnrollmentError`` unless ``force_enrollment`` is true (a bool, else 400)."""
    body = req.body if isinstance(req.body, dict) else {}
    course_id = (body.get("course_details") or {}).get("course_id")
    if not course_id:
        return Response(400, {"message": "Course ID must be specified to create a new enrollment."})
    with state.lock:
        username = body.get("user")
        if not username and body.get("email"):
            match = [u for u in state.users.values() if u.email == str(body["email"]).lower()]
            if not match:
                return Response(406, {"message": f"The user with the email address {body['email']} does not exist."})
            username = match[0].username
        username = username or req.caller
        if username not in state.users:
            return Response(406, {"message": f"The user {username} does not exist."})
        course = state.courses.get(course_id)
        if course is None:
            return Response(400, {"message": f"No course '{course_id}' found for enrollment"})
        mode, is_active = body.get("mode"), body.get("is_active")
        if is_active is not None and not isinstance(is_active, bool):
            return Response(400, {"message": f"'{is_active}' is an invalid enrollment activation status."})
        if mode is not None and mode not in course.modes:
            return Response(400, {"message": f"The [{mode}] course mode is expired or otherwise unavailable for "
                                             f"course run [{course_id}].", "course_details": {}})
        row = state.enrollments.get((username, course_id))
        mode_changed = row is not None and mode is not None and row.mode != mode
        active_changed = row is not None and is_active is not None and row.is_active != is_active
        if mode_changed and active_changed and not is_active:
            return Response(400, {"message": f"Enrollment mode mismatch: active mode={row.mode}, requested "
                                             f"mode={mode}. Won't deactivate."})
        force = body.get("force_enrollment")
        if force is not None and not isinstance(force, bool):
            return Response(400, {"message": f"'{force}' is an invalid force enrollment status."})
        if not (mode_changed or active_changed) and not force and state.enrollment_closed(username, course):
            return Response(400, {"message": "An error occurred while creating the new course enrollment for user "
                                             f"'{username}' in course '{course_id}'"})
        new_mode = mode or (row.mode if row else state._default_mode(course_id))
        new_active = True if is_active is None and not (mode_changed or active_changed) else (
            is_active if is_active is not None else row.is_active)
        row = state._set_enrollment(username, course_id, new_mode, new_active)
        effect = ("enrollment", username, course_id, row.mode, row.is_active)
        return Response(200, _enrollment_body(state, row), [effect])


def enrollment_allowed(state: LmsState, req: Request) -> Response:
    """``/api/enrollment/v1/enrollment_allowed/`` as ``EnrollmentAllowedView`` in openedx-platform's
    ``openedx/core/djangoapps/enrollments/views.py`` (admin only): GET lists the rows of ONE e-mail (``?email=``,
    defaulting to the caller's own) across all courses — there is no listing per course, so a client can only
    ask person by person; POST creates one (201, 409 when it exists, 400 without email/course_id; ``auto_enroll``
    defaults to false); DELETE removes one (204, 404 when there is none)."""
    if req.method == "GET":
        caller = state.users.get(req.caller)
        email = (req.arg("email") or (caller.email if caller else "") or "").lower()
        with state.lock:
            rows = [{"email": a.email, "course_id": a.course_id, "auto_enroll": a.auto_enroll, "created": a.created,
                     "user": None} for a in state.allowed.values() if a.email == email]
        return Response(200, rows)
    body = req.body if isinstance(req.body, dict) else {}
    email, course_id = body.get("email"), body.get("course_id")
    if not email or not course_id:
        return Response(400, {"message": "Please provide a value for 'email' and 'course_id' in the request data."})
    key = (str(email).lower(), course_id)
    with state.lock:
        if req.method == "DELETE":
            if state.allowed.pop(key, None) is None:
                return Response(404, {"message": f"An enrollment allowed with email {email} and course {course_id} "
                                                 "doesn't exists."})
            return Response(204, None, [("allowed-delete", *key)])
        if key in state.allowed:
            return Response(409, {"message": f"An enrollment allowed with email {email} and course {course_id} "
                                             "already exists."})
        row = state.allow(key[0], course_id, bool(body.get("auto_enroll", False)))
        return Response(201, {"email": row.email, "course_id": course_id, "auto_enroll": row.auto_enroll,
                              "created": row.created, "user": None}, [("allowed", *key)])


def bulk_enroll(state: LmsState, req: Request) -> Response:
    """``BulkEnrollView.post`` at ``/api/bulk_enroll/v1/bulk_enroll`` — no trailing slash
    (``lms/djangoapps/bulk_enroll/urls.py``), mounted only with ``FEATURES['ENABLE_BULK_ENROLLMENT_VIEW']``
    (``lms/urls.py``; otherwise 404, see the server) — answering per identifier as
    ``students_update_enrollment`` (``lms/djangoapps/instructor/views/api.py``) does."""
    body = req.body if isinstance(req.body, dict) else {}

    def listed(name: str) -> list[str]:
        value = body.get(name) or ""
        value = ",".join(value) if isinstance(value, list) else str(value)
        return [part.strip() for part in re.split(r"[,\n]", value) if part.strip()]

    identifiers, courses, action = listed("identifiers"), listed("courses"), body.get("action")
    if not identifiers or not courses or action not in ("enroll", "unenroll"):
        return Response(400, {"identifiers": ["This field is required."]} if not identifiers
                        else {"action": [f'"{action}" is not a valid choice.']})
    auto = str(body.get("auto_enroll", False)).lower() in ("true", "1")
    out: dict[str, Any] = {"action": action, "auto_enroll": auto,
                           "email_students": str(body.get("email_students", False)).lower() in ("true", "1"),
                           "courses": {}}
    effects = []
    with state.lock:
        for course_id in courses:
            if course_id not in state.courses:
                return Response(400, {"courses": [f"Course {course_id} does not exist."]})
            results = []
            for ident in identifiers:
                user = state.users.get(ident) or next((u for u in state.users.values() if u.email == ident.lower()),
                                                      None)
                if user is None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", ident):
                    results.append({"identifier": ident, "invalidIdentifier": True})
                    continue

                def snapshot(user=user, ident=ident, course_id=course_id) -> dict[str, Any]:
                    row = state.enrollments.get((user.username, course_id)) if user else None
                    allowed = state.allowed.get((ident.lower(), course_id)) if user is None else None
                    return {"enrollment": bool(row and row.is_active), "auto_enroll": bool(allowed and
                                                                                           allowed.auto_enroll),
                            "user": user is not None, "allowed": allowed is not None}

                before = snapshot()
                if user is not None:
                    row = state.enrollments.get((user.username, course_id))
                    mode = row.mode if row else state._default_mode(course_id)
                    state._set_enrollment(user.username, course_id, mode, action == "enroll")
                    effects.append(("enrollment", user.username, course_id, mode, action == "enroll"))
                elif action == "enroll":
                    state.allow(ident.lower(), course_id, auto)
                    effects.append(("allowed", ident.lower(), course_id))
                else:
                    state.allowed.pop((ident.lower(), course_id), None)
                    effects.append(("allowed-delete", ident.lower(), course_id))
                results.append({"identifier": ident, "before": before, "after": snapshot()})
            out["courses"][course_id] = {"action": action, "auto_enroll": auto, "results": results}
    return Response(200, out, effects)
