"""The course's own files ("Files & Uploads") as the SCORM block reads them: a package zip by name, streamed.

A block whose package is not in storage yet (a course imported from OLX, a unit pasted from another
course) finds the zip among its course's files. In edx-platform those live in the contentstore, keyed by
``StaticContent.compute_location(course_key, name)``, which flattens ``/`` to ``_``
(``xmodule/contentstore/content.py``); ``find(..., as_stream=True)`` gives a ``StaticContentStream`` with a
``length`` and ``stream_data()`` chunks, so a large zip never sits in memory whole
(``xmodule/contentstore/mongo.py``). Elsewhere (the workbench, a test) the operator may point
``COURSE_ASSETS_ROOT`` at a folder that mirrors the course's static files.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import posixpath
import tempfile
import time
from pathlib import Path
from typing import Any, BinaryIO

from .stores import PackageStore

__all__ = ["asset_names", "course_key_of", "finish_preparation", "import_course_package", "open_course_file",
           "preparation_marker", "static_reference"]

log = logging.getLogger(__name__)


def course_key_of(block) -> Any:
    """The block's course key (``None`` outside edx-platform, where usage ids are plain strings)."""
    return getattr(block.scope_ids.usage_id, "course_key", None)


def asset_names(package_file: str) -> list[str]:
    """The names a course file may have: as written (``scorm/<sha>.zip``, ``/static/scorm_<sha>.zip``) and as
    Studio names it (``/`` flattened to ``_``). Empty for a name that climbs out (``..``)."""
    name = (package_file or "").strip()
    if name.startswith("/static/"):
        name = name[len("/static/"):]
    name = name.lstrip("/")
    if not name or ".." in name.split("/") or posixpath.normpath(name) != name:
        return []
    flat = name.replace("/", "_")
    return [flat] if flat == name else [flat, name]


def static_reference(sha256: str) -> str:
    """How the block's OLX names its package among the course's files: ``/static/scorm_<sha256>.zip``.

    A ``/static/`` URL is what edx-platform's copy and export look for (``static_replace``), and the flat name
    is what Studio gives ``static/scorm/<sha256>.zip`` on course import and what a clipboard paste creates.
    """
    return f"/static/scorm_{sha256}.zip"


def _contentstore_find(course_key, name: str):
    from xmodule.contentstore.content import StaticContent  # type: ignore
    from xmodule.contentstore.django import contentstore  # type: ignore

    return contentstore().find(StaticContent.compute_location(course_key, name), as_stream=True)


def _platform_file(course_key, names: list[str]) -> tuple[Any, int] | None:
    try:
        import xmodule.contentstore.django  # type: ignore # noqa: F401
    except Exception:  # not in edx-platform
        return None
    for name in names:
        try:
            content = _contentstore_find(course_key, name)
        except Exception:  # NotFoundError and friends
            log.debug("Course file %s not found in %s", name, course_key)
            continue
        return content, int(getattr(content, "length", 0) or 0)
    return None


def _local_file(bucket: dict[str, Any], names: list[str]) -> Path | None:
    folder = bucket.get("COURSE_ASSETS_ROOT")
    if not folder:
        return None
    for name in names:
        path = Path(folder) / name
        if path.is_file():
            return path
    return None


def course_file_size(course_key, package_file: str, bucket: dict[str, Any]) -> int | None:
    """The size in bytes of the course file ``package_file``, or ``None`` if the course has no such file."""
    names = asset_names(package_file)
    if not names:
        return None
    found = _platform_file(course_key, names) if course_key is not None else None
    if found is not None:
        return found[1]
    path = _local_file(bucket, names)
    return path.stat().st_size if path else None


def open_course_file(course_key, package_file: str, bucket: dict[str, Any]) -> BinaryIO | None:
    """The course file ``package_file`` as a readable, seekable stream (a temporary copy), or ``None``."""
    names = asset_names(package_file)
    if not names:
        return None
    found = _platform_file(course_key, names) if course_key is not None else None
    if found is not None:
        content = found[0]
        handle = tempfile.TemporaryFile()
        for chunk in content.stream_data() if hasattr(content, "stream_data") else [content.data]:
            handle.write(chunk)
        handle.seek(0)
        return handle
    path = _local_file(bucket, names)
    if path is None:
        return None
    return open(path, "rb")


def preparation_marker(sha256: str) -> str:
    """The store file that says a worker was asked to prepare package ``sha256`` (or failed to)."""
    return f".prepare/{sha256}.json"


def import_course_package(course_key, store: PackageStore, bucket: dict[str, Any], sha256: str,
                          package_file: str) -> bool:
    """Import package ``sha256`` from the course file ``package_file`` if that file's own sha256 is ``sha256``."""
    stream = open_course_file(course_key, package_file, bucket)
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


def finish_preparation(store: PackageStore, bucket: dict[str, Any], course_key, sha256: str,
                       package_file: str) -> bool:
    """What the worker does: import the course file and record the outcome in the marker."""
    marker = preparation_marker(sha256)
    try:
        stored = store.has_package(sha256) or import_course_package(course_key, store, bucket, sha256, package_file)
    except Exception:
        log.exception("Preparing SCORM package %s failed", sha256)
        stored = False
    if stored:
        store.delete(marker)
    else:
        store.write(marker, json.dumps({"state": "failed", "at": time.time()}).encode())
    return stored
