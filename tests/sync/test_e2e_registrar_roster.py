"""Registrar QA pass on rosters through the real ``mooc-bridge sync`` command: people with no account yet, who are
allowed to enrol on registration, are reported as applied and not planned again; a student unenrolled earlier and
put back on the roster is named by their Open edX account."""

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
