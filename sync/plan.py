"""The plan: the diff of the source against the target's current state, as operations with reasons.

:func:`build_plan` matches people (:mod:`sync.matching`), then compares record by record: the grade
rules are in :mod:`sync.plan_grades`, the roster rules in :mod:`sync.plan_roster`, the plan being built
in :mod:`sync.planner`, the data a plan carries in :mod:`sync.plan_model` (re-exported here).
Policies (docs/decisions/0012): nothing is unenrolled unless ``unenroll``; a grade that is newer in the
target or was set there by hand is held back unless ``force``; an equal value is no operation at all; a
person held for review is never in the plan. Operations carry a deterministic idempotency key
(:func:`operation_key`) and a reason code with parameters, translated in reports.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable

from adapters.base import Adapter, HeldBack
from adapters.records import Enrollment, Person, Record

from .matching import Matching
from .plan_grades import index_grades, plan_grades
from .plan_model import (
    BUCKETS,
    KINDS,
    REASONS,
    TOTAL_ITEM,
    Plan,
    PlannedOp,
    PlanOptions,
    bucket,
    check_types,
    operation_key,
    satisfied,
)
from .plan_roster import index_roster, plan_roster
from .planner import Planner

__all__ = ["BUCKETS", "KINDS", "REASONS", "TOTAL_ITEM", "Plan", "PlanOptions", "PlannedOp", "bucket", "build_plan",
           "operation_key", "satisfied", "target_traits"]


def target_traits(target: Adapter | type[Adapter]) -> dict[str, bool]:
    """The :class:`PlanOptions` fields a target adapter (or its class) declares as traits (:class:`adapters.base.
    Adapter`): ``computed_course_grade`` (it computes course grades: Open edX) and ``course_grades_only`` (it holds
    one grade per course: the 教务 draft). ``PlanOptions(..., **target_traits(adapter))``."""
    return {"computed_course_grade": bool(target.computed_course_grade),
            "course_grades_only": bool(target.course_grades_only)}


def build_plan(kind: str, source: Iterable[Record], target: Iterable[Record], options: PlanOptions,
               target_people: Iterable[Person] = (), held: Iterable[HeldBack] = ()) -> Plan:
    """Match and diff ``source`` records against the ``target``'s current ones (same stream).

    ``target_people`` are users the target knows besides those in ``target`` (its user list); ``held`` are
    source rows the source read but held back (their people go to review and are never unenrolled).
    Raises ``ValueError`` for an unknown ``kind``; records of the wrong type are a ``TypeError``.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown sync kind {kind!r}")
    collecting = gc.isenabled()
    gc.disable()  # a plan allocates many long-lived objects: collection passes would only rescan them
    try:
        return _build(kind, source, target, options, target_people, held)
    finally:
        if collecting:
            gc.enable()


def _build(kind: str, source: Iterable[Record], target: Iterable[Record], options: PlanOptions,
           target_people: Iterable[Person], held: Iterable[HeldBack]) -> Plan:
    planner = Planner(kind, options)
    index, plan = planner.index, planner.plan
    for person in target_people:
        index.add(person)
    current_records = target if isinstance(target, list) else list(target)
    plan.target_records = len(current_records)
    records = source if isinstance(source, list) else list(source)
    plan.source_records = len(records)
    plan.matching = Matching(targets=index.people)
    planner.hold_rows(held)
    if kind == "grades":
        plan.target_scores = current_records
        current, plan.target_pending = index_grades(index, current_records)  # checks the records' type
        plan_grades(planner, records, current)
        plan.unmatched = list(plan.matching.new.values()) if options.closed_target else []
    else:
        check_types(current_records, Enrollment, "target")
        plan.target_active = sum(1 for record in current_records if record.status == "active")
        plan_roster(planner, records, index_roster(index, current_records))
    matching = plan.matching  # a restart makes a new one
    if matching.review:
        key_of, review = matching.key_of, matching.review
        for record in records:
            case = review.get(key_of[id(record.person)])
            if case is not None:
                case.records += 1
    return plan
