"""Grade and completion from rollup (#10 item 3) and the one sequencing engine kept per attempt (#10 item 2),
through the block's learner functions: the rules the handlers call, without a runtime."""

from __future__ import annotations

import json

import pytest

from scorm.attempts import LearnerRecord
from scorm.engine_state import MAX_STATE_CHARS, activity_counts, apply_engine_state
from scorm.manifest import parse_manifest
from tests.scorm.test_sequenced_packages import manifest_package
from xblocks.scorm import learner
from xblocks.scorm.sequencing import sequencing_settings

SETTINGS = learner.Settings()

MANIFEST_12 = """<?xml version="1.0"?>
<manifest identifier="m" version="1" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="o"><organization identifier="o"><title>t</title>
    <item identifier="c1" identifierref="r"><title>1</title></item>
    <item identifier="c2" identifierref="r"><title>2</title></item>
    <item identifier="quiz" identifierref="r"><title>quiz</title></item>
  </organization></organizations>
  <resources><resource identifier="r" type="webcontent" adlcp:scormtype="sco" href="a.html"/></resources>
</manifest>"""


def play(record, package, sco, values, seq=0):
    scos = learner.launchable_scos(package, None)
    attempt = learner.launch(record, package, sco, "alice", "", SETTINGS, scos=scos)
    answer = learner.commit(record, package, {"sco": sco, "attempt": attempt["attempt"], "token": attempt["token"],
                                              "seq": seq, "terminate": True, "data": values}, scos, SETTINGS)
    assert answer["status"] == "applied"
    return learner.grade_and_completion(record, package, scos, SETTINGS)


def test_scorm12_failed_quiz_is_its_score_and_content_gives_no_grade():
    package, _issues = parse_manifest(MANIFEST_12.encode())
    record = LearnerRecord()
    assert play(record, package, "c1", {"cmi.core.lesson_status": "completed"}) == (None, pytest.approx(1 / 3))
    play(record, package, "c2", {"cmi.core.lesson_status": "completed"})
    grade, completion = play(record, package, "quiz", {"cmi.core.lesson_status": "failed", "cmi.core.score.raw": "67"})
    assert grade == pytest.approx(0.67)  # was 0.934: (1 + 1 + 0.67) / 3
    assert completion == 1.0


def test_sequenced_grade_is_the_root_measure():
    package = manifest_package("cluster")
    record = LearnerRecord()
    done = {"cmi.completion_status": "completed", "cmi.progress_measure": "0.5"}
    grade, completion = play(record, package, "c1", done)
    assert grade is None  # content only: no grade before any test (was 1.0)
    assert completion < 1.0
    play(record, package, "c2", done)
    grade, _ = play(record, package, "pre", {"cmi.completion_status": "completed", "cmi.score.scaled": "0.9",
                                             "cmi.success_status": "passed"})
    assert grade == pytest.approx(0.45)  # the post-test not taken yet weighs in
    grade, completion = play(record, package, "post", {"cmi.completion_status": "completed",
                                                       "cmi.score.scaled": "0.3", "cmi.success_status": "failed"})
    assert grade == pytest.approx(0.6) and completion == 1.0
    result = learner.attempt_result(record.current(), package, learner.launchable_scos(package, None), SETTINGS)
    assert result.success == "failed"  # default rule: every child known, the post-test not satisfied


def engine(current, counts, suspended=None):
    return json.dumps({"version": "1.0", "sequencing": {
        "currentActivity": current, "suspendedActivity": suspended,
        "activityStates": {key: {"attemptCount": value, "isSuspended": False} for key, value in counts.items()}}})


def test_engine_state_newest_wins_and_bad_state_is_refused():
    record = LearnerRecord()
    attempt = record.start_attempt()
    assert apply_engine_state(attempt, 0, engine("pre", {"pre": 1})) == "applied"
    assert apply_engine_state(attempt, 0, engine("pre", {"pre": 1})) == "duplicate"
    assert apply_engine_state(attempt, 0, engine("c1", {"pre": 1, "c1": 1})) == "stale"
    assert apply_engine_state(attempt, 2, engine("c1", {"pre": 1, "c1": 1})) == "applied"
    assert apply_engine_state(attempt, 1, engine("pre", {"pre": 1})) == "stale"
    for bad in ("{", "[]", json.dumps({"version": 1}), "x" * (MAX_STATE_CHARS + 1), None,
                json.dumps({"version": "1.0", "sequencing": []})):
        assert apply_engine_state(attempt, 9, bad) == "invalid"
    assert activity_counts(attempt) == {"pre": (1, False), "c1": (1, False)}


def test_attempt_limit_holds_on_the_server():
    package = manifest_package("cluster")
    record = LearnerRecord()
    attempt = record.start_attempt()
    apply_engine_state(attempt, 0, engine("pre", {"org": 1, "pre": 1}))
    assert not learner.over_attempt_limit(record, package, "pre")  # the engine delivered it: this launch is it
    apply_engine_state(attempt, 1, engine("c1", {"org": 1, "pre": 1, "module": 1, "c1": 1}))
    assert learner.over_attempt_limit(record, package, "pre")  # chosen again from the table of contents
    assert not learner.over_attempt_limit(record, package, "c1")
    record.start_attempt()  # a new attempt has a new engine
    assert not learner.over_attempt_limit(record, package, "pre")


def test_keep_engine_state_needs_the_attempts_token():
    record = LearnerRecord()
    attempt = record.start_attempt()
    payload = {"attempt": 1, "token": "forged", "engine": engine("pre", {"pre": 1}), "engine_seq": 0}
    assert learner.keep_engine_state(record, payload) == "stale_attempt"
    assert learner.keep_engine_state(record, {**payload, "token": attempt.token}) == "applied"


def test_fourth_edition_objective_maps_reach_scorm_again():
    tree = sequencing_settings(manifest_package("fourth"))["activityTree"]
    a, b = tree["children"]
    maps_a = a["primaryObjective"]["mapInfo"]
    maps_b = b["primaryObjective"]["mapInfo"]
    assert maps_a == [{"targetObjectiveID": "g_read", "readSatisfiedStatus": False, "readNormalizedMeasure": False,
                       "writeSatisfiedStatus": False, "writeNormalizedMeasure": False, "readRawScore": True,
                       "readMinScore": True, "readMaxScore": True, "readCompletionStatus": True,
                       "readProgressMeasure": True, "writeRawScore": False, "writeMinScore": False,
                       "writeMaxScore": False, "writeCompletionStatus": True, "writeProgressMeasure": True}]
    assert maps_b[0]["readCompletionStatus"] is True and maps_b[0]["writeCompletionStatus"] is False


def test_duration_limit_reaches_scorm_again():
    tree = sequencing_settings(manifest_package("duration"))["activityTree"]
    assert tree["children"][0]["attemptAbsoluteDurationLimit"] == "PT0H5M0S"
