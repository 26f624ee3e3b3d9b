"""Scores, completion and grading methods, as Open edX will record them."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scorm.grading import (
    OUTCOME_ELEMENTS,
    AttemptResult,
    ScoOutcome,
    changes_outcome,
    combine_attempts,
    combine_scos,
    sco_outcome,
)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "80"}, ("completed", "passed", 0.8)),
        ({"cmi.core.lesson_status": "failed", "cmi.core.score.raw": "30"}, ("completed", "failed", 0.3)),
        ({"cmi.core.lesson_status": "incomplete"}, ("incomplete", "unknown", None)),
        ({"cmi.core.lesson_status": "completed", "cmi.core.score.raw": "8", "cmi.core.score.max": "10"},
         ("completed", "unknown", 0.8)),
        ({"cmi.core.lesson_status": "completed", "cmi.core.score.raw": "15", "cmi.core.score.min": "10",
          "cmi.core.score.max": "20"}, ("completed", "unknown", 0.5)),
        ({}, ("not attempted", "unknown", None)),
    ],
)
def test_scorm12_outcome(values, expected):
    outcome = sco_outcome("1.2", values)
    assert (outcome.completion, outcome.success, outcome.score) == pytest.approx(expected)


def test_scorm12_mastery_score_decides_pass_or_fail_for_credit_only():
    values = {"cmi.core.lesson_status": "completed", "cmi.core.score.raw": "70"}
    assert sco_outcome("1.2", values, mastery_score=60).success == "passed"
    assert sco_outcome("1.2", values, mastery_score=80).success == "failed"
    assert sco_outcome("1.2", values, mastery_score=80, credit=False).success == "unknown"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"cmi.score.scaled": "0.9", "cmi.score.raw": "10", "cmi.score.max": "100"}, 0.9),  # scaled wins
        ({"cmi.score.raw": "45", "cmi.score.min": "0", "cmi.score.max": "50"}, 0.9),
        ({"cmi.score.raw": "45"}, None),  # never assume 0-100 in 2004
        ({"cmi.score.scaled": "-0.5"}, 0.0),  # negative scaled is a legal score: no credit, no crash
        ({"cmi.score.raw": "5", "cmi.score.min": "10", "cmi.score.max": "10"}, None),  # empty range
    ],
)
def test_scorm2004_score(values, expected):
    assert sco_outcome("2004 4th", values).score == (pytest.approx(expected) if expected is not None else None)


def test_scorm2004_thresholds():
    values = {"cmi.progress_measure": "0.6", "cmi.completion_status": "completed", "cmi.score.scaled": "0.7"}
    outcome = sco_outcome("2004 3rd", values, completion_threshold=0.8, mastery_score=0.75)
    assert (outcome.completion, outcome.success, outcome.progress) == ("incomplete", "failed", 0.6)


def outcome(score=None, completion="completed", success="unknown", raw=None, maximum=None):
    return ScoOutcome(completion, success, score, None, raw, 0.0 if raw is not None else None, maximum)


def test_sco_methods():
    outcomes = [outcome(0.5, raw=5, maximum=10), outcome(1.0, raw=20, maximum=20), outcome(None, "incomplete")]
    assert combine_scos(outcomes, "objects", total_scos=4).score == pytest.approx(0.5)
    assert combine_scos(outcomes, "highest", total_scos=4).score == 1.0
    assert combine_scos(outcomes, "average", total_scos=4).score == pytest.approx(0.75)
    assert combine_scos(outcomes, "sum", total_scos=4).score == pytest.approx(25 / 30)
    result = combine_scos(outcomes, "average", total_scos=4)
    assert result.completed is False and result.completion == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("outcomes", "method", "score"),
    [
        # issue #10 item 3: a failed quiz at 67% beside two content SCOs that only complete is 0.67, not 0.934
        ([outcome(None), outcome(None), outcome(0.67, success="failed")], "average", 0.67),
        ([outcome(None), outcome(None), outcome(0.67, success="failed")], "highest", 0.67),
        # a content SCO completed before any test publishes no grade at all (was 1.0)
        ([outcome(None, success="passed")], "average", None),
        ([outcome(None, success="failed")], "average", None),  # a status is not a score
        ([outcome(None), outcome(0.0, success="failed")], "average", 0.0),  # a reported 0 is a score
        ([outcome(0.4), outcome(0.8)], "average", 0.6),
        ([outcome(0.4), outcome(0.8)], "highest", 0.8),
        ([outcome(None), outcome(0.5, raw=5, maximum=10)], "sum", 0.5),
        ([outcome(None), outcome(None, "incomplete")], "objects", 0.5),  # Moodle's GRADESCOES: items completed
    ],
)
def test_only_scos_that_report_a_score_count(outcomes, method, score):
    result = combine_scos(outcomes, method, total_scos=len(outcomes))
    assert result.score == (pytest.approx(score) if score is not None else None)


def test_status_wins_over_a_stale_progress_measure():
    values = {"cmi.completion_status": "completed", "cmi.success_status": "passed", "cmi.progress_measure": "0.5"}
    sco = sco_outcome("2004 4th", values)
    assert sco.progress == 1.0
    assert combine_scos([sco], "average", total_scos=1).completion == 1.0
    passed = ScoOutcome("incomplete", "passed", None, 0.5)
    assert combine_scos([passed], "average", total_scos=1).completion == 1.0


def test_attempt_methods():
    attempts = [AttemptResult(0.4, 1, True, "failed"), AttemptResult(0.9, 0.5, False, "unknown"),
                AttemptResult(0.6, 1, True, "passed")]
    assert combine_attempts(attempts, "highest") == 0.9
    assert combine_attempts(attempts, "average") == pytest.approx(1.9 / 3)
    assert combine_attempts(attempts, "first") == 0.4
    assert combine_attempts(attempts, "last") == 0.6
    assert combine_attempts([], "highest") is None


@given(st.lists(st.tuples(st.floats(0, 1), st.booleans()), max_size=6), st.sampled_from(["highest", "average",
                                                                                        "objects", "sum"]))
def test_scores_stay_between_zero_and_one(items, method):
    outcomes = [outcome(score, "completed" if done else "incomplete", raw=score * 10, maximum=10)
                for score, done in items]
    result = combine_scos(outcomes, method, total_scos=max(len(items), 1))
    assert result.score is None or 0.0 <= result.score <= 1.0
    assert 0.0 <= result.completion <= 1.0


@pytest.mark.parametrize(("before", "after", "touches"), [
    ({"cmi.core.lesson_location": "p1"}, {"cmi.core.lesson_location": "p2"}, False),
    ({"cmi.suspend_data": "a"}, {"cmi.suspend_data": "b", "cmi.location": "x"}, False),
    ({}, {"cmi.core.lesson_status": "incomplete"}, True),
    ({"cmi.core.score.raw": "50"}, {"cmi.core.score.raw": "60"}, True),
    ({"cmi.score.scaled": "0.5"}, {}, True),
    ({"cmi.progress_measure": "0.5"}, {"cmi.progress_measure": "0.5", "cmi.location": "x"}, False),
    ({}, {"cmi.objectives.0.id": "o1"}, True),
    ({"cmi.objectives.0.success_status": "unknown"}, {"cmi.objectives.0.success_status": "passed"}, True),
    ({"cmi.objectives.0.id": "o1"}, {}, True),
])
def test_only_status_score_and_objective_values_touch_the_outcome(before, after, touches):
    changed = [name for name in before.keys() | after.keys() if before.get(name) != after.get(name)]
    assert changes_outcome(changed) is touches


@pytest.mark.parametrize("version", ["1.2", "2004 3rd Edition"])
def test_every_value_sco_outcome_reads_is_an_outcome_element(version):
    """Each value that changes what sco_outcome answers is among OUTCOME_ELEMENTS: a change outside them is skipped."""
    base = {"cmi.core.lesson_status": "incomplete", "cmi.completion_status": "incomplete",
            "cmi.success_status": "unknown"}
    probes = {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "40", "cmi.core.score.min": "10",
              "cmi.core.score.max": "50", "cmi.completion_status": "completed", "cmi.success_status": "failed",
              "cmi.progress_measure": "0.3", "cmi.score.scaled": "0.4", "cmi.score.raw": "4",
              "cmi.score.min": "1", "cmi.score.max": "8"}
    for name, value in probes.items():
        changed = {**base, "cmi.core.score.raw": "20", "cmi.score.raw": "2", name: value}
        unchanged = {**base, "cmi.core.score.raw": "20", "cmi.score.raw": "2"}
        if sco_outcome(version, changed) != sco_outcome(version, unchanged):
            assert name in OUTCOME_ELEMENTS
    for name in ("cmi.core.lesson_location", "cmi.location", "cmi.suspend_data", "cmi.core.exit", "cmi.exit"):
        assert sco_outcome(version, {**base, name: "x"}) == sco_outcome(version, base)
