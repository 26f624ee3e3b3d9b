"""Learner attempts: launch values, commits with sequence numbers, resume and total time."""

import hashlib
import json

import pytest

from scorm.attempts import Attempt, LaunchContext, LearnerRecord, apply_commit, launch_values

LEARNER = LaunchContext(learner_id="stu-1", learner_name="张三", mastery_score=80, launch_data="level=2")


def test_first_launch_is_ab_initio_with_what_the_lms_owns():
    values = launch_values(Attempt(number=1), "sco1", LEARNER, version="1.2")
    assert values["cmi.core.entry"] == "ab-initio"
    assert values["cmi.core.student_id"] == "stu-1" and values["cmi.core.student_name"] == "张三"
    assert values["cmi.core.lesson_mode"] == "normal" and values["cmi.core.credit"] == "credit"
    assert "cmi.core.lesson_status" not in values, "the runtime API starts it at 'not attempted' itself"
    assert values["cmi.student_data.mastery_score"] == "80" and values["cmi.launch_data"] == "level=2"
    assert values["cmi.core.total_time"] == "0000:00:00.00"


def test_suspend_and_resume_keep_location_and_data_and_add_time():
    attempt = Attempt(number=1)
    apply_commit(attempt, "sco1", 0, {"cmi.core.lesson_location": "p3", "cmi.suspend_data": "abc",
                                      "cmi.core.lesson_status": "incomplete"}, version="1.2")
    apply_commit(attempt, "sco1", 1, {"cmi.core.exit": "suspend", "cmi.core.session_time": "00:10:00"},
                 version="1.2", terminate=True)
    values = launch_values(attempt, "sco1", LEARNER, version="1.2")
    assert values["cmi.core.entry"] == "resume"
    assert values["cmi.core.lesson_location"] == "p3" and values["cmi.suspend_data"] == "abc"
    assert values["cmi.core.total_time"] == "0000:10:00.00"
    assert "cmi.core.exit" not in values and "cmi.core.session_time" not in values

    apply_commit(attempt, "sco1", 2, {"cmi.core.session_time": "00:05:30", "cmi.core.exit": ""}, version="1.2",
                 terminate=True)
    values = launch_values(attempt, "sco1", LEARNER, version="1.2")
    assert values["cmi.core.total_time"] == "0000:15:30.00"
    assert values["cmi.core.entry"] == "" and values["cmi.suspend_data"] == "abc", "1.2 keeps it all attempt"
    assert values["cmi.core.lesson_status"] == "incomplete", "status survives a normal exit"


def test_session_time_counts_once_per_session_however_often_it_is_committed():
    attempt = Attempt(number=1)
    for sequence, session in enumerate(["PT1M", "PT2M", "PT3M"]):
        apply_commit(attempt, "sco", sequence, {"cmi.session_time": session}, version="2004 4th")
    apply_commit(attempt, "sco", 3, {"cmi.exit": "suspend"}, version="2004 4th", terminate=True)
    assert attempt.scos["sco"].total_seconds == pytest.approx(180)
    values = launch_values(attempt, "sco", LEARNER, version="2004 4th")
    assert values["cmi.total_time"] == "PT3M" and values["cmi.entry"] == "resume"


def test_repeats_are_idempotent_and_stale_commits_are_refused():
    attempt = Attempt(number=1)
    first = apply_commit(attempt, "sco", 5, {"cmi.location": "a"}, version="2004")
    assert (first.status, first.changed) == ("applied", True)
    repeat = apply_commit(attempt, "sco", 5, {"cmi.location": "a"}, version="2004")
    assert (repeat.status, repeat.changed) == ("duplicate", False)
    newer = apply_commit(attempt, "sco", 6, {"cmi.location": "b"}, version="2004")
    stale = apply_commit(attempt, "sco", 4, {"cmi.location": "old"}, version="2004")
    conflicting = apply_commit(attempt, "sco", 6, {"cmi.location": "other"}, version="2004")
    assert newer.status == "applied"
    assert stale.status == "stale" and conflicting.status == "stale"
    assert attempt.scos["sco"].values["cmi.location"] == "b"


def test_a_repeat_fingerprinted_by_the_first_release_is_still_a_duplicate():
    """A beacon sent before an upgrade and repeated after it: the stored fingerprint is the old form."""
    attempt = Attempt(number=1)
    apply_commit(attempt, "sco", 5, {"cmi.location": "页 3"}, version="2004")
    state = attempt.scos["sco"]
    assert state.last_digest.startswith("2:")
    legacy = json.dumps([[["cmi.location", "页 3"]], False], ensure_ascii=False)
    state.last_digest = hashlib.sha256(legacy.encode()).hexdigest()
    repeat = apply_commit(attempt, "sco", 5, {"cmi.location": "页 3"}, version="2004")
    other = apply_commit(attempt, "sco", 5, {"cmi.location": "页 4"}, version="2004")
    assert (repeat.status, other.status) == ("duplicate", "stale")
    assert state.values["cmi.location"] == "页 3"


def test_an_unchanged_commit_is_applied_but_reports_no_change():
    attempt = Attempt(number=1)
    apply_commit(attempt, "sco", 0, {"cmi.location": "a"}, version="2004")
    again = apply_commit(attempt, "sco", 1, {"cmi.location": "a"}, version="2004")
    assert (again.status, again.changed) == ("applied", False)


def test_scos_keep_separate_state():
    attempt = Attempt(number=1)
    apply_commit(attempt, "one", 0, {"cmi.location": "1", "cmi.suspend_data": "s1"}, version="2004")
    apply_commit(attempt, "two", 0, {"cmi.location": "2"}, version="2004")
    assert attempt.scos["one"].values["cmi.location"] == "1"
    assert attempt.scos["two"].values == {"cmi.location": "2"}


def test_scorm2004_launch_values_and_review_mode():
    context = LaunchContext(learner_id="x", mode="review", credit=False, mastery_score=0.8, completion_threshold=0.5)
    values = launch_values(Attempt(number=1), "sco", context, version="2004 3rd")
    assert values["cmi.mode"] == "review" and values["cmi.credit"] == "no-credit"
    assert values["cmi.scaled_passing_score"] == "0.8" and values["cmi.completion_threshold"] == "0.5"
    assert values["cmi.completion_status"] == "unknown" and values["cmi.total_time"] == "PT0S"


def test_scorm12_interactions_are_write_only_and_not_preloaded():
    attempt = Attempt(number=1)
    apply_commit(attempt, "sco", 0, {"cmi.interactions.0.id": "q1"}, version="1.2")
    assert "cmi.interactions.0.id" not in launch_values(attempt, "sco", LEARNER, version="1.2")
    assert attempt.scos["sco"].values["cmi.interactions.0.id"] == "q1", "kept for staff reports"


def test_new_attempts_close_the_previous_one_and_serialise():
    record = LearnerRecord()
    assert record.current() is None
    first = record.start_attempt()
    apply_commit(first, "sco", 0, {"cmi.location": "a"}, version="2004")
    second = record.start_attempt()
    assert first.closed and not second.closed and record.current() is second and second.number == 2
    restored = LearnerRecord.model_validate_json(record.model_dump_json())
    assert restored.attempts[0].scos["sco"].values == {"cmi.location": "a"}


def test_a_commit_is_bound_to_its_attempt_by_token():
    record = LearnerRecord()
    first = record.start_attempt()
    second = record.start_attempt()
    assert first.token != second.token and len(second.token) >= 20 and record.store_key
    assert record.attempt_for(2, second.token) is second
    assert record.attempt_for(1, first.token) is first
    for number, token in ((2, first.token), (2, ""), (2, None), (3, second.token), (2, second.token[:-1])):
        assert record.attempt_for(number, token) is None
    again = LearnerRecord.model_validate(record.model_dump(mode="json"))
    assert again.store_key == record.store_key and again.attempt_for(2, second.token) is not None


def test_a_commit_reports_whether_it_changed_values_and_whether_it_may_change_the_outcome():
    attempt = Attempt(number=1)
    first = apply_commit(attempt, "sco", 0, {"cmi.core.lesson_location": "p1"}, version="1.2")
    assert (first.changed, first.outcome) == (True, True), "a SCO's first commit starts it"
    moved = apply_commit(attempt, "sco", 1, {"cmi.core.lesson_location": "p2", "cmi.suspend_data": "s"},
                         version="1.2")
    assert (moved.changed, moved.outcome) == (True, False)
    timed = apply_commit(attempt, "sco", 2, {"cmi.core.lesson_location": "p2", "cmi.core.session_time": "00:01:00"},
                         version="1.2")
    assert (timed.changed, timed.outcome) == (False, False), "session time counts when the session ends"
    objective = apply_commit(attempt, "sco", 3, {"cmi.objectives.0.id": "o1"}, version="1.2")
    scored = apply_commit(attempt, "sco", 4, {"cmi.core.score.raw": "70"}, version="1.2")
    assert objective.outcome and scored.outcome
    finished = apply_commit(attempt, "sco", 5, {}, version="1.2", terminate=True, mastery_score=80)
    assert (finished.changed, finished.outcome) == (True, True)
    assert attempt.scos["sco"].values["cmi.core.lesson_status"] == "failed"
    assert attempt.scos["sco"].total_seconds == 60
    assert attempt.scos["sco"].values == {"cmi.core.lesson_location": "p2", "cmi.suspend_data": "s",
                                          "cmi.objectives.0.id": "o1", "cmi.core.score.raw": "70",
                                          "cmi.core.lesson_status": "failed"}
