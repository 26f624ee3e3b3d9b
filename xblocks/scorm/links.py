"""Signed URLs of package files served by the plugin app's view (:mod:`xblocks.scorm.views`).

A URL names the course, the package's sha256 and a path, and carries a signature (Django's ``Signer``, keyed
by ``SECRET_KEY``) of the course and the sha256. So the view needs no block lookup to know that the package
belongs to that course; it still checks, on every request, that the user may see the course.
"""

from __future__ import annotations

from urllib.parse import quote

__all__ = ["NO_COURSE", "asset_url", "course_of", "signature", "signature_holds"]

SALT = "mooc_bridge_scorm.asset"
NO_COURSE = "-"  # runtimes without courses (the workbench)


def course_of(usage_id) -> str:
    """The course key of a usage id as a string (``course-v1:ORG+NUM+RUN``), or :data:`NO_COURSE`."""
    course_key = getattr(usage_id, "course_key", None)
    return str(course_key) if course_key is not None else NO_COURSE


def signature(course: str, sha256: str) -> str:
    """The URL-safe signature of (course, sha256)."""
    from django.core.signing import Signer

    return Signer(salt=SALT).signature(f"{course}|{sha256}")


def signature_holds(course: str, sha256: str, given: str) -> bool:
    """Whether ``given`` is the signature of (course, sha256), compared in constant time."""
    from django.utils.crypto import constant_time_compare

    return constant_time_compare(signature(course, sha256), given)


def asset_url(usage_id, sha256: str, path: str) -> str | None:
    """The view's URL of ``path`` in package ``sha256`` for the block ``usage_id``; ``None`` where not mounted."""
    try:
        from django.urls import NoReverseMatch, reverse

        course = course_of(usage_id)
        base = reverse("mooc_bridge_scorm:asset", kwargs={
            "course": course, "sha256": sha256, "signature": signature(course, sha256), "path": "-"})
    except (ImportError, NoReverseMatch):
        return None
    except Exception:  # Django not configured (a runtime outside any Django process)
        return None
    return base[:-1] + quote(path, safe="/!$&'()*+,;=:@~")
