"""The 教务 import draft (正方 style by default): rows keyed by 学号 + 课程号 + 学年 + 学期 + 考试性质.

The header is the first row of the first sheet, so the 教务系统 can import the file as it is; the
notice that this is a draft to check before submitting, with counts and sources, goes to a second
sheet (``说明``). 学号, 课程号, 学年 and 学期 are text cells (``number_format "@"``). Any text cell that
starts with ``= + - @`` (or a tab or carriage return) is written with a leading apostrophe, so no
spreadsheet treats it as a formula. CSV drafts are UTF-8 with BOM by default (GBK on request).

Writes are atomic (a temporary file in the same folder, then a rename) and never replace a file
this module did not write unless ``overwrite`` is set; a draft it wrote is updated in place (rows
kept, changed rows replaced), so running the same sync twice changes nothing.
"""

from __future__ import annotations

import csv
import io
import os
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import DataError, FatalError
from ..i18n import Translator
from .fingerprints import META_SHEET, Fingerprints, canonical
from .headers import Profile
from .reading import Limits, open_table

__all__ = ["DRAFT_MARKER", "Draft", "escape_cell", "same_row", "unescape_cell"]

_ = Translator.for_package("adapters").gettext

DRAFT_MARKER = "mooc-bridge-draft"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
KEY_ROLES = ("student_number", "course_id", "year", "semester", "exam_kind")


def escape_cell(value: Any) -> Any:
    """Prefix text that a spreadsheet would run as a formula (``=cmd|…``, ``@SUM(…)``) with an apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def unescape_cell(value: Any) -> Any:
    """Undo :func:`escape_cell` when reading a draft back."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(_FORMULA_STARTS):
        return value[1:]
    return value


Row = dict[str, Any]


def same_row(a: Row, b: Row) -> bool:
    """Whether two draft rows hold the same cells (``88`` from .xlsx equals ``"88"`` from CSV)."""
    return all(canonical(a.get(role)) == canonical(b.get(role)) for role in {*a, *b})


class Draft:
    """One draft file: its rows by key, loaded from disk if this module wrote it, saved atomically."""

    def __init__(self, path: str | Path, profile: Profile, *, fmt: str, encoding: str = "utf-8-sig",
                 overwrite: bool = False):
        if profile.output is None:
            raise FatalError(_("The profile {name} describes a file to read, not one to write.").format(
                name=profile.name), code="profile_not_writable")
        self.path = Path(path)
        self.profile = profile
        self.output = profile.output
        self.fmt = fmt
        self.encoding = encoding
        self.overwrite = overwrite
        self.rows: dict[tuple, Row] = {}
        self.prints = Fingerprints()  # what mooc-bridge wrote into each cell (docs/decisions/0021)
        self.ours = False
        self.loaded = False

    @property
    def roles(self) -> list[str]:
        """The roles of the output columns, in order."""
        return [column.role for column in self.output.columns]

    @staticmethod
    def key(row: Row) -> tuple:
        """The identity of a draft row."""
        return tuple(canonical(row.get(role)) for role in KEY_ROLES)

    def check_target(self) -> None:
        """Raise :class:`FatalError` unless the draft can be written: the folder exists, the file is ours or absent."""
        folder = self.path.parent
        if not folder.is_dir():
            raise FatalError(_("The folder {folder} does not exist.").format(folder=folder), code="folder_missing",
                             where={"file": str(self.path)})
        if not os.access(folder, os.W_OK):
            raise FatalError(_("The folder {folder} cannot be written to.").format(folder=folder),
                             code="folder_not_writable", where={"file": str(self.path)})
        self.load()

    def load(self) -> None:
        """Read the existing file once: our own draft is loaded; a foreign file is refused unless ``overwrite``."""
        if self.loaded:
            return
        self.loaded = True
        if not self.path.exists():
            return
        rows, self.prints = self.read_state()
        if rows is None:
            self.prints = Fingerprints()
            if not self.overwrite:
                raise FatalError(_("{name} already exists and was not written by mooc-bridge; choose another file "
                                   "name or add overwrite=true.").format(name=self.path.name), code="file_exists",
                                 where={"file": str(self.path)})
            return
        self.ours = True
        self.rows = {self.key(row): row for row in rows}

    def read_existing(self) -> list[Row] | None:
        """The rows of the file at ``path`` if it is a draft of this profile, else ``None``."""
        return self.read_state()[0]

    def read_state(self) -> tuple[list[Row] | None, Fingerprints]:
        """The rows (``None`` unless it is a draft of this profile) and the cell fingerprints of ``path``."""
        try:
            table = open_table(self.path, encoding=None if self.fmt == "xlsx" else self.encoding, limits=Limits())
        except DataError:
            return None, Fingerprints()
        with table:
            rows = self._read_rows(table)
            if rows is None:
                return None, Fingerprints()
            if table.format == "csv":
                return rows, Fingerprints.load_sidecar(self.path)
            if META_SHEET not in table.sheet_names:
                return rows, Fingerprints()
            return rows, Fingerprints.from_rows([values for _number, values in table.rows(META_SHEET)])

    def hand_edits(self, key: tuple) -> set[str] | None:
        """Roles of row ``key`` a person changed since mooc-bridge wrote them (``None``: they deleted the row)."""
        return self.prints.hand_edits(key, self.rows.get(key))

    def _read_rows(self, table) -> list[Row] | None:
        if table.format != self.fmt:
            return None
        if table.format == "xlsx":
            properties = table._workbook.properties
            if (properties.keywords or "") != DRAFT_MARKER:
                return None
        headers = [c.header for c in self.output.columns]
        rows: list[Row] = []
        for number, values in table.rows(table.sheet_names[0]):
            cells = [unescape_cell(v) for v in values[: len(headers)]]
            if number == 1:
                if [str(v or "").strip() for v in cells] != headers:
                    return None
                continue
            if any(v not in (None, "") for v in cells):
                cells += [None] * (len(headers) - len(cells))
                rows.append({role: _plain(value) for role, value in zip(self.roles, cells, strict=True)})
        return rows

    def save(self, notes: dict[str, Any]) -> None:
        """Write all rows atomically; raise :class:`FatalError` ``write_failed`` or ``file_exists``."""
        rows = list(self.rows.values())
        if not self.prints.tracked:  # a draft from before fingerprints: its cells are taken as ours, once
            for key, row in self.rows.items():
                if key not in self.prints.cells:
                    self.prints.remember(key, row)
            self.prints.tracked = True
        writer: Callable[[Path], None]
        if self.fmt == "xlsx":
            def writer(target: Path) -> None:
                self._write_xlsx(target, rows, notes)
        else:
            def writer(target: Path) -> None:
                self._write_csv(target, rows)
        _atomic_write(self.path, writer, replace=self.ours or self.overwrite)
        self.ours = True
        if self.fmt == "csv":
            try:
                self.prints.save_sidecar(self.path, self.roles)
            except OSError as error:
                raise FatalError(_("The draft {name} was written, but what mooc-bridge wrote into it could not be "
                                   "noted ({details}); hand edits in it may not be recognised.").format(
                    name=self.path.name, details=error.strerror or error), code="write_failed",
                    where={"file": str(self.path)}) from None

    def encodable(self, row: Row) -> bool:
        """Whether every cell of ``row`` can be written in the CSV encoding."""
        if self.fmt != "csv":
            return True
        try:
            "".join(str(v) for v in row.values() if v is not None).encode(self.encoding)
        except UnicodeEncodeError:
            return False
        return True

    def _write_xlsx(self, target: Path, rows: list[Row], notes: dict[str, Any]) -> None:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        workbook = Workbook(write_only=True)
        workbook.properties.creator = "mooc-bridge"
        workbook.properties.keywords = DRAFT_MARKER
        workbook.properties.title = self.profile.title
        sheet = workbook.create_sheet(self.output.sheet)
        for index, column in enumerate(self.output.columns):
            sheet.column_dimensions[_letter(index)].width = 14 if column.text else 12
        sheet.append([column.header for column in self.output.columns])
        for row in rows:
            cells = []
            for column in self.output.columns:
                value = row.get(column.role)
                if column.text and value is not None:
                    value = str(value)
                cell = WriteOnlyCell(sheet, value=escape_cell(value))
                if isinstance(value, str):
                    cell.data_type = "s"
                if column.text:
                    cell.number_format = "@"
                cells.append(cell)
            sheet.append(cells)
        info = workbook.create_sheet(self.output.notes_sheet)
        info.column_dimensions["A"].width = 22
        info.column_dimensions["B"].width = 70
        bold = WriteOnlyCell(info, value=_("Draft: check every row before submitting it to the academic system."))
        bold.font = Font(bold=True)
        info.append([bold])
        info.append([_("Once submitted, grades are locked in the academic system; changes then need the "
                       "academic affairs office to return them.")])
        info.append([])
        for label, value in notes_rows(rows, notes):
            info.append([escape_cell(label), escape_cell(value)])
        meta = workbook.create_sheet(META_SHEET)
        meta.sheet_state = "veryHidden"  # kept by Excel and WPS when a person edits the draft; not in their UI
        for line in self.prints.rows(self.roles):
            meta.append(line)
        workbook.save(target)

    def _write_csv(self, target: Path, rows: list[Row]) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([column.header for column in self.output.columns])
        for row in rows:
            writer.writerow(["" if row.get(c.role) is None else escape_cell(_csv_value(row.get(c.role)))
                             for c in self.output.columns])
        target.write_bytes(buffer.getvalue().encode(self.encoding))


def notes_rows(rows: list[Row], notes: dict[str, Any]) -> list[tuple[str, str]]:
    """The label/value lines of the 说明 sheet: what, from where, when, and how many of each kind."""
    by_scale = Counter(str(r.get("scale_name") or "") for r in rows)
    by_remark = Counter(str(r.get("remark")) for r in rows if r.get("remark"))
    lines = [
        (_("Import template"), notes.get("profile", "")),
        (_("Course"), notes.get("course", "")),
        (_("Academic term"), notes.get("term", "")),
        (_("Grade sources"), ", ".join(notes.get("sources", ())) or "-"),
        (_("Draft written at"), datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %z")),
        (_("Rows in the draft"), str(len(rows))),
    ]
    lines += [(_("Rows graded on {scale}").format(scale=scale or "-"), str(count)) for scale, count in by_scale.items()]
    lines += [(_("Rows marked {remark}").format(remark=remark), str(count)) for remark, count in by_remark.items()]
    return lines


def _csv_value(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _atomic_write(path: Path, writer: Callable[[Path], None], *, replace: bool) -> None:
    """Write through a temporary file beside ``path``; link it in (no replace) or rename over (replace)."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    where = {"file": str(path)}
    try:
        writer(temporary)
        with temporary.open("rb+") as handle:
            os.fsync(handle.fileno())
        if replace:
            os.replace(temporary, path)
        else:
            try:
                os.link(temporary, path)
            except FileExistsError:
                raise FatalError(_("{name} appeared while the draft was being written; nothing was replaced.").format(
                    name=path.name), code="file_exists", where=where) from None
            except OSError:  # a file system without hard links: check, then rename
                if path.exists():
                    raise FatalError(_("{name} appeared while the draft was being written; nothing was "
                                       "replaced.").format(name=path.name), code="file_exists", where=where) from None
                os.replace(temporary, path)
    except FatalError:
        raise
    except OSError as error:
        raise FatalError(_("The draft {name} could not be written: {details}").format(
            name=path.name, details=error.strerror or error), code="write_failed", where=where) from None
    finally:
        temporary.unlink(missing_ok=True)
