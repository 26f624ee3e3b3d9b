"""Getting a package into storage for the block: a Studio upload (in-process or a Celery task), or a package
already imported by its sha256, fetched from the course's files when this server does not have it yet.

An upload never changes the block. It is checked and stored content-addressed (``<root>/<sha256>/``) by
:func:`scorm.inspect.import_package`; the Studio editor shows the report and, for a valid package, puts
its sha256 into the form, so learners switch to it only when the author saves. The old version keeps
serving until then, and a refused package leaves nothing behind.

Each upload is a *job* with a small JSON status file under ``<root>/.jobs/`` (state, progress, report), so
the Studio page polls the same ``upload_status`` handler whether the work ran in the request or in a
Celery worker. Celery is used for packages of at least ``CELERY_MIN_BYTES`` when it is configured: the
operator's ``XBLOCK_SETTINGS["mooc_bridge_scorm"]["USE_CELERY"]``, else Django's ``CELERY_BROKER_URL``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any, BinaryIO

from adapters.i18n import Translator
from scorm.inspect import import_package
from scorm.storage import is_sha256

from .package import PackageUnavailable, package_dir

log = logging.getLogger(__name__)
_ = Translator.for_package("xblocks").gettext

JOBS = ".jobs"
UPLOADS = ".uploads"
_JOB_ID = re.compile(r"^[0-9a-f]{32}$")
DEFAULT_CELERY_MIN_BYTES = 20 * 1024 * 1024


class JobProgress:
    """A :class:`scorm.progress.Progress` that writes the share done into the job's status file (at most ~50 times)."""

    def __init__(self, root: Path, job_id: str):
        self.root, self.job_id = root, job_id
        self.total, self.done, self.last = 0, 0, -1

    def start(self, total: int, description: str) -> None:  # noqa: D102
        self.total, self.done = max(total, 1), 0
        write_job(self.root, self.job_id, {"state": "extracting", "progress": 0})

    def advance(self, amount: int) -> None:  # noqa: D102
        self.done += amount
        percent = min(99, int(100 * self.done / self.total))
        if percent >= self.last + 2:
            self.last = percent
            write_job(self.root, self.job_id, {"state": "extracting", "progress": percent})

    def close(self) -> None:  # noqa: D102
        pass


def _job_path(root: Path, job_id: str) -> Path:
    if not _JOB_ID.match(job_id or ""):
        raise KeyError(job_id)
    return root / JOBS / f"{job_id}.json"


def write_job(root: Path, job_id: str, status: dict[str, Any]) -> None:
    """Replace the status of job ``job_id`` atomically."""
    path = _job_path(root, job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(status, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, path)


def read_job(root: Path, job_id: str) -> dict[str, Any] | None:
    """The status of job ``job_id``, or ``None`` for an unknown or malformed id."""
    try:
        return json.loads(_job_path(root, job_id).read_text(encoding="utf-8"))
    except (KeyError, OSError, ValueError):
        return None


def save_upload(root: Path, stream: BinaryIO) -> tuple[str, Path]:
    """Copy an uploaded file to a new job's temporary file (streamed); return (job id, path)."""
    job_id = uuid.uuid4().hex
    folder = root / UPLOADS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{job_id}.zip"
    with open(path, "wb") as out:
        shutil.copyfileobj(stream, out, 1024 * 1024)
    write_job(root, job_id, {"state": "queued", "progress": 0})
    return job_id, path


def run_import(root: Path, job_id: str, path: Path, name: str | None = None) -> dict[str, Any]:
    """Check and store the uploaded package of job ``job_id``; record and return its final status."""
    try:
        result = import_package(path, root, progress=JobProgress(root, job_id), name=name)
        report = result.report.to_contract()
        status = {"state": "done", "progress": 100, "valid": result.stored and result.report.valid,
                  "sha256": result.sha256 if result.stored else None, **report}
    except Exception:  # a worker must record a failure, never leave the page polling forever
        log.exception("SCORM import job %s failed", job_id)
        status = {"state": "done", "progress": 100, "valid": False,
                  "errors": [{"code": "import_failed", "message": _("The package could not be imported.")}]}
    finally:
        path.unlink(missing_ok=True)
    write_job(root, job_id, status)
    return status


def celery_enabled(bucket: dict[str, Any]) -> bool:
    """Whether uploads may go to a Celery worker: the setting ``USE_CELERY``, else Django's ``CELERY_BROKER_URL``."""
    if "USE_CELERY" in bucket:
        return bool(bucket["USE_CELERY"])
    try:
        from django.conf import settings

        return bool(getattr(settings, "CELERY_BROKER_URL", None))
    except Exception:  # Django not configured
        return False


def start_import(root: Path, stream: BinaryIO, bucket: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    """Store the upload and import it: queued to Celery for a large package when configured, else now."""
    job_id, path = save_upload(root, stream)
    size = path.stat().st_size
    if size >= int(bucket.get("CELERY_MIN_BYTES", DEFAULT_CELERY_MIN_BYTES)) and celery_enabled(bucket):
        try:
            from .tasks import import_package_task

            import_package_task.delay(str(root), job_id, str(path), name)
            return {"job": job_id, "state": "queued", "progress": 0}
        except Exception:  # broker down: do the work here rather than fail the author
            log.warning("Celery unavailable for SCORM import job %s; importing in-process", job_id, exc_info=True)
    return {"job": job_id, **run_import(root, job_id, path, name)}


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


def ensure_package(block, root: Path, bucket: dict[str, Any], sha256: str, package_file: str) -> bool:
    """Make sure package ``sha256`` is in storage, importing it from the course file ``package_file`` if needed.

    The course file is imported only when its own sha256 is ``sha256``; returns whether the package is there.
    """
    if not is_sha256(sha256):
        return False
    try:
        package_dir(root, sha256)
        return True
    except PackageUnavailable:
        pass
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
        result = import_package(stream, root, name=os.path.basename(package_file))
    return result.stored and result.sha256 == sha256
