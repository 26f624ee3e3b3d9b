"""``mooc-bridge doctor openedx:URL``: every check passes against a ready fake LMS and each one fails on its own.

The fake follows edx-platform for each point (see :mod:`adapters.openedx.doctor` for the files): the writable
gradebook off by default, ``bulk_enroll`` mounted only with its feature, the enrollments list for staff only, the
accounts API showing only ``admin_fields``, programs from the catalog, and Studio's import status view.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sync import cli_doctor
from tests.fakes.openedx_server import FakeOpenEdx

ROOT = Path(__file__).resolve().parents[2]
COURSE = "course-v1:PKU+Py101+2025"
OUTSIDE = "course-v1:PKU+Art101+2025"
PROGRAM = "5b7c3a1e-0000-4000-8000-0000000000aa"


@pytest.fixture
def lms(monkeypatch):
    with FakeOpenEdx(bulk_enroll_enabled=True) as server:
        server.state.add_course(COURSE, "Python")
        server.state.add_course(OUTSIDE, "Art")
        server.state.add_user(server.tokens.service_user, "svc@example.edu")
        server.state.add_program([COURSE], PROGRAM)
        server.state.waffle_flag("grades.writable_gradebook", COURSE)
        server.studio = True
        monkeypatch.setenv("MOOC_BRIDGE_OPENEDX_CLIENT_ID", server.client_id)
        monkeypatch.setenv("MOOC_BRIDGE_OPENEDX_CLIENT_SECRET", server.client_secret)
        yield server
    assert server.errors == []


def spec(lms: FakeOpenEdx, course: str = COURSE, **extra: str) -> str:
    options = {"course": course, "program": PROGRAM, "studio": lms.url, "bulk_enroll": "true", "rate": "0", **extra}
    return f"openedx:{lms.url}?" + "&".join(f"{k}={v}" for k, v in options.items())


def doctor(capsys, *args: str) -> tuple[int, dict]:
    code = cli_doctor.main([*args, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def statuses(report: dict) -> dict[str, str]:
    return {c["name"]: c["status"] for c in report["checks"]}


def test_a_ready_lms_passes_every_check(lms, capsys):
    code, report = doctor(capsys, spec(lms))
    assert code == 0 and report["ok"] is True
    assert statuses(report) == dict.fromkeys(
        ["token", "staff", "account_id", "gradebook", "bulk_enroll", "programs", "studio"], "pass")
    assert not lms.traffic.writes  # a preflight changes nothing


def test_a_service_user_without_staff_fails_staff_and_studio(lms, capsys):
    # IsAdminUser on the enrollments list and course_author_access_required in Studio both refuse a non-staff user
    lms.staff = False
    code, report = doctor(capsys, spec(lms))
    failed = {c["name"]: c for c in report["checks"] if c["status"] == "fail"}
    assert code == 1 and set(failed) == {"staff", "studio"}
    assert "--staff" in failed["staff"]["fix"] and "--staff" in failed["studio"]["fix"]


def test_a_studio_server_error_is_not_taken_for_the_unknown_task_answer(lms, capsys):
    # only course_import.py's own 500 internal_error (the made-up task) means the token got through
    fault = lms.inject(status=500, path="/api/courses/v0/import/")
    code, report = doctor(capsys, spec(lms))
    assert fault.fired and code == 1 and statuses(report)["studio"] == "fail"


@pytest.mark.parametrize("breaks, check, fix", [
    (lambda lms: lms.state.hidden_account_fields.add("id"), "account_id", 'ACCOUNT_VISIBILITY_CONFIGURATION["admin'),
    (lambda lms: lms.state.waffle_flag("grades.writable_gradebook", COURSE, on=False), "gradebook",
     "waffle_flag grades.writable_gradebook --everyone --create"),
    (lambda lms: setattr(lms, "bulk_enroll_enabled", False), "bulk_enroll", "ENABLE_BULK_ENROLLMENT_VIEW"),
    (lambda lms: lms.state.programs.clear(), "programs", "cache_programs"),
    (lambda lms: setattr(lms, "studio", False), "studio", "studio="),
])
def test_each_check_fails_alone_and_names_its_fix(lms, capsys, breaks, check, fix):
    breaks(lms)
    code, report = doctor(capsys, spec(lms))
    assert code == 1 and report["ok"] is False
    failed = {c["name"]: c for c in report["checks"] if c["status"] == "fail"}
    assert set(failed) == {check}, report
    assert fix in failed[check]["fix"]


def test_a_course_outside_the_program_fails_the_program_check(lms, capsys):
    lms.state.waffle_flag("grades.writable_gradebook", OUTSIDE)
    code, report = doctor(capsys, spec(lms, course=OUTSIDE))
    assert code == 1 and statuses(report)["programs"] == "fail"
    assert "course_not_in_program" in next(c["message"] for c in report["checks"] if c["name"] == "programs")


def test_a_refused_token_fails_and_skips_the_rest(lms, capsys, monkeypatch):
    monkeypatch.setenv("MOOC_BRIDGE_OPENEDX_CLIENT_SECRET", "wrong")
    code, report = doctor(capsys, spec(lms))
    assert code == 1 and statuses(report)["token"] == "fail"
    assert set(statuses(report).values()) == {"fail", "skip"}
    assert "create_dot_application" in report["checks"][0]["fix"]


def test_unrequested_parts_are_skipped_or_warned_not_failed(lms, capsys):
    lms.bulk_enroll_enabled = False
    code, report = doctor(capsys, f"openedx:{lms.url}?rate=0")
    assert code == 0
    assert statuses(report) == {"token": "pass", "staff": "pass", "account_id": "pass", "gradebook": "skip",
                                "bulk_enroll": "warn", "programs": "skip", "studio": "skip"}


def test_usage_errors_exit_2(lms, capsys):
    assert cli_doctor.main(["xlsx:grades.xlsx"]) == 2
    assert cli_doctor.main([f"openedx:{lms.url}?program=not-a-uuid"]) == 2
    assert cli_doctor.main([]) == 2
    capsys.readouterr()


def test_the_lines_are_translated(lms):
    lms.state.waffle_flag("grades.writable_gradebook", COURSE, on=False)
    env = {**os.environ, "MOOC_BRIDGE_LANGUAGE": "zh_CN"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run([sys.executable, "-m", "xblocks.cli", "doctor", spec(lms)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    assert "失败" in result.stdout and "修复" in result.stdout and "可写成绩册" in result.stdout
