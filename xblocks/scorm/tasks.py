"""Celery task of the SCORM block: import a large uploaded package on a worker, reporting progress to its job file.

Registered as a ``shared_task`` so the LMS's and Studio's Celery apps pick it up by import; the worker opens the
store the web process chose (the store settings travel with the task), which it sees as any Django storage.
"""

from __future__ import annotations

from celery import shared_task

from .course_files import finish_preparation
from .jobs import run_import
from .stores import package_store


@shared_task(name="mooc_bridge.scorm.import_package", ignore_result=True)
def import_package_task(job_id: str, name: str | None = None, where: dict | None = None) -> None:
    """Check and store the package uploaded as job ``job_id``; its status file tells the Studio page how it went.

    ``where`` holds the settings that chose the store (``STORAGE_ROOT``, ``STORAGE``, ``STORAGE_PREFIX``);
    without them the worker reads its own ``XBLOCK_SETTINGS["mooc_bridge_scorm"]``. A ``STORAGE_SECRET`` never
    travels through the broker: the worker takes its own.
    """
    from django.conf import settings

    own = getattr(settings, "XBLOCK_SETTINGS", {}).get("mooc_bridge_scorm", {})
    if not where:
        where = own
    elif "STORAGE_SECRET" in own:
        where = {**where, "STORAGE_SECRET": own["STORAGE_SECRET"]}
    run_import(package_store(where), job_id, name)


@shared_task(name="mooc_bridge.scorm.prepare_package", ignore_result=True)
def prepare_package_task(sha256: str, package_file: str, course_key: str | None = None,
                         where: dict | None = None) -> None:
    """Import package ``sha256`` from its course's file ``package_file`` (a large one, first used by a learner)."""
    if not where:
        from django.conf import settings

        where = getattr(settings, "XBLOCK_SETTINGS", {}).get("mooc_bridge_scorm", {})
    key = None
    if course_key:
        try:
            from opaque_keys.edx.keys import CourseKey  # type: ignore

            key = CourseKey.from_string(course_key)
        except Exception:  # not in edx-platform: only COURSE_ASSETS_ROOT can hold the file
            key = None
    finish_preparation(package_store(where), where, key, sha256, package_file)
