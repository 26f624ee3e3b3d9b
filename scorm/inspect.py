"""The two entry points the command line and the XBlock call: inspect a package, or import it into storage.

* :func:`inspect_package` — a ``.zip`` path, a binary stream or an extracted folder in, a
  :class:`~scorm.model.ValidationReport` out. It reads every entry through the safety checks (names,
  flags, claimed and actual sizes, ratios) and hashes the package in the same pass, but writes
  nothing anywhere.
* :func:`import_package` — the same checks, then, only for a valid package, extraction into a
  staging folder and an atomic move to ``<store_root>/<sha256>/`` (:mod:`scorm.storage`). Importing
  the same package twice is a no-op; a refused or failed import leaves nothing behind.

Neither raises for bad input: a refusal or an unreadable file becomes an error issue in the report
(:func:`exit_code` tells which), so callers show ``issue.message`` and move on.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from scorm.detect import detect
from scorm.errors import UNREADABLE_CODES, ScormError
from scorm.folder import FolderSource
from scorm.limits import Limits
from scorm.manifest import parse_manifest
from scorm.model import ValidationReport
from scorm.progress import NullProgress, Progress
from scorm.safezip import Entry, ZipSource
from scorm.storage import PackageStore, extract_entries
from scorm.validate import validate_package

__all__ = ["ImportResult", "exit_code", "import_package", "inspect_package", "open_source"]

Source = str | os.PathLike[str] | BinaryIO


@dataclass
class ImportResult:
    """What :func:`import_package` did: the report, and where the package is stored (``None`` if not stored)."""

    report: ValidationReport
    path: Path | None = None
    sha256: str | None = None
    created: bool = False  # False when the package was already in the store (or not stored)

    @property
    def stored(self) -> bool:
        """Whether the package is now in the store."""
        return self.path is not None


def open_source(source: Source, limits: Limits, name: str | None = None) -> ZipSource | FolderSource:
    """Open a folder, a zip path or a binary stream with every entry checked; raise :class:`ScormError`."""
    if isinstance(source, str | os.PathLike) and Path(source).is_dir():
        return FolderSource(source, limits, name or "")
    return ZipSource(source, limits, name or "")


def _source_name(source: Source, name: str | None) -> str:
    if name:
        return name
    if isinstance(source, str | os.PathLike):
        return os.path.basename(os.fspath(source).rstrip("/")) or os.fspath(source)
    return getattr(source, "name", None) or "package.zip"


def exit_code(report: ValidationReport) -> int:
    """The command-line exit code for a report: 0 valid, 1 invalid or refused, 2 unreadable."""
    if any(issue.code in UNREADABLE_CODES for issue in report.errors):
        return 2
    return 0 if report.valid else 1


class _Analysis:
    """Detect, parse and validate a package from its checked entries, without writing anything."""

    def __init__(self, source: ZipSource | FolderSource, report: ValidationReport, limits: Limits):
        self.source = source
        self.report = report
        self.limits = limits
        self.prefix = ""
        self.by_path: dict[str, Entry] = {entry.path: entry for entry in source.entries}

    def read(self, entry: Entry) -> bytes:
        return self.source.read_bytes(entry, self.limits.max_manifest_bytes)

    def read_file(self, path: str) -> bytes | None:
        entry = self.by_path.get(self.prefix + unicodedata.normalize("NFC", path))
        return None if entry is None or entry.is_dir else self.read(entry)

    def run(self) -> None:
        report = self.report
        detected = detect(self.source.entries, self.read)
        report.type = detected.type
        report.detail = detected.title
        report.issues.extend(detected.issues or [])
        if detected.type != "scorm" or detected.entry is None:
            return
        self.prefix = detected.prefix
        package, issues = parse_manifest(self.read(detected.entry), file=detected.entry.path, limits=self.limits,
                                         read_file=self.read_file)
        package.root = self.prefix
        report.package = package
        report.issues.extend(issues)
        names = {entry.path[len(self.prefix):] for entry in self.source.entries
                 if not entry.is_dir and entry.path.startswith(self.prefix)}
        report.issues.extend(validate_package(package, names))


def _finish(report: ValidationReport, sha256: str) -> None:
    report.sha256 = sha256
    if report.package is not None:
        report.package.sha256 = sha256


def inspect_package(source: Source, *, limits: Limits | None = None, progress: Progress | None = None,
                    name: str | None = None) -> ValidationReport:
    """Check a package completely without extracting it; return the report (never raises for bad input)."""
    limits = limits or Limits()
    progress = progress or NullProgress()
    report = ValidationReport(source=_source_name(source, name))
    try:
        with open_source(source, limits, report.source) as opened:
            _Analysis(opened, report, limits).run()
            progress.start(sum(entry.size for entry in opened.entries), report.source or "")
            for entry in opened.in_order(opened.entries):
                opened.stream(entry, lambda chunk: progress.advance(len(chunk)))
            _finish(report, opened.sha256())
    except ScormError as error:
        report.issues.append(error.issue)
    finally:
        progress.close()
    return report


def import_package(source: Source, store_root: str | os.PathLike[str], *, limits: Limits | None = None,
                   progress: Progress | None = None, name: str | None = None) -> ImportResult:
    """Check a package and, when it is valid, store it at ``<store_root>/<sha256>/`` atomically.

    Returns an :class:`ImportResult`; the package is stored only when ``result.report.valid``. Never
    raises for bad input; a storage failure (disk full, permissions) is reported as ``storage_failed``.
    """
    limits = limits or Limits()
    progress = progress or NullProgress()
    report = ValidationReport(source=_source_name(source, name))
    result = ImportResult(report)
    store = PackageStore(store_root)
    try:
        with open_source(source, limits, report.source) as opened:
            analysis = _Analysis(opened, report, limits)
            analysis.run()
            if not report.valid:
                return result
            progress.start(sum(entry.size for entry in opened.entries), report.source or "")
            with store.staging() as staging:
                try:
                    extract_entries(opened, opened.entries, analysis.prefix, staging, progress)
                except OSError as error:
                    raise ScormError("storage_failed", detail=error.strerror or str(error)) from error
                sha256 = opened.sha256()
                _finish(report, sha256)
                try:
                    result.path, result.created = store.commit(staging, sha256)
                except OSError as error:
                    raise ScormError("storage_failed", detail=error.strerror or str(error)) from error
                result.sha256 = sha256
    except ScormError as error:
        report.issues.append(error.issue)
        result.path, result.created = None, False
    finally:
        progress.close()
    return result
