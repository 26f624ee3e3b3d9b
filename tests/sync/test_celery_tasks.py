"""The Celery tasks of a sync run, driven in this process: plan, chunks, leases, the finisher, resume, schedules.

Task messages are caught instead of sent (``sent``) and delivered by the test — once, twice, or not at
all — so each delivery order a broker can produce is played on purpose. The end-to-end test with a real
redis-server and real workers is tests/sync/test_celery.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from adapters.records import Person, Score
from sync import journal, tasks
from sync.cli import main
from sync.models import Operation, SyncChunk, SyncRun
from sync.runner import SyncRefused, resume
from sync.specs import SCHEMES

from .celery_fixtures import CountingTarget, write_source

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = [f"S{n:02d}" for n in range(1, 8)]


@pytest.fixture
def sent(monkeypatch):
    """Messages the code under test sends, as ``(task name, args)``; nothing reaches a broker."""
    monkeypatch.setitem(SCHEMES, "memsrc", ("tests.sync.memory", "MemorySource"))
    monkeypatch.setitem(SCHEMES, "countdb", ("tests.sync.celery_fixtures", "CountingTarget"))
    messages: list[tuple[str, tuple]] = []
    monkeypatch.setattr(tasks, "_send", lambda task, *args: messages.append((task.name, args)))
    return messages


@pytest.fixture
def specs(tmp_path):
    source = write_source(tmp_path / "source.json", [
        Score(person=Person(student_number=who), course_id="C1", line_item_id="final", value=70 + n)
        for n, who in enumerate(PEOPLE)])
    target = tmp_path / "target.db"
    CountingTarget(target)
    return f"memsrc:{source}", f"countdb:{target}", target


def deliver(messages):
    """Run every message sent so far (and those they send), in order, like one patient worker."""
    while messages:
        name, args = messages.pop(0)
        task = {"mooc_bridge.sync.plan": tasks.plan_run, "mooc_bridge.sync.apply_chunk": tasks.apply_chunk}[name]
        task.apply(args=args, throw=True)


def test_a_run_is_planned_once_then_applied_chunk_by_chunk(sent, specs):
    source, target, path = specs
    run = tasks.enqueue_sync("grades", source, target, {"workers": 2}, chunk_size=3)
    assert run.status == SyncRun.RUNNING and run.pid is None and run.progress["phase"] == "queued"
    assert sent == [("mooc_bridge.sync.plan", (run.pk,))]
    tasks.plan_run.apply(args=(run.pk,), throw=True)
    assert [args for _name, args in sent[1:]] == [(run.pk, 0), (run.pk, 1), (run.pk, 2)]
    assert list(SyncChunk.objects.filter(run=run).values_list("first_seq", "last_seq", "size")) == [
        (0, 2, 3), (3, 5, 3), (6, 6, 1)]
    assert CountingTarget.writes_per_person(path) == {}
    sent.pop(0)
    progress = journal.progress_of(SyncRun.objects.get(pk=run.pk))
    assert progress["chunks"] == {"total": 3, "queued": 3} and progress["states"] == {"planned": 7}

    deliver(sent)
    run.refresh_from_db()
    assert run.status == SyncRun.DONE and run.counts["states"] == {"done": 7} and run.progress["phase"] == "finished"
    assert CountingTarget.writes_per_person(path) == {who: 1 for who in PEOPLE}
    assert set(SyncChunk.objects.filter(run=run).values_list("state", "attempts")) == {("done", 1)}
    assert journal.progress_of(run)["finished"] == 7


def test_chunks_delivered_again_write_nothing_twice(sent, specs):
    source, target, path = specs
    run = tasks.enqueue_sync("grades", source, target, chunk_size=3)
    deliver(sent)
    assert tasks.apply_chunk.apply(args=(run.pk, 0), throw=True).get() == "finished"
    # a worker died after its writes, before it committed them: the chunk is running under a dead lease
    chunk = SyncChunk.objects.get(run=run, number=1)
    SyncChunk.objects.filter(pk=chunk.pk).update(state=SyncChunk.RUNNING, owner="dead",
                                                 heartbeat_at=timezone.now() - timedelta(hours=1))
    Operation.objects.filter(run=run, seq__range=(3, 5)).update(state=Operation.STARTED)
    SyncRun.objects.filter(pk=run.pk).update(status=SyncRun.RUNNING, finished_at=None)
    assert tasks.apply_chunk.apply(args=(run.pk, 1), throw=True).get() == "applied"
    assert CountingTarget.writes_per_person(path) == {who: 1 for who in PEOPLE}
    results = Operation.objects.filter(run=run, seq__range=(3, 5)).values_list("state", "result")
    assert {(state, result["status"]) for state, result in results} == {("done", "unchanged")}
    run.refresh_from_db()
    assert run.status == SyncRun.DONE


def test_a_chunk_under_a_live_lease_waits_and_is_not_applied(sent, specs, monkeypatch):
    from celery.exceptions import Retry

    source, target, path = specs
    asked = []
    monkeypatch.setattr(tasks.apply_chunk, "retry", lambda **kw: asked.append(kw) or Retry())
    run = tasks.enqueue_sync("grades", source, target, chunk_size=3)
    tasks.plan_run.apply(args=(run.pk,), throw=True)
    chunk = SyncChunk.objects.get(run=run, number=0)
    assert journal.claim_chunk(chunk, "worker-a", timedelta(minutes=10))
    result = tasks.apply_chunk.apply(args=(run.pk, 0))
    assert result.state == "RETRY" and asked == [{"countdown": 600.0}]
    assert CountingTarget.writes_per_person(path) == {}
    assert set(Operation.objects.filter(run=run, seq__lte=2).values_list("state", flat=True)) == {"planned"}


def test_leases(sent, specs):
    source, target, _path = specs
    run = tasks.enqueue_sync("grades", source, target, chunk_size=3)
    tasks.plan_run.apply(args=(run.pk,), throw=True)
    chunk = SyncChunk.objects.get(run=run, number=2)
    lease = timedelta(minutes=10)
    assert journal.claim_chunk(chunk, "a", lease)
    assert not journal.claim_chunk(chunk, "b", lease)
    assert journal.renew_chunk(chunk, "a") and not journal.renew_chunk(chunk, "b")
    SyncChunk.objects.filter(pk=chunk.pk).update(heartbeat_at=timezone.now() - 2 * lease)
    assert journal.claim_chunk(chunk, "b", lease)
    assert not journal.renew_chunk(chunk, "a") and not journal.finish_chunk(chunk, "a", SyncChunk.DONE)
    assert journal.finish_chunk(chunk, "b", SyncChunk.DONE)
    assert not journal.claim_chunk(chunk, "c", timedelta(0))


def test_the_last_chunk_closes_the_run_exactly_once(sent, specs):
    source, target, _path = specs
    run = tasks.enqueue_sync("grades", source, target, chunk_size=10)
    tasks.plan_run.apply(args=(run.pk,), throw=True)
    assert journal.close_if_complete(run) is None  # a chunk is still queued
    SyncChunk.objects.filter(run=run).update(state=SyncChunk.DONE)
    assert journal.close_if_complete(run).status == SyncRun.DONE  # all 7 still planned, none failed
    assert journal.close_if_complete(run) is None


def test_a_chunk_that_breaks_interrupts_the_run_and_resume_on_workers_finishes_it(sent, specs, monkeypatch):
    source, target, path = specs
    run = tasks.enqueue_sync("grades", source, target, chunk_size=3)
    real = tasks.open_work

    def broken(run, first_seq=None, last_seq=None, **kw):
        if first_seq == 3:
            raise RuntimeError("disk full")
        return real(run, first_seq, last_seq, **kw)

    monkeypatch.setattr(tasks, "open_work", broken)
    deliver(sent)
    run.refresh_from_db()
    assert run.status == SyncRun.INTERRUPTED and "disk full" in run.error["message"]
    assert CountingTarget.writes_per_person(path) == {who: 1 for who in PEOPLE[:3] + PEOPLE[6:]}
    monkeypatch.setattr(tasks, "open_work", real)
    tasks.enqueue_resume(run.pk)
    deliver(sent)
    run.refresh_from_db()
    assert run.status == SyncRun.DONE and run.error is None
    assert CountingTarget.writes_per_person(path) == {who: 1 for who in PEOPLE}


def test_failed_operations_are_re_read_and_retried_by_resume_on_workers(sent, specs, monkeypatch):
    source, target, path = specs
    run = tasks.enqueue_sync("grades", source, target, chunk_size=4)
    calls = []
    real_write = CountingTarget.write

    def flaky(self, stream, changes):
        calls.append(len(changes))
        if len(calls) == 2:
            raise RuntimeError("connection reset")
        return real_write(self, stream, changes)

    monkeypatch.setattr(CountingTarget, "write", flaky)
    deliver(sent)
    run.refresh_from_db()
    assert run.status == SyncRun.FAILED and run.counts["states"] == {"done": 5, "failed": 2}
    tasks.enqueue_resume(run.pk)
    deliver(sent)
    run.refresh_from_db()
    assert run.status == SyncRun.DONE and run.counts["states"] == {"done": 7}
    assert CountingTarget.writes_per_person(path) == {who: 1 for who in PEOPLE}


def test_a_plan_that_cannot_read_fails_the_run_with_the_reason(sent, specs, tmp_path):
    _source, target, _path = specs
    run = tasks.enqueue_sync("grades", f"memsrc:{tmp_path / 'missing.json'}", target)
    deliver(sent)
    run.refresh_from_db()
    assert run.status == SyncRun.FAILED and "missing.json" in run.error["message"]
    assert not SyncChunk.objects.filter(run=run).exists()


def test_refusals_before_anything_is_journalled(sent, specs):
    source, target, _path = specs
    with pytest.raises(SyncRefused) as caught:
        tasks.enqueue_sync("courses", source, target)
    assert caught.value.code == "usage"
    from sync.specs import SpecError

    with pytest.raises(SpecError):
        tasks.enqueue_sync("grades", source, target + "?password=x")
    assert not SyncRun.objects.exists()
    run = tasks.enqueue_sync("grades", source, target)
    with pytest.raises(SyncRefused) as caught:
        tasks.enqueue_sync("grades", source, target)
    assert caught.value.code == "busy"
    with pytest.raises(SyncRefused) as caught:
        resume(run.pk)  # the workers own it and it is alive: no in-process resume behind their back
    assert caught.value.code == "busy"
    with pytest.raises(SyncRefused):
        tasks.enqueue_resume(run.pk)
    with pytest.raises(SyncRefused) as caught:
        tasks.enqueue_resume(99999)
    assert caught.value.code == "no_such_run"


def test_workers_and_the_runner_share_the_kinds_and_the_target_key_rule(sent, specs, monkeypatch):
    from sync.plan import KINDS
    from sync.runner import SyncOptions, target_key

    source, target, _path = specs
    monkeypatch.setitem(KINDS, "people", "persons")  # a kind the engine learns is known to the workers too
    run = tasks.enqueue_sync("people", source, target, {"target_key": "k" * 300})
    assert run.kind == "people" and sent == [("mooc_bridge.sync.plan", (run.pk,))]
    assert run.target_key == target_key(SyncOptions(target_key="k" * 300)) == "k" * 255
    other = tasks.enqueue_sync("grades", source, target, {"dry_run": True})
    assert other.target_key == target_key(SyncOptions.from_json(other.options), "countdb") == other.target_spec


def test_a_dry_run_on_workers_plans_and_writes_nothing(sent, specs):
    source, target, path = specs
    run = tasks.enqueue_sync("grades", source, target, {"dry_run": True})
    deliver(sent)
    run.refresh_from_db()
    assert run.status == SyncRun.DONE and run.dry_run and run.counts["planned"] == 7
    assert not Operation.objects.exists() and CountingTarget.writes_per_person(path) == {}


def test_a_schedule_starts_a_run_by_name(sent, specs, settings):
    source, target, _path = specs
    settings.MOOC_BRIDGE_SYNC_SCHEDULES = [{"name": "nightly", "kind": "grades", "from": source, "to": target,
                                            "options": {"match": "email", "chunk_size": 5}, "every": 3600}]
    run_id = tasks.run_schedule.apply(args=("nightly",), throw=True).get()
    run = SyncRun.objects.get(pk=run_id)
    assert run.progress == {"phase": "queued", "chunk_size": 5, "schedule": "nightly"}
    assert run.options["match"] == ["email"]
    assert tasks.run_schedule.apply(args=("nightly",), throw=True).get() is None  # the first one is still live
    assert tasks.run_schedule.apply(args=("weekly",), throw=True).get() is None


def test_status_command_shows_progress_while_it_runs(sent, specs, capsys):
    source, target, _path = specs
    run = tasks.enqueue_sync("grades", source, target, chunk_size=3)
    tasks.plan_run.apply(args=(run.pk,), throw=True)
    tasks.apply_chunk.apply(args=(run.pk, 0), throw=True)
    assert main(["status", str(run.pk)]) == 0
    out = capsys.readouterr().out
    assert "operations finished: 3 of 7" in out and "worker tasks: 1 of 3 done" in out
    assert main(["status", "99999"]) == 2
