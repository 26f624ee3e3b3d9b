"""The plugin app's view of package files: streamed from storage, never held whole in a worker's memory.

XBlock handler responses pass through the LMS's ``webob_to_django_response``, which reads the whole body into
memory: a 1 GiB lecture video would sit in a worker. This view answers the same requests (by full path, ETag,
single ``Range``, ``304``; :func:`xblocks.scorm.assets.answer`) as a Django ``StreamingHttpResponse`` whose
body is read from the store in 64 KiB chunks as the client takes them. Access: a signed URL ties the package
to its course (:mod:`xblocks.scorm.links`) and the LMS says whether the user may see that course
(:mod:`xblocks.scorm.access`). Responses are ``Cache-Control: private``.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse

from . import access, assets, links
from .package import PackageUnavailable, require_package
from .stores import package_store

__all__ = ["asset"]

SETTINGS_KEY = "mooc_bridge_scorm"


def _bucket() -> dict:
    """The block's settings bucket, as the XBlock settings service gives it (``XBLOCK_SETTINGS``)."""
    return dict(getattr(settings, "XBLOCK_SETTINGS", {}).get(SETTINGS_KEY, {}))


def _refuse(status: int) -> HttpResponse:
    response = HttpResponse(status=status)
    response["Cache-Control"] = "private, no-store"
    return response


def asset(request, course: str, sha256: str, signature: str, path: str):
    """Serve ``path`` of package ``sha256`` to a user who may see ``course``."""
    if not links.signature_holds(course, sha256, signature):
        return _refuse(404)
    bucket = _bucket()
    if not access.may_read(request.user, course, bucket):
        return _refuse(403)
    store = package_store(bucket)
    try:
        require_package(store, sha256)
    except PackageUnavailable:
        return _refuse(404)
    result = assets.answer(request.method, request.headers, assets.store_opener(store, sha256), path, sha256=sha256)
    if result.body is None:
        response = HttpResponse(status=result.status)
    else:
        response = StreamingHttpResponse(result.body, status=result.status)
    for name, value in result.headers.items():
        response[name] = value
    if result.status in (200, 206):
        response["Content-Length"] = str(result.length)
    return response
