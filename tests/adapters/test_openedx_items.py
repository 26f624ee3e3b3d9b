"""Grade items named as a registrar sees them: usage key, short id or display name (adapters.openedx.items)."""

import pytest

from adapters.errors import DataError
from adapters.openedx.items import resolve_items, short_id
from adapters.openedx.models import GradingSubsection

KEY = "block-v1:PKU+C101+2025_T1+type@sequential+block@{}"
COURSE = "course-v1:PKU+C101+2025_T1"


def sub(block: str, name: str | None, graded: bool = True) -> GradingSubsection:
    return GradingSubsection(module_id=KEY.format(block), display_name=name, graded=graded)


SUBS = [sub("hw1", "作业一"), sub("midterm", "期中测验"), sub("exam", "期末考试"),
        sub("intro", "课程介绍", graded=False)]


def test_a_full_key_a_short_id_and_a_display_name_resolve_to_the_usage_key():
    got = resolve_items([KEY.format("exam"), "midterm", "作业一", " 期末考试 ", "ｍｉｄｔｅｒｍ"], SUBS, COURSE)
    assert got == {KEY.format("exam"): KEY.format("exam"), "midterm": KEY.format("midterm"),
                   "作业一": KEY.format("hw1"), " 期末考试 ": KEY.format("exam"),
                   "ｍｉｄｔｅｒｍ": KEY.format("midterm")}
    assert short_id(KEY.format("exam")) == "exam" and short_id("exam") == "exam"


def test_an_unknown_name_is_refused_naming_the_graded_subsections():
    with pytest.raises(DataError) as info:
        resolve_items(["期中"], SUBS, COURSE)
    error = info.value
    assert error.code == "unknown_item" and error.where == {"course_id": COURSE, "item": "期中"}
    assert "作业一 (hw1), 期中测验 (midterm), 期末考试 (exam)" in error.message and "课程介绍" not in error.message


def test_an_ungraded_subsection_is_not_a_grade_item():
    with pytest.raises(DataError) as info:
        resolve_items(["课程介绍"], SUBS, COURSE)
    assert info.value.code == "unknown_item"
    with pytest.raises(DataError) as info:
        resolve_items([KEY.format("intro")], SUBS, COURSE)
    assert info.value.code == "unknown_item"


def test_two_subsections_of_one_name_are_refused_naming_both():
    twins = [*SUBS, sub("midterm2", "期中测验")]
    with pytest.raises(DataError) as info:
        resolve_items(["期中测验"], twins, COURSE)
    assert info.value.code == "ambiguous_item"
    assert "期中测验 (midterm), 期中测验 (midterm2)" in info.value.message
    assert resolve_items(["midterm2"], twins, COURSE) == {"midterm2": KEY.format("midterm2")}  # the way out


def test_a_name_that_is_one_subsections_id_and_anothers_title_is_ambiguous():
    with pytest.raises(DataError) as info:
        resolve_items(["exam"], [sub("exam", "期末考试"), sub("final", "exam")], COURSE)
    assert info.value.code == "ambiguous_item"


def test_a_course_without_graded_subsections_says_so():
    with pytest.raises(DataError) as info:
        resolve_items(["期末考试"], [sub("intro", "课程介绍", graded=False)], COURSE)
    assert info.value.code == "unknown_item" and "graded" in info.value.message
