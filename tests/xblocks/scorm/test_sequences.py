"""The stored commit sequence: claimed atomically, the newer wins, a refused commit's claim is rolled back."""

from __future__ import annotations

import json

from tests.scorm.test_cmi import SCORM_AGAIN_12
from xblocks.scorm import sequences
from xblocks.scorm.models import CommitSequence

from .test_commits import SCO_12, commit, launch


def test_claims_only_move_forward(db):
    def claim(seq):
        with sequences.guarded("u", "alice", {"sco": "s", "attempt": 1, "seq": seq}) as verdict:
            return verdict

    assert claim(3) == ("newer", 3)
    assert claim(3) == ("same", 3)
    assert claim(2) == ("older", 3)
    assert claim(4) == ("newer", 4)
    assert CommitSequence.objects.get(key=sequences._key("u", "alice", 1, "s")).sequence == 4
    # another learner, attempt or SCO has its own row
    with sequences.guarded("u", "bob", {"sco": "s", "attempt": 1, "seq": 0}) as verdict:
        assert verdict == ("newer", 0)
    with sequences.guarded("u", "alice", {"sco": "s", "attempt": 2, "seq": 0}) as verdict:
        assert verdict == ("newer", 0)
    for malformed in ([], {"sco": "s", "attempt": True, "seq": 1}, {"sco": 1, "attempt": 1, "seq": 1},
                      {"sco": "s", "attempt": 1, "seq": "9"}):
        with sequences.guarded("u", "alice", malformed) as verdict:
            assert verdict == ("unchecked", -1)
    assert CommitSequence.objects.count() == 3 + 2  # and one lock row per learner (sequences.locked)


def test_a_refused_claim_is_rolled_back(db):
    with sequences.guarded("u", "alice", {"sco": "s", "attempt": 1, "seq": 7}):
        sequences.refuse()
    with sequences.guarded("u", "alice", {"sco": "s", "attempt": 1, "seq": 1}) as verdict:
        assert verdict == ("newer", 1)


def test_an_older_commit_is_refused_before_the_state_is_read_even_when_the_newer_changed_nothing(scorm):
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
    real_lock, real_record = sequences._lock, ScormPlayerBlock._record
    monkeypatch.setattr(sequences, "_lock", lambda *args: (order.append("lock"), real_lock(*args))[1])
    monkeypatch.setattr(ScormPlayerBlock, "_record", lambda self: (order.append("read"), real_record(self))[1])
    block = scorm.block("alice", package_sha256=scorm.shas["2004"])
    config = launch(scorm, block)
    token = config["token"]
    calls = [("launch", {"sco": "item_1"}),
             ("engine_state", {"attempt": 1, "token": token, "engine_seq": 0, "engine": '{"version": "1.0"}'}),
             ("commit", {"sco": "item_1", "attempt": 1, "token": token, "seq": 0, "data": {}}),
             ("start_attempt", {})]
    assert order[:2] == ["lock", "read"]
    for handler, body in calls:
        order.clear()
        status, _answer = scorm.json(block, handler, body)
        assert status == 200, handler
        assert order and order[0] == "lock" and "read" in order, (handler, order)
