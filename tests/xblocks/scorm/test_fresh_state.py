"""The learner's state is read inside the lock, not from the fields the runtime loaded before it (ADR 0027).

edx-platform's FieldDataCache loads ``Scope.user_state`` before the handler runs and XBlock keeps what it read,
so two requests of one learner are here two block instances whose fields were read before either wrote.
"""

from __future__ import annotations

from tests.scorm.test_cmi import SCORM_AGAIN_12, SCORM_AGAIN_2004
from tests.xblocks.scorm.test_commits import SCO_12, commit, launch


def preloaded(scorm, learner="alice"):
    """The block of one request as the LMS hands it to the handler: the learner's fields already read."""
    block = scorm.block(learner)
    assert block.record is not None and block.published is not None and block.state_stored in (True, False)
    return block


def test_a_commit_survives_the_engine_state_of_a_request_loaded_before_it(scorm):
    first = scorm.block("alice", package_sha256=scorm.shas["2004"])
    token = launch(scorm, first)["token"]
    beacon, engine = preloaded(scorm), preloaded(scorm)

    data = {**SCORM_AGAIN_2004, "cmi.location": "page-7", "cmi.suspend_data": "from-the-beacon"}
    answer = scorm.json(beacon, "commit", {"sco": "item_1", "attempt": 1, "token": token, "seq": 1,
                                           "terminate": True, "data": data})[1]
    assert answer["status"] == "applied"
    status, answer = scorm.json(engine, "engine_state", {"attempt": 1, "token": token, "engine_seq": 0,
                                                         "engine": '{"version": "1.0"}'})
    assert (status, answer["status"]) == (200, "applied")

    record = scorm.block("alice").record
    values = record["attempts"][0]["scos"]["item_1"]["values"]
    assert values["cmi.location"] == "page-7" and values["cmi.suspend_data"] == "from-the-beacon"
    assert scorm.block("alice").published == beacon.published != {}  # the engine request did not forget it


def test_a_launch_loaded_before_a_commit_keeps_and_serves_its_data(scorm):
    first = scorm.block("alice", package_sha256=scorm.shas["12"])
    launch(scorm, first)
    committer, launcher = preloaded(scorm), preloaded(scorm)
    commit(scorm, committer, {**SCORM_AGAIN_12, "cmi.core.lesson_location": "p9"}, seq=1)
    status, answer = scorm.json(launcher, "launch", {"sco": SCO_12})
    assert status == 200 and answer["values"]["cmi.core.lesson_location"] == "p9"
    state = scorm.block("alice").record["attempts"][0]["scos"][SCO_12]["values"]
    assert state["cmi.core.lesson_location"] == "p9"


def test_a_lower_grade_committed_by_a_request_with_stale_published_is_published(scorm):
    first = scorm.block("alice", package_sha256=scorm.shas["12"])
    launch(scorm, first)
    token = first.record["attempts"][0]["token"]
    commit(scorm, first, {**SCORM_AGAIN_12, "cmi.core.score.raw": "50"}, seq=1)
    a, b = preloaded(scorm), preloaded(scorm)
    assert b.published["grade"] == 0.5
    commit(scorm, a, {**SCORM_AGAIN_12, "cmi.core.score.raw": "90"}, seq=2, token=token)
    commit(scorm, b, {**SCORM_AGAIN_12, "cmi.core.score.raw": "50"}, seq=3, token=token)
    assert [data["value"] for _kind, data in scorm.events("alice", "grade")] == [0.5, 0.9, 0.5]
    assert scorm.block("alice").published["grade"] == 0.5 and scorm.block("alice").raw_earned == 0.5


def test_a_staff_reset_is_not_undone_by_a_request_loaded_before_it(scorm):
    alice = scorm.block("alice", package_sha256=scorm.shas["12"])
    launch(scorm, alice)
    commit(scorm, alice, {**SCORM_AGAIN_12, "cmi.core.lesson_location": "p3"}, seq=1)
    stale = preloaded(scorm)
    status, answer = scorm.json(scorm.block("staff-1"), "staff_reset", {"learner": "alice", "attempt": 1})
    assert status == 200 and answer["result"] == "deleted"
    status, _answer = scorm.json(stale, "engine_state", {"attempt": 1, "token": "x", "engine_seq": 0, "engine": "{}"})
    assert status == 200
    assert scorm.block("alice").record["attempts"] == []
    config = launch(scorm, stale)
    assert "cmi.core.lesson_location" not in config["values"] and config["attempt"] == 1


def test_fields_written_by_the_lms_tools_hold_over_the_stored_copy(scorm):
    """An LMS-side reset (the user state client) or a deleted state clears the mark: the fields are newer."""
    alice = scorm.block("alice", package_sha256=scorm.shas["12"])
    launch(scorm, alice)
    commit(scorm, alice, {**SCORM_AGAIN_12, "cmi.core.lesson_location": "p3"}, seq=1)
    assert alice.state_stored is True
    rewritten = scorm.block("alice")
    rewritten.record, rewritten.published, rewritten.raw_earned, rewritten.state_stored = {}, {}, None, False
    rewritten.save()
    config = launch(scorm, scorm.block("alice"))
    assert config["attempt"] == 1 and "cmi.core.lesson_location" not in config["values"]
    assert len(scorm.block("alice").record["attempts"]) == 1
