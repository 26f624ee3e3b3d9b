"""Reading records page by page from a OneRoster provider (rostering and gradebook collections).

Every reader yields records as each page arrives; nothing holds a whole collection in memory. People
are joined to enrollments and results through a :class:`~adapters.oneroster.userindex.UserIndex` on disk:
a full pull streams ``/users`` into it first; a course pull fills it from the class's students and
teachers; a delta pull looks up the few users it needs one by one (``GET /users/{id}``) and switches to
the full index when more than :data:`LOOKUP_LIMIT` are needed.

Optional paths (issue #12): a provider may lack ``/classes/{id}/students`` and ``/teachers`` (the Ed-Fi
Alliance's OneRoster API routes neither; Masterjx9/oneroster answers them under another key) or refuse the
``class.sourcedId`` filter on ``/enrollments`` (Ed-Fi: 400 ``invalid_data``). A 404 (or an answer that is not
a page of users) of a class's path is never read as "no one": the class is looked up, and if it exists its
people come from its enrollments instead (:meth:`RosterReader.class_people`); a refused filter falls back to
the whole ``/enrollments``, kept to the class here (:meth:`RosterReader.class_enrollments`). Enrollments are
always kept to the class here too, in case a provider ignores the filter. Each fallback is remembered in
:attr:`RosterReader.routes` for the rest of the run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from pydantic import ValidationError

from adapters.errors import AdapterError, DataError, FatalError
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
        self.routes: dict[str, str] = {}
        """What this run learnt of the provider's optional paths: ``class_people`` → ``enrollments`` when it has
        no ``/classes/{id}/students``; ``class_enrollments`` → ``all`` when it refuses the class filter."""

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
        pages = self.class_people(course_id, window) if course_id else self._pages("rostering", "users", "users",
                                                                                    window)
        for items in pages:
            for data in items:
                person = self._person(data)
                if str(data.get("status", "active")).lower() == "active":
                    yield person

    def fill_index(self, index: UserIndex, window: DeltaWindow, course_id: str | None) -> None:
        """Put every user (or the class's students and teachers) into ``index``."""
        full = DeltaWindow(since=None, full=True)
        pages = self.class_people(course_id, full) if course_id else self._pages("rostering", "users", "users", full)
        for items in pages:
            index.add_many(self._person(d) for d in items)
        if window.started is None:
            window.started = full.started
        index.complete = course_id is None

    def class_people(self, course_id: str, window: DeltaWindow) -> Iterator[list[dict]]:
        """Pages of the students, then the teachers, of one class (see the module docstring for the fallback)."""
        roles = ["student", "teacher"]
        if self.routes.get("class_people") != "enrollments":
            try:
                while roles:
                    path = f"classes/{seg(course_id)}/{roles[0]}s"
                    yield from self._first_page_or_404(self._pages("rostering", path, "users", window))
                    roles.pop(0)
                return
            except _Missing:
                self._known_class(course_id)
                self.routes["class_people"] = "enrollments"
        ids: dict[str, list[str]] = {}
        rows = list(self.class_enrollments(course_id, DeltaWindow(since=None, full=True)))
        if not rows:
            self._known_class(course_id)
        for row in rows:
            if not row.deleted and row.role in ("student", "teacher"):
                ids.setdefault(row.role, []).append(row.user.sourcedId)
        for role in roles:
            wanted = list(dict.fromkeys(ids.get(role, ())))
            if wanted:
                yield self._users(wanted, window)

    def _known_class(self, course_id: str) -> None:
        """Raise ``unknown_class`` unless the provider has the class ``course_id``."""
        if self.client.get("rostering", f"classes/{seg(course_id)}", "class") is None:
            raise FatalError(_("The OneRoster provider has no class {course} (HTTP 404): check the course map or "
                               "the course in the SPEC.").format(course=course_id), code="unknown_class",
                             status=404, where={"class": course_id})

    def _users(self, ids: list[str], window: DeltaWindow) -> list[dict]:
        """The users ``ids`` (one by one, or from the whole list when that takes fewer requests)."""
        if len(ids) > LOOKUP_LIMIT:
            wanted = set(ids)
            return [d for items in self._pages("rostering", "users", "users", window) for d in items
                    if d.get("sourcedId") in wanted]
        found = []
        for sid in ids:
            self.lookups += 1
            data = self.client.get("rostering", f"users/{seg(sid)}", "user")
            if data is not None:
                found.append(data)
        return found

    @staticmethod
    def _first_page_or_404(pages: Iterator[list[dict]]) -> Iterator[list[dict]]:
        """``pages``, raising :class:`_Missing` when the very first answer shows the path is not there: a 404,
        or something that is not a page of users (Masterjx9/oneroster answers ``{"students": [...]}`` there)."""
        first = True
        try:
            for page in pages:
                first = False
                yield page
        except AdapterError as exc:
            if first and (exc.status == 404 or exc.code in ("bad_page", "bad_json")):
                raise _Missing from exc
            raise

    def class_enrollments(self, course_id: str, window: DeltaWindow) -> Iterator[OrEnrollment]:
        """The enrollments of one class: filtered by the provider, else all of them kept to the class here."""
        keep = _of_class(course_id)
        if self.routes.get("class_enrollments") != "all":
            clause = Clause("class.sourcedId", "=", course_id)
            pages = self._pages("rostering", "enrollments", "enrollments", window, clause)
            try:
                first = True
                for items in pages:
                    first = False
                    yield from (r for r in (parse(OrEnrollment, d, "enrollments") for d in items) if keep(r))
                return
            except AdapterError as exc:
                if not first or exc.status not in (400, 422) or exc.retriable:
                    raise
                self.routes["class_enrollments"] = "all"
        for items in self._pages("rostering", "enrollments", "enrollments", window):
            yield from (r for r in (parse(OrEnrollment, d, "enrollments") for d in items) if keep(r))

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
            for rows in self._enrollment_pages(window, course_id):
                people = self.resolve(index, [r.user.sourcedId for r in rows], window)
                for row in rows:
                    record = enrollment_record(row, people.get(row.user.sourcedId) or stub_person(row.user.sourcedId))
                    if record is not None:
                        yield record

    def _enrollment_pages(self, window: DeltaWindow, course_id: str | None) -> Iterator[list[OrEnrollment]]:
        if course_id:
            rows = list(self.class_enrollments(course_id, window))  # one class: small
            yield rows
            return
        for items in self._pages("rostering", "enrollments", "enrollments", window):
            yield [parse(OrEnrollment, d, "enrollments") for d in items]

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


class _Missing(Exception):
    """A path the provider does not have (404 on its first request)."""


def _of_class(course_id: str):
    return lambda row: row.class_.sourcedId == course_id
