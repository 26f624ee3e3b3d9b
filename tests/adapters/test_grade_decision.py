"""``decide_grade``: the one place that says what a grade means (docs/decisions/0024), as a table of cases."""

import pytest

from adapters.grading import GradeScales, decide_grade
from adapters.records import Person, Score

SCALES = GradeScales.default()
PERSON = Person(student_number="2025000001")


def score(**kw):
    return Score(person=PERSON, course_id="C1", **kw)


@pytest.mark.parametrize(("record", "scale", "value", "word", "basis", "remark"), [
    # the number decides, by the school's table; a word written beside it does not
    (score(value=88.8, max_score=100.0, text="优秀"), "five_level", None, "良好", "number", "平台成绩等级：优秀"),
    (score(value=88.8, max_score=100.0, text="优秀"), "percent", 88.8, None, "number", "平台成绩等级：优秀"),
    (score(value=92.25, text="优秀"), "five_level", None, "优秀", "number", None),
    (score(value=58, text="不合格"), "five_level", None, "不及格", "number", None),  # agrees on its own scale
    (score(value=58, text="不合格"), "two_level", None, "不合格", "number", None),
    (score(value=61, text="不合格"), "two_level", None, "合格", "number", "平台成绩等级：不合格"),
    (score(value=89.99), "five_level", None, "良好", "number", None),  # thresholds on the exact value
    (score(value=43, max_score=50, scale="points"), "percent", 86.0, None, "number", None),
    (score(value=43, max_score=50, scale="points"), "two_level", None, "合格", "number", None),
    (score(value=88.8, text="Pass"), "percent", 88.8, None, "number", None),  # Open edX letter: agrees (合格)
    # with no number, a word decides: kept on its own scale, through its value to another
    (score(text="良", scale="five_level"), "five_level", None, "良好", "word", None),
    (score(text="良好", scale="five_level"), "percent", 85.0, None, "word", None),
    (score(text="合格", scale="two_level"), "five_level", None, "中等", "word", None),
    # statuses first: 缺考/作弊 as 0 or the lowest word, 缓考/免修 with no grade, each with its 备注
    (score(text="缺考", status="absent"), "percent", 0.0, None, "status", "缺考"),
    (score(value=75, status="absent"), "five_level", None, "不及格", "status", "缺考"),
    (score(text="作弊", status="cheating"), "two_level", None, "不合格", "status", "作弊"),
    (score(text="缓考", status="deferred"), "percent", None, None, "status", "缓考"),
    (score(status="exempt"), "five_level", None, None, "status", "免修"),
    # nothing to record
    (score(value=80, status="pending"), "percent", None, None, "none", None),
    (score(value=10, scale="points"), "percent", None, None, "none", None),  # points without a maximum
    (score(text="九十分"), "percent", None, None, "none", None),
    (score(), "five_level", None, None, "none", None),
])
def test_decide_grade(record, scale, value, word, basis, remark):
    decision = decide_grade(record, scale, SCALES)
    assert (decision.value, decision.word, decision.basis, decision.remark) == (
        pytest.approx(value) if value is not None else None, word, basis, remark)


def test_the_schools_own_table_and_remark_decide():
    school = GradeScales.from_mapping({"five_level": [
        {"word": "优秀", "min": 85, "value": 92}, {"word": "良好", "min": 75, "value": 80},
        {"word": "中等", "min": 65, "value": 70}, {"word": "及格", "min": 60, "value": 62},
        {"word": "不及格", "min": 0, "value": 40}], "word_remark": "MOOC等级{word}"})
    decision = decide_grade(score(value=88.8, text="良好"), "five_level", school)
    assert (decision.word, decision.agrees, decision.remark) == ("优秀", False, "MOOC等级良好")
    assert decide_grade(score(text="良好", scale="five_level"), "percent", school).value == 80


def test_without_a_table_the_default_one_decides():
    assert decide_grade(score(value=88.8, text="优秀"), "five_level").word == "良好"


def test_the_missing_score_policy_is_part_of_the_table():
    assert SCALES.missing_score == "list"
    assert GradeScales.from_mapping({"missing_score": "absent"}).missing_score == "absent"
    from adapters.errors import DataError

    with pytest.raises(DataError):
        GradeScales.from_mapping({"missing_score": "zero"})
