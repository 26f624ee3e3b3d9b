"""Views, staff handlers, Studio upload and package choice of the SCORM block, on the workbench runtime."""

from __future__ import annotations

import csv
import io
import json
import shutil

import lxml.html
import pytest

from tests.conftest import SHARED_FIXTURES
from tests.scorm import zipmaker
from tests.scorm.test_cmi import SCORM_AGAIN_12
from xblocks.scorm import staff as staff_module

from .conftest import GOLF
from .test_commits import SCO_12, commit, launch

HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


def hostile_zip() -> bytes:
    manifest = zipmaker.manifest().replace("<title>Lesson 1</title>", f"<title>{_xml(HOSTILE)}</title>")
    manifest = manifest.replace("<title>Test course</title>", f"<title>{_xml(HOSTILE)}</title>")
    return zipmaker.build({"imsmanifest.xml": manifest, "index.html": "<html>hi</html>"})


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def upload(scorm, block, data: bytes, name="package.zip"):
    return scorm.call(block, "upload_package", method="POST", POST={"package": (name, data)})


def no_markup(html: str) -> None:
    root = lxml.html.document_fromstring(html)
    assert not root.xpath("//img[@onerror]")
    assert all("alert(" not in (script.text or "") for script in root.xpath("//script[not(@type)]"))


def test_markup_in_titles_and_cmi_data_never_runs(scorm, tmp_path):
    block = scorm.block("staff-1", display_name=HOSTILE)
    status = json.loads(upload(scorm, block, hostile_zip()).body)
    assert status["valid"] is True
    block = scorm.block("alice", package_sha256=status["sha256"])
    player = scorm.call(block, "player", method="GET").text
    no_markup(player)
    assert "&lt;img" in player  # the TOC title is shown as text
    config = launch(scorm, block)
    assert config["items"][0]["title"] == HOSTILE  # kept as data, escaped in the page's JSON
    evil = "</script><script>alert(3)</script>"
    # a suspended session, so the next launch preloads what the SCO saved
    assert commit(scorm, block, {"cmi.suspend_data": evil, "cmi.core.lesson_location": HOSTILE,
                                 "cmi.core.exit": "suspend", "cmi.interactions.0.id": "q1",
                                 "cmi.interactions.0.student_response": HOSTILE},
                  seq=1, sco=config["sco"], terminate=True)["result"] is True
    again = scorm.call(block, "player", method="GET").text
    assert "</script><script>alert(3)" not in again
    no_markup(again)
    values = launch(scorm, block)["values"]
    assert values["cmi.suspend_data"] == evil and values["cmi.core.lesson_location"] == HOSTILE  # data intact
    fragment = block.student_view({})
    no_markup(fragment.content)
    assert "&lt;img" in fragment.content
    staff = scorm.block("staff-1")
    page = scorm.call(staff, "staff_attempts", method="GET").text
    no_markup(page)
    assert "&lt;img" in page  # the learner's answer is shown, as text


def test_student_view_data_for_the_mobile_apps(scorm):
    block = scorm.block("alice", package_sha256=scorm.shas["12"], weight=5.0, display_mode="window")
    launch(scorm, block)
    commit(scorm, block, SCORM_AGAIN_12, seq=1)
    data = block.student_view_data()
    assert data["package_sha256"] == scorm.shas["12"] and data["display_mode"] == "window" and data["weight"] == 5.0
    assert data["player_url"].startswith("/handler/") and "/player/" in data["player_url"]
    assert data["grade"] == pytest.approx(0.85) and data["completion"] == 1.0
    assert json.dumps(data)
    assert "multi_device" in type(block).student_view._supports


def test_package_handlers_are_refused_to_learners(scorm):
    block = scorm.block("alice", package_sha256=scorm.shas["12"])
    assert upload(scorm, block, b"PK not really").status_code == 403
    assert scorm.call(block, "check_package", {"sha256": scorm.shas["12"]}).status_code == 403
    assert scorm.call(block, "upload_status", method="GET", query="job=x").status_code == 403
    assert not (scorm.root / ".uploads").exists() or not any((scorm.root / ".uploads").iterdir())


def test_a_learner_who_uploads_is_told_why_in_their_language(scorm):
    from django.utils import translation

    block = scorm.block("alice", package_sha256=scorm.shas["12"])
    with translation.override("zh-hans"):
        response = upload(scorm, block, b"PK not really")
    body = json.loads(response.body)
    assert response.status_code == 403 and body["valid"] is False
    message = body["errors"][0]["message"]
    assert body["message"] == message and body["errors"][0]["code"] == "forbidden"
    assert message.startswith("只有课程团队可以上传或更换此组件的课件包。")
    assert "“alice”" in message and "?student=staff" in message  # the workbench says how to act as staff
    assert "Traceback" not in response.text


def test_staff_handlers_are_refused_to_learners(scorm):
    block = scorm.block("alice", package_sha256=scorm.shas["12"])
    launch(scorm, block)
    for handler, method in (("staff_attempts", "GET"), ("staff_csv", "GET"), ("staff_reset", "POST")):
        response = scorm.call(block, handler, {"learner": "alice", "attempt": 1}, method=method)
        assert response.status_code == 403, handler
        assert "attempts" not in response.text
    assert block.record["attempts"]  # nothing was reset
    assert 'class="mb-scorm-staff"' not in block.student_view({}).content


def test_staff_see_attempts_download_csv_and_reset_one(scorm):
    alice = scorm.block("alice", package_sha256=scorm.shas["12"])
    launch(scorm, alice)
    data = {**SCORM_AGAIN_12, "cmi.interactions.0.type": "choice", "cmi.interactions.0.student_response": "=cmd",
            "cmi.interactions.0.result": "correct"}
    commit(scorm, alice, data, seq=1, terminate=True)
    bob = scorm.block("bob")
    launch(scorm, bob)

    staff = scorm.block("staff-1")
    assert 'class="mb-scorm-staff"' in staff.student_view({}).content
    status, listing = scorm.json(staff, "staff_attempts", method="GET", query="format=json")
    assert status == 200
    by_learner = {entry["learner"]: entry for entry in listing["learners"]}
    attempt = by_learner["alice"]["attempts"][0]
    item = attempt["items"][0]
    assert (item["sco"], item["completion"], item["success"], item["score"]) == (SCO_12, "completed", "passed", 85.0)
    assert item["seconds"] == 60.0
    assert item["interactions"] == [{"id": "q1", "type": "choice", "result": "correct", "response": "=cmd"}]
    assert by_learner["bob"]["attempts"][0]["items"] == []

    response = scorm.call(staff, "staff_csv", method="GET")
    assert response.status_code == 200 and response.content_type == "text/csv"
    rows = list(csv.reader(io.StringIO(response.body.decode("utf-8-sig"))))
    assert rows[0][0] == "Learner"
    alice_row = next(row for row in rows if row[0] == "alice")
    assert alice_row[4:8] == [SCO_12, "completed", "passed", "85.0"]
    assert alice_row[9] == "q1==cmd (correct)"
    assert staff_module._cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"  # no formula reaches a spreadsheet

    status, answer = scorm.json(staff, "staff_reset", {"learner": "alice", "attempt": 1})
    assert status == 200 and answer["result"] == "deleted"
    assert scorm.block("alice").record["attempts"] == []
    assert scorm.events("alice", "grade")[-1][1]["value"] == 0.0
    assert scorm.json(staff, "staff_reset", {"learner": "alice", "attempt": 1})[0] == 404
    assert scorm.json(staff, "staff_reset", {"learner": 5})[0] == 400
    assert scorm.json(staff, "staff_reset", {"learner": "bob", "attempt": "1"})[0] == 400


def test_upload_checks_first_and_switches_only_on_save(scorm, tmp_path):
    block = scorm.block("staff-1", package_sha256=scorm.shas["12"])
    bad = upload(scorm, block, b"not a zip at all")
    answer = json.loads(bad.body)
    assert bad.status_code == 400 and answer["valid"] is False and answer["errors"]
    assert scorm.call(block, "upload_package", method="POST").status_code == 400  # no file

    good = upload(scorm, block, _golf(scorm, "2004").read_bytes())
    answer = json.loads(good.body)
    assert good.status_code == 200 and answer["valid"] is True and answer["sha256"] == scorm.shas["2004"]
    assert scorm.block("alice").package_sha256 == scorm.shas["12"]  # the old version still serves

    status, answer = scorm.json(block, "submit_studio_edits", {"values": {"package_sha256": "0" * 64}, "defaults": []})
    assert status == 400 and scorm.block("alice").package_sha256 == scorm.shas["12"]
    status, _answer = scorm.json(block, "submit_studio_edits",
                                 {"values": {"package_sha256": " " + scorm.shas["2004"].upper()}, "defaults": []})
    assert status == 200 and scorm.block("alice").package_sha256 == scorm.shas["2004"]
    status, _answer = scorm.json(block, "submit_studio_edits", {"values": {"mastery_override": 150}, "defaults": []})
    assert status == 400


def _golf(scorm, key):
    return SHARED_FIXTURES / "scorm" / "valid" / GOLF[key]


def test_check_package_by_sha256_and_fetch_from_course_files(scorm, settings, tmp_path):
    root = tmp_path / "storage"
    assets = tmp_path / "assets" / "scorm"
    assets.mkdir(parents=True)
    sha = scorm.shas["multi"]
    shutil.copy(_golf(scorm, "multi"), assets / f"{sha}.zip")
    shutil.copy(_golf(scorm, "12"), assets / f"{'0' * 64}.zip")  # a file whose bytes do not match its name
    settings.XBLOCK_SETTINGS = {"mooc_bridge_scorm": {"STORAGE_ROOT": str(root),
                                                      "COURSE_ASSETS_ROOT": str(tmp_path / "assets")}}
    staff = scorm.block("staff-1")
    assert scorm.json(staff, "check_package", {"sha256": "nope"})[1]["errors"][0]["code"] == "bad_sha256"
    assert scorm.json(staff, "check_package", {"sha256": "0" * 64})[1]["errors"][0]["code"] == "not_imported"
    assert not (root / ("0" * 64)).exists()
    _status, report = scorm.json(staff, "check_package", {"sha256": sha})
    assert report["valid"] is True and report["sha256"] == sha and report["title"]
    shutil.rmtree(root / sha)

    # first use of a block whose package is only among the course's files: fetched, verified, imported
    learner = scorm.block("alice", package_sha256=sha, package_file=f"scorm/{sha}.zip")
    config = launch(scorm, learner)
    assert len([i for i in config["items"] if i["url"]]) > 1
    assert (root / sha / "imsmanifest.xml").is_file()


def test_upload_goes_to_celery_when_configured_and_the_page_polls(scorm, settings, monkeypatch):
    from xblocks.scorm import tasks

    queued = []
    monkeypatch.setattr(tasks.import_package_task, "delay", lambda *args: queued.append(args))
    settings.XBLOCK_SETTINGS = {"mooc_bridge_scorm": {"STORAGE_ROOT": str(scorm.root), "USE_CELERY": True,
                                                      "CELERY_MIN_BYTES": 1}}
    staff = scorm.block("staff-1")
    response = upload(scorm, staff, _golf(scorm, "2004").read_bytes())
    answer = json.loads(response.body)
    assert response.status_code == 202 and answer["state"] == "queued" and len(queued) == 1
    _status, polled = scorm.json(staff, "upload_status", method="GET", query=f"job={answer['job']}")
    assert polled["state"] == "queued"
    tasks.import_package_task.run(*queued[0])  # what the worker does
    _status, polled = scorm.json(staff, "upload_status", method="GET", query=f"job={answer['job']}")
    assert polled["state"] == "done" and polled["valid"] is True and polled["sha256"] == scorm.shas["2004"]
    assert scorm.json(staff, "upload_status", method="GET", query="job=../../etc")[0] == 404


def test_an_lms_reset_rewrites_the_learners_state_and_forgets_what_was_published(scorm, monkeypatch):
    from types import SimpleNamespace

    from xblocks.scorm import staff as staff_module

    alice = scorm.block("alice", package_sha256=scorm.shas["12"])
    launch(scorm, alice)
    commit(scorm, alice, {**SCORM_AGAIN_12, "cmi.core.score.raw": "80"}, seq=1, terminate=True)
    stored = {"alice": {"record": alice.record, "published": dict(alice.published), "raw_earned": alice.raw_earned}}
    assert stored["alice"]["published"]

    class Client:  # the shape of edx-platform's DjangoXBlockUserStateClient
        def get(self, username, usage):
            return SimpleNamespace(state=stored[username])

        def set(self, username, usage, state):
            stored[username] = state

    monkeypatch.setattr(staff_module, "_workbench_runtime_class", lambda: None)
    monkeypatch.setattr(staff_module, "lms_state_client", lambda: Client())
    staff_block = scorm.block("staff-1", package_sha256=scorm.shas["12"])
    assert staff_module.reset_attempt(staff_block, "alice", 1) is True
    assert stored["alice"]["record"]["attempts"] == []
    assert stored["alice"]["published"] == {} and stored["alice"]["raw_earned"] is None
    assert staff_module.reset_attempt(staff_block, "alice", 1) is False  # nothing left to delete
