"""Issue #13, played as a registrar with messy files through the real ``mooc-bridge sync`` command.

Every step is a subprocess of the installed console script with its own ``MOOC_BRIDGE_HOME``; the Open edX is
the fake one (``tests.fakes.openedx_server``), seeded as the README's examples are. Outcomes are checked where
they land: who is enrolled in Open edX, what the cells of the 教务 draft hold after a hand edit and a rerun.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from tests.fakes.openedx_server import DEMO_COURSE, FakeOpenEdx, seed_demo

from .registrar_files import chaoxing_gbk, number, roster_with_duplicate, spoc_export

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).with_name("mooc-bridge")
DRAFT = "profile=zhengfang&course=0012345&course_name=高等数学&term=2025-2026-1"


@pytest.fixture
def lms():
    with FakeOpenEdx() as server:
        seed_demo(server, 10)
        yield server
    assert server.errors == []


def cli(home: Path, *args: str, lms: FakeOpenEdx | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update({"MOOC_BRIDGE_HOME": str(home / "var"), "MOOC_BRIDGE_LANGUAGE": "en"})
    if lms is not None:
        env.update({"MOOC_BRIDGE_OPENEDX_CLIENT_ID": lms.client_id,
                    "MOOC_BRIDGE_OPENEDX_CLIENT_SECRET": lms.client_secret})
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "xblocks.cli"]
    return subprocess.run([*command, "sync", *args], cwd=home, env=env, capture_output=True, text=True, timeout=120)


def report(result: subprocess.CompletedProcess) -> dict:
    assert result.stdout.strip(), result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def lms_spec(lms: FakeOpenEdx) -> str:
    return f"openedx:{lms.url}?course={DEMO_COURSE}&rate=0"


def cells(path: Path) -> dict[str, list]:
    """The draft's data rows by 学号."""
    book = openpyxl.load_workbook(path)
    return {row[0]: row for row in ([c.value for c in r] for r in book.worksheets[0].iter_rows(min_row=2))}


# 1. identity ---------------------------------------------------------------------------------------------------

def test_a_duplicate_student_number_is_held_for_review_and_never_unenrolled(lms, tmp_path):
    roster = roster_with_duplicate(tmp_path / "roster.csv", learners=10, duplicate=3)
    assert lms.state.active_usernames(DEMO_COURSE) == {f"s{n:05d}" for n in range(1, 11)}
    result = cli(tmp_path, "roster", "--from", f"csv:{roster}", "--to", lms_spec(lms), "--unenroll", "--json", lms=lms)
    assert result.returncode == 0, result.stderr + result.stdout
    data = report(result)
    assert [c for c in data["changes"] if c["action"] == "delete"] == [], "nobody on the roster is unenrolled"
    assert lms.state.active_usernames(DEMO_COURSE) == {f"s{n:05d}" for n in range(1, 11)}
    (case,) = data["review"]
    assert case["person"]["student_number"] == number(3) and case["reason"] == "source_rows_held"
    assert case["params"]["rows"] == "4, 12" and case["params"]["file"].endswith("roster.csv")
    assert "李娜" in case["params"]["values"] and "李小娜" in case["params"]["values"], "both rows are shown"
    text = cli(tmp_path, "report", str(data["run"]["id"]), lms=lms).stdout
    assert "Held for review" in text and number(3) in text and "rows 4, 12" in text


def test_a_student_whose_other_rows_are_unreadable_is_not_unenrolled(lms, tmp_path):
    roster = roster_with_duplicate(tmp_path / "roster.csv", learners=10, duplicate=3)
    lines = roster.read_text(encoding="utf-8").splitlines()[:-1]  # no duplicate; learner 7's 课程号 is garbage
    lines[7] = lines[7].replace("0012345", "9" * 70)  # no 课程号 can be this long
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli(tmp_path, "roster", "--from", f"csv:{roster}", "--to", lms_spec(lms), "--unenroll", "--json", lms=lms)
    data = report(result)
    assert [c["subject"] for c in data["changes"] if c["action"] == "delete"] == []
    assert [c["person"]["student_number"] for c in data["review"]] == [number(7)]
    assert "s00007" in lms.state.active_usernames(DEMO_COURSE)


def test_someone_really_gone_from_the_roster_is_still_unenrolled(lms, tmp_path):
    roster = roster_with_duplicate(tmp_path / "roster.csv", learners=10, duplicate=3)
    lines = [line for line in roster.read_text(encoding="utf-8").splitlines() if not line.startswith(number(10))]
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli(tmp_path, "roster", "--from", f"csv:{roster}", "--to", lms_spec(lms), "--unenroll", "--json",
                 lms=lms)
    assert result.returncode == 0, result.stderr + result.stdout
    assert lms.state.active_usernames(DEMO_COURSE) == {f"s{n:05d}" for n in range(1, 10)}


# 2. the draft a person edits ------------------------------------------------------------------------------------

SPOC = [(1, 58, "不合格"), (2, 88.8, "优秀"), (3, "缺考", None), (4, 85, "良好"), (5, 92.25, "优秀")]


@pytest.mark.parametrize("scale", ["百分制", "五级制"])
def test_a_repeated_export_to_draft_sync_plans_nothing(tmp_path, scale):
    spoc = spoc_export(tmp_path / "spoc.xlsx", SPOC)
    draft = f"xlsx:{tmp_path / 'jw.xlsx'}?{DRAFT}&scale={scale}"
    first = cli(tmp_path, "grades", "--from", f"xlsx:{spoc}", "--to", draft, "--json")
    assert report(first)["counts"]["planned"] == 5, first.stderr
    written = (tmp_path / "jw.xlsx").stat().st_mtime_ns
    again = report(cli(tmp_path, "grades", "--from", f"xlsx:{spoc}", "--to", draft, "--json"))
    assert again["counts"]["planned"] == 0 and again["counts"]["unchanged"] == 5, again["changes"]
    assert (tmp_path / "jw.xlsx").stat().st_mtime_ns == written, "a repeat does not rewrite the draft"


def test_hand_corrections_in_the_draft_survive_the_next_run_and_are_listed(tmp_path):
    spoc = spoc_export(tmp_path / "spoc.xlsx", SPOC)
    percent, five = tmp_path / "jw.xlsx", tmp_path / "jw5.xlsx"
    for path, scale in ((percent, "百分制"), (five, "五级制")):
        assert cli(tmp_path, "grades", "--from", f"xlsx:{spoc}", "--to", f"xlsx:{path}?{DRAFT}&scale={scale}"
                   ).returncode == 0
    book = openpyxl.load_workbook(percent)  # the registrar corrects the draft in Excel
    rows = {r[0].value: r for r in book.worksheets[0].iter_rows(min_row=2)}
    rows[number(1)][6].value, rows[number(1)][9].value = 60, "平时成绩补录"
    rows[number(4)][1].value = "刘阳"  # a typo in the name, fixed by hand
    book.save(percent)
    book = openpyxl.load_workbook(five)
    rows = {r[0].value: r for r in book.worksheets[0].iter_rows(min_row=2)}
    rows[number(5)][6].value = "良好"
    book.save(five)
    spoc_export(tmp_path / "spoc.xlsx", [(1, 58, "不合格"), (2, 88.8, "优秀"), (3, "缺考", None), (4, 86, "良好"),
                                          (5, 93, "优秀")])  # the MOOC export moved on meanwhile

    result = cli(tmp_path, "grades", "--from", f"xlsx:{spoc}", "--to", f"xlsx:{percent}?{DRAFT}")
    assert result.returncode == 0, result.stderr
    assert "Kept" in result.stdout and number(1) in result.stdout, "the kept hand edit is listed"
    after = cells(percent)
    assert after[number(1)][6:] == [60, "百分制", "正常考试", "平时成绩补录"], "the correction is kept"
    assert after[number(4)][1] == "刘阳" and after[number(4)][6] == 86, "the grade moves on, the name fix stays"
    assert after[number(5)][6] == 93

    result = cli(tmp_path, "grades", "--from", f"xlsx:{spoc}", "--to", f"xlsx:{five}?{DRAFT}&scale=五级制", "--json")
    held = [c for c in report(result)["changes"] if c["reason"] == "target_overridden"]
    assert [c["subject"].split(" · ")[0] for c in held] == [number(5)]
    assert cells(five)[number(5)][6] == "良好"

    forced = cli(tmp_path, "grades", "--from", f"xlsx:{spoc}", "--to", f"xlsx:{percent}?{DRAFT}", "--force")
    assert forced.returncode == 0, forced.stderr
    assert cells(percent)[number(1)][6:] == [58, "百分制", "正常考试", None], "--force overwrites the hand edit"


def test_a_gbk_chaoxing_csv_into_a_csv_draft_keeps_a_hand_edit(tmp_path):
    export = chaoxing_gbk(tmp_path / "chaoxing.csv", [(1, 71), (2, 64.5)])
    draft = tmp_path / "jw.csv"
    spec = f"csv:{draft}?{DRAFT}"
    assert cli(tmp_path, "grades", "--from", f"csv:{export}", "--to", spec).returncode == 0
    text = draft.read_text(encoding="utf-8-sig").replace(",71,", ",75,")
    draft.write_text(text, encoding="utf-8-sig")
    data = report(cli(tmp_path, "grades", "--from", f"csv:{export}", "--to", spec, "--json"))
    assert [c["reason"] for c in data["changes"]] == ["target_overridden"]
    assert ",75," in draft.read_text(encoding="utf-8-sig")
