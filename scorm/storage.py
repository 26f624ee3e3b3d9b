"""Content-addressed package storage: ``<root>/<sha256>/`` holds one package, put there atomically.

A package is extracted into a private staging folder ``<root>/.staging/<random>/`` on the same file
system, then the staging folder is renamed to ``<root>/<sha256>`` in one ``os.rename``. So a reader
sees either nothing or the whole package; two importers of the same package race harmlessly (the
second rename fails because the target exists, and that importer discards its staging copy); and a
failed import removes its staging folder, leaving nothing behind. Staging folders left by a killed
process are removed by :meth:`PackageStore.clean_stale`.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from scorm.errors import ScormError
from scorm.progress import NullProgress, Progress
from scorm.safezip import Entry

__all__ = ["PackageStore", "extract_entries", "is_sha256"]

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def is_sha256(value: str | None) -> bool:
    """Whether ``value`` can name a stored package: 64 lower-case hexadecimal digits."""
    return bool(_SHA256.match(value or ""))
_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


class PackageStore:
    """The folder of stored packages, keyed by sha256."""

    STAGING = ".staging"

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        """Return where the package with ``sha256`` lives (whether or not it is there)."""
        if not is_sha256(sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256

    def exists(self, sha256: str) -> bool:
        """Whether the package with ``sha256`` is stored."""
        return self.path_for(sha256).is_dir()

    @contextmanager
    def staging(self) -> Iterator[Path]:
        """Yield a new empty staging folder; it is removed on leaving unless :meth:`commit` moved it."""
        staging_root = self.root / self.STAGING
        try:
            staging_root.mkdir(parents=True, exist_ok=True)
            folder = Path(tempfile.mkdtemp(prefix="import-", dir=staging_root))
        except OSError as error:
            raise ScormError("storage_failed", detail=error.strerror or str(error)) from error
        try:
            yield folder
        finally:
            if folder.exists():
                shutil.rmtree(folder, ignore_errors=True)

    def commit(self, staging: Path, sha256: str) -> tuple[Path, bool]:
        """Move ``staging`` to the package's place; return ``(path, created)``. ``created`` is False if it was there."""
        target = self.path_for(sha256)
        try:
            os.rename(staging, target)
        except OSError as error:
            if error.errno in (errno.EEXIST, errno.ENOTEMPTY) or target.is_dir():
                shutil.rmtree(staging, ignore_errors=True)
                return target, False
            raise
        return target, True

    def clean_stale(self, older_than: float = 24 * 3600) -> int:
        """Remove staging folders older than ``older_than`` seconds (left by killed imports); return how many."""
        staging_root = self.root / self.STAGING
        removed = 0
        if not staging_root.is_dir():
            return 0
        limit = time.time() - older_than
        for folder in staging_root.iterdir():
            try:
                if folder.stat().st_mtime < limit:
                    shutil.rmtree(folder, ignore_errors=True)
                    removed += 1
            except OSError:
                continue
        return removed


def extract_entries(source, entries: Iterable[Entry], prefix: str, destination: Path,
                    progress: Progress | None = None) -> None:
    """Write ``entries`` of ``source`` under ``destination``, ``prefix`` (the package root) stripped.

    Entries outside ``prefix`` are still read through (their bytes counted and checked, and hashed in
    order) but not written. Files are created exclusively and never through a link.
    """
    progress = progress or NullProgress()
    made: set[Path] = {destination}
    for entry in source.in_order(entries):
        inside = not prefix or entry.path.startswith(prefix)
        relative = entry.path[len(prefix):] if inside else ""
        if not relative or entry.is_dir:
            source.stream(entry, _discard)  # read through: checked, counted and hashed, not written
            progress.advance(entry.size)
            if relative and entry.is_dir:  # keep empty folders
                (destination / relative).mkdir(parents=True, exist_ok=True)
                made.add(destination / relative)
            continue
        target = destination / relative
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        fd = os.open(target, _OPEN_FLAGS, 0o644)
        with os.fdopen(fd, "wb") as handle:
            write = handle.write
            source.stream(entry, lambda chunk, write=write: (write(chunk), progress.advance(len(chunk))))


def _discard(_chunk: bytes) -> None:
    return None
