"""Issue #13 items 3, 4 and 5 through the real ``mooc-bridge sync`` command: what a grade means, what a run skipped,
a past report that stays, a killed run, and a dry run that refuses what the real run refuses."""

from __future__ import annotations

import json
import os
import signal
import subprocess

import openpyxl
import pytest

from tests.fakes.openedx_server import FakeOpenEdx, seed_demo

from .registrar_files import number, roster_with_duplicate, spoc_export
from .test_e2e_registrar import DRAFT, cells, cli, lms_spec, report

NO_COURSE = "profile=zhengfang&course_name=高等数学&term=2025-2026-1"


# 3. grade meaning ------------------------------------------------------------------------------------------------

def test_88_8_is_lianghao_under_five_level_and_the_platforms_word_is_a_remark(tmp_path):
    spoc = spoc_export(tmp_path / "spoc.xlsx", [(2, 88.8, "优秀"), (5, 92.25, "优秀"), (4, 85, "良好")])
    draft = tmp_path / "jw.xlsx"
    result = cli(tmp_path, "grades", "--from", f"xlsx:{spoc}", "--to", f"xlsx:{draft}?{DRAFT}&scale=五级制")
    assert result.returncode == 0, result.stderr
    after = cells(draft)
    assert after[number(2)][6] == "良好" and after[number(2)][9] == "平台成绩等级：优秀"
    assert after[number(5)][6] == "优秀" and after[number(5)][9] is None
    assert after[number(4)][6] == "良好" and after[number(4)][9] is None
    assert "grade word 优秀 disagree" in result.stdout, "the disagreement is listed"


def test_the_report_shows_what_the_draft_cell_holds_beside_the_source_value(tmp_path):
    spoc = spoc_export(tmp_path / "spoc.xlsx", [(2, 88.8, "优秀"), (4, 85, None)])
    draft, html = tmp_path / "jw.xlsx", tmp_path / "report.html"
    target = f"xlsx:{draft}?{DRAFT}&scale=五级制"
    data = report(cli(tmp_path, "grades", "--from", f"xlsx:{spoc}", "--to", target, "--dry-run", "--json"))
    after = {c["subject"].split()[0]: c["params"]["after"] for c in data["changes"]}
    assert after == {number(2): "良好 (88.8)", number(4): "良好 (85)"}, after
    result = cli(tmp_path, "grades", "--from", f"xlsx:{spoc}", "--to", target, "--report", str(html))
    assert result.returncode == 0, result.stderr
    assert cells(draft)[number(2)][6] == "良好"
    page = html.read_text(encoding="utf-8")
    assert "<td>良好 (88.8)</td>" in page and "<td>88.8</td>" not in page


def test_names_come_from_the_open_edx_profile(tmp_path):
    with FakeOpenEdx() as lms:
        seed_demo(lms, 3)
        draft = tmp_path / "jw.xlsx"
        result = cli(tmp_path, "grades", "--from", lms_spec(lms), "--to", f"xlsx:{draft}?{DRAFT}", lms=lms)
        assert result.returncode == 0, result.stderr + result.stdout
    assert {row[0]: row[1] for row in cells(draft).values()} == {number(n): f"学生{n}" for n in (1, 2, 3)}


def test_a_student_with_no_score_is_listed_or_absent_by_the_schools_policy(tmp_path):
    spoc = spoc_export(tmp_path / "spoc.xlsx", [(1, 71, None), (6, None, None)])
    draft = tmp_path / "jw.xlsx"
    result = cli(tmp_path, "grades", "--from", f"xlsx:{spoc}", "--to", f"xlsx:{draft}?{DRAFT}")
    assert result.returncode == 0, result.stderr
    assert "row 4 总分: The row has no score" in result.stdout
    assert number(6) not in cells(draft)
    scales = tmp_path / "scales.json"
    scales.write_text(json.dumps({"missing_score": "absent"}), encoding="utf-8")
    absent = tmp_path / "jw-absent.xlsx"
    result = cli(tmp_path, "grades", "--from", f"xlsx:{spoc}?scales={scales}", "--to", f"xlsx:{absent}?{DRAFT}")
    assert result.returncode == 0, result.stderr
    assert cells(absent)[number(6)][6:] == [0, "百分制", "正常考试", "缺考"]


def test_the_drafts_grade_table_decides_a_missing_score(tmp_path):
    """The registrar keeps the school's table beside scale=五级制 on the draft: its missing_score decides."""
    spoc = spoc_export(tmp_path / "spoc.xlsx", [(1, 71, None), (6, None, None)])
    absent, listed = tmp_path / "absent.json", tmp_path / "list.json"
    absent.write_text(json.dumps({"missing_score": "absent"}), encoding="utf-8")
    listed.write_text(json.dumps({"missing_score": "list"}), encoding="utf-8")
    draft = tmp_path / "jw.xlsx"
    result = cli(tmp_path, "grades", "--from", f"xlsx:{spoc}",
                 "--to", f"xlsx:{draft}?{DRAFT}&scale=五级制&scales={absent}")
    assert result.returncode == 0, result.stderr
    assert cells(draft)[number(6)][6:] == ["不及格", "五级制", "正常考试", "缺考"]
    assert "it is read as 缺考" in result.stdout
    other = tmp_path / "jw-list.xlsx"  # the draft's table wins over the source's too
    result = cli(tmp_path, "grades", "--from", f"xlsx:{spoc}?scales={absent}",
                 "--to", f"xlsx:{other}?{DRAFT}&scales={listed}")
    assert result.returncode == 0, result.stderr
    assert number(6) not in cells(other) and "no grade is read for it" in result.stdout


# 4. what a run skipped ---------------------------------------------------------------------------------------------

def test_rows_left_out_and_the_profile_are_printed_and_reported(tmp_path):
    spoc = spoc_export(tmp_path / "spoc.xlsx", [(1, 71, None), (2, "九十分", None), (3, 80, None), (3, 81, None),
                                              (4, None, None), (5, 120, None)])
    html = tmp_path / "report.html"
    draft = f"xlsx:{tmp_path / 'jw.xlsx'}?{DRAFT}"
    result = cli(tmp_path, "grades", "--from", f"xlsx:{spoc}", "--to", draft, "--report", str(html))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "as 中国大学MOOC" in out or "icourse163" in out, out
    for row, text in ((4, "neither a number nor a known grade word"), (5, "different content"),
                      (7, "no score"), (8, "outside 0 to 100")):
        assert f"row {row}" in out and text in out, (row, out)
    page = html.read_text(encoding="utf-8")
    assert "How the source was read" in page and "九十分" in page and "outside 0 to 100" in page
    data = report(cli(tmp_path, "grades", "--from", f"xlsx:{spoc}", "--to", draft, "--json"))
    codes = {(issue["row"], issue["code"]) for issue in data["source"]["skipped"]}
    assert {(4, "score_not_a_number"), (7, "missing_score"), (8, "score_out_of_range")} <= codes
    assert data["source"]["detection"]["reason"]


def test_a_past_runs_report_does_not_change_later(tmp_path):
    spoc = spoc_export(tmp_path / "spoc.xlsx", [(1, 71, None), (2, 64, None)])
    path = tmp_path / "jw.xlsx"
    first = report(cli(tmp_path, "grades", "--from", f"xlsx:{spoc}", "--to", f"xlsx:{path}?{DRAFT}", "--json"))
    run = str(first["run"]["id"])
    before = report(cli(tmp_path, "report", run, "--json"))
    book = openpyxl.load_workbook(path)  # the registrar deletes a row: the next run plans the same change again
    book.worksheets[0].delete_rows(2)
    book.save(path)
    second = report(cli(tmp_path, "grades", "--from", f"xlsx:{spoc}", "--to", f"xlsx:{path}?{DRAFT}", "--json"))
    assert second["counts"]["planned"] == 1
    after = report(cli(tmp_path, "report", run, "--json"))
    assert after["changes"] == before["changes"] and len(after["changes"]) == 2
    assert after["counts"] == before["counts"]


def test_a_killed_run_shows_as_interrupted(tmp_path):
    with FakeOpenEdx(latency=0.4) as lms:
        seed_demo(lms, 2)
        roster = roster_with_duplicate(tmp_path / "roster.csv", learners=30, duplicate=3)
        lines = roster.read_text(encoding="utf-8").splitlines()[:-1]
        roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        env.update({"MOOC_BRIDGE_HOME": str(tmp_path / "var"), "MOOC_BRIDGE_LANGUAGE": "en",
                    "MOOC_BRIDGE_OPENEDX_CLIENT_ID": lms.client_id,
                    "MOOC_BRIDGE_OPENEDX_CLIENT_SECRET": lms.client_secret})
        from .test_e2e_registrar import SCRIPT

        # the LMS holds its answer to the third enrollment_allowed POST (the plan GETs each newcomer's first): the
        # run is surely mid-apply when it is killed
        hold = lms.inject(kind="hold", method="POST", path="/enrollment_allowed/$", skip=2)
        process = subprocess.Popen([str(SCRIPT), "sync", "roster", "--from", f"csv:{roster}", "--to", lms_spec(lms),
                                    "--batch-size", "1", "--workers", "1", "--max-change", "100"],
                                   cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            if not hold.reached.wait(120):
                pytest.fail("the run never reached its third enrollment")
            listed = json.loads(cli(tmp_path, "runs", "--json").stdout)
            assert [r["status"] for r in listed] == ["running"]  # alive: not taken for interrupted
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        finally:
            hold.release.set()
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
    runs = json.loads(cli(tmp_path, "runs", "--json").stdout)
    assert [r["status"] for r in runs] == ["interrupted"]
    assert "interrupted" in cli(tmp_path, "runs").stdout


# 5. the dry run refuses what the real run refuses -----------------------------------------------------------------

def test_a_draft_without_course_number_is_refused_by_the_dry_run_as_by_the_real_run(tmp_path):
    spoc = spoc_export(tmp_path / "spoc.xlsx", [(1, 71, None), (2, 64, None)])
    target = f"xlsx:{tmp_path / 'jw.xlsx'}?{NO_COURSE}"
    dry = cli(tmp_path, "grades", "--from", f"xlsx:{spoc}", "--to", target, "--dry-run")
    real = cli(tmp_path, "grades", "--from", f"xlsx:{spoc}", "--to", target)
    assert dry.returncode == real.returncode == 2, (dry.stdout, real.stdout)
    assert "课程号" in dry.stderr and dry.stderr == real.stderr
    assert not (tmp_path / "jw.xlsx").exists()


@pytest.mark.parametrize("dry", [True, False])
def test_an_item_map_source_that_names_no_source_item_is_refused(tmp_path, dry):
    spoc = spoc_export(tmp_path / "spoc.xlsx", [(1, 71, None), (2, 64, None)])
    source = f"xlsx:{spoc}?components=true"
    maps = ["--item-map", "单元测验=hw1", "--item-map", "单元作业=midterm"]
    with FakeOpenEdx() as lms:
        seed_demo(lms, 2)
        wrong = cli(tmp_path, "grades", "--from", source, "--to", lms_spec(lms), *maps, "--item-map", "考試=exam",
                    *(["--dry-run"] if dry else []), lms=lms)
        assert wrong.returncode == 1, wrong.stdout + wrong.stderr
        assert "--item-map 考試=… names no grade item of the source" in wrong.stderr
        assert "total (the course-level score), 单元作业, 单元测验, 考试" in wrong.stderr, "考试 has no score yet"
        assert "Traceback" not in wrong.stderr and lms.traffic.writes == []
        right = cli(tmp_path, "grades", "--from", source, "--to", lms_spec(lms), *maps, "--item-map", "考试=exam",
                    "--dry-run", lms=lms)
        assert right.returncode == 0, right.stdout + right.stderr
