"""A sync run on real Celery workers over a real redis-server: kill the worker mid-run, the run still ends exactly once.

The run: 12 grades, 2 per chunk task, so 6 chunks. The target parks two writes: chunk 3 after it applied
S07's grade (applied, not yet answered) and chunk 4 before it applies S10's (sent, not applied). When both
are parked, chunks 0-2 are done; then the worker and its children get SIGKILL. A new worker receives the two
unacknowledged chunks again (acks_late, Redis visibility timeout), takes their expired leases, re-reads the
``started`` operations and writes only what the target lacks. Every grade is written exactly once.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from adapters.base import Change
from adapters.records import Person, Score
from sync.schedule import SCHEDULED_TASK
from tests.conftest import ROOT
from tests.sync.celery_fixtures import (
    QUEUE,
    CountingTarget,
    Worker,
    journal_db,  # noqa: F401 - fixture
    poll,
    redis_url,  # noqa: F401 - fixture
    worker_env,
    write_source,
)

pytestmark = pytest.mark.redis

PEOPLE = [f"S{n:02d}" for n in range(1, 13)]


def _cli(env, *args, timeout=60):
    return subprocess.run([sys.executable, "-m", "xblocks.cli", "sync", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def _journal(path, sql, *params):
    with sqlite3.connect(path, timeout=30) as db:
        return db.execute(sql, params).fetchall()


def _run_row(path, run_id):
    return _journal(path, "SELECT status, error FROM mooc_bridge_sync_syncrun WHERE id = ?", run_id)[0]


def test_a_killed_worker_loses_and_doubles_nothing(tmp_path, redis_url, journal_db):  # noqa: F811
    source = write_source(tmp_path / "source.json", [
        Score(person=Person(student_number=who), course_id="C1", line_item_id="final", value=60 + n)
        for n, who in enumerate(PEOPLE)])
    target = tmp_path / "target.db"
    CountingTarget(target)  # creates the tables before anyone reads them
    env = worker_env(redis_url, journal_db)
    first = Worker(env, tmp_path / "worker1.log")
    second = None
    try:
        first.wait_ready()
        started = _cli(env, "grades", "--from", f"memsrc:{source}",
                       "--to", f"countdb:{target}?hold_after=S07&hold_before=S10",
                       "--celery", "--chunk-size", "2", "--workers", "1", "--json")
        assert started.returncode == 0, started.stderr
        run_id = json.loads(started.stdout)["run"]

        # both parked writes are in flight: chunk 3 applied S07 and waits, chunk 4 waits before S10
        poll(lambda: target.with_suffix(".held-after").exists() and target.with_suffix(".held-before").exists(),
             60, "both parked writes", first.process, first.log_path)
        status = _cli(env, "status", str(run_id), "--json")
        assert status.returncode == 0, status.stderr
        progress = json.loads(status.stdout)
        assert progress["status"] == "running"
        assert progress["chunks"] == {"total": 6, "done": 3, "running": 2, "queued": 1}
        assert progress["states"] == {"done": 6, "started": 4, "planned": 2}
        # chunks 0-2 wrote S01-S06; chunk 3 applied S07 (not S08); chunk 4 applied S09 (not S10)
        assert CountingTarget.writes_per_person(target) == {who: 1 for who in [*PEOPLE[:7], "S09"]}

        first.kill()
        assert _run_row(journal_db, run_id)[0] == "running"
        target.with_suffix(".release").write_text("go")
        second = Worker(env, tmp_path / "worker2.log")
        second.wait_ready()
        poll(lambda: _run_row(journal_db, run_id)[0] != "running", 90, "the run to end", second.process,
             second.log_path)

        assert _run_row(journal_db, run_id) == ("done", None)
        assert CountingTarget.writes_per_person(target) == {who: 1 for who in PEOPLE}  # none lost, none doubled
        states = dict(_journal(journal_db, "SELECT subject, state FROM mooc_bridge_sync_operation WHERE run_id = ?",
                               run_id))
        assert set(states.values()) == {"done"} and len(states) == 12
        results = dict(_journal(journal_db, "SELECT subject, json_extract(result, '$.status') "
                                            "FROM mooc_bridge_sync_operation WHERE run_id = ?", run_id))
        parked = {subject: status for subject, status in results.items() if subject.split(" ")[0] in ("S07", "S10")}
        assert sorted(parked.values()) == ["applied", "unchanged"]  # S07 re-read and found, S10 written
        chunks = _journal(journal_db, "SELECT number, state, attempts FROM mooc_bridge_sync_syncchunk "
                                      "WHERE run_id = ? ORDER BY number", run_id)
        assert [state for _n, state, _a in chunks] == ["done"] * 6
        assert {n: attempts for n, _s, attempts in chunks if attempts > 1} == {3: 2, 4: 2}

        # the same sync again changes nothing
        again = _cli(env, "grades", "--from", f"memsrc:{source}", "--to", f"countdb:{target}", "--celery",
                     "--wait", "--json", timeout=120)
        assert again.returncode == 0, again.stderr + again.stdout
        assert json.loads(again.stdout.strip().splitlines()[-1])["operations"] == 0
        assert CountingTarget.writes_per_person(target) == {who: 1 for who in PEOPLE}
    finally:
        first.stop()
        if second is not None:
            second.stop()


def test_a_scheduled_run_holds_on_the_workers_and_approve_applies_it_there(tmp_path, redis_url, journal_db):  # noqa: F811
    target = tmp_path / "target.db"
    counting = CountingTarget(target)
    for start in range(0, 12, 2):  # twelve grades of 60 already in the target
        counting.write("scores", [Change(key=who, stream="scores", action="create", record=Score(
            person=Person(student_number=who), course_id="C1", line_item_id="final", value=60))
            for who in PEOPLE[start:start + 2]])
    source = write_source(tmp_path / "source.json", [  # the nightly export moved eight of them: 67% changed
        Score(person=Person(student_number=who), course_id="C1", line_item_id="final", value=70 if n < 8 else 60)
        for n, who in enumerate(PEOPLE)])
    schedules = [{"name": "nightly", "kind": "grades", "from": f"memsrc:{source}", "to": f"countdb:{target}",
                  "crontab": "30 2 * * *"}]
    env = worker_env(redis_url, journal_db, MOOC_BRIDGE_TEST_SCHEDULES=json.dumps(schedules))
    worker = Worker(env, tmp_path / "worker.log")
    try:
        worker.wait_ready()
        sent = subprocess.run([sys.executable, "-m", "celery", "-A", "tests.sync.celery_app", "call", SCHEDULED_TASK,
                               "--args", '["nightly"]', "--queue", QUEUE], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=60)  # what celery beat sends at 02:30
        assert sent.returncode == 0, sent.stderr
        run_id = poll(lambda: _journal(journal_db, "SELECT id FROM mooc_bridge_sync_syncrun WHERE status = 'held'"),
                      60, "the scheduled run to hold", worker.process, worker.log_path)[0][0]
        assert CountingTarget.writes_per_person(target) == {who: 1 for who in PEOPLE}, "nothing written"
        shown = _cli(env, "report", str(run_id))
        assert "8 of 12 records in the target (66.7%) would be changed or removed" in shown.stdout
        listed = _cli(env, "runs")
        assert f"Held for approval: {run_id}." in listed.stdout

        approved = _cli(env, "approve", str(run_id), "--celery", "--wait", "--json", timeout=120)
        assert approved.returncode == 0, approved.stderr + approved.stdout
        assert _run_row(journal_db, run_id) == ("done", None)
        assert CountingTarget.writes_per_person(target) == {who: 2 if who in PEOPLE[:8] else 1 for who in PEOPLE}
        stale = _cli(env, "approve", str(run_id))
        assert stale.returncode == 1 and "not held for approval" in stale.stderr
    finally:
        worker.stop()
