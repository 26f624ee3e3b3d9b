"""The plan: the diff of the source against the target's current state, as operations with reasons.

:func:`build_plan` matches people (:mod:`sync.matching`), then compares record by record. Policies
(docs/decisions/0012): nothing is unenrolled unless ``unenroll``; a grade that is newer in the target or
was set there by hand is held back unless ``force``; an equal value is no operation at all; a person held
for review is never in the plan. Operations carry a deterministic idempotency key
(:func:`operation_key`) and a reason code with parameters, translated in reports.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from adapters.base import Change
from adapters.i18n import gettext_noop as N_
from adapters.records import Enrollment, Person, Record, Score

from .matching import Matching, ReviewCase, TargetIndex, identity_keys, observe, person_key, resolve

__all__ = ["BUCKETS", "KINDS", "REASONS", "Plan", "PlanOptions", "PlannedOp", "bucket", "build_plan",
           "operation_key", "satisfied"]

KINDS = {"roster": "enrollments", "grades": "scores"}
"""Sync kinds and the stream each one writes."""

REASONS: dict[str, str] = {
    "new_enrollment": N_("not enrolled in the target"),
    "new_person": N_("no target account matched yet; the target receives the source's details"),
    "reactivate": N_("active in the source, inactive in the target"),
    "role_changed": N_("role is {before} in the target and {after} in the source"),
    "mode_changed": N_("enrollment mode is {before} in the target and {after} in the source"),
    "unenroll_missing": N_("not in the source roster (unenroll was asked for)"),
    "unenroll_inactive": N_("inactive in the source (unenroll was asked for)"),
    "unenroll_not_asked": N_("inactive in the source; kept, because unenroll was not asked for"),
    "new_grade": N_("no grade in the target"),
    "grade_changed": N_("{before} in the target, {after} in the source"),
    "target_newer": N_("the target's grade is newer ({target_time} after {source_time}); force to overwrite"),
    "target_overridden": N_("the target's grade was set by hand; force to overwrite"),
    "forced_newer": N_("{before} in the target is newer, overwritten with {after} because force was given"),
    "forced_overridden": N_("{before} was set by hand in the target, overwritten with {after} because force was given"),
    "source_not_final": N_("the source grade is not final (status {status})"),
}
"""Why an operation is planned or held back: code → message template (translated in reports)."""

BUCKETS = ("<60", "60-69", "70-79", "80-89", "90-100", "other")
"""Grade bands of the distribution chart (百分制); words of 五级制 and 两级制 fall into their band."""

_WORD_BUCKET = {"优秀": 4, "优": 4, "良好": 3, "良": 3, "中等": 2, "中": 2, "及格": 1, "合格": 1, "通过": 1,
                "不及格": 0, "不合格": 0, "未通过": 0, "差": 0}


def bucket(score: Score | None) -> int | None:
    """The band index of ``score`` in :data:`BUCKETS` (``None`` for no score)."""
    if score is None:
        return None
    fraction = score.fraction()
    if fraction is None:
        return _WORD_BUCKET.get(score.text or "", 5)
    percent = fraction * 100
    return 0 if percent < 60 else 4 if percent >= 90 else int(percent // 10) - 5


@dataclass(frozen=True)
class PlanOptions:
    """How to plan. ``match``: optional identity keys (email, phone, username); ``closed_target``: the
    target lists all its users, so a grade for someone it does not know is not written (unmatched);
    ``course_map``/``item_map``: source id → target id; ``target_course`` maps every source course to one."""

    target_key: str = "target"
    unenroll: bool = False
    force: bool = False
    match: tuple[str, ...] = ()
    closed_target: bool = False
    target_course: str | None = None
    course_map: Mapping[str, str] = field(default_factory=dict)
    item_map: Mapping[str, str] = field(default_factory=dict)


class PlannedOp:
    """One planned change (``held``: a policy kept it back; it is journalled as skipped, never written).

    The record to write, the idempotency key and the subject are made when first asked for: planning a
    million grades decides every operation without building a million records.
    """

    __slots__ = ("_key", "_params", "_record", "action", "before", "course", "desired", "force", "held", "item",
                 "person", "reason", "seq", "source", "stream", "target_key", "who")

    def __init__(self, seq: int, stream: str, action: str, source: Record, person: Person, course: str | None,
                 item: str | None, before: Record | None, reason: str, params: dict[str, Any] | None, who: str,
                 desired: str | None, target_key: str, force: bool = False, held: bool = False):
        self.seq, self.stream, self.action, self.source, self.person = seq, stream, action, source, person
        self.course, self.item, self.before, self.reason, self._params = course, item, before, reason, params
        self.who, self.desired, self.target_key, self.force, self.held = who, desired, target_key, force, held
        self._record: Record | None = None
        self._key: str | None = None

    @property
    def record(self) -> Record:
        """The record to write: the source's values for the target's person, course and item."""
        if self._record is None:
            source = self.source
            update: dict[str, Any] = {}
            if source.person is not self.person:
                update["person"] = self.person
            if source.course_id != self.course:
                update["course_id"] = self.course
            if getattr(source, "line_item_id", None) != self.item:
                update["line_item_id"] = self.item
            self._record = source.model_copy(update=update) if update else source
        return self._record

    @property
    def params(self) -> dict[str, Any]:
        """The reason's parameters (for grades: the values before and after, shown as people read them)."""
        if self.stream == "scores":
            return {"before": _show(self.before), "after": _show(self.source), **(self._params or {})}
        return self._params or {}

    @property
    def key(self) -> str:
        """The idempotency key (:func:`operation_key`)."""
        if self._key is None:
            desired = self.desired
            if desired is None:
                r = self.source
                desired = (f"{r.value!r}|{r.text}|{r.status}|{r.scale}|{r.max_score}" if isinstance(r, Score)
                           else f"{r.role}|{r.status}|{r.mode}")
            self._key = operation_key(self.target_key, self.stream, self.who, self.course, self.item,
                                      f"{self.action}|{desired}")
        return self._key

    @property
    def subject(self) -> str:
        """Who and what, for people: 学号 · name · item."""
        person = self.person
        return " · ".join(p for p in (person.student_number or person.username or person.email, person.name,
                                      self.item or self.course) if p)

    def change(self) -> Change:
        """The :class:`~adapters.base.Change` the target adapter receives."""
        return Change(key=self.key, stream=self.stream, action=self.action, record=self.record, force=self.force)


@dataclass
class Plan:
    """Everything a run will do and why, plus what the report needs."""

    kind: str
    stream: str
    target_key: str
    ops: list[PlannedOp] = field(default_factory=list)
    held: list[PlannedOp] = field(default_factory=list)
    unchanged: int = 0
    source_records: int = 0
    target_records: int = 0
    matching: Matching | None = None
    unmatched: list[Person] = field(default_factory=list)
    kept: list[Enrollment] = field(default_factory=list)
    histogram: dict[str, list[int]] = field(default_factory=dict)

    @property
    def review(self) -> list[ReviewCase]:
        """The people held for review."""
        return list(self.matching.review.values()) if self.matching else []

    def counts(self) -> dict[str, int]:
        """Counts for the report and the journal."""
        actions: dict[str, int] = {}
        for op in self.ops:
            actions[op.action] = actions.get(op.action, 0) + 1
        return {"source_records": self.source_records, "target_records": self.target_records,
                "people": len(self.matching.people) if self.matching else 0,
                "matched": len(self.matching.matched) if self.matching else 0,
                "new_people": len(self.matching.new) if self.matching else 0,
                "unmatched": len(self.unmatched), "review": len(self.review), "planned": len(self.ops),
                "held": len(self.held), "unchanged": self.unchanged, "kept": len(self.kept),
                **{f"planned_{action}": n for action, n in sorted(actions.items())}}


def satisfied(change: Change, current: Record | None) -> bool:
    """Whether the target's ``current`` record already is what ``change`` asks for (so it must not be written)."""
    record = change.record
    if change.action == "delete":
        return current is None or getattr(current, "status", None) == "inactive"
    if current is None:
        return False
    if isinstance(record, Score):
        return isinstance(current, Score) and _same_score(current, record)
    if isinstance(record, Enrollment):
        return isinstance(current, Enrollment) and (current.status, current.role) == (record.status, record.role)
    return current == record


def operation_key(target_key: str, stream: str, who: str, course: str | None, item: str | None, desired: str) -> str:
    """The idempotency key: the same change to the same target always has the same key (40 hex digits)."""
    material = "\x1f".join((target_key, stream, who, course or "", item or "", desired))
    return hashlib.blake2b(material.encode(), digest_size=20).hexdigest()


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _show(score: Score | None) -> str:
    if score is None:
        return "-"
    if score.status != "graded" and score.value is None:
        return score.text or score.status
    if score.value is None:
        return score.text or "-"
    value = f"{score.value:g}"
    return f"{value}/{score.max_score:g}" if score.scale == "points" and score.max_score else value


def _same_score(a: Score, b: Score) -> bool:
    """Equal as grades: same status, and the same fraction of full marks (or the same value and word)."""
    if a.status != b.status:
        return False
    fa, fb = a.fraction(), b.fraction()
    if fa is not None and fb is not None:
        return abs(fa - fb) < 1e-9
    return a.value == b.value and (a.text or None) == (b.text or None)


class _Planner:
    """One plan being built (state shared by the roster and the grades rules)."""

    def __init__(self, kind: str, options: PlanOptions):
        self.options = options
        self.plan = Plan(kind=kind, stream=KINDS[kind], target_key=options.target_key)
        self.index = TargetIndex(tuple(options.match))
        self.merged: dict[int, Person] = {}
        self.seq = -1

    def course(self, course_id: str | None) -> str | None:
        if self.options.target_course:
            return self.options.target_course
        return self.options.course_map.get(course_id, course_id) if course_id else course_id

    def item(self, item_id: str | None) -> str | None:
        return self.options.item_map.get(item_id, item_id) if item_id else item_id

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
            gaps = {name: getattr(source, name) for name in ("student_number", "name", "email", "phone")
                    if getattr(person, name) is None and getattr(source, name) is not None}
            person = person.model_copy(update=gaps) if gaps else person
            self.merged[position] = person
        return person

    def add(self, action: str, record: Record, person: Person, course: str | None, item: str | None,
            before: Record | None, reason: str, params: dict[str, Any] | None, who: str, desired: str | None = None,
            *, force: bool = False, held: bool = False) -> None:
        plan = self.plan
        self.seq += 1
        op = PlannedOp(self.seq, plan.stream, action, record, person, course, item, before, reason, params, who,
                       desired, plan.target_key, force, held)
        (plan.held if held else plan.ops).append(op)


def build_plan(kind: str, source: Iterable[Record], target: Iterable[Record], options: PlanOptions,
               target_people: Iterable[Person] = ()) -> Plan:
    """Match and diff ``source`` records against the ``target``'s current ones (same stream).

    ``target_people`` are users the target knows besides those in ``target`` (its user list).
    Raises ``ValueError`` for an unknown ``kind``; records of the wrong type are a ``TypeError``.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown sync kind {kind!r}")
    collecting = gc.isenabled()
    gc.disable()  # a plan allocates many long-lived objects: collection passes would only rescan them
    try:
        return _build(kind, source, target, options, target_people)
    finally:
        if collecting:
            gc.enable()


def _build(kind: str, source: Iterable[Record], target: Iterable[Record], options: PlanOptions,
           target_people: Iterable[Person]) -> Plan:
    planner = _Planner(kind, options)
    index, plan = planner.index, planner.plan
    for person in target_people:
        index.add(person)
    expected = Enrollment if kind == "roster" else Score
    current: dict[tuple[int, str | None, str | None], Any] = {}
    histogram: dict[str, list[int]] = {}
    add, grades = index.add, kind == "grades"
    count = 0
    seen: dict[int, int] = {}
    for record in target:
        if type(record) is not expected and not isinstance(record, expected):
            raise TypeError(f"the target gave a {type(record).__name__} where {expected.__name__} was expected")
        count += 1
        person = record.person
        position = seen.get(id(person))
        if position is None:
            position = seen[id(person)] = add(person)
        if grades:
            item = record.line_item_id
            current[(position, record.course_id, item)] = record
            counts = histogram.get(item or "")
            if counts is None:
                counts = histogram[item or ""] = [0] * len(BUCKETS)
            value = record.value
            if record.scale == "percent" and record.max_score is None and value is not None:
                counts[0 if value < 60 else 4 if value >= 90 else int(value // 10) - 5] += 1
            else:
                counts[bucket(record)] += 1
        else:
            current[(position, record.course_id, None)] = record
    plan.target_records, plan.histogram = count, histogram
    records = source if isinstance(source, list) else list(source)
    wrong = next((r for r in records if not isinstance(r, expected)), None) if expected is not Score or any(
        type(r) is not Score for r in records) else None
    if wrong is not None:
        raise TypeError(f"the source gave a {type(wrong).__name__} where {expected.__name__} was expected")
    plan.source_records = len(records)
    plan.matching = matching = Matching(targets=index.people)
    cells = _dedupe(planner, records, grades)
    resolve(matching, index)
    if grades:
        _plan_grades(planner, cells, current)
    else:
        _plan_roster(planner, cells, current)
    plan.unmatched = list(matching.new.values()) if grades and options.closed_target else []
    if matching.review:
        key_of, review = matching.key_of, matching.review
        for record in records:
            case = review.get(key_of[id(record.person)])
            if case is not None:
                case.records += 1
    return plan


def _dedupe(planner: _Planner, records: list, grades: bool) -> dict[tuple[str, str | None, str | None], Any]:
    """Source records by (person key, target course, target item); conflicting duplicates → review."""
    matching = planner.plan.matching
    key_of, review = matching.key_of, matching.review
    cells: dict[tuple[str, str | None, str | None], Any] = {}
    clashes: dict[tuple[str, str | None, str | None], int] = {}
    options = planner.options
    mapped = bool(options.target_course or options.course_map or options.item_map)
    course_of, item_of = planner.course, planner.item
    for record in records:
        who = key_of.get(id(record.person))
        if who is None:
            who = observe(matching, record.person)
        if mapped:
            cell = (who, course_of(record.course_id), item_of(record.line_item_id) if grades else None)
        else:
            cell = (who, record.course_id, record.line_item_id if grades else None)
        seen = cells.get(cell)
        if seen is None:
            cells[cell] = record
        elif seen is not record and not _equal_payload(seen, record):
            clashes[cell] = clashes.get(cell, 1) + 1
    for (who, course, item), count in clashes.items():
        if who in matching.people and who not in review:
            matching.hold(who, ReviewCase(matching.people[who], "source_duplicate_record",
                                          {"count": count, "key": who.split(":", 1)[1], "item": item or course}))
    return cells


def _equal_payload(a: Record, b: Record) -> bool:
    if isinstance(a, Score):
        return _same_score(a, b)
    return (a.role, a.status, a.mode) == (b.role, b.status, b.mode)


def _plan_grades(planner: _Planner, cells: dict, current: dict) -> None:
    options, plan = planner.options, planner.plan
    matching = plan.matching
    matched, new, review = matching.matched, matching.new, matching.review
    closed, force = options.closed_target, options.force
    add, target_person = planner.add, planner.target_person
    ops_append, stream, target_key = plan.ops.append, plan.stream, plan.target_key
    who_of: dict[str, str] = {}
    person_of: dict[str, Person] = {}
    unchanged = 0
    for cell, record in cells.items():
        who, course, item = cell
        if who in review:
            continue
        position = matched.get(who)
        if position is None:
            if closed or who not in new:
                continue
            before = None
        else:
            before = current.get((position, course, item))
            if before is not None:
                if (before.value == record.value and before.status == record.status and before.text == record.text
                        and before.scale == record.scale and before.max_score == record.max_score) \
                        or _same_score(before, record):
                    unchanged += 1
                    continue
        person = person_of.get(who)
        if person is None:
            person = person_of[who] = target_person(who, record.person)
            who_of[who] = person_key(person) or who
        target_who, desired = who_of[who], None
        if record.status == "pending":
            add("update" if before else "create", record, person, course, item, before, "source_not_final",
                {"status": record.status}, target_who, desired, held=True)
            continue
        if before is None:
            planner.seq += 1
            ops_append(PlannedOp(planner.seq, stream, "create", record, person, course, item, None, "new_grade", None,
                                 target_who, None, target_key))
            continue
        newer = (before.timestamp is not None and record.timestamp is not None
                 and _utc(before.timestamp) > _utc(record.timestamp))
        if before.overridden or newer:
            reason = "overridden" if before.overridden else "newer"
            if force:
                add("update", record, person, course, item, before, f"forced_{reason}", None, target_who, desired,
                    force=True)
            else:
                params = None if before.overridden else {"target_time": _utc(before.timestamp).isoformat(),
                                                         "source_time": _utc(record.timestamp).isoformat()}
                add("update", record, person, course, item, before, f"target_{reason}", params, target_who,
                    desired, held=True)
            continue
        planner.seq += 1
        ops_append(PlannedOp(planner.seq, stream, "update", record, person, course, item, before, "grade_changed",
                             None, target_who, None, target_key))
    plan.unchanged += unchanged


def _protected(index: TargetIndex, cases: Iterable[ReviewCase]) -> set[int]:
    """Target users a person under review could be: never unenrolled as "missing from the source"."""
    protected: set[int] = set()
    by_id = {id(person): position for position, person in enumerate(index.people)}
    for case in cases:
        protected.update(by_id[id(p)] for p in case.candidates if id(p) in by_id)
        primary, extra = identity_keys(case.person, index.optional)
        for found in index.lookup(primary + extra).values():
            protected.update(found)
    return protected


def _plan_roster(planner: _Planner, cells: dict, current: dict) -> None:
    options, plan = planner.options, planner.plan
    matching = plan.matching
    matched, review = matching.matched, matching.review
    wanted_cells: set[tuple[int, str | None]] = set()
    add = planner.add
    for (who, course, _item), record in cells.items():
        if who in review:
            continue
        position = matched.get(who)
        before = None if position is None else current.get((position, course, None))
        if position is not None:
            wanted_cells.add((position, course))
        person = planner.target_person(who, record.person)
        if person is None:
            continue
        target_who, desired = person_key(person) or who, None
        if record.status == "inactive":
            if before is None or before.status == "inactive":
                plan.unchanged += 1
            elif options.unenroll:
                add("delete", record, person, course, None, before, "unenroll_inactive", {}, target_who, desired)
            else:
                add("delete", record, person, course, None, before, "unenroll_not_asked", {}, target_who, desired,
                    held=True)
            continue
        if before is None:
            reason = "new_enrollment" if position is not None else "new_person"
            add("create", record, person, course, None, None, reason, {}, target_who, desired)
        elif before.status == "inactive":
            add("update", record, person, course, None, before, "reactivate", {}, target_who, desired)
        elif before.role != record.role:
            add("update", record, person, course, None, before, "role_changed",
                {"before": before.role, "after": record.role}, target_who, desired)
        elif record.mode and before.mode and before.mode != record.mode:
            add("update", record, person, course, None, before, "mode_changed",
                {"before": before.mode, "after": record.mode}, target_who, desired)
        else:
            plan.unchanged += 1
    courses = {course for (_who, course, _item) in cells}
    held_people = _protected(planner.index, review.values())
    for (position, course, _item), before in current.items():
        if (course not in courses or (position, course) in wanted_cells or before.status != "active"
                or before.role != "student" or position in held_people):
            continue
        if options.unenroll:
            target_who = person_key(before.person) or str(position)
            gone = before.model_copy(update={"status": "inactive"})
            add("delete", gone, before.person, course, None, before, "unenroll_missing", {}, target_who)
        else:
            plan.kept.append(before)
