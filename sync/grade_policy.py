"""The grade policy: which change, if any, a source grade asks of the target's grade. Pure and table-tested.

    step = grade_step(before, record, course_level, force, computes_course_grade, as_stored)
    # None: nothing to do; else a GradeStep: action, reason code, held back or not, forced or not

The rules, in order (docs/decisions/0012, 0024):

1. The same grade (same status and the same fraction of full marks, or the same value and word; or the same
   once expressed as the target stores it: 良好 in a 五级制 draft for 88.8) → nothing.
2. A target that computes its course grade (Open edX) receives no course-level grade → held
   (``target_computes_course_grade``).
3. A source grade that is not final (``pending``) → held (``source_not_final``).
4. No grade in the target → create (``new_grade``).
5. A target grade set by hand, or newer than the source grade → held (``target_overridden``, ``target_newer``),
   or with ``force`` updated (``forced_overridden``, ``forced_newer``).
6. Otherwise → update (``grade_changed``).

:mod:`sync.plan_grades` does the matching and the bookkeeping of one pass over the source and asks this
module for every decision. Nothing here reads or writes anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from adapters.records import Score, as_utc

from .plan_model import same_score

__all__ = ["GradeStep", "grade_step", "unchanged"]


class GradeStep(NamedTuple):
    """One decision: ``action`` (create/update), the ``reason`` code (:data:`sync.plan_model.REASONS`) and its
    ``params``, whether a policy ``held`` it back (journalled as skipped, never written), and whether it is
    ``forced`` over a newer or hand-set grade."""

    action: str
    reason: str
    held: bool = False
    forced: bool = False
    params: dict[str, Any] | None = None


NEW = GradeStep("create", "new_grade")
CHANGED = GradeStep("update", "grade_changed")
FORCED_OVERRIDDEN = GradeStep("update", "forced_overridden", forced=True)
HELD_OVERRIDDEN = GradeStep("update", "target_overridden", held=True)
_COMPUTED = {False: GradeStep("update", "target_computes_course_grade", held=True),
             True: GradeStep("create", "target_computes_course_grade", held=True)}
_PENDING = {False: GradeStep("update", "source_not_final", held=True, params={"status": "pending"}),
            True: GradeStep("create", "source_not_final", held=True, params={"status": "pending"})}


def unchanged(before: Score, record: Score, as_stored: Callable[[Any], Any] | None = None) -> bool:
    """Whether the target's grade ``before`` already is the source's ``record`` (rule 1)."""
    if before.status == record.status:
        value, was = record.value, before.value
        if was == value and before.text == record.text and before.scale == record.scale \
                and before.max_score == record.max_score:
            return True
        if record.scale == "percent" and before.scale == "percent" and record.max_score is None \
                and before.max_score is None and value is not None and was is not None:
            if abs(was / 100.0 - value / 100.0) < 1e-9:  # same_score() for the usual 百分制 case
                return True
        elif same_score(before, record):
            return True
    if as_stored is not None:  # compare as the target holds it (良好, 0 with 缺考)
        stored = as_stored(record)
        if stored is not None and stored.status == before.status and same_score(before, stored):
            return True
    return False


def grade_step(before: Score | None, record: Score, course_level: bool, force: bool = False,
               computes_course_grade: bool = False,
               as_stored: Callable[[Any], Any] | None = None) -> GradeStep | None:
    """The change ``record`` (a source grade) asks of ``before`` (the target's grade of the same person and item,
    or ``None``); ``None`` when nothing is to be done. ``course_level``: the grade is the course's, not a line
    item's. See the module docstring for the rules."""
    created = before is None
    if not created:
        # rule 1, the common case inline (planning a million grades calls this a million times): same value
        if before.status == record.status and before.value == record.value and before.text == record.text \
                and before.scale == record.scale and before.max_score == record.max_score:
            return None
        if unchanged(before, record, as_stored):
            return None
    if computes_course_grade and course_level:
        return _COMPUTED[created]
    if record.status == "pending":
        return _PENDING[created]
    if created:
        return NEW
    if before.overridden:
        return FORCED_OVERRIDDEN if force else HELD_OVERRIDDEN
    was_at, now_at = before.timestamp, record.timestamp
    if was_at is not None and now_at is not None and as_utc(was_at) > as_utc(now_at):
        if force:
            return GradeStep("update", "forced_newer", forced=True)
        return GradeStep("update", "target_newer", held=True, params={
            "target_time": as_utc(was_at).isoformat(), "source_time": as_utc(now_at).isoformat()})
    return CHANGED
