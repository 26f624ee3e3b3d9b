"""The raw shapes of the Open edX REST answers we use, parsed at the edge.

Each model mirrors one answer documented in openedx-platform (docs/decisions/0010-openedx-adapter.md names
the source of each). Unknown fields are ignored (the LMS adds fields between releases); missing or
mistyped required fields raise :class:`~adapters.errors.DataError` through :func:`parse`, naming the URL
and the field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from adapters.errors import DataError
from adapters.i18n import Translator

__all__ = [
    "Account",
    "BulkEnrollResult",
    "BulkUpdateItem",
    "CourseGrade",
    "EnrollmentAllowed",
    "EnrollmentItem",
    "GradebookEntry",
    "GradingInfo",
    "ProgramCourseEnrollment",
    "SectionGrade",
    "SubsectionGradeDetail",
    "parse",
    "parse_list",
]

_ = Translator.for_package("adapters").gettext
M = TypeVar("M", bound=BaseModel)


class _Raw(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


def _text(value: Any) -> Any:
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


class EnrollmentItem(_Raw):
    """One row of ``GET /api/enrollment/v1/enrollments`` (or one answer of ``POST …/enrollment``)."""

    user: str
    course_id: str
    is_active: bool
    mode: str | None = None
    created: datetime | None = None

    @classmethod
    def from_single(cls, data: Any) -> Any:
        """Flatten the single-enrollment shape (``course_details.course_id``) into the list shape."""
        if isinstance(data, dict) and "course_id" not in data and isinstance(data.get("course_details"), dict):
            data = {**data, "course_id": data["course_details"].get("course_id")}
        return data


class EnrollmentAllowed(_Raw):
    """One row of ``GET /api/enrollment/v1/enrollment_allowed/?email=``."""

    email: str
    course_id: str
    auto_enroll: bool | None = None


class Account(_Raw):
    """One account of ``GET /api/user/v1/accounts`` (staff view)."""

    username: str
    id: int | None = None
    email: str | None = None
    name: str | None = None
    is_active: bool | None = None


class CourseGrade(_Raw):
    """One row of ``GET /api/grades/v1/courses/{course_id}/``: ``percent`` is 0‥1."""

    username: str
    course_id: str | None = None
    email: str | None = None
    passed: bool | None = None
    percent: float
    letter_grade: str | None = None


class SectionGrade(_Raw):
    """One ``section_breakdown`` item of a gradebook entry (a graded subsection)."""

    module_id: str
    subsection_name: str | None = None
    label: str | None = None
    category: str | None = None
    attempted: bool | None = None
    percent: float | None = None
    score_earned: float = 0.0
    score_possible: float = 0.0


class GradebookEntry(_Raw):
    """One learner of ``GET /api/grades/v1/gradebook/{course_id}/``."""

    user_id: int
    username: str
    email: str | None = None
    full_name: str | None = None
    percent: float | None = None
    external_user_key: str | None = None
    section_breakdown: list[SectionGrade] = []

    @field_validator("external_user_key", mode="before")
    @classmethod
    def _key(cls, value: Any) -> Any:
        return _text(value)


class GradingSubsection(_Raw):
    """One subsection of ``GET /api/grades/v1/gradebook/{course_id}/grading-info``."""

    module_id: str
    display_name: str | None = None
    graded: bool = False
    short_label: str | None = None
    assignment_type: str | None = None


class GradingInfo(_Raw):
    """``GET /api/grades/v1/gradebook/{course_id}/grading-info``."""

    subsections: list[GradingSubsection] = []
    grades_frozen: bool | None = None


class OriginalGrade(_Raw):
    earned_all: float | None = None
    possible_all: float | None = None
    earned_graded: float | None = None
    possible_graded: float | None = None


class Override(_Raw):
    earned_all_override: float | None = None
    possible_all_override: float | None = None
    earned_graded_override: float | None = None
    possible_graded_override: float | None = None


class OverrideHistory(_Raw):
    """One row of an override's history: a ``simple_history`` record of ``PersistentSubsectionGradeOverride``.

    ``SubsectionGradeOverrideSimpleHistorySerializer`` (``lms/djangoapps/grades/rest_api/serializers.py``) names
    who made it ``history_user`` (the username; null when no request user, e.g. proctoring) and when
    ``history_date``; ``created`` is when the override row was first made, the same for every row. The view's
    docstring still shows the retired ``user``/``comments`` shape; both are read, the serializer's first.
    """

    history_user: str | None = None
    history_date: datetime | None = None
    history_type: str | None = None
    override_reason: str | None = None
    system: str | None = None
    user: str | None = None  # the retired shape
    created: datetime | None = None

    @property
    def who(self) -> str | None:
        """Who made this change (``history_user``, else the retired ``user``)."""
        return self.history_user if self.history_user is not None else self.user

    @property
    def when(self) -> datetime | None:
        """When this change was made (``history_date``, else ``created``)."""
        return self.history_date or self.created


class SubsectionGradeDetail(_Raw):
    """``GET /api/grades/v1/subsection/{usage_id}/?user_id=``: the original grade, an override and its history."""

    subsection_id: str | None = None
    user_id: int | None = None
    course_id: str | None = None
    original_grade: OriginalGrade | None = None
    override: Override | None = None
    history: list[OverrideHistory] = []

    def overridden_by_person(self, service_user: str) -> bool:
        """True when a person (not ``service_user``, our own account) set the override now in force: the latest
        history row (by ``history_date``; the LMS lists them oldest first) was made by someone else, or by no
        request user, or there is no history to tell."""
        override = self.override
        if override is None or all(v is None for v in override.model_dump().values()):
            return False
        if not self.history:
            return True
        dated = [h for h in self.history if h.when is not None]
        last = max(dated, key=lambda h: h.when) if len(dated) == len(self.history) else self.history[-1]
        return last.who != service_user


class BulkUpdateItem(_Raw):
    """One item of the ``POST /api/grades/v1/gradebook/{course_id}/bulk-update`` answer."""

    user_id: Any
    usage_id: str
    success: bool
    reason: str | None = None


class BulkEnrollResult(_Raw):
    """One identifier of a ``POST /api/bulk_enroll/v1/bulk_enroll/`` course result."""

    identifier: str
    before: dict[str, bool] | None = None
    after: dict[str, bool] | None = None
    error: bool = False
    invalidIdentifier: bool = False  # the LMS's field name
    error_message: str | None = None


class ProgramCourseEnrollment(_Raw):
    """One row of ``GET /api/program_enrollments/v1/programs/{uuid}/courses/{course_id}/enrollments/``."""

    student_key: str
    status: str
    account_exists: bool | None = None
    curriculum_uuid: str | None = None

    @field_validator("student_key", mode="before")
    @classmethod
    def _key(cls, value: Any) -> Any:
        return _text(value)


def parse(model: type[M], data: Any, where: dict[str, Any]) -> M:
    """Validate ``data`` as ``model``; raise :class:`DataError` (``bad_payload``) naming the field otherwise."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or "?"
        raise DataError(_("Open edX returned an unexpected answer: field {field}: {problem}").format(
            field=field, problem=first.get("msg", "")), code="bad_payload",
            where={**where, "field": field}) from exc


def parse_list(model: type[M], items: Any, where: dict[str, Any]) -> list[M]:
    """Validate every item of ``items`` (a list) as ``model``; the index of a bad item is in ``where``."""
    if not isinstance(items, list):
        raise DataError(_("Open edX returned an unexpected answer: a list was expected."), code="bad_payload",
                        where=where)
    return [parse(model, item, {**where, "index": i}) for i, item in enumerate(items)]
