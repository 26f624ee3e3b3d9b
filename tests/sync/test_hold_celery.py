"""Hold for approval on the Celery path, driven in this process (tests/sync/test_celery_tasks.py's way): the plan
task and a scheduled run hold, the admin's Approve applies the held plan on the workers, re-reading first."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User

from adapters.base import Change
from adapters.records import Person, Score
from sync import tasks
from sync.cli import main
from sync.models import Operation, SyncChunk, SyncRun
from sync.runner import SyncRefused
from sync.specs import SCHEMES

from .celery_fixtures import CountingTarget, write_source
from .test_celery_tasks import deliver

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = [f"S{n:02d}" for n in range(1, 13)]


def _score(who: str, value: float) -> Score:
    return Score(person=Person(student_number=who), course_id="C1", line_item_id="final", value=value)


@pytest.fixture
def sent(monkeypatch):
    monkeypatch.setitem(SCHEMES, "memsrc", ("tests.sync.memory", "MemorySource"))
    monkeypatch.setitem(SCHEMES, "countdb", ("tests.sync.celery_fixtures", "CountingTarget"))
    messages: list[tuple[str, tuple]] = []
    monkeypatch.setattr(tasks, "_send", lambda task, *args: messages.append((task.name, args)))
    return messages


@pytest.fixture
def specs(tmp_path):
    """A target holding 12 grades, and a source that changes 8 of them (67%, over the 50% limit)."""
    path = tmp_path / "target.db"
    target = CountingTarget(path)
    for start in range(0, 12, 2):  # the target takes two writes at a time
        target.write("scores", [Change(key=who, stream="scores", action="create", record=_score(who, 60))
                                for who in PEOPLE[start:start + 2]])
    source = write_source(tmp_path / "source.json", [_score(who, 70 if n < 8 else 60) for n, who in enumerate(PEOPLE)])
    return f"memsrc:{source}", f"countdb:{path}", path


def test_the_plan_task_holds_and_approve_applies_the_plan_on_the_workers(sent, specs, capsys):
    source, target, path = specs
    before = CountingTarget.writes_per_person(path)
    run = tasks.enqueue_sync("grades", source, target, chunk_size=3)
    deliver(sent)
    run.refresh_from_db()
    assert run.status == SyncRun.HELD and run.progress["phase"] == "held"
    assert run.report["hold"]["reasons"][0] == {"code": "change", "count": 8, "total": 12, "percent": 66.7,
                                                "limit": 50.0}
    assert not SyncChunk.objects.filter(run=run).exists() and CountingTarget.writes_per_person(path) == before
    assert main(["status", str(run.pk), "--wait"]) == 3
    assert main(["report", str(run.pk)]) == 0
    assert "8 of 12 records in the target (66.7%) would be changed" in capsys.readouterr().out

    # a person fixed S01 by hand meanwhile: the approval re-reads it and does not write it again
    CountingTarget(path).write("scores", [Change(key="x", stream="scores", action="update", record=_score("S01", 70))])
    approved = tasks.enqueue_approve(run.pk, chunk_size=3)
    assert approved.status == SyncRun.RUNNING and approved.progress["approved"] is True
    deliver(sent)
    run.refresh_from_db()
    assert run.status == SyncRun.DONE
    after = CountingTarget.writes_per_person(path)
    assert {who: after[who] - before[who] for who in PEOPLE if after[who] != before[who]} == {
        "S01": 1, **{who: 1 for who in PEOPLE[1:8]}}  # S01: the hand fix only; S02-S08: the approved plan
    results = dict(Operation.objects.filter(run=run).values_list("subject", "result__status"))
    assert results["S01 · final"] == "unchanged" and sorted(set(results.values())) == ["applied", "unchanged"]


def test_a_scheduled_run_holds_and_its_limits_are_schedule_options(sent, specs, settings):
    source, target, _path = specs
    settings.MOOC_BRIDGE_SYNC_SCHEDULES = [{"name": "nightly", "kind": "grades", "from": source, "to": target,
                                            "every": 3600}]
    run_id = tasks.run_schedule.apply(args=("nightly",), throw=True).get()
    deliver(sent)
    assert SyncRun.objects.get(pk=run_id).status == SyncRun.HELD
    settings.MOOC_BRIDGE_SYNC_SCHEDULES[0]["options"] = {"max_change": 70}
    run_id = tasks.run_schedule.apply(args=("nightly",), throw=True).get()
    deliver(sent)
    assert SyncRun.objects.get(pk=run_id).status == SyncRun.DONE
    with pytest.raises(SyncRefused, match="was planned before run"):  # the older held run is stale now
        tasks.enqueue_approve(run_id - 1)


def test_the_admin_approve_action_needs_the_change_permission(sent, specs, client):
    source, target, _path = specs
    run = tasks.enqueue_sync("grades", source, target)
    deliver(sent)
    staff = User.objects.create_user("registrar", password="pw", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_syncrun"))
    client.force_login(staff)
    page = client.get(f"/admin/mooc_bridge_sync/syncrun/{run.pk}/change/").content.decode()
    assert "8 of 12 records in the target (66.7%) would be changed or removed" in page
    assert "approve_on_workers" not in client.get("/admin/mooc_bridge_sync/syncrun/").content.decode()
    staff.user_permissions.add(Permission.objects.get(codename="change_syncrun"))
    answer = client.post("/admin/mooc_bridge_sync/syncrun/", {"action": "approve_on_workers",
                                                              "_selected_action": [run.pk]}, follow=True)
    assert "was approved and handed to the workers" in answer.content.decode()
    deliver(sent)
    assert SyncRun.objects.get(pk=run.pk).status == SyncRun.DONE
