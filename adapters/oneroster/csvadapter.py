"""The OneRoster CSV adapter: a school without an API exchanges zip bundles.

``oneroster-csv:roster.zip`` reads a bundle (any version the manifest declares); writing stages the
changes and produces a bundle of ``version`` (1.1 or 1.2, default 1.2) in ``mode`` ``bulk`` (a full
snapshot: deactivated enrollments are left out) or ``delta`` (changes only: ``status`` and
``dateLastModified`` filled, removals as ``tobedeleted``) when the adapter is closed (or :meth:`commit`).
Written bundles are self-consistent: the org (``org``), term (``term``), course and category rows that
classes, enrollments and line items point to are written too. Staged rows live in a temporary SQLite file,
not in memory. Records are mapped as in :mod:`.convert`; a user's sourcedId is its
``external_ids["oneroster"]``, else its 学号, else its username.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from pydantic import ValidationError

from adapters.base import Adapter, Change, ChangeResult, ReadScope
from adapters.errors import AdapterError, DataError, FatalError
from adapters.i18n import Translator
from adapters.records import Course, Enrollment, LineItem, Person, Record, Score, as_utc

from .convert import (
    META_STATUS,
    RESULT_NAMESPACE,
    Identity,
    course_record,
    enrollment_record,
    enrollment_role,
    line_item_record,
    person_record,
    points_for,
    result_id,
    score_record,
    score_status_for,
    stamp_of,
    stub_person,
)
from .csvbundle import BundleReader, BundleWriter
from .filters import format_datetime
from .gradebook import failed
from .models import OrClass, OrEnrollment, OrLineItem, OrResult, OrUser
from .userindex import UserIndex

__all__ = ["OneRosterCsvAdapter", "format_user_ids", "parse_user_ids"]

_ = Translator.for_package("adapters").gettext


def parse_user_ids(cell: str) -> list[dict[str, str]]:
    """``{type:id},{type:id}`` → ``[{"type", "identifier"}]``."""
    found = []
    for part in cell.split("},"):
        part = part.strip().strip("{}").strip()
        if ":" in part:
            kind, _sep, ident = part.partition(":")
            found.append({"type": kind.strip(), "identifier": ident.strip()})
    return found


def format_user_ids(ids: list[tuple[str, str]]) -> str:
    """``[("SIS", "1")]`` → ``{SIS:1}``."""
    return ",".join(f"{{{kind}:{ident}}}" for kind, ident in ids)


def _ref(sid: str | None) -> dict | None:
    return {"sourcedId": sid} if sid else None


def _split_name(name: str | None) -> tuple[str, str]:
    """(given, family): 张三 → (三, 张); "Ada Lovelace" → (Ada, Lovelace); one word → (it, it)."""
    name = (name or "").strip()
    if not name:
        return "", ""
    if " " in name:
        given, _sep, family = name.rpartition(" ")
        return given, family
    if all("\u3400" <= ch <= "\u9fff" for ch in name) and len(name) >= 2:
        return name[1:], name[0]
    return name, name


class OneRosterCsvAdapter(Adapter):
    """Reads and writes OneRoster CSV bundles (see the module docstring)."""

    name: ClassVar[str] = "oneroster-csv"
    reads: ClassVar[frozenset[str]] = frozenset({"persons", "courses", "enrollments", "line_items", "scores"})
    writes: ClassVar[frozenset[str]] = frozenset({"persons", "courses", "enrollments", "line_items", "scores"})
    batch_size: ClassVar[int] = 1000
    identity_closed: ClassVar[bool] = False

    def __init__(self, path: str | os.PathLike, *, version: str = "1.2", mode: str = "bulk",
                 student_number: str = "identifier", org: str = "org-mooc-bridge", term: str = "term-mooc-bridge",
                 source_name: str = "mooc-bridge"):
        if version not in ("1.1", "1.2") or mode not in ("bulk", "delta"):
            raise FatalError(_("A OneRoster bundle is version 1.1 or 1.2, mode bulk or delta."), code="bad_spec")
        self.path = Path(path)
        self.version, self.mode, self.org, self.term, self.source_name = version, mode, org, term, source_name
        self.identity = Identity(student_number)
        self._stage: sqlite3.Connection | None = None
        self._stage_path: str | None = None

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

    # -- reading --------------------------------------------------------------------------------------

    def read(self, stream: str, scope: ReadScope | None = None) -> Iterator[Record]:
        """Yield the records of ``stream`` from the bundle (rows changed after ``since`` for a delta read)."""
        if stream not in self.reads:
            raise FatalError(_("The OneRoster CSV adapter cannot read {stream!r}.").format(stream=stream),
                             code="unknown_stream", where={"stream": stream})
        return self._read(stream, scope or ReadScope())

    def _read(self, stream: str, scope: ReadScope) -> Iterator[Record]:
        with BundleReader(self.path) as bundle:
            yield from getattr(self, "_read_" + stream)(bundle, scope)

    def _rows(self, bundle: BundleReader, name: str, model: type, scope: ReadScope) -> Iterator[Any]:
        since = as_utc(scope.since)
        for line, row in bundle.rows(name):
            data = self._json(name, row, bundle.version)
            try:
                obj = model.model_validate(data)
            except ValidationError as exc:
                first = exc.errors()[0]
                field = ".".join(str(p) for p in first.get("loc", ())) or "?"
                raise DataError(_("{file} line {line}: {field}: {problem}").format(
                    file=name, line=line, field=field, problem=first.get("msg", "")), code="bad_row",
                    where={"file": name, "line": line, "field": field}) from None
            if since is not None and obj.dateLastModified is not None and obj.dateLastModified <= since:
                continue
            yield line, obj

    @staticmethod
    def _json(name: str, row: dict[str, str], version: str) -> dict[str, Any]:
        data: dict[str, Any] = {k: (v if v != "" else None) for k, v in row.items() if not k.startswith("metadata.")}
        data["status"] = row.get("status") or "active"
        meta = {k[9:]: v for k, v in row.items() if k.startswith("metadata.") and v}
        if meta:
            data["metadata"] = meta
        if name == "users.csv":
            data["userIds"] = parse_user_ids(row.get("userIds") or "")
        elif name == "classes.csv":
            data.update({"course": _ref(row["courseSourcedId"]), "school": _ref(row["schoolSourcedId"]),
                         "terms": [{"sourcedId": t.strip()} for t in row["termSourcedIds"].split(",") if t.strip()]})
        elif name == "enrollments.csv":
            data.update({"user": _ref(row["userSourcedId"]), "class": _ref(row["classSourcedId"]),
                         "school": _ref(row["schoolSourcedId"])})
        elif name == "lineItems.csv":
            data["class"] = _ref(row["classSourcedId"])
        elif name == "results.csv":
            data.update({"lineItem": _ref(row["lineItemSourcedId"]), "student": _ref(row["studentSourcedId"]),
                         "class": _ref(row.get("classSourcedId"))})
        return data

    def _people(self, bundle: BundleReader, index: UserIndex) -> None:
        batch = []
        for line, user in self._rows(bundle, "users.csv", OrUser, ReadScope()):
            batch.append(self._person(user, line))
            if len(batch) >= 1000:
                index.add_many(batch)
                batch = []
        index.add_many(batch)

    def _person(self, user: OrUser, line: int) -> Person:
        try:
            return person_record(user, self.identity)
        except ValidationError as exc:
            raise DataError(_("users.csv line {line}: {problem}").format(line=line, problem=exc.errors()[0]["msg"]),
                            code="bad_row", where={"file": "users.csv", "line": line}) from None

    def _read_persons(self, bundle, scope) -> Iterator[Person]:
        for line, user in self._rows(bundle, "users.csv", OrUser, scope):
            if not user.deleted:
                yield self._person(user, line)

    def _read_courses(self, bundle, scope) -> Iterator[Course]:
        for _line, klass in self._rows(bundle, "classes.csv", OrClass, scope):
            if not klass.deleted and scope.course_id in (None, klass.sourcedId):
                yield course_record(klass)

    def _read_enrollments(self, bundle, scope) -> Iterator[Enrollment]:
        with UserIndex() as index:
            self._people(bundle, index)
            for _line, row in self._rows(bundle, "enrollments.csv", OrEnrollment, scope):
                if scope.course_id in (None, row.class_.sourcedId):
                    person = index.get(row.user.sourcedId) or stub_person(row.user.sourcedId)
                    record = enrollment_record(row, person)
                    if record is not None:
                        yield record

    def _read_line_items(self, bundle, scope) -> Iterator[LineItem]:
        for _line, item in self._rows(bundle, "lineItems.csv", OrLineItem, scope):
            record = line_item_record(item)
            if not item.deleted and scope.course_id in (None, record.course_id):
                yield record

    def _read_scores(self, bundle, scope) -> Iterator[Score]:
        items = {i.sourcedId: line_item_record(i) for _n, i in self._rows(bundle, "lineItems.csv", OrLineItem,
                                                                             ReadScope())}
        with UserIndex() as index:
            self._people(bundle, index)
            for _line, row in self._rows(bundle, "results.csv", OrResult, scope):
                item = items.get(row.lineItem.sourcedId)
                course = row.class_.sourcedId if row.class_ else (item.course_id if item else None)
                if row.deleted or scope.course_id not in (None, course):
                    continue
                person = index.get(row.student.sourcedId) or stub_person(row.student.sourcedId)
                yield score_record(row, person, course, item.max_score if item else None)

    # -- writing --------------------------------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        if self._stage is None:
            handle, self._stage_path = tempfile.mkstemp(prefix="oneroster-stage-", suffix=".sqlite")
            os.close(handle)
            self._stage = sqlite3.connect(self._stage_path, check_same_thread=False)
            self._stage.execute("CREATE TABLE rows (file TEXT, sid TEXT, data TEXT, PRIMARY KEY (file, sid))")
        return self._stage

    def _put(self, name: str, row: dict[str, Any], replace: bool = True) -> bool:
        """Stage ``row``; return False when the same row was already staged."""
        db = self._db()
        found = db.execute("SELECT data FROM rows WHERE file = ? AND sid = ?", (name, row["sourcedId"])).fetchone()
        text = json.dumps(row, sort_keys=True, ensure_ascii=False)
        if found is not None and (found[0] == text or not replace):
            return False
        db.execute("INSERT OR REPLACE INTO rows VALUES (?, ?, ?)", (name, row["sourcedId"], text))
        return True

    def _staged(self, name: str, sid: str) -> dict[str, Any] | None:
        if self._stage is None:
            return None
        found = self._stage.execute("SELECT data FROM rows WHERE file = ? AND sid = ?", (name, sid)).fetchone()
        return json.loads(found[0]) if found else None

    def _base(self, sid: str, stamp: datetime | None = None, deleted: bool = False) -> dict[str, Any]:
        return {"sourcedId": sid, "status": "tobedeleted" if deleted else "active",
                "dateLastModified": format_datetime(stamp or datetime(2000, 1, 1, tzinfo=UTC))}

    def user_id(self, person: Person) -> str:
        """The sourcedId a person gets in the bundle."""
        sid = person.external_ids.get("oneroster") or person.student_number or person.username
        if not sid:
            raise DataError(_("{person} has no OneRoster id, 学号 or username to write.").format(
                person=person.label()), code="unknown_person")
        return sid

    def _stage_context(self) -> None:
        self._put("orgs.csv", {**self._base(self.org), "name": self.source_name, "type": "school"}, replace=False)
        self._put("academicSessions.csv", {**self._base(self.term), "title": self.term, "type": "term",
                                           "startDate": "2000-01-01", "endDate": "2100-01-01",
                                           "schoolYear": "2100"}, replace=False)

    def _stage_person(self, person: Person, role: str = "student", replace: bool = True) -> bool:
        sid = self.user_id(person)
        given, family = _split_name(person.name)
        row = {**self._base(sid), "enabledUser": "true", "username": person.username or "", "givenName": given,
               "familyName": family, "email": person.email or "", "phone": person.phone or "",
               "identifier": person.student_number or ""}
        if self.identity.student_number.startswith("userid:") and person.student_number:
            row["userIds"] = format_user_ids([(self.identity.student_number[7:], person.student_number)])
            row["identifier"] = ""
        if self.version == "1.1":
            row.update(orgSourcedIds=self.org, role=role)
        else:
            row["primaryOrgSourcedId"] = self.org
            self._put("roles.csv", {**self._base(f"{sid}-role"), "userSourcedId": sid, "roleType": "primary",
                                    "role": role, "orgSourcedId": self.org}, replace)
        self._stage_context()
        return self._put("users.csv", row, replace)

    def _stage_class(self, course_id: str, title: str | None = None, code: str | None = None,
                     course: str | None = None, term: str | None = None, replace: bool = True) -> bool:
        course = course or course_id
        self._stage_context()
        self._put("courses.csv", {**self._base(course), "title": title or course, "courseCode": course,
                                  "orgSourcedId": self.org}, replace=False)
        return self._put("classes.csv", {**self._base(course_id), "title": title or course_id,
                                         "courseSourcedId": course, "classCode": code or "", "classType": "scheduled",
                                         "schoolSourcedId": self.org, "termSourcedIds": term or self.term}, replace)

    def write(self, stream: str, changes: Sequence[Change]) -> list[ChangeResult]:
        """Stage ``changes``; the bundle is written on :meth:`commit` / :meth:`close`."""
        if stream not in self.writes:
            raise FatalError(_("The OneRoster CSV adapter cannot write {stream!r}.").format(stream=stream),
                             code="unknown_stream", where={"stream": stream})
        results = []
        for change in changes:
            try:
                if change.stream != stream:
                    raise FatalError(_("This change is for another stream than {stream}.").format(stream=stream),
                                     code="wrong_stream")
                changed = getattr(self, "_write_" + stream)(change)
                results.append(ChangeResult(key=change.key, status="applied" if changed else "unchanged"))
            except AdapterError as exc:
                results.append(failed(change, exc))
        if self._stage is not None:
            self._stage.commit()
        return results

    def _write_persons(self, change: Change) -> bool:
        return self._stage_person(change.record)  # type: ignore[arg-type]

    def _write_courses(self, change: Change) -> bool:
        c: Course = change.record  # type: ignore[assignment]
        return self._stage_class(c.course_id or "", c.title, c.class_id, c.external_ids.get("oneroster_course"),
                                 None)

    def _write_enrollments(self, change: Change) -> bool:
        e: Enrollment = change.record  # type: ignore[assignment]
        role = enrollment_role(e.role)
        self._stage_person(e.person, "teacher" if role == "teacher" else "student", replace=False)
        self._stage_class(e.course_id or "", replace=False)
        user = self.user_id(e.person)
        sid = str(uuid.uuid5(RESULT_NAMESPACE, f"enrollment/{e.course_id}/{user}"))
        deleted = e.status == "inactive" or change.action == "delete"
        if deleted and self.mode == "bulk":
            db = self._db()
            gone = db.execute("DELETE FROM rows WHERE file = 'enrollments.csv' AND sid = ?", (sid,)).rowcount
            return bool(gone)
        row = {**self._base(sid, e.updated_at, deleted), "classSourcedId": e.course_id, "schoolSourcedId": self.org,
               "userSourcedId": user, "role": role, "primary": "true" if role == "teacher" else "false"}
        return self._put("enrollments.csv", row)

    def _write_line_items(self, change: Change) -> bool:
        item: LineItem = change.record  # type: ignore[assignment]
        if not item.line_item_id or not item.course_id:
            raise DataError(_("A line item to write needs a class (course_id) and a sourcedId (line_item_id)."),
                            code="bad_change")
        self._stage_class(item.course_id, replace=False)
        category = "category-mooc-bridge"
        self._put("categories.csv", {**self._base(category), "title": "mooc-bridge"}, replace=False)
        day = (item.updated_at or datetime(2000, 1, 1, tzinfo=UTC)).date().isoformat()
        row = {**self._base(item.line_item_id, item.updated_at), "title": item.title or item.line_item_id,
               "assignDate": day, "dueDate": day, "classSourcedId": item.course_id, "categorySourcedId": category,
               "resultValueMin": "0", "resultValueMax": _num(item.max_score or 100.0)}
        row["gradingPeriodSourcedId" if self.version == "1.1" else "academicSessionSourcedId"] = self.term
        if self.version == "1.2":
            row["schoolSourcedId"] = self.org
        return self._put("lineItems.csv", row)

    def _write_scores(self, change: Change) -> bool:
        score: Score = change.record  # type: ignore[assignment]
        if not score.line_item_id or not score.course_id:
            raise DataError(_("A result to write needs a class (course_id) and a line item."), code="bad_change")
        item = self._staged("lineItems.csv", score.line_item_id)
        if item is None:
            self._write_line_items(Change(key=change.key, stream="line_items", action="create", record=LineItem(
                course_id=score.course_id, line_item_id=score.line_item_id, max_score=score.max_score)))
            item = self._staged("lineItems.csv", score.line_item_id) or {}
        self._stage_person(score.person, replace=False)
        student = self.user_id(score.person)
        stamp = stamp_of(score)
        maximum = float(item.get("resultValueMax") or 0) or None
        points = points_for(score, maximum)
        row = {**self._base(result_id(score.line_item_id, student), stamp), "lineItemSourcedId": score.line_item_id,
               "studentSourcedId": student, "scoreStatus": score_status_for(score),
               "score": "" if points is None else _num(points), "scoreDate": stamp.date().isoformat(),
               "comment": score.comment or ""}
        if self.version == "1.2":
            row.update(textScore=score.text or "", classSourcedId=score.course_id)
        row["metadata." + META_STATUS] = score.status
        return self._put("results.csv", row)

    def current(self, change: Change) -> Record | None:
        """The staged row for ``change`` as a record (``None`` if not staged)."""
        record = change.record
        if isinstance(record, Score) and record.line_item_id:
            row = self._staged("results.csv", result_id(record.line_item_id, self.user_id(record.person)))
            item = self._staged("lineItems.csv", record.line_item_id) or {}
            if row is None:
                return None
            result = OrResult.model_validate(self._json("results.csv", {k: str(v) for k, v in row.items()},
                                                        self.version))
            return score_record(result, record.person, record.course_id, float(item.get("resultValueMax") or 0) or None)
        if isinstance(record, LineItem) and record.line_item_id:
            row = self._staged("lineItems.csv", record.line_item_id)
            if row is None:
                return None
            item = OrLineItem.model_validate(self._json("lineItems.csv", {k: str(v) for k, v in row.items()},
                                                        self.version))
            return line_item_record(item).model_copy(update={"updated_at": None})
        raise NotImplementedError(f"oneroster-csv cannot re-read {change.stream}")

    def commit(self) -> Path | None:
        """Write the staged rows as a bundle (atomically); ``None`` when nothing was staged."""
        if self._stage is None:
            return None
        writer = BundleWriter(self.path, self.version, self.mode, source_name=self.source_name)
        names = [r[0] for r in self._stage.execute("SELECT DISTINCT file FROM rows")]
        for name in names:
            rows = (json.loads(d) for (d,) in self._stage.execute(
                "SELECT data FROM rows WHERE file = ? ORDER BY sid", (name,)))
            writer.add(name, rows, ["metadata." + META_STATUS] if name == "results.csv" else ())
        return writer.commit()

    def close(self) -> None:
        """Write the bundle if anything was staged, then drop the staging file."""
        try:
            self.commit()
        finally:
            if self._stage is not None:
                self._stage.close()
                self._stage = None
            if self._stage_path:
                try:
                    os.unlink(self._stage_path)
                except OSError:
                    pass
                self._stage_path = None


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
