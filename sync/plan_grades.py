"""Plan grades in one pass over the source: match each source grade to the target's grade of the same person
and item, and ask the grade policy (:func:`sync.grade_policy.grade_step`, pure and table-tested) what to do:
nothing, create, update, or hold back with a reason.

A target holding course grades only (the 教务 draft) leaves line-item scores out (counted as ``outside``); a
target that computes its course grade (Open edX) has its course-level grades held by the policy.

Speed (docs/decisions/0012, benchmarks/sync_plan.py): people are matched first, then each source record
is looked up in its person's own cells (duplicates) and current grades (target), both keyed by
``(course, item)``, so one pass decides everything. Two source records of one person and item that
disagree send the person to review *before* matching (first reason wins); when the single pass meets
such a clash it starts again the careful way (dedupe, hold, match, diff), which gives the same plan.
"""

from __future__ import annotations

from typing import Any

from adapters.records import Score

from .grade_policy import grade_step
from .matching import TargetIndex, admit, person_key, resolve
from .plan_model import PlannedOp, check_types, same_score
from .planner import Planner, observe_all

__all__ = ["index_grades", "plan_grades"]

Current = dict[int, dict[tuple[Any, Any], Score]]
_NONE: dict = {}


def index_grades(index: TargetIndex, records: list[Score]) -> tuple[Current, int]:
    """The target's grades per target user: ``{position: {(course, item): score}}``; users are added to ``index``.
    Also how many are ``pending`` (no grade yet: what the hold check does not count as existing, ADR 0022)."""
    by_position: Current = {}
    pending = 0
    add = index.add
    seen: dict[int, dict] = {}
    last, cells = None, _NONE
    check_types(records, Score, "target")
    for record in records:
        person = record.person
        if person is not last:  # one learner's grades usually come together
            last = person
            cells = seen.get(id(person))
            if cells is None:
                position = add(person)
                cells = by_position.get(position)
                if cells is None:
                    cells = by_position[position] = {}
                seen[id(person)] = cells
        cells[(record.course_id, record.line_item_id)] = record
        if record.status == "pending":
            pending += 1
    return by_position, pending


def plan_grades(planner: Planner, records: list[Score], current: Current) -> None:
    """Plan ``records`` against ``current`` (see the module docstring)."""
    check_types(records, Score, "source")
    if _diff(planner, records, current, admitting=True):
        return
    planner.restart()  # the single pass cannot give the careful way's answer: plan again that way
    matching = planner.plan.matching
    observe_all(matching, records)
    cells = planner.dedupe(records)
    resolve(matching, planner.index)
    _diff(planner, list(cells.values()), current, admitting=False)


def _diff(planner: Planner, records: list[Score], current: Current, *, admitting: bool) -> bool:
    """One pass over the source. ``admitting``: people are matched as they come (:func:`sync.matching.admit`);
    returns False (with a partial plan, to be restarted) when that cannot give the careful way's answer: two
    source records of one person and item disagree, two records of one key disagree on who it is, or two
    keys match one target user. Not ``admitting``: matching is done and ``records`` are deduplicated."""
    options, plan = planner.options, planner.plan
    matching, index = plan.matching, planner.index
    key_of, matched, new, review, people = (matching.key_of, matching.matched, matching.new, matching.review,
                                            matching.people)
    closed, force, mapped = options.closed_target, options.force, planner.mapped
    computed, only_courses, as_stored = options.computed_course_grade, options.course_grades_only, options.as_stored
    course_of, item_of, target_person = planner.course, planner.item, planner.target_person
    ops_append, held_append, stream, target_key = plan.ops.append, plan.held.append, plan.stream, plan.target_key
    op_type, seq, policy = PlannedOp, planner.seq, grade_step
    by_key: dict[str, list] = {}
    owners: dict[int, str] = {}
    unchanged = outside = 0
    last: Any = None
    context: list = []
    who = target_who = ""
    seen_cells: dict = {}
    current_cells: dict = _NONE
    writable = False
    target: Any = None
    for record in records:
        person = record.person
        if person is not last:  # one learner's grades usually come together: look them up once
            last = person
            key = key_of.get(id(person))
            if key is None:  # admitting: a person object not seen yet
                key = admit(matching, index, person)
                if key is None:
                    return False
            context = by_key.get(key)
            if context is None:
                position = matched.get(key)
                if position is not None and owners.setdefault(position, key) != key:
                    return False  # two keys, one target user: resolve() holds both for review
                able = key not in review and (position is not None or (not closed and key in new))
                cells = _NONE if position is None else current.get(position, _NONE)
                context = by_key[key] = [key, {}, cells, able, None, ""]
            who, seen_cells, current_cells, writable, target, target_who = context
        if mapped:
            course, item = course_of(record.course_id), item_of(record.line_item_id)
        else:
            course, item = record.course_id, record.line_item_id
        if only_courses and item is not None:
            outside += 1
            continue
        cell = (course, item)
        if cell in seen_cells:  # the same person and item again: a harmless repeat, or a clash
            seen = seen_cells[cell]
            if admitting and seen is not record and who in people and not same_score(seen, record):
                return False  # the careful way holds this person for review before matching
            continue
        seen_cells[cell] = record
        if not writable:
            continue
        before = current_cells.get(cell)
        step = policy(before, record, item is None, force, computed, as_stored)
        if step is None:
            unchanged += 1
            continue
        if target is None:
            target = context[4] = target_person(who, person)
            target_who = context[5] = person_key(target) or who
        seq += 1
        action, reason, held, forced, params = step
        (held_append if held else ops_append)(op_type(seq, stream, action, record, target, course, item, before,
                                                      reason, params, target_who, None, target_key, forced, held))
    planner.seq = seq
    plan.unchanged += unchanged
    plan.outside += outside
    if admitting and any(key.startswith("anon:") for key in review):
        # the careful way lists the people without any key (seen before matching) first: keep that order
        ordered = sorted(review.items(), key=lambda entry: not entry[0].startswith("anon:"))
        review.clear()
        review.update(ordered)
    return True
