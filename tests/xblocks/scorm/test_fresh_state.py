"""The learner's state is read inside the lock, not from the fields the runtime loaded before it (ADR 0027).

edx-platform's FieldDataCache loads ``Scope.user_state`` before the handler runs and XBlock keeps what it read,
so two requests of one learner are here two block instances whose fields were read before either wrote.
"""

from __future__ import annotations

import pytest

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


def test_the_first_state_stored_by_a_concurrent_request_is_not_overwritten(scorm):
    """Two requests of a learner with nothing stored yet, both loaded before either wrote: the second takes what
    the first stored (the fields as stored now carry the mark), rather than starting an attempt of its own."""
    scorm.block("author", package_sha256=scorm.shas["12"])  # the package, for every learner
    page, other = preloaded(scorm), preloaded(scorm)
    assert page.state_stored is False and other.state_stored is False
    token = launch(scorm, page)["token"]
    answer = commit(scorm, other, {**SCORM_AGAIN_12, "cmi.core.lesson_location": "p5"}, seq=1, token=token)
    assert answer["status"] == "applied"
    record = scorm.block("alice").record
    assert len(record["attempts"]) == 1 and record["attempts"][0]["token"] == token
    assert record["attempts"][0]["scos"][SCO_12]["values"]["cmi.core.lesson_location"] == "p5"


def test_in_the_lms_the_user_state_client_tells_a_concurrent_first_write_from_a_reset(scorm, monkeypatch):
    """The LMS's fields are cached for the request (``FieldDataCache``): whether they carry the mark now is asked of
    the user state client, as edx-platform's ``DjangoXBlockUserStateClient.get(username, block_key, fields=...)``
    (lms/djangoapps/courseware/user_state_client.py) answers: the stored fields, or ``DoesNotExist``."""
    from types import SimpleNamespace

    from xblocks.scorm import staff

    scorm.block("author", package_sha256=scorm.shas["12"])
    stored_now: dict = {}

    class Client:
        class DoesNotExist(Exception):
            pass

        def get(self, username, block_key, fields=None):
            assert username == "alice" and fields == ["state_stored"]
            if not stored_now:
                raise self.DoesNotExist()
            return SimpleNamespace(state={name: stored_now[name] for name in fields if name in stored_now})

    monkeypatch.setattr(staff, "lms_state_client", lambda: Client())
    first, second, third = preloaded(scorm), preloaded(scorm), preloaded(scorm)
    monkeypatch.setattr(type(first), "_username", lambda self: "alice")  # opt_attrs["edx-platform.username"]
    token = launch(scorm, first)["token"]
    stored_now.update(state_stored=True)  # the first request's save
    assert commit(scorm, second, SCORM_AGAIN_12, seq=1, token=token)["status"] == "applied"
    stored_now.clear()  # then the LMS deleted the learner's state (a course-wide "delete state" task)
    config = launch(scorm, third)
    assert config["token"] != token and "cmi.core.lesson_location" not in config["values"]


def test_the_lms_deleting_a_learners_state_deletes_our_copy(scorm):
    """edx-platform's ``reset_student_attempts`` with ``delete_module`` calls ``clear_student_state`` with the
    learner's anonymous id on the course's block (lms/djangoapps/instructor/enrollment.py)."""
    from xblocks.scorm.models import LearnerState

    alice = scorm.block("alice", package_sha256=scorm.shas["12"])
    launch(scorm, alice)
    commit(scorm, alice, {**SCORM_AGAIN_12, "cmi.core.lesson_location": "p3"}, seq=1)
    bob = scorm.block("bob")
    launch(scorm, bob)
    assert LearnerState.objects.count() == 2
    scorm.block("author").clear_student_state(user_id="alice", course_id="course-v1:x+y+z", item_id=scorm.usage,
                                              requesting_user_id="staff")
    assert LearnerState.objects.count() == 1  # bob's is kept
    reset = scorm.block("alice")
    reset.record, reset.published, reset.raw_earned, reset.state_stored = {}, {}, None, False  # StudentModule deleted
    reset.save()
    config = launch(scorm, scorm.block("alice"))
    assert "cmi.core.lesson_location" not in config["values"]


def test_the_record_field_is_replaced_whole_never_changed_in_place(scorm):
    import copy
    import pickle

    alice = scorm.block("alice", package_sha256=scorm.shas["12"])
    launch(scorm, alice)
    record = alice.record
    with pytest.raises(TypeError):
        record["attempts"] = []
    with pytest.raises(TypeError):
        record.update(attempts=[])
    assert copy.deepcopy(record) is record
    assert pickle.loads(pickle.dumps(record)) == record
    alice.record = {**record, "store_key": "other"}
    alice.save()
    assert scorm.block("alice").record["store_key"] == "other"
