"""Upload jobs of the SCORM block: the uploaded file, its JSON status file, and the import that runs it.

Each upload is a job with a status file under ``<root>/.jobs/`` (state, progress, report). The import
(:func:`run_import`) is the same in the request and in the Celery task (:mod:`xblocks.scorm.tasks`);
:mod:`xblocks.scorm.upload` decides where it runs. Kept apart from both so neither imports the other back.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import uuid
from pathlib import Path
from typing import Any, BinaryIO

from adapters.i18n import Translator
from scorm.inspect import import_package

__all__ = ["JobProgress", "read_job", "run_import", "save_upload", "write_job"]

log = logging.getLogger("xblocks.scorm.upload")  # the name it logged under before it moved here
_ = Translator.for_package("xblocks").gettext

JOBS = ".jobs"
UPLOADS = ".uploads"
_JOB_ID = re.compile(r"^[0-9a-f]{32}$")


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
