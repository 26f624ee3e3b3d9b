"""Reading OneRoster CSV bundles into records: rows → OneRoster models → :mod:`.convert` records.

A row becomes the JSON shape of the REST binding (references as ``{"sourcedId": …}``, ``metadata.*`` columns as
``metadata``) so that one set of models and one mapping serve REST and CSV alike. Text cells that a writer
neutralised against formula injection (:func:`.csvrows.safe_text`) are read back as they were meant.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError

from adapters.base import ReadScope
from adapters.errors import DataError
from adapters.i18n import Translator
from adapters.records import Course, Enrollment, LineItem, Person, Score, as_utc

from .convert import (
    Identity,
    course_record,
    enrollment_record,
    line_item_record,
    person_record,
    score_record,
    stub_person,
)
from .csvbundle import BundleReader
from .csvrows import TEXT_COLUMNS, unsafe_text
from .models import OrClass, OrEnrollment, OrLineItem, OrResult, OrUser
from .userindex import UserIndex

__all__ = ["BundleRecords", "json_row", "parse_user_ids"]

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


def _ref(sid: str | None) -> dict | None:
    return {"sourcedId": sid} if sid else None


def json_row(name: str, row: dict[str, Any]) -> dict[str, Any]:
    """A CSV row of ``name`` in the JSON shape the models read (blank cells as ``None``)."""
    data: dict[str, Any] = {k: (unsafe_text(v) if k in TEXT_COLUMNS else v) if v not in ("", None) else None
                            for k, v in row.items() if not k.startswith("metadata.")}
    data["status"] = row.get("status") or "active"
    meta = {k[9:]: v for k, v in row.items() if k.startswith("metadata.") and v}
    if meta:
        data["metadata"] = meta
    get = row.get
    if name == "users.csv":
        data["userIds"] = parse_user_ids(get("userIds") or "")
    elif name == "classes.csv":
        data.update({"course": _ref(get("courseSourcedId")), "school": _ref(get("schoolSourcedId")),
                     "terms": [{"sourcedId": t.strip()} for t in (get("termSourcedIds") or "").split(",")
                               if t.strip()]})
    elif name == "enrollments.csv":
        data.update({"user": _ref(get("userSourcedId")), "class": _ref(get("classSourcedId")),
                     "school": _ref(get("schoolSourcedId"))})
    elif name == "lineItems.csv":
        data["class"] = _ref(get("classSourcedId"))
    elif name == "results.csv":
        data.update({"lineItem": _ref(get("lineItemSourcedId")), "student": _ref(get("studentSourcedId")),
                     "class": _ref(get("classSourcedId"))})
    return data


def model_of(name: str, model: type, row: dict[str, Any], line: int | None = None) -> Any:
    """``row`` of file ``name`` validated as ``model``; ``DataError`` ``bad_row`` naming file, line and field."""
    try:
        return model.model_validate(json_row(name, row))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or "?"
        raise DataError(_("{file} line {line}: {field}: {problem}").format(
            file=name, line=line or "?", field=field, problem=first.get("msg", "")), code="bad_row",
            where={"file": name, "line": line, "field": field}) from None


def person_of(user: OrUser, identity: Identity, line: int | None = None) -> Person:
    """The :class:`Person` of a users.csv row; ``DataError`` naming the line when it does not make one."""
    try:
        return person_record(user, identity)
    except ValidationError as exc:
        raise DataError(_("users.csv line {line}: {problem}").format(line=line or "?",
                                                                    problem=exc.errors()[0]["msg"]),
                        code="bad_row", where={"file": "users.csv", "line": line}) from None


class BundleRecords:
    """The records of one open bundle, stream by stream (``since`` keeps rows changed after it)."""

    def __init__(self, bundle: BundleReader, identity: Identity):
        self.bundle, self.identity = bundle, identity

    def rows(self, name: str, model: type, scope: ReadScope) -> Iterator[tuple[int, Any]]:
        """``(line, model)`` for each row of ``name`` in ``scope``."""
        since = as_utc(scope.since)
        for line, row in self.bundle.rows(name):
            obj = model_of(name, model, row, line)
            if since is not None and obj.dateLastModified is not None and obj.dateLastModified <= since:
                continue
            yield line, obj

    def _index(self, index: UserIndex) -> None:
        batch = []
        for line, user in self.rows("users.csv", OrUser, ReadScope()):
            batch.append(person_of(user, self.identity, line))
            if len(batch) >= 1000:
                index.add_many(batch)
                batch = []
        index.add_many(batch)

    def persons(self, scope: ReadScope) -> Iterator[Person]:
        """The people of users.csv (not those marked ``tobedeleted``)."""
        for line, user in self.rows("users.csv", OrUser, scope):
            if not user.deleted:
                yield person_of(user, self.identity, line)

    def courses(self, scope: ReadScope) -> Iterator[Course]:
        """The classes of classes.csv (of ``scope.course_id`` when given)."""
        for _line, klass in self.rows("classes.csv", OrClass, scope):
            if not klass.deleted and scope.course_id in (None, klass.sourcedId):
                yield course_record(klass)

    def enrollments(self, scope: ReadScope) -> Iterator[Enrollment]:
        """The enrollments, with each user joined from users.csv on disk (:class:`.UserIndex`)."""
        with UserIndex() as index:
            self._index(index)
            for _line, row in self.rows("enrollments.csv", OrEnrollment, scope):
                if scope.course_id in (None, row.class_.sourcedId):
                    person = index.get(row.user.sourcedId) or stub_person(row.user.sourcedId)
                    record = enrollment_record(row, person)
                    if record is not None:
                        yield record

    def line_items(self, scope: ReadScope) -> Iterator[LineItem]:
        """The line items (of ``scope.course_id`` when given)."""
        for _line, item in self.rows("lineItems.csv", OrLineItem, scope):
            record = line_item_record(item)
            if not item.deleted and scope.course_id in (None, record.course_id):
                yield record

    def scores(self, scope: ReadScope) -> Iterator[Score]:
        """The results as scores, in points of their line item's maximum when it is known."""
        items = {i.sourcedId: line_item_record(i) for _n, i in self.rows("lineItems.csv", OrLineItem, ReadScope())}
        with UserIndex() as index:
            self._index(index)
            for _line, row in self.rows("results.csv", OrResult, scope):
                item = items.get(row.lineItem.sourcedId)
                course = row.class_.sourcedId if row.class_ else (item.course_id if item else None)
                if row.deleted or scope.course_id not in (None, course):
                    continue
                person = index.get(row.student.sourcedId) or stub_person(row.student.sourcedId)
                yield score_record(row, person, course, item.max_score if item else None)
