"""Plan policies: no unenroll unless asked, newer or hand-set grades kept unless forced, equal → no op."""

from datetime import UTC, datetime, timedelta

import pytest

from adapters.openedx import OpenEdxAdapter
from adapters.records import Person
from adapters.spreadsheet import XlsxDraft, XlsxExport
from sync.plan import PlanOptions, build_plan, operation_key, target_traits

from .memory import MemoryTarget, enrol, person, score

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
A = Person(student_number="1", username="a", name="甲")
B = Person(student_number="2", username="b", name="乙")


def grades(source, target, **options):
    return build_plan("grades", source, target, PlanOptions(**options))


def roster(source, target, **options):
    return build_plan("roster", source, target, PlanOptions(**options))


def test_equal_grades_are_no_operation_and_changed_ones_are_updates():
    result = grades([score(person("1"), 80), score(person("2"), 75.0)], [score(A, 80.0), score(B, 70)])
    assert result.unchanged == 1
    assert [(op.action, op.reason, op.params) for op in result.ops] == [
        ("update", "grade_changed", {"before": "70", "after": "75"})]


def test_points_and_percent_compare_as_fractions():
    result = grades([score(person("1"), 8, scale="points", max_score=10)], [score(A, 80)])
    assert result.ops == [] and result.unchanged == 1


def test_a_newer_target_grade_is_kept_unless_forced():
    source = [score(person("1"), 60, timestamp=NOW - timedelta(days=1))]
    target = [score(A, 90, timestamp=NOW)]
    kept = grades(source, target)
    assert kept.ops == [] and [op.reason for op in kept.held] == ["target_newer"]
    forced = grades(source, target, force=True)
    assert [(op.reason, op.force) for op in forced.ops] == [("forced_newer", True)]
    assert forced.ops[0].change().force is True


def test_naive_and_aware_timestamps_compare():
    source = [score(person("1"), 60, timestamp=datetime(2025, 6, 2))]
    assert [op.reason for op in grades(source, [score(A, 90, timestamp=NOW)]).ops] == ["grade_changed"]


def test_a_hand_set_grade_is_kept_unless_forced():
    target = [score(A, 95, overridden=True)]
    assert [op.reason for op in grades([score(person("1"), 60)], target).held] == ["target_overridden"]
    assert [op.reason for op in grades([score(person("1"), 60)], target, force=True).ops] == ["forced_overridden"]


def test_a_pending_source_grade_is_not_written():
    result = grades([score(person("1"), 60, status="pending")], [])
    assert result.ops == [] and [op.reason for op in result.held] == ["source_not_final"]


def test_closed_target_lists_unknown_people_as_unmatched():
    source = [score(person("1"), 60), score(person("9", "新生"), 70)]
    closed = grades(source, [score(A, 50)], closed_target=True)
    assert [p.student_number for p in closed.unmatched] == ["9"]
    assert [op.record.person.student_number for op in closed.ops] == ["1"]
    open_target = grades(source, [score(A, 50)])
    assert sorted(op.action for op in open_target.ops) == ["create", "update"]


def test_course_and_item_maps_rename_what_is_written():
    result = grades([score(person("1"), 60, course="MOOC-1", item="总分")], [],
                    target_course="course-v1:X+Y+Z", item_map={"总分": "block-v1:X+Y+Z+type@sequential+block@final"})
    record = result.ops[0].record
    assert (record.course_id, record.line_item_id) == ("course-v1:X+Y+Z", "block-v1:X+Y+Z+type@sequential+block@final")


def test_keys_are_deterministic_and_follow_the_desired_value():
    first = grades([score(person("1"), 60)], [], target_key="t").ops[0].key
    again = grades([score(person("1"), 60)], [], target_key="t").ops[0].key
    other_value = grades([score(person("1"), 61)], [], target_key="t").ops[0].key
    other_target = grades([score(person("1"), 60)], [], target_key="u").ops[0].key
    assert first == again and len({first, other_value, other_target}) == 3
    assert operation_key("t", "scores", "sn:1", "C", "x", "1") != operation_key("t", "scores", "sn:1", "C", "x", "2")


def test_roster_never_unenrolls_unless_asked():
    target = [enrol(A), enrol(B)]
    source = [enrol(person("1"))]
    kept = roster(source, target)
    assert kept.ops == [] and [e.person.username for e in kept.kept] == ["b"]
    dropped = roster(source, target, unenroll=True)
    assert [(op.action, op.reason, op.record.person.username) for op in dropped.ops] == [
        ("delete", "unenroll_missing", "b")]


def test_roster_inactive_in_source_is_held_without_unenroll():
    source = [enrol(person("1"), status="inactive")]
    assert [op.reason for op in roster(source, [enrol(A)]).held] == ["unenroll_not_asked"]
    assert [op.reason for op in roster(source, [enrol(A)], unenroll=True).ops] == ["unenroll_inactive"]


def test_roster_creates_reactivates_and_changes_roles():
    target = [enrol(A, status="inactive"), enrol(B)]
    source = [enrol(person("1")), enrol(person("2"), role="ta"), enrol(person("3", "丙", email="c@x.edu"))]
    result = roster(source, target)
    assert [(op.action, op.reason) for op in result.ops] == [
        ("update", "reactivate"), ("update", "role_changed"), ("create", "new_person")]


def test_roster_does_not_unenroll_people_held_for_review():
    target = [enrol(A), enrol(B)]
    # two source rows for 学号 2 disagree on the name: person 2 is held, and must not look "missing"
    source = [enrol(person("1")), enrol(person("2", "乙")), enrol(person("2", "乙乙"), course="C2")]
    result = roster(source, target, unenroll=True)
    assert [case.reason for case in result.review] == ["source_duplicate"]
    assert result.ops == []


def test_roster_only_unenrolls_students_of_courses_in_the_source():
    teacher = Person(student_number="t", username="t")
    target = [enrol(A), enrol(teacher, role="teacher"), enrol(B, course="C2")]
    result = roster([enrol(person("1"))], target, unenroll=True)
    assert result.ops == []


def test_the_total_is_mapped_to_a_line_item_by_item_map_total():
    result = grades([score(person("1"), 90, item=None)], [], item_map={"total": "block-v1:X+MOOC"})
    assert [(op.action, op.item, op.record.line_item_id) for op in result.ops] == [
        ("create", "block-v1:X+MOOC", "block-v1:X+MOOC")]


def test_a_target_that_computes_its_course_grade_holds_course_level_scores():
    source = [score(person("1"), 90, item=None), score(person("1"), 27, item="quiz"),
              score(person("2"), 70, item=None)]
    target = [score(A, 80, item=None), score(B, 70, item=None)]
    result = grades(source, target, computed_course_grade=True)
    assert [(op.item, op.reason) for op in result.ops] == [("quiz", "new_grade")]
    assert [(op.person.student_number, op.reason, op.params["before"]) for op in result.held] == [
        ("1", "target_computes_course_grade", "80")]
    assert result.unchanged == 1  # an equal course grade is simply up to date
    mapped = grades(source[:1], target, computed_course_grade=True, item_map={"total": "mooc"})
    assert [(op.item, op.reason) for op in mapped.ops] == [("mooc", "new_grade")] and mapped.held == []


def test_a_course_grades_only_target_leaves_line_items_out():
    source = [score(person("1"), 67, item=None), score(person("1"), 18, item="quiz"), score(person("1"), 49,
                                                                                             item="exam")]
    result = grades(source, [], course_grades_only=True)
    assert [(op.item, op.record.value) for op in result.ops] == [(None, 67)]
    assert result.outside == 2 and result.counts()["outside_target"] == 2


def test_target_traits_come_from_the_adapter():
    assert target_traits(OpenEdxAdapter) == {"computed_course_grade": True, "course_grades_only": False}
    assert target_traits(XlsxDraft) == {"computed_course_grade": False, "course_grades_only": True}
    assert target_traits(XlsxExport) == {"computed_course_grade": False, "course_grades_only": False}
    assert target_traits(MemoryTarget) == {"computed_course_grade": False, "course_grades_only": False}


def test_a_person_with_two_different_grades_for_one_item_is_held_and_the_rest_planned():
    one_a, one_b = person("1"), person("1")
    source = [score(one_a, 60), score(person("2"), 75), score(one_b, 61), score(one_a, 60, item="hw2")]
    result = grades(source, [score(A, 50), score(B, 70)])
    assert [(case.reason, case.records) for case in result.review] == [("source_duplicate_record", 3)]
    assert [(op.person.student_number, op.reason, op.seq) for op in result.ops] == [("2", "grade_changed", 0)]


def test_the_same_grade_twice_is_one_operation_and_the_histogram_counts_the_target():
    source = [score(person("1"), 60), score(person("1"), 60.0), score(person("2"), 95)]
    result = grades(source, [score(A, 50), score(B, 95), score(B, 85, item=None)])
    assert [op.reason for op in result.ops] == ["grade_changed"] and result.unchanged == 1
    assert result.histogram == {"hw1": [1, 0, 0, 0, 1, 0], "": [0, 0, 0, 1, 0, 0]}


def test_records_of_the_wrong_type_are_refused():
    with pytest.raises(TypeError, match="target gave a Enrollment"):
        grades([score(person("1"), 60)], [enrol(A)])
    with pytest.raises(TypeError, match="source gave a Enrollment"):
        grades([enrol(person("1"))], [])
    with pytest.raises(TypeError, match="source gave a Score"):
        roster([score(person("1"), 60)], [])
