"""The tracking events of the SCORM block (#10 item 9): exact names and payloads, and nothing for repeats.

The workbench's recording runtime keeps every ``runtime.publish`` as the LMS would receive it
(edx-platform ``xmodule/services.py``, ``EventPublishingService.publish``: any type but ``grade``,
``completion`` and ``progress`` goes to the tracking log with the course and user in its context).
"""

from __future__ import annotations

import json

from tests.scorm.test_cmi import SCORM_AGAIN_12
from xblocks.scorm import tracking

from .test_commits import SCO_12, commit, launch

PRIVATE = ("suspend_data", "lesson_location", "interactions", "student_response", "comments", "p3", "abc")


def tracked(scorm, learner="alice"):
    return [(kind, data) for kind, data in scorm.events(learner) if kind.startswith(tracking.PREFIX)]


def test_a_first_launch_starts_an_attempt_and_a_relaunch_does_not(scorm):
    block = scorm.block("alice", package_sha256=scorm.shas["12"])
    sha = scorm.shas["12"]
    launch(scorm, block)
    assert tracked(scorm) == [
        ("edx.mooc_bridge.scorm.attempt.started",
         {"package_sha256": sha, "scorm_version": "1.2", "attempt": 1, "attempts_allowed": 0}),
        ("edx.mooc_bridge.scorm.launched",
         {"package_sha256": sha, "scorm_version": "1.2", "attempt": 1, "sco_id": SCO_12, "mode": "normal"}),
    ]
    launch(scorm, block)
    assert tracked(scorm)[2:] == [
        ("edx.mooc_bridge.scorm.launched",
         {"package_sha256": sha, "scorm_version": "1.2", "attempt": 1, "sco_id": SCO_12, "mode": "normal"}),
    ]


def test_a_completion_and_a_score_then_repeats_emit_nothing_new(scorm):
    block = scorm.block("alice", package_sha256=scorm.shas["12"], weight=2.0)
    sha = scorm.shas["12"]
    base = {"package_sha256": sha, "scorm_version": "1.2", "attempt": 1}
    launch(scorm, block)
    start = len(scorm.events("alice"))

    commit(scorm, block, SCORM_AGAIN_12, seq=1)
    assert scorm.events("alice")[start:] == [
        ("edx.mooc_bridge.scorm.sco.changed",
         {**base, "sco_id": SCO_12, "completion_status": "completed", "success_status": "passed",
          "score_scaled": 0.85, "score_raw": 85.0, "previous_completion_status": "not attempted",
          "previous_success_status": "unknown", "previous_score_scaled": None, "previous_score_raw": None,
          "session_ended": False,
          "session_time_seconds": None, "total_time_seconds": 0.0}),
        ("grade", {"value": 1.7, "max_value": 2.0, "only_if_higher": None}),
        ("edx.mooc_bridge.scorm.scored", {**base, "score_scaled": 0.85, "score_raw": 1.7, "max_score": 2.0}),
        ("completion", {"completion": 1.0}),
        ("edx.mooc_bridge.scorm.completed", {**base, "completion": 1.0, "score_scaled": 0.85}),
    ]
    seen = len(scorm.events("alice"))

    # a repeat of the same commit, and a newer one that changes only what the SCO keeps for itself: no event
    commit(scorm, block, SCORM_AGAIN_12, seq=1)
    commit(scorm, block, {**SCORM_AGAIN_12, "cmi.suspend_data": "xyz", "cmi.core.lesson_location": "p9"}, seq=2)
    assert len(scorm.events("alice")) == seen

    # a better score: the SCO's change, the grade and ``scored``; completion is already 1.0
    commit(scorm, block, {**SCORM_AGAIN_12, "cmi.core.score.raw": "95"}, seq=3)
    assert [kind for kind, _data in scorm.events("alice")[seen:]] == [
        "edx.mooc_bridge.scorm.sco.changed", "grade", "edx.mooc_bridge.scorm.scored"]
    assert scorm.events("alice")[-1][1] == {**base, "score_scaled": 0.95, "score_raw": 1.9, "max_score": 2.0}
    seen = len(scorm.events("alice"))

    # the session ends (LMSFinish): one ``sco.changed`` with the session's time
    commit(scorm, block, {**SCORM_AGAIN_12, "cmi.core.score.raw": "95"}, seq=4, terminate=True)
    assert scorm.events("alice")[seen:] == [
        ("edx.mooc_bridge.scorm.sco.changed",
         {**base, "sco_id": SCO_12, "completion_status": "completed", "success_status": "passed",
          "score_scaled": 0.95, "score_raw": 95.0, "previous_completion_status": "completed",
          "previous_success_status": "passed", "previous_score_scaled": 0.95, "previous_score_raw": 95.0,
          "session_ended": True,
          "session_time_seconds": 60.0, "total_time_seconds": 60.0}),
    ]
    # nothing the learner wrote or the SCO keeps for itself ever reaches analytics
    text = json.dumps(tracked(scorm))
    assert not [word for word in PRIVATE if word in text]


def test_a_new_attempt_is_an_event(scorm):
    block = scorm.block("alice", package_sha256=scorm.shas["12"], attempts_allowed=3)
    launch(scorm, block)
    commit(scorm, block, SCORM_AGAIN_12, seq=1)
    status, answer = scorm.json(block, "start_attempt", {})
    assert status == 200 and answer["attempt"] == 2
    assert tracked(scorm)[-1] == ("edx.mooc_bridge.scorm.attempt.started", {
        "package_sha256": scorm.shas["12"], "scorm_version": "1.2", "attempt": 2, "attempts_allowed": 3})
    launch(scorm, block)
    assert [kind for kind, _data in tracked(scorm)[-1:]] == ["edx.mooc_bridge.scorm.launched"]


def test_refused_commits_emit_nothing(scorm):
    block = scorm.block("alice", package_sha256=scorm.shas["12"])
    launch(scorm, block)
    seen = len(scorm.events("alice"))
    commit(scorm, block, {**SCORM_AGAIN_12, "cmi.core.lesson_status": "done"}, seq=1)
    commit(scorm, block, SCORM_AGAIN_12, seq=1, token="forged")
    assert len(scorm.events("alice")) == seen


def test_the_documented_names_are_the_published_ones():
    from pathlib import Path

    page = (Path(__file__).parents[3] / "docs" / "scorm-events.md").read_text(encoding="utf-8")
    assert tracking.EVENT_NAMES == (
        "edx.mooc_bridge.scorm.attempt.started", "edx.mooc_bridge.scorm.launched",
        "edx.mooc_bridge.scorm.sco.changed", "edx.mooc_bridge.scorm.scored", "edx.mooc_bridge.scorm.completed")
    for name in tracking.EVENT_NAMES:
        assert f"`{name}`" in page
