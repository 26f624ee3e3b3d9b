"""The roster rules of a plan: enrol, reactivate, change role or mode, and unenroll only when asked.

Called by :func:`sync.plan.build_plan`; see docs/decisions/0012 for the policies. A person under review
(and any target user they could be) is never unenrolled as "missing from the source"; teachers and staff
never are; only courses present in the source are considered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from adapters.base import Adapter
from adapters.errors import AdapterError
from adapters.records import Enrollment

from .matching import ReviewCase, TargetIndex, identity_keys, person_key, resolve
from .plan_model import Plan, PlannedOp, check_types, satisfied
from .planner import Planner, observe_all

__all__ = ["index_roster", "look_up_new_people", "plan_roster"]

Current = dict[tuple[int, "str | None", None], Enrollment]


def index_roster(index: TargetIndex, records: list[Enrollment]) -> Current:
    """The target's enrollments by (target user, course); their users are added to ``index``."""
    current: Current = {}
    add = index.add
    seen: dict[int, int] = {}
    for record in records:
        person = record.person
        position = seen.get(id(person))
        if position is None:
            position = seen[id(person)] = add(person)
        current[(position, record.course_id, None)] = record
    return current


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


def plan_roster(planner: Planner, records: list[Enrollment], current: Current) -> None:
    """Plan the enrollments of ``records`` against ``current`` (see the module docstring)."""
    options, plan = planner.options, planner.plan
    matching = plan.matching
    check_types(records, Enrollment, "source")
    observe_all(matching, records)
    cells = planner.dedupe(records)
    resolve(matching, planner.index)
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
        if options.unenroll and options.source_complete:  # absence means nothing after a delta read
            target_who = person_key(before.person) or str(position)
            gone = before.model_copy(update={"status": "inactive"})
            add("delete", gone, before.person, course, None, before, "unenroll_missing", {}, target_who)
        else:
            plan.kept.append(before)


def look_up_new_people(target: Adapter, plan: Plan, known: Callable[[list[PlannedOp]], set[str]]) -> None:
    """Ask the target about each person the plan enrols with no account matched (``new_person``) whom the journal
    knows (``known``: the keys of those ops whose person an earlier run journalled), as a resume would
    (capability ``current``): one it already has as asked — an Open edX e-mail already allowed to enrol on
    registration (openedx-platform's ``EnrollmentAllowedView`` lists those per e-mail only, never per course, so
    the target's read cannot show them) — is up to date, not planned again; one with an account that is not
    enrolled (unenrolled earlier) is planned as ``account_not_enrolled``, naming the account. A lookup that fails
    leaves the operation as it was (the write checks again).

    Journal first (docs/decisions/0032): nobody is asked about a person no earlier run journalled — a first run
    of 3,000 newcomers would pay 3,000 throttled look-ups for nothing. Their write is planned as is; a target that
    has the change already answers so (Open edX: 409 on the POST, reported ``unchanged``)."""
    if "current" not in target.capabilities:
        return
    new = [op for op in plan.ops if op.reason == "new_person" and op.action == "create"]
    asked = known(new) if new else set()
    if not asked:
        return
    kept = []
    for op in plan.ops:
        if op.key not in asked or op.reason != "new_person" or op.action != "create":
            kept.append(op)
            continue
        change = op.change()
        try:
            now = target.current(change)
        except AdapterError:
            now = None
        if satisfied(change, now):
            plan.unchanged += 1
            continue
        if now is not None and now.person.username:
            op.reason, op._params = "account_not_enrolled", {"account": now.person.username}
        kept.append(op)
    plan.ops[:] = kept
