"""Server-side validation of SCORM commits, and the time arithmetic for total_time."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scorm import cmi


@pytest.mark.parametrize(
    ("version", "data"),
    [
        (
            "1.2",
            {
                "cmi.core.lesson_status": "passed",
                "cmi.core.score.raw": "85",
                "cmi.core.score.max": "100",
                "cmi.core.score.min": "0",
                "cmi.core.session_time": "0000:12:30.5",
                "cmi.core.exit": "suspend",
                "cmi.suspend_data": "x" * 4096,
                "cmi.core.lesson_location": "page-3",
                "cmi.interactions.0.id": "q1",
                "cmi.interactions.0.type": "choice",
                "cmi.interactions.0.result": "wrong",
                "cmi.interactions.0.latency": "00:00:05",
                "cmi.interactions.0.time": "13:05:00",
                "cmi.objectives.2.status": "not attempted",
            },
        ),
        (
            "2004 3rd",
            {
                "cmi.completion_status": "completed",
                "cmi.success_status": "failed",
                "cmi.score.scaled": "-0.5",
                "cmi.score.raw": "-12.5",
                "cmi.session_time": "PT1H2M3.25S",
                "cmi.progress_measure": "0.75",
                "cmi.location": "chapter-2",
                "cmi.interactions.3.id": "urn:example:q-3",
                "cmi.interactions.3.timestamp": "2026-11-22T10:11:12.5+08:00",
                "cmi.exit": "normal",
                "cmi.interactions.3.result": "0.5",
                "cmi.comments_from_learner.0.comment": "{lang=zh-CN}很好",
                "adl.nav.request": "{target=SCO_2}choice",
                "cmi.suspend_data": "y" * 64000,
            },
        ),
    ],
)
def test_valid_commits_pass_unchanged(version, data):
    values, problems = cmi.validate_commit(version, data)
    assert problems == []
    assert values == data


@pytest.mark.parametrize(
    ("version", "element", "value", "code"),
    [
        ("1.2", "cmi.core.lesson_status", "not attempted", "not_in_vocabulary"),
        ("1.2", "cmi.core.lesson_status", "PASSED", "not_in_vocabulary"),
        ("1.2", "cmi.core.score.raw", "101", "out_of_range"),
        ("1.2", "cmi.core.score.raw", "1e2", "not_a_number"),
        ("1.2", "cmi.core.score.raw", "NaN", "not_a_number"),
        ("1.2", "cmi.core.session_time", "PT1H", "bad_format"),
        ("1.2", "cmi.core.session_time", "00:61:00", "bad_format"),
        ("1.2", "cmi.suspend_data", "x" * 4097, "too_long"),
        ("1.2", "cmi.core.nonsense", "1", "unknown_element"),
        ("1.2", "cmi.completion_status", "completed", "unknown_element"),
        ("1.2", "cmi.interactions.0.id", "has space", "bad_identifier"),
        ("1.2", "cmi.interactions.5000.id", "q", "bad_index"),
        ("1.2", "cmi.student_preference.text", "2", "out_of_range"),
        ("2004", "cmi.score.scaled", "1.5", "out_of_range"),
        ("2004", "cmi.progress_measure", "-0.1", "out_of_range"),
        ("2004", "cmi.session_time", "00:10:00", "bad_format"),
        ("2004", "cmi.session_time", "P", "bad_format"),
        ("2004", "cmi.success_status", "completed", "not_in_vocabulary"),
        ("2004", "cmi.suspend_data", "x" * 64001, "too_long"),
        ("2004", "cmi.core.lesson_status", "passed", "unknown_element"),
        ("2004", "adl.nav.request", "{target=}choice", "bad_format"),
        ("2004", "cmi.interactions.0.timestamp", "yesterday", "bad_format"),
    ],
)
def test_each_rule_refuses_with_its_code(version, element, value, code):
    values, problems = cmi.validate_commit(
        version, {"cmi.location" if version == "2004" else "cmi.core.lesson_location": "ok", element: value}
    )
    assert values == {}, "one bad element rejects the whole commit"
    assert [(p.element, p.code) for p in problems] == [(element, code)]
    assert problems[0].message


@pytest.mark.parametrize(
    ("version", "element"),
    [
        ("1.2", "cmi.core.student_id"),
        ("1.2", "cmi.core.total_time"),
        ("1.2", "cmi.core.credit"),
        ("1.2", "cmi.comments_from_lms"),
        ("2004", "cmi.mode"),
        ("2004", "cmi.credit"),
        ("2004", "cmi.learner_id"),
        ("2004", "cmi.total_time"),
        ("2004", "cmi.scaled_passing_score"),
        ("2004", "cmi.comments_from_lms.0.comment"),
    ],
)
def test_what_the_lms_owns_is_never_taken_from_a_commit(version, element):
    values, problems = cmi.validate_commit(version, {element: "forged", "cmi.suspend_data": "kept"})
    assert problems == []
    assert values == {"cmi.suspend_data": "kept"}


def test_blank_elements_and_empty_collections_echoed_by_scorm_again_are_accepted():
    echo = {
        "cmi.core.score.min": "",
        "cmi.student_preference.speed": "",
        "cmi.objectives": {},
        "cmi.interactions.0.objectives": {},
        "cmi.interactions.0.type": "",
        "cmi.core.lesson_status": "passed",
    }
    values, problems = cmi.validate_commit("1.2", echo)
    assert problems == []
    assert values == {
        "cmi.core.score.min": "",
        "cmi.student_preference.speed": "",
        "cmi.interactions.0.type": "",
        "cmi.core.lesson_status": "passed",
    }


@pytest.mark.parametrize("value", [None, True, ["a"], {"a": 1}])
def test_non_scalar_values_are_refused(value):
    _values, problems = cmi.validate_commit("1.2", {"cmi.core.lesson_location": value})
    assert [p.code for p in problems] == ["not_a_string"]


def test_counters_echoed_by_clients_are_ignored():
    values, problems = cmi.validate_commit("2004", {"cmi.interactions._count": "3", "cmi.location": "a"})
    assert problems == [] and values == {"cmi.location": "a"}


def test_too_many_elements_is_refused_at_once():
    data = {f"cmi.interactions.{i}.id": f"q{i}" for i in range(cmi.MAX_ELEMENTS + 1)}
    _values, problems = cmi.validate_commit("2004", data)
    assert [p.code for p in problems] == ["too_many"]


def test_problem_messages_are_translated():
    from django.utils import translation

    with translation.override("zh-hans"):
        _values, problems = cmi.validate_commit("2004", {"cmi.score.scaled": "2"})
    assert "cmi.score.scaled" in problems[0].message and "范围" in problems[0].message


def test_flatten_nested_commit():
    nested = {
        "cmi": {
            "core": {"lesson_status": "passed", "score": {"raw": "80"}},
            "interactions": [{"id": "q1", "result": "correct"}, {"id": "q2"}],
            "objectives": {"0": {"id": "o1"}},
        }
    }
    assert cmi.flatten(nested) == {
        "cmi.core.lesson_status": "passed",
        "cmi.core.score.raw": "80",
        "cmi.interactions.0.id": "q1",
        "cmi.interactions.0.result": "correct",
        "cmi.interactions.1.id": "q2",
        "cmi.objectives.0.id": "o1",
    }


def test_flatten_bounds_depth():
    deep: dict = {}
    node = deep
    for _ in range(50):
        node["a"] = {}
        node = node["a"]
    flat = cmi.flatten(deep)
    _values, problems = cmi.validate_commit("2004", flat)
    assert problems and all(p.code in ("unknown_element", "not_a_string") for p in problems)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("0000:00:00", 0), ("00:01:30", 90), ("0001:02:03.5", 3723.5), ("9999:59:59.99", 9999 * 3600 + 3599.99)],
)
def test_timespan(text, seconds):
    assert cmi.timespan_to_seconds(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("PT0S", 0), ("PT1H2M3.5S", 3723.5), ("P1DT1S", 86401), ("PT90M", 5400), ("P1Y", 365 * 86400)],
)
def test_duration(text, seconds):
    assert cmi.duration_to_seconds(text) == pytest.approx(seconds)


@pytest.mark.parametrize("bad", ["", "P", "PT", "1H", "PT-1S", "PTS", "P1H"])
def test_bad_duration(bad):
    with pytest.raises(ValueError):
        cmi.duration_to_seconds(bad)


@given(st.floats(min_value=0, max_value=9999 * 3600, allow_nan=False))
def test_time_round_trips(seconds):
    assert cmi.timespan_to_seconds(cmi.seconds_to_timespan(seconds)) == pytest.approx(seconds, abs=0.006)
    assert cmi.duration_to_seconds(cmi.seconds_to_duration(seconds)) == pytest.approx(seconds, abs=0.006)
    assert cmi.validate_commit("1.2", {"cmi.core.session_time": cmi.seconds_to_timespan(seconds)})[1] == []
    assert cmi.validate_commit("2004", {"cmi.session_time": cmi.seconds_to_duration(seconds)})[1] == []


@given(st.dictionaries(st.text(max_size=40), st.one_of(st.text(max_size=50), st.integers(), st.none()), max_size=8))
def test_arbitrary_commits_never_raise(data):
    for version in ("1.2", "2004 4th"):
        values, problems = cmi.validate_commit(version, data)
        assert not (values and problems)


# Full commits as scorm-again 3.4.3 posts them (dataCommitFormat "flattened"), captured from the library.
SCORM_AGAIN_12 = {
    "cmi.suspend_data": "abc",
    "cmi.launch_data": "",
    "cmi.comments": "",
    "cmi.comments_from_lms": "",
    "cmi.core.student_id": "stu-1",
    "cmi.core.student_name": "",
    "cmi.core.lesson_location": "p3",
    "cmi.core.credit": "",
    "cmi.core.lesson_status": "passed",
    "cmi.core.entry": "resume",
    "cmi.core.lesson_mode": "normal",
    "cmi.core.exit": "",
    "cmi.core.session_time": "00:01:00",
    "cmi.core.score.raw": "85",
    "cmi.core.score.min": "",
    "cmi.core.score.max": "100",
    "cmi.objectives": {},
    "cmi.student_data.mastery_score": "",
    "cmi.student_data.max_time_allowed": "",
    "cmi.student_data.time_limit_action": "",
    "cmi.student_preference.audio": "",
    "cmi.student_preference.language": "",
    "cmi.student_preference.speed": "",
    "cmi.student_preference.text": "",
    "cmi.interactions.0.id": "q1",
    "cmi.interactions.0.time": "",
    "cmi.interactions.0.type": "",
    "cmi.interactions.0.weighting": "",
    "cmi.interactions.0.student_response": "",
    "cmi.interactions.0.result": "",
    "cmi.interactions.0.latency": "",
    "cmi.interactions.0.objectives": {},
    "cmi.interactions.0.correct_responses": {},
}
SCORM_AGAIN_2004 = {
    "cmi.comments_from_learner": {},
    "cmi.comments_from_lms": {},
    "cmi.completion_status": "incomplete",
    "cmi.completion_threshold": "",
    "cmi.credit": "credit",
    "cmi.entry": "resume",
    "cmi.exit": "",
    "cmi.interactions.0.id": "q1",
    "cmi.interactions.0.type": "",
    "cmi.interactions.0.objectives": {},
    "cmi.interactions.0.timestamp": "",
    "cmi.interactions.0.weighting": "",
    "cmi.interactions.0.learner_response": "",
    "cmi.interactions.0.result": "",
    "cmi.interactions.0.latency": "",
    "cmi.interactions.0.description": "",
    "cmi.interactions.0.correct_responses": {},
    "cmi.launch_data": "",
    "cmi.learner_id": "stu-1",
    "cmi.learner_name": "",
    "cmi.learner_preference.audio_level": "1",
    "cmi.learner_preference.language": "",
    "cmi.learner_preference.delivery_speed": "1",
    "cmi.learner_preference.audio_captioning": "0",
    "cmi.location": "p3",
    "cmi.max_time_allowed": "",
    "cmi.mode": "normal",
    "cmi.objectives": {},
    "cmi.progress_measure": "",
    "cmi.scaled_passing_score": "",
    "cmi.score.scaled": "0.85",
    "cmi.score.raw": "",
    "cmi.score.min": "",
    "cmi.score.max": "",
    "cmi.session_time": "PT1M",
    "cmi.success_status": "passed",
    "cmi.suspend_data": "abc",
    "cmi.time_limit_action": "continue,no message",
}


@pytest.mark.parametrize(("version", "commit"), [("1.2", SCORM_AGAIN_12), ("2004 3rd", SCORM_AGAIN_2004)])
def test_real_scorm_again_commits_are_accepted_without_what_the_lms_owns(version, commit):
    values, problems = cmi.validate_commit(version, commit)
    assert problems == []
    owned = cmi.READ_ONLY_12 | cmi.READ_ONLY_2004
    assert not any(key in owned or key.startswith("cmi.comments_from_lms") for key in values)
    assert values["cmi.suspend_data"] == "abc"


@pytest.mark.parametrize(("version", "commit"), [("1.2", SCORM_AGAIN_12), ("2004 3rd", SCORM_AGAIN_2004)])
def test_values_known_from_the_last_commit_give_the_same_answer(version, commit):
    """Values accepted before are not checked again; what is accepted or refused stays the same."""
    first, _problems = cmi.validate_commit(version, commit)
    assert cmi.validate_commit(version, commit, first) == (first, [])
    score = "cmi.core.score.raw" if version == "1.2" else "cmi.score.raw"
    changed, problems = cmi.validate_commit(version, {**commit, score: "lots"}, {**first, score: "50"})
    assert changed == {} and [(p.element, p.code) for p in problems] == [(score, "not_a_number")]
    owned = "cmi.core.student_id" if version == "1.2" else "cmi.learner_id"
    assert owned not in cmi.validate_commit(version, {**commit, owned: "x"}, {**first, owned: "x"})[0]


def test_element_rules_are_remembered_within_bounds():
    invented = {f"cmi.bogus{n}": "x" for n in range(4999)}  # a hostile commit inventing names
    for _ in range(2):
        values, problems = cmi.validate_commit("1.2", invented)
        assert values == {} and len(problems) == 4999 and {p.code for p in problems} == {"unknown_element"}
    assert len(cmi._RULES["1.2"]) <= 4096
    long_name = "cmi.core.lesson_location" + "x" * 300
    assert cmi.validate_commit("1.2", {long_name: "p"})[1][0].code == "unknown_element"
    assert long_name not in cmi._RULES["1.2"]
    assert cmi.validate_commit("1.2", {"cmi.core.lesson_location": "p1"}) == ({"cmi.core.lesson_location": "p1"}, [])
