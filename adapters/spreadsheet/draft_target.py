"""The 教务 draft writer: write grades into the draft, re-read them, and keep what a person changed by hand
(docs/decisions/0011, 0021, 0029).

A cell a person changed after mooc-bridge wrote it (:mod:`.fingerprints`) is kept: a changed grade cell (成绩,
备注, 记分制) keeps the whole grade — the row is read back ``overridden``, so the planner holds it
(``target_overridden``) and the writer skips it unless the change is forced; another changed cell (姓名…) is
kept while the grade is updated; a row a person deleted is not written again. Each is listed with the cells.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, ClassVar, Literal

from ..base import Change, ChangeResult, ReadScope
from ..errors import AdapterError, DataError, FatalError
from ..grading import decide_grade
from ..i18n import Translator
from ..records import Person, Record, Score, normalize_code
from ..text import clean
from .fingerprints import GRADE_ROLES
from .headers import Profile, find_profile
from .sheet import SheetFile
from .writing import Draft, same_row

__all__ = ["DraftWriter"]

_ = Translator.for_package("adapters").gettext

_DRAFT_SUFFIXES = {"xlsx": (".xlsx",), "csv": (".csv", ".txt", ".tsv")}
_SHEET_SUFFIXES = {".xlsx", ".csv", ".txt", ".tsv", ".xls", ".xlsm", ".xlsb", ".et", ".ods"}


class DraftWriter(SheetFile):
    """Writes ``scores`` to a 教务 draft (a draft profile such as ``zhengfang``) and reads it back: its grades as
    it holds them (hand edits marked), and the people and courses in it."""

    reads: ClassVar[frozenset[str]] = frozenset({"persons", "scores", "enrollments"})
    writes: ClassVar[frozenset[str]] = frozenset({"scores"})
    capabilities: ClassVar[frozenset[str]] = frozenset({"current", "as_stored", "check_change", "held_back",
                                                        "read_report"})
    batch_size: ClassVar[int] = 5000  # the draft is rewritten per batch: large batches keep that cheap
    identity_closed: ClassVar[bool] = False  # a draft lists nobody in advance: every matched person may be added
    course_grades_only: ClassVar[bool] = True  # the draft holds one 成绩 per course (no line items)

    def __init__(self, path: str | Path, **options: Any):
        super().__init__(path, **options)
        self._draft: Draft | None = None
        self._sources: set[str] = set()
        self._lock = threading.Lock()
        self._output_profile()
        if self.path.suffix.lower() in _SHEET_SUFFIXES - set(_DRAFT_SUFFIXES[self.format]):
            # reading goes by content, but a person opens the draft by its name: Excel must not misread it
            raise DataError(_("{scheme}: writes the draft as {kind}, but {name} is named as another kind of file; "
                              "name it {suffix} or use the SPEC scheme that fits its name.").format(
                scheme=self.name, kind=self.format.upper(), name=self.path.name,
                suffix=_DRAFT_SUFFIXES[self.format][0]),
                code="suffix_mismatch", where={"file": str(self.path)})

    def missing_score_policy(self) -> Literal["list", "absent"] | None:
        """The ``missing_score`` of the school's grade table given to the draft (``scales=FILE``), which then
        decides over the source's table (the registrar keeps the table beside ``scale=五级制``); ``None`` when no
        table given here says it."""
        return self.scales.missing_score if "missing_score" in self.scales.model_fields_set else None

    def check_connection(self) -> None:
        """The folder is writable, and the file there (if any) is a draft mooc-bridge wrote (or ``overwrite``)."""
        self._target().check_target()

    def read(self, stream: str, scope: ReadScope | None = None) -> Iterator[Record]:
        """Yield what the draft holds: ``scores`` of our own draft as the writer sees them (a grade changed by hand
        ``overridden``), else the rows as a source would read them; nothing while the draft is not written yet."""
        if stream not in self.reads:
            raise self.unsupported("read", stream=stream)
        if not self.path.exists():
            return
        wanted = normalize_code(scope.course_id) if scope and scope.course_id else None
        if stream == "scores":
            scores = self._draft_scores(wanted)
            if scores is not None:
                yield from scores
                return
        yield from self._read_rows(stream, wanted)

    def _output_profile(self) -> Profile:
        profile = find_profile(self.profiles, self.profile_name or "")
        if profile.output is None:
            raise FatalError(_("The profile {name} describes a file to read, not one to write.").format(
                name=profile.name), code="profile_not_writable")
        return profile

    def _target(self) -> Draft:
        if self._draft is None:
            encoding = self.encoding or "utf-8-sig"
            self._draft = Draft(self.path, self._output_profile(), fmt=self.format, encoding=encoding,
                                overwrite=self.overwrite)
        return self._draft

    def write(self, stream: str, changes: Sequence[Change]) -> list[ChangeResult]:
        """Upsert (or delete) scores in the draft and save it atomically; one result per change, in order.

        ``pending`` and ``incomplete`` scores are skipped (a draft holds final grades only). A score with
        no 学号, no course, or no convertible value fails. A save failure fails every change of the batch.
        """
        if stream not in self.writes:
            raise self.unsupported("write", stream=stream)
        if not changes:
            return []
        with self._lock:
            draft = self._target()
            draft.load()
            self._sources.update(c.record.source for c in changes if c.record.source)
            results: list[ChangeResult] = []
            changed = False
            for change in changes:
                result, did_change = self._apply(draft, change)
                results.append(result)
                changed = changed or did_change
            if changed:
                try:
                    draft.save(self._notes(draft))
                except AdapterError as error:
                    return [ChangeResult(key=r.key, status="failed", message=error.message, error=error.to_dict())
                            if r.status == "applied" else r for r in results]
            return results

    def _apply(self, draft: Draft, change: Change) -> tuple[ChangeResult, bool]:
        if change.stream != "scores":
            error = DataError(_("A change for {stream} cannot be written to the scores draft.").format(
                stream=change.stream), code="wrong_stream")
            return ChangeResult(key=change.key, status="failed", message=error.message, error=error.to_dict()), False
        try:
            row = self._draft_row(change.record)
        except _Skip as skip:
            return ChangeResult(key=change.key, status="skipped", message=skip.message), False
        except AdapterError as error:
            return ChangeResult(key=change.key, status="failed", message=error.message, error=error.to_dict()), False
        key = draft.key(row)
        edits = draft.hand_edits(key)
        who = change.record.person.label()
        if edits is None:  # mooc-bridge wrote this row and a person deleted it
            if not change.force:
                return ChangeResult(key=change.key, status="skipped", message=_(
                    "The row of {who} was deleted by hand from the draft; it is not written again (--force writes "
                    "it).").format(who=who)), False
            edits = set()
        kept: set[str] = set()
        if edits and not change.force:
            if change.action == "delete" or edits & GRADE_ROLES:
                return ChangeResult(key=change.key, status="skipped", message=_(
                    "{cells} of {who} was changed by hand in the draft; it is kept (--force overwrites it).").format(
                    cells=self._cells(edits, draft.rows.get(key)), who=who)), False
            kept = edits  # other cells a person changed (姓名, 课程名称…) are kept; the grade is written
        if change.action == "delete":
            if key in draft.rows:
                del draft.rows[key]
                draft.prints.cells.pop(key, None)
                return ChangeResult(key=change.key, status="applied"), True
            return ChangeResult(key=change.key, status="unchanged"), False
        if not draft.encodable(row):
            error = DataError(_("{who} cannot be written in {encoding}; use encoding=utf-8-sig or gb18030.").format(
                who=who, encoding=draft.encoding), code="not_encodable")
            return ChangeResult(key=change.key, status="failed", message=error.message, error=error.to_dict()), False
        if kept:
            row = {**row, **{role: draft.rows[key].get(role) for role in kept}}
        if key in draft.rows and same_row(draft.rows[key], row):
            return ChangeResult(key=change.key, status="unchanged"), False
        draft.rows[key] = row
        draft.prints.remember(key, row, set(row) - kept if kept else None)
        message = _("Kept what a person changed by hand: {cells}.").format(
            cells=self._cells(kept, row)) if kept else None
        return ChangeResult(key=change.key, status="applied", message=message, kept=bool(kept)), True

    def _cells(self, roles: set[str], row: dict[str, Any] | None) -> str:
        """``成绩 60, 备注 补录``: the cells ``roles`` of ``row``, named by their headers."""
        output = self._output_profile().output
        assert output is not None
        shown = [f"{c.header} {'' if row is None or row.get(c.role) is None else row[c.role]}".strip()
                 for c in output.columns if c.role in roles]
        return ", ".join(shown)

    def check_change(self, change: Change) -> AdapterError | None:
        """Capability ``check_change``: the error writing ``change`` would give, without writing."""
        if change.stream != "scores":
            return None
        try:
            self._draft_row(change.record)
        except _Skip:
            return None
        except AdapterError as error:
            return error
        return None

    def as_stored(self, record: Record) -> Score | None:
        """Capability ``as_stored``: ``record`` as the draft would hold it (converted to its 记分制, rounded, 缺考 as
        0 with 备注), so the planner compares like with like; ``None`` when the draft would not take it."""
        try:
            row = self._draft_row(record)
        except (_Skip, AdapterError):
            return None
        return self._score_from_row(row, record.source)

    def _draft_scores(self, course: str | None) -> list[Score] | None:
        """The grades of this term's rows of our own draft, as :meth:`as_stored` gives them; a grade a person
        changed by hand is ``overridden`` (so it is kept unless forced). ``None``: not a draft we wrote."""
        output = self._output_profile().output
        assert output is not None
        rows, prints = Draft(self.path, self._output_profile(), fmt=self.format,
                             encoding=self.encoding or "utf-8-sig").read_state()
        if rows is None:
            return None
        semester = output.semester_names.get(self.semester or "", self.semester) if self.semester else None
        term = Draft.key({"year": self.year, "semester": semester, "exam_kind": self.exam_kind or output.exam_kind})[2:]
        source = self.source_label or f"{self.format}:{self._output_profile().name}"
        scores = []
        for row in rows:
            key = Draft.key(row)
            if key[2:] != term or (course and key[1] != course):
                continue
            score = self._score_from_row(row, source)
            if (prints.hand_edits(key, row) or set()) & GRADE_ROLES:
                score = score.model_copy(update={"overridden": True})
            scores.append(score)
        return scores

    def _draft_row(self, record: Record) -> dict[str, Any]:
        if not isinstance(record, Score):
            raise DataError(_("Only scores can be written to the draft."), code="wrong_record")
        person: Person = record.person
        where = {"file": str(self.path), "student_number": person.student_number}
        if not person.student_number:
            raise DataError(_("{who} has no 学号 and cannot go into the draft.").format(who=person.label()),
                            code="missing_student_number", where=where)
        course = self.course or record.course_id
        if not course:  # the target's own setting is missing, so no row can be written: the run is refused
            raise FatalError(_("The 教务 draft needs a 课程号 and the source gives none: add course=… (the 课程号 of "
                               "the 教务系统) to the target SPEC."), code="course_required", where=where)
        if record.line_item_id:
            raise _Skip(_("The 教务 draft holds course grades only; {item} is not put in it.").format(
                item=record.line_item_id))
        if record.status in ("pending", "incomplete"):
            raise _Skip(_("The grade of {who} is not final ({status}); it is not put in the draft.").format(
                who=person.label(), status=record.status))
        output = self._output_profile().output
        assert output is not None
        grade, remark = self._grade_cell(record, where, output.decimals if self.decimals is None else self.decimals)
        values = {
            "student_number": person.student_number, "name": _writable(person.name), "course_id": course,
            "course_title": _writable(self.course_name), "year": self.year,
            "semester": output.semester_names.get(self.semester or "", self.semester) if self.semester else None,
            "total": grade, "scale_name": self.scales.scale_name(self.scale),
            "exam_kind": self.exam_kind or output.exam_kind, "remark": remark,
        }
        return {column.role: values.get(column.role) for column in output.columns}

    def _grade_cell(self, score: Score, where: dict, decimals: int) -> tuple[float | str | None, str | None]:
        """The 成绩 and 备注 cells of ``score``, as :func:`~adapters.grading.decide_grade` decides them."""
        decision = decide_grade(score, self.scale, self.scales)
        if decision.basis == "none":
            raise DataError(_("The grade of {who} cannot be expressed as {scale}.").format(
                who=score.person.label(), scale=self.scales.scale_name(self.scale)), code="cannot_convert",
                where=where)
        if decision.word is not None or decision.value is None:
            return decision.word, decision.remark
        rounded = Decimal(str(decision.value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
        return (int(rounded) if rounded == rounded.to_integral_value() else float(rounded)), decision.remark

    def _notes(self, draft: Draft) -> dict[str, Any]:
        sources = sorted(self._sources)
        return {"profile": draft.profile.title, "course": " ".join(filter(None, [self.course, self.course_name])),
                "term": "-".join(filter(None, [self.year, self.semester])), "sources": sources}

    def current(self, change: Change) -> Record | None:
        """Capability ``current``: the score the draft on disk holds for ``change`` (``None`` if no row), as the
        draft expresses it."""
        try:
            row = self._draft_row(change.record)
        except (_Skip, AdapterError):
            return None
        probe = Draft(self.path, self._output_profile(), fmt=self.format, encoding=self.encoding or "utf-8-sig")
        existing = probe.read_existing() if self.path.exists() else None
        match = next((r for r in existing or [] if Draft.key(r) == Draft.key(row)), None)
        if match is None:
            return None
        return self._score_from_row(match, change.record.source)

    def _score_from_row(self, row: dict[str, Any], source: str | None) -> Score:
        status = self.scales.find_status(str(row.get("remark") or "")) or "graded"
        scale = self.scales.scale_from_name(str(row.get("scale_name") or "")) or "percent"
        total = row.get("total")
        numeric = isinstance(total, int | float) and not isinstance(total, bool)
        if isinstance(total, str):
            try:
                total, numeric = float(total), True
            except ValueError:
                pass
        person = Person(source=source, student_number=row.get("student_number"), name=row.get("name"))
        if status != "graded":  # as a source reads it: no value, the status word as text (缺考 counts as 0 there)
            return Score(source=source, person=person, course_id=row.get("course_id"), text=row.get("remark"),
                         scale=scale, status=status)
        return Score(source=source, person=person, course_id=row.get("course_id"),
                     value=float(total) if numeric else None, text=None if numeric else total,
                     scale="percent" if numeric else scale, status=status)



def _writable(text: str | None) -> str | None:
    """Text without the control characters a workbook cannot hold (a name read from Open edX, a SPEC option):
    one bad name must not fail the whole batch of the draft."""
    return clean(text, keep_breaks=False) if text else text


class _Skip(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


