"""Open edX refusals that a setting explains, turned into typed errors that name the setting to change.

- ``403 feature_not_enabled`` from the gradebook, its bulk-update (``verify_writable_gradebook_enabled``,
  ``lms/djangoapps/grades/rest_api/v1/gradebook_views.py``): the course waffle flag ``grades.writable_gradebook``
  (``lms/djangoapps/grades/config/waffle.py``, default off) → ``writable_gradebook_off``; ``403 grades_frozen`` →
  ``grades_frozen``.
- ``404`` from ``/api/bulk_enroll/v1/bulk_enroll``: ``lms/urls.py`` mounts it only with
  ``FEATURES['ENABLE_BULK_ENROLLMENT_VIEW']`` → ``bulk_enroll_off``.
- ``404 program_does_not_exist`` / ``course_not_in_program`` from the program enrollments API
  (``verify_program_exists``, ``verify_course_exists_and_in_program`` in
  ``lms/djangoapps/program_enrollments/rest_api/v1/utils.py``): the program is not in the LMS's cache of the catalog,
  or its catalog curriculum lacks the course run → ``program_not_in_catalog`` / ``course_not_in_program``, naming
  ``cache_programs`` (``openedx/core/djangoapps/catalog/management/commands/cache_programs.py``).
- ``400`` from the enrollment POST without ``force_enrollment``: ``CourseEnrollment.enroll(check_access=True)``
  refuses outside the enrollment dates, with the generic message of ``CourseEnrollmentError``
  (``openedx/core/djangoapps/enrollments/views.py``) → ``enrollment_refused``, naming ``force_enrollment=true``.
"""

from __future__ import annotations

from adapters.errors import AdapterError, FatalError
from adapters.i18n import Translator

__all__ = ["bulk_enroll_refusal", "enrollment_refusal", "gradebook_refusal", "program_refusal"]

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


def program_refusal(exc: AdapterError, program: str, course_id: str | None = None) -> FatalError | None:
    """The typed error for a program enrollments answer ``exc`` (404: not in the catalog); else ``None``."""
    body = exc.body or ""
    if exc.status != 404:
        return None
    if "program_does_not_exist" in body:
        return FatalError(_(
            "Open edX does not know program {program} (HTTP 404 program_does_not_exist): the LMS looks programs up in "
            "its cache of the catalog (course-discovery). Check program= in the SPEC, publish the program in the "
            "catalog, then refresh the cache: ./manage.py lms cache_programs (Tutor: tutor local run lms "
            "./manage.py lms cache_programs).").format(program=program),
            code="program_not_in_catalog", status=404, body=body, where={"program": program})
    if "course_not_in_program" in body and course_id:
        return FatalError(_(
            "Course {course} is not in program {program} in the catalog (HTTP 404 course_not_in_program), so its "
            "students cannot be enrolled through the program. Add the course run to the program's curriculum in "
            "the catalog (course-discovery), refresh the LMS's cache (./manage.py lms cache_programs), or remove "
            "program= from the SPEC to enrol by username.").format(course=course_id, program=program),
            code="course_not_in_program", status=404, body=body, where={"program": program, "course_id": course_id})
    return None
