"""``adapters.records.as_utc``: the one place that says a naive time is UTC (the review of issue #12 found the rule
written four times, two of them differently)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from adapters.records import as_utc

ROOT = Path(__file__).resolve().parents[2]
BEIJING = timezone(timedelta(hours=8))


def test_a_naive_time_is_utc_and_an_aware_one_is_converted():
    assert as_utc(None) is None
    naive = as_utc(datetime(2025, 6, 1, 15, 0))
    assert naive == datetime(2025, 6, 1, 15, 0, tzinfo=UTC) and naive.tzinfo is UTC
    beijing = as_utc(datetime(2025, 6, 1, 23, 0, tzinfo=BEIJING))
    assert beijing.tzinfo is UTC and beijing.hour == 15 and beijing.day == 1


def test_no_other_module_of_adapters_or_sync_decides_what_a_naive_time_means():
    own = re.compile(r"\.replace\(tzinfo=|tzinfo is None|tzinfo is not None|tzinfo or UTC|tzinfo else")
    found = [f"{path.relative_to(ROOT)}:{n}" for package in ("adapters", "sync", "scorm")
             for path in sorted((ROOT / package).rglob("*.py")) if path.name != "records.py"
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if own.search(line)]
    assert found == [], "use adapters.records.as_utc"
