"""Open a spreadsheet someone exported or typed, safely: .xlsx through openpyxl, .csv in any encoding Excel writes.

:func:`open_table` sniffs the content (not just the name): a zip with ``xl/workbook.xml`` is read as
.xlsx (``read_only``, ``data_only``: formulas are never evaluated, only their cached values are seen),
anything else that is text is read as CSV. Old ``.xls``, macro-enabled workbooks, password-protected
workbooks and HTML tables named ``.xls`` are refused with a sentence that says what to do. Sizes are
bounded (:class:`Limits`): file bytes, the total unzipped size and compression ratio of a workbook,
rows, columns and characters per cell. Every failure is a :class:`~adapters.errors.DataError`.

CSV encodings: a BOM decides (UTF-8, UTF-16); otherwise valid UTF-8 is UTF-8, and anything else is
GB18030 (a superset of GBK and GB2312). An explicit ``encoding`` wins. The encoding used is reported.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import DataError
from ..i18n import Translator
from ..text import clean, has_controls
from .encodings import decode_lines
from .limits import Limits
from .xlsxzip import check_workbook, damaged

__all__ = ["Limits", "OddRow", "Oversized", "Table", "decode_text", "open_table"]

_ = Translator.for_package("adapters").gettext

EXCEL_MAX_ROWS = 1_048_576
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a compound file (MS-CFB §2.2): .xls, or an encrypted .xlsx
_BIFF_RAW = {b"\x09\x00", b"\x09\x02", b"\x09\x04", b"\x09\x08"}  # BOF of Excel 2.x-4.x files (no OLE2 wrapper)


class Oversized:
    """Stands in for a cell longer than :attr:`Limits.max_cell_chars`; its text is not kept."""

    __slots__ = ("length",)

    def __init__(self, length: int):
        self.length = length

    def __repr__(self) -> str:
        return f"Oversized({self.length})"


class OddRow(tuple):
    """The cells of a CSV row whose line is not in the file's encoding: its text cannot be trusted."""

    __slots__ = ()


@dataclass
class Table:
    """An opened spreadsheet: its format, sheets and (for CSV) encoding. Close it, or use it as a context."""

    path: Path
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    sheet_names: list[str] = field(default_factory=list)
    limits: Limits = field(default_factory=Limits)
    _workbook: Any = None
    _text: str | None = None
    _handle: Any = None
    truncated_columns: bool = False
    odd_lines: set[int] = field(default_factory=set)
    """CSV lines not in the file's encoding (:mod:`.encodings`); their rows come as :class:`OddRow`."""
    cleaned: set[tuple[int, int]] = field(default_factory=set)
    """``(row, column index)`` of every cell whose control characters were removed (see :mod:`adapters.text`)."""

    def rows(self, sheet: str | None = None) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """Yield ``(row_number, values)`` (1-based, as Excel numbers rows), at most ``max_columns`` values each.

        Raises :class:`DataError` ``too_many_rows`` when a non-empty row lies beyond ``max_rows``.
        """
        source = self._xlsx_rows(sheet) if self.format == "xlsx" else self._csv_rows()
        limits = self.limits
        for number, values in source:
            if number > EXCEL_MAX_ROWS:
                break
            odd = isinstance(values, OddRow)
            if len(values) > limits.max_columns:
                if any(v not in (None, "") for v in values[limits.max_columns:]):
                    self.truncated_columns = True
                values = values[: limits.max_columns]
            if number > limits.max_rows:
                if any(v not in (None, "") for v in values):
                    raise DataError(
                        _("The file has more than {limit} rows; split it or raise the limit.").format(
                            limit=limits.max_rows), code="too_many_rows", where={"file": str(self.path), "row": number})
                continue
            cells = tuple(self._cell(number, index, v) for index, v in enumerate(values))
            yield number, OddRow(cells) if odd else cells

    def _cell(self, number: int, index: int, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if self.format == "xlsx" and "_x" in value:
            value = _ooxml_unescape(value)
        if has_controls(value):
            self.cleaned.add((number, index))
            value = clean(value)
        return _bounded(value, self.limits.max_cell_chars)

    def _xlsx_rows(self, sheet: str | None) -> Iterator[tuple[int, tuple[Any, ...]]]:
        name = sheet if sheet is not None else self.sheet_names[0]
        worksheet = self._workbook[name]
        worksheet.reset_dimensions()  # never trust the stored <dimension>: it can be wrong either way
        try:
            yield from enumerate(
                worksheet.iter_rows(values_only=True, max_col=self.limits.max_columns + 1), start=1
            )
        except DataError:
            raise
        except Exception as error:  # openpyxl raises many types on broken XML
            raise _corrupt(self.path, error) from None

    def _csv_rows(self) -> Iterator[tuple[int, tuple[Any, ...]]]:
        reader = csv.reader(io.StringIO(self._text or ""), delimiter=self.delimiter or ",")
        number = last_line = 0
        try:
            for number, values in enumerate(reader, start=1):
                lines = range(last_line + 1, reader.line_num + 1)
                last_line = reader.line_num
                odd = self.odd_lines and any(line in self.odd_lines for line in lines)
                yield number, OddRow(values) if odd else tuple(values)
        except csv.Error as error:
            raise DataError(_("Row {row} of the CSV file cannot be read: {details}").format(
                row=number + 1, details=error), code="bad_csv", where={"file": str(self.path), "row": number + 1},
            ) from None

    def close(self) -> None:
        """Release the workbook's file handle."""
        if self._workbook is not None:
            self._workbook.close()
            self._workbook = None
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _bounded(value: Any, max_chars: int) -> Any:
    if isinstance(value, str) and len(value) > max_chars:
        return Oversized(len(value))
    return value


_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _ooxml_unescape(value: str) -> str:
    """Undo the ``_xHHHH_`` escapes a workbook uses for characters XML cannot hold (ECMA-376 Part 1, §22.9.2.19
    ST_Xstring), as Excel shows them: ``_x001B_`` is ESC, ``_x005F_`` an underscore."""
    return _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)


_corrupt = damaged


def open_table(path: str | Path, *, encoding: str | None = None, delimiter: str | None = None,
               limits: Limits | None = None) -> Table:
    """Open ``path`` as .xlsx or CSV (decided by content), or raise :class:`DataError`.

    Codes: ``file_not_found``, ``file_too_large``, ``unsupported_format`` (.xls, .xlsm, .ods…),
    ``html_table``, ``not_a_spreadsheet``, ``corrupt_file``, ``zip_bomb``, ``bad_encoding``.
    """
    path = Path(path)
    limits = limits or Limits()
    where = {"file": str(path)}
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise FileNotFoundError(path)
    except OSError:
        raise DataError(_("The file {path} does not exist.").format(path=path), code="file_not_found",
                        where=where) from None
    if size > limits.max_bytes:
        raise DataError(_("{name} is {size} MB; files up to {limit} MB are read.").format(
            name=path.name, size=size // 2**20, limit=limits.max_bytes // 2**20), code="file_too_large", where=where)
    with path.open("rb") as handle:
        head = handle.read(4096)
    # by content, never by name: platforms export HTML tables and CSV text under .xls names
    if head.startswith(_OLE2) or head[:2] in _BIFF_RAW:
        raise DataError(_("{name} is an Excel 97-2003 workbook (.xls) or a password-protected workbook, which is "
                          "not read. Open it in Excel or WPS and save it as \"Excel Workbook (*.xlsx)\" without a "
                          "password.").format(name=path.name), code="unsupported_format", where=where)
    if head.startswith(b"PK\x03\x04"):
        return _open_xlsx(path, limits)
    if _looks_like_html(head):
        raise DataError(_("{name} is a web page saved with a spreadsheet name, not a workbook. Open it in Excel "
                          "and save it as \"Excel Workbook (*.xlsx)\".").format(name=path.name),
                        code="html_table", where=where)
    raw = path.read_bytes()
    utf16 = raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or "16" in (encoding or "")
    if not utf16 and b"\x00" in raw[:65536]:
        raise DataError(_("{name} is neither an .xlsx workbook nor a CSV text file.").format(name=path.name),
                        code="not_a_spreadsheet", where=where)
    odd: set[int] = set()
    if encoding or raw.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _utf8(raw):
        text, used = decode_text(raw, encoding, where=where)
    else:
        text, used, odd = decode_lines(raw)  # not one encoding throughout: the odd lines' rows are refused
    if "\x00" in text[:65536]:
        raise DataError(_("{name} is neither an .xlsx workbook nor a CSV text file.").format(name=path.name),
                        code="not_a_spreadsheet", where=where)
    return Table(path=path, format="csv", encoding=used, delimiter=delimiter or _sniff_delimiter(text),
                 sheet_names=[path.stem], limits=limits, _text=text, odd_lines=odd)


def _utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _looks_like_html(head: bytes) -> bool:
    sample = head[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return sample.startswith((b"<html", b"<!doctype html", b"<table", b"<?xml")) or b"<html" in sample[:300]


def _open_xlsx(path: Path, limits: Limits) -> Table:
    where = {"file": str(path)}
    names = check_workbook(path, limits)
    if "xl/workbook.xml" not in names:
        raise DataError(_("{name} is a zip file but not an Excel workbook (.xlsx). Save it from Excel or WPS as "
                          "\"Excel Workbook (*.xlsx)\".").format(name=path.name), code="not_a_spreadsheet", where=where)
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise DataError(_("{name} contains macros. Save it as \"Excel Workbook (*.xlsx)\" (without macros) and try "
                          "again.").format(name=path.name), code="unsupported_format", where=where)
    import openpyxl

    handle = path.open("rb")  # a file object: openpyxl would refuse a workbook by its name (grades.csv)
    try:
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True, keep_links=False)
        sheet_names = list(workbook.sheetnames)
    except Exception as error:  # openpyxl raises KeyError, ValueError, TypeError, XML errors… on bad files
        handle.close()
        raise _corrupt(path, error) from None
    if not sheet_names:
        workbook.close()
        handle.close()
        raise DataError(_("{name} has no worksheet.").format(name=path.name), code="not_a_spreadsheet", where=where)
    return Table(path=path, format="xlsx", sheet_names=sheet_names, limits=limits, _workbook=workbook, _handle=handle)


def decode_text(raw: bytes, encoding: str | None = None, *, where: dict | None = None) -> tuple[str, str]:
    """Decode CSV bytes; return ``(text, encoding_used)``. Raise :class:`DataError` ``bad_encoding``.

    Without ``encoding``: a UTF-8 BOM gives ``utf-8-sig``, a UTF-16 BOM ``utf-16``, valid UTF-8 ``utf-8``,
    anything else ``gb18030``. With ``encoding``, that codec is used strictly (``gbk`` for instance).
    """
    where = dict(where or {})
    if encoding:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise DataError(_("{encoding} is not a known text encoding.").format(encoding=encoding),
                            code="bad_encoding", where=where) from None
        if codec == "utf-8" and raw.startswith(codecs.BOM_UTF8):
            codec = "utf-8-sig"
        return _strict(raw, codec, where), encoding.lower()
    if raw.startswith(codecs.BOM_UTF8):
        return _strict(raw, "utf-8-sig", where), "utf-8-sig"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(raw, "utf-16", where), "utf-16"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    return _strict(raw, "gb18030", where), "gb18030"


def _strict(raw: bytes, codec: str, where: dict) -> str:
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DataError(
            _("The file is not valid {encoding} text (line {line}). Save it as UTF-8 or say which encoding it uses "
              "(for example ?encoding=gbk).").format(encoding=codec, line=line),
            code="bad_encoding", where={**where, "row": line},
        ) from None


def _sniff_delimiter(text: str) -> str:
    """The delimiter most lines agree on (comma, tab or semicolon); comma when in doubt.

    Excel's "Unicode text" export is tab-separated; some European setups use semicolons. Title rows
    above the header have no delimiter at all, so the most common non-zero count per line decides.
    """
    lines = [line for line in text[:20000].splitlines()[:30] if line.strip()]
    best, best_score = ",", (0, 0)
    for candidate in (",", "\t", ";"):
        counts = Counter(line.count(candidate) for line in lines if candidate in line)
        if counts:
            count, lines_agreeing = counts.most_common(1)[0]
            score = (lines_agreeing, count)
            if score > best_score:
                best, best_score = candidate, score
    return best
