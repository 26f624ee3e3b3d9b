"""The commit handlers on the workbench runtime: validation, sequence numbers, attempts, grade and completion."""

from __future__ import annotations

import json

import pytest

from tests.scorm.test_cmi import SCORM_AGAIN_12, SCORM_AGAIN_2004

SCO_12 = "item_1"


def launch(scorm, block, query=""):
    """Open the player page and return its config (as the launcher script reads it)."""
    response = scorm.call(block, "player", method="GET", query=query)
    assert response.status_code == 200, response.text
    html = response.text
    start = html.index(">", html.index('id="mb-scorm-config"')) + 1
    return json.loads(html[start:html.index("</script>", start)])


def new_attempt(scorm, block):
    """Start a new attempt as the block's page does (a POST), then open the player; return its config."""
    status, _answer = scorm.json(block, "start_attempt", {})
    assert status in (200, 409)
    return launch(scorm, block)


def token_of(block, attempt=1):
    """The token the launcher page got for ``attempt`` (what it sends back with each commit)."""
    attempts = block.record.get("attempts", [])
    return attempts[attempt - 1]["token"] if 0 < attempt <= len(attempts) else ""


def commit(scorm, block, data, *, seq, sco=SCO_12, attempt=1, terminate=False, token=None):
    token = token_of(block, attempt) if token is None else token
    return scorm.json(block, "commit", {"sco": sco, "attempt": attempt, "token": token, "seq": seq,
                                        "terminate": terminate, "data": data})[1]


def test_launch_serves_what_the_lms_owns(scorm):
    block = scorm.block("alice", package_sha256=scorm.shas["12"])
    config = launch(scorm, block)
    values = config["values"]
    assert config["attempt"] == 1 and config["mode"] == "normal" and config["next_sequence"] == 0
    assert values["cmi.core.student_id"] == "alice"
    assert values["cmi.core.student_name"] == "XBlock User (alice)"
    assert values["cmi.core.lesson_mode"] == "normal" and values["cmi.core.credit"] == "credit"
    assert values["cmi.core.entry"] == "ab-initio"
    assert "cmi.core.lesson_status" not in values  # scorm-again starts it at "not attempted" as the SCO's default


def test_full_scorm_again_commit_is_stored_and_graded_once(scorm):
    block = scorm.block("alice", package_sha256=scorm.shas["12"])
    launch(scorm, block)
    answer = commit(scorm, block, SCORM_AGAIN_12, seq=1)
    assert answer == {"result": True, "errorCode": 0, "seq": 1, "status": "applied", "progress": answer["progress"]}
    assert answer["progress"]  # the block's status line, which the launcher passes to the page around it
    state = block.record["attempts"][0]["scos"][SCO_12]
    assert state["values"]["cmi.core.lesson_location"] == "p3"
    assert "cmi.core.student_id" not in state["values"]  # what the LMS owns is never taken from a commit
    assert scorm.events("alice", "grade") == [("grade", {"value": 0.85, "max_value": 1.0, "only_if_higher": None})]
    assert scorm.events("alice", "completion") == [("completion", {"completion": 1.0})]

    # the same commit again (a retry after a lost answer): acknowledged, nothing changes, nothing published
    assert commit(scorm, block, SCORM_AGAIN_12, seq=1)["status"] == "duplicate"
    # a newer commit with the same outcome: stored, but grade and completion are not published again
    assert commit(scorm, block, {**SCORM_AGAIN_12, "cmi.suspend_data": "xyz"}, seq=2)["status"] == "applied"
    assert len(scorm.results("alice")) == 2
    # a better score: one more grade event
    commit(scorm, block, {**SCORM_AGAIN_12, "cmi.core.score.raw": "95"}, seq=3)
    assert [data["value"] for _kind, data in scorm.events("alice", "grade")] == [0.85, 0.95]


def test_stale_and_out_of_order_commits_are_refused_and_change_nothing(scorm):
    block = scorm.block("alice", package_sha256=scorm.shas["12"])
    launch(scorm, block)
    commit(scorm, block, {**SCORM_AGAIN_12, "cmi.core.lesson_location": "p5"}, seq=5)
    before = json.dumps(block.record, sort_keys=True)
    older = commit(scorm, block, {**SCORM_AGAIN_12, "cmi.core.lesson_location": "p2"}, seq=4)
    assert older["result"] is False and older["errorMessage"] == "stale_commit" and older["seq"] == 5
    clash = commit(scorm, block, {**SCORM_AGAIN_12, "cmi.core.lesson_location": "p9"}, seq=5)
    assert clash["errorMessage"] == "stale_commit"
    assert json.dumps(block.record, sort_keys=True) == before


RULES = [
    ("12", "cmi.core.lesson_status", "unknown", "not_in_vocabulary"),
    ("12", "cmi.core.score.raw", "101", "out_of_range"),
    ("12", "cmi.core.score.raw", "1e2", "not_a_number"),
    ("12", "cmi.core.session_time", "PT1H", "bad_format"),
    ("12", "cmi.suspend_data", "x" * 4097, "too_long"),
    ("12", "cmi.core.nonsense", "1", "unknown_element"),
    ("12", "cmi.interactions.0.id", "has space", "bad_identifier"),
    ("12", "cmi.interactions.5000.id", "q", "bad_index"),
    ("12", "cmi.student_preference.text", "2", "not_an_integer"),
    ("12", "cmi.core.lesson_location", None, "not_a_string"),
    ("2004", "cmi.score.scaled", "1.5", "out_of_range"),
    ("2004", "cmi.session_time", "00:10:00", "bad_format"),
    ("2004", "cmi.success_status", "completed", "not_in_vocabulary"),
    ("2004", "cmi.suspend_data", "x" * 64001, "too_long"),
    ("2004", "cmi.core.lesson_status", "passed", "unknown_element"),
    ("2004", "adl.nav.request", "{target=}choice", "bad_format"),
    ("2004", "cmi.learner_preference.audio_captioning", "2", "not_in_vocabulary"),
]


@pytest.mark.parametrize(("package", "element", "value", "code"), RULES)
def test_every_validation_rule_refuses_the_whole_commit(scorm, package, element, value, code):
    block = scorm.block("alice", package_sha256=scorm.shas[package])
    config = launch(scorm, block)
    full = SCORM_AGAIN_12 if package == "12" else SCORM_AGAIN_2004
    if code == "not_an_integer":
        value, code = "1.5", "not_an_integer"
    answer = commit(scorm, block, {**full, element: value}, seq=1, sco=config["sco"])
    assert answer["result"] is False and answer["errorCode"] == (101 if package == "12" else 391)
    assert [p["code"] for p in answer["problems"]] == [code]
    assert answer["problems"][0]["element"] == element[:200]
    assert block.record["attempts"][0]["scos"] == {}  # nothing half-applied
    assert scorm.results("alice") == []


def test_too_many_elements_is_refused(scorm):
    block = scorm.block("alice", package_sha256=scorm.shas["12"])
    launch(scorm, block)
    data = {f"cmi.interactions.{n}.id": f"q{n}" for n in range(5001)}
    answer = commit(scorm, block, data, seq=1)
    assert answer["problems"][0]["code"] == "too_many"


@pytest.mark.parametrize(("payload", "code"), [
    ({"sco": "nope", "attempt": 1, "seq": 1, "data": {}}, "unknown_sco"),
    ({"sco": SCO_12, "attempt": 2, "seq": 1, "data": {}}, "stale_attempt"),
    ({"sco": SCO_12, "attempt": True, "seq": 1, "data": {}}, "bad_payload"),
    ({"sco": SCO_12, "attempt": 1, "seq": "1", "data": {}}, "bad_payload"),
    ({"sco": SCO_12, "attempt": 1, "seq": 1, "data": "cmi.core.lesson_status=passed"}, "bad_payload"),
    ({"sco": SCO_12, "attempt": 1, "seq": 1}, "bad_payload"),
    ({"sco": ["item_1"], "attempt": 1, "seq": 1, "data": {}}, "unknown_sco"),
    ([1, 2, 3], "bad_payload"),
])
def test_bad_payloads_are_refused_with_a_code(scorm, payload, code):
    block = scorm.block("alice", package_sha256=scorm.shas["12"])
    launch(scorm, block)
    status, answer = scorm.json(block, "commit", payload)
    assert status == 200 and answer["result"] is False and answer["errorMessage"] == code
    assert block.record["attempts"][0]["scos"] == {}


def test_a_body_that_is_not_json_is_a_400(scorm):
    block = scorm.block("alice", package_sha256=scorm.shas["12"])
    launch(scorm, block)
    assert scorm.call(block, "commit", raw=b"{not json").status_code == 400
    assert scorm.call(block, "commit_beacon", raw=b"payload=%7Bnope", content_type="application/x-www-form-urlencoded"
                      ).status_code == 400


def test_beacon_commit_is_stored_and_resume_restores_location_and_time(scorm):
    block = scorm.block("alice", package_sha256=scorm.shas["2004"])
    config = launch(scorm, block)
    sco = config["sco"]
    body = {"sco": sco, "attempt": 1, "token": config["token"], "seq": 1, "terminate": True,
            "data": {"cmi": {"location": "page-4", "exit": "suspend", "suspend_data": "s", "session_time": "PT2M",
                             "completion_status": "incomplete"}}}
    response = scorm.call(block, "commit_beacon", raw=b"payload=" + json.dumps(body).encode(),
                          content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and json.loads(response.body)["result"] is True

    again = launch(scorm, block)
    assert again["values"]["cmi.entry"] == "resume"
    assert again["values"]["cmi.location"] == "page-4" and again["values"]["cmi.suspend_data"] == "s"
    assert again["values"]["cmi.total_time"] == "PT2M"
    assert again["next_sequence"] == 2 and again["attempt"] == 1


def test_progress_measure_is_published_as_completion(scorm):
    block = scorm.block("alice", package_sha256=scorm.shas["2004"])
    sco = launch(scorm, block)["sco"]
    commit(scorm, block, {"cmi.progress_measure": "0.4", "cmi.completion_status": "incomplete"}, seq=1, sco=sco)
    commit(scorm, block, {"cmi.progress_measure": "0.4", "cmi.completion_status": "incomplete",
                          "cmi.location": "2"}, seq=2, sco=sco)
    assert scorm.events("alice", "completion") == [("completion", {"completion": 0.4})]
    assert scorm.events("alice", "grade") == []


def test_rescoring_follows_the_current_settings(scorm):
    block = scorm.block("alice", package_sha256=scorm.shas["12"])
    launch(scorm, block)
    commit(scorm, block, SCORM_AGAIN_12, seq=1)
    staff_view = scorm.block("staff", weight=4.0)
    block = scorm.block("alice")
    assert block.calculate_score().raw_earned == pytest.approx(0.85 * staff_view.weight)
    block.rescore(only_if_higher=False)
    block.save()
    assert scorm.events("alice", "grade")[-1][1]["value"] == pytest.approx(3.4)
    assert block.get_score().raw_possible == 4.0


def test_attempts_allowed_then_review_mode_records_nothing(scorm):
    block = scorm.block("alice", package_sha256=scorm.shas["12"], attempts_allowed=1)
    launch(scorm, block)
    commit(scorm, block, SCORM_AGAIN_12, seq=1, terminate=True)
    review = new_attempt(scorm, block)
    assert review["mode"] == "review" and review["attempts_used"] == 1
    assert review["values"]["cmi.core.lesson_mode"] == "review" and review["values"]["cmi.core.credit"] == "no-credit"
    answer = commit(scorm, block, {**SCORM_AGAIN_12, "cmi.core.score.raw": "10"}, seq=2)
    assert answer["result"] is False and answer["errorMessage"] == "stale_attempt"
    assert [data["value"] for _k, data in scorm.events("alice", "grade")] == [0.85]


def test_a_new_attempt_when_allowed_is_graded_by_the_chosen_method(scorm):
    block = scorm.block("alice", package_sha256=scorm.shas["12"], attempts_allowed=2, attempt_grading="last")
    launch(scorm, block)
    commit(scorm, block, SCORM_AGAIN_12, seq=1, terminate=True)
    second = new_attempt(scorm, block)
    assert second["attempt"] == 2 and second["mode"] == "normal" and second["values"]["cmi.core.entry"] == "ab-initio"
    commit(scorm, block, {**SCORM_AGAIN_12, "cmi.core.score.raw": "40"}, seq=1, attempt=2)
    assert scorm.events("alice", "grade")[-1][1]["value"] == pytest.approx(0.4)
    assert commit(scorm, block, SCORM_AGAIN_12, seq=9, attempt=1)["errorMessage"] == "stale_attempt"


def test_learners_do_not_share_state(scorm):
    alice = scorm.block("alice", package_sha256=scorm.shas["12"])
    launch(scorm, alice)
    commit(scorm, alice, SCORM_AGAIN_12, seq=1)
    bob = scorm.block("bob")
    config = launch(scorm, bob)
    assert "cmi.core.lesson_status" not in config["values"] and config["next_sequence"] == 0
    assert scorm.events("bob", "grade") == []


def test_no_package_means_404_and_a_sentence(scorm):
    block = scorm.block("alice", package_sha256="f" * 64)
    assert scorm.call(block, "player", method="GET").status_code == 404
    status, answer = scorm.json(block, "commit", {"sco": "x", "attempt": 1, "seq": 1, "data": {}})
    assert status == 404 and answer["error"]


def test_12_commits_before_any_status_are_stored_and_finish_records_completed(scorm):
    """What scorm-again sends for a SCO that bookmarks before it sets a status: the preloaded default echoed."""
    block = scorm.block("alice", package_sha256=scorm.shas["12"])
    launch(scorm, block)
    early = {**SCORM_AGAIN_12, "cmi.core.lesson_status": "not attempted", "cmi.core.score.raw": "",
             "cmi.core.lesson_location": "p2", "cmi.suspend_data": "bookmark"}
    answer = commit(scorm, block, early, seq=1)
    assert answer["result"] is True and answer["errorCode"] == 0
    stored = block.record["attempts"][0]["scos"][SCO_12]["values"]
    assert stored["cmi.core.lesson_location"] == "p2" and "cmi.core.lesson_status" not in stored
    assert commit(scorm, block, {**early, "cmi.core.exit": ""}, seq=2, terminate=True)["result"] is True
    assert block.record["attempts"][0]["scos"][SCO_12]["values"]["cmi.core.lesson_status"] == "completed"
    assert scorm.events("alice", "completion")[-1] == ("completion", {"completion": 1.0})
    again = launch(scorm, block)  # a normal finish, then the same attempt again: the bookmark comes back
    assert again["attempt"] == 1 and again["values"]["cmi.core.lesson_location"] == "p2"
    assert again["values"]["cmi.suspend_data"] == "bookmark"


def test_refusals_answer_with_the_commit_failure_code_of_the_version(scorm):
    for key, code in (("12", 101), ("2004", 391)):
        block = scorm.block(f"v{key}", package_sha256=scorm.shas[key])
        sco = launch(scorm, block)["sco"]
        data = {"cmi.suspend_data": "x"}
        assert commit(scorm, block, data, seq=3, sco=sco)["result"] is True
        assert commit(scorm, block, data, seq=2, sco=sco)["errorCode"] == code  # stale
        assert commit(scorm, block, {}, seq=4, sco=sco, attempt=9)["errorCode"] == code  # not this attempt


def test_a_commit_made_for_another_learner_is_refused_and_stores_nothing(scorm):
    """A shared computer: alice's queued commit replayed while bob is signed in, with her token, or none."""
    alice = scorm.block("alice", package_sha256=scorm.shas["12"])
    alice_config = launch(scorm, alice)
    bob = scorm.block("bob")
    bob_config = launch(scorm, bob)
    assert alice_config["token"] != bob_config["token"] and alice_config["store"] != bob_config["store"]
    before = json.dumps(bob.record, sort_keys=True)
    for token in (alice_config["token"], "", "forged"):
        answer = commit(scorm, bob, {**SCORM_AGAIN_12, "cmi.core.lesson_location": "alice-p9"}, seq=1, token=token)
        assert answer["result"] is False and answer["errorMessage"] == "wrong_learner" and answer["errorCode"] == 101
    assert json.dumps(bob.record, sort_keys=True) == before
    assert scorm.results("bob") == []
    # alice's own commit, with her token, is stored in her record
    assert commit(scorm, alice, SCORM_AGAIN_12, seq=1)["result"] is True
    assert alice.record["attempts"][0]["scos"][SCO_12]["values"]["cmi.core.lesson_location"] == "p3"


def test_tokens_and_store_key_survive_relaunch_and_differ_per_attempt(scorm):
    block = scorm.block("alice", package_sha256=scorm.shas["12"], attempts_allowed=2)
    first = launch(scorm, block)
    assert launch(scorm, block)["token"] == first["token"]
    commit(scorm, block, SCORM_AGAIN_12, seq=1, terminate=True)
    second = new_attempt(scorm, block)
    assert second["attempt"] == 2 and second["token"] != first["token"] and second["store"] == first["store"]
    # the first attempt's token no longer opens a closed attempt
    answer = commit(scorm, block, SCORM_AGAIN_12, seq=5, attempt=1, token=first["token"])
    assert answer["errorMessage"] == "stale_attempt"


def test_a_get_never_changes_attempts_a_post_starts_one(scorm):
    block = scorm.block("alice", package_sha256=scorm.shas["12"], attempts_allowed=3)
    launch(scorm, block)
    commit(scorm, block, {**SCORM_AGAIN_12, "cmi.core.lesson_status": "incomplete"}, seq=1)
    before = json.dumps(block.record, sort_keys=True)
    for query in ("new_attempt=1", "new_attempt=1&item=item_1", ""):
        config = launch(scorm, block, query=query)
        assert config["attempt"] == 1 and config["attempts_used"] == 1
    assert scorm.call(block, "start_attempt", method="GET").status_code == 405
    assert json.dumps(block.record, sort_keys=True) == before

    status, answer = scorm.json(block, "start_attempt", {})
    assert status == 200 and answer["attempt"] == 2 and answer["more"] is True
    assert answer["player_url"].split("?")[0].endswith("/player/")
    assert [a["closed"] for a in block.record["attempts"]] == [True, False]
    assert launch(scorm, block)["attempt"] == 2
    scorm.json(block, "start_attempt", {})
    status, answer = scorm.json(block, "start_attempt", {})  # the fourth of three allowed
    assert status == 409 and len(block.record["attempts"]) == 3


def test_the_page_offers_a_new_attempt_as_a_post_button(scorm):
    block = scorm.block("alice", package_sha256=scorm.shas["12"], attempts_allowed=2)
    assert "mb-scorm-new-attempt" not in block.student_view().content  # nothing to start over yet
    launch(scorm, block)
    html = scorm.block("alice").student_view().content
    assert '<button type="button" class="mb-scorm-new-attempt" data-url="' in html and "new_attempt=" not in html


def test_a_bookmark_only_commit_publishes_nothing_and_a_score_commit_does(scorm):
    block = scorm.block("alice", package_sha256=scorm.shas["12"])
    launch(scorm, block)
    assert commit(scorm, block, {**SCORM_AGAIN_12, "cmi.core.score.raw": "70"}, seq=1)["status"] == "applied"
    events = len(scorm.events("alice"))
    answer = commit(scorm, block, {**SCORM_AGAIN_12, "cmi.core.score.raw": "70",
                                   "cmi.core.lesson_location": "p9", "cmi.suspend_data": "s"}, seq=2)
    assert answer["status"] == "applied" and answer["progress"] == block._status_text()
    assert len(scorm.events("alice")) == events  # nothing to tell: no grade, completion or SCO change
    assert scorm.block("alice").record["attempts"][0]["scos"][SCO_12]["values"]["cmi.core.lesson_location"] == "p9"
    commit(scorm, block, {**SCORM_AGAIN_12, "cmi.core.score.raw": "90", "cmi.core.lesson_location": "p9"}, seq=3)
    assert [data["value"] for _kind, data in scorm.events("alice", "grade")][-1] == 0.9


def test_the_status_line_says_started_once_a_sco_is_opened_and_not_done(scorm):
    block = scorm.block("lin", package_sha256=scorm.shas["12"])
    launch(scorm, block)
    assert block._status_text() == "Not started"
    answer = commit(scorm, block, {"cmi.core.lesson_status": "incomplete", "cmi.core.lesson_location": "p1"}, seq=0)
    assert answer["progress"] == "Progress 0%", "an opened SCO that is not done is not 'not started'"
