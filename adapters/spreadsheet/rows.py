"""Turn the data rows under a detected header into records, collecting row problems instead of failing.

A row problem (a blank 学号, a 学号 Excel turned into ``2.0230001E+07``, a score that is neither a
number nor a grade word, the same 学号 twice with different grades) becomes a :class:`RowIssue`
with the sheet row number; the row (or just the bad cell) is left out and the rest of the file is read.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from typing import Any

from pydantic import ValidationError

from ..base import HeldBack
from ..errors import DataError
from ..grading import WORD_SCALES, Grade, GradeScales, decide_grade
from ..i18n import Translator
from ..i18n import gettext_noop as N_
from ..records import Person, Score, normalize_code
from .headers import Detection, _letter
from .reading import OddRow, Oversized

__all__ = ["ParsedRow", "RowIssue", "cleaned_issues", "parse_rows"]

_ = Translator.for_package("adapters").gettext

_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d+)?e[+-]?\d+$", re.IGNORECASE)
_STUDENT_NUMBER = re.compile(r"^[A-Za-z0-9._-]+$")
_FLOAT_TEXT = re.compile(r"^(\d+)\.0+$")
_MAX_FROM_HEADER = re.compile(r"[(（]\s*(?:满分)?\s*(\d+(?:\.\d+)?)\s*分\s*[)）]")
_ROLE_WORDS = {"学生": "student", "student": "student", "教师": "teacher", "老师": "teacher", "teacher": "teacher",
               "助教": "ta", "ta": "ta", "staff": "staff", "管理员": "staff"}
_FIELD_LABELS = {"email": N_("e-mail address"), "phone": N_("phone number"), "username": N_("username"),
                 "name": N_("full name")}
_EXACT_FLOAT_DIGITS = 1e15  # beyond this a number stored by Excel may have lost digits


@dataclass
class RowIssue:
    """One problem in one row (``column`` is the header, when one cell is at fault)."""

    row: int
    column: str | None
    code: str
    message: str
    severity: str = "error"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for the engine's report."""
        return asdict(self)


@dataclass
class ParsedRow:
    """The records one row yielded."""

    row: int
    person: Person
    course_id: str | None
    scores: list[Score] = field(default_factory=list)
    role: str = "student"
    class_id: str | None = None


class _RowProblem(Exception):
    def __init__(self, code: str, message: str, column: str | None, severity: str = "error"):
        super().__init__(message)
        self.code, self.message, self.column, self.severity = code, message, column, severity


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFC", str(value)).strip()
    return text or None


def read_code(value: Any, column: str) -> str | None:
    """A 学号/课程号 cell as text, or raise ``_RowProblem`` when digits may have been lost or it is no code."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool | datetime | date | time):
        raise _RowProblem("bad_code", _("{value} is not an identifier.").format(value=value), column)
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise _RowProblem("bad_code", _("{value} is not an identifier.").format(value=value), column)
        if abs(value) >= _EXACT_FLOAT_DIGITS:
            raise _RowProblem("id_precision_lost", _(
                "{value} was stored by Excel as a number and may have lost digits; format the column as text and "
                "type it again.").format(value=int(value)), column)
    if isinstance(value, int) and abs(value) >= _EXACT_FLOAT_DIGITS * 1000:
        raise _RowProblem("bad_code", _("{value} is not an identifier.").format(value=value), column)
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        if _SCIENTIFIC.match(text):
            raise _RowProblem("scientific_notation", _(
                "{value} is in scientific notation, so digits may have been lost; format the column as text and "
                "type it again.").format(value=text), column)
        if (match := _FLOAT_TEXT.match(text)) is not None:
            value = match.group(1)
    code = normalize_code(value)
    if code is not None and len(code) > 64:
        raise _RowProblem("bad_code", _("{value}… is too long to be an identifier.").format(value=code[:20]), column)
    return code


def parse_rows(rows, detection: Detection, *, source: str, scales: GradeScales, course_id: str | None,
               components: bool, issues: list[RowIssue], held: list[HeldBack] | None = None,
               file: str | None = None) -> list[ParsedRow]:
    """Parse the data rows (those after the header row) into :class:`ParsedRow` objects.

    Problems are appended to ``issues``. Rows with the same 学号 and the same content are kept once
    (a warning); with different content all of them are left out (an error), since which one is
    right cannot be known. Every row left out whose 学号 could be read is also appended to ``held``
    (the engine holds that person for review and never unenrolls them for being absent).
    """
    parser = _RowParser(detection, source=source, scales=scales, course_id=course_id, components=components)
    parsed: list[ParsedRow] = []
    held = held if held is not None else []
    for number, values in rows:
        if number <= detection.header_row or not any(v not in (None, "") for v in values):
            continue
        row_issues: list[RowIssue] = []
        parser.student_number = None
        try:
            result = parser.parse(number, values, row_issues)
        except _RowProblem as problem:
            row_issues.append(RowIssue(number, problem.column, problem.code, problem.message, problem.severity))
            result = None
            if parser.student_number:
                held.append(HeldBack(person=Person(source=source, student_number=parser.student_number),
                                     code=problem.code, message=problem.message, file=file, rows=[number],
                                     values=[_row_text(values)]))
        issues.extend(row_issues)
        if result is not None:
            parsed.append(result)
    return _dedupe(parsed, issues, held, file)


def cleaned_issues(cleaned: set[tuple[int, int]], detection: Detection) -> list[RowIssue]:
    """A warning per data row that had control characters (ESC, 0x01…) taken out of a cell: the row is read."""
    by_row: dict[int, list[int]] = {}
    for number, col in sorted(cleaned):
        if number > detection.header_row:
            by_row.setdefault(number, []).append(col)
    issues = []
    for number, cols in by_row.items():
        names = [detection.headers[c] if c < len(detection.headers) and detection.headers[c] else _letter(c)
                 for c in cols]
        issues.append(RowIssue(number, names[0], "control_characters", _(
            "Control characters (such as ESC) were removed from {columns}; check the row.").format(
            columns=", ".join(names)), "warning"))
    return issues


def _row_text(values, limit: int = 120) -> str:
    """The cells of a raw row, for a person to recognise it (bounded, control characters dropped)."""
    text = " ".join(str(v) for v in values if v not in (None, "") and not isinstance(v, Oversized))
    return "".join(ch for ch in text if ch.isprintable())[:limit]


def _summary(row: ParsedRow) -> str:
    """What one parsed row says: name, e-mail, course, role and scores (for the review list)."""
    person = row.person
    parts = [person.name, person.email, row.course_id, None if row.role == "student" else row.role]
    for score in row.scores:
        shown = score.text if score.value is None else f"{score.value:g}"
        parts.append(f"{score.line_item_id}={shown}" if score.line_item_id else shown)
    return " ".join(p for p in parts if p)[:120]


def _fingerprint(row: ParsedRow) -> tuple:
    return (row.person.model_dump(exclude={"source"}), row.course_id,
            [s.model_dump(exclude={"source", "person"}) for s in row.scores])


def _dedupe(parsed: list[ParsedRow], issues: list[RowIssue], held: list[HeldBack],
            file: str | None) -> list[ParsedRow]:
    groups: dict[tuple, list[ParsedRow]] = {}
    for row in parsed:
        groups.setdefault((row.person.student_number, row.course_id), []).append(row)
    kept = []
    for row in parsed:
        group = groups[(row.person.student_number, row.course_id)]
        if len(group) == 1:
            kept.append(row)
            continue
        rows_text = ", ".join(str(r.row) for r in group)
        if all(_fingerprint(r) == _fingerprint(group[0]) for r in group):
            if row is group[0]:
                kept.append(row)
            else:
                issues.append(RowIssue(row.row, None, "duplicate_row", _(
                    "The 学号 {number} appears again with the same content (rows {rows}); it is read once.").format(
                    number=row.person.student_number, rows=rows_text), "warning"))
        else:
            message = _("The 学号 {number} appears in rows {rows} with different content; none of them is read, "
                        "and the student is held for review.").format(number=row.person.student_number,
                                                                      rows=rows_text)
            issues.append(RowIssue(row.row, None, "duplicate_student_number", message))
            if row is group[0]:
                held.append(HeldBack(person=Person(source=row.person.source,
                                                   student_number=row.person.student_number),
                                     code="duplicate_student_number", message=message, file=file,
                                     rows=[r.row for r in group], values=[_summary(r) for r in group],
                                     course_id=row.course_id))
    return kept


class _RowParser:
    def __init__(self, detection: Detection, *, source: str, scales: GradeScales, course_id: str | None,
                 components: bool):
        self.d = detection
        self.profile = detection.profile
        self.source = source
        self.scales = scales
        self.course_id = course_id
        self.components = components
        self.student_number: str | None = None  # of the row being parsed, once read (for rows left out)

    def header(self, role: str) -> str | None:
        col = self.d.columns.get(role)
        if col is None:
            return None
        return self.d.headers[col] if col < len(self.d.headers) and self.d.headers[col] else _letter(col)

    def cell(self, values, role: str, issues: list[RowIssue], number: int) -> Any:
        col = self.d.columns.get(role)
        if col is None or col >= len(values):
            return None
        value = values[col]
        if isinstance(value, Oversized):
            issues.append(RowIssue(number, self.header(role), "cell_too_long", _(
                "The cell has {length} characters, more than is read; it was left out.").format(length=value.length)))
            return None
        if isinstance(value, str) and not value.strip():
            return None
        return value

    def parse(self, number: int, values, issues: list[RowIssue]) -> ParsedRow | None:
        cell = lambda role: self.cell(values, role, issues, number)  # noqa: E731
        student_number = read_code(cell("student_number"), self.header("student_number") or "")
        filled = sum(1 for v in values if v not in (None, ""))
        severity = "warning" if filled <= 1 else "error"  # a lone cell is a note line such as "注：…"
        if student_number is None:
            if any(i.code == "cell_too_long" for i in issues):
                return None  # already said why
            raise _RowProblem("missing_student_number", _("The row has no 学号 and was left out."),
                              self.header("student_number"), severity)
        if not _STUDENT_NUMBER.match(student_number):
            raise _RowProblem("bad_student_number", _("{value} is not a 学号; the row was left out.").format(
                value=student_number[:30]), self.header("student_number"), severity)
        self.student_number = student_number
        if isinstance(values, OddRow):
            raise _RowProblem("bad_encoding", _(
                "The row is in another text encoding than the rest of the file (for example GBK in a UTF-8 file), so "
                "its text cannot be trusted; it was left out and the student is held for review. Save the whole "
                "file in one encoding (UTF-8)."), None)
        person = self.person(student_number, cell, number, issues)
        course = read_code(cell("course_id"), self.header("course_id") or "") or self.course_id
        row = ParsedRow(row=number, person=person, course_id=course,
                        class_id=read_code(cell("class_id"), self.header("class_id") or ""))
        role_text = _text(cell("role"))
        if role_text:
            row.role = _ROLE_WORDS.get(role_text.lower(), "")
            if not row.role:
                issues.append(RowIssue(number, self.header("role"), "unknown_role", _(
                    "{value} is not a known role (学生, 教师, 助教); the row is read as a student.").format(
                    value=role_text[:40]), "warning"))
                row.role = "student"
        total = self.total(cell, number, issues, person, course)
        if total is not None:
            row.scores.append(total)
        if self.components:
            row.scores.extend(self.component_scores(values, number, issues, person, course))
        return row

    def person(self, student_number: str, cell, number: int, issues: list[RowIssue]) -> Person:
        data: dict[str, Any] = {"source": self.source, "student_number": student_number, "name": _text(cell("name"))}
        account = read_code_quietly(cell("account"))
        if account:
            data["external_ids"] = {self.profile.platform: account}
        for role in ("username", "email", "phone"):
            value = _text(cell(role))
            if value:
                data[role] = value
        try:
            return Person(**data)
        except ValidationError as error:
            bad = {str(e["loc"][0]) for e in error.errors() if e.get("loc")}
            for role in bad - {"student_number"}:
                label = _(_FIELD_LABELS.get(role, role))
                issues.append(RowIssue(number, self.header(role), f"bad_{role}", _(
                    "{value} is not a valid {field}; it was left out.").format(
                    value=str(data.get(role))[:60], field=label), "warning"))
                data.pop(role, None)
            return Person(**data)

    def total(self, cell, number: int, issues: list[RowIssue], person: Person, course: str | None) -> Score | None:
        if "total" not in self.d.columns and "grade_word" not in self.d.columns:
            return None
        spec = self.profile.total
        row_scale = None
        scale_text = _text(cell("scale_name"))
        if scale_text:
            row_scale = self.scales.scale_from_name(scale_text)
        points = "points" if spec.scale == "points" else None
        before = len(issues)
        grade = self.grade(cell("total"), "total", number, issues, spec.max, points)
        word = self.grade(cell("grade_word"), "grade_word", number, issues, spec.max, None)
        if len(issues) > before and grade is None:
            return None  # a total that cannot be read is never replaced by a guess from another column
        remark = _text(cell("remark"))
        status = self.scales.find_status(remark) if remark else None
        if grade is None and word is None and status is None:
            if "total" not in self.d.columns:
                return None
            if self.scales.missing_score == "absent":  # the school's policy: no score is 缺考 (grade scale file)
                issues.append(RowIssue(number, self.header("total"), "missing_score", _(
                    "The row has no score; it is read as {word}, as the grade scale table says.").format(
                    word=self.scales.remarks.get("absent", "absent")), "warning"))
                return Score(source=self.source, person=person, course_id=course,
                             text=self.scales.remarks.get("absent"), status="absent")
            issues.append(RowIssue(number, self.header("total"), "missing_score", _(
                "The row has no score; no grade is read for it."), "warning"))
            return None
        if grade is None:
            grade, word = word, None
        text = grade.text if grade else None
        if word is not None and word.text:
            text = word.text
        scale = grade.scale if grade else "percent"
        if grade and grade.value is None and grade.text and row_scale in WORD_SCALES:
            scale = row_scale
        data = {"source": self.source, "person": person, "course_id": course, "value": grade.value if grade else None,
                "text": text, "scale": scale, "status": (status or (grade.status if grade else "graded"))}
        if data["scale"] == "points":
            data["max_score"] = spec.max
        elif data["scale"] == "percent" and data["value"] is not None:
            data["max_score"] = 100.0
        score = Score(**data)
        if word is not None and grade is not None and grade.value is not None:
            self.check_word(score, number, issues)
        return score

    def grade(self, value, role: str, number: int, issues: list[RowIssue], max_score: float,
              scale: str | None) -> Grade | None:
        if value is None:
            return None
        try:
            return self.scales.parse(value, max_score=max_score, scale=scale)
        except DataError as error:
            issues.append(RowIssue(number, self.header(role), error.code, error.message))
            return None

    def check_word(self, score: Score, number: int, issues: list[RowIssue]) -> None:
        """Warn when the platform's grade word disagrees with the grade the school's table gives the total: the
        total decides (:func:`~adapters.grading.decide_grade`), the word is kept as a remark."""
        decision = decide_grade(score, "percent", self.scales)
        if not decision.agrees:
            issues.append(RowIssue(number, self.header("grade_word"), "grade_word_mismatch", _(
                "The total {value} and the grade word {word} disagree; the total decides the grade by the school's "
                "table and the word is kept as a remark.").format(value=f"{score.value:g}", word=score.text),
                "warning"))

    def component_scores(self, values, number: int, issues: list[RowIssue], person: Person,
                         course: str | None) -> list[Score]:
        scores = []
        for col, header in self.d.components.items():
            value = values[col] if col < len(values) else None
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            match = _MAX_FROM_HEADER.search(unicodedata.normalize("NFKC", header))
            max_score = float(match.group(1)) if match else None
            try:
                grade = self.scales.parse(value, max_score=max_score or 1e9, scale="points")
            except DataError as error:
                issues.append(RowIssue(number, header, error.code, error.message))
                continue
            if grade is None:
                continue
            scores.append(Score(source=self.source, person=person, course_id=course, line_item_id=header,
                                value=grade.value, text=grade.text, scale=grade.scale if grade.text else "points",
                                max_score=max_score, status=grade.status))
        return scores


def read_code_quietly(value: Any) -> str | None:
    """An account cell as a code; ``None`` when it cannot be one (accounts are secondary keys)."""
    try:
        return read_code(value, "")
    except _RowProblem:
        return None
