"""Writing grades to a OneRoster gradebook: line items and results, idempotent and stale-safe.

- Line items: ``PUT /lineItems/{sourcedId}`` with ``{"lineItem": {...}}`` (1.1 and 1.2). Unchanged items
  (same title, class and maximum) are not sent again. ``assignDate`` and ``dueDate`` are date-times (the
  official 1.2 OpenAPI, ``gradebookservice.yaml``: ``format: date-time``, "Model Primitive Datatype = DateTime";
  1.1's binding has them as DateTime too), never bare dates: a strict provider answers a date with 422. A
  negative maximum is refused (``bad_maximum``), for line items and for the rescaling of results. A 1.2 line
  item must name its school (``gradebookservice.yaml``, ``LineItemDType``: ``required`` lists ``school``; Prism,
  serving that file, answers 422 without it): the SPEC's ``school``, else the class's; with neither the change
  fails (``missing_school``) before anything is sent.
- Results: per (class, line item) the current results are listed once
  (``GET /classes/{c}/lineItems/{li}/results``). A result equal to ours is ``unchanged``. Unless the change is
  forced, a result mooc-bridge did not write (no ``mooc-bridge.*`` metadata: a teacher's or another system's
  grade) is ``skipped`` as manual, and one of ours newer than the source grade by real timestamps on both
  sides is ``skipped`` as stale (a retry or an out-of-order delivery never overwrites a newer grade) — the
  planner's rules (``target_overridden``, ``target_newer``; :func:`.convert.written_by_us`,
  :func:`.convert.newer_than`), so a dry run and a real run agree; a source grade without a timestamp is current.
  An existing one is updated with ``PUT /results/{its sourcedId}``. New ones get a deterministic sourcedId
  (uuid5 of line item and student), so a retry can never create a second result: 1.2 creates them with one
  ``POST /lineItems/{li}/results`` (``{"results": [...]}`` → ``sourcedIdPairs``), 1.1 (or ``bulk=false``)
  with ``PUT /results/{id}``.
- ``dateLastModified`` is the time of the write (UTC, milliseconds, ``Z``), so readers that pull changes by
  date see it; ``scoreDate`` is the source grade's date (a grade without a timestamp: the day of the write);
  the exact timestamp and our status go in ``metadata``.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from adapters.base import Change, ChangeResult
from adapters.errors import AdapterError, DataError, FatalError
from adapters.i18n import Translator
from adapters.records import LineItem, Score

from .convert import (
    META_STATUS,
    META_TIMESTAMP,
    RESULT_NAMESPACE,
    checked_maximum,
    line_item_record,
    newer_than,
    points_for,
    result_id,
    result_stamp,
    score_record,
    score_status_for,
    stamp_of,
    written_by_us,
)
from .filters import Clause, build_filter, format_datetime
from .models import OrClass, OrLineItem, OrResult
from .rest import OneRosterClient
from .roster import parse, seg

__all__ = ["GradebookWriter"]

_ = Translator.for_package("adapters").gettext


def failed(change: Change, error: AdapterError) -> ChangeResult:
    """A failed result carrying the error."""
    return ChangeResult(key=change.key, status="failed", message=error.message, error=error.to_dict(),
                        retriable=error.retriable)


class GradebookWriter:
    """Writes line items and results for one adapter; caches classes and line items it looked up."""

    def __init__(self, client: OneRosterClient, people):
        self.client = client
        self.version = client.settings.version
        self.people = people  # callable(Person) -> student sourcedId (raises FatalError)
        self._items: dict[str, OrLineItem | None] = {}
        self._classes: dict[str, OrClass | None] = {}
        self._category: str | None = client.settings.category

    # -- references -----------------------------------------------------------------------------------

    def ref(self, service: str, collection: str, kind: str, sid: str) -> dict[str, str]:
        """A GUIDRef ``{"href", "sourcedId", "type"}``."""
        return {"href": self.client.url(service, f"{collection}/{seg(sid)}"), "sourcedId": sid, "type": kind}

    def line_item(self, sid: str) -> OrLineItem | None:
        """The line item ``sid`` (cached), or ``None`` if the provider does not know it."""
        if sid not in self._items:
            data = self.client.get("gradebook", f"lineItems/{seg(sid)}", "lineItem")
            self._items[sid] = parse(OrLineItem, data, "lineItems") if data is not None else None
        return self._items[sid]

    def klass(self, sid: str) -> OrClass | None:
        """The class ``sid`` (cached)."""
        if sid not in self._classes:
            data = self.client.get("rostering", f"classes/{seg(sid)}", "class")
            self._classes[sid] = parse(OrClass, data, "classes") if data is not None else None
        return self._classes[sid]

    def category(self) -> str:
        """The category new line items go in: the configured one, else ours (created once with PUT)."""
        if self._category is None:
            sid = str(uuid.uuid5(RESULT_NAMESPACE, "category/mooc-bridge"))
            self.client.send("PUT", "gradebook", f"categories/{seg(sid)}", {"category": {
                "sourcedId": sid, "status": "active", "dateLastModified": format_datetime(datetime.now(UTC)),
                "title": "mooc-bridge"}})
            self._category = sid
        return self._category

    # -- line items -----------------------------------------------------------------------------------

    def write_line_items(self, changes: Sequence[Change]) -> list[ChangeResult]:
        """PUT each line item that differs from the provider's."""
        results = []
        for change in changes:
            try:
                results.append(self._line_item(change))
            except AdapterError as exc:
                results.append(failed(change, exc))
        return results

    def _line_item(self, change: Change) -> ChangeResult:
        record = change.record
        if not isinstance(record, LineItem) or not record.course_id or not record.line_item_id:
            raise DataError(_("A line item to write needs a class (course_id) and a sourcedId (line_item_id)."),
                            code="bad_change", where={"key": change.key})
        if change.action == "delete":
            raise FatalError(_("Deleting OneRoster line items is not supported."), code="delete_not_supported")
        current = self.line_item(record.line_item_id)
        if current is not None and not current.deleted:
            same = line_item_record(current)
            if (same.title, same.course_id, same.max_score) == (record.title, record.course_id, record.max_score):
                return ChangeResult(key=change.key, status="unchanged")
        klass = self.klass(record.course_id)
        if klass is None:
            raise FatalError(_("The OneRoster provider has no class {sid}.").format(sid=record.course_id),
                             code="unknownobject", where={"class": record.course_id})
        maximum = checked_maximum(record.max_score, record.line_item_id) or 100.0
        school = self.client.settings.school or (klass.school.sourcedId if klass.school else None)
        if self.version == "1.2" and not school:
            raise FatalError(_("A OneRoster 1.2 line item must name its school, and the class {sid} names none. Set "
                               "school= in the SPEC to the sourcedId of the class's school (org).").format(
                                   sid=record.course_id), code="missing_school",
                             where={"class": record.course_id, "option": "school"})
        now = datetime.now(UTC)
        when = format_datetime(record.updated_at or now)  # DateTime in the REST bindings (module docstring)
        body: dict[str, Any] = {
            "sourcedId": record.line_item_id, "status": "active", "dateLastModified": format_datetime(now),
            "title": record.title or record.line_item_id, "assignDate": when, "dueDate": when,
            "class": self.ref("rostering", "classes", "class", record.course_id),
            "category": self.ref("gradebook", "categories", "category", self.category()),
            "resultValueMin": 0.0, "resultValueMax": maximum,
        }
        term = klass.terms[0].sourcedId if klass.terms else None
        if self.version == "1.2" and school:
            body["school"] = self.ref("rostering", "schools", "org", school)
        if term:
            key = "gradingPeriod" if self.version == "1.1" else "academicSession"
            body[key] = self.ref("rostering", "academicSessions", "academicSession", term)
        self.client.send("PUT", "gradebook", f"lineItems/{seg(record.line_item_id)}", {"lineItem": body})
        self._items.pop(record.line_item_id, None)
        return ChangeResult(key=change.key, status="applied")

    # -- results --------------------------------------------------------------------------------------

    def existing_results(self, class_sid: str, item_sid: str, student: str | None = None) -> dict[str, OrResult]:
        """student sourcedId → current (not deleted) result on the line item."""
        found = {}
        path = f"classes/{seg(class_sid)}/lineItems/{seg(item_sid)}/results"
        filter_ = build_filter(Clause("student.sourcedId", "=", student)) if student else None
        for page in self.client.pages("gradebook", path, "results", filter=filter_):
            for data in page.items:
                row = parse(OrResult, data, "results")
                if not row.deleted:
                    found[row.student.sourcedId] = row
        return found

    def result_body(self, score: Score, sid: str, student: str, item: OrLineItem, class_sid: str,
                    now: datetime | None = None) -> dict:
        """The ``result`` object for ``score``, written at ``now`` (default: the clock)."""
        now = now or datetime.now(UTC)
        stamp = stamp_of(score, now)
        body: dict[str, Any] = {
            "sourcedId": sid, "status": "active", "dateLastModified": format_datetime(now),
            "lineItem": self.ref("gradebook", "lineItems", "lineItem", item.sourcedId),
            "student": self.ref("rostering", "users", "user", student),
            "scoreStatus": score_status_for(score), "scoreDate": stamp.date().isoformat(),
            "metadata": {META_STATUS: score.status, META_TIMESTAMP: format_datetime(stamp)},
        }
        points = points_for(score, item.resultValueMax)
        if points is not None:
            body["score"] = points
        if score.comment:
            body["comment"] = score.comment
        if self.version == "1.2":
            body["class"] = self.ref("rostering", "classes", "class", class_sid)
            if score.text:
                body["textScore"] = score.text
        elif score.text and points is None:
            body["comment"] = score.text if not score.comment else f"{score.text}; {score.comment}"
        return body

    def write_scores(self, changes: Sequence[Change]) -> list[ChangeResult]:
        """Write results (see the module docstring); one ChangeResult per change, in order."""
        outcome: dict[int, ChangeResult] = {}
        groups: dict[tuple[str, str], list[tuple[int, Change, str]]] = defaultdict(list)
        for n, change in enumerate(changes):
            try:
                score = change.record
                if not isinstance(score, Score) or not score.course_id or not score.line_item_id:
                    raise DataError(_("A result to write needs a class (course_id) and a line item."),
                                    code="bad_change", where={"key": change.key})
                if change.action == "delete":
                    raise FatalError(_("Deleting OneRoster results is not supported."), code="delete_not_supported")
                groups[(score.course_id, score.line_item_id)].append((n, change, self.people(score.person)))
            except AdapterError as exc:
                outcome[n] = failed(change, exc)
        for (class_sid, item_sid), entries in groups.items():
            try:
                self._write_group(class_sid, item_sid, entries, outcome)
            except AdapterError as exc:
                for n, change, _student in entries:
                    outcome.setdefault(n, failed(change, exc))
        return [outcome[n] for n in range(len(changes))]

    def _write_group(self, class_sid: str, item_sid: str, entries, outcome: dict[int, ChangeResult]) -> None:
        item = self.line_item(item_sid)
        if item is None:
            raise FatalError(_("The OneRoster provider has no line item {sid}; write the line item first.").format(
                sid=item_sid), code="unknownobject", where={"lineItem": item_sid})
        existing = self.existing_results(class_sid, item_sid)
        now = datetime.now(UTC)
        creates: list[tuple[int, Change, dict]] = []
        for n, change, student in entries:
            score: Score = change.record  # type: ignore[assignment]
            current = existing.get(student)
            sid = current.sourcedId if current is not None else result_id(item_sid, student)
            body = self.result_body(score, sid, student, item, class_sid, now)
            if current is not None:
                if _same(current, body):
                    outcome[n] = ChangeResult(key=change.key, status="unchanged")
                    continue
                held = None if change.force else _held(current, score)
                if held is not None:
                    outcome[n] = ChangeResult(key=change.key, status="skipped", message=held)
                    continue
            if current is None and self.version == "1.2" and self.client.settings.bulk:
                creates.append((n, change, body))
                continue
            try:
                self.client.send("PUT", "gradebook", f"results/{seg(sid)}", {"result": body})
                outcome[n] = ChangeResult(key=change.key, status="applied")
            except AdapterError as exc:
                outcome[n] = failed(change, exc)
        if creates:
            self._post(item_sid, creates, outcome)

    def _post(self, item_sid: str, creates, outcome: dict[int, ChangeResult]) -> None:
        try:
            response = self.client.send("POST", "gradebook", f"lineItems/{seg(item_sid)}/results",
                                        {"results": [body for _n, _c, body in creates]})
        except AdapterError as exc:
            for n, change, _body in creates:
                outcome[n] = failed(change, exc)
            return
        try:
            pairs = response.json().get("sourcedIdPairs") or []
            allocated = {p["suppliedSourcedId"]: p["allocatedSourcedId"] for p in pairs}
        except (ValueError, AttributeError, KeyError, TypeError):
            allocated = {}
        for n, change, body in creates:
            given = allocated.get(body["sourcedId"], body["sourcedId"])
            message = None if given == body["sourcedId"] else _("created as {sid}").format(sid=given)
            outcome[n] = ChangeResult(key=change.key, status="applied", message=message)

    def current_score(self, score: Score) -> Score | None:
        """The provider's result for ``score``'s student and line item, as a Score (``None`` if absent)."""
        student = self.people(score.person)
        item = self.line_item(score.line_item_id or "")
        if item is None or not score.course_id:
            return None
        found = self.existing_results(score.course_id, item.sourcedId, student).get(student)
        if found is None:
            return None
        record = line_item_record(item, score.course_id)
        return score_record(found, score.person, score.course_id, record.max_score)

    def current_line_item(self, record: LineItem) -> LineItem | None:
        """The provider's line item for ``record`` (``None`` if absent or deleted)."""
        self._items.pop(record.line_item_id or "", None)
        item = self.line_item(record.line_item_id or "")
        if item is None or item.deleted:
            return None
        return line_item_record(item, record.course_id).model_copy(update={"updated_at": None})


def _held(current: OrResult, score: Score) -> str | None:
    """Why ``current`` must not be overwritten without force (the planner's ``target_overridden`` and
    ``target_newer``), or ``None``."""
    if not written_by_us(current):
        return _("The gradebook's result for this student was set by a person or another system (it has no "
                 "mooc-bridge metadata); not overwritten. Give --force to overwrite it.")
    if newer_than(result_stamp(current), score.timestamp):
        return _("The gradebook holds a newer result for this student; not overwritten. Give --force to "
                 "overwrite it.")
    return None


def _same(current: OrResult, body: dict) -> bool:
    a, b = current.score, body.get("score")
    same_score = (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-9)
    return (same_score and current.scoreStatus == body["scoreStatus"]
            and (current.textScore or None) == (body.get("textScore") or None)
            and (current.comment or None) == (body.get("comment") or None))
