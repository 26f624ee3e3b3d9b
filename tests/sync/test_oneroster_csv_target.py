"""A OneRoster CSV bundle as a sync target: created by the first run, updated (not replaced) by the next,
re-read on resume so that an interrupted run finishes with nothing lost and nothing written twice."""

from __future__ import annotations

import pytest

from adapters.errors import DataError
from adapters.oneroster import OneRosterCsvAdapter
from sync.models import Operation, SyncRun
from sync.runner import SyncOptions, resume, run_sync

from .memory import Crash, MemorySource, enrol, person

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = [person(f"2025{n:03d}", f"学生{n}") for n in range(7)]


def roster(people=PEOPLE):
    return MemorySource([enrol(p, course="C1") for p in people])


def enrolled(path) -> list[str]:
    return sorted(e.person.student_number for e in OneRosterCsvAdapter(path).read("enrollments"))


def test_a_new_bundle_is_created_and_a_second_run_changes_nothing(tmp_path):
    path = tmp_path / "out" / "roster.zip"
    path.parent.mkdir()
    spec = f"oneroster-csv:{path}"
    with OneRosterCsvAdapter(path) as target:
        run = run_sync("roster", roster(), target, SyncOptions(target_spec=spec))
    assert run.status == SyncRun.DONE and enrolled(path) == [p.student_number for p in PEOPLE]
    with OneRosterCsvAdapter(path) as target:
        again = run_sync("roster", roster(), target, SyncOptions(target_spec=spec))
    assert again.status == SyncRun.DONE and Operation.objects.filter(run=again).count() == 0
    with OneRosterCsvAdapter(path) as target:
        run_sync("roster", roster([person("2025100", "新生")]), target, SyncOptions(target_spec=spec))
    assert enrolled(path) == sorted([p.student_number for p in PEOPLE] + ["2025100"]), "updated, not replaced"


def test_a_missing_source_bundle_is_an_error_not_an_empty_roster(tmp_path):
    missing = OneRosterCsvAdapter(tmp_path / "typo.zip")
    with OneRosterCsvAdapter(tmp_path / "target.zip") as target, pytest.raises(DataError) as info:
        run_sync("roster", missing, target, SyncOptions(unenroll=True))
    assert info.value.code == "missing_file"
    assert not (tmp_path / "target.zip").exists()


@pytest.mark.parametrize("crash", ["before", "after"])
def test_an_interrupted_run_resumes_by_re_reading_the_bundle(tmp_path, monkeypatch, crash):
    path = tmp_path / "roster.zip"
    monkeypatch.setattr(OneRosterCsvAdapter, "batch_size", 3)
    calls = []
    real_write = OneRosterCsvAdapter.write

    def write(self, stream, changes):
        calls.append(len(changes))
        if len(calls) == 2 and crash == "before":
            raise Crash()
        results = real_write(self, stream, changes)
        if len(calls) == 2:
            raise Crash()
        return results

    monkeypatch.setattr(OneRosterCsvAdapter, "write", write)
    target = OneRosterCsvAdapter(path)
    with pytest.raises(Crash):
        run_sync("roster", roster(), target, SyncOptions(workers=1, target_spec=f"oneroster-csv:{path}"))
    run = SyncRun.objects.get()
    started = list(Operation.objects.filter(run=run, state=Operation.STARTED))
    assert run.status == SyncRun.INTERRUPTED and len(started) == 3
    on_disk = 6 if crash == "after" else 3
    assert len(enrolled(path)) == on_disk, "a batch reported applied is on disk without close()"
    monkeypatch.setattr(OneRosterCsvAdapter, "write", real_write)
    resumed = resume(run.pk)  # the target opened from the run's SPEC (and closed) by resume
    assert resumed.status == SyncRun.DONE
    assert enrolled(path) == [p.student_number for p in PEOPLE]
    reread = Operation.objects.filter(pk__in=[op.pk for op in started])
    assert {op.result["status"] for op in reread} == ({"unchanged"} if crash == "after" else {"applied"})
    assert not Operation.objects.filter(state=Operation.FAILED).exists()
