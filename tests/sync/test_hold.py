"""Issue #13 item 6: a run that would remove or change much more than usual holds for approval (ADR 0022).

The end-to-end tests are a registrar at the real ``mooc-bridge sync`` command against the fake Open edX of 100
enrolled learners; outcomes are checked where they land (who is enrolled, the fake's write log). The rule itself
is checked on plans built in memory.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.records import Enrollment, Person, Score
from sync.hold import check, limits
from sync.plan import PlanOptions, build_plan
from tests.fakes.openedx_server import DEMO_COURSE, FakeOpenEdx, seed_demo

from .registrar_files import NAMES, number
from .test_e2e_registrar import cli, lms_spec, report

EVERYONE = {f"s{n:05d}" for n in range(1, 101)}


@pytest.fixture
def lms():
    with FakeOpenEdx() as server:
        seed_demo(server, 100)
        yield server
    assert server.errors == []


def roster(path: Path, learners: range) -> Path:
    """A 教务 roster CSV listing ``learners`` (1-based) in course 0012345."""
    lines = ["学号,姓名,课程号,课程名称,邮箱"]
    lines += [f"{number(n)},{NAMES[(n - 1) % len(NAMES)]},0012345,高等数学,s{n:05d}@example.edu" for n in learners]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def sync_roster(lms: FakeOpenEdx, home: Path, csv: Path, *extra: str):
    return cli(home, "roster", "--from", f"csv:{csv}", "--to", lms_spec(lms), "--unenroll", *extra, lms=lms)


# --- as the registrar, through the command ----------------------------------------------------------------------

def test_a_roster_dropping_30_of_100_holds_writes_nothing_and_approve_unenrolls_exactly_those(lms, tmp_path):
    csv = roster(tmp_path / "roster.csv", range(1, 71))
    held = sync_roster(lms, tmp_path, csv, "--report", str(tmp_path / "held.html"))
    assert held.returncode == 3, held.stderr + held.stdout
    assert lms.traffic.writes == [], "a held run writes nothing"
    assert lms.state.active_usernames(DEMO_COURSE) == EVERYONE
    out = held.stdout
    assert "Held for approval: nothing was written." in out
    assert "30 of 100 active enrollments (30%) would be removed; the limit is 10%" in out
    assert "Would remove (30):" in out and number(71) in out and number(70) not in out
    assert "mooc-bridge sync approve" in out
    page = (tmp_path / "held.html").read_text(encoding="utf-8")
    assert "Held for approval" in page and "30 of 100 active enrollments (30%)" in page
    runs = cli(tmp_path, "runs", lms=lms)
    run_id = int(runs.stdout.split()[0])
    assert " held " in runs.stdout and f"Held for approval: {run_id}." in runs.stdout

    approved = cli(tmp_path, "approve", str(run_id), "--json", lms=lms)
    assert approved.returncode == 0, approved.stderr + approved.stdout
    data = report(approved)
    assert data["run"]["status"] == "done" and data["counts"]["states"] == {"done": 30}
    assert data["hold"]["approved_at"]
    assert lms.state.active_usernames(DEMO_COURSE) == {f"s{n:05d}" for n in range(1, 71)}
    assert lms.traffic.writes, "the fake logs the writes the approval made"
    again = cli(tmp_path, "approve", str(run_id), lms=lms)
    assert again.returncode == 1 and "is not held for approval (it is done)" in again.stderr
    assert "Traceback" not in again.stderr


def test_max_unenroll_raises_the_limit_for_one_run(lms, tmp_path):
    csv = roster(tmp_path / "roster.csv", range(1, 71))
    dry = sync_roster(lms, tmp_path, csv, "--dry-run")
    assert dry.returncode == 0 and "A real run would hold for approval:" in dry.stdout
    result = sync_roster(lms, tmp_path, csv, "--max-unenroll", "40", "--json")
    assert result.returncode == 0, result.stderr + result.stdout
    assert report(result)["run"]["status"] == "done" and report(result)["hold"] is None
    assert lms.state.active_usernames(DEMO_COURSE) == {f"s{n:05d}" for n in range(1, 71)}
    bad = sync_roster(lms, tmp_path, csv, "--max-unenroll", "140")
    assert bad.returncode == 2 and "percentage from 0 to 100" in bad.stderr


def test_a_held_plan_older_than_the_newest_run_is_refused_and_can_be_discarded(lms, tmp_path):
    first = report(sync_roster(lms, tmp_path, roster(tmp_path / "a.csv", range(1, 71)), "--json"))["run"]["id"]
    second = sync_roster(lms, tmp_path, roster(tmp_path / "b.csv", range(1, 81)), "--json")
    assert second.returncode == 3
    second_id = report(second)["run"]["id"]
    stale = cli(tmp_path, "approve", str(first), lms=lms)
    assert stale.returncode == 1, stale.stderr
    assert f"Run {first} was planned before run {second_id} on the same target" in stale.stderr
    assert lms.traffic.writes == [] and lms.state.active_usernames(DEMO_COURSE) == EVERYONE
    dropped = cli(tmp_path, "discard", str(second_id), lms=lms)
    assert dropped.returncode == 0 and "discarded" in dropped.stdout
    assert cli(tmp_path, "approve", str(second_id), lms=lms).returncode == 1
    assert lms.traffic.writes == [] and lms.state.active_usernames(DEMO_COURSE) == EVERYONE
    shown = cli(tmp_path, "report", str(second_id), lms=lms)
    assert f"Run {second_id}: roster, discarded" in shown.stdout


# --- the rule ---------------------------------------------------------------------------------------------------

def _people(count: int) -> list[Person]:
    return [Person(student_number=f"2025{n:06d}") for n in range(count)]


def _roster_plan(enrolled: int, listed: int):
    people = _people(enrolled)
    target = [Enrollment(person=p, course_id="C") for p in people]
    source = [Enrollment(person=p, course_id="C") for p in people[:listed]]
    return build_plan("roster", source, target, PlanOptions(unenroll=True))


def test_unenrolments_hold_over_the_limit_and_never_below_the_floor():
    assert check(_roster_plan(100, 89), 10, 50, 5)["reasons"][0]["count"] == 11  # 11% is over 10%
    hold = check(_roster_plan(100, 70), 10, 50, 5)
    assert [r["code"] for r in hold["reasons"]] == ["unenroll"]
    assert hold["reasons"][0] == {"code": "unenroll", "count": 30, "total": 100, "percent": 30.0, "limit": 10}
    assert check(_roster_plan(100, 90), 10, 50, 5) is None, "exactly at the limit does not hold"
    assert check(_roster_plan(4, 3), 10, 50, 5) is None, "one of a class of four is below the floor"
    assert check(_roster_plan(100, 70), 40, 50, 5) is None


def test_a_first_sync_and_unattempted_grades_do_not_hold_but_rewriting_most_grades_does():
    people = _people(20)
    first = build_plan("roster", [Enrollment(person=p, course_id="C") for p in people], [], PlanOptions())
    assert check(first, 10, 50, 5) is None
    pending = [Score(person=p, course_id="C", line_item_id="hw", value=0, status="pending") for p in people]
    graded = [Score(person=p, course_id="C", line_item_id="hw", value=80) for p in people]
    assert check(build_plan("grades", graded, pending, PlanOptions()), 10, 50, 5) is None
    moved = [Score(person=p, course_id="C", line_item_id="hw", value=90 if n < 11 else 80)
             for n, p in enumerate(people)]
    hold = check(build_plan("grades", moved, graded, PlanOptions()), 10, 50, 5)
    assert hold["reasons"] == [{"code": "change", "count": 11, "total": 20, "percent": 55.0, "limit": 50}]


def test_limits_come_from_the_settings_unless_the_run_gives_its_own(settings):
    assert limits() == (10.0, 50.0, 5)
    settings.MOOC_BRIDGE_SYNC_MAX_UNENROLL, settings.MOOC_BRIDGE_SYNC_HOLD_MIN = 20, 3
    assert limits(None, 70) == (20.0, 70.0, 3)
    settings.MOOC_BRIDGE_SYNC_MAX_CHANGE = "lots"  # a bad setting never turns the check off
    assert limits() == (20.0, 50.0, 3)
