"""What a plan is made of: options, planned operations with reasons, the plan itself, and grade comparisons.

Split from :mod:`sync.plan` (which builds plans and re-exports everything here): this module has no
planning rules, only the data a plan carries and the comparisons every rule and the runner share.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters.base import Change
from adapters.grading import decide_grade
from adapters.i18n import gettext_noop as N_
from adapters.records import Enrollment, Person, Record, Score

from .matching import Matching, ReviewCase

__all__ = ["BUCKETS", "KINDS", "REASONS", "TOTAL_ITEM", "Plan", "PlanOptions", "PlannedOp", "bucket", "histogram",
           "kept_courses", "map_course", "newly_kept", "operation_key", "same_score", "satisfied"]

KINDS = {"roster": "enrollments", "grades": "scores"}
"""Sync kinds and the stream each one writes."""

TOTAL_ITEM = "total"
"""The ``item_map`` key that names the course-level score (``line_item_id`` None), e.g. a MOOC's 总分."""

REASONS: dict[str, str] = {
    "new_enrollment": N_("not enrolled in the target"),
    "new_person": N_("no target account matched yet; the target receives the source's details"),
    "account_not_enrolled": N_("has a target account ({account}) but is not enrolled in the course (unenrolled "
                               "earlier?); enrolled again"),
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
    "target_computes_course_grade": N_("the target computes the course grade itself; map the source's total to "
                                       "a line item (--item-map total=ITEM) to send it"),
}
"""Why an operation is planned or held back: code → message template (translated in reports)."""

BUCKETS = ("<60", "60-69", "70-79", "80-89", "90-100", "other")
"""Grade bands of the distribution chart (百分制); words of 五级制 and 两级制 fall into their band."""


def bucket(score: Score | None) -> int | None:
    """The band index of ``score`` in :data:`BUCKETS` (``None`` for no score): its percentage as
    :func:`adapters.grading.decide_grade` decides it (a word through the table's value: 良好 → 85); a status or
    a grade without a value is "other"."""
    if score is None:
        return None
    decision = decide_grade(score, "percent")
    percent = decision.percent
    if percent is None or decision.basis not in ("number", "word"):
        return 5
    return 0 if percent < 60 else 4 if percent >= 90 else int(percent // 10) - 5


def histogram(scores: list[Score]) -> dict[str, list[int]]:
    """Counts per band of :data:`BUCKETS`, per line item (``""`` for the course grade)."""
    counts_of: dict[str, list[int]] = {}
    for record in scores:
        item = record.line_item_id or ""
        counts = counts_of.get(item)
        if counts is None:
            counts = counts_of[item] = [0] * len(BUCKETS)
        value = record.value
        if record.scale == "percent" and record.max_score is None and value is not None:
            counts[0 if value < 60 else 4 if value >= 90 else int(value // 10) - 5] += 1
        else:
            counts[bucket(record)] += 1
    return counts_of


@dataclass(frozen=True)
class PlanOptions:
    """How to plan. ``match``: optional identity keys (email, phone, username); ``closed_target``: the
    target lists all its users, so a grade for someone it does not know is not written (unmatched);
    ``course_map``/``item_map``: source id → target id (``item_map["total"]``: the course-level score);
    ``target_course`` maps every source course to one. Traits of the target (:func:`sync.plan.target_traits`):
    ``computed_course_grade`` (course-level scores are held: the target computes them) and
    ``course_grades_only`` (line-item scores are not for this target and are left out).
    ``source_complete``: the source was read in full; a delta read (only what changed since a bookmark) is
    not, so nobody is unenrolled for being absent from it — only records the source marks inactive are.
    ``as_stored``: the target's capability of that name — a source grade as the target would hold it (a 五级制
    draft holds 良好 for 88.8), compared with the target's grade before planning a change."""

    target_key: str = "target"
    unenroll: bool = False
    force: bool = False
    match: tuple[str, ...] = ()
    closed_target: bool = False
    target_course: str | None = None
    course_map: Mapping[str, str] = field(default_factory=dict)
    item_map: Mapping[str, str] = field(default_factory=dict)
    computed_course_grade: bool = False
    course_grades_only: bool = False
    source_complete: bool = True
    as_stored: Callable[[Any], Any] | None = field(default=None, compare=False)


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
        # one assignment per slot: measurably faster than tuple unpacking for half a million operations
        self.seq = seq
        self.stream = stream
        self.action = action
        self.source = source
        self.person = person
        self.course = course
        self.item = item
        self.before = before
        self.reason = reason
        self._params = params
        self.who = who
        self.desired = desired
        self.target_key = target_key
        self.force = force
        self.held = held
        self._record: Record | None = None
        self._key: str | None = None

    @property
    def record(self) -> Record:
        """The record to write: the source's values for the target's person, course and item."""
        if self._record is None:
            record = self.source  # the source's record (a score or an enrollment)
            update: dict[str, Any] = {}
            if record.person is not self.person:
                update["person"] = self.person
            if record.course_id != self.course:
                update["course_id"] = self.course
            if getattr(record, "line_item_id", None) != self.item:
                update["line_item_id"] = self.item
            self._record = record.model_copy(update=update) if update else record
        return self._record

    @property
    def params(self) -> dict[str, Any]:
        """The reason's parameters (for grades: the values before and after, shown as people read them; ``after``
        is what the target writes — ``written``, from its ``as_stored`` — with the source's value beside it when
        they differ: ``良好 (88.8)``)."""
        if self.stream == "scores":
            params = self._params or {}
            after = _show(self.source)
            written = params.get("written")
            return {"before": _show(self.before), **params,
                    "after": f"{written} ({after})" if written and written != after else after}
        return self._params or {}

    def note_written(self, stored: Record | None) -> None:
        """Remember how the target would hold this grade (``Adapter.as_stored``), to show it as ``after``."""
        if stored is not None:
            self._params = {**(self._params or {}), "written": _show(stored)}

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
    """Everything a run will do and why, plus what the report needs.

    ``histogram`` (the target's grade distribution per item, for the chart) is counted from
    ``target_scores`` when first asked for, not while planning.
    """

    kind: str
    stream: str
    target_key: str
    ops: list[PlannedOp] = field(default_factory=list)
    held: list[PlannedOp] = field(default_factory=list)
    unchanged: int = 0
    outside: int = 0
    unmapped: int = 0  # source records left out: their course has no --course-map entry, or maps elsewhere
    read_in_full_for: list[str] = field(default_factory=list)  # newly mapped courses a delta run read in full
    source_bookmark: str | None = None  # where the source's next delta read starts (ISO 8601), if it keeps one
    source_records: int = 0
    target_records: int = 0
    target_active: int = 0  # the target's active enrollments (roster): what an unenrolment share is of
    target_pending: int = 0  # the target's grades without a grade yet (pending): not existing records to change
    matching: Matching | None = None
    unmatched: list[Person] = field(default_factory=list)
    kept: list[Enrollment] = field(default_factory=list)
    target_scores: list[Score] = field(default_factory=list, repr=False)
    source_report: dict[str, Any] | None = None  # how the source was read, what it left out (capability read_report)
    failing: dict[int, dict[str, Any]] = field(default_factory=dict)  # seq → the error the target said it would give
    _histogram: dict[str, list[int]] | None = field(default=None, repr=False)

    @property
    def histogram(self) -> dict[str, list[int]]:
        """Per line item (``""``: course grade), the target's grades per band of :data:`BUCKETS` before the run."""
        if self._histogram is None:
            self._histogram = histogram(self.target_scores)
        return self._histogram

    @property
    def review(self) -> list[ReviewCase]:
        """The people held for review."""
        return list(self.matching.review.values()) if self.matching else []

    def counts(self) -> dict[str, int]:
        """Counts for the report and the journal."""
        actions: dict[str, int] = {}
        for op in self.ops:
            actions[op.action] = actions.get(op.action, 0) + 1
        outside = {"outside_target": self.outside} if self.outside else {}
        if self.unmapped:
            outside["unmapped_course"] = self.unmapped
        if self.read_in_full_for:
            outside["newly_mapped_read_in_full"] = len(self.read_in_full_for)
        return {"source_records": self.source_records, "target_records": self.target_records,
                "people": len(self.matching.people) if self.matching else 0,
                "matched": len(self.matching.matched) if self.matching else 0,
                "new_people": len(self.matching.new) if self.matching else 0,
                "unmatched": len(self.unmatched), "review": len(self.review), "planned": len(self.ops),
                "held": len(self.held), "unchanged": self.unchanged, "kept": len(self.kept), **outside,
                **{f"planned_{action}": n for action, n in sorted(actions.items())}}


def satisfied(change: Change, current: Record | None) -> bool:
    """Whether the target's ``current`` record already is what ``change`` asks for (so it must not be written)."""
    record = change.record
    if change.action == "delete":
        return current is None or getattr(current, "status", None) == "inactive"
    if current is None:
        return False
    if isinstance(record, Score):
        return isinstance(current, Score) and same_score(current, record)
    if isinstance(record, Enrollment):
        return isinstance(current, Enrollment) and (current.status, current.role) == (record.status, record.role)
    return current == record


def map_course(course_id: str | None, course_map: Mapping[str, str],
               target_course: str | None) -> tuple[str | None, bool]:
    """Where a source course goes: ``(target course, kept)``. The one course-mapping rule of the runner, the
    planner and the item map.

    A course map is the whole list of where each course goes, never a hint: with one, a course it does not
    name, or maps to another course than the one the target names, is left out (``kept`` False; the runner
    drops it before planning). Without a map every course is kept, and so is a record without a course. The
    target course is the one the target names (``target_course``), else the map's entry, else the course itself.
    """
    if course_id is None:
        return target_course, True
    if not course_map:
        return target_course or course_id, True
    mapped = course_map.get(course_id)
    kept = mapped is not None and target_course in (None, mapped)
    return target_course or mapped or course_id, kept


def kept_courses(course_map: Mapping[str, str], target_course: str | None,
                 source_course: str | None = None) -> frozenset[str] | None:
    """The source courses whose records a run keeps (:func:`map_course`; ``source_course`` scopes the read),
    or ``None`` for every course. What a delta bookmark covers: a course kept now but not by the run that set
    the bookmark was never read since, so the runner reads the source in full once (docs/decisions/0016)."""
    kept = None
    if course_map:
        kept = frozenset(c for c in course_map if map_course(c, course_map, target_course)[1])
    if source_course:
        kept = frozenset({source_course}) if kept is None else kept & {source_course}
    return kept


def newly_kept(now: frozenset[str] | None, before: frozenset[str] | None) -> bool:
    """Whether a run keeping the courses ``now`` keeps any that the run keeping ``before`` left out."""
    if before is None:
        return False
    return now is None or bool(now - before)


def operation_key(target_key: str, stream: str, who: str, course: str | None, item: str | None, desired: str) -> str:
    """The idempotency key: the same change to the same target always has the same key (40 hex digits)."""
    material = "\x1f".join((target_key, stream, who, course or "", item or "", desired))
    return hashlib.blake2b(material.encode(), digest_size=20).hexdigest()


def _show(score: Score | None) -> str:
    if score is None:
        return "-"
    if score.status != "graded" and score.value is None:
        return score.text or score.status
    if score.value is None:
        return score.text or "-"
    value = f"{score.value:g}"
    return f"{value}/{score.max_score:g}" if score.scale == "points" and score.max_score else value


def same_score(a: Score, b: Score) -> bool:
    """Equal as grades: same status, and the same fraction of full marks (or the same value and word)."""
    if a.status != b.status:
        return False
    fa, fb = a.fraction(), b.fraction()
    if fa is not None and fb is not None:
        return abs(fa - fb) < 1e-9
    return a.value == b.value and (a.text or None) == (b.text or None)


def check_types(records: list, expected: type, side: str) -> None:
    """``TypeError`` unless every record is an ``expected`` (one C-level pass when they all are exactly that)."""
    if set(map(type, records)) <= {expected}:
        return
    wrong = next((r for r in records if not isinstance(r, expected)), None)
    if wrong is not None:
        raise TypeError(f"the {side} gave a {type(wrong).__name__} where {expected.__name__} was expected")


def equal_payload(a: Record, b: Record) -> bool:
    """Two source records for the same cell say the same thing (so one is a harmless repeat)."""
    if isinstance(a, Score):
        return same_score(a, b)
    return (a.role, a.status, a.mode) == (b.role, b.status, b.mode)
