"""Who may read a course's SCORM package files through the plugin app's view: what the LMS allows, asked of it.

The block's handlers run only for users the LMS lets see the block (``handle_xblock_callback`` loads it through
``has_access(user, "load", block)``). The view serves files outside that path, so it asks the LMS's own
functions, per request, for the course in the signed URL:

* ``CourseEnrollment.is_enrolled(user, course_key)`` (``common/djangoapps/student/models/course_enrollment.py``):
  an active enrollment; or
* ``has_access(user, "staff", course_key)`` (``lms/djangoapps/courseware/access.py``): course staff,
  instructors and global staff.

An operator may replace the rule with ``XBLOCK_SETTINGS["mooc_bridge_scorm"]["ASSET_ACCESS"]``: a callable
``(user, course_id) -> bool`` or its dotted path. Without the LMS (the workbench) only course-less URLs are
served, to anyone, as the workbench serves every handler.
"""

from __future__ import annotations

import logging
from typing import Any

from .links import NO_COURSE

__all__ = ["may_read"]

log = logging.getLogger(__name__)


def _lms():
    """The LMS's enrollment and access functions, or ``None`` outside edx-platform."""
    try:
        from common.djangoapps.student.models import CourseEnrollment  # type: ignore
        from lms.djangoapps.courseware.access import has_access  # type: ignore
        from opaque_keys.edx.keys import CourseKey  # type: ignore
    except ImportError:
        return None
    return CourseEnrollment, has_access, CourseKey


def _configured(bucket: dict[str, Any]):
    rule = bucket.get("ASSET_ACCESS")
    if isinstance(rule, str) and rule:
        from django.utils.module_loading import import_string

        rule = import_string(rule)
    return rule if callable(rule) else None


def may_read(user, course: str, bucket: dict[str, Any] | None = None) -> bool:
    """Whether ``user`` may read package files of ``course`` (a course key string, or ``-`` for none)."""
    rule = _configured(bucket or {})
    if rule is not None:
        return bool(rule(user, course))
    lms = _lms()
    if lms is None:
        return course == NO_COURSE
    if course == NO_COURSE or user is None or not getattr(user, "is_authenticated", False):
        return False
    enrollment, has_access, course_key_class = lms
    try:
        course_key = course_key_class.from_string(course)
    except Exception:  # InvalidKeyError
        return False
    if enrollment.is_enrolled(user, course_key):
        return True
    return bool(has_access(user, "staff", course_key))
