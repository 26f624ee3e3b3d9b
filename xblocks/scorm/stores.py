"""Where the SCORM block keeps packages, upload jobs and uploads: storage that Studio, the LMS and workers all see.

Packages keep the content-addressed layout of :mod:`scorm.storage` (``<sha256>/<path>``, ``imsmanifest.xml``
at the top), with upload jobs under ``.jobs/`` and uploaded zips under ``.uploads/``. The operator's
``XBLOCK_SETTINGS["mooc_bridge_scorm"]`` (read through the XBlock settings service) chooses the store:

* ``STORAGE_ROOT``: a local folder (the workbench demo; a folder the operator shares between containers);
* otherwise a Django storage, under ``STORAGE_PREFIX`` (default ``mooc-bridge/scorm``) and then an unguessable
  folder (:mod:`xblocks.scorm.hidden`): ``STORAGE``, a callable or the dotted path of one that returns a
  storage, else Django's default storage. In Tutor that is ``/openedx/media`` (mounted in the LMS, Studio and
  both workers, unlike ``/openedx/data``, and served at ``/media/`` without a login: hence the folder), or S3,
  OSS or MinIO through django-storages. Packages stored where earlier versions put them (``<prefix>/<sha256>/``)
  or under a rotated ``SECRET_KEY`` stay readable (:class:`FallbackStore`).

A ``FileSystemStorage`` (files on a disk, under its ``path()``) is used as a folder, so imports
stay one atomic rename. Any other storage gets each package extracted into a private temporary folder,
then uploaded file by file with ``imsmanifest.xml`` last: readers treat a package as present only once its
manifest is, so they never see half a package.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from scorm.inspect import ImportResult, import_package
from scorm.storage import is_sha256

__all__ = ["MANIFEST", "DjangoStore", "FallbackStore", "LocalStore", "PackageStore", "StoredFile", "package_store"]

MANIFEST = "imsmanifest.xml"
DEFAULT_PREFIX = "mooc-bridge/scorm"
CHUNK = 1024 * 1024


@dataclass
class StoredFile:
    """An open stored file: a binary handle positioned at 0, its size, and its modification time (0 if unknown)."""

    handle: BinaryIO
    size: int
    mtime: float


class PackageStore:
    """Names are ``/``-separated and relative to the store; callers check them (:func:`assets.clean_path`)."""

    def has_package(self, sha256: str) -> bool:
        """Whether package ``sha256`` is complete in the store (its manifest is there)."""
        return is_sha256(sha256) and self.exists(f"{sha256}/{MANIFEST}")

    def exists(self, name: str) -> bool:  # pragma: no cover - abstract
        """Whether a file (or folder) ``name`` is stored."""
        raise NotImplementedError

    def open(self, name: str) -> StoredFile:  # pragma: no cover - abstract
        """Open a stored regular file for reading; ``FileNotFoundError`` if there is none."""
        raise NotImplementedError

    def read(self, name: str) -> bytes | None:
        """The bytes of a (small) stored file, or ``None``."""
        try:
            stored = self.open(name)
        except OSError:
            return None
        with stored.handle:
            return stored.handle.read()

    def write(self, name: str, data: bytes) -> None:  # pragma: no cover - abstract
        """Replace the file ``name`` with ``data``."""
        raise NotImplementedError

    def save_stream(self, name: str, stream: BinaryIO) -> None:  # pragma: no cover - abstract
        """Store ``stream`` (read in chunks) as the new file ``name``."""
        raise NotImplementedError

    def delete(self, name: str) -> None:  # pragma: no cover - abstract
        """Remove the file ``name`` if it is there."""
        raise NotImplementedError

    @contextmanager
    def local_file(self, name: str) -> Iterator[Path]:
        """A local path holding the file's bytes while the block runs (the file itself when it is local)."""
        stored = self.open(name)
        with tempfile.NamedTemporaryFile(suffix=Path(name).suffix) as copy, stored.handle:
            shutil.copyfileobj(stored.handle, copy, CHUNK)
            copy.flush()
            yield Path(copy.name)

    def import_package(self, source, *, name: str | None = None, progress=None) -> ImportResult:
        """Check ``source`` and store it as ``<sha256>/`` when valid (:func:`scorm.inspect.import_package`)."""
        raise NotImplementedError  # pragma: no cover - abstract

    @contextmanager
    def local_package(self, sha256: str) -> Iterator[Path]:
        """A local folder holding package ``sha256`` while the block runs."""
        raise NotImplementedError  # pragma: no cover - abstract
        yield Path()


class LocalStore(PackageStore):
    """A folder on this machine (``STORAGE_ROOT``, or the folder behind a ``FileSystemStorage``)."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalStore({str(self.root)!r})"

    def _path(self, name: str) -> Path:
        return self.root / name

    def exists(self, name: str) -> bool:  # noqa: D102
        return os.path.exists(os.path.join(self.root, name))  # asked on every request: no Path objects

    def open(self, name: str) -> StoredFile:
        """Open ``name`` only if it resolves inside its top folder (a package's links never lead out of it)."""
        top = (self.root / name.split("/", 1)[0]).resolve()
        resolved = self._path(name).resolve(strict=True)
        if not resolved.is_relative_to(top):
            raise FileNotFoundError(name)
        handle = open(resolved, "rb")
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            handle.close()
            raise FileNotFoundError(name)
        return StoredFile(handle, info.st_size, info.st_mtime)

    def write(self, name: str, data: bytes) -> None:
        """Replace atomically (a temporary file, then ``os.replace``)."""
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)

    def save_stream(self, name: str, stream: BinaryIO) -> None:  # noqa: D102
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as out:
            shutil.copyfileobj(stream, out, CHUNK)

    def delete(self, name: str) -> None:  # noqa: D102
        self._path(name).unlink(missing_ok=True)

    @contextmanager
    def local_file(self, name: str) -> Iterator[Path]:  # noqa: D102
        yield self._path(name)

    def import_package(self, source, *, name: str | None = None, progress=None) -> ImportResult:  # noqa: D102
        return import_package(source, self.root, name=name, progress=progress)

    @contextmanager
    def local_package(self, sha256: str) -> Iterator[Path]:  # noqa: D102
        yield self.root / sha256


class DjangoStore(PackageStore):
    """A Django storage without local paths (S3, OSS, MinIO through django-storages), under ``prefix``."""

    def __init__(self, storage: Any, prefix: str = DEFAULT_PREFIX):
        self.storage, self.prefix = storage, prefix.strip("/")

    def __repr__(self) -> str:
        return f"DjangoStore({type(self.storage).__name__}, {self.prefix!r})"

    def _name(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def exists(self, name: str) -> bool:  # noqa: D102
        return self.storage.exists(self._name(name))

    def open(self, name: str) -> StoredFile:  # noqa: D102
        full = self._name(name)
        if not self.storage.exists(full):
            raise FileNotFoundError(name)
        size = self.storage.size(full)
        try:
            mtime = self.storage.get_modified_time(full).timestamp()
        except (NotImplementedError, OSError, AttributeError):
            mtime = 0.0
        return StoredFile(self.storage.open(full, "rb"), size, mtime)

    def write(self, name: str, data: bytes) -> None:
        """Replace: storages never overwrite on ``save`` (they pick another name), so delete first."""
        from django.core.files.base import ContentFile

        full = self._name(name)
        self.storage.delete(full)
        self.storage.save(full, ContentFile(data))

    def save_stream(self, name: str, stream: BinaryIO) -> None:  # noqa: D102
        from django.core.files import File

        self.storage.save(self._name(name), File(stream, name=Path(name).name))

    def delete(self, name: str) -> None:  # noqa: D102
        self.storage.delete(self._name(name))

    def import_package(self, source, *, name: str | None = None, progress=None) -> ImportResult:
        """Extract into a private temporary folder, then upload the files, the manifest last."""
        with tempfile.TemporaryDirectory(prefix="mooc-bridge-scorm-") as staging:
            result = import_package(source, staging, name=name, progress=progress)
            if not result.stored or not result.sha256:
                return result
            if self.has_package(result.sha256):
                return ImportResult(result.report, Path(self._name(result.sha256)), result.sha256, False)
            folder = Path(result.path)
            files = sorted(p for p in folder.rglob("*") if p.is_file() and p.relative_to(folder).as_posix() != MANIFEST)
            for path in [*files, folder / MANIFEST]:
                target = f"{result.sha256}/{path.relative_to(folder).as_posix()}"
                if path.name != MANIFEST and self.exists(target):
                    continue  # a concurrent import of the same package wrote the same bytes
                with open(path, "rb") as handle:
                    self.save_stream(target, handle)
            return ImportResult(result.report, Path(self._name(result.sha256)), result.sha256, True)

    @contextmanager
    def local_package(self, sha256: str) -> Iterator[Path]:
        """Download the package into a temporary folder (for a full report; rare)."""
        with tempfile.TemporaryDirectory(prefix="mooc-bridge-scorm-") as folder:
            base = self._name(sha256)
            pending = [""]
            while pending:
                relative = pending.pop()
                folders, files = self.storage.listdir(f"{base}/{relative}".rstrip("/"))
                pending.extend(f"{relative}{child}/" for child in folders)
                for file_name in files:
                    target = Path(folder, relative, file_name)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with self.storage.open(f"{base}/{relative}{file_name}", "rb") as source, open(target, "wb") as out:
                        shutil.copyfileobj(source, out, CHUNK)
            yield Path(folder)


class FallbackStore(PackageStore):
    """Writes go to ``primary``; a file is read from the first of ``primary`` and then ``older`` that has it.

    Packages are content addressed, so every copy of ``<sha256>/<path>`` holds the same bytes and mixing
    stores file by file is safe. Upload jobs and uploads are only ever in ``primary``.
    """

    def __init__(self, primary: PackageStore, older: list[PackageStore]):
        self.primary, self.older = primary, list(older)

    def __repr__(self) -> str:
        return f"FallbackStore({self.primary!r}, older={self.older!r})"

    @property
    def stores(self) -> list[PackageStore]:
        """``primary``, then the older places, in the order they are read."""
        return [self.primary, *self.older]

    def has_package(self, sha256: str) -> bool:  # noqa: D102
        return any(store.has_package(sha256) for store in self.stores)

    def exists(self, name: str) -> bool:  # noqa: D102
        return any(store.exists(name) for store in self.stores)

    def open(self, name: str) -> StoredFile:  # noqa: D102
        for store in self.stores[:-1]:
            try:
                return store.open(name)
            except (FileNotFoundError, NotADirectoryError):
                continue
        return self.stores[-1].open(name)

    def write(self, name: str, data: bytes) -> None:  # noqa: D102
        self.primary.write(name, data)

    def save_stream(self, name: str, stream: BinaryIO) -> None:  # noqa: D102
        self.primary.save_stream(name, stream)

    def delete(self, name: str) -> None:  # noqa: D102
        self.primary.delete(name)

    @contextmanager
    def local_file(self, name: str) -> Iterator[Path]:  # noqa: D102
        store = next((store for store in self.stores if store.exists(name)), self.primary)
        with store.local_file(name) as path:
            yield path

    def import_package(self, source, *, name: str | None = None, progress=None) -> ImportResult:  # noqa: D102
        return self.primary.import_package(source, name=name, progress=progress)

    @contextmanager
    def local_package(self, sha256: str) -> Iterator[Path]:  # noqa: D102
        store = next((store for store in self.stores if store.has_package(sha256)), self.primary)
        with store.local_package(sha256) as folder:
            yield folder


def _django_storage(choice: Any):
    """The storage the operator chose (a callable, a dotted path to one, or nothing: the default storage)."""
    try:
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - raises when Django is not configured
    except Exception:
        return None
    if choice:
        if isinstance(choice, str):
            from django.utils.module_loading import import_string

            choice = import_string(choice)
        return choice() if callable(choice) else choice
    from django.core.files.storage import default_storage

    return default_storage


def package_store(bucket: dict[str, Any] | None) -> PackageStore:
    """The store the operator's settings bucket names (see the module docstring)."""
    bucket = bucket or {}
    if bucket.get("STORAGE_ROOT"):
        return LocalStore(bucket["STORAGE_ROOT"])
    storage = _django_storage(bucket.get("STORAGE"))
    if storage is None:  # no Django (the command line): a local folder
        return LocalStore(Path(os.environ.get("MOOC_BRIDGE_HOME", "var")) / "storage")
    prefix = str(bucket.get("STORAGE_PREFIX", DEFAULT_PREFIX)).strip("/")
    from django.core.files.storage import FileSystemStorage

    from .hidden import current_secret, previous_secrets

    def at(folder: str) -> PackageStore:
        folder = folder.strip("/")
        if isinstance(storage, FileSystemStorage):  # files on a (shared) disk: ``path()`` is where they really are
            return LocalStore(storage.path(folder) if folder else storage.location)
        return DjangoStore(storage, folder)

    older = [f"{prefix}/{secret}" for secret in previous_secrets(bucket)] + [prefix]
    return FallbackStore(at(f"{prefix}/{current_secret(bucket)}"), [at(folder) for folder in older])
