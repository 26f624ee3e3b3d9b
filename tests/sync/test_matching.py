"""Identity matching fails closed: every ambiguity or conflict goes to review and is never planned."""

from adapters.records import Person
from sync.plan import PlanOptions, build_plan

from .memory import person, score


def plan(source, target=(), people=(), **options):
    return build_plan("grades", list(source), list(target), PlanOptions(**options), people)


def reasons(result):
    return {case.person.student_number or case.person.email: case.reason for case in result.review}


def planned_people(result):
    return {op.record.person.username or op.record.person.student_number for op in result.ops + result.held}


def test_student_number_matches_and_target_identity_is_written():
    target_user = Person(student_number="007", username="zhang3", email="z@x.edu")
    result = plan([score(person("007", "张三"), 80)], people=[target_user])
    assert [op.record.person.username for op in result.ops] == ["zhang3"]
    assert result.ops[0].record.person.name == "张三"  # gap filled from the source
    assert result.review == []


def test_two_target_users_with_the_same_student_number_go_to_review():
    people = [Person(student_number="1", username="a"), Person(student_number="1", username="b")]
    result = plan([score(person("1", "甲"), 90), score(person("2", "乙"), 70)],
                  people=[*people, Person(student_number="2", username="c")])
    assert reasons(result) == {"1": "ambiguous_target"}
    assert planned_people(result) == {"c"}
    assert {c.username for c in result.review[0].candidates} == {"a", "b"}


def test_student_number_and_email_pointing_at_different_users_is_a_conflict():
    people = [Person(student_number="1", username="a", email="a@x.edu"),
              Person(student_number="9", username="b", email="shared@x.edu")]
    source = [score(person("1", "甲", email="shared@x.edu"), 90)]
    assert reasons(plan(source, people=people, match=("email",))) == {"1": "conflicting_keys"}
    # without email matching configured the e-mail is not consulted at all
    assert planned_people(plan(source, people=people)) == {"a"}


def test_email_is_a_fallback_only_when_configured():
    people = [Person(username="a", email="a@x.edu")]
    source = [score(Person(student_number="5", email="A@X.edu"), 90)]
    assert planned_people(plan(source, people=people, closed_target=True)) == set()
    assert planned_people(plan(source, people=people, match=("email",), closed_target=True)) == {"a"}


def test_email_fallback_to_a_user_with_another_student_number_is_identity_drift():
    people = [Person(student_number="8", username="a", email="a@x.edu")]
    result = plan([score(Person(student_number="5", email="a@x.edu"), 90)], people=people, match=("email",))
    assert reasons(result) == {"5": "identity_mismatch"}
    assert result.ops == []


def test_phone_is_normalised_and_used_only_when_configured():
    people = [Person(username="a", phone="13800138000")]
    source = [score(Person(student_number="5", phone="+86 138-0013-8000"), 90)]
    assert planned_people(plan(source, people=people, match=("phone",), closed_target=True)) == {"a"}


def test_duplicate_people_in_the_source_go_to_review():
    source = [score(person("3", "王五"), 90, item="a"), score(person("3", "王六"), 80, item="b")]
    result = plan(source)
    assert reasons(result) == {"3": "source_duplicate"}
    assert result.ops == [] and result.review[0].records == 2


def test_two_different_grades_for_the_same_item_go_to_review():
    p = person("3", "王五")
    result = plan([score(p, 90), score(p, 80), score(person("4", "赵六"), 70)])
    assert reasons(result) == {"3": "source_duplicate_record"}
    assert planned_people(result) == {"4"}


def test_the_same_grade_twice_is_not_a_conflict():
    p = person("3", "王五")
    result = plan([score(p, 90), score(person("3", "王五"), 90)])
    assert result.review == [] and len(result.ops) == 1


def test_two_source_people_matching_one_target_user_both_go_to_review():
    people = [Person(username="a", email="a@x.edu")]
    source = [score(Person(student_number="1", email="a@x.edu"), 90),
              score(Person(student_number="2", email="a@x.edu"), 80)]
    result = plan(source, people=people, match=("email",))
    assert reasons(result) == {"1": "same_target", "2": "same_target"}
    assert result.ops == []


def test_a_person_without_any_key_is_never_written():
    result = plan([score(Person(name="无名"), 90)])
    assert [case.reason for case in result.review] == ["no_identifier"]
    assert result.ops == []


def test_full_width_student_numbers_match():
    people = [Person(student_number="20230001", username="a")]
    result = plan([score(person("２０２３０００１ ", "张三"), 90)], people=people)
    assert planned_people(result) == {"a"}
