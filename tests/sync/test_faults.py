"""Grades sync into a hostile Open edX: throttling, 5xx bursts, timeouts, expiring tokens, partial failures, a crash.

Every test runs the real engine (``sync.runner``) and the real Open edX adapter against the fake LMS on
127.0.0.1 and then asserts the LMS's final state (every planned grade exactly once) and the fake's write log
(no change written twice). Faults fire by count, never by chance.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from adapters.http import RetryPolicy
from adapters.openedx import OpenEdxAdapter
from sync.runner import SyncOptions, run_sync
from tests.fakes.openedx_server import FakeOpenEdx
from tests.fakes.scenarios import MemoryScores, graded_course, missing, openedx_options, scores_for

ROOT = Path(__file__).resolve().parents[2]
COURSE = "course-v1:PKU+Faults101+2025"
BULK = r"/bulk-update$"
GRADEBOOK = r"/api/grades/v1/gradebook/[^/]+/$"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lms():
    with FakeOpenEdx() as server:
        yield server
    assert server.errors == []


class Waits(list):
    """A retry policy's sleep that records each wait and sleeps a little (so tests stay quick)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        time.sleep(min(seconds, 0.05))


def target(lms: FakeOpenEdx, waits: Waits | None = None, **options) -> OpenEdxAdapter:
    policy = RetryPolicy(max_attempts=6, backoff_base=0.01, sleep=waits if waits is not None else Waits())
    return OpenEdxAdapter.from_spec(lms.url, openedx_options(lms, COURSE, **options), retry=policy)


def sync(lms: FakeOpenEdx, grades, adapter: OpenEdxAdapter | None = None, batch: int = 10, workers: int = 3):
    adapter = adapter or target(lms)
    try:
        return run_sync("grades", MemoryScores(scores_for(grades, COURSE)), adapter,
                        SyncOptions(workers=workers, batch_size=batch, target_course=COURSE,
                                    source_spec="memory:", target_spec=f"openedx:{lms.url}"))
    finally:
        adapter.close()


def test_a_clean_run_writes_every_grade_once_and_a_second_run_writes_nothing(lms):
    grades = graded_course(lms, COURSE, learners=12)
    run = sync(lms, grades)
    assert run.status == "done" and missing(lms, grades) == []
    writes = lms.traffic.count(method="POST", path=BULK)
    assert writes == -(-len(grades) // 10)
    again = sync(lms, grades)
    assert again.status == "done"
    assert lms.traffic.count(method="POST", path=BULK) == writes  # nothing to write the second time
    assert lms.traffic.duplicates() == {}


def test_retry_after_is_honoured(lms):
    grades = graded_course(lms, COURSE, learners=8)
    fault = lms.inject(status=429, retry_after=2, times=2, path=BULK,
                       body={"detail": "Request was throttled. Expected available in 2 seconds."})
    waits = Waits()
    run = sync(lms, grades, target(lms, waits))
    assert fault.fired == 2
    assert waits.count(2.0) == 2  # the server's Retry-After, not the policy's own back-off
    assert run.status == "done" and missing(lms, grades) == []
    assert lms.traffic.duplicates() == {}


def test_the_adapter_rate_limit_keeps_under_the_servers(lms):
    grades = graded_course(lms, COURSE, learners=10)
    lms.set_rate_limit(6, per=1.0)  # the LMS's throttle; ours is set lower, with room for scheduling jitter
    run = sync(lms, grades, target(lms, rate=4), batch=5)
    assert run.status == "done" and missing(lms, grades) == []
    assert lms.traffic.count(status=429) == 0
    assert lms.traffic.max_in_window(1.0) <= 6


def test_bursts_of_5xx_are_retried_to_an_exact_result(lms):
    grades = graded_course(lms, COURSE, learners=12)
    faults = [lms.inject(status=503, times=3, path=BULK), lms.inject(status=502, times=2, path=GRADEBOOK),
              lms.inject(status=500, times=1, path="/api/user/v1/me"),
              lms.inject(status=504, times=2, skip=2, path=BULK)]
    run = sync(lms, grades)
    assert [f.fired for f in faults] == [3, 2, 1, 2]
    assert run.status == "done" and missing(lms, grades) == []
    assert lms.traffic.duplicates() == {}


def test_read_and_write_timeouts_before_the_server_acts_are_retried(lms):
    grades = graded_course(lms, COURSE, learners=6)
    faults = [lms.inject(kind="timeout", seconds=2, times=1, path=GRADEBOOK),
              lms.inject(kind="timeout", seconds=2, times=1, path=BULK),
              lms.inject(kind="reset", times=1, skip=1, path=BULK)]
    run = sync(lms, grades, target(lms, timeout=0.5))
    assert [f.fired for f in faults] == [1, 1, 1]
    assert run.status == "done" and missing(lms, grades) == []
    assert lms.traffic.duplicates() == {}


def test_a_write_whose_answer_is_lost_is_not_written_blindly_again(lms):
    """The LMS applies a bulk-update, then the answer never arrives (timeout): re-read, never a blind re-send."""
    grades = graded_course(lms, COURSE, learners=3)
    fault = lms.inject(kind="timeout", phase="after", seconds=2, times=1, path=BULK)
    sync(lms, grades, target(lms, timeout=0.5))
    assert fault.fired == 1
    assert lms.traffic.duplicates() == {}
    assert missing(lms, grades) == []


def test_a_token_that_expires_mid_run_is_replaced(lms):
    grades = graded_course(lms, COURSE, learners=10)
    lms.tokens.max_uses = 4
    run = sync(lms, grades, batch=5, workers=1)
    assert lms.traffic.count(status=401) >= 1 and lms.tokens.issued >= 2
    assert run.status == "done" and missing(lms, grades) == []
    assert lms.traffic.duplicates() == {}


def test_partial_failures_of_a_bulk_update_are_reported_and_the_rest_is_written_once(lms):
    grades = graded_course(lms, COURSE, learners=6)
    refused = grades[4], grades[11]
    for grade in refused:
        lms.state.fail_item(lms.state.user(grade.username).id, grade.usage_id, times=1,
                            reason="CourseEnrollment matching query does not exist.")
    run = sync(lms, grades)
    assert run.status == "failed"
    assert run.counts["states"].get("failed") == 2
    assert missing(lms, grades) == list(refused)
    assert lms.traffic.count(status=422) >= 1
    # the cause is gone (the learners were enrolled again): the same sync writes only what is missing
    before = len(lms.traffic.effects())
    again = sync(lms, grades)
    assert again.status == "done" and missing(lms, grades) == []
    assert len(lms.traffic.effects()) - before == 2
    assert lms.traffic.duplicates() == {}


# ---- a crash between a write and its journal entry (real CLI processes) ------------------------------------

def cli(lms: FakeOpenEdx, home: Path, *args: str, wait: bool = True):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update({"MOOC_BRIDGE_HOME": str(home), "MOOC_BRIDGE_LANGUAGE": "en",
                "MOOC_BRIDGE_OPENEDX_CLIENT_ID": lms.client_id, "MOOC_BRIDGE_OPENEDX_CLIENT_SECRET": lms.client_secret})
    command = [sys.executable, "-m", "xblocks.cli", "sync", *args]
    if not wait:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.django_db(transaction=False)
def test_a_run_killed_between_a_write_and_its_journal_entry_resumes_without_writing_twice(lms, tmp_path):
    grades = graded_course(lms, COURSE, learners=10, subsections=2)
    # the export a registrar has: 学号, 姓名 and one column per unit, mapped to the Open edX subsections
    book = openpyxl.Workbook()
    book.active.append(["学号", "姓名", "单元测验1(10分)", "单元测验2(10分)"])
    by_number: dict[str, dict[str, float]] = {}
    for g in grades:
        by_number.setdefault(g.student_number, {})[g.usage_id] = g.points
    usages = sorted({g.usage_id for g in grades})
    for number, points in by_number.items():
        book.active.append([number, "学生", points[usages[0]], points[usages[1]]])
    book.save(tmp_path / "mooc.xlsx")
    profile = {"name": "units", "title": "单元测验成绩", "kind": "grades", "platform": "test", "aliases": [],
               "evidence": "test", "roles": {"student_number": ["学号"], "name": ["姓名"]},
               "components": ["单元测验"], "signature": ["单元测验1(10分)"], "required": ["student_number"],
               "total": {"scale": "percent", "max": 100}}
    (tmp_path / "units.json").write_text(json.dumps(profile, ensure_ascii=False), encoding="utf-8")
    source = f"xlsx:{tmp_path / 'mooc.xlsx'}?profiles={tmp_path / 'units.json'}&profile=units&components=true"
    spec = f"openedx:{lms.url}?course={COURSE}&student_number=external_user_key&rate=0"
    args = ["grades", "--from", source, "--to", spec,
            "--item-map", f"单元测验1(10分)={usages[0]}", "--item-map", f"单元测验2(10分)={usages[1]}",
            "--workers", "1", "--batch-size", "5", "--json"]
    hold = lms.inject(kind="hold", path=BULK, skip=1)  # the 2nd batch is applied, then its answer is held
    process = cli(lms, tmp_path, *args, wait=False)
    try:
        if not hold.reached.wait(60):
            process.kill()
            pytest.fail("the sync never sent its second batch: " + process.communicate()[1][-2000:])
        process.send_signal(signal.SIGKILL)  # killed before it could journal the batch the LMS applied
        process.wait(30)
    finally:
        hold.release.set()
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)  # reaps the child and closes its pipes
    applied_before = len(lms.traffic.effects())
    assert applied_before == 10  # two batches of 5 reached the LMS; the second was never journalled

    runs = json.loads(cli(lms, tmp_path, "runs", "--json").stdout)
    assert runs[0]["status"] not in ("done", "failed")
    rereads = lms.traffic.count(method="GET", path="/api/grades/v1/subsection/")
    result = cli(lms, tmp_path, "resume", str(runs[0]["id"]), "--json")
    assert result.returncode == 0, result.stderr + result.stdout[-2000:]
    assert missing(lms, grades) == []
    assert lms.traffic.duplicates() == {}  # the held batch was re-read, not written again
    assert lms.traffic.count(method="GET", path="/api/grades/v1/subsection/") - rereads >= 5
    assert len(lms.traffic.effects()) == len(grades)
