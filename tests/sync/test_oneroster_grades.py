"""Issue #12, items 2 and 3: grades into a OneRoster gradebook (the fake provider on 127.0.0.1). A dry run and a
real run agree on every grade; timestamp-less grades (spreadsheets, Open edX) update a stored result unless that
one is newer by real timestamps or ``--force`` is given; results carry the time of the change, not 1970."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

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


@pytest.fixture
def sis():
    with FakeOneRoster("1.2") as fake:
        fake.add_class("c1", "Python")
        fake.add_line_item("li1", "c1", "Homework", maximum=100)
        for n in range(1, 6):
            fake.add_user(f"u{n}", identifier=f"202500{n}")
            fake.add_enrollment(f"e{n}", f"u{n}", "c1")
        for n, score in ((1, 50.0), (2, 70.0), (3, 60.0), (5, 88.0)):  # results another system wrote
            fake.tables["results"].put({
                "sourcedId": f"r{n}", "status": "active", "dateLastModified": "2025-06-01T09:00:00.000Z",
                "lineItem": fake.ref("lineItems", "li1", "lineItem"), "student": fake.ref("users", f"u{n}", "user"),
                "class": fake.ref("classes", "c1", "class"), "scoreStatus": "fully graded", "score": score,
                "scoreDate": "2025-06-01"})
        yield fake


def grades(**changes) -> MemorySource:
    """u1 and u3 changed without a timestamp, u2 changed with an older one, u4 new (graded at GRADED_AT),
    u5 the same as stored."""
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
        "2025001": ("update", "grade_changed", "planned"), "2025003": ("update", "grade_changed", "planned"),
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
    assert {k: v["score"] for k, v in rows.items()} == {"u1": 55.0, "u2": 70.0, "u3": 65.0, "u4": 91.0, "u5": 88.0}
    for sid in ("u1", "u3", "u4"):
        written = rows[sid]
        assert DATE_TIME.match(written["dateLastModified"]), written["dateLastModified"]
        stamp = datetime.fromisoformat(written["dateLastModified"].replace("Z", "+00:00"))
        assert before.replace(microsecond=0) <= stamp <= after, "dateLastModified is the time of the write"
    today = after.date().isoformat()
    assert rows["u1"]["scoreDate"] == rows["u3"]["scoreDate"] == today  # no timestamp: graded now
    assert rows["u4"]["scoreDate"] == "2025-12-01"  # the source's own grading date
    assert rows["u2"]["dateLastModified"] == "2025-06-01T09:00:00.000Z", "the newer stored grade is untouched"

    with target(sis) as tgt:  # nothing left to do but the held grade
        again = run_sync("grades", grades(), tgt, SyncOptions(target_key="or"))
    assert journalled(again) == {"2025002": ("update", "target_newer", "skipped")}


def test_force_overwrites_the_newer_stored_grade_in_both_runs(sis):
    with target(sis) as tgt:
        dry = run_sync("grades", grades(), tgt, SyncOptions(dry_run=True, force=True, target_key="or"))
    assert planned(dry)["2025002"] == ("update", "forced_newer", "planned")
    with target(sis) as tgt:
        real = run_sync("grades", grades(), tgt, SyncOptions(force=True, target_key="or"))
    assert journalled(real)["2025002"] == ("update", "forced_newer", "done")
    assert stored(sis)["u2"]["score"] == 75.0 and stored(sis)["u2"]["scoreDate"] == "2025-05-01"


def test_a_timestamp_less_grade_updates_a_result_stamped_by_an_earlier_run(sis):
    with target(sis) as tgt:
        run_sync("grades", grades(), tgt, SyncOptions(target_key="or"))
    with target(sis) as tgt:
        dry = run_sync("grades", grades(**{"1": (40.0, None)}), tgt, SyncOptions(dry_run=True, target_key="or"))
        real = run_sync("grades", grades(**{"1": (40.0, None)}), tgt, SyncOptions(target_key="or"))
    assert planned(dry)["2025001"] == ("update", "grade_changed", "planned")
    assert journalled(real)["2025001"] == ("update", "grade_changed", "done")
    assert stored(sis)["u1"]["score"] == 40.0
