"""The `mooc-bridge scorm inspect|validate` contract, through a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.scorm import zipmaker as zm

ROOT = Path(__file__).resolve().parents[2]
KEYS = ["type", "version", "title", "default_organization", "items", "scos", "assets", "sequencing", "launch",
        "sha256", "errors", "warnings"]


def run(*args: str, language: str = "en") -> subprocess.CompletedProcess:
    env = {**os.environ, "MOOC_BRIDGE_LANGUAGE": language}
    return subprocess.run([sys.executable, "-m", "xblocks.cli", "scorm", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_inspect_json_of_a_valid_package(shared_fixtures):
    path = shared_fixtures / "scorm/valid/SequencingSimpleRemediation_SCORM20043rdEdition.zip"
    done = run("inspect", "--json", str(path))
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert list(data) == KEYS
    assert data["type"] == "scorm" and data["version"] == "2004 3rd" and data["sequencing"] is True
    assert isinstance(data["items"], int) and data["scos"] == 5 and len(data["sha256"]) == 64
    assert data["errors"] == [] and isinstance(data["warnings"], list)
    assert done.stderr == ""  # no progress bar when piped


def test_inspect_json_of_an_invalid_package(shared_fixtures):
    done = run("inspect", "--json", str(shared_fixtures / "scorm/invalid/MalformedXml_SCORM12.zip"))
    assert done.returncode == 1
    data = json.loads(done.stdout)
    assert data["type"] == "scorm" and data["version"] is None
    assert data["errors"][0]["code"] == "xml_malformed" and data["errors"][0]["where"]["line"] == 27
    assert set(data["errors"][0]) == {"code", "message", "where"}


def test_inspect_of_a_refused_package_is_exit_1_and_writes_nothing(tmp_path):
    path = zm.write(tmp_path, zm.package({"../../evil.html": "x"}))
    done = run("inspect", "--json", str(path))
    assert done.returncode == 1
    assert [error["code"] for error in json.loads(done.stdout)["errors"]] == ["path_traversal"]
    assert zm.tree(tmp_path) == ["package.zip"]


@pytest.mark.parametrize("content", [b"not a zip", None])
def test_unreadable_input_is_exit_2(tmp_path, content):
    path = tmp_path / "input.zip"
    if content is not None:
        path.write_bytes(content)
    done = run("inspect", "--json", str(path))
    assert done.returncode == 2
    assert json.loads(done.stdout)["type"] == "unknown"
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("args", [[], ["inspect"], ["inspect", "--bogus", "x.zip"], ["frobnicate"]])
def test_usage_errors_are_exit_2(args):
    done = run(*args)
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_validate_prints_a_readable_report(shared_fixtures):
    done = run("validate", str(shared_fixtures / "scorm/invalid/ItemWithNonExistentResourceId_SCORM12.zip"))
    assert done.returncode == 1
    assert "[item_resource_missing]" in done.stdout and "item item_1" in done.stdout
    assert "Not valid" in done.stdout
    ok = run("validate", str(shared_fixtures / "scorm/valid/ContentPackagingSingleSCO_SCORM12.zip"))
    assert ok.returncode == 0 and "Valid" in ok.stdout


def test_validate_in_chinese(shared_fixtures):
    done = run("validate", str(shared_fixtures / "scorm/invalid/ItemWithNonExistentResourceId_SCORM12.zip"),
               language="zh_CN")
    assert done.returncode == 1
    assert "资源" in done.stdout and "points at the resource" not in done.stdout


def test_inspect_a_cmi5_package_says_what_it_is(shared_fixtures):
    done = run("inspect", "--json", str(shared_fixtures / "cmi5/single_au_basic_framed.zip"))
    assert done.returncode == 1
    data = json.loads(done.stdout)
    assert data["type"] == "cmi5" and data["errors"][0]["code"] == "type_cmi5"
