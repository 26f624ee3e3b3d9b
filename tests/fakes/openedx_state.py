"""The in-memory data of the fake Open edX LMS: users, courses, enrollments, grades and programs.

Pure Python, no HTTP: ``openedx_server`` turns requests into calls here, and tests seed and inspect the
same object directly. Behaviour follows openedx-platform's views (enrollment API v1, grades API v1 and the
gradebook bulk-update, program enrollments v1, bulk enroll): the same validation order, the same per-item
reasons and the same statuses, so that an adapter tested against this fake meets the real thing's rules.
Every public method takes the one lock, so tests may call them while the server runs.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

PROGRAM_OK = {"enrolled", "pending", "canceled", "suspended", "ended"}
PROGRAM_COURSE_OK = {"active", "inactive"}
MAX_PROGRAM_WRITE = 25  # openedx-platform MAX_ENROLLMENT_RECORDS


def short_label(assignment_type: str) -> str:
    """The short label Open edX shows for an assignment type ("HW" for Homework)."""
    return {"Homework": "HW", "Lab": "Lab", "Midterm Exam": "Midterm", "Final Exam": "Final"}.get(
        assignment_type, assignment_type[:4])


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class User:
    id: int
    username: str
    email: str
    name: str = ""
    phone: str | None = None
    is_active: bool = True
    date_joined: str = field(default_factory=_now)

    def account(self) -> dict[str, Any]:
        """The /api/user/v1/accounts representation a staff caller sees (a subset of the fields).

        As ``UserReadOnlySerializer.to_representation`` in openedx-platform
        ``openedx/core/djangoapps/user_api/accounts/serializers.py``: ``name`` is the learner's full name from the
        profile (``user_profile.name``, the 姓名 a registrar needs; the course grades API carries none),
        ``phone_number`` is the profile's, both ``None`` for a user without a profile."""
        return {"id": self.id, "username": self.username, "email": self.email, "name": self.name,
                "is_active": self.is_active, "date_joined": self.date_joined, "phone_number": self.phone,
                "country": None, "language": None, "bio": None, "year_of_birth": None}


@dataclass
class Subsection:
    usage_id: str
    display_name: str
    possible: float = 100.0
    format: str = "Homework"
    graded: bool = True


@dataclass
class Course:
    course_id: str
    name: str
    subsections: dict[str, Subsection]
    modes: tuple[str, ...] = ("audit", "verified", "masters")
    weights: dict[str, float] = field(default_factory=lambda: {"Homework": 1.0})
    cutoffs: dict[str, float] = field(default_factory=lambda: {"Pass": 0.5})
    writable_gradebook: bool = False  # the course waffle flag grades.writable_gradebook: off unless turned on
    enrollment_start: str | None = None  # ISO date-times; outside them only force_enrollment creates enrollments
    enrollment_end: str | None = None
    grades_frozen: bool = False
    recalc_delay: float = 0.0  # seconds before an override shows in computed grades (Celery lag)


@dataclass
class Enrollment:
    id: int
    username: str
    course_id: str
    mode: str
    is_active: bool
    created: str = field(default_factory=_now)


@dataclass
class Allowed:
    id: int
    email: str
    course_id: str
    auto_enroll: bool
    created: str = field(default_factory=_now)


@dataclass
class Override:
    earned_all_override: float | None
    possible_all_override: float | None
    earned_graded_override: float | None
    possible_graded_override: float | None
    comment: str | None
    by: str
    applied_at: float
    history: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ProgramEnrollment:
    id: int
    student_key: str
    username: str | None
    status: str
    curriculum_uuid: str


@dataclass
class ProgramCourseEnrollment:
    id: int
    student_key: str
    course_id: str
    status: str
    course_staff: bool = False


@dataclass
class Program:
    """A program in the LMS's catalog cache (``get_programs(uuid=…)``): its course runs and active curriculum."""

    uuid: str
    courses: set[str]
    curriculum_uuid: str = field(default_factory=lambda: str(uuid.uuid4()))
    enrollments: dict[str, ProgramEnrollment] = field(default_factory=dict)
    course_enrollments: dict[tuple[str, str], ProgramCourseEnrollment] = field(default_factory=dict)



class LmsState:
    """Everything the fake LMS knows, behind one lock. Seed it with ``add_*``; read it with the getters."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._ids = itertools.count(1)
        self.users: dict[str, User] = {}
        self.courses: dict[str, Course] = {}
        self.enrollments: dict[tuple[str, str], Enrollment] = {}
        self.allowed: dict[tuple[str, str], Allowed] = {}
        self.base_grades: dict[tuple[int, str], tuple[float, float]] = {}  # (user_id, usage_id) -> earned, possible
        self.overrides: dict[tuple[int, str], Override] = {}
        self.course_grades: dict[tuple[str, str], float] = {}  # explicit course percent, wins over computed
        self.programs: dict[str, Program] = {}
        self.hidden_account_fields: set[str] = set()  # account fields left out of admin_fields by the operator
        # per-item failures for bulk-update: (user_id, usage_id) -> [reason, times left]; (None, None) = any
        self.item_failures: dict[tuple[int | None, str | None], list[Any]] = {}
        self.item_seconds = 0.0  # bulk-update: time to recalculate one item inside the request

    # ---- seeding -----------------------------------------------------------------------------------------

    def add_user(self, username: str, email: str | None = None, name: str = "", phone: str | None = None) -> User:
        """Create an account; enrollment-allowed rows with ``auto_enroll`` for its e-mail enroll it (as at sign-up)."""
        with self.lock:
            if username in self.users:
                raise ValueError(f"user {username} exists")
            user = User(next(self._ids), username, (email or f"{username}@example.edu").lower(), name, phone)
            self.users[username] = user
            for (mail, course_id), allowed in list(self.allowed.items()):
                if mail == user.email and allowed.auto_enroll:
                    self._set_enrollment(username, course_id, self._default_mode(course_id), True)
            return user

    def add_course(self, course_id: str, name: str | None = None, subsections: list[tuple] | None = None,
                   **options: Any) -> Course:
        """Create a course. ``subsections``: (block_id, display_name, possible[, format]) tuples."""
        key = course_id.split(":", 1)[1] if ":" in course_id else course_id
        items: dict[str, Subsection] = {}
        for entry in subsections or [("hw1", "Homework 1", 100.0)]:
            block_id, display_name, possible, *rest = entry
            usage_id = f"block-v1:{key}+type@sequential+block@{block_id}"
            items[usage_id] = Subsection(usage_id, display_name, float(possible), *(rest[:1] or ["Homework"]))
        with self.lock:
            course = Course(course_id, name or course_id, items, **options)
            self.courses[course_id] = course
            return course

    def waffle_flag(self, name: str, course_id: str | None = None, on: bool = True) -> None:
        """Turn a course waffle flag on (or off) for one course or, without ``course_id``, for every course, as an
        operator does in the Django admin (``waffle_utils`` course overrides) or with ``manage.py lms waffle_flag``.
        Only ``grades.writable_gradebook`` is known (``lms/djangoapps/grades/config/waffle.py``: default off)."""
        if name != "grades.writable_gradebook":
            raise ValueError(f"unknown waffle flag {name}")
        with self.lock:
            for course in self.courses.values():
                if course_id is None or course.course_id == course_id:
                    course.writable_gradebook = on

    def enrollment_closed(self, username: str, course: Course) -> bool:
        """``CourseEnrollment.is_enrollment_closed``: outside enrollment_start‥end, unless an enrollment-allowed
        row names the learner's e-mail (``lms/djangoapps/courseware/access.py`` ``_can_enroll_courselike``)."""
        if (self.users[username].email, course.course_id) in self.allowed:
            return False
        now = datetime.now(UTC)
        start, end = (datetime.fromisoformat(v.replace("Z", "+00:00")) if v else None
                      for v in (course.enrollment_start, course.enrollment_end))
        return bool((start and now < start) or (end and now > end))

    def enroll(self, username: str, course_id: str, mode: str | None = None, is_active: bool = True) -> Enrollment:
        with self.lock:
            return self._set_enrollment(username, course_id, mode or self._default_mode(course_id), is_active)

    def set_grade(self, username: str, usage_id: str, earned: float, possible: float | None = None) -> None:
        """The learner's own (computed, not overridden) score on a subsection."""
        with self.lock:
            user = self.users[username]
            sub = self._course_of_usage(usage_id).subsections[usage_id]
            self.base_grades[(user.id, usage_id)] = (float(earned), float(possible or sub.possible))

    def set_override(self, username: str, usage_id: str, earned: float, possible: float | None = None,
                     by: str = "instructor", comment: str | None = None) -> None:
        """A grade override made by a person in the gradebook (``by``), not by the sync service."""
        with self.lock:
            user = self.users[username]
            self._override(user.id, usage_id, {"earned_graded_override": earned, "possible_graded_override": possible,
                                               "comment": comment}, by)

    def set_course_grade(self, username: str, course_id: str, percent: float) -> None:
        """Fix a learner's course grade (0..1) instead of computing it from subsections."""
        with self.lock:
            self.course_grades[(username, course_id)] = float(percent)

    def allow(self, email: str, course_id: str, auto_enroll: bool = True) -> Allowed:
        with self.lock:
            row = Allowed(next(self._ids), email.lower(), course_id, auto_enroll)
            self.allowed[(row.email, course_id)] = row
            return row

    def add_program(self, courses: list[str], program_uuid: str | None = None) -> Program:
        with self.lock:
            program = Program(program_uuid or str(uuid.uuid4()), set(courses))
            self.programs[program.uuid] = program
            return program

    def program_enroll(self, program_uuid: str, student_key: str, username: str | None = None,
                       status: str = "enrolled") -> ProgramEnrollment:
        """Enroll a 学号 in a program, linked to an account when ``username`` is given."""
        with self.lock:
            program = self.programs[program_uuid]
            row = ProgramEnrollment(next(self._ids), student_key, username, status, program.curriculum_uuid)
            program.enrollments[student_key] = row
            return row

    def fail_item(self, user_id: int | None = None, usage_id: str | None = None, times: int = 1,
                  reason: str = "Deadlock found when trying to get lock; try restarting transaction") -> None:
        """Make bulk-update report ``success: false`` for a (user_id, usage_id) pair ``times`` times (None = any)."""
        with self.lock:
            self.item_failures[(user_id, usage_id)] = [reason, times]

    # ---- reading (tests) ---------------------------------------------------------------------------------

    def user(self, username: str) -> User:
        return self.users[username]

    def enrollment(self, username: str, course_id: str) -> dict[str, Any] | None:
        with self.lock:
            row = self.enrollments.get((username, course_id))
            return None if row is None else {"mode": row.mode, "is_active": row.is_active}

    def active_usernames(self, course_id: str) -> set[str]:
        with self.lock:
            return {r.username for r in self.enrollments.values() if r.course_id == course_id and r.is_active}

    def override(self, username: str, usage_id: str) -> Override | None:
        with self.lock:
            return self.overrides.get((self.users[username].id, usage_id))

    def subsection_score(self, username: str, usage_id: str, now: float | None = None) -> tuple[float, float]:
        """The effective (earned, possible) graded score: the override where there is one, else the learner's."""
        with self.lock:
            user = self.users[username]
            return self._effective(user.id, usage_id, now if now is not None else float("inf"))

    def course_grade(self, username: str, course_id: str) -> dict[str, Any]:
        with self.lock:
            return self._course_grade(self.users[username], self.courses[course_id], time.monotonic())

    # ---- behaviour shared by the HTTP views ---------------------------------------------------------------

    def _default_mode(self, course_id: str) -> str:
        course = self.courses.get(course_id)
        return "audit" if course is None or "audit" in course.modes else course.modes[0]

    def _set_enrollment(self, username: str, course_id: str, mode: str, is_active: bool) -> Enrollment:
        row = self.enrollments.get((username, course_id))
        if row is None:
            row = Enrollment(next(self._ids), username, course_id, mode, is_active)
            self.enrollments[(username, course_id)] = row
        else:
            row.mode, row.is_active = mode, is_active
        return row

    def _course_of_usage(self, usage_id: str) -> Course:
        for course in self.courses.values():
            if usage_id in course.subsections:
                return course
        raise KeyError(usage_id)

    def _override(self, user_id: int, usage_id: str, data: dict[str, Any], by: str | None) -> Override:
        """Create or update the override as ``PersistentSubsectionGradeOverride.update_or_create_override`` does
        (``lms/djangoapps/grades/models.py``), adding the ``simple_history`` row the subsection view shows through
        ``SubsectionGradeOverrideSimpleHistorySerializer`` (``lms/djangoapps/grades/rest_api/serializers.py``):
        ``history_user`` is the requesting user's username (``None`` without one), ``history_date`` the time of
        this change, ``created`` the time the override row was first made, ``history_type`` ``+`` or ``~``."""
        def num(key: str) -> float | None:
            value = data.get(key)
            return None if value is None else float(value)

        row = Override(num("earned_all_override"), num("possible_all_override"), num("earned_graded_override"),
                       num("possible_graded_override"), data.get("comment"), by or "", time.monotonic())
        old = self.overrides.get((user_id, usage_id))
        created = old.history[0]["created"] if old and old.history else _now()
        who = self.users.get(by or "")
        row.history = [*(old.history if old else []), {
            "created": created, "grade_id": user_id * 1000 + len(self.overrides), "history_id": next(self._ids),
            "id": user_id, "earned_all_override": row.earned_all_override,
            "possible_all_override": row.possible_all_override, "earned_graded_override": row.earned_graded_override,
            "possible_graded_override": row.possible_graded_override, "override_reason": row.comment,
            "system": "GRADEBOOK", "history_date": _now(), "history_type": "~" if old else "+",
            "history_user": by, "history_user_id": who.id if who else None}]
        self.overrides[(user_id, usage_id)] = row
        return row

    def _effective(self, user_id: int, usage_id: str, now: float) -> tuple[float, float]:
        course = self._course_of_usage(usage_id)
        sub = course.subsections[usage_id]
        earned, possible = self.base_grades.get((user_id, usage_id), (0.0, sub.possible))
        row = self.overrides.get((user_id, usage_id))
        if row is not None and now - row.applied_at >= course.recalc_delay:
            if row.earned_graded_override is not None:
                earned = row.earned_graded_override
            if row.possible_graded_override is not None:
                possible = row.possible_graded_override
        return earned, possible

    def _breakdown(self, user: User, course: Course, now: float) -> list[dict[str, Any]]:
        rows = []
        counters: dict[str, int] = {}
        for sub in course.subsections.values():
            if not sub.graded:
                continue
            counters[sub.format] = counters.get(sub.format, 0) + 1
            earned, possible = self._effective(user.id, sub.usage_id, now)
            attempted = (user.id, sub.usage_id) in self.base_grades or (user.id, sub.usage_id) in self.overrides
            rows.append({
                "attempted": attempted, "category": sub.format,
                "label": f"{short_label(sub.format)} {counters[sub.format]:02d}", "module_id": sub.usage_id,
                "percent": round(earned / possible, 4) if possible else 0.0,
                "score_earned": earned if attempted else 0.0, "score_possible": possible if attempted else 0.0,
                "subsection_name": sub.display_name,
            })
        return rows

    def _course_grade(self, user: User, course: Course, now: float,
                      breakdown: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        explicit = self.course_grades.get((user.username, course.course_id))
        if explicit is not None:
            percent = explicit
        else:
            rows = breakdown if breakdown is not None else self._breakdown(user, course, now)
            total = 0.0
            for fmt, weight in course.weights.items():
                parts = [row["percent"] for row in rows if row["category"] == fmt]
                if parts:
                    total += weight * sum(parts) / len(parts)
            percent = round(total + 1e-9, 2)
        letter = next((name for name, cut in sorted(course.cutoffs.items(), key=lambda kv: -kv[1]) if percent >= cut),
                      None)
        return {"username": user.username, "email": "", "course_id": course.course_id, "passed": letter is not None,
                "percent": percent, "letter_grade": letter}

    def external_keys(self, course_id: str) -> dict[str, str]:
        """{username: program ``student_key`` (学号)} for the programs that contain the course."""
        keys: dict[str, str] = {}
        for program in self.programs.values():
            if course_id in program.courses:
                keys.update({r.username: r.student_key for r in program.enrollments.values() if r.username})
        return keys

    def gradebook_entry(self, user: User, course: Course, now: float,
                        keys: dict[str, str] | None = None) -> dict[str, Any]:
        breakdown = self._breakdown(user, course, now)
        entry = self._course_grade(user, course, now, breakdown)
        entry.update({"user_id": user.id, "full_name": None, "profile_name": user.name or None,
                      "progress_page_url": f"/courses/{course.course_id}/progress/{user.id}/",
                      "section_breakdown": breakdown})
        key = (keys if keys is not None else self.external_keys(course.course_id)).get(user.username)
        if key:
            entry["external_user_key"] = key
        return entry
