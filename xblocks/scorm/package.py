"""The player's view of a stored package: where it lives, its parsed manifest, and its table of contents.

Packages are stored by :func:`scorm.inspect.import_package` under ``<storage root>/<sha256>/``; the
root comes from the operator's ``XBLOCK_SETTINGS["mooc_bridge_scorm"]["STORAGE_ROOT"]``. Parsed
manifests are cached by sha256: a stored package never changes, so neither does its model.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from scorm.errors import ScormError
from scorm.manifest import parse_manifest
from scorm.model import Item, Package
from scorm.storage import is_sha256

SETTINGS_KEY = "mooc_bridge_scorm"


class PackageUnavailable(Exception):
    """The block's package is not in storage (not imported yet, or storage is not shared with this server)."""


def storage_root(settings_bucket: dict | None) -> Path:
    """The folder of stored packages: the operator's setting, else ``$MOOC_BRIDGE_HOME/storage``."""
    configured = (settings_bucket or {}).get("STORAGE_ROOT")
    if configured:
        return Path(configured)
    return Path(os.environ.get("MOOC_BRIDGE_HOME", "var")) / "storage"


def package_dir(root: Path, sha256: str) -> Path:
    """The folder of the package ``sha256`` under ``root``; :class:`PackageUnavailable` if absent or malformed."""
    if not is_sha256(sha256):
        raise PackageUnavailable(sha256)
    folder = root / sha256
    if not (folder / "imsmanifest.xml").is_file():
        raise PackageUnavailable(sha256)
    return folder


@lru_cache(maxsize=64)
def _parse(folder: str) -> Package:
    root = Path(folder)

    def read_file(path: str) -> bytes | None:
        target = (root / path).resolve()
        if not target.is_relative_to(root.resolve()) or not target.is_file():
            return None
        return target.read_bytes()

    try:
        package, _issues = parse_manifest((root / "imsmanifest.xml").read_bytes(), read_file=read_file)
    except (OSError, ScormError) as error:
        raise PackageUnavailable(folder) from error
    return package


@lru_cache(maxsize=64)
def _named(folder: str, sha256: str) -> Package:
    return _parse(folder).model_copy(update={"sha256": sha256})


def load_package(root: Path, sha256: str) -> Package:
    """The parsed manifest of stored package ``sha256`` (cached; callers must not modify it)."""
    return _named(str(package_dir(root, sha256)), sha256)


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
    for item, _depth in package.iter_items():
        if item.identifier == identifier:
            return item
    return None
