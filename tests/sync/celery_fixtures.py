"""A real redis-server, real Celery workers and a target whose writes every process can count.

Used by tests/sync/test_celery*.py (import the fixtures there). Nothing here talks to anything but
127.0.0.1 and files under the test's tmp_path:

* ``redis_url``: Debian's ``redis-server`` on a free loopback port, no persistence, stopped after the test
  (skipped when it is missing, except with CI=true, where that is a failure);
* ``journal_db``: the sync journal in a SQLite file (WAL) that the test and the workers share;
* :class:`Worker`: ``celery -A tests.sync.celery_app worker --pool=prefork`` in its own process group, so
  :meth:`Worker.kill` can SIGKILL it with its children in the middle of a run;
* :class:`CountingTarget` (SPEC ``countdb:FILE``): grades in a SQLite file, one row per write in a
  ``writes`` table, and ``hold_before``/``hold_after`` options that park a write (before or after it is
  applied) until the test creates the release file — the way to have a chunk in flight at a known point.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from adapters.base import Adapter, Change, ChangeResult, ReadScope
from adapters.records import Record, Score
from tests.conftest import IN_CI, ROOT, free_port, wait_for_port

REDIS_SERVER = os.environ.get("MOOC_BRIDGE_REDIS_SERVER", shutil.which("redis-server") or "/usr/bin/redis-server")
QUEUE = "mooc-bridge-sync-test"
_HOLD_LIMIT = 120.0


def register_schemes() -> None:
    """Make ``memsrc:FILE.json`` and ``countdb:FILE`` SPECs open the test adapters (in this process)."""
    from sync.specs import SCHEMES

    SCHEMES.setdefault("memsrc", ("tests.sync.memory", "MemorySource"))
    SCHEMES.setdefault("countdb", ("tests.sync.celery_fixtures", "CountingTarget"))


class CountingTarget(Adapter):
    """Grades kept in a SQLite file; every applied write is also a row of ``writes`` (who, item, process)."""

    name = "countdb"
    reads = frozenset({"scores"})
    writes = frozenset({"scores"})
    capabilities = frozenset({"current"})
    batch_size = 2
    identity_closed = False

    def __init__(self, path: str | Path, hold_before: str = "", hold_after: str = ""):
        self.path = Path(path)
        self.hold_before, self.hold_after = hold_before, hold_after
        with self._db() as db:
            db.execute("CREATE TABLE IF NOT EXISTS scores (who TEXT, course TEXT, item TEXT, payload TEXT, "
                       "PRIMARY KEY (who, course, item))")
            db.execute("CREATE TABLE IF NOT EXISTS writes (id INTEGER PRIMARY KEY, who TEXT, item TEXT, pid INTEGER)")

    @classmethod
    def from_spec(cls, location: str, options: dict[str, str]) -> CountingTarget:
        """``countdb:FILE?hold_before=学号&hold_after=学号``."""
        return cls(location, options.get("hold_before", ""), options.get("hold_after", ""))

    def _db(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA busy_timeout = 30000")
        return db

    def check_connection(self) -> None:
        return None

    def read(self, stream: str, scope: ReadScope | None = None) -> Iterator[Record]:
        with self._db() as db:
            rows = db.execute("SELECT payload FROM scores").fetchall()
        for (payload,) in rows:
            record = Score.model_validate_json(payload)
            if scope is None or scope.course_id in (None, record.course_id):
                yield record

    def _hold(self, marker: str) -> None:
        release = self.path.with_suffix(".release")
        if release.exists():
            return
        self.path.with_suffix(f".{marker}").write_text(str(os.getpid()))
        deadline = time.monotonic() + _HOLD_LIMIT
        while not release.exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    def write(self, stream: str, changes: Sequence[Change]) -> list[ChangeResult]:
        assert len(changes) <= self.batch_size
        results = []
        for change in changes:
            record = change.record
            who = record.person.student_number or ""
            if who == self.hold_before:
                self._hold("held-before")
            with self._db() as db:
                db.execute("BEGIN IMMEDIATE")
                db.execute("INSERT OR REPLACE INTO scores VALUES (?, ?, ?, ?)",
                           (who, record.course_id, record.line_item_id, record.model_dump_json(exclude_none=True)))
                db.execute("INSERT INTO writes (who, item, pid) VALUES (?, ?, ?)", (who, record.line_item_id,
                                                                                     os.getpid()))
                db.execute("COMMIT")
            if who == self.hold_after:
                self._hold("held-after")
            results.append(ChangeResult(key=change.key, status="applied"))
        return results

    def current(self, change: Change) -> Record | None:
        record = change.record
        with self._db() as db:
            row = db.execute("SELECT payload FROM scores WHERE who = ? AND course = ? AND item = ?",
                             (record.person.student_number or "", record.course_id, record.line_item_id)).fetchone()
        return Score.model_validate_json(row[0]) if row else None

    @staticmethod
    def writes_per_person(path: Path) -> dict[str, int]:
        """How many times each person's grade was written, read straight from the file."""
        with sqlite3.connect(path) as db:
            return dict(db.execute("SELECT who, COUNT(*) FROM writes GROUP BY who").fetchall())


def write_source(path: Path, scores: Sequence[Score]) -> Path:
    """A ``memsrc:`` file holding ``scores``."""
    path.write_text(json.dumps([s.model_dump(mode="json", exclude_none=True) for s in scores], ensure_ascii=False),
                    encoding="utf-8")
    return path


def _missing(what: str) -> None:
    if IN_CI:
        pytest.fail(f"{what} (CI=true: this is a failure, not a skip)")
    pytest.skip(what)


@pytest.fixture
def redis_url(tmp_path) -> Iterator[str]:
    """A private redis-server on 127.0.0.1 (no RDB, no AOF), stopped after the test."""
    if not Path(REDIS_SERVER).exists():
        _missing(f"redis-server is not installed at {REDIS_SERVER} (Debian: apt-get install redis-server)")
    port = free_port()
    log = open(tmp_path / "redis.log", "wb")
    process = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(tmp_path), "--protected-mode", "yes"],
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, timeout=20, process=process)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


@pytest.fixture
def journal_db(tmp_path) -> Path:
    """The journal in a SQLite file, migrated and in WAL mode, for the test and its workers to share."""
    path = tmp_path / "journal.db"
    env = {**os.environ, "MOOC_BRIDGE_SYNC_DB": str(path), "MOOC_BRIDGE_HOME": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run([sys.executable, "-m", "xblocks.cli", "sync", "runs"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
    return path


def worker_env(broker: str, journal: Path, **extra: str) -> dict[str, str]:
    """Environment of the workers and of the ``mooc-bridge sync … --celery`` commands of a test."""
    env = {**os.environ, "MOOC_BRIDGE_SYNC_DB": str(journal), "MOOC_BRIDGE_HOME": str(journal.parent),
           "MOOC_BRIDGE_TEST_BROKER": broker, "MOOC_BRIDGE_CELERY_APP": "tests.sync.celery_app:app",
           "PYTHONPATH": str(ROOT), "LANGUAGE": "en", **extra}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


class Worker:
    """A real Celery worker (prefork, ``concurrency`` children) consuming the test queue."""

    def __init__(self, env: dict[str, str], log: Path, concurrency: int = 2):
        self.log_path = log
        self.log = open(log, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tests.sync.celery_app", "worker", "--pool=prefork",
             f"--concurrency={concurrency}", "-Q", QUEUE, "--without-gossip", "--without-mingle",
             "--without-heartbeat", "--loglevel=INFO", "-n", f"sync-test-{time.monotonic_ns()}@%h"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Wait for the worker's ``ready`` line in its log."""
        poll(lambda: b" ready." in self.log_path.read_bytes(), timeout, "the Celery worker to start",
             self.process, self.log_path)

    def kill(self) -> None:
        """SIGKILL the worker and its pool children at once (no warm or cold shutdown, nothing acknowledged)."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop the worker (TERM, then KILL) and close its log."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            except ProcessLookupError:
                pass
        self.log.close()


def poll(condition: Callable[[], object], timeout: float, what: str, process: subprocess.Popen | None = None,
         log: Path | None = None) -> object:
    """Return ``condition()``'s first true value, checking every 50 ms; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if process is not None and process.poll() is not None:
            break
        time.sleep(0.05)
    tail = log.read_text(errors="replace")[-3000:] if log is not None and log.exists() else ""
    raise AssertionError(f"timed out waiting for {what}\n{tail}")
