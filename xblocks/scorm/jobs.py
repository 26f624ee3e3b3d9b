"""Upload jobs of the SCORM block: the uploaded file, its JSON status file, and the import that runs it.

Each upload is a job with a status file ``.jobs/<id>.json`` in the block's store (state, progress, report),
and the uploaded zip waits as ``.uploads/<id>.zip`` there, so a worker on another machine finds both. The import
(:func:`run_import`) is the same in the request and in the Celery task (:mod:`xblocks.scorm.tasks`);
:mod:`xblocks.scorm.upload` decides where it runs. Kept apart from both so neither imports the other back.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from typing import Any, BinaryIO

from adapters.i18n import Translator

from .stores import PackageStore

__all__ = ["JobProgress", "read_job", "run_import", "save_upload", "write_job"]

log = logging.getLogger("xblocks.scorm.upload")  # the name it logged under before it moved here
_ = Translator.for_package("xblocks").gettext

JOBS = ".jobs"
UPLOADS = ".uploads"
_JOB_ID = re.compile(r"^[0-9a-f]{32}$")


class JobProgress:
    """A :class:`scorm.progress.Progress` that writes the share done into the job's status file (at most ~50 times)."""

    def __init__(self, store: PackageStore, job_id: str):
        self.store, self.job_id = store, job_id
        self.total, self.done, self.last = 0, 0, -1

    def start(self, total: int, description: str) -> None:  # noqa: D102
        self.total, self.done = max(total, 1), 0
        write_job(self.store, self.job_id, {"state": "extracting", "progress": 0})

    def advance(self, amount: int) -> None:  # noqa: D102
        self.done += amount
        percent = min(99, int(100 * self.done / self.total))
        if percent >= self.last + 2:
            self.last = percent
            write_job(self.store, self.job_id, {"state": "extracting", "progress": percent})

    def close(self) -> None:  # noqa: D102
        pass


def _job_name(job_id: str) -> str:
    if not _JOB_ID.match(job_id or ""):
        raise KeyError(job_id)
    return f"{JOBS}/{job_id}.json"


def _upload_name(job_id: str) -> str:
    return f"{UPLOADS}/{job_id}.zip"


def write_job(store: PackageStore, job_id: str, status: dict[str, Any]) -> None:
    """Replace the status of job ``job_id``."""
    store.write(_job_name(job_id), json.dumps(status, ensure_ascii=False).encode("utf-8"))


def read_job(store: PackageStore, job_id: str) -> dict[str, Any] | None:
    """The status of job ``job_id``, or ``None`` for an unknown or malformed id."""
    try:
        data = store.read(_job_name(job_id))
        return json.loads(data) if data is not None else None
    except (KeyError, OSError, ValueError):
        return None


def save_upload(store: PackageStore, stream: BinaryIO) -> tuple[str, int]:
    """Store an uploaded file (streamed) as a new job's upload; return (job id, size in bytes)."""
    job_id = uuid.uuid4().hex
    store.save_stream(_upload_name(job_id), stream)
    write_job(store, job_id, {"state": "queued", "progress": 0})
    stored = store.open(_upload_name(job_id))
    stored.handle.close()
    return job_id, stored.size


def run_import(store: PackageStore, job_id: str, name: str | None = None) -> dict[str, Any]:
    """Check and store the uploaded package of job ``job_id``; record and return its final status."""
    try:
        with store.local_file(_upload_name(job_id)) as path:
            result = store.import_package(path, progress=JobProgress(store, job_id), name=name)
        report = result.report.to_contract()
        status = {"state": "done", "progress": 100, "valid": result.stored and result.report.valid,
                  "sha256": result.sha256 if result.stored else None, **report}
    except Exception:  # a worker must record a failure, never leave the page polling forever
        log.exception("SCORM import job %s failed", job_id)
        status = {"state": "done", "progress": 100, "valid": False,
                  "errors": [{"code": "import_failed", "message": _("The package could not be imported.")}]}
    finally:
        try:
            store.delete(_upload_name(job_id))
        except OSError:
            log.warning("Could not remove the upload of SCORM import job %s", job_id, exc_info=True)
    write_job(store, job_id, status)
    return status
