"""Issue #12, item 1, through the real ``mooc-bridge sync`` command: a provider that caps its pages at 100 and
sends no paging headers (the Ed-Fi Alliance's OneRoster API) must not make 504 of 604 learners look gone.
The roster is read in full; a read that stays ambiguous fails the run before anything is planned."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.oneroster_server import FakeOneRoster
from tests.fakes.openedx_server import FakeOpenEdx

ROOT = Path(__file__).resolve().parents[2]
COURSE = "course-v1:PKU+Py101+2025_T1"
PEOPLE = 605
NUMBERS = [f"0250{i:03d}" for i in range(PEOPLE)]


@pytest.fixture
def sis():
    with FakeOneRoster("1.2") as fake:
        fake.add_class("c1", "Python 程序设计")
        for i, number in enumerate(NUMBERS):
            fake.add_user(f"u{i:04d}", identifier=number, given="同学", family=number)
            fake.add_enrollment(f"e{i:04d}", f"u{i:04d}", "c1")
        yield fake.like_edfi(max_page_size=100)


@pytest.fixture
def lms():
    with FakeOpenEdx(page_size=100) as server:
        server.state.add_course(COURSE, "Python程序设计", [("quiz", "单元测验", 30)])
        server.state.waffle_flag("grades.writable_gradebook", COURSE)  # off by default, as in Open edX
        for number in NUMBERS:
            server.state.add_user(number, f"{number}@stu.pku.edu.cn", name=number)
        for number in NUMBERS[:-1]:  # 604 already enrolled, the last one is new
            server.state.enroll(number, COURSE)
        yield server
    assert server.errors == []


def sync(sis: FakeOneRoster, lms: FakeOpenEdx, home: Path, *args: str, spec: str = "") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update({"MOOC_BRIDGE_HOME": str(home), "MOOC_BRIDGE_LANGUAGE": "en",
                "MOOC_BRIDGE_OPENEDX_CLIENT_ID": lms.client_id, "MOOC_BRIDGE_OPENEDX_CLIENT_SECRET": lms.client_secret,
                "MOOC_BRIDGE_ONEROSTER_CLIENT_ID": sis.client_id,
                "MOOC_BRIDGE_ONEROSTER_CLIENT_SECRET": sis.client_secret})
    source = f"oneroster:{sis.url}?version=1.2&token_url={sis.url}/oauth/token&course=c1{spec}"
    target = f"openedx:{lms.url}?course={COURSE}&student_number=username&rate=0"
    return subprocess.run([sys.executable, "-m", "xblocks.cli", "sync", "roster", "--from", source, "--to", target,
                           *args, "--json"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_capped_pages_are_read_in_full_and_nobody_is_unenrolled(sis, lms, tmp_path):
    result = sync(sis, lms, tmp_path, "--unenroll", "--dry-run")
    assert result.returncode == 0, result.stderr + result.stdout[-3000:]
    data = json.loads(result.stdout.strip().splitlines()[-1])
    counts = data["counts"]
    assert counts["source_records"] == PEOPLE
    assert counts.get("planned_delete", 0) == 0, [c for c in data["changes"] if c["action"] == "delete"][:3]
    assert counts["planned_create"] == 1 and counts["planned"] == 1
    assert counts["unchanged"] == PEOPLE - 1


def test_a_read_that_stays_ambiguous_plans_nothing_and_unenrolls_nobody(sis, lms, tmp_path):
    sis.offset_past_end = 400  # the probe after the last short page is refused: the end cannot be proved
    result = sync(sis, lms, tmp_path, "--unenroll")
    assert result.returncode == 2, result.stdout[-3000:]
    # Ed-Fi has no /classes/{id}/students: the class's people come through its enrollments, the listing named
    assert sis.url in result.stderr and "endpoint=enrollments" in result.stderr and "605 records" in result.stderr
    assert "max_page=" in result.stderr, "the remedy names the option"
    assert lms.state.active_usernames(COURSE) == set(NUMBERS[:-1])
    assert lms.state.enrollment(NUMBERS[-1], COURSE) is None, "nothing at all was written"

    declared = sync(sis, lms, tmp_path, "--unenroll", spec="&max_page=100")  # the remedy the message names
    assert declared.returncode == 0, declared.stderr + declared.stdout[-3000:]
    assert lms.state.active_usernames(COURSE) == set(NUMBERS), "read in full: the newcomer in, nobody out"
