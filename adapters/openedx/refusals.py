"""Open edX refusals that a setting explains, turned into typed errors that name the setting to change.

- ``403 feature_not_enabled`` from the gradebook, its bulk-update (``verify_writable_gradebook_enabled``,
  ``lms/djangoapps/grades/rest_api/v1/gradebook_views.py``): the course waffle flag ``grades.writable_gradebook``
  (``lms/djangoapps/grades/config/waffle.py``, default off) → ``writable_gradebook_off``; ``403 grades_frozen`` →
  ``grades_frozen``.
- ``404`` from ``/api/bulk_enroll/v1/bulk_enroll``: ``lms/urls.py`` mounts it only with
  ``FEATURES['ENABLE_BULK_ENROLLMENT_VIEW']`` → ``bulk_enroll_off``.
- ``400`` from the enrollment POST without ``force_enrollment``: ``CourseEnrollment.enroll(check_access=True)``
  refuses outside the enrollment dates, with the generic message of ``CourseEnrollmentError``
  (``openedx/core/djangoapps/enrollments/views.py``) → ``enrollment_refused``, naming ``force_enrollment=true``.
"""

from __future__ import annotations

from adapters.errors import AdapterError, FatalError
from adapters.i18n import Translator

__all__ = ["bulk_enroll_refusal", "enrollment_refusal", "gradebook_refusal"]

_ = Translator.for_package("adapters").gettext

WRITABLE_GRADEBOOK_FLAG = "grades.writable_gradebook"


def gradebook_refusal(exc: AdapterError, course_id: str) -> FatalError | None:
    """The typed error for a gradebook answer ``exc``; ``None`` when no setting explains it."""
    body = exc.body or ""
    if exc.status != 403:
        return None
    where = {"course_id": course_id, "waffle_flag": WRITABLE_GRADEBOOK_FLAG}
    if "feature_not_enabled" in body:
        return FatalError(_(
            "The writable gradebook is off for {course} (Open edX answered 403 feature_not_enabled), so its grades and "
            "学号 can be neither read nor written. Turn on the course waffle flag {flag}: in the LMS Django admin, "
            "Waffle_Utils › Waffle flag course overrides › add {flag} for {course}, Override choice \"Force On\", "
            "Enabled; or for every course: ./manage.py lms waffle_flag {flag} --everyone --create "
            "(Tutor: tutor local run lms ./manage.py lms waffle_flag {flag} --everyone --create).").format(
            course=course_id, flag=WRITABLE_GRADEBOOK_FLAG), code="writable_gradebook_off", status=403, body=body,
            where=where)
    if "grades_frozen" in body:
        return FatalError(_("The grades of {course} are frozen (Open edX answered 403 grades_frozen: the course ended "
                            "more than 30 days ago and grades.enforce_freeze_grade_after_course_end is on); they "
                            "cannot be changed.").format(course=course_id),
                          code="grades_frozen", status=403, body=body, where={"course_id": course_id})
    return None


def bulk_enroll_refusal(exc: AdapterError) -> FatalError | None:
    """The typed error for a bulk enroll answer ``exc`` (404: the view is not mounted); else ``None``."""
    if exc.status != 404:
        return None
    return FatalError(_("Open edX has no bulk enrollment API (HTTP 404 at /api/bulk_enroll/v1/bulk_enroll): set "
                        "FEATURES['ENABLE_BULK_ENROLLMENT_VIEW'] = True in the LMS settings (Tutor: a plugin patch "
                        "of \"lms-env-features\") and restart the LMS, or remove bulk_enroll=true from the SPEC."),
                      code="bulk_enroll_off", status=404, body=exc.body,
                      where={"feature": "ENABLE_BULK_ENROLLMENT_VIEW"})


def enrollment_refusal(exc: AdapterError, username: str, course_id: str, forced: bool) -> FatalError | None:
    """The typed error for an enrollment POST refused with a 400 while ``force_enrollment`` was not sent."""
    if exc.status != 400 or forced or "creating the new course enrollment" not in (exc.body or ""):
        return None
    return FatalError(_("Open edX refused to enrol {user} in {course} (HTTP 400). Outside the course's enrollment "
                        "dates only a forced enrollment works: add force_enrollment=true to the SPEC (the service "
                        "user must be global staff), or open the enrollment dates in Studio.").format(
        user=username, course=course_id), code="enrollment_refused", status=400, body=exc.body,
        where={"course_id": course_id, "username": username, "option": "force_enrollment"})
