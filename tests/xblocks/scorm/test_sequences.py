"""The learner's state row: locked and read by one statement, written in its transaction; the newer commit wins."""

from __future__ import annotations

import json

import pytest

from tests.scorm.test_cmi import SCORM_AGAIN_12
from xblocks.scorm import sequences
from xblocks.scorm.models import LearnerState

from .test_commits import SCO_12, commit, launch


def test_the_lock_reads_what_was_stored_and_a_new_learner_gets_an_empty_row(db):
    with sequences.locked("u", "alice") as held:
        assert held.state is None  # nothing stored yet
        held.store({"record": {"attempts": []}, "published": {}, "raw_earned": None})
    with sequences.locked("u", "alice") as held:
        assert held.state == {"record": {"attempts": []}, "published": {}, "raw_earned": None}
    with sequences.locked("u", "bob") as held:  # another learner has their own row
        assert held.state is None
    assert LearnerState.objects.count() == 2
    assert LearnerState.objects.get(key=sequences._state_key("u", "bob")).data == ""


def test_a_write_rolled_back_with_its_transaction_leaves_the_stored_state(db):
    with sequences.locked("u", "alice") as held:
        held.store({"record": {"n": 1}})
    with pytest.raises(RuntimeError, match="handler failed"), sequences.locked("u", "alice") as held:
        held.store({"record": {"n": 2}})
        raise RuntimeError("the handler failed after writing")
    with sequences.locked("u", "alice") as held:
        assert held.state == {"record": {"n": 1}}


def test_storing_after_the_lock_is_released_is_refused(db):
    with sequences.locked("u", "carol") as held:
        pass
    with pytest.raises(RuntimeError, match="outside locked"):
        held.store({"record": {"late": True}})
    assert LearnerState.objects.get(key=sequences._state_key("u", "carol")).data == ""


def test_forget_deletes_one_learners_copy(db):
    for learner in ("alice", "bob"):
        with sequences.locked("u", learner) as held:
            held.store({"record": {"who": learner}})
    assert sequences.forget("u", "alice") is True and sequences.forget("u", "alice") is False
    with sequences.locked("u", "bob") as held:
        assert held.state == {"record": {"who": "bob"}}


def test_each_database_locks_and_reads_in_one_statement(db):
    from django.db import connection

    lock, write, read_after = sequences._sql("default")
    assert read_after is None and write.startswith("UPDATE ")
    if connection.features.has_select_for_update:
        assert lock.endswith("FOR UPDATE")
    else:
        assert lock.startswith("UPDATE ") and " RETURNING " in lock


def test_an_older_commit_is_refused_even_when_the_newer_changed_nothing(scorm):
    block = scorm.block("alice", package_sha256=scorm.shas["12"])
    launch(scorm, block)
    assert commit(scorm, block, SCORM_AGAIN_12, seq=1)["result"] is True
    assert commit(scorm, block, SCORM_AGAIN_12, seq=4)["status"] == "applied"  # same values: state not rewritten
    before = json.dumps(block.record, sort_keys=True)
    answer = commit(scorm, block, {**SCORM_AGAIN_12, "cmi.core.lesson_location": "p1"}, seq=3)
    assert answer == {"result": False, "errorCode": 101, "errorMessage": "stale_commit", "seq": 4}
    assert json.dumps(block.record, sort_keys=True) == before


def test_a_refused_commit_does_not_make_later_ones_stale(scorm):
    block = scorm.block("alice", package_sha256=scorm.shas["12"])
    launch(scorm, block)
    bad = commit(scorm, block, {**SCORM_AGAIN_12, "cmi.core.score.raw": "500"}, seq=50)
    assert bad["errorMessage"] == "invalid_data"
    forged = commit(scorm, block, SCORM_AGAIN_12, seq=60, token="forged")
    assert forged["errorMessage"] == "wrong_learner"
    assert commit(scorm, block, SCORM_AGAIN_12, seq=2)["result"] is True
    assert block.record["attempts"][0]["scos"][SCO_12]["values"]["cmi.core.lesson_location"] == "p3"


def test_every_handler_reads_the_learners_record_only_after_locking_it(scorm, monkeypatch):
    """A terminate commit sent by beacon and the engine state posted a moment later must not each read the record
    before the other writes it (the one written last lost the other's data): every handler takes the lock first."""
    from xblocks.scorm.block import ScormPlayerBlock

    order = []
    real_lock, real_record = sequences._lock_and_read, ScormPlayerBlock._record
    monkeypatch.setattr(sequences, "_lock_and_read", lambda *args: (order.append("lock"), real_lock(*args))[1])
    monkeypatch.setattr(ScormPlayerBlock, "_record", lambda self: (order.append("read"), real_record(self))[1])
    block = scorm.block("alice", package_sha256=scorm.shas["2004"])
    config = launch(scorm, block)
    token = config["token"]
    calls = [("launch", {"sco": "item_1"}),
             ("engine_state", {"attempt": 1, "token": token, "engine_seq": 0, "engine": '{"version": "1.0"}'}),
             ("commit", {"sco": "item_1", "attempt": 1, "token": token, "seq": 0, "data": {}}),
             ("start_attempt", {})]
    assert order[0] == "lock" and "read" in order  # a new learner: locked twice, around the insert of the row
    for handler, body in calls:
        order.clear()
        status, _answer = scorm.json(block, handler, body)
        assert status == 200, handler
        assert order and order[0] == "lock" and "read" in order, (handler, order)
