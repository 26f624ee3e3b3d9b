"""What every benchmark shares: ``--quick``, timing, peak memory in a child process, and the last JSON line.

Each benchmark measures our code against a baseline in the same run and prints ratios; the last line
it prints is one JSON object: ``{"benchmark", "quick", "figures": {...}, "goals": {name: {"value",
"goal", "met"}}, "met"}``. Benchmarks never fail the test suite; they report.
"""

from __future__ import annotations

import argparse
import json
import operator
import os
import pickle
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

_OPS = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt}


def parse_args(description: str, configure: Callable[[argparse.ArgumentParser], None] | None = None):
    """Parse ``--quick`` (done within a minute) and whatever ``configure`` adds."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="a smaller run that finishes within a minute")
    if configure:
        configure(parser)
    return parser.parse_args()


def best_of(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Run ``fn`` ``repeat`` times; return the fastest wall time in seconds and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def _rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def in_child(fn: Callable[[], Any]) -> dict[str, Any]:
    """Run ``fn`` in a forked child; return its wall time, result and peak memory above its start.

    ``peak_mib`` is the child's peak resident set (``ru_maxrss``) less what it had when it started, so
    it counts what ``fn`` itself needed, whatever the parent had already allocated.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_end)
        code = 0
        try:
            start_rss = _rss_kib()
            start = time.perf_counter()
            result = fn()
            payload = {"seconds": time.perf_counter() - start, "result": result, "start_kib": start_rss}
        except BaseException as error:  # report any failure to the parent
            payload, code = {"error": repr(error)}, 1
        with os.fdopen(write_end, "wb") as out:
            pickle.dump(payload, out)
        os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as incoming:
        data = incoming.read()
    _pid, _status, usage = os.wait4(pid, 0)
    payload = pickle.loads(data)
    if "error" in payload:
        raise RuntimeError(f"benchmark child failed: {payload['error']}")
    payload["peak_mib"] = max(0, usage.ru_maxrss - payload.pop("start_kib")) / 1024
    return payload


def goal(value: float, op: str, target: float) -> dict[str, Any]:
    """A figure with its goal, e.g. ``goal(1.1, "<=", 1.25)``."""
    return {"value": round(value, 4), "goal": f"{op} {target}", "met": bool(_OPS[op](value, target))}


def report(name: str, quick: bool, figures: dict[str, Any], goals: dict[str, dict[str, Any]]) -> None:
    """Print the figures for people, then the one JSON line for tools (always the last line)."""
    print(f"\n{name} ({'quick' if quick else 'full'} run, Python {platform.python_version()}, "
          f"{os.cpu_count()} cores)")
    for key, value in figures.items():
        print(f"  {key:<40} {value}")
    for key, entry in goals.items():
        print(f"  goal {key:<35} {entry['value']} {entry['goal']}: {'met' if entry['met'] else 'NOT MET'}")
    line = {"benchmark": name, "quick": quick, "figures": figures, "goals": goals,
            "met": all(entry["met"] for entry in goals.values())}
    print(json.dumps(line, ensure_ascii=False, default=str))
