"""A roster synced into an Open edX program (``program=<uuid>``): enrollments keyed by 学号 (``student_key``).

Through the real ``mooc-bridge sync`` command against the fake Open edX. A 学号 in the program with no account
yet is enrolled through the program course-enrollments API; the next run must see it there and write nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from tests.fakes.openedx_server import FakeOpenEdx

ROOT = Path(__file__).resolve().parents[2]
COURSE = "course-v1:PKU+Py101+2025_T1"
PROGRAM = "5b7c3a1e-0000-4000-8000-0000000000aa"
ROSTER = [
    ["学号", "姓名", "课程号", "课程名称", "邮箱"],
    ["0250001", "张三", "0012345", "Python程序设计", "zhang3@stu.pku.edu.cn"],  # linked to the account zhang3
    ["0250002", "李四", "0012345", "Python程序设计", "li4@stu.pku.edu.cn"],  # linked, already enrolled
    ["0250005", "钱七", "0012345", "Python程序设计", "qian7@stu.pku.edu.cn"],  # in the program, no account yet
]


@pytest.fixture
def lms():
    with FakeOpenEdx(page_size=2) as server:  # small pages: every listing must follow `next`
        state = server.state
        state.add_course(COURSE, "Python程序设计")
        state.waffle_flag("grades.writable_gradebook", COURSE)  # off by default, as in Open edX
        state.add_program([COURSE], PROGRAM)
        for username, number in (("zhang3", "0250001"), ("li4", "0250002")):
            state.add_user(username, f"{username}@stu.pku.edu.cn")
            state.program_enroll(PROGRAM, number, username)
        state.program_enroll(PROGRAM, "0250005", None)  # admitted to the program, has not registered
        yield server
    assert server.errors == []


def cli(lms: FakeOpenEdx, home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update({"MOOC_BRIDGE_HOME": str(home), "MOOC_BRIDGE_LANGUAGE": "en",
                "MOOC_BRIDGE_OPENEDX_CLIENT_ID": lms.client_id, "MOOC_BRIDGE_OPENEDX_CLIENT_SECRET": lms.client_secret})
    return subprocess.run([sys.executable, "-m", "xblocks.cli", "sync", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def roster_run(lms: FakeOpenEdx, home: Path, roster: Path) -> dict:
    result = cli(lms, home, "roster", "--from", f"xlsx:{roster}?profile=roster", "--to",
                 f"openedx:{lms.url}?course={COURSE}&program={PROGRAM}&rate=0", "--json")
    assert result.returncode == 0, result.stderr + result.stdout
    return json.loads(result.stdout.strip().splitlines()[-1])


def program_puts(lms: FakeOpenEdx) -> list[str]:
    return [row["student_key"] for w in lms.traffic.writes if w.method == "PUT" and "program_enrollments" in w.path
            for row in w.body]


def test_a_program_roster_with_an_unlinked_student_number_is_written_once(lms, tmp_path):
    book = openpyxl.Workbook()
    for row in ROSTER:
        book.active.append(row)
    book.save(roster := tmp_path / "roster.xlsx")
    lms.state.enroll("li4", COURSE, "masters")  # enrolled earlier, outside the program's course rows
    roster_run(lms, tmp_path, roster)
    rows = lms.state.programs[PROGRAM].course_enrollments
    assert {key: r.status for (key, course), r in rows.items() if course == COURSE} == {
        "0250001": "active", "0250005": "active"}
    assert lms.state.active_usernames(COURSE) == {"zhang3", "li4"}  # 0250005 joins when the account is linked
    writes = len(lms.traffic.writes)

    again = roster_run(lms, tmp_path, roster)
    assert again["counts"].get("planned", 0) == 0 and again["counts"]["unchanged"] == 3, again["counts"]
    assert len(lms.traffic.writes) == writes and sorted(program_puts(lms)) == ["0250001", "0250005"]
    assert lms.traffic.duplicates() == {}
