"""Issue #12, items 2 and 3, and the review after them: grades into a OneRoster gradebook (the fake provider on
127.0.0.1). A dry run and a real run agree on every grade. A result mooc-bridge did not write (no ``mooc-bridge.*``
metadata: a teacher's or another system's) is a manual grade, held as ``target_overridden`` unless ``--force``;
one of ours is updated by a timestamp-less grade (spreadsheets, Open edX) unless it is newer by real timestamps;
results carry the time of the change, not 1970."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from adapters.base import Change
from adapters.oneroster import OneRosterAdapter
from adapters.records import Person, Score
from sync.models import Operation, SyncRun
from sync.runner import SyncOptions, run_sync
from tests.fakes.oneroster_server import FakeOneRoster

from .memory import MemorySource

pytestmark = pytest.mark.django_db(transaction=True)

DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
GRADED_EARLIER = datetime(2025, 5, 1, 8, 0, tzinfo=UTC)  # older than the stored result of 2025-06-01
GRADED_AT = datetime(2025, 12, 1, 8, 30, tzinfo=UTC)
STORED_AT = "2025-06-01T09:00:00.000Z"


@pytest.fixture
def sis():
    """u1 and u5 hold results a person or another system wrote (no metadata); u2 and u3 results mooc-bridge wrote
    on 2025-06-01 09:00; u4 none."""
    with FakeOneRoster("1.2") as fake:
        fake.add_class("c1", "Python")
        fake.add_line_item("li1", "c1", "Homework", maximum=100)
        for n in range(1, 6):
            fake.add_user(f"u{n}", identifier=f"202500{n}")
            fake.add_enrollment(f"e{n}", f"u{n}", "c1")
        for n, score, ours in ((1, 50.0, False), (2, 70.0, True), (3, 60.0, True), (5, 88.0, False)):
            row = {"sourcedId": f"r{n}", "status": "active", "dateLastModified": STORED_AT,
                   "lineItem": fake.ref("lineItems", "li1", "lineItem"), "student": fake.ref("users", f"u{n}", "user"),
                   "class": fake.ref("classes", "c1", "class"), "scoreStatus": "fully graded", "score": score,
                   "scoreDate": "2025-06-01"}
            if ours:
                row["metadata"] = {"mooc-bridge.status": "graded", "mooc-bridge.timestamp": STORED_AT}
            fake.tables["results"].put(row)
        yield fake


def grades(**changes) -> MemorySource:
    """u1 (manual) and u3 (ours) changed without a timestamp, u2 (ours) changed with an older one, u4 new (graded
    at GRADED_AT), u5 the same as stored."""
    rows = {"1": (55.0, None), "2": (75.0, GRADED_EARLIER), "3": (65.0, None), "4": (91.0, GRADED_AT),
            "5": (88.0, None), **changes}
    return MemorySource([Score(person=Person(student_number=f"202500{n}"), course_id="c1", line_item_id="li1",
                               value=value, max_score=100, scale="points", timestamp=when)
                         for n, (value, when) in rows.items()])


def target(sis: FakeOneRoster) -> OneRosterAdapter:
    return OneRosterAdapter.from_spec(sis.root("gradebook"), {
        "client_id": sis.client_id, "client_secret": sis.client_secret, "token_url": sis.url + "/oauth/token"})


def stored(sis: FakeOneRoster) -> dict[str, dict]:
    return {row["student"]["sourcedId"]: row for row in sis.tables["results"].all()}


def planned(run: SyncRun) -> dict[str, tuple[str, str, str]]:
    """学号 → (action, reason, state) of each grade in a dry run's report."""
    return {e["after"]["person"]["student_number"]: (e["action"], e["reason"], e["state"])
            for e in run.report_data["changes"]}


def journalled(run: SyncRun) -> dict[str, tuple[str, str, str]]:
    """学号 → (action, reason, state) of each operation a real run journalled."""
    return {op.payload["person"]["student_number"]: (op.action, op.reason, op.state)
            for op in Operation.objects.filter(run=run)}


def test_dry_run_and_real_run_agree_and_results_carry_the_time_of_the_change(sis):
    with target(sis) as tgt:
        dry = run_sync("grades", grades(), tgt, SyncOptions(dry_run=True, target_key="or"))
    assert planned(dry) == {
        "2025001": ("update", "target_overridden", "skipped"), "2025003": ("update", "grade_changed", "planned"),
        "2025004": ("create", "new_grade", "planned"), "2025002": ("update", "target_newer", "skipped")}
    assert {k: v["score"] for k, v in stored(sis).items()} == {"u1": 50.0, "u2": 70.0, "u3": 60.0, "u5": 88.0}

    before = datetime.now(UTC)
    with target(sis) as tgt:
        real = run_sync("grades", grades(), tgt, SyncOptions(target_key="or"))
    after = datetime.now(UTC)
    assert real.status == SyncRun.DONE
    done = {who: (action, reason, "planned" if state == "done" else state)
            for who, (action, reason, state) in journalled(real).items()}
    assert done == planned(dry), "the real run did what the dry run showed"
    rows = stored(sis)
    assert {k: v["score"] for k, v in rows.items()} == {"u1": 50.0, "u2": 70.0, "u3": 65.0, "u4": 91.0, "u5": 88.0}
    for sid in ("u3", "u4"):
        written = rows[sid]
        assert DATE_TIME.match(written["dateLastModified"]), written["dateLastModified"]
        stamp = datetime.fromisoformat(written["dateLastModified"].replace("Z", "+00:00"))
        assert before.replace(microsecond=0) <= stamp <= after, "dateLastModified is the time of the write"
    today = after.date().isoformat()
    assert rows["u3"]["scoreDate"] == today  # no timestamp: graded now
    assert rows["u4"]["scoreDate"] == "2025-12-01"  # the source's own grading date
    assert rows["u1"]["dateLastModified"] == rows["u2"]["dateLastModified"] == STORED_AT, "held grades untouched"
    assert "metadata" not in rows["u1"], "the manual result is still the person's"

    with target(sis) as tgt:  # nothing left to do but the held grades
        again = run_sync("grades", grades(), tgt, SyncOptions(target_key="or"))
    assert journalled(again) == {"2025001": ("update", "target_overridden", "skipped"),
                                 "2025002": ("update", "target_newer", "skipped")}


def test_force_overwrites_the_manual_and_the_newer_stored_grade_in_both_runs(sis):
    with target(sis) as tgt:
        dry = run_sync("grades", grades(), tgt, SyncOptions(dry_run=True, force=True, target_key="or"))
    assert planned(dry)["2025001"] == ("update", "forced_overridden", "planned")
    assert planned(dry)["2025002"] == ("update", "forced_newer", "planned")
    with target(sis) as tgt:
        real = run_sync("grades", grades(), tgt, SyncOptions(force=True, target_key="or"))
    assert journalled(real)["2025001"] == ("update", "forced_overridden", "done")
    assert journalled(real)["2025002"] == ("update", "forced_newer", "done")
    rows = stored(sis)
    assert rows["u1"]["score"] == 55.0 and rows["u1"]["metadata"]["mooc-bridge.status"] == "graded"
    assert rows["u2"]["score"] == 75.0 and rows["u2"]["scoreDate"] == "2025-05-01"


def test_the_writer_holds_a_manual_result_met_at_write_time_unless_forced(sis):
    """A teacher grades between the plan and the write: the writer keeps that grade as the planner would."""
    change = Change(key="k", stream="scores", action="update", record=Score(
        person=Person(external_ids={"oneroster": "u1"}), course_id="c1", line_item_id="li1", value=99.0,
        max_score=100, scale="points"))
    with target(sis) as tgt:
        [held] = tgt.write("scores", [change])
        assert held.status == "skipped" and "--force" in held.message
        assert stored(sis)["u1"]["score"] == 50.0
        [forced] = tgt.write("scores", [change.model_copy(update={"force": True})])
    assert forced.status == "applied" and stored(sis)["u1"]["score"] == 99.0


def test_a_timestamp_less_grade_updates_a_result_stamped_by_an_earlier_run(sis):
    with target(sis) as tgt:
        run_sync("grades", grades(), tgt, SyncOptions(target_key="or"))
    with target(sis) as tgt:
        dry = run_sync("grades", grades(**{"4": (40.0, None)}), tgt, SyncOptions(dry_run=True, target_key="or"))
        real = run_sync("grades", grades(**{"4": (40.0, None)}), tgt, SyncOptions(target_key="or"))
    assert planned(dry)["2025004"] == ("update", "grade_changed", "planned")
    assert journalled(real)["2025004"] == ("update", "grade_changed", "done")
    assert stored(sis)["u4"]["score"] == 40.0
