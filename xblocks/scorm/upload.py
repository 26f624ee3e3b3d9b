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

import json
import logging
import time
from typing import Any, BinaryIO

from scorm.storage import is_sha256

from . import course_files
from .jobs import run_import, save_upload
from .stores import PackageStore

__all__ = ["DEFAULT_CELERY_MIN_BYTES", "celery_enabled", "ensure_package",
           "prepare_package", "start_import"]

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

PREPARE_TIMEOUT = 3600  # seconds after which a queued preparation that left no trace is queued again


def ensure_package(block, store: PackageStore, bucket: dict[str, Any], sha256: str, package_file: str) -> bool:
    """Make sure package ``sha256`` is in storage, importing it now from the course file ``package_file`` if needed
    (authors in Studio: they are waiting for the report). Returns whether the package is there."""
    if not is_sha256(sha256):
        return False
    if store.has_package(sha256):
        return True
    if not package_file:
        return False
    return course_files.import_course_package(course_files.course_key_of(block), store, bucket, sha256, package_file)


def prepare_package(block, store: PackageStore, bucket: dict[str, Any], sha256: str, package_file: str,
                    course_key: Any = None) -> str:
    """For a learner's request: ``ready`` when package ``sha256`` is in storage (a small course file is imported
    now), ``preparing`` when a large one was handed to a Celery worker, ``missing`` when there is nothing to import.

    A course file of at least ``CELERY_MIN_BYTES`` is never extracted inside the request when Celery is
    configured: one task is queued (a marker ``.prepare/<sha256>.json`` keeps other learners from queueing more)
    and the learner gets the "being prepared" page until the worker has stored it. ``course_key`` names another
    course whose files to look in (a pasted unit's source course); by default the block's own.
    """
    if not is_sha256(sha256):
        return "missing"
    if store.has_package(sha256):
        return "ready"
    course_key = course_key if course_key is not None else course_files.course_key_of(block)
    size = course_files.course_file_size(course_key, package_file, bucket) if package_file else None
    if size is None:
        return "missing"
    if size >= int(bucket.get("CELERY_MIN_BYTES", DEFAULT_CELERY_MIN_BYTES)) and celery_enabled(bucket):
        return _queue_preparation(store, bucket, course_key, sha256, package_file)
    return "ready" if course_files.import_course_package(course_key, store, bucket, sha256, package_file) else "missing"


def _queue_preparation(store: PackageStore, bucket: dict[str, Any], course_key, sha256: str,
                       package_file: str) -> str:
    marker = course_files.preparation_marker(sha256)
    try:
        status = json.loads(store.read(marker) or b"{}")
    except ValueError:
        status = {}
    if status.get("state") == "failed":
        return "missing"
    if status.get("state") == "queued" and time.time() - float(status.get("at", 0)) < PREPARE_TIMEOUT:
        return "preparing"
    from .tasks import prepare_package_task

    where = {key: bucket[key] for key in (*STORE_KEYS, "COURSE_ASSETS_ROOT") if key in bucket}
    if not all(isinstance(value, str) for value in where.values()):
        where = None
    try:
        prepare_package_task.delay(sha256, package_file, str(course_key) if course_key is not None else None, where)
    except Exception:  # broker down: the page says "being prepared" and the next request tries again
        log.warning("Celery unavailable to prepare SCORM package %s", sha256, exc_info=True)
        return "preparing"
    store.write(marker, json.dumps({"state": "queued", "at": time.time()}).encode())
    return "preparing"
