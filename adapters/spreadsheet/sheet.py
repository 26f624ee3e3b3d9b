"""The spreadsheet file both spreadsheet adapters start from: its options, and reading it into rows (docs/decisions/
0011). :mod:`.source` reads MOOC exports and rosters, :mod:`.draft_target` writes the 教务 draft; each declares its
own streams and capabilities (docs/decisions/0029).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

from ..base import Adapter, HeldBack
from ..errors import DataError
from ..grading import GradeScales
from ..i18n import Translator
from ..records import Enrollment, Record, normalize_code
from .headers import Detection, detect, find_profile, load_profiles, parse_mapping
from .options import OPTIONS, as_bool, as_delimiter, as_int, split_term
from .reading import Limits, Table, open_table
from .rows import ParsedRow, RowIssue, cleaned_issues, parse_rows

__all__ = ["SheetFile", "is_draft_profile", "spec_arguments"]

_ = Translator.for_package("adapters").gettext

_KINDS = {"scores": ("grades", "import"), "persons": ("grades", "roster", "import"),
          "enrollments": ("roster", "grades", "import")}


def is_draft_profile(profiles: Any, name: str | None) -> bool:
    """Whether the profile ``name`` (among the loaded ``profiles``) describes a file to write: a 教务 draft."""
    if not name:
        return False
    try:
        return find_profile(profiles, name).output is not None
    except DataError:
        return False


def spec_arguments(scheme: str, location: str, options: dict[str, str]) -> dict[str, Any]:
    """The keyword arguments of :class:`SheetFile` from a SPEC's location (a file path) and options (all strings).

    Options: ``profile`` (a profile name or alias, or a .json path), ``profiles`` (extra profile files or
    folders, ``;``-separated), ``encoding`` (CSV: utf-8, utf-8-sig, gbk, gb18030…; detected if absent),
    ``delimiter``, ``sheet``, ``header_row`` (1-based), ``map.ROLE=HEADER`` and ``columns=ROLE:HEADER,…``
    (explicit columns; ``HEADER`` may be ``col:F``), ``course`` (课程号), ``course_name`` (课程名称),
    ``term`` (2025-2026-1) or ``year`` + ``semester``, ``scale`` (记分制 of the draft: percent/百分制,
    five_level/五级制, two_level/两级制), ``exam_kind`` (考试性质, default 正常考试), ``components``
    (true: a score per component column), ``overwrite`` (true: replace a file mooc-bridge did not write),
    ``scales`` (a grade-scale JSON file), ``max_rows``, ``max_cell_chars``, ``max_sheet_mb`` (one worksheet
    unpacked, default 256), ``max_part_mb`` (shared strings and other parts unpacked, default 16),
    ``decimals``, ``source`` (the label records carry). Unknown options raise :class:`DataError` ``bad_option``.
    """
    unknown = sorted(k for k in options if k not in OPTIONS and not k.startswith("map."))
    if unknown:
        raise DataError(_("Unknown option {options} for {scheme}. Options: {known}.").format(
            options=", ".join(unknown), scheme=scheme, known=", ".join(sorted(OPTIONS | {"map.ROLE"}))),
            code="bad_option")
    mib = 2**20
    limits = Limits(max_rows=as_int(options, "max_rows", Limits.max_rows),
                    max_cell_chars=as_int(options, "max_cell_chars", Limits.max_cell_chars),
                    max_sheet_bytes=as_int(options, "max_sheet_mb", Limits.max_sheet_bytes // mib) * mib,
                    max_part_bytes=as_int(options, "max_part_mb", Limits.max_part_bytes // mib) * mib)
    scales = GradeScales.load(options["scales"]) if options.get("scales") else None
    return dict(
        path=location, profile=options.get("profile") or None,
        profiles=[p for p in options.get("profiles", "").split(";") if p],
        encoding=options.get("encoding") or None, delimiter=as_delimiter(options.get("delimiter")),
        sheet=options.get("sheet") or None,
        header_row=as_int(options, "header_row", None), mapping=parse_mapping(options),
        course=options.get("course"), course_name=options.get("course_name"), term=options.get("term"),
        year=options.get("year"), semester=options.get("semester"), scale=options.get("scale") or "percent",
        exam_kind=options.get("exam_kind"), components=as_bool(options, "components"),
        overwrite=as_bool(options, "overwrite"), scales=scales, limits=limits,
        decimals=as_int(options, "decimals", None), source=options.get("source"),
    )


class SheetFile(Adapter):
    """A spreadsheet file and its options; reads it into rows. ``name``/``format`` come from the scheme class."""

    name: ClassVar[str] = "spreadsheet"
    format: ClassVar[str] = "xlsx"

    def __init__(self, path: str | Path, *, profile: str | None = None, profiles: Sequence[str | Path] = (),
                 encoding: str | None = None, delimiter: str | None = None, sheet: str | None = None,
                 header_row: int | None = None, mapping: dict[str, str] | None = None, course: str | None = None,
                 course_name: str | None = None, term: str | None = None, year: str | None = None,
                 semester: str | None = None, scale: str = "percent", exam_kind: str | None = None,
                 components: bool = False, overwrite: bool = False, scales: GradeScales | None = None,
                 limits: Limits | None = None, decimals: int | None = None, source: str | None = None):
        self.path = Path(path)
        self.profiles = load_profiles(profiles)
        self.profile_name = profile
        self.encoding, self.delimiter, self.sheet, self.header_row = encoding, delimiter, sheet, header_row
        self.mapping = dict(mapping or {})
        self.course = normalize_code(course)
        self.course_name = course_name
        self.year, self.semester = split_term(term, year, semester)
        self.scales = scales or GradeScales.default()
        resolved = self.scales.scale_from_name(scale)
        if resolved is None or resolved == "points":
            raise DataError(_("{scale} is not a grading scale; use 百分制, 五级制 or 两级制.").format(scale=scale),
                            code="bad_option")
        self.scale = resolved
        self.exam_kind = exam_kind
        self.components = components
        self.overwrite = overwrite
        self.limits = limits or Limits()
        self.decimals = decimals
        self.source_label = source
        self.issues_found: list[RowIssue] = []
        self.held_rows: list[HeldBack] = []
        self.details: dict[str, Any] = {}
        self._parsed: dict[tuple, list[ParsedRow]] = {}  # (kinds, missing_score) → rows

    @property
    def issues(self) -> list[dict[str, Any]]:
        """Row problems found by the reads so far: ``{row, column, code, message, severity}``."""
        return [issue.to_dict() for issue in self.issues_found]

    @property
    def report(self) -> dict[str, Any]:
        """What was read and how: format, encoding, sheet, the profile detection, issue counts."""
        errors = sum(1 for i in self.issues_found if i.severity == "error")
        return {**self.details, "file": str(self.path), "issues": {"errors": errors,
                                                                    "warnings": len(self.issues_found) - errors}}

    def _read_rows(self, stream: str, wanted: str | None, missing_score: str | None = None) -> Iterator[Record]:
        """The records of ``stream`` in the file's rows (only course ``wanted``'s, when the file names courses);
        ``missing_score`` (the target's policy for a row with no score) replaces the file's own table's."""
        rows = self._rows(stream, missing_score)
        seen: set[str] = set()
        for row in rows:
            if wanted and row.course_id and row.course_id != wanted:
                continue
            if stream == "persons":
                if row.person.student_number not in seen:
                    seen.add(row.person.student_number or "")
                    yield row.person
            elif stream == "scores":
                yield from row.scores
            elif row.course_id:
                yield Enrollment(source=row.person.source, person=row.person, course_id=row.course_id, role=row.role)

    def _rows(self, stream: str, missing_score: str | None = None) -> list[ParsedRow]:
        scales = self.scales
        if missing_score is not None and missing_score != scales.missing_score:
            scales = scales.model_copy(update={"missing_score": missing_score})
        kinds = _KINDS[stream]
        cached = (kinds, scales.missing_score)
        if cached in self._parsed:
            return self._parsed[cached]
        with self._open() as table:
            detection = self._detect(table, kinds)
            if stream == "enrollments" and "course_id" not in detection.columns and not self.course:
                raise DataError(_("The sheet has no 课程号 column; say which course it is with course=…."),
                                code="course_required", where={"file": str(self.path)})
            issues: list[RowIssue] = []
            source = self.source_label or f"{table.format}:{detection.profile.name}"
            held: list[HeldBack] = []
            parsed = parse_rows(table.rows(detection.sheet), detection, source=source, scales=scales,
                                course_id=self.course, components=self.components, issues=issues, held=held,
                                file=str(self.path))
            issues.extend(cleaned_issues(table.cleaned, detection))
            if table.truncated_columns:
                issues.insert(0, RowIssue(detection.header_row, None, "columns_ignored", _(
                    "Columns after the first {limit} were ignored.").format(limit=self.limits.max_columns), "warning"))
        seen = {(h.code, tuple(h.rows)) for h in self.held_rows}
        self.held_rows.extend(h for h in held if (h.code, tuple(h.rows)) not in seen)
        known = {(i.row, i.column, i.code) for i in self.issues_found}
        self.issues_found.extend(i for i in issues if (i.row, i.column, i.code) not in known)
        self._parsed[cached] = parsed
        return parsed

    def _open(self) -> Table:
        table = open_table(self.path, encoding=self.encoding, delimiter=self.delimiter, limits=self.limits)
        self.details.update({"format": table.format, "encoding": table.encoding, "delimiter": table.delimiter})
        return table

    def _detect(self, table: Table, kinds: tuple[str, ...]) -> Detection:
        where = {"file": str(self.path)}
        sheets = [self.sheet] if self.sheet else table.sheet_names[:10]
        if self.sheet and self.sheet not in table.sheet_names:
            raise DataError(_("{name} has no sheet called {sheet}; its sheets are {sheets}.").format(
                name=self.path.name, sheet=self.sheet, sheets=", ".join(table.sheet_names)),
                code="sheet_not_found", where=where)
        first_error: DataError | None = None
        for sheet in sheets:
            head = []
            for number, values in table.rows(sheet):
                head.append((number, values))
                if number >= 20:
                    break
            try:
                detection = detect(head, self.profiles, where={**where, "sheet": sheet}, profile=self.profile_name,
                                   mapping=self.mapping, header_row=self.header_row, kinds=kinds)
            except DataError as error:
                first_error = first_error or error
                continue
            detection.sheet = sheet if table.format == "xlsx" else None
            self.details["detection"] = detection.report()
            return detection
        assert first_error is not None
        raise first_error

    def read_report(self) -> dict[str, Any]:
        """Capability ``read_report``: the file, its format and encoding, the header profile that matched and why,
        and every row left out or read with a warning (``skipped``: row, column, code, message, severity)."""
        return {**self.report, "skipped": self.issues}

    def held_back(self) -> list[HeldBack]:
        """Capability ``held_back``: people of rows read but left out (duplicates with different content, a row
        whose other cells could not be read), with file, rows and what each row said."""
        return list(self.held_rows)

    def close(self) -> None:
        """Nothing stays open between calls; kept for the contract."""
        return None
