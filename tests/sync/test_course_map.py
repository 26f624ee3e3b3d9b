"""Issue #12, item 7: a course map is the whole list of where each source course goes, also when the target
names a course; unmapped courses are left out (and counted), never planned into courses of the same name."""

from __future__ import annotations

import pytest

from adapters.records import Person
from sync.runner import SyncOptions, SyncRefused, run_sync

from .memory import MemorySource, MemoryTarget, enrol, person, score

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = [Person(student_number=f"{n:03d}", username=f"u{n}") for n in range(20)]


def source() -> MemorySource:
    """Class c1 has 3 students, c2 has 12, c3 has 5."""
    sizes = {"c1": range(0, 3), "c2": range(3, 15), "c3": range(15, 20)}
    return MemorySource([enrol(person(PEOPLE[n].student_number), course=c) for c, ns in sizes.items() for n in ns])


def enrolled(target: MemoryTarget) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for (who, course, _item), record in target.state.items():
        if record.status == "active":
            found.setdefault(course, set()).add(who)
    return found


def test_the_map_is_honoured_when_the_target_names_a_course():
    target = MemoryTarget(people=PEOPLE)
    options = SyncOptions(target_course="X", course_map={"c1": "X", "c2": "Y"})
    run = run_sync("roster", source(), target, options)
    assert enrolled(target) == {"X": {"u0", "u1", "u2"}}, "only c1's 3 go into X, not all 20"
    assert run.report_data["counts"]["unmapped_course"] == 17


def test_unmapped_courses_are_left_out_instead_of_planned_under_their_own_name():
    target = MemoryTarget(people=PEOPLE)
    run = run_sync("roster", source(), target, SyncOptions(course_map={"c1": "X", "c2": "Y"}, unenroll=True))
    assert enrolled(target) == {"X": {"u0", "u1", "u2"}, "Y": {f"u{n}" for n in range(3, 15)}}
    assert run.report_data["counts"]["unmapped_course"] == 5


def test_without_a_map_one_source_course_goes_to_the_target_course_and_several_are_refused():
    target = MemoryTarget(people=PEOPLE)
    one = MemorySource([r for r in source().records if r.course_id == "c1"])
    run_sync("roster", one, target, SyncOptions(target_course="X"))
    assert enrolled(target) == {"X": {"u0", "u1", "u2"}}
    with pytest.raises(SyncRefused) as info:
        run_sync("roster", source(), target, SyncOptions(target_course="X"))
    assert info.value.code == "many_courses"


def test_one_mapping_rule_for_the_runner_the_planner_and_the_item_map():
    """``map_course`` is the rule; the planner and the item map send a kept course where it says."""
    from sync.item_map import _wanted
    from sync.plan_model import PlanOptions, map_course
    from sync.planner import Planner

    cases = [  # (course, map, target course) → (target, kept)
        ("c1", {}, None, ("c1", True)), ("c1", {}, "T", ("T", True)), (None, {}, "T", ("T", True)),
        ("c1", {"c1": "X"}, None, ("X", True)), ("c2", {"c1": "X"}, None, ("c2", False)),
        ("c1", {"c1": "X"}, "X", ("X", True)), ("c1", {"c1": "X"}, "Y", ("Y", False)),
        ("c2", {"c1": "X"}, "X", ("X", False)), (None, {"c1": "X"}, None, (None, True)),
    ]
    for course, course_map, target, expected in cases:
        assert map_course(course, course_map, target) == expected, (course, course_map, target)
        if expected[1]:
            planner = Planner("grades", PlanOptions(course_map=course_map, target_course=target))
            assert planner.course(course) == expected[0]
            record = score(person("001"), 90, item="hw", course=course) if course else None
            if record is not None:
                assert list(_wanted([record], {"hw": "hw"}, target, course_map)) == [expected[0]]


def test_no_other_module_of_sync_reads_the_course_map_itself():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "sync"
    found = [f"{path.name}:{n}" for path in sorted(root.glob("*.py")) if path.name != "plan_model.py"
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if "course_map.get(" in line or "in course_map" in line or "course_map[" in line]
    assert found == [], "use sync.plan_model.map_course"
