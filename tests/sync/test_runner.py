"""Apply, journal, resume and repeat: the final state is exact and nothing is written twice."""

import os

import pytest

from adapters.records import Person
from sync import journal
from sync.models import Operation, ReviewItem, SyncRun
from sync.runner import SyncOptions, SyncRefused, resume, run_sync

from .memory import Crash, MemorySource, MemoryTarget, ident, person, score

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = [Person(student_number=f"{n:03d}", username=f"u{n}", name=f"学生{n}") for n in range(10)]


def source_grades(value=80, items=("hw1", "hw2")):
    return MemorySource([score(person(p.student_number, p.name), value + i, item=item)
                         for i, p in enumerate(PEOPLE) for item in items])


def target(**kw):
    return MemoryTarget(people=PEOPLE, **kw)


def values(tgt):
    return {key: rec.value for key, rec in tgt.state.items()}


def test_apply_journals_every_operation_and_a_second_run_changes_nothing():
    tgt = target()
    run = run_sync("grades", source_grades(), tgt, SyncOptions(workers=3))
    assert run.status == SyncRun.DONE
    assert tgt.writes_applied == 20 and len(tgt.state) == 20
    assert values(tgt)[("u3", "C1", "hw2")] == 83
    ops = Operation.objects.filter(run=run)
    assert ops.count() == 20 and set(ops.values_list("state", flat=True)) == {"done"}
    assert all(op.attempts == 1 and len(op.key) == 40 for op in ops)
    assert run.report_data["counts"]["states"] == {"done": 20}

    again = run_sync("grades", source_grades(), tgt, SyncOptions(workers=3))
    assert again.status == SyncRun.DONE and tgt.writes_applied == 20
    assert again.report_data["counts"]["unchanged"] == 20
    assert Operation.objects.filter(run=again).count() == 0


def test_dry_run_writes_nothing_and_records_one_run():
    tgt = target()
    run = run_sync("grades", source_grades(), tgt, SyncOptions(dry_run=True))
    assert tgt.write_calls == 0 and tgt.state == {}
    assert Operation.objects.count() == 0 and ReviewItem.objects.count() == 0
    assert SyncRun.objects.get().dry_run is True
    assert run.report_data["counts"]["planned"] == 20
    assert {e["state"] for e in run.report_data["changes"]} == {"planned"}


def test_people_under_review_are_journalled_and_never_written():
    src = source_grades()
    src.records.append(score(person("999", "甲"), 50))
    src.records.append(score(person("999", "乙"), 51, item="hw2"))
    tgt = target(closed=False)
    run = run_sync("grades", src, tgt, SyncOptions())
    assert [r.reason for r in ReviewItem.objects.filter(run=run)] == ["source_duplicate"]
    assert not [key for key in tgt.state if key[0] == "999"]
    assert run.status == SyncRun.DONE


def test_partial_failures_are_reported_and_a_rerun_writes_only_them():
    tgt = target()
    tgt.fail = {("u1", "C1", "hw1"), ("u2", "C1", "hw2")}
    run = run_sync("grades", source_grades(), tgt, SyncOptions(workers=2))
    assert run.status == SyncRun.FAILED
    failed = Operation.objects.filter(run=run, state="failed")
    assert sorted(op.subject for op in failed) == ["001 · 学生1 · hw1", "002 · 学生2 · hw2"]
    assert tgt.writes_applied == 18
    tgt.fail = set()
    rerun = run_sync("grades", source_grades(), tgt, SyncOptions())
    assert rerun.status == SyncRun.DONE and tgt.writes_applied == 20
    # the failed operations' keys were taken over by the new run (one row per key and target)
    assert Operation.objects.filter(state="failed").count() == 0


def test_a_failing_batch_fails_only_its_changes_and_resume_retries_them():
    tgt = target()
    tgt.fail_batch = 2
    run = run_sync("grades", source_grades(), tgt, SyncOptions(workers=1))
    assert run.status == SyncRun.FAILED
    failed = list(Operation.objects.filter(run=run, state="failed"))
    assert len(failed) == 3 and all(op.retriable and op.error["status"] == 503 for op in failed)
    assert tgt.writes_applied == 17
    resumed = resume(run.pk, tgt)
    assert resumed.status == SyncRun.DONE and tgt.writes_applied == 20 and len(tgt.state) == 20


def test_crash_before_the_write_resumes_where_it_stopped():
    tgt = target()
    tgt.crash_before = 3
    with pytest.raises(Crash):
        run_sync("grades", source_grades(), tgt, SyncOptions(workers=1))
    run = SyncRun.objects.get()
    assert run.status == SyncRun.INTERRUPTED
    assert Operation.objects.filter(run=run, state="started").count() == 3
    assert tgt.writes_applied == 6
    resumed = resume(run.pk, tgt)
    assert resumed.status == SyncRun.DONE
    assert tgt.writes_applied == 20 and values(tgt) == values(_fresh_target())


def test_crash_after_the_write_before_the_journal_is_not_written_twice():
    tgt = target()
    tgt.crash_after = 2
    with pytest.raises(Crash):
        run_sync("grades", source_grades(), tgt, SyncOptions(workers=1))
    run = SyncRun.objects.get()
    started = list(Operation.objects.filter(run=run, state="started"))
    assert len(started) == 3 and tgt.writes_applied == 6  # batch 2 was applied, its journal entry was not
    resumed = resume(run.pk, tgt)
    assert resumed.status == SyncRun.DONE
    assert tgt.writes_applied == 20  # 6 + the 14 never sent; the 3 re-read ones were not written again
    reread = Operation.objects.filter(pk__in=[op.pk for op in started])
    assert {op.result["status"] for op in reread} == {"unchanged"}
    assert values(tgt) == values(_fresh_target())


def test_applying_and_resuming_leave_the_run_bookmark_as_the_plan_set_it():
    tgt = target()
    tgt.crash_before = 3
    with pytest.raises(Crash):
        run_sync("grades", source_grades(), tgt, SyncOptions(workers=2))
    run = SyncRun.objects.get()
    SyncRun.objects.filter(pk=run.pk).update(bookmark={"source": "2026-09-01T00:00:00+00:00"})
    assert resume(run.pk, tgt).status == SyncRun.DONE
    assert SyncRun.objects.get(pk=run.pk).bookmark == {"source": "2026-09-01T00:00:00+00:00"}  # no batch counter


def test_crash_with_many_workers_leaves_an_exact_state_after_resume():
    tgt = target()
    tgt.crash_after = 4
    with pytest.raises(Crash):
        run_sync("grades", source_grades(items=("a", "b", "c")), tgt, SyncOptions(workers=4))
    resume(SyncRun.objects.get().pk, tgt)
    assert len(tgt.state) == 30 and tgt.writes_applied == 30


def test_a_killed_process_is_resumable_but_a_live_run_is_not():
    tgt = target()
    tgt.crash_before = 1
    with pytest.raises(Crash):
        run_sync("grades", source_grades(), tgt, SyncOptions())
    run = SyncRun.objects.get()
    SyncRun.objects.filter(pk=run.pk).update(status="running", pid=os.getppid())  # "still running elsewhere"
    with pytest.raises(SyncRefused) as refused:
        resume(run.pk, tgt)
    assert refused.value.code == "busy"
    with pytest.raises(SyncRefused):
        run_sync("grades", source_grades(), tgt, SyncOptions())
    SyncRun.objects.filter(pk=run.pk).update(pid=_dead_pid())
    assert not journal.is_alive(SyncRun.objects.get(pk=run.pk))
    assert resume(run.pk, tgt).status == SyncRun.DONE and tgt.writes_applied == 20


def test_a_new_run_supersedes_what_a_dead_run_left_open():
    tgt = target()
    tgt.crash_before = 2
    with pytest.raises(Crash):
        run_sync("grades", source_grades(), tgt, SyncOptions(workers=1))
    old = SyncRun.objects.get()
    tgt.crash_before = None
    new = run_sync("grades", source_grades(), tgt, SyncOptions(workers=1))
    assert new.status == SyncRun.DONE and tgt.writes_applied == 20
    assert not Operation.objects.filter(run=old, state__in=["planned", "started"]).exists()
    assert resume(old.pk, tgt).status == SyncRun.DONE and tgt.writes_applied == 20


def test_resume_without_current_fails_closed():
    class Blind(MemoryTarget):
        capabilities = frozenset()  # it cannot re-read a change

    tgt = Blind(people=PEOPLE)
    tgt.crash_after = 1
    with pytest.raises(Crash):
        run_sync("grades", source_grades(), tgt, SyncOptions(workers=1))
    run = resume(SyncRun.objects.get().pk, tgt)
    assert run.status == SyncRun.FAILED and tgt.writes_applied == 20
    assert {op.error["code"] for op in Operation.objects.filter(state="failed")} == {"cannot_verify"}


def test_resume_refuses_unknown_and_dry_runs():
    with pytest.raises(SyncRefused) as unknown:
        resume(12345, target())
    assert unknown.value.exit_code == 2
    dry = run_sync("grades", source_grades(), target(), SyncOptions(dry_run=True))
    with pytest.raises(SyncRefused):
        resume(dry.pk, target())


def test_roster_unenroll_only_when_asked():
    from .memory import enrol

    tgt = MemoryTarget([enrol(p) for p in PEOPLE[:3]], people=PEOPLE)
    src = MemorySource([enrol(person(p.student_number)) for p in PEOPLE[1:5]])
    run = run_sync("roster", src, tgt, SyncOptions())
    assert tgt.state[("u0", "C1", None)].status == "active" and run.report_data["counts"]["kept"] == 1
    assert {key[0] for key in tgt.state} == {"u0", "u1", "u2", "u3", "u4"}
    run_sync("roster", src, tgt, SyncOptions(unenroll=True))
    assert tgt.state[("u0", "C1", None)].status == "inactive"


def _fresh_target():
    tgt = target()
    run_sync("grades", source_grades(), tgt, SyncOptions(target_key="fresh"))
    return tgt


def _dead_pid():
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_ident_helper_keys_by_username():
    assert ident(score(PEOPLE[0], 1)) == ("u0", "C1", "hw1")


def test_the_package_exports_the_runner():
    import sync

    assert sync.run_sync is run_sync and sync.resume is resume
