"""An extracted package folder read with the same checks and interface as :class:`scorm.safezip.ZipSource`.

Symbolic links and special files anywhere in the tree are refused (links are not followed), names are
normalised and checked for clashes, and sizes are bounded by the same :class:`~scorm.limits.Limits`.
A folder has no zip bytes to hash, so its ``sha256`` is a stable hash of its tree: every entry in
path order, ``d\\0path`` for a folder and ``f\\0path\\0size\\0sha256(content)`` for a file, one per line.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterable
from pathlib import Path

from scorm.errors import UnreadablePackage, UnsafePackage
from scorm.limits import Limits, human_size
from scorm.paths import normalise
from scorm.safezip import CHUNK, Entry, Source, check_collisions

__all__ = ["FolderSource"]


class FolderSource(Source):
    """A folder opened for safe reading; every public method raises only :class:`~scorm.errors.ScormError`."""

    def __init__(self, folder: str | os.PathLike[str], limits: Limits | None = None, name: str = ""):
        self.limits = limits or Limits()
        self.folder = Path(folder)
        self.name = name or self.folder.name
        self.unpacked = 0
        self._digests: dict[str, str] = {}
        self._hash: str | None = None
        if not self.folder.is_dir():
            raise UnreadablePackage("source_missing", name=self.name)
        self.entries = self._scan()

    def _scan(self) -> list[Entry]:
        limits = self.limits
        entries: list[Entry] = []
        total = 0

        def fail(error: OSError) -> None:
            raise UnreadablePackage("source_unreadable", name=self.name, detail=error.strerror or str(error))

        for top, folders, files in os.walk(self.folder, onerror=fail, followlinks=False):
            folders.sort()
            for filename in sorted(folders) + sorted(files):
                real = Path(top) / filename
                relative = real.relative_to(self.folder).as_posix()
                try:
                    mode = real.lstat().st_mode
                except OSError as error:
                    fail(error)
                if stat.S_ISLNK(mode):
                    raise UnsafePackage("symlink", name=relative)
                if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                    raise UnsafePackage("special_file", name=relative)
                try:
                    relative.encode("utf-8")
                except UnicodeEncodeError:  # a name that is not valid UTF-8 on disk
                    raise UnsafePackage("path_invalid", name=ascii(relative)) from None
                path, _is_dir = normalise(relative, limits.max_path_chars)
                if len(entries) >= limits.max_entries:
                    raise UnsafePackage("too_many_entries", limit=limits.max_entries)
                if stat.S_ISDIR(mode):
                    entries.append(Entry(path, True, 0, 0, len(entries), source=real))
                    continue
                size = real.stat().st_size
                if size > limits.max_entry_bytes:
                    raise UnsafePackage("entry_too_large", name=path, limit=human_size(limits.max_entry_bytes))
                total += size
                if total > limits.max_total_bytes:
                    raise UnsafePackage("total_too_large", limit=human_size(limits.max_total_bytes))
                entries.append(Entry(path, False, size, size, len(entries), source=real))
        check_collisions(entries)
        return entries

    def stream(self, entry: Entry, write: Callable[[bytes], object], max_bytes: int | None = None) -> int:
        """Copy a file to ``write`` in chunks (links refused), counting bytes against the limits; return the size."""
        if entry.is_dir:
            return 0
        assert entry.source is not None
        hasher = hashlib.sha256()
        produced = 0
        try:
            fd = os.open(entry.source, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
        except OSError as error:
            raise UnsafePackage("corrupt_entry", name=entry.path, detail=error.strerror or str(error)) from error
        with os.fdopen(fd, "rb") as handle:
            while chunk := handle.read(CHUNK):
                produced += len(chunk)
                if max_bytes is not None and produced > max_bytes:
                    raise UnsafePackage("manifest_too_large", name=entry.path, limit=human_size(max_bytes))
                if produced > entry.size:  # the file grew while we read it
                    raise UnsafePackage("size_mismatch", name=entry.path)
                if self.unpacked + produced > self.limits.max_total_bytes:
                    raise UnsafePackage("total_too_large", limit=human_size(self.limits.max_total_bytes))
                hasher.update(chunk)
                write(chunk)
        if produced != entry.size:
            raise UnsafePackage("size_mismatch", name=entry.path)
        if max_bytes is None:
            self.unpacked += produced
            self._digests[entry.path] = hasher.hexdigest()
        return produced

    def in_order(self, entries: Iterable[Entry]) -> list[Entry]:
        """Return ``entries`` in path order."""
        return sorted(entries, key=lambda entry: entry.path)

    def sha256(self) -> str:
        """Return the stable tree hash (reading any file not streamed yet)."""
        if self._hash is None:
            tree = hashlib.sha256()
            for entry in sorted(self.entries, key=lambda item: item.path):
                if entry.is_dir:
                    tree.update(b"d\0" + entry.path.encode() + b"\n")
                    continue
                if entry.path not in self._digests:
                    unpacked = self.unpacked
                    self.stream(entry, lambda _chunk: None)
                    self.unpacked = unpacked
                line = f"f\0{entry.path}\0{entry.size}\0{self._digests[entry.path]}\n"
                tree.update(line.encode())
            self._hash = tree.hexdigest()
        return self._hash

    def close(self) -> None:
        """Nothing to close; here for the same interface as the zip source."""

    def __enter__(self) -> FolderSource:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
