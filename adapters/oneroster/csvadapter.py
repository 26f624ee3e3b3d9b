"""The OneRoster CSV adapter: a school without an API exchanges zip bundles.

``oneroster-csv:roster.zip`` reads a bundle (any version the manifest declares, :mod:`.csvread`) and is a target
like any other: a bundle not written yet holds nothing (it is created by the first write), and one that exists is
updated — its rows are the target's state, changes replace or remove single rows (:mod:`.csvstage`), and the
bundle is rewritten atomically at the end of every :meth:`~OneRosterCsvAdapter.write`, so a change reported
``applied`` is on disk when the engine journals it. The bundle is of ``version`` (1.1 or 1.2, default 1.2) and
``mode`` ``bulk`` (a full snapshot: deactivated enrollments are removed, unless the person has results in the
class — a snapshot cannot hold the results of someone not enrolled, so that change fails ``graded_enrollment``)
or ``delta`` (``status`` and ``dateLastModified`` — the time of the write — filled, removals as
``tobedeleted``). Written bundles are
self-consistent: the org (``org``), term (``term``), course and category rows that classes, enrollments and line
items point to are written too (:mod:`.csvrows`). :meth:`~OneRosterCsvAdapter.current` re-reads every stream it
writes, so an interrupted run resumes. A user's sourcedId is its ``external_ids["oneroster"]``, else its 学号,
else its username.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from adapters.base import Adapter, Change, ChangeResult, ReadScope
from adapters.errors import AdapterError, DataError, FatalError, RetriableError, Unsupported
from adapters.i18n import Translator
from adapters.records import Course, Enrollment, LineItem, Person, Record, Score

from .convert import (
    Identity,
    course_record,
    enrollment_record,
    line_item_record,
    result_id,
    score_record,
    stub_person,
)
from .csvbundle import BundleReader
from .csvread import BundleRecords, model_of, person_of
from .csvrows import RowMaker
from .csvstage import Stage
from .gradebook import failed
from .models import OrClass, OrEnrollment, OrLineItem, OrResult, OrUser

__all__ = ["OneRosterCsvAdapter"]

_ = Translator.for_package("adapters").gettext



class OneRosterCsvAdapter(Adapter):
    """Reads and writes OneRoster CSV bundles (see the module docstring)."""

    name: ClassVar[str] = "oneroster-csv"
    reads: ClassVar[frozenset[str]] = frozenset({"persons", "courses", "enrollments", "line_items", "scores"})
    writes: ClassVar[frozenset[str]] = frozenset({"persons", "courses", "enrollments", "line_items", "scores"})
    capabilities: ClassVar[frozenset[str]] = frozenset({"current"})
    batch_size: ClassVar[int] = 1000
    identity_closed: ClassVar[bool] = False

    def __init__(self, path: str | os.PathLike, *, version: str = "1.2", mode: str = "bulk",
                 student_number: str = "identifier", org: str = "org-mooc-bridge", term: str = "term-mooc-bridge",
                 source_name: str = "mooc-bridge"):
        if version not in ("1.1", "1.2") or mode not in ("bulk", "delta"):
            raise FatalError(_("A OneRoster bundle is version 1.1 or 1.2, mode bulk or delta."), code="bad_spec")
        self.path = Path(path)
        self.version, self.mode = version, mode
        self.identity = Identity(student_number)
        self.rows = RowMaker(version, org, term, source_name, self.identity)
        self.stage = Stage(self.path, version, mode, source_name)

    @classmethod
    def from_spec(cls, location: str, options: dict[str, str] | None = None, **kwargs: Any) -> OneRosterCsvAdapter:
        """``oneroster-csv:<bundle.zip>?version=1.2&mode=bulk&student_number=identifier&org=…&term=…``."""
        options = {**(options or {}), **kwargs}
        known = {"version", "mode", "student_number", "org", "term", "source_name"}
        unknown = set(options) - known
        if unknown:
            raise FatalError(_("Unknown OneRoster CSV option(s): {names}.").format(names=", ".join(sorted(unknown))),
                             code="bad_spec", where={"option": sorted(unknown)[0]})
        return cls(location, **options)

    def check_connection(self) -> None:
        """Open the bundle and check its manifest and files (a bundle still to be written passes)."""
        if not self.path.exists() and self.path.parent.is_dir():
            return
        with BundleReader(self.path):
            return

    def user_id(self, person: Person) -> str:
        """The sourcedId a person gets in the bundle."""
        return self.rows.user_id(person)

    # -- reading --------------------------------------------------------------------------------------

    def read(self, stream: str, scope: ReadScope | None = None) -> Iterator[Record]:
        """Yield the records of ``stream`` (rows changed after ``since`` for a delta read). A read of a sync's
        target (``scope.target``) finds nothing in a bundle not written yet; any other read of a
        missing bundle fails (``missing_file``), so a mistyped source never reads as an empty roster."""
        if stream not in self.reads:
            raise Unsupported(_("The OneRoster CSV adapter cannot read {stream!r}.").format(stream=stream),
                              code="unknown_stream", where={"stream": stream})
        return self._read(stream, scope or ReadScope())

    def _read(self, stream: str, scope: ReadScope) -> Iterator[Record]:
        if scope.target and not self.path.exists():
            return
        with BundleReader(self.path) as bundle:
            yield from getattr(BundleRecords(bundle, self.identity), stream)(scope)

    # -- writing --------------------------------------------------------------------------------------

    def write(self, stream: str, changes: Sequence[Change]) -> list[ChangeResult]:
        """Apply ``changes`` to the staged bundle and write it (see the module docstring)."""
        if stream not in self.writes:
            raise Unsupported(_("The OneRoster CSV adapter cannot write {stream!r}.").format(stream=stream),
                              code="unknown_stream", where={"stream": stream})
        results = []
        with self.stage.lock:
            now = datetime.now(UTC)
            for change in changes:
                try:
                    if change.stream != stream:
                        raise FatalError(_("This change is for another stream than {stream}.").format(
                            stream=stream), code="wrong_stream")
                    changed = getattr(self, "_write_" + stream)(change, now)
                    results.append(ChangeResult(key=change.key, status="applied" if changed else "unchanged"))
                except AdapterError as exc:
                    results.append(failed(change, exc))
            try:
                self.stage.commit()
            except OSError as exc:
                self.stage.close()  # forget what did not reach the disk: the next use starts from the bundle on it
                error = RetriableError(_("The bundle {path} could not be written ({reason}); nothing of this batch "
                                         "was saved, and the bundle is as it was.").format(path=self.path, reason=exc),
                                       code="write_failed", where={"file": str(self.path)})
                return [failed(change, error) for change in changes]
        return results

    def _put_all(self, rows: list[tuple[str, dict[str, Any]]], replace: bool = True) -> bool:
        changed = False
        for name, row in rows:
            changed = self.stage.put(name, row, replace) or changed
        return changed

    def _context(self, now: datetime) -> None:
        self._put_all(self.rows.context(now), replace=False)

    def _person(self, person: Person, role: str, now: datetime, replace: bool = True) -> bool:
        rows = self.rows.user(person, role, now)
        self._context(now)
        return self._put_all(rows, replace)

    def _class(self, record: Course, now: datetime, replace: bool = True) -> bool:
        self._context(now)
        name, row = self.rows.klass(record, now)
        self._put_all([self.rows.course(row["courseSourcedId"], record.title, now)], replace=False)
        return self._put_all([(name, row)], replace)

    def _write_persons(self, change: Change, now: datetime) -> bool:
        return self._person(change.record, "student", now)  # type: ignore[arg-type]

    def _write_courses(self, change: Change, now: datetime) -> bool:
        return self._class(change.record, now)  # type: ignore[arg-type]

    def _write_enrollments(self, change: Change, now: datetime) -> bool:
        e: Enrollment = change.record  # type: ignore[assignment]
        if not e.course_id:
            raise DataError(_("An enrollment to write needs a class (course_id)."), code="bad_change")
        self._person(e.person, "teacher" if e.role == "teacher" else "student", now, replace=False)
        self._class(Course(course_id=e.course_id), now, replace=False)
        deleted = e.status == "inactive" or change.action == "delete"
        name, row = self.rows.enrollment(e, deleted, now)
        if deleted and self.mode == "bulk":
            if self.stage.graded(row["userSourcedId"], e.course_id):
                raise DataError(_("{person} has results in class {course}; a bulk bundle cannot hold the results of "
                                  "someone not enrolled, so the enrollment is kept. Write a delta bundle "
                                  "(mode=delta), which marks it tobedeleted, or remove the results first.").format(
                                      person=e.person.label(), course=e.course_id),
                                code="graded_enrollment", where={"class": e.course_id, "user": row["userSourcedId"]})
            return self.stage.delete(name, row["sourcedId"])
        return self.stage.put(name, row)

    def _write_line_items(self, change: Change, now: datetime) -> bool:
        item: LineItem = change.record  # type: ignore[assignment]
        if not item.line_item_id or not item.course_id:
            raise DataError(_("A line item to write needs a class (course_id) and a sourcedId (line_item_id)."),
                            code="bad_change")
        rows = self.rows.line_item(item, now)
        self._class(Course(course_id=item.course_id), now, replace=False)
        self._put_all(rows[:1], replace=False)
        return self._put_all(rows[1:])

    def _write_scores(self, change: Change, now: datetime) -> bool:
        score: Score = change.record  # type: ignore[assignment]
        if not score.line_item_id or not score.course_id:
            raise DataError(_("A result to write needs a class (course_id) and a line item."), code="bad_change")
        item = self.stage.get("lineItems.csv", score.line_item_id)
        if item is None:
            self._write_line_items(Change(key=change.key, stream="line_items", action="create", record=LineItem(
                course_id=score.course_id, line_item_id=score.line_item_id, max_score=score.max_score)), now)
            item = self.stage.get("lineItems.csv", score.line_item_id) or {}
        self._person(score.person, "student", now, replace=False)
        maximum = float(item.get("resultValueMax") or 0) or None
        name, row = self.rows.result(score, maximum, now)
        return self.stage.put(name, row)

    # -- re-reading -----------------------------------------------------------------------------------

    def current(self, change: Change) -> Record | None:
        """What the bundle (with the changes staged) holds for ``change``, as a record (``None`` if nothing)."""
        record = change.record
        with self.stage.lock:
            if isinstance(record, Person):
                row = self.stage.get("users.csv", self.user_id(record))
                return self._person_of(row) if row else None
            if isinstance(record, Course):
                row = self.stage.get("classes.csv", record.course_id or "")
                return course_record(model_of("classes.csv", OrClass, row)) if row else None
            if isinstance(record, Enrollment):
                user = self.user_id(record.person)
                row = self.stage.get("enrollments.csv", self.rows.enrollment_id(record.course_id or "", user))
                if row is None:
                    return None
                person = self._person_of(self.stage.get("users.csv", user)) or stub_person(user)
                return enrollment_record(model_of("enrollments.csv", OrEnrollment, row), person)
            if isinstance(record, LineItem):
                row = self.stage.get("lineItems.csv", record.line_item_id or "")
                if row is None:
                    return None
                return line_item_record(model_of("lineItems.csv", OrLineItem, row)).model_copy(
                    update={"updated_at": None})
            if isinstance(record, Score) and record.line_item_id:
                row = self.stage.get("results.csv", result_id(record.line_item_id, self.user_id(record.person)))
                if row is None:
                    return None
                item = self.stage.get("lineItems.csv", record.line_item_id) or {}
                maximum = float(item.get("resultValueMax") or 0) or None
                return score_record(model_of("results.csv", OrResult, row), record.person, record.course_id, maximum)
        raise self.unsupported("write", stream=change.stream)

    def _person_of(self, row: dict[str, Any] | None) -> Person | None:
        return person_of(model_of("users.csv", OrUser, row), self.identity) if row else None

    def commit(self) -> Path | None:
        """Write the bundle if anything changed since it was last written; its path, else ``None``."""
        return self.stage.commit()

    def close(self) -> None:
        """Write the bundle if anything is left to write, then drop the staging file."""
        try:
            self.stage.commit()
        finally:
            self.stage.close()
