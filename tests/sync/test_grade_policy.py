"""The grade policy (``sync.grade_policy.grade_step``) as a table: which change a source grade asks of the target's."""

from datetime import UTC, datetime

import pytest

from adapters.records import Person, Score
from sync.grade_policy import grade_step

P = Person(student_number="2025000001")
EARLY, LATE = datetime(2026, 1, 10, 9, tzinfo=UTC), datetime(2026, 1, 11, 9, tzinfo=UTC)


def s(value=None, **kw):
    return Score(person=P, course_id="C1", value=value, **kw)


def as_five_level(record):  # a 五级制 draft holds 良好 for 88.8
    return s(text="良好", scale="five_level") if record.value == 88.8 else record


@pytest.mark.parametrize(("before", "record", "options", "expected"), [
    # 1. unchanged → nothing planned
    (s(88), s(88), {}, None),
    (s(88, max_score=100.0), s(88), {}, None),  # the same fraction of full marks
    (s(43, max_score=50, scale="points"), s(86), {}, None),
    (s(text="缺考", status="absent"), s(text="缺考", status="absent"), {}, None),
    (s(text="良好", scale="five_level"), s(88.8), {"as_stored": as_five_level}, None),  # as the target holds it
    (s(88, overridden=True), s(88), {}, None),  # a hand-set grade equal to the source: nothing to hold
    # 2. a target computing its course grade receives no course-level grade
    (None, s(88), {"computes_course_grade": True}, ("create", "target_computes_course_grade", True, False)),
    (s(70), s(88), {"computes_course_grade": True}, ("update", "target_computes_course_grade", True, False)),
    (s(70), s(88), {"computes_course_grade": True, "course_level": False}, ("update", "grade_changed", False, False)),
    # 3. a source grade not final is held
    (None, s(88, status="pending"), {}, ("create", "source_not_final", True, False)),
    (s(70), s(88, status="pending"), {"force": True}, ("update", "source_not_final", True, False)),
    # 4. no grade in the target → create
    (None, s(88), {}, ("create", "new_grade", False, False)),
    (None, s(text="缺考", status="absent"), {}, ("create", "new_grade", False, False)),
    # 5. hand-set or newer in the target → held, or forced
    (s(60, overridden=True), s(58), {}, ("update", "target_overridden", True, False)),
    (s(60, overridden=True), s(58), {"force": True}, ("update", "forced_overridden", False, True)),
    (s(60, timestamp=LATE), s(58, timestamp=EARLY), {}, ("update", "target_newer", True, False)),
    (s(60, timestamp=LATE), s(58, timestamp=EARLY), {"force": True}, ("update", "forced_newer", False, True)),
    (s(60, timestamp=EARLY), s(58, timestamp=LATE), {}, ("update", "grade_changed", False, False)),
    (s(60, timestamp=LATE), s(58), {}, ("update", "grade_changed", False, False)),  # no source time: current
    # 6. otherwise → update
    (s(70), s(88), {}, ("update", "grade_changed", False, False)),
    (s(text="良好", scale="five_level"), s(88.8), {}, ("update", "grade_changed", False, False)),
])
def test_grade_step(before, record, options, expected):
    options = {"course_level": True, **options}
    step = grade_step(before, record, options.pop("course_level"), **options)
    assert (None if step is None else (step.action, step.reason, step.held, step.forced)) == expected


def test_a_newer_target_grade_says_both_times():
    step = grade_step(s(60, timestamp=LATE), s(58, timestamp=EARLY), True)
    assert step.params == {"target_time": LATE.isoformat(), "source_time": EARLY.isoformat()}


def test_the_plan_asks_the_policy(monkeypatch):
    """plan_grades decides nothing itself: with a policy that holds everything, everything is held."""
    from sync import plan_grades
    from sync.grade_policy import GradeStep
    from sync.plan import PlanOptions, build_plan

    monkeypatch.setattr(plan_grades, "grade_step", lambda *a: GradeStep("create", "source_not_final", held=True))
    plan = build_plan("grades", [s(88)], [], PlanOptions(closed_target=False))
    assert [op.reason for op in plan.held] == ["source_not_final"] and plan.ops == []
