"""Registrar QA pass on rosters through the real ``mooc-bridge sync`` command: people with no account yet, who are
allowed to enrol on registration, are reported as applied and not planned again; a student unenrolled earlier and
put back on the roster is named by their Open edX account; Open edX is asked only about newcomers the journal knows
(docs/decisions/0032), counted on the fake LMS's traffic."""

from __future__ import annotations

from tests.fakes.openedx_server import DEMO_COURSE, FakeOpenEdx, seed_demo

from .registrar_files import number, roster_with_duplicate
from .test_e2e_registrar import cli, lms_spec, report

LIMITS = ("--max-change", "100", "--max-unenroll", "100")


def test_people_allowed_to_enrol_on_registration_are_applied_and_not_planned_again(tmp_path):
    roster = roster_with_duplicate(tmp_path / "roster.csv", learners=12, duplicate=3)  # 11 and 12 have no account
    with FakeOpenEdx() as lms:
        seed_demo(lms, 10)
        first = cli(tmp_path, "roster", "--from", f"csv:{roster}", "--to", lms_spec(lms), *LIMITS, lms=lms)
        assert first.returncode == 0, first.stdout + first.stderr
        assert {("s00011@example.edu", DEMO_COURSE), ("s00012@example.edu", DEMO_COURSE)} <= set(lms.state.allowed)
        out = first.stdout
        assert "Kept (not overwritten)" not in out, out
        noted = out[out.index("Applied, with a note from the target:"):]
        assert number(11) in noted and "allowed to enrol on registration" in noted
        writes = len(lms.traffic.writes)
        again = report(cli(tmp_path, "roster", "--from", f"csv:{roster}", "--to", lms_spec(lms), *LIMITS, "--json",
                           lms=lms))
        assert again["counts"]["planned"] == 0, again["changes"]
        assert len(lms.traffic.writes) == writes, "nothing is sent again"
        assert lms.errors == []


def test_a_student_put_back_on_the_roster_is_named_by_their_account(tmp_path):
    full = roster_with_duplicate(tmp_path / "roster.csv", learners=10, duplicate=3)
    short = tmp_path / "short.csv"
    short.write_text("".join(line + "\n" for line in full.read_text(encoding="utf-8").splitlines()
                             if not line.startswith(number(5))), encoding="utf-8")
    with FakeOpenEdx() as lms:
        seed_demo(lms, 10)
        off = cli(tmp_path, "roster", "--from", f"csv:{short}", "--to", lms_spec(lms), "--unenroll", *LIMITS, lms=lms)
        assert off.returncode == 0, off.stdout + off.stderr
        assert "s00005" not in lms.state.active_usernames(DEMO_COURSE)
        back = cli(tmp_path, "roster", "--from", f"csv:{full}", "--to", lms_spec(lms), *LIMITS, "--json", lms=lms)
        assert back.returncode == 0, back.stdout + back.stderr
        (change,) = [c for c in report(back)["changes"] if number(5) in c["subject"]]
        assert "no target account matched" not in change["message"]
        assert change["reason"] == "account_not_enrolled" and "s00005" in change["message"]
        assert "s00005" in lms.state.active_usernames(DEMO_COURSE)
        assert lms.errors == []


def _newcomers(path, count: int):
    """A roster of ``count`` people with no Open edX account (学号 2026000001…, f00001@example.edu…)."""
    lines = ["学号,姓名,课程号,课程名称,邮箱"]
    lines += [f"2026{n:06d},新生{n},0012345,高等数学,f{n:05d}@example.edu" for n in range(1, count + 1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _allowed_requests(lms, since: int) -> tuple[int, int]:
    """GETs and POSTs to enrollment_allowed since request ``since``."""
    sent = lms.traffic.requests[since:]
    path = "/api/enrollment/v1/enrollment_allowed/"
    return (sum(r.method == "GET" and r.path.startswith(path) for r in sent),
            sum(r.method == "POST" and r.path.startswith(path) for r in sent))


def test_newcomers_cost_one_post_on_a_first_run_and_one_get_on_a_repeat(tmp_path):
    """Journal first (docs/decisions/0032): the LMS is asked only about people an earlier run journalled, so a
    first run of N newcomers sends N POSTs and no GET, a repeat N GETs (to confirm) and no POST."""
    count = 6
    roster = _newcomers(tmp_path / "roster.csv", count)
    with FakeOpenEdx() as lms:
        seed_demo(lms, 10)
        since = len(lms.traffic.requests)
        first = report(cli(tmp_path, "roster", "--from", f"csv:{roster}", "--to", lms_spec(lms), *LIMITS, "--json",
                           lms=lms))
        assert _allowed_requests(lms, since) == (0, count)
        assert first["counts"]["planned"] == count
        assert sum(1 for _email, course in lms.state.allowed if course == DEMO_COURSE) == count
        since = len(lms.traffic.requests)
        again = report(cli(tmp_path, "roster", "--from", f"csv:{roster}", "--to", lms_spec(lms), *LIMITS, "--json",
                           lms=lms))
        assert _allowed_requests(lms, since) == (count, 0)
        assert again["counts"]["planned"] == 0, again["changes"]
        assert lms.errors == []


def test_a_newcomer_allowed_outside_the_sync_is_reported_unchanged_not_failed(tmp_path):
    """The journal does not know someone a person allowed by hand: the run POSTs without asking, and the LMS's 409
    (the row exists, ``EnrollmentAllowedView.post``) is reported as unchanged, with the note."""
    roster = _newcomers(tmp_path / "roster.csv", 2)
    with FakeOpenEdx() as lms:
        seed_demo(lms, 10)
        lms.state.allow("f00001@example.edu", DEMO_COURSE, False)
        done = report(cli(tmp_path, "roster", "--from", f"csv:{roster}", "--to", lms_spec(lms), *LIMITS, "--json",
                          lms=lms))
        by_who = {c["subject"].split(" · ")[0]: c for c in done["changes"]}
        assert by_who["2026000001"]["state"] == by_who["2026000002"]["state"] == "done", by_who
        assert by_who["2026000001"]["result"]["status"] == "unchanged", by_who
        assert by_who["2026000002"]["result"]["status"] == "applied", by_who
        assert done["counts"]["states"] == {"done": 2}, done["counts"]
        assert {("f00001@example.edu", DEMO_COURSE), ("f00002@example.edu", DEMO_COURSE)} <= set(lms.state.allowed)
        assert lms.errors == []
