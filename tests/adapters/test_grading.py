"""Grade scales: default table, parsing cells, conversions, configuration, and properties that must always hold."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.errors import DataError
from adapters.grading import DEFAULT_SCALES, WORD_SCALES, GradeScales
from adapters.records import Person, Score

SCALES = GradeScales.default()
PERSON = Person(student_number="20230001")


def score(**kw):
    return Score(person=PERSON, course_id="C1", **kw)


@pytest.mark.parametrize(("percent", "five", "two"), [
    (100, "优秀", "合格"), (90, "优秀", "合格"), (89.99, "良好", "合格"), (80, "良好", "合格"), (79.5, "中等", "合格"),
    (70, "中等", "合格"), (60, "及格", "合格"), (59.99, "不及格", "不合格"), (0, "不及格", "不合格"),
])
def test_default_thresholds(percent, five, two):
    assert SCALES.word_for(percent, "five_level") == five
    assert SCALES.word_for(percent, "two_level") == two


@pytest.mark.parametrize(("cell", "value", "text", "scale", "status"), [
    (86, 86.0, None, "percent", "graded"),
    (86.5, 86.5, None, "percent", "graded"),
    ("86.5分", 86.5, None, "percent", "graded"),
    ("８６", 86.0, None, "percent", "graded"),
    (" 92 ", 92.0, None, "percent", "graded"),
    ("优", None, "优秀", "five_level", "graded"),
    ("良好", None, "良好", "five_level", "graded"),
    ("通过", None, "合格", "two_level", "graded"),
    ("未通过", None, "不合格", "two_level", "graded"),
    ("缺考", None, "缺考", "percent", "absent"),
    ("旷考", None, "旷考", "percent", "absent"),
    ("缓考", None, "缓考", "percent", "deferred"),
    ("作弊", None, "作弊", "percent", "cheating"),
    ("免修", None, "免修", "percent", "exempt"),
])
def test_parse_cells(cell, value, text, scale, status):
    grade = SCALES.parse(cell)
    assert (grade.value, grade.text, grade.scale, grade.status) == (value, text, scale, status)


def test_parse_out_of_a_maximum_gives_percent():
    assert SCALES.parse(45, max_score=50).value == 90.0
    points = SCALES.parse(45, max_score=50, scale="points")
    assert (points.value, points.scale) == (45.0, "points")


@pytest.mark.parametrize("cell", [None, "", "  ", "-", "—"])
def test_empty_cells_are_none(cell):
    assert SCALES.parse(cell) is None


@pytest.mark.parametrize(("cell", "code"), [
    ("abc", "score_not_a_number"), ("优秀学员", "score_not_a_number"), (True, "score_not_a_number"),
    (101, "score_out_of_range"), (-1, "score_out_of_range"), (float("nan"), "score_out_of_range"),
    ("1.2E+01", "scientific_notation"),
])
def test_bad_cells(cell, code):
    with pytest.raises(DataError) as info:
        SCALES.parse(cell)
    assert info.value.code == code
    assert info.value.message


def test_convert_between_scales():
    assert SCALES.convert(score(value=91.0), "five_level") == (None, "优秀")
    assert SCALES.convert(score(value=59.0), "two_level") == (None, "不合格")
    assert SCALES.convert(score(value=43.0, max_score=50.0, scale="points"), "percent") == (86.0, None)
    assert SCALES.convert(score(text="良", scale="five_level"), "five_level") == (None, "良好")
    assert SCALES.convert(score(text="良好", scale="five_level"), "percent") == (85.0, None)
    assert SCALES.convert(score(text="合格", scale="two_level"), "five_level") == (None, "中等")
    with pytest.raises(ValueError):
        SCALES.convert(score(value=10.0, scale="points"), "percent")
    assert SCALES.convert(score(text="缺考", status="absent"), "percent") == (0.0, None)  # recorded as 0 with 备注
    with pytest.raises(ValueError):
        SCALES.convert(score(text="缓考", status="deferred"), "percent")  # recorded with no grade


def test_scale_names():
    assert SCALES.scale_name("five_level") == "五级制"
    assert SCALES.scale_from_name("百分制") == "percent"
    assert SCALES.scale_from_name("two_level") == "two_level"
    assert SCALES.scale_from_name("二级制") == "two_level"
    assert SCALES.scale_from_name("十级制") is None


def test_a_school_sets_its_own_table(tmp_path):
    path = tmp_path / "scales.json"
    path.write_text(json.dumps({
        "two_level": [{"word": "合格", "min": 50, "value": 70, "aliases": ["P"]},
                      {"word": "不合格", "min": 0, "value": 0, "aliases": ["F"]}],
    }), encoding="utf-8")
    custom = GradeScales.load(path)
    assert custom.word_for(55, "two_level") == "合格"
    assert custom.value_for("p") == 70
    assert custom.value_for("不合格") == 0
    assert custom.word_for(55, "five_level") == "不及格"  # the default five-level table still applies


@pytest.mark.parametrize("bad", [
    {"two_level": [{"word": "合格", "min": 60, "value": 50}, {"word": "不合格", "min": 0, "value": 0}]},
    {"two_level": [{"word": "合格", "min": 60, "value": 70}]},
    {"two_level": [{"word": "优秀", "min": 60, "value": 70}, {"word": "不合格", "min": 0, "value": 0}]},
    {"statuses": {"优秀": "absent"}},
    {"statuses": {"缺考": "on_holiday"}},
])
def test_invalid_tables_are_refused(bad):
    with pytest.raises(DataError) as info:
        GradeScales.from_mapping(bad)
    assert info.value.code == "bad_grade_scales"


def test_unreadable_table_file(tmp_path):
    path = tmp_path / "scales.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(DataError) as info:
        GradeScales.load(path)
    assert info.value.code == "bad_grade_scales"


# -- properties ------------------------------------------------------------------------------------------------

percents = st.floats(min_value=0, max_value=100, allow_nan=False)


@st.composite
def tables(draw):
    """A random valid word scale of 2..6 bands."""
    count = draw(st.integers(min_value=2, max_value=6))
    inner = sorted(draw(st.lists(st.integers(min_value=1, max_value=99), min_size=count - 1, max_size=count - 1,
                                 unique=True)))
    mins = [0, *inner]
    bands = []
    for index, low in enumerate(mins):
        high = mins[index + 1] if index + 1 < len(mins) else 100
        value = draw(st.floats(min_value=low, max_value=high if high == 100 else high - 0.001, allow_nan=False))
        bands.append({"word": f"W{index}", "min": low, "value": value})
    return GradeScales.from_mapping({"five_level": bands[::-1]})


@given(percents, percents, st.sampled_from(WORD_SCALES))
def test_a_higher_percentage_never_earns_a_worse_word(a, b, scale):
    low, high = sorted((a, b))
    assert SCALES.rank(SCALES.word_for(high, scale), scale) <= SCALES.rank(SCALES.word_for(low, scale), scale)


@given(st.sampled_from([b["word"] for s in WORD_SCALES for b in DEFAULT_SCALES[s]]))
def test_word_to_percent_to_word_round_trips(word):
    scale = next(s for s in WORD_SCALES if any(b["word"] == word for b in DEFAULT_SCALES[s]))
    assert SCALES.word_for(SCALES.value_for(word), scale) == word


@given(tables(), percents, percents)
def test_any_valid_table_is_monotonic_and_round_trips(table, a, b):
    low, high = sorted((a, b))
    assert table.rank(table.word_for(high, "five_level"), "five_level") <= table.rank(
        table.word_for(low, "five_level"), "five_level")
    values = [table.value_for(band.word) for band in table.bands("five_level")]
    assert values == sorted(values, reverse=True)
    for band in table.bands("five_level"):
        assert table.word_for(band.value, "five_level") == band.word


@given(percents)
def test_percent_to_word_to_percent_stays_in_the_band(p):
    for scale in WORD_SCALES:
        word = SCALES.word_for(p, scale)
        assert SCALES.word_for(SCALES.value_for(word), scale) == word
