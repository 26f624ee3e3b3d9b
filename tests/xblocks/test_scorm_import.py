"""``mooc-bridge scorm import``: exit codes, what is written, the folder input and the Studio upload."""

from __future__ import annotations

import hashlib
import json
import tarfile
import zipfile
from pathlib import Path

import pytest
import responses
from lxml import etree

from scorm.olx import BLOCK_TYPE
from xblocks.scorm_import import main

GOLF = "ContentPackagingOneFilePerSCO_SCORM12.zip"
LMS, STUDIO = "https://lms.example.edu", "https://studio.example.edu"
COURSE = "course-v1:PKU+CS101+2025_Fall"
SECRET = "very-secret-value-123"


@pytest.fixture
def golf(shared_fixtures) -> Path:
    return shared_fixtures / "scorm" / "valid" / GOLF


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["import", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def test_writes_the_archive_and_reports_it(capsys, tmp_path, golf):
    out = tmp_path / "golf.tar.gz"
    code, stdout, _err = run(capsys, str(golf), "--olx", str(out), "--json", "--course-run", "2025_Fall")
    assert code == 0
    result = json.loads(stdout)
    sha = hashlib.sha256(golf.read_bytes()).hexdigest()
    assert result["sha256"] == sha and result["archive"] == str(out)
    assert (result["chapters"], result["sequentials"], result["verticals"], result["components"]) == (1, 4, 18, 18)
    assert result["course"] == f"MoocBridge+SCORM_{sha[:8]}+2025_Fall" and result["studio"] is None
    files = members(out)
    assert files[f"course/static/scorm/{sha}.zip"] == golf.read_bytes()
    assert "course/policies/2025_Fall/policy.json" in files


def test_plain_output_names_the_archive(capsys, tmp_path, golf):
    code, stdout, _err = run(capsys, str(golf), "--olx", str(tmp_path / "g.tar.gz"), "--single")
    assert code == 0 and "g.tar.gz" in stdout and "SCORM components: 1" in stdout


@pytest.mark.parametrize("name", ["MissingLaunchUrl_SCORM12.zip", "ItemWithNonExistentResourceId_SCORM12.zip",
                                  "MalformedXml_SCORM12.zip", "InvalidFileReferences_SCORM12.zip"])
def test_invalid_packages_are_refused_with_the_report(capsys, tmp_path, shared_fixtures, name):
    package = shared_fixtures / "scorm" / "invalid" / name
    code, _out, err = run(capsys, str(package), "--olx", str(tmp_path / "x.tar.gz"))
    assert code == 1
    assert "[" in err and "]" in err  # the issue codes are shown
    assert list(tmp_path.iterdir()) == []


def test_invalid_package_json_is_the_inspect_contract(capsys, tmp_path, shared_fixtures):
    bad = shared_fixtures / "scorm" / "invalid" / "MissingLaunchUrl_SCORM12.zip"
    code, stdout, _err = run(capsys, str(bad), "--olx", str(tmp_path / "x.tar.gz"), "--json")
    assert code == 1 and json.loads(stdout)["errors"]


def test_unreadable_input_exits_2(capsys, tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip at all")
    out = tmp_path / "x.tar.gz"
    assert run(capsys, str(junk), "--olx", str(out))[0] == 2
    assert run(capsys, str(tmp_path / "missing.zip"), "--olx", str(out))[0] == 2
    assert not out.exists()


@pytest.mark.parametrize("argv", [
    [],                                                   # neither --olx nor --studio
    ["--olx", "course.zip"],                              # Studio only takes .tar.gz
    ["--olx", "no/such/folder/x.tar.gz"],
    ["--olx", "x.tar.gz", "--start", "next tuesday"],
    ["--olx", "x.tar.gz", "--start", "2026-01-01", "--end", "2025-01-01"],
    ["--olx", "x.tar.gz", "--course-run", "bad run"],
    ["--olx", "x.tar.gz", "--studio", STUDIO],            # no --lms, --course-id, credentials
    ["--studio", STUDIO, "--lms", LMS, "--course-id", "not-a-course", "--client-id", "a", "--client-secret", "b"],
])
def test_usage_errors_exit_2_and_write_nothing(capsys, tmp_path, monkeypatch, golf, argv):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MOOC_BRIDGE_STUDIO_CLIENT_ID", raising=False)
    monkeypatch.delenv("MOOC_BRIDGE_STUDIO_CLIENT_SECRET", raising=False)
    code, _out, err = run(capsys, str(golf), *argv)
    assert code == 2 and err.strip()
    assert list(tmp_path.iterdir()) == []


def test_an_extracted_folder_is_zipped_reproducibly(capsys, tmp_path, golf):
    folder = tmp_path / "golf"
    with zipfile.ZipFile(golf) as archive:
        archive.extractall(folder)
    results = []
    for name in ("a.tar.gz", "b.tar.gz"):
        code, stdout, _err = run(capsys, str(folder), "--olx", str(tmp_path / name), "--json")
        assert code == 0
        results.append(json.loads(stdout))
    assert results[0]["sha256"] == results[1]["sha256"]
    files = members(tmp_path / "a.tar.gz")
    inner = files[f"course/static/scorm/{results[0]['sha256']}.zip"]
    assert hashlib.sha256(inner).hexdigest() == results[0]["sha256"]
    inner_path = tmp_path / "inner.zip"
    inner_path.write_bytes(inner)
    with zipfile.ZipFile(inner_path) as rebuilt, zipfile.ZipFile(golf) as original:
        wanted = {n: original.read(n) for n in original.namelist() if not n.endswith("/")}
        assert {n: rebuilt.read(n) for n in rebuilt.namelist()} == wanted
    vertical = next(data for name, data in files.items() if name.startswith("course/vertical/"))
    component = etree.fromstring(vertical)[0]
    assert component.tag == BLOCK_TYPE and component.get("package_sha256") == results[0]["sha256"]


def test_through_the_mooc_bridge_command(capsys, tmp_path, golf):
    from xblocks.cli import main as mooc_bridge

    out = tmp_path / "c.tar.gz"
    assert mooc_bridge(["scorm", "import", str(golf), "--olx", str(out), "--section"]) == 0
    assert sum(1 for name in members(out) if name.startswith("course/chapter/")) == 1


# -- upload to Studio ---------------------------------------------------------------------------------

def _studio_mocks(rsps, final_state="Succeeded", token_status=200):
    if token_status != 200:
        rsps.add(responses.POST, f"{LMS}/oauth2/access_token", status=token_status,
                 json={"error": "invalid_client", "client_secret": SECRET})
        return
    rsps.add(responses.POST, f"{LMS}/oauth2/access_token",
             json={"access_token": "header.payload.sig", "token_type": "JWT", "expires_in": 3600})
    url = f"{STUDIO}/api/courses/v0/import/{COURSE}/"
    rsps.add(responses.POST, url, json={"task_id": "task-1"})
    rsps.add(responses.GET, url, json={"state": final_state})


def _studio_args(tmp_path, golf, *extra):
    return [str(golf), "--olx", str(tmp_path / "up.tar.gz"), "--studio", STUDIO, "--lms", LMS,
            "--course-id", COURSE, "--json", *extra]


def test_upload_to_studio_uses_the_course_id_and_env_secrets(capsys, tmp_path, monkeypatch, golf):
    monkeypatch.setenv("MOOC_BRIDGE_STUDIO_CLIENT_ID", "client-id")
    monkeypatch.setenv("MOOC_BRIDGE_STUDIO_CLIENT_SECRET", SECRET)
    with responses.RequestsMock() as rsps:
        _studio_mocks(rsps)
        code, stdout, err = run(capsys, *_studio_args(tmp_path, golf))
        assert f"client_secret={SECRET}" in rsps.calls[0].request.body
    assert code == 0
    result = json.loads(stdout)
    assert result["studio"]["state"] == "Succeeded" and result["studio"]["task_id"] == "task-1"
    assert result["course"] == "PKU+CS101+2025_Fall"
    course_xml = etree.fromstring(members(tmp_path / "up.tar.gz")["course/course.xml"])
    assert (course_xml.get("org"), course_xml.get("course"), course_xml.get("url_name")) == (
        "PKU", "CS101", "2025_Fall")
    assert SECRET not in stdout + err


def test_a_failed_studio_import_exits_1(capsys, tmp_path, golf):
    with responses.RequestsMock() as rsps:
        _studio_mocks(rsps, final_state="Failed")
        code, stdout, err = run(capsys, *_studio_args(tmp_path, golf, "--client-id", "id", "--client-secret", SECRET))
    assert code == 1 and json.loads(stdout)["studio"]["state"] == "Failed"
    assert SECRET not in stdout + err


def test_refused_credentials_exit_1_without_showing_the_secret(capsys, tmp_path, golf):
    with responses.RequestsMock() as rsps:
        _studio_mocks(rsps, token_status=401)
        code, stdout, err = run(capsys, *_studio_args(tmp_path, golf, "--client-id", "id", "--client-secret", SECRET))
    assert code == 1
    studio = json.loads(stdout)["studio"]
    assert studio["code"] == "bad_credentials" and studio["status"] == 401
    assert SECRET not in stdout + err
    assert (tmp_path / "up.tar.gz").exists()  # the archive is kept for a later upload


def test_studio_only_upload_leaves_no_archive_behind(capsys, tmp_path, monkeypatch, golf):
    monkeypatch.chdir(tmp_path)
    with responses.RequestsMock() as rsps:
        _studio_mocks(rsps)
        code, stdout, _err = run(capsys, str(golf), "--studio", STUDIO, "--lms", LMS, "--course-id", COURSE,
                                 "--client-id", "id", "--client-secret", SECRET, "--json")
    assert code == 0 and json.loads(stdout)["archive"] is None
    assert list(tmp_path.iterdir()) == []
