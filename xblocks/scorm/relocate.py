"""Moving packages out of older, guessable places into the store's current unguessable folder.

:func:`xblocks.scorm.stores.package_store` reads packages from older places (``<prefix>/<sha256>/`` as earlier
versions stored them, and the folders of rotated keys) so nothing breaks on upgrade; while a package stays
there, Tutor still serves it at ``/media/…`` without a login. ``manage.py lms mooc_bridge_scorm_storage``
lists them and, with ``--move``, moves them (:mod:`xblocks.scorm.management.commands.mooc_bridge_scorm_storage`).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from scorm.storage import is_sha256

from .stores import MANIFEST, DjangoStore, FallbackStore, LocalStore, PackageStore

__all__ = ["exposed_packages", "move_package"]


def _packages(store: PackageStore) -> list[str]:
    """The complete packages stored directly in ``store``."""
    if isinstance(store, LocalStore):
        names = [entry.name for entry in store.root.iterdir()] if store.root.is_dir() else []
    elif isinstance(store, DjangoStore):
        try:
            names = store.storage.listdir(store.prefix)[0]
        except (FileNotFoundError, NotADirectoryError):
            names = []
    else:  # pragma: no cover - no other store kinds
        return []
    return sorted(name for name in names if is_sha256(name) and store.has_package(name))


def exposed_packages(store: PackageStore) -> list[tuple[PackageStore, str]]:
    """(older store, sha256) of each package still in an older place of ``store``."""
    if not isinstance(store, FallbackStore):
        return []
    return [(older, sha256) for older in store.older for sha256 in _packages(older)]


def move_package(store: FallbackStore, older: PackageStore, sha256: str) -> None:
    """Move package ``sha256`` from ``older`` into ``store.primary`` and remove it from ``older``.

    Readers never miss it: the new copy gets its manifest last, and the old copy loses its manifest first.
    """
    primary = store.primary
    if isinstance(older, LocalStore) and isinstance(primary, LocalStore) and not primary.has_package(sha256):
        primary.root.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(older.root / sha256, primary.root / sha256)  # one atomic rename on the same disk
            return
        except OSError:
            pass  # another disk, or a half copy in the way: copy file by file below
    with older.local_package(sha256) as folder:
        names = sorted(p.relative_to(folder).as_posix() for p in Path(folder).rglob("*") if p.is_file())
        if not primary.has_package(sha256):
            for name in [*(name for name in names if name != MANIFEST), MANIFEST]:
                if name != MANIFEST and isinstance(primary, DjangoStore) and primary.exists(f"{sha256}/{name}"):
                    continue  # an interrupted copy saved it whole (storages save a file at once), same bytes
                with open(Path(folder, name), "rb") as handle:
                    primary.save_stream(f"{sha256}/{name}", handle)
    if isinstance(older, LocalStore):
        (older.root / sha256 / MANIFEST).unlink(missing_ok=True)
        shutil.rmtree(older.root / sha256, ignore_errors=True)
        return
    for name in sorted(names, key=lambda name: name != MANIFEST):  # the manifest first: no longer a package
        older.delete(f"{sha256}/{name}")
