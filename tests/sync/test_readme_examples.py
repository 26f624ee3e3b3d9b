"""The README's sync examples, run as written against the fake Open edX, with their outcomes checked.

The commands are read from README.md (the bash block of *Sync rosters and grades*) and must equal
``EXAMPLES`` below, in order, so a README edit that is not run here fails. Each one runs as a real
``mooc-bridge`` process in a scratch folder holding ``docs/examples/``, with its own ``MOOC_BRIDGE_HOME``
and the fake LMS seeded as ``python -m tests.fakes.openedx_server --seed 20`` seeds it; the only change
made to a command is the fake's address (its port is picked free here instead of 18000).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from tests.fakes.openedx_server import DEMO_COURSE, FakeOpenEdx, seed_demo

ROOT = Path(__file__).resolve().parents[2]
README_ADDRESS = "127.0.0.1:18000"
LMS = f"openedx:http://{README_ADDRESS}?course={DEMO_COURSE}"
SPOC = "csv:docs/examples/spoc-grades.csv?profile=icourse163&components=true"
MAPS = ["--item-map", "期中考试(40分)=期中测验", "--item-map", "期末考试(60分)=exam"]
DRAFT = "xlsx:jw-draft.xlsx?profile=zhengfang&course=0012345&course_name=高等数学&term=2025-2026-1"

EXAMPLES = [
    ["mooc-bridge", "sync", "roster", "--from", "csv:docs/examples/roster.csv", "--to", LMS],
    ["mooc-bridge", "sync", "grades", "--from", SPOC, "--to", LMS, *MAPS, "--dry-run", "--report", "plan.html"],
    ["mooc-bridge", "sync", "grades", "--from", SPOC, "--to", LMS, *MAPS],
    ["mooc-bridge", "sync", "grades", "--from", LMS, "--to", DRAFT, "--report", "report.html"],
    ["mooc-bridge", "sync", "runs"],
    ["mooc-bridge", "sync", "report", "3"],
    ["mooc-bridge", "sync", "resume", "3"],
]


def readme_commands() -> list[list[str]]:
    """The ``mooc-bridge sync`` commands of the README's *Sync rosters and grades* bash block, as argv lists."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Sync rosters and grades", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "README.md: no bash block under 'Sync rosters and grades'"
    lines = block.group(1).replace("\\\n", " ").splitlines()
    return [shlex.split(line, comments=True) for line in lines if line.startswith("mooc-bridge sync ")]


def test_the_readme_shows_exactly_the_examples_run_here():
    assert readme_commands() == EXAMPLES


@pytest.fixture
def lms():
    with FakeOpenEdx() as server:
        seed_demo(server, 20)
        yield server
    assert server.errors == []


def run(lms: FakeOpenEdx, folder: Path, argv: list[str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update({"MOOC_BRIDGE_HOME": str(folder / "var"), "MOOC_BRIDGE_LANGUAGE": "en",
                "MOOC_BRIDGE_OPENEDX_CLIENT_ID": "mooc-bridge", "MOOC_BRIDGE_OPENEDX_CLIENT_SECRET": "s3cret"})
    args = [a.replace(README_ADDRESS, lms.url.removeprefix("http://")) for a in argv[1:]]
    return subprocess.run([sys.executable, "-m", "xblocks.cli", *args], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=180)


def counts(out: str) -> dict[str, int]:
    """The ``  label: number`` lines of a run summary."""
    return {m[1]: int(m[2]) for m in re.finditer(r"^  ([^:\n]+): (\d+)$", out, re.M)}


def test_the_readme_sync_examples_run_as_written(lms, tmp_path):
    shutil.copytree(ROOT / "docs" / "examples", tmp_path / "docs" / "examples")
    results = []
    for argv in readme_commands():
        done = run(lms, tmp_path, argv)
        assert done.returncode == 0, f"{shlex.join(argv)}\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr
        results.append(done)
    roster, dry, grades, draft, runs, report, resume = (r.stdout for r in results)
    midterm, exam = (f"block-v1:MOOCBridge+Demo101+2025+type@sequential+block@{b}" for b in ("midterm", "exam"))

    # the roster: 20 learners matched by 学号 (already enrolled), two newcomers allowed to enrol by e-mail
    assert counts(roster)["matched to a target user"] == 20 and counts(roster)["done"] == 2
    assert {email for email, _course in lms.state.allowed} == {"qianduoduo@stu.example.edu.cn",
                                                               "kongming@stu.example.edu.cn"}
    # the dry run: 20 matched, 40 grades planned on the subsections named 期中测验 and exam, nothing written
    assert counts(dry)["matched to a target user"] == 20 and counts(dry)["not found in the target"] == 1
    assert counts(dry)["changes planned"] == 40 and counts(dry)["planned"] == 40
    assert (tmp_path / "plan.html").exists()
    # the real run writes what the dry run showed: 40 overrides, 张伟 (2025000001) 27/40 and 41/60
    assert counts(grades)["changes planned"] == 40 and counts(grades)["done"] == 40
    overrides = [e for e in lms.traffic.effects() if e[0] == "override"]
    assert len(overrides) == 40 and {e[3] for e in overrides} == {midterm, exam}
    assert lms.state.subsection_score("s00001", midterm) == (27.0, 40.0)
    assert lms.state.subsection_score("s00001", exam) == (41.0, 60.0)
    # the draft: one row per learner with the 学号 Open edX knows and the course grade it computed
    assert counts(draft)["done"] == 20
    rows = list(openpyxl.load_workbook(tmp_path / "jw-draft.xlsx").worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("学号", "姓名", "课程号") and len(rows) == 21
    assert rows[1][0] == "2025000001" and rows[1][6] == 54  # 0.3 × 27/40 + 0.5 × 41/60 = 54%
    # runs, report and resume name the runs as the README says
    assert len(re.findall(r"^\s+\d+\s+(roster|grades)\s+done", runs, re.M)) == 4
    assert report.startswith("Run 3: grades, done") and resume.startswith("Run 3: grades, done")
    assert len([e for e in lms.traffic.effects() if e[0] == "override"]) == 40  # resume wrote nothing again
