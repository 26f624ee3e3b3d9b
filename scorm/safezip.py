"""Reading a zip safely: every entry checked before anything is read, every byte counted while it is read.

:class:`ZipSource` opens a zip (a path or a binary stream) and, before reading any content, checks
every entry: its name (:mod:`scorm.paths`), its flags (encryption), its type (symlinks, devices),
the sizes its headers claim against :class:`~scorm.limits.Limits`, overlapping entries, and names
that would clash on a case-insensitive file system. Then :meth:`ZipSource.stream` copies one entry
in chunks (never a whole member in memory), counting the bytes actually produced against the same
limits and against what the header claimed; a zip whose headers lie is refused with ``size_mismatch``
or ``corrupt_entry``.

The sha256 of the zip bytes is computed while the entries are read in file order (one pass over the
file, see :class:`HashingReader`); :meth:`ZipSource.sha256` finishes it. Only :class:`ScormError`
leaves this module.
"""

from __future__ import annotations

import hashlib
import io
import os
import queue
import stat
import struct
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from scorm.errors import ScormError, UnreadablePackage, UnsafePackage
from scorm.inflate import FAST_METHODS, member_chunks
from scorm.limits import Limits, human_size
from scorm.paths import collision_key, decode_name, normalise

__all__ = ["CHUNK", "BackgroundSha256", "Entry", "HashingReader", "ZipSource", "check_collisions"]

# 256 KiB: a chunk inflated, CRC-checked, hashed and written stays in a core's L2 cache (512 KiB here, 256 KiB to
# 1 MiB on usual servers); 1 MiB chunks cost about twice the CPU time per byte (ADR 0030)
CHUNK = 256 * 1024
_GAP_MAX = 64 * 1024  # data descriptors and padding between entries are hashed by a small extra read
_HASH_BATCH = 256 * 1024  # bytes handed to the hashing thread at a time (small headers are batched)
_HASH_DEPTH = 16  # batches waiting for the hashing thread at most (each ≤ CHUNK + _HASH_BATCH)
_SUPPORTED = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_UNIX_SYSTEMS = {3, 19}  # Unix, OS X: the high 16 bits of external_attr are st_mode


@dataclass
class Entry:
    """One checked entry: ``path`` is normalised; ``size`` is what the zip claims (or the file's size)."""

    path: str
    is_dir: bool
    size: int
    compressed: int
    offset: int
    info: zipfile.ZipInfo | None = None
    source: Path | None = None  # for folder input: the real file


class BackgroundSha256:
    """A sha256 computed on a thread of its own, fed in order: hashing overlaps inflating and writing.

    ``update`` keeps the bytes objects it is given (the very bytes read, never a second read of the file)
    and hands them on in batches of about ``_HASH_BATCH`` bytes through a queue of at most ``_HASH_DEPTH``
    batches, so at most a few MiB wait at any time. hashlib releases the GIL while it hashes. Use
    :meth:`hexdigest` once, or :meth:`close` to stop without a digest.
    """

    def __init__(self) -> None:
        self._hasher = hashlib.sha256()
        self._pending: list[bytes | memoryview] = []
        self._pending_size = 0
        self._queue: queue.Queue[list[bytes | memoryview] | None] | None = None
        self._thread: threading.Thread | None = None

    def update(self, data: bytes | memoryview) -> None:
        """Add ``data`` (kept, not copied: it must not change afterwards) to what is hashed."""
        self._pending.append(data)
        self._pending_size += len(data)
        if self._pending_size >= _HASH_BATCH:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        if self._thread is None:
            self._queue = queue.Queue(maxsize=_HASH_DEPTH)
            self._thread = threading.Thread(target=self._run, name="scorm-sha256", daemon=True)
            self._thread.start()
        assert self._queue is not None
        self._queue.put(self._pending)
        self._pending, self._pending_size = [], 0

    def _run(self) -> None:
        assert self._queue is not None
        update = self._hasher.update
        while (batch := self._queue.get()) is not None:
            for data in batch:
                update(data)

    def _stop(self) -> None:
        if self._thread is not None:
            assert self._queue is not None
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def hexdigest(self) -> str:
        """Hash what is still waiting and return the hex digest."""
        self._flush()
        self._stop()
        for data in self._pending:
            self._hasher.update(data)
        return self._hasher.hexdigest()

    def close(self) -> None:
        """Stop the thread without finishing (the digest is not wanted any more)."""
        self._pending = []
        self._stop()


class HashingReader(io.RawIOBase):
    """A seekable reader that hashes the bytes of the underlying file in order as they are read.

    Reads that continue where hashing stopped (or start shortly after) extend the hash; reads elsewhere
    do not. :meth:`finish` reads whatever was not hashed yet (normally just the central directory).
    """

    def __init__(self, raw: BinaryIO):
        super().__init__()
        self.raw = raw
        self.pos = raw.seek(0, io.SEEK_CUR)
        self.hashed = 0
        self.hasher = BackgroundSha256()

    def readable(self) -> bool:  # noqa: D102
        return True

    def seekable(self) -> bool:  # noqa: D102
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:  # noqa: D102
        self.pos = self.raw.seek(offset, whence)
        return self.pos

    def tell(self) -> int:  # noqa: D102
        return self.pos

    def read(self, size: int = -1) -> bytes:  # noqa: D102
        start = self.pos
        if self.hashed < start <= self.hashed + _GAP_MAX:
            self.raw.seek(self.hashed)
            gap = self.raw.read(start - self.hashed)
            self.hasher.update(gap if type(gap) is bytes else bytes(gap))
            self.hashed = start
            self.raw.seek(start)
        data = self.raw.read(size)
        if type(data) is not bytes:  # the hashing thread keeps it: it must never change
            data = bytes(data)
        self.pos = start + len(data)
        if start <= self.hashed < self.pos:
            self.hasher.update(memoryview(data)[self.hashed - start:])
            self.hashed = self.pos
        return data

    def readinto(self, buffer) -> int:  # noqa: D102
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def finish(self) -> str:
        """Hash what has not been hashed yet and return the hex digest of the whole file."""
        self.raw.seek(self.hashed)
        while chunk := self.raw.read(CHUNK):
            self.hasher.update(chunk)
            self.hashed += len(chunk)
        self.raw.seek(self.pos)
        return self.hasher.hexdigest()


def check_collisions(entries: Iterable[Entry]) -> None:
    """Refuse two entries that clash once case and Unicode form are ignored (or a file that is also a folder)."""
    files: dict[str, str] = {}
    folders: dict[str, str] = {}
    for entry in entries:
        key = collision_key(entry.path)
        if entry.is_dir:
            if key in files:
                raise UnsafePackage("name_collision", name=files[key], other=entry.path)
            folders.setdefault(key, entry.path)
            continue
        if key in files or key in folders:
            raise UnsafePackage("name_collision", name=files.get(key) or folders[key], other=entry.path)
        files[key] = entry.path
        parts = key.split("/")
        for depth in range(1, len(parts)):
            parent = "/".join(parts[:depth])
            if parent in files:
                raise UnsafePackage("name_collision", name=files[parent], other=entry.path)
            folders.setdefault(parent, "/".join(entry.path.split("/")[:depth]))


def _declared_entry_count(raw: BinaryIO) -> int | None:
    """Read the entry count from the end-of-central-directory record without parsing the directory."""
    try:
        size = raw.seek(0, io.SEEK_END)
        tail_size = min(size, 65536 + 22)
        raw.seek(size - tail_size)
        tail = raw.read(tail_size)
        raw.seek(0)
    except OSError:
        return None
    index = tail.rfind(b"PK\x05\x06")
    if index < 0 or index + 22 > len(tail):
        return None
    count = struct.unpack_from("<H", tail, index + 10)[0]
    if count == 0xFFFF and index >= 20 and tail[index - 20:index - 16] == b"PK\x06\x07":
        (zip64_offset,) = struct.unpack_from("<Q", tail, index - 20 + 8)
        raw.seek(zip64_offset)
        record = raw.read(56)
        raw.seek(0)
        if record[:4] == b"PK\x06\x06" and len(record) >= 40:
            count = struct.unpack_from("<Q", record, 32)[0]
    return count


class Source:
    """What zip and folder sources share: whole small files read through the checked stream."""

    def stream(self, entry: Entry, write: Callable[[bytes], object], max_bytes: int | None = None) -> int:
        """Write ``entry``'s bytes to ``write`` in chunks, checked; return how many. Subclasses implement it."""
        raise NotImplementedError

    def read_bytes(self, entry: Entry, max_bytes: int) -> bytes:
        """Return the content of a small entry (a manifest), refusing more than ``max_bytes``."""
        parts: list[bytes] = []
        self.stream(entry, parts.append, max_bytes=max_bytes)
        return b"".join(parts)


class ZipSource(Source):
    """A zip opened for safe reading. Use as a context manager; every public method raises only ScormError."""

    def __init__(self, source: str | os.PathLike[str] | BinaryIO, limits: Limits | None = None, name: str = ""):
        self.limits = limits or Limits()
        self.name = name or (os.path.basename(os.fspath(source)) if isinstance(source, str | os.PathLike)
                             else getattr(source, "name", "") or "package.zip")
        self._spool: BinaryIO | None = None
        self._own: BinaryIO | None = None
        self._hash: str | None = None
        self.unpacked = 0  # bytes actually produced so far, all entries
        raw = self._open_raw(source)
        self.reader = HashingReader(raw)
        declared = _declared_entry_count(raw)
        if declared is not None and declared > self.limits.max_entries:
            self.close()
            raise UnsafePackage("too_many_entries", limit=self.limits.max_entries)
        try:
            self.zip = zipfile.ZipFile(self.reader)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, struct.error) as error:
            try:
                raw.seek(0)
                head = raw.read(4)
            except OSError:
                head = b""
            self.close()
            code = "truncated" if head == b"PK\x03\x04" else "not_a_zip"
            raise UnreadablePackage(code, name=self.name) from error
        try:
            self.entries = self._scan()
        except ScormError:
            self.close()
            raise

    # -- opening ---------------------------------------------------------------------------------
    def _open_raw(self, source) -> BinaryIO:
        if isinstance(source, str | os.PathLike):
            try:
                self._own = open(source, "rb")
            except FileNotFoundError as error:
                raise UnreadablePackage("source_missing", name=self.name) from error
            except OSError as error:
                raise UnreadablePackage("source_unreadable", name=self.name, detail=error.strerror) from error
            return self._own
        try:
            if source.seekable():
                source.seek(0)
                return source
        except (AttributeError, OSError):
            pass
        # A stream we cannot seek in (an upload, a pipe): copy it to a temporary file, bounded.
        self._spool = tempfile.TemporaryFile()
        copied = 0
        while chunk := source.read(CHUNK):
            copied += len(chunk)
            if copied > self.limits.max_total_bytes:
                self.close()
                raise UnsafePackage("total_too_large", limit=human_size(self.limits.max_total_bytes))
            self._spool.write(chunk)
        self._spool.seek(0)
        return self._spool

    # -- checks before reading -------------------------------------------------------------------
    def _scan(self) -> list[Entry]:
        limits = self.limits
        infos = self.zip.infolist()
        if len(infos) > limits.max_entries:
            raise UnsafePackage("too_many_entries", limit=limits.max_entries)
        entries: list[Entry] = []
        total = total_packed = 0
        for info in infos:
            path, is_dir = normalise(decode_name(info), limits.max_path_chars)
            shown = path or info.filename
            mode = info.external_attr >> 16
            if info.create_system in _UNIX_SYSTEMS and mode:
                kind = stat.S_IFMT(mode)
                if kind == stat.S_IFLNK:
                    raise UnsafePackage("symlink", name=shown)
                if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
                    raise UnsafePackage("special_file", name=shown)
                is_dir = is_dir or kind == stat.S_IFDIR
            if info.flag_bits & 0x1:
                raise UnsafePackage("encrypted", name=shown)
            if is_dir:
                entries.append(Entry(path, True, 0, info.compress_size, info.header_offset, info))
                continue
            if info.compress_type not in _SUPPORTED:
                raise UnsafePackage("unsupported_compression", name=shown)
            self._check_sizes(shown, info.file_size, info.compress_size)
            total += info.file_size
            total_packed += info.compress_size
            if total > limits.max_total_bytes:
                raise UnsafePackage("total_too_large", limit=human_size(limits.max_total_bytes))
            entries.append(Entry(path, False, info.file_size, info.compress_size, info.header_offset, info))
        if total > limits.ratio_floor_bytes and total > limits.max_total_ratio * max(total_packed, 1):
            raise UnsafePackage("total_ratio_too_high", limit=f"{limits.max_total_ratio:g}")
        self._check_overlaps(entries)
        check_collisions(entry for entry in entries if entry.path)
        return entries

    def _check_sizes(self, name: str, size: int, packed: int) -> None:
        limits = self.limits
        if size > limits.max_entry_bytes:
            raise UnsafePackage("entry_too_large", name=name, limit=human_size(limits.max_entry_bytes))
        if size > limits.ratio_floor_bytes and size > limits.max_entry_ratio * max(packed, 1):
            raise UnsafePackage("ratio_too_high", name=name, limit=f"{limits.max_entry_ratio:g}")

    def _check_overlaps(self, entries: list[Entry]) -> None:
        """Refuse entries whose data overlap (the "overlapping files" zip bomb reuses one compressed kernel)."""
        end = 0
        previous = ""
        for entry in sorted(entries, key=lambda item: item.offset):
            if entry.offset < end:
                raise UnsafePackage("overlapping_entries", name=entry.path or previous)
            end = entry.offset + 30 + entry.compressed
            previous = entry.path

    # -- reading ---------------------------------------------------------------------------------
    def stream(self, entry: Entry, write: Callable[[bytes], object], max_bytes: int | None = None) -> int:
        """Copy ``entry`` to ``write`` in chunks, enforcing limits on the bytes actually produced; return the size.

        ``max_bytes`` bounds this read further (e.g. the manifest size limit) with ``manifest_too_large``.
        """
        limits = self.limits
        info = entry.info
        assert info is not None
        produced = 0
        try:
            if entry.is_dir:
                self.zip.open(info).close()  # the header is read (and hashed) as before
                return 0
            for chunk in (member_chunks(self.reader, info, CHUNK) if info.compress_type in FAST_METHODS
                          else self._zip_chunks(info)):
                produced += len(chunk)
                if max_bytes is not None and produced > max_bytes:
                    raise UnsafePackage("manifest_too_large", name=entry.path, limit=human_size(max_bytes))
                if produced > info.file_size:
                    raise UnsafePackage("size_mismatch", name=entry.path)
                self._check_sizes(entry.path, produced, info.compress_size)
                if self.unpacked + produced > limits.max_total_bytes:
                    raise UnsafePackage("total_too_large", limit=human_size(limits.max_total_bytes))
                write(chunk)
        except ScormError:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, struct.error) as error:
            detail = str(error) or type(error).__name__
            if "CRC" in detail:
                raise UnsafePackage("size_mismatch", name=entry.path) from error
            raise UnsafePackage("corrupt_entry", name=entry.path, detail=detail) from error
        except NotImplementedError as error:
            raise UnsafePackage("unsupported_compression", name=entry.path) from error
        except (RuntimeError, OSError) as error:  # "password required", read errors
            raise UnsafePackage("corrupt_entry", name=entry.path, detail=str(error)) from error
        if produced != info.file_size:
            raise UnsafePackage("size_mismatch", name=entry.path)
        if max_bytes is None:
            self.unpacked += produced
        return produced

    def _zip_chunks(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        """Members in other methods (bzip2, lzma) through zipfile's reader, ``CHUNK`` bytes at a time."""
        with self.zip.open(info) as member:
            while chunk := member.read(CHUNK):
                yield chunk

    def in_order(self, entries: Iterable[Entry]) -> list[Entry]:
        """Return ``entries`` in file order, the order that reads the zip in one pass."""
        return sorted(entries, key=lambda entry: entry.offset)

    def sha256(self) -> str:
        """Return the sha256 of the zip bytes (finishing the single-pass hash)."""
        if self._hash is None:
            try:
                self._hash = self.reader.finish()
            except OSError as error:
                raise UnreadablePackage("source_unreadable", name=self.name, detail=str(error)) from error
        return self._hash

    def close(self) -> None:
        """Close the zip and any file this source opened."""
        zip_file = getattr(self, "zip", None)
        if zip_file is not None:
            zip_file.close()
        reader = getattr(self, "reader", None)
        if reader is not None:
            reader.hasher.close()
        for handle in (self._own, self._spool):
            if handle is not None:
                handle.close()

    def __enter__(self) -> ZipSource:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
