"""Run-time rules on commits: echoed defaults, SCORM 1.2 finish semantics, error codes per version."""

import pytest

from scorm.attempts import Attempt, LaunchContext, apply_commit, launch_values
from scorm.rte import commit_error_code, drop_echoed_defaults, finish_status_12

LEARNER = LaunchContext(learner_id="stu-1")


@pytest.mark.parametrize(("version", "code"), [("1.2", 101), (None, 101), ("2004 3rd", 391), ("2004", 391)])
def test_commit_failure_code_follows_the_version(version, code):
    assert commit_error_code(version) == code


def test_not_attempted_echoed_by_a_12_client_is_dropped_not_refused():
    data = {"cmi.core.lesson_status": "not attempted", "cmi.core.lesson_location": "p2"}
    assert drop_echoed_defaults("1.2", data) == {"cmi.core.lesson_location": "p2"}
    assert drop_echoed_defaults("1.2", {"cmi.core.lesson_status": "incomplete"}) == {
        "cmi.core.lesson_status": "incomplete"}
    assert drop_echoed_defaults("2004 4th", {"cmi.completion_status": "not attempted"}) == {
        "cmi.completion_status": "not attempted"}


@pytest.mark.parametrize(("values", "mastery", "credit", "expected"), [
    ({}, None, True, "completed"),
    ({"cmi.core.lesson_status": "not attempted"}, 80, True, "completed"),
    ({"cmi.core.score.raw": "85"}, 80, True, "passed"),
    ({"cmi.core.score.raw": "79.5"}, 80, True, "failed"),
    ({"cmi.core.score.raw": "85"}, None, True, "completed"),
    ({"cmi.core.score.raw": "10"}, 80, False, "completed"),
    ({"cmi.core.lesson_status": "incomplete", "cmi.core.score.raw": "90"}, 80, True, None),
    ({"cmi.core.lesson_status": "failed"}, None, True, None),
])
def test_finish_status_12(values, mastery, credit, expected):
    assert finish_status_12(values, mastery_score=mastery, credit=credit) == expected


def test_a_sco_that_only_initializes_and_finishes_ends_completed():
    attempt = Attempt(number=1)
    apply_commit(attempt, "sco", 0, {"cmi.core.session_time": "00:00:05"}, version="1.2", terminate=True)
    assert attempt.scos["sco"].values["cmi.core.lesson_status"] == "completed"
    assert launch_values(attempt, "sco", LEARNER, version="1.2")["cmi.core.lesson_status"] == "completed"


def test_a_score_with_no_status_is_judged_against_the_mastery_score_at_finish():
    attempt = Attempt(number=1)
    apply_commit(attempt, "sco", 0, {"cmi.core.score.raw": "60"}, version="1.2")
    assert "cmi.core.lesson_status" not in attempt.scos["sco"].values, "no status until the session ends"
    apply_commit(attempt, "sco", 1, {}, version="1.2", terminate=True, mastery_score=75)
    assert attempt.scos["sco"].values["cmi.core.lesson_status"] == "failed"


def test_12_bookmark_and_suspend_data_come_back_after_a_normal_finish_2004_does_not_keep_them():
    attempt = Attempt(number=1)
    apply_commit(attempt, "sco", 0, {"cmi.core.lesson_location": "p7", "cmi.suspend_data": "s=1"}, version="1.2")
    apply_commit(attempt, "sco", 1, {"cmi.core.exit": ""}, version="1.2", terminate=True)
    values = launch_values(attempt, "sco", LEARNER, version="1.2")
    assert values["cmi.core.lesson_location"] == "p7" and values["cmi.suspend_data"] == "s=1"
    assert values["cmi.core.entry"] == "" and values["cmi.core.lesson_status"] == "completed"

    attempt = Attempt(number=1)
    apply_commit(attempt, "sco", 0, {"cmi.location": "p7", "cmi.suspend_data": "s=1"}, version="2004 3rd")
    apply_commit(attempt, "sco", 1, {"cmi.exit": "normal"}, version="2004 3rd", terminate=True)
    values = launch_values(attempt, "sco", LEARNER, version="2004 3rd")
    assert "cmi.location" not in values and "cmi.suspend_data" not in values
