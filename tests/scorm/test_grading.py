"""Scores, completion and grading methods, as Open edX will record them."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scorm.grading import AttemptResult, ScoOutcome, combine_attempts, combine_scos, sco_outcome


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
