"""Celery task of the SCORM block: import a large uploaded package on a worker, reporting progress to its job file.

Registered as a ``shared_task`` so the LMS's and Studio's Celery apps pick it up by import; the worker
must see the same storage root as the web process (a shared volume, as with any Django storage).
"""

from __future__ import annotations

from pathlib import Path

from celery import shared_task

from .jobs import run_import


@shared_task(name="mooc_bridge.scorm.import_package", ignore_result=True)
def import_package_task(root: str, job_id: str, path: str, name: str | None = None) -> None:
    """Check and store the package uploaded as job ``job_id``; its status file tells the Studio page how it went."""
    run_import(Path(root), job_id, Path(path), name)
