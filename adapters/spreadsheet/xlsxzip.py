"""Check an .xlsx zip before openpyxl reads a byte of it: what it claims to unpack to, part by part.

openpyxl (``read_only``) streams worksheets, but loads the shared strings, styles and every other part whole
into Python objects: a 43 MB workbook whose ``sharedStrings.xml`` unpacks to 398 MB took minutes and
gigabytes. So each part is bounded by what it is (docs/decisions/0023): a worksheet by
:attr:`Limits.max_sheet_bytes`, any other part by :attr:`Limits.max_part_bytes`, all of them together by
:attr:`Limits.max_unzipped`, and each by a compression ratio. Which parts are worksheets is read from the
workbook's relationships (``xl/_rels/workbook.xml.rels``, ECMA-376 Part 1 §12.3.24), not guessed from names,
so shared strings cannot pass as a sheet. The sizes checked are those of the zip's central directory;
:mod:`zipfile` never produces more than the size a member claims (it stops and fails the CRC check), so a
lying header is caught when openpyxl reads it.

Damaged archives (truncated, names that are not valid UTF-8, encrypted members, compression Excel never
writes) are refused here with a :class:`~adapters.errors.DataError`, never a ``zipfile`` or
``NotImplementedError`` trace.
"""

from __future__ import annotations

import posixpath
import zipfile
import zlib
from pathlib import Path

from lxml import etree

from ..errors import DataError
from ..i18n import Translator
from .limits import Limits

__all__ = ["ZIP_ERRORS", "check_workbook"]

_ = Translator.for_package("adapters").gettext

ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, UnicodeDecodeError, RuntimeError,
              ValueError, EOFError, OSError, zlib.error)
"""What :mod:`zipfile` raises on a damaged or unsupported archive (``RuntimeError``: an encrypted member)."""

_RELS = "xl/_rels/workbook.xml.rels"
_WORKSHEET = "/worksheet"
_EXCEL_COMPRESSION = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
_MiB = 2**20


def damaged(path: Path, error: BaseException) -> DataError:
    """The ``corrupt_file`` error for a workbook zip that cannot be read."""
    return DataError(
        _("{name} is not a readable Excel workbook (it may be damaged): {details}").format(
            name=path.name, details=str(error)[:200] or type(error).__name__),
        code="corrupt_file", where={"file": str(path)})


def check_workbook(path: Path, limits: Limits) -> set[str]:
    """Refuse ``path`` unless it is a workbook zip within ``limits``; return its member names."""
    where = {"file": str(path)}
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            names = {member.filename for member in members}
            sheets = _worksheets(archive, names, limits, path) if "xl/workbook.xml" in names else set()
    except DataError:
        raise
    except ZIP_ERRORS as error:
        raise damaged(path, error) from None
    total = 0
    for member in members:
        if member.flag_bits & 0x1:
            raise DataError(_("{name} is encrypted. Save it in Excel or WPS without a password and try again.").format(
                name=path.name), code="unsupported_format", where=where)
        if member.compress_type not in _EXCEL_COMPRESSION:
            raise damaged(path, NotImplementedError(_("{part} uses a compression Excel does not write").format(
                part=member.filename)))
        total += member.file_size
        if member.file_size > _MiB and member.file_size > limits.max_ratio * max(member.compress_size, 1):
            raise DataError(_("{name} expands to far more than its size (a zip bomb?) and is not read.").format(
                name=path.name), code="zip_bomb", where=where)
        limit = limits.max_sheet_bytes if member.filename in sheets else limits.max_part_bytes
        if member.file_size > limit:
            raise DataError(_("{part} in {name} unpacks to {size} MB; at most {limit} MB is read. Split the workbook "
                              "or raise the limit ({option}).").format(
                part=member.filename, name=path.name, size=member.file_size // _MiB, limit=limit // _MiB,
                option="max_sheet_mb" if member.filename in sheets else "max_part_mb"),
                code="part_too_large", where={**where, "part": member.filename})
    if total > limits.max_unzipped:
        raise DataError(_("{name} expands to {size} MB; workbooks up to {limit} MB unpacked are read.").format(
            name=path.name, size=total // _MiB, limit=limits.max_unzipped // _MiB), code="zip_bomb", where=where)
    return names


def _worksheets(archive: zipfile.ZipFile, names: set[str], limits: Limits, path: Path) -> set[str]:
    """The members the workbook's relationships name as worksheets and as nothing else."""
    if _RELS not in names:
        return set()
    info = archive.getinfo(_RELS)
    if info.file_size > limits.max_part_bytes:
        return set()  # refused below as an oversized part
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(archive.read(_RELS), parser)
    except etree.XMLSyntaxError as error:
        raise damaged(path, error) from None
    sheets, others = set(), set()
    for relation in root.iter("{*}Relationship"):
        target = relation.get("Target") or ""
        if relation.get("TargetMode") == "External" or not target:
            continue
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        (sheets if (relation.get("Type") or "").endswith(_WORKSHEET) else others).add(part)
    return sheets - others
