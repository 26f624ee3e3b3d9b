"""Getting a package into storage for the block: a Studio upload (in-process or a Celery task), or a package
already imported by its sha256, fetched from the course's files when this server does not have it yet.

An upload never changes the block. It is checked and stored content-addressed (``<sha256>/``) in the
block's store (:mod:`xblocks.scorm.stores`) by :func:`scorm.inspect.import_package`; the Studio editor
shows the report and, for a valid package, puts its sha256 into the form, so learners switch to it only
when the author saves. The old version keeps serving until then, and a refused package leaves nothing behind.

Each upload is a *job* with a small JSON status file under ``.jobs/`` in the store (state, progress, report), so
the Studio page polls the same ``upload_status`` handler whether the work ran in the request or in a
Celery worker (the jobs are in :mod:`xblocks.scorm.jobs`). Celery is used for packages of at least
``CELERY_MIN_BYTES`` when it is configured: the operator's ``XBLOCK_SETTINGS["mooc_bridge_scorm"]["USE_CELERY"]``,
else Django's ``CELERY_BROKER_URL``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import Any, BinaryIO

from scorm.storage import is_sha256

from .jobs import run_import, save_upload
from .stores import PackageStore

__all__ = ["DEFAULT_CELERY_MIN_BYTES", "celery_enabled", "ensure_package", "fetch_course_asset", "start_import"]

log = logging.getLogger(__name__)

DEFAULT_CELERY_MIN_BYTES = 20 * 1024 * 1024


def celery_enabled(bucket: dict[str, Any]) -> bool:
    """Whether uploads may go to a Celery worker: the setting ``USE_CELERY``, else Django's ``CELERY_BROKER_URL``."""
    if "USE_CELERY" in bucket:
        return bool(bucket["USE_CELERY"])
    try:
        from django.conf import settings

        return bool(getattr(settings, "CELERY_BROKER_URL", None))
    except Exception:  # Django not configured
        return False


STORE_KEYS = ("STORAGE_ROOT", "STORAGE", "STORAGE_PREFIX")


def start_import(store: PackageStore, stream: BinaryIO, bucket: dict[str, Any],
                 name: str | None = None) -> dict[str, Any]:
    """Store the upload and import it: queued to Celery for a large package when configured, else now.

    The task gets the settings that choose the store (when all are strings), so the worker opens the same one.
    """
    job_id, size = save_upload(store, stream)
    if size >= int(bucket.get("CELERY_MIN_BYTES", DEFAULT_CELERY_MIN_BYTES)) and celery_enabled(bucket):
        try:
            from .tasks import import_package_task

            where = {key: bucket[key] for key in STORE_KEYS if key in bucket}
            if not all(isinstance(value, str) for value in where.values()):
                where = None  # a callable STORAGE does not travel: the worker reads its own XBLOCK_SETTINGS
            import_package_task.delay(job_id, name, where)
            return {"job": job_id, "state": "queued", "progress": 0}
        except Exception:  # broker down: do the work here rather than fail the author
            log.warning("Celery unavailable for SCORM import job %s; importing in-process", job_id, exc_info=True)
    return {"job": job_id, **run_import(store, job_id, name)}


# -- a package already imported, by sha256 ------------------------------------------------------------------

def fetch_course_asset(block, package_file: str) -> BinaryIO | None:
    """The course file ``package_file`` (e.g. ``scorm/<sha256>.zip``) as a readable stream, or ``None``.

    In the LMS the contentstore holds it (Studio flattens ``/`` to ``_`` in asset names); elsewhere the
    operator may point ``COURSE_ASSETS_ROOT`` at a folder that mirrors the course's static files.
    """
    try:
        from xmodule.contentstore.content import StaticContent  # type: ignore
        from xmodule.contentstore.django import contentstore  # type: ignore
    except Exception:  # not in edx-platform
        return None
    course_key = getattr(block.scope_ids.usage_id, "course_key", None)
    if course_key is None:
        return None
    for name in (package_file.replace("/", "_"), package_file):
        try:
            content = contentstore().find(StaticContent.compute_location(course_key, name))
        except Exception:  # NotFoundError and friends
            log.debug("Course file %s not found as %s", package_file, name)
            continue
        handle = tempfile.TemporaryFile()
        for chunk in content.stream_data() if hasattr(content, "stream_data") else [content.data]:
            handle.write(chunk)
        handle.seek(0)
        return handle
    return None


def _local_asset(bucket: dict[str, Any], package_file: str) -> BinaryIO | None:
    folder = bucket.get("COURSE_ASSETS_ROOT")
    if not folder or not package_file or ".." in package_file.split("/"):
        return None
    path = Path(folder) / package_file
    return open(path, "rb") if path.is_file() else None


def ensure_package(block, store: PackageStore, bucket: dict[str, Any], sha256: str, package_file: str) -> bool:
    """Make sure package ``sha256`` is in storage, importing it from the course file ``package_file`` if needed.

    The course file is imported only when its own sha256 is ``sha256``; returns whether the package is there.
    """
    if not is_sha256(sha256):
        return False
    if store.has_package(sha256):
        return True
    if not package_file:
        return False
    stream = fetch_course_asset(block, package_file) or _local_asset(bucket, package_file)
    if stream is None:
        return False
    with stream:
        digest = hashlib.sha256()
        for chunk in iter(lambda: stream.read(1024 * 1024), b""):
            digest.update(chunk)
        if digest.hexdigest() != sha256:
            log.warning("Course file %s does not match package %s; not imported", package_file, sha256)
            return False
        stream.seek(0)
        result = store.import_package(stream, name=os.path.basename(package_file))
    return result.stored and result.sha256 == sha256
