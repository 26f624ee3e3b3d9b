"""Reading records page by page from a OneRoster provider (rostering and gradebook collections).

Every reader yields records as each page arrives; nothing holds a whole collection in memory. People
are joined to enrollments and results through a :class:`~adapters.oneroster.userindex.UserIndex` on disk:
a full pull streams ``/users`` into it first; a course pull fills it from the class's students and
teachers; a delta pull looks up the few users it needs one by one (``GET /users/{id}``) and switches to
the full index when more than :data:`LOOKUP_LIMIT` are needed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from pydantic import ValidationError

from adapters.errors import DataError
from adapters.i18n import Translator
from adapters.records import Course, Enrollment, LineItem, Person, Score

from .convert import (
    Identity,
    course_record,
    enrollment_record,
    line_item_record,
    person_record,
    score_record,
    stub_person,
)
from .delta import DeltaWindow
from .filters import Clause, build_filter
from .models import OrClass, OrEnrollment, OrLineItem, OrResult, OrUser
from .rest import OneRosterClient
from .userindex import UserIndex

__all__ = ["LOOKUP_LIMIT", "RosterReader"]

_ = Translator.for_package("adapters").gettext

LOOKUP_LIMIT = 500
"""Most users looked up one by one in a delta read; past that (or past the number of pages of ``/users``,
whichever is smaller) indexing the whole user list takes fewer requests."""


def seg(value: str) -> str:
    """``value`` as one path segment."""
    return quote(value, safe="")


def parse(model: type, data: Any, collection: str) -> Any:
    """Validate one object of ``collection``; a bad one raises ``DataError`` naming it."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        sid = data.get("sourcedId") if isinstance(data, dict) else None
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or "?"
        raise DataError(_("A OneRoster {collection} record ({sid}) is not valid: {field}: {problem}").format(
            collection=collection, sid=sid or "?", field=field, problem=first.get("msg", "")),
            code="bad_record", where={"collection": collection, "sourcedId": sid, "field": field}) from None


class RosterReader:
    """Readers for each stream; ``window`` decides full or delta and records the start time."""

    def __init__(self, client: OneRosterClient, identity: Identity):
        self.client = client
        self.identity = identity
        self.lookups = 0
        self._limit: int | None = None

    # -- plumbing -------------------------------------------------------------------------------------

    def _pages(self, service: str, path: str, key: str, window: DeltaWindow,
               extra: Clause | None = None) -> Iterator[list[dict]]:
        filter_ = build_filter(extra, "AND", window.clause())
        for page in self.client.pages(service, path, key, filter=filter_, sort="sourcedId"):
            window.observe(page.response.headers)
            yield page.items

    def _person(self, data: dict) -> Person:
        user = parse(OrUser, data, "users")
        try:
            return person_record(user, self.identity)
        except ValidationError as exc:
            raise DataError(_("The OneRoster user {sid} cannot be read: {problem}").format(
                sid=user.sourcedId, problem=exc.errors()[0].get("msg", "")), code="bad_record",
                where={"collection": "users", "sourcedId": user.sourcedId}) from None

    # -- people ---------------------------------------------------------------------------------------

    def persons(self, window: DeltaWindow, course_id: str | None) -> Iterator[Person]:
        """Users (active ones) of the provider, or the students and teachers of one class."""
        paths = [f"classes/{seg(course_id)}/students", f"classes/{seg(course_id)}/teachers"] if course_id \
            else ["users"]
        for path in paths:
            for items in self._pages("rostering", path, "users", window):
                for data in items:
                    person = self._person(data)
                    if str(data.get("status", "active")).lower() == "active":
                        yield person

    def fill_index(self, index: UserIndex, window: DeltaWindow, course_id: str | None) -> None:
        """Put every user (or the class's students and teachers) into ``index``."""
        full = DeltaWindow(since=None, full=True)
        paths = [f"classes/{seg(course_id)}/students", f"classes/{seg(course_id)}/teachers"] if course_id \
            else ["users"]
        for path in paths:
            for items in self._pages("rostering", path, "users", full):
                index.add_many(self._person(d) for d in items)
        if window.started is None:
            window.started = full.started
        index.complete = course_id is None

    def resolve(self, index: UserIndex, ids: list[str], window: DeltaWindow) -> dict[str, Person]:
        """People for ``ids``: from the index, else looked up one by one (or the whole list indexed)."""
        found = index.get_many(ids)
        missing = [i for i in dict.fromkeys(ids) if i not in found]
        if not missing or index.complete:
            return found
        if self._limit is None:
            total = self.client.count("rostering", "users", "users")
            pages = -(-total // self.client.settings.page_limit) if total is not None else LOOKUP_LIMIT
            self._limit = min(LOOKUP_LIMIT, pages)
        if self.lookups + len(missing) > self._limit:
            self.fill_index(index, window, None)
            found.update(index.get_many(missing))
            return found
        for sid in missing:
            self.lookups += 1
            data = self.client.get("rostering", f"users/{seg(sid)}", "user")
            if data is not None:
                person = self._person(data)
                index.add_many([person])
                found[sid] = person
        return found

    # -- rostering ------------------------------------------------------------------------------------

    def courses(self, window: DeltaWindow, course_id: str | None) -> Iterator[Course]:
        """Classes (each a Course), or the one class asked for."""
        if course_id:
            data = self.client.get("rostering", f"classes/{seg(course_id)}", "class")
            window.start_locally()
            if data is not None:
                yield course_record(parse(OrClass, data, "classes"))
            return
        for items in self._pages("rostering", "classes", "classes", window):
            for data in items:
                klass = parse(OrClass, data, "classes")
                if not klass.deleted:
                    yield course_record(klass)

    def enrollments(self, window: DeltaWindow, course_id: str | None) -> Iterator[Enrollment]:
        """Enrollments (``tobedeleted`` → inactive), each with its person."""
        with UserIndex() as index:
            if window.since is None or course_id:
                self.fill_index(index, window, course_id)
            extra = Clause("class.sourcedId", "=", course_id) if course_id else None
            for items in self._pages("rostering", "enrollments", "enrollments", window, extra):
                rows = [parse(OrEnrollment, d, "enrollments") for d in items]
                people = self.resolve(index, [r.user.sourcedId for r in rows], window)
                for row in rows:
                    record = enrollment_record(row, people.get(row.user.sourcedId) or stub_person(row.user.sourcedId))
                    if record is not None:
                        yield record

    # -- gradebook ------------------------------------------------------------------------------------

    def line_items(self, window: DeltaWindow, course_id: str | None) -> Iterator[LineItem]:
        """Line items (active ones), of the provider or of one class."""
        path = f"classes/{seg(course_id)}/lineItems" if course_id else "lineItems"
        for items in self._pages("gradebook", path, "lineItems", window):
            for data in items:
                item = parse(OrLineItem, data, "lineItems")
                if not item.deleted:
                    yield line_item_record(item, course_id)

    def line_item_table(self, course_id: str | None) -> dict[str, tuple[str | None, float | None]]:
        """lineItem sourcedId → (class sourcedId, resultValueMax), for reading results."""
        table = {}
        path = f"classes/{seg(course_id)}/lineItems" if course_id else "lineItems"
        for page in self.client.pages("gradebook", path, "lineItems"):
            for data in page.items:
                item = parse(OrLineItem, data, "lineItems")
                record = line_item_record(item, course_id)
                table[item.sourcedId] = (record.course_id, record.max_score)
        return table

    def scores(self, window: DeltaWindow, course_id: str | None) -> Iterator[Score]:
        """Results (active ones), each with its person, on the scale of its line item."""
        table = self.line_item_table(course_id)
        path = f"classes/{seg(course_id)}/results" if course_id else "results"
        with UserIndex() as index:
            if window.since is None or course_id:
                self.fill_index(index, window, course_id)
            for items in self._pages("gradebook", path, "results", window):
                rows = [parse(OrResult, d, "results") for d in items]
                people = self.resolve(index, [r.student.sourcedId for r in rows], window)
                for row in rows:
                    if row.deleted:
                        continue
                    course, maximum = table.get(row.lineItem.sourcedId, (None, None))
                    course = row.class_.sourcedId if row.class_ is not None else (course or course_id)
                    person = people.get(row.student.sourcedId) or stub_person(row.student.sourcedId)
                    yield score_record(row, person, course, maximum)
