"""A roster of newcomers (no Open edX account yet) into Open edX, first run and repeat, through ``mooc-bridge sync``.

Each newcomer is allowed to enrol on registration (``POST /api/enrollment/v1/enrollment_allowed/``); a plan asks
whether one already is with ``GET …/enrollment_allowed/?email=`` (openedx-platform's ``EnrollmentAllowedView``
lists one e-mail at a time). Both share the enrollment API's staff throttle, 120 requests a minute
(``EnrollmentUserThrottle``), which the fake LMS applies at its defaults. The journal-first plan (docs/decisions/
0032) asks only about people an earlier run journalled, so a first run costs one POST a newcomer and a repeat one
GET a newcomer; the baseline is what a plan asking about every newcomer costs: two requests a newcomer.

The fake LMS runs in this process (a server thread), the CLI in a child process, as a registrar runs it.
Figures: wall time and the requests each run sent to ``enrollment_allowed`` (GET, POST), the 429s it met.
``--quick`` uses 30 newcomers (under a minute); the default is 200 (several minutes: the throttle sets the pace).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import goal, parse_args, report

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fakes.openedx_server import DEMO_COURSE, FakeOpenEdx, seed_demo  # noqa: E402

ALLOWED = "/api/enrollment/v1/enrollment_allowed/"


def configure(parser) -> None:
    parser.add_argument("--newcomers", type=int, default=None, help="people with no account (default 200, quick 30)")


def roster(path: Path, newcomers: int) -> Path:
    lines = ["学号,姓名,课程号,课程名称,邮箱"]
    lines += [f"2026{n:06d},新生{n},0012345,高等数学,f{n:05d}@example.edu" for n in range(1, newcomers + 1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(home: Path, lms: FakeOpenEdx, csv: Path, newcomers: int) -> dict:
    """One ``sync roster`` run: its wall time and the requests it sent."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update({"MOOC_BRIDGE_HOME": str(home / "var"), "MOOC_BRIDGE_LANGUAGE": "en",
                "MOOC_BRIDGE_OPENEDX_CLIENT_ID": lms.client_id, "MOOC_BRIDGE_OPENEDX_CLIENT_SECRET": lms.client_secret})
    script = Path(sys.executable).with_name("mooc-bridge")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "xblocks.cli"]
    seen = len(lms.traffic.requests)
    start = time.perf_counter()
    done = subprocess.run([*command, "sync", "roster", "--from", f"csv:{csv}", "--to",
                           f"openedx:{lms.url}?course={DEMO_COURSE}", "--max-change", "100"], cwd=home, env=env,
                          capture_output=True, text=True, timeout=3600)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(done.stdout + done.stderr)
    sent = lms.traffic.requests[seen:]
    return {"seconds": round(seconds, 1), "requests": len(sent),
            "allowed_get": sum(r.method == "GET" and r.path.startswith(ALLOWED) for r in sent),
            "allowed_post": sum(r.method == "POST" and r.path.startswith(ALLOWED) for r in sent),
            "throttled_429": sum(r.status == 429 for r in sent)}


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], configure)
    newcomers = args.newcomers or (30 if args.quick else 200)
    with tempfile.TemporaryDirectory() as tmp, FakeOpenEdx() as lms:  # default throttles
        home = Path(tmp)
        seed_demo(lms, 10)
        csv = roster(home / "roster.csv", newcomers)
        first = run(home, lms, csv, newcomers)
        allowed = sum(1 for email, course in lms.state.allowed if course == DEMO_COURSE)
        repeat = run(home, lms, csv, newcomers)
    figures = {"newcomers": newcomers, **{f"first_{k}": v for k, v in first.items()},
               **{f"repeat_{k}": v for k, v in repeat.items()}, "allowed_after_first": allowed}
    baseline = 2 * newcomers  # a plan asking about every newcomer: a GET and a POST each on a first run
    goals = {"first_run_enrollment_allowed_requests_vs_baseline": goal(
                 (first["allowed_get"] + first["allowed_post"]) / baseline, "<=", 0.5),
             "repeat_posts": goal(repeat["allowed_post"], "<=", 0),
             "all_allowed": goal(allowed / newcomers, ">=", 1)}
    report("sync_roster_newcomers", args.quick, figures, goals)


if __name__ == "__main__":
    main()
