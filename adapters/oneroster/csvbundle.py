"""OneRoster CSV bundles: a zip of ``manifest.csv`` and data files, read safely and written atomically.

Reading (:class:`BundleReader`) checks before it trusts: every entry sits at the zip's root with a known
name (no folders, no ``..``, no absolute or duplicate names), sizes and compression ratios are bounded,
``manifest.csv`` exists with the header ``propertyName,value``, ``manifest.version`` 1.0, a supported
``oneroster.version`` and a mode (``bulk`` / ``delta`` / ``absent``) for each file present, and each data
file has exactly the specification's header for that version (``metadata.*`` columns may follow). Rows
stream from the zip (UTF-8; a BOM is tolerated); a row with the wrong number of cells, or a delta row
without ``status`` / ``dateLastModified``, raises :class:`~adapters.errors.DataError` with the file and line.

Writing (:class:`BundleWriter`) produces the manifest with a row for every data file of the version,
the exact headers, UTF-8 without BOM, ``\\r\\n`` line ends, free-text cells that look like spreadsheet
formulas behind a single quote (:func:`.csvrows.safe_text`); in bulk files ``status`` and
``dateLastModified`` are blank, in delta files they are filled. The zip is written to a temporary file
beside the target and renamed over it, so a reader never sees half a bundle and a failure leaves the old
file untouched.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from adapters.errors import DataError
from adapters.i18n import Translator

from .csvrows import TEXT_COLUMNS, safe_text
from .spec import CSV_FILES, CSV_HEADERS

__all__ = ["BundleReader", "BundleWriter", "Limits", "Manifest"]

_ = Translator.for_package("adapters").gettext

MANIFEST = "manifest.csv"
_SAFE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*\.csv$")
_COMPRESSION = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, UnicodeDecodeError, RuntimeError,
               EOFError, OSError, zlib.error)
"""What :mod:`zipfile` raises on a damaged or unsupported archive."""


@dataclass(frozen=True)
class Limits:
    """Bounds on a bundle: entries, bytes per file (uncompressed), total bytes, compression ratio."""

    max_entries: int = 64
    max_file_bytes: int = 2 * 1024**3
    max_total_bytes: int = 8 * 1024**3
    max_ratio: float = 200.0


@dataclass
class Manifest:
    """``manifest.csv``: versions, file modes and the source system."""

    oneroster_version: str
    manifest_version: str = "1.0"
    files: dict[str, str] = field(default_factory=dict)
    source_name: str | None = None
    source_code: str | None = None

    def mode(self, name: str) -> str:
        """``bulk``, ``delta`` or ``absent`` for data file ``name``."""
        return self.files.get(name, "absent")


def _error(message: str, code: str, file: str | None = None, line: int | None = None, **where) -> DataError:
    place = {k: v for k, v in {"file": file, "line": line, **where}.items() if v is not None}
    return DataError(message, code=code, where=place)


class _Bounded(io.RawIOBase):
    """A reader that refuses to yield more than ``limit`` bytes (a lying zip header cannot flood us)."""

    def __init__(self, raw, limit: int, name: str):
        self.raw, self.left, self.name = raw, limit, name

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        """Close the zip entry too, so that closing the zip really closes its file."""
        try:
            self.raw.close()
        finally:
            super().close()

    def readinto(self, buffer) -> int:
        data = self.raw.read(min(len(buffer), self.left + 1))
        if len(data) > self.left:
            raise _error(_("{file} in the bundle is larger than allowed.").format(file=self.name), "too_large",
                         self.name)
        self.left -= len(data)
        buffer[: len(data)] = data
        return len(data)


class BundleReader:
    """An open bundle: its manifest, and its data files row by row (see the module docstring)."""

    def __init__(self, path: str | os.PathLike, limits: Limits | None = None):
        self.path = Path(path)
        self.limits = limits or Limits()
        try:
            self.zip = zipfile.ZipFile(self.path)
        except FileNotFoundError:
            raise _error(_("The OneRoster bundle {path} does not exist.").format(path=self.path), "missing_file",
                         str(self.path)) from None
        except _ZIP_ERRORS as exc:  # truncated, not a zip, names that are not UTF-8 though flagged so
            raise _error(_("{path} is not a zip file ({reason}).").format(path=self.path, reason=exc), "bad_zip",
                         str(self.path)) from None
        try:
            self.entries = self._check_entries()
            self.manifest = self._read_manifest()
            self.version = self.manifest.oneroster_version
            self._check_files()
        except BaseException:
            self.zip.close()
            raise

    def close(self) -> None:
        """Close the zip."""
        self.zip.close()

    def __enter__(self) -> BundleReader:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _check_entries(self) -> dict[str, zipfile.ZipInfo]:
        infos = self.zip.infolist()
        if len(infos) > self.limits.max_entries:
            raise _error(_("The bundle has {n} entries; at most {max} are allowed.").format(
                n=len(infos), max=self.limits.max_entries), "too_many_entries")
        entries: dict[str, zipfile.ZipInfo] = {}
        total = 0
        for info in infos:
            name = info.filename
            if info.is_dir() or not _SAFE_NAME.match(name):
                raise _error(_("The bundle entry {name!r} is not allowed: every file must be a .csv at the zip's "
                               "root.").format(name=name), "unsafe_entry", name)
            if info.flag_bits & 0x1 or info.compress_type not in _COMPRESSION:
                raise _error(_("{file} in the bundle is encrypted or compressed in a way that is not read; zip it "
                               "again without a password (deflate).").format(file=name), "bad_zip", name)
            if name in entries:
                raise _error(_("The bundle holds {name} twice.").format(name=name), "duplicate_entry", name)
            if info.file_size > self.limits.max_file_bytes:
                raise _error(_("{file} in the bundle is larger than allowed.").format(file=name), "too_large", name)
            if info.compress_size and info.file_size / info.compress_size > self.limits.max_ratio \
                    and info.file_size > 1024 * 1024:
                raise _error(_("{file} in the bundle is compressed suspiciously well (a zip bomb?).").format(
                    file=name), "zip_bomb", name)
            total += info.file_size
            entries[name] = info
        if total > self.limits.max_total_bytes:
            raise _error(_("The bundle is larger than allowed once unpacked."), "too_large")
        if MANIFEST not in entries:
            raise _error(_("The bundle has no manifest.csv."), "missing_manifest", MANIFEST)
        return entries

    def _lines(self, name: str) -> Iterator[tuple[int, list[str]]]:
        info = self.entries[name]
        try:
            member = self.zip.open(info)
        except _ZIP_ERRORS as exc:
            raise _error(_("{file} in the bundle cannot be unpacked ({reason}).").format(file=name, reason=exc),
                         "bad_zip", name) from None
        raw = io.BufferedReader(_Bounded(member, min(info.file_size, self.limits.max_file_bytes), name))

        def decoded() -> Iterator[str]:
            for number, data in enumerate(raw, start=1):
                if number == 1 and data.startswith(codecs.BOM_UTF8):
                    data = data[len(codecs.BOM_UTF8):]
                try:
                    yield data.decode("utf-8")
                except UnicodeDecodeError:
                    raise _error(_("{file} line {line} is not UTF-8 text.").format(file=name, line=number),
                                 "bad_encoding", name, number) from None

        reader = csv.reader(decoded(), strict=True)
        try:
            for cells in reader:
                yield reader.line_num, cells
        except csv.Error as exc:
            raise _error(_("{file} line {line} is not valid CSV: {reason}").format(
                file=name, line=reader.line_num, reason=exc), "bad_csv", name, reader.line_num) from None
        except _ZIP_ERRORS as exc:  # a damaged member: bad CRC, broken deflate data, a truncated file
            raise _error(_("{file} in the bundle cannot be unpacked ({reason}).").format(file=name, reason=exc),
                         "bad_zip", name, reader.line_num or None) from None
        finally:
            raw.close()

    @staticmethod
    def _manifest_values(lines: Iterator[tuple[int, list[str]]]) -> dict[str, str]:
        header = next(lines, (1, []))[1]
        if header != ["propertyName", "value"]:
            raise _error(_("manifest.csv must start with the header propertyName,value."), "bad_header", MANIFEST, 1)
        values: dict[str, str] = {}
        for number, cells in lines:
            if not any(cells):
                continue
            if len(cells) != 2:
                raise _error(_("manifest.csv line {line} must have exactly two cells.").format(line=number),
                             "bad_row", MANIFEST, number)
            if cells[0] in values:
                raise _error(_("manifest.csv lists {name} twice (line {line}).").format(name=cells[0], line=number),
                             "bad_manifest", MANIFEST, number)
            values[cells[0]] = cells[1].strip()
        return values

    def _read_manifest(self) -> Manifest:
        with closing(self._lines(MANIFEST)) as lines:  # a raise closes the entry, so that close() closes the zip
            values = self._manifest_values(lines)
        version = values.get("oneroster.version")
        if version not in CSV_FILES:
            raise _error(_("manifest.csv gives oneroster.version {value!r}; 1.1 and 1.2 are supported.").format(
                value=version), "unsupported_version", MANIFEST)
        if values.get("manifest.version") != "1.0":
            raise _error(_("manifest.csv must give manifest.version 1.0."), "bad_manifest", MANIFEST)
        manifest = Manifest(version, values["manifest.version"], source_name=values.get("source.systemName"),
                            source_code=values.get("source.systemCode"))
        for key, value in values.items():
            if key.startswith("file."):
                name = key[5:] + ".csv"
                if name not in CSV_FILES[version]:
                    raise _error(_("manifest.csv names an unknown file {name}.").format(name=name), "bad_manifest",
                                 MANIFEST)
                if value not in ("bulk", "delta", "absent"):
                    raise _error(_("manifest.csv gives {name} the mode {value!r}; use bulk, delta or absent.").format(
                        name=name, value=value), "bad_manifest", MANIFEST)
                manifest.files[name] = value
        return manifest

    def _check_files(self) -> None:
        for name in self.entries:
            if name == MANIFEST:
                continue
            if name not in CSV_FILES[self.version]:
                raise _error(_("{file} is not a OneRoster {version} file.").format(file=name, version=self.version),
                             "unknown_file", name)
            if self.manifest.mode(name) == "absent":
                raise _error(_("{file} is in the bundle but manifest.csv says it is absent.").format(file=name),
                             "bad_manifest", name)
        for name, mode in self.manifest.files.items():
            if mode != "absent" and name not in self.entries:
                raise _error(_("manifest.csv lists {file} as {mode} but the bundle has no such file.").format(
                    file=name, mode=mode), "missing_file", name)

    def rows(self, name: str) -> Iterator[tuple[int, dict[str, str]]]:
        """``(line, row)`` for each data row of ``name`` (nothing when the file is absent)."""
        if self.manifest.mode(name) == "absent":
            return
        delta = self.manifest.mode(name) == "delta"
        with closing(self._lines(name)) as lines:  # a raise closes the entry, so that close() closes the zip
            yield from self._data_rows(name, lines, delta)

    def _data_rows(self, name: str, lines: Iterator[tuple[int, list[str]]], delta: bool
                   ) -> Iterator[tuple[int, dict[str, str]]]:
        expected = list(CSV_HEADERS[self.version][name])
        header = next(lines, (1, []))[1]
        extra = header[len(expected):]
        if header[: len(expected)] != expected or any(not h.startswith("metadata.") for h in extra):
            raise _error(_("{file} does not have the OneRoster {version} header. Expected: {expected}").format(
                file=name, version=self.version, expected=",".join(expected)), "bad_header", name, 1)
        for number, cells in lines:
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                raise _error(_("{file} line {line} has {n} cells; the header has {m}.").format(
                    file=name, line=number, n=len(cells), m=len(header)), "bad_row", name, number)
            row = dict(zip(header, cells, strict=True))
            if not row["sourcedId"].strip():
                raise _error(_("{file} line {line} has no sourcedId.").format(file=name, line=number), "bad_row",
                             name, number)
            if delta and (not row["status"].strip() or not row["dateLastModified"].strip()):
                raise _error(_("{file} line {line} is a delta row without status and dateLastModified.").format(
                    file=name, line=number), "bad_row", name, number)
            yield number, row


class BundleWriter:
    """Collects data files and writes the bundle atomically on :meth:`commit`."""

    def __init__(self, path: str | os.PathLike, version: str, mode: str = "bulk", *,
                 source_name: str | None = "mooc-bridge", source_code: str | None = None):
        if version not in CSV_FILES or mode not in ("bulk", "delta"):
            raise DataError(_("A OneRoster bundle is version 1.1 or 1.2, mode bulk or delta."), code="bad_spec")
        self.path, self.version, self.mode = Path(path), version, mode
        self.source_name, self.source_code = source_name, source_code
        self._files: dict[str, bytes] = {}

    def add(self, name: str, rows: Iterable[dict[str, str]], extra: Iterable[str] = ()) -> int:
        """Add data file ``name`` (rows as dicts by header; ``extra`` ``metadata.*`` columns after the
        specification's); return how many rows it has."""
        extra = [e for e in extra if e.startswith("metadata.")]
        header = [*CSV_HEADERS[self.version][name], *extra]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(header)
        count = 0
        for row in rows:
            cells = [safe_text(row.get(h)) if h in TEXT_COLUMNS else str(row.get(h) or "") for h in header]
            if self.mode == "bulk":
                cells[1] = cells[2] = ""
            elif not cells[1] or not cells[2]:
                raise DataError(_("A delta row of {file} needs status and dateLastModified.").format(file=name),
                                code="bad_row", where={"file": name, "sourcedId": cells[0]})
            writer.writerow(cells)
            count += 1
        self._files[name] = buffer.getvalue().encode("utf-8")
        return count

    def manifest(self) -> bytes:
        """The manifest: versions, one ``file.*`` row per data file of the version, the source system."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(["propertyName", "value"])
        writer.writerow(["manifest.version", "1.0"])
        writer.writerow(["oneroster.version", self.version])
        for name in CSV_FILES[self.version]:
            writer.writerow([f"file.{name[:-4]}", self.mode if name in self._files else "absent"])
        if self.source_name:
            writer.writerow(["source.systemName", self.source_name])
        if self.source_code:
            writer.writerow(["source.systemCode", self.source_code])
        return buffer.getvalue().encode("utf-8")

    def commit(self) -> Path:
        """Write the zip to a temporary file beside the target, then rename it over the target."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=".oneroster-", suffix=".zip.part", dir=self.path.parent)
        try:
            with os.fdopen(handle, "wb") as out, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(MANIFEST, self.manifest())
                for name in sorted(self._files):
                    archive.writestr(name, self._files[name])
            os.replace(temp, self.path)
        except BaseException:
            try:
                os.unlink(temp)
            except OSError:
                pass
            raise
        return self.path
