"""The registrar's flow end to end, through the real ``mooc-bridge sync`` command against the fake Open edX.

A 教务 roster and a 中国大学MOOC grade export (built here with openpyxl) go in; the Open edX state
(enrollments, enrollment_allowed, gradebook overrides, course grades) and the 正方 教务 draft (.xlsx, read
back) come out, and are checked exactly. Every step is a real subprocess with its own MOOC_BRIDGE_HOME, as
a registrar would run it; credentials come from the environment, never from a SPEC.
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
JW_COURSE = "0012345"  # 课程号 in the academic system: text, leading zeros kept


@pytest.fixture
def lms():
    with FakeOpenEdx(page_size=2) as server:  # small pages: every listing must follow `next`
        server.state.add_course(COURSE, "Python程序设计", [("quiz", "单元测验", 30), ("exam", "期末考试", 70, "Exam")],
                                weights={"Homework": 0.3, "Exam": 0.7}, cutoffs={"Pass": 0.6})
        server.state.waffle_flag("grades.writable_gradebook", COURSE)  # off by default, as in Open edX
        for number, name in [("0250001", "张三"), ("0250002", "李四"), ("0250003", "王五"), ("0250004", "赵六"),
                             ("0250009", "孙九")]:
            server.state.add_user(number, f"{number}@stu.pku.edu.cn", name=name)
        server.state.enroll("0250009", COURSE)  # enrolled by hand earlier, not on the roster: kept
        yield server
    assert server.errors == []


def usage(lms: FakeOpenEdx, block: str) -> str:
    return next(u for u in lms.state.courses[COURSE].subsections if u.endswith("@" + block))


def write_xlsx(path: Path, rows: list[list], title: str | None = None) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet.append([title])  # a title row above the header, as exports have
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def cli(lms: FakeOpenEdx, home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update({"MOOC_BRIDGE_HOME": str(home), "MOOC_BRIDGE_LANGUAGE": "en",
                "MOOC_BRIDGE_OPENEDX_CLIENT_ID": lms.client_id, "MOOC_BRIDGE_OPENEDX_CLIENT_SECRET": lms.client_secret})
    return subprocess.run([sys.executable, "-m", "xblocks.cli", "sync", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def target(lms: FakeOpenEdx, **options: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"course": COURSE, "student_number": "username", "rate": "0",
                                             **options}.items())
    return f"openedx:{lms.url}?{query}"


def report_of(result: subprocess.CompletedProcess) -> dict:
    assert result.stdout.strip(), result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


ROSTER = [
    ["学号", "姓名", "课程号", "课程名称", "邮箱"],
    ["0250001", "张三", JW_COURSE, "Python程序设计", "0250001@stu.pku.edu.cn"],
    ["０２５０００２", "李四", JW_COURSE, "Python程序设计", "0250002@stu.pku.edu.cn"],  # typed in full-width digits
    ["0250003", "王五", JW_COURSE, "Python程序设计", "0250003@stu.pku.edu.cn"],
    ["0250004", "赵六", JW_COURSE, "Python程序设计", "0250004@stu.pku.edu.cn"],
]
NEWCOMER = ["0250005", "钱七", JW_COURSE, "Python程序设计", "qian7@stu.pku.edu.cn"]  # no Open edX account yet
MOOC = [
    ["学校", "学号", "姓名", "昵称", "单元测验(30分)", "期末考试(70分)", "总分", "成绩等级"],
    ["北京大学", "0250001", "张三", "zs", 27, 63, 90, "优秀"],
    ["北京大学", "0250002", "李四", "ls", 18, 49, 67, "合格"],
    ["北京大学", "0250003", "王五", "ww", 12, 30, 42, "不合格"],
    ["外校", "0259999", "路人", "lr", 30, 70, 100, "优秀"],  # not in Open edX: unmatched, never written
]


def enrolled_as_on_the_roster(lms: FakeOpenEdx) -> None:
    for number in ("0250001", "0250002", "0250003", "0250004"):
        lms.state.enroll(number, COURSE)


def mooc_grades(lms: FakeOpenEdx, home: Path, mooc: Path) -> subprocess.CompletedProcess:
    return cli(lms, home, "grades", "--from", f"xlsx:{mooc}?profile=icourse163&components=true", "--to", target(lms),
               "--item-map", f"单元测验(30分)={usage(lms, 'quiz')}", "--item-map",
               f"期末考试(70分)={usage(lms, 'exam')}", "--json")


def test_the_roster_goes_into_open_edx_and_a_second_run_changes_nothing(lms, tmp_path):
    roster = write_xlsx(tmp_path / "roster.xlsx", ROSTER, title="2025-2026学年第一学期 选课名单")
    result = cli(lms, tmp_path, "roster", "--from", f"xlsx:{roster}?profile=roster", "--to", target(lms), "--json")
    assert result.returncode == 0, result.stderr + result.stdout
    assert lms.state.active_usernames(COURSE) == {"0250001", "0250002", "0250003", "0250004", "0250009"}
    data = report_of(result)
    assert [k["person"]["username"] for k in data["kept"]] == ["0250009"]  # not on the roster, not unenrolled
    writes = len(lms.traffic.writes)
    again = cli(lms, tmp_path, "roster", "--from", f"xlsx:{roster}?profile=roster", "--to", target(lms), "--json")
    assert again.returncode == 0, again.stderr
    assert len(lms.traffic.writes) == writes
    assert lms.traffic.duplicates() == {}


def test_a_roster_learner_without_an_account_is_allowed_to_enrol(lms, tmp_path):
    roster = write_xlsx(tmp_path / "roster.xlsx", [*ROSTER, NEWCOMER])
    result = cli(lms, tmp_path, "roster", "--from", f"xlsx:{roster}?profile=roster", "--to", target(lms), "--json")
    assert set(lms.state.allowed) == {("qian7@stu.pku.edu.cn", COURSE)}
    assert result.returncode == 0, result.stderr + result.stdout
    lms.state.add_user("0250005", "qian7@stu.pku.edu.cn", name="钱七")  # registers; Open edX enrols them
    assert lms.state.enrollment("0250005", COURSE) == {"mode": "audit", "is_active": True}


def test_mooc_component_grades_go_into_the_gradebook_once(lms, tmp_path):
    enrolled_as_on_the_roster(lms)
    mooc = write_xlsx(tmp_path / "mooc.xlsx", MOOC)
    data = report_of(mooc_grades(lms, tmp_path, mooc))
    assert [p.get("student_number") for p in data["unmatched"]] == ["0259999"]
    quiz, exam = usage(lms, "quiz"), usage(lms, "exam")
    for number, (q, e) in {"0250001": (27, 63), "0250002": (18, 49), "0250003": (12, 30)}.items():
        assert lms.state.subsection_score(number, quiz) == (q, 30.0)
        assert lms.state.subsection_score(number, exam) == (e, 70.0)
        assert lms.state.override(number, exam).by == "sync_service"
    assert lms.state.override("0250004", quiz) is None  # not in the MOOC export
    assert [lms.state.course_grade(n, COURSE)["percent"] for n in ("0250001", "0250002", "0250003")] == \
        [0.9, 0.67, 0.42]
    overrides = len(lms.traffic.effects())
    assert overrides == 6
    mooc_grades(lms, tmp_path, mooc)  # the same sync again writes no grade
    assert len(lms.traffic.effects()) == overrides
    assert lms.traffic.duplicates() == {}


def test_a_mooc_total_does_not_fail_the_run(lms, tmp_path):
    enrolled_as_on_the_roster(lms)
    result = mooc_grades(lms, tmp_path, write_xlsx(tmp_path / "mooc.xlsx", MOOC))
    assert result.returncode == 0, result.stdout[-2000:]


def test_course_grades_out_to_the_zhengfang_draft(lms, tmp_path):
    enrolled_as_on_the_roster(lms)
    quiz, exam = usage(lms, "quiz"), usage(lms, "exam")
    for number, (q, e) in {"0250001": (27, 63), "0250002": (18, 49), "0250003": (12, 30)}.items():
        lms.state.set_override(number, quiz, q, by="sync_service")
        lms.state.set_override(number, exam, e, by="sync_service")
    draft = tmp_path / "out" / "jw-draft.xlsx"
    draft.parent.mkdir()
    result = cli(lms, tmp_path, "grades", "--from", target(lms),
                 "--to", f"xlsx:{draft}?profile=zhengfang&course={JW_COURSE}&course_name=Python程序设计"
                         "&term=2025-2026-1", "--json")
    assert result.returncode == 0, result.stderr + result.stdout[-2000:]
    rows = list(openpyxl.load_workbook(draft).worksheets[0].iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:10] == ["学号", "姓名", "课程号", "课程名称", "学年", "学期", "成绩", "记分制", "考试性质", "备注"]
    got = {row[0]: dict(zip(header, row, strict=False)) for row in rows[1:] if row[0]}
    course_grades = {u: round(lms.state.course_grade(u, COURSE)["percent"] * 100, 2)
                     for u in lms.state.active_usernames(COURSE)}
    assert course_grades == {"0250001": 90, "0250002": 67, "0250003": 42, "0250004": 0, "0250009": 0}
    assert {n: float(row["成绩"]) for n, row in got.items()} == course_grades
    assert all(row["课程号"] == JW_COURSE and row["学年"] == "2025-2026" and row["学期"] for row in got.values())
    assert all(isinstance(n, str) for n in got)  # 学号 stays text
