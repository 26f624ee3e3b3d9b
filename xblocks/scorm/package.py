"""The player's view of a stored package: whether it is there, its parsed manifest, and its table of contents.

Packages are stored content-addressed (``<sha256>/``) in the block's :mod:`~xblocks.scorm.stores` store,
chosen by the operator's ``XBLOCK_SETTINGS["mooc_bridge_scorm"]``. Parsed manifests are cached by sha256:
a stored package never changes, so neither does its model (presence is still checked on every load).
"""

from __future__ import annotations

import posixpath
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock

from scorm.errors import ScormError
from scorm.manifest import parse_manifest
from scorm.model import Item, Package

from .stores import MANIFEST, PackageStore, package_store

__all__ = ["PackagePreparing", "PackageUnavailable", "TocEntry", "find_item", "has_sequencing", "launchable_items",
           "load_package", "package_store", "require_package", "table_of_contents"]

SETTINGS_KEY = "mooc_bridge_scorm"
_CACHE: OrderedDict[str, Package] = OrderedDict()
# lookups over the cached packages, by id(): built once, as a cached package never changes
_LOOKUPS: dict[int, _Lookups] = {}
_CACHE_SIZE = 64
_lock = Lock()


@dataclass(frozen=True)
class _Lookups:
    """What the commit path asks of a package on every commit, computed once per cached package."""

    package: Package
    items: dict[str, Item]  # the first item of each identifier in the default organization
    launchable: tuple[Item, ...]
    has_sequencing: bool

    @classmethod
    def of(cls, package: Package) -> _Lookups:
        items: dict[str, Item] = {}
        for item, _depth in package.iter_items():
            items.setdefault(item.identifier, item)
        return cls(package, items, tuple(package.launchable_items()), package.has_sequencing)


def _lookups(package: Package) -> _Lookups | None:
    cached = _LOOKUPS.get(id(package))
    return cached if cached is not None and cached.package is package else None


class PackageUnavailable(Exception):
    """The block's package is not in storage (not imported yet, or storage is not shared with this server)."""


class PackagePreparing(PackageUnavailable):
    """The block's package is being imported by a worker from the course's files (a large one, on first use)."""


def require_package(store: PackageStore, sha256: str) -> None:
    """Raise :class:`PackageUnavailable` unless package ``sha256`` is complete in ``store``."""
    if not store.has_package(sha256):
        raise PackageUnavailable(sha256)


def _parse(store: PackageStore, sha256: str) -> Package:
    def read_file(path: str) -> bytes | None:
        normal = posixpath.normpath(path)
        if normal.startswith(("../", "/")) or normal in ("..", "."):
            return None
        return store.read(f"{sha256}/{normal}")

    manifest = store.read(f"{sha256}/{MANIFEST}")
    if manifest is None:
        raise PackageUnavailable(sha256)
    try:
        package, _issues = parse_manifest(manifest, read_file=read_file)
    except ScormError as error:
        raise PackageUnavailable(sha256) from error
    return package.model_copy(update={"sha256": sha256})


def cached_package(sha256: str) -> Package | None:
    """Package ``sha256`` if this process has parsed it, without asking the store whether its files are still
    there: enough for the learner-data handlers, which read the manifest only (callers must not modify it)."""
    with _lock:
        cached = _CACHE.get(sha256)
        if cached is not None:
            _CACHE.move_to_end(sha256)
        return cached


def load_package(store: PackageStore, sha256: str) -> Package:
    """The parsed manifest of stored package ``sha256`` (cached; callers must not modify it)."""
    require_package(store, sha256)
    with _lock:
        cached = _CACHE.get(sha256)
        if cached is not None:
            _CACHE.move_to_end(sha256)
            return cached
    package = _parse(store, sha256)
    lookups = _Lookups.of(package)
    with _lock:
        replaced = _CACHE.pop(sha256, None)  # parsed meanwhile by another thread
        if replaced is not None:
            _LOOKUPS.pop(id(replaced), None)
        _CACHE[sha256] = package
        _LOOKUPS[id(package)] = lookups
        while len(_CACHE) > _CACHE_SIZE:
            _LOOKUPS.pop(id(_CACHE.popitem(last=False)[1]), None)
    return package


@dataclass(frozen=True)
class TocEntry:
    """One line of the player's table of contents."""

    identifier: str
    title: str
    depth: int
    launch: str | None  # package-relative URL, or None for a folder item
    sco: bool  # talks to the runtime API (else an asset page)


def table_of_contents(package: Package, launch_item: str | None = None) -> list[TocEntry]:
    """The visible items of the default organization; with ``launch_item``, only that item."""
    entries = []
    for item, depth in package.iter_items():
        if not item.isvisible:
            continue
        if launch_item and item.identifier != launch_item:
            continue
        resource = package.resource_for(item)
        entries.append(TocEntry(
            identifier=item.identifier,
            title=item.title or item.identifier,
            depth=0 if launch_item else depth,
            launch=package.launch_url(item),
            sco=bool(resource and resource.is_sco),
        ))
    return entries


def find_item(package: Package, identifier: str) -> Item | None:
    """The item ``identifier`` of the default organization, or ``None``."""
    cached = _lookups(package)
    if cached is not None:
        return cached.items.get(identifier)
    for item, _depth in package.iter_items():
        if item.identifier == identifier:
            return item
    return None


def launchable_items(package: Package) -> list[Item]:
    """``package.launchable_items()`` of the default organization (from the lookups of a cached package)."""
    cached = _lookups(package)
    return list(cached.launchable) if cached is not None else package.launchable_items()


def has_sequencing(package: Package) -> bool:
    """``package.has_sequencing`` (from the lookups of a cached package)."""
    cached = _lookups(package)
    return cached.has_sequencing if cached is not None else package.has_sequencing
