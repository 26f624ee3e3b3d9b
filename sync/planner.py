"""One plan being built (:class:`Planner`), shared by :mod:`sync.plan` and its grade and roster rules.

:func:`sync.plan.build_plan` makes a planner and hands it to :mod:`sync.plan_grades` or
:mod:`sync.plan_roster`; they add operations through it. It lives apart from :mod:`sync.plan` so the
rules use it without importing the module that calls them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from adapters.base import HeldBack
from adapters.records import Person, Record

from .matching import Matching, ReviewCase, TargetIndex, observe, person_key
from .plan_model import KINDS, TOTAL_ITEM, Plan, PlannedOp, PlanOptions, equal_payload, map_course

__all__ = ["Planner", "observe_all"]

_GAP_FIELDS = ("student_number", "name", "email", "phone")
"""Details a matched target user lacks that the source fills in for the write."""


class Planner:
    """One plan being built: options, target index, matching, and the shared way to add an operation."""

    def __init__(self, kind: str, options: PlanOptions):
        self.options = options
        self.plan = Plan(kind=kind, stream=KINDS[kind], target_key=options.target_key)
        self.index = TargetIndex(tuple(options.match))
        self.merged: dict[int, Person] = {}
        self.seq = -1
        self.mapped = bool(options.target_course or options.course_map or options.item_map)
        self.held_rows: list[HeldBack] = []

    def restart(self) -> None:
        """Forget the matching and the operations (the target side stays): plan again from the start."""
        plan = self.plan
        plan.ops, plan.held, plan.unchanged, plan.outside = [], [], 0, 0
        plan.matching = Matching(targets=self.index.people)
        self.merged, self.seq = {}, -1
        self.hold_rows(self.held_rows)

    def hold_rows(self, held: Iterable[HeldBack]) -> None:
        """Put the people of source rows the source held back (duplicates, unreadable rows) under review before
        anything else is matched: nothing is written for them, and nobody they could be is unenrolled."""
        self.held_rows = list(held)
        matching = self.plan.matching
        assert matching is not None
        for entry in self.held_rows:
            person = entry.person
            key = person_key(person)
            if key is None:
                continue
            matching.people.setdefault(key, person)
            matching.hold(key, ReviewCase(person, "source_rows_held", {
                "file": entry.file or "-", "rows": ", ".join(map(str, entry.rows)),
                "values": "; ".join(entry.values)[:300], "problem": entry.message}))

    def course(self, course_id: str | None) -> str | None:
        """The target course of a source course (:func:`sync.plan_model.map_course`)."""
        return map_course(course_id, self.options.course_map, self.options.target_course)[0]

    def item(self, item_id: str | None) -> str | None:
        """The target line item of a source line item (``None``: the course-level score, mapped by ``total``)."""
        if not item_id:
            return self.options.item_map.get(TOTAL_ITEM, item_id)
        return self.options.item_map.get(item_id, item_id)

    def target_person(self, source_key: str, source: Person) -> Person | None:
        """The person to write for ``source``: the matched target user (gaps filled from the source), or the
        source person when nobody matched and new people may be written; ``None`` otherwise."""
        matching = self.plan.matching
        position = matching.matched.get(source_key)
        if position is None:
            return source if source_key in matching.new else None
        person = self.merged.get(position)
        if person is None:
            person = matching.targets[position]
            mine, theirs = vars(person), vars(source)  # pydantic keeps the field values there
            gaps = {name: theirs[name] for name in _GAP_FIELDS if mine[name] is None and theirs[name] is not None}
            person = person.model_copy(update=gaps) if gaps else person
            self.merged[position] = person
        return person

    def add(self, action: str, record: Record, person: Person, course: str | None, item: str | None,
            before: Record | None, reason: str, params: dict[str, Any] | None, who: str, desired: str | None = None,
            *, force: bool = False, held: bool = False) -> None:
        """Append one operation (held ones go to ``plan.held``)."""
        plan = self.plan
        self.seq += 1
        op = PlannedOp(self.seq, plan.stream, action, record, person, course, item, before, reason, params, who,
                       desired, plan.target_key, force, held)
        (plan.held if held else plan.ops).append(op)

    def dedupe(self, records: list) -> dict[tuple[str, str | None, str | None], Any]:
        """Source records by (person key, target course, target item); a person with conflicting duplicates goes
        to review (before matching, so the first reason wins). People must have been observed already."""
        matching = self.plan.matching
        key_of, review = matching.key_of, matching.review
        grades = self.plan.kind == "grades"
        cells: dict[tuple[str, str | None, str | None], Any] = {}
        clashes: dict[tuple[str, str | None, str | None], int] = {}
        course_of, item_of, mapped = self.course, self.item, self.mapped
        only_courses = grades and self.options.course_grades_only
        for record in records:
            who = key_of[id(record.person)]
            if only_courses and item_of(record.line_item_id) is not None:
                self.plan.outside += 1
                continue
            if mapped:
                cell = (who, course_of(record.course_id), item_of(record.line_item_id) if grades else None)
            else:
                cell = (who, record.course_id, record.line_item_id if grades else None)
            seen = cells.get(cell)
            if seen is None:
                cells[cell] = record
            elif seen is not record and not equal_payload(seen, record):
                clashes[cell] = clashes.get(cell, 1) + 1
        for (who, course, item), count in clashes.items():
            if who in matching.people and who not in review:
                matching.hold(who, ReviewCase(matching.people[who], "source_duplicate_record",
                                              {"count": count, "key": who.split(":", 1)[1], "item": item or course}))
        return cells


def observe_all(matching: Matching, records: Iterable[Record]) -> None:
    """Note every source person, in the order of the records."""
    key_of = matching.key_of
    last = None
    for record in records:
        person = record.person
        if person is not last:
            last = person
            if id(person) not in key_of:
                observe(matching, person)
