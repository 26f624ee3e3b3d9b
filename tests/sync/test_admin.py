"""The admin pages of the journal: they render, filter and search; the journal cannot be edited from them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone

from sync.models import Operation, ReviewItem, SyncChunk, SyncRun

pytestmark = pytest.mark.django_db

ADMIN = "/admin/mooc_bridge_sync/"


@pytest.fixture
def journal():
    """A finished run and a running one (its chunks half done), with operations and one review item."""
    done = SyncRun.objects.create(kind="grades", source_spec="xlsx:a.xlsx", target_spec="openedx:https://lms.x",
                                  target_key="openedx:https://lms.x", status=SyncRun.DONE,
                                  counts={"states": {"done": 2, "failed": 1}}, finished_at=timezone.now())
    running = SyncRun.objects.create(kind="roster", source_spec="csv:r.csv", target_spec="openedx:https://lms.y",
                                     target_key="openedx:https://lms.y", status=SyncRun.RUNNING, host="celery",
                                     progress={"phase": "apply"})
    ops = []
    for n, (run, state) in enumerate([(done, "done"), (done, "done"), (done, "failed"), (running, "done"),
                                      (running, "started"), (running, "planned"), (running, "planned")]):
        ops.append(Operation.objects.create(run=run, target=run.target_key, key=f"{n:040x}", seq=n, stream="scores",
                                            action="upsert", subject=f"2024{n:04d} · final", payload={"value": n},
                                            reason="new_grade", state=state))
    SyncChunk.objects.create(run=running, number=0, first_seq=3, last_seq=4, size=2, state=SyncChunk.DONE)
    SyncChunk.objects.create(run=running, number=1, first_seq=5, last_seq=6, size=2, state=SyncChunk.RUNNING,
                             owner="w1", heartbeat_at=timezone.now())
    review = ReviewItem.objects.create(run=done, person={"student_number": "20240099", "name": "王同学"},
                                       reason="ambiguous_key", records=2)
    return {"done": done, "running": running, "ops": ops, "review": review}


def test_runs_list_shows_progress_and_filters_by_status_and_kind(admin_client, journal):
    page = admin_client.get(ADMIN + "syncrun/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "1 of 4 operations, 1 of 2 worker tasks" in text  # the running run, counted now
    assert "3 of 3 operations" in text  # the finished run, from its counts
    page = admin_client.get(ADMIN + "syncrun/", {"status__exact": "running"})
    assert "csv:r.csv" in page.content.decode() and "xlsx:a.xlsx" not in page.content.decode()
    page = admin_client.get(ADMIN + "syncrun/", {"kind__exact": "grades"})
    assert "xlsx:a.xlsx" in page.content.decode() and "csv:r.csv" not in page.content.decode()


def test_a_run_page_shows_its_worker_tasks_read_only(admin_client, journal):
    run = journal["running"]
    page = admin_client.get(ADMIN + f"syncrun/{run.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "w1" in text and 'name="_save"' not in text
    before = SyncRun.objects.filter(pk=run.pk).values().get()
    answer = admin_client.post(ADMIN + f"syncrun/{run.pk}/change/", {"status": "done", "kind": "grades"})
    assert answer.status_code == 403
    assert SyncRun.objects.filter(pk=run.pk).values().get() == before


def test_operations_filter_by_state_and_search_by_key(admin_client, journal):
    page = admin_client.get(ADMIN + "operation/", {"state__exact": "failed"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "20240002 · final" in text and "20240000 · final" not in text
    key = journal["ops"][4].key
    page = admin_client.get(ADMIN + "operation/", {"q": key})
    text = page.content.decode()
    assert "20240004 · final" in text and "20240003 · final" not in text
    page = admin_client.get(ADMIN + "operation/", {"q": "20240005"})
    assert "20240005 · final" in page.content.decode() and "20240006 · final" not in page.content.decode()


def test_the_journal_cannot_be_added_changed_or_deleted(admin_client, journal):
    op = journal["ops"][0]
    for url in ("syncrun/add/", "operation/add/", "reviewitem/add/", f"syncrun/{journal['done'].pk}/delete/",
                f"operation/{op.pk}/delete/", f"reviewitem/{journal['review'].pk}/delete/"):
        assert admin_client.get(ADMIN + url).status_code == 403, url
    answer = admin_client.post(ADMIN + f"operation/{op.pk}/change/", {"state": "planned"})
    assert answer.status_code == 403
    op.refresh_from_db()
    assert op.state == "done"
    answer = admin_client.post(ADMIN + "operation/", {"action": "delete_selected", "_selected_action": [op.pk]})
    assert Operation.objects.filter(pk=op.pk).exists()
    assert answer.status_code in (200, 302)


def test_a_review_item_can_only_be_marked_resolved(admin_client, journal):
    item = journal["review"]
    page = admin_client.get(ADMIN + "reviewitem/")
    assert "20240099 王同学" in page.content.decode()
    answer = admin_client.post(ADMIN + f"reviewitem/{item.pk}/change/",
                               {"resolved": "on", "reason": "changed", "records": 99, "person": "{}"})
    assert answer.status_code == 302
    item.refresh_from_db()
    assert item.resolved and item.reason == "ambiguous_key" and item.records == 2
    assert item.person["student_number"] == "20240099"


def test_resume_on_workers_needs_the_change_permission(client, journal):
    staff = User.objects.create_user("registrar", password="pw", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_syncrun", "view_operation"]))
    client.force_login(staff)
    page = client.get(ADMIN + "syncrun/")
    assert page.status_code == 200 and "resume_on_workers" not in page.content.decode()
    staff.user_permissions.add(Permission.objects.get(codename="change_syncrun"))
    page = client.get(ADMIN + "syncrun/")
    assert "resume_on_workers" in page.content.decode()
    # the running run is alive: the action refuses it and says why
    answer = client.post(ADMIN + "syncrun/", {"action": "resume_on_workers",
                                              "_selected_action": [journal["running"].pk]}, follow=True)
    assert "still running" in answer.content.decode()
    assert SyncRun.objects.get(pk=journal["running"].pk).status == SyncRun.RUNNING
