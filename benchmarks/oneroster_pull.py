"""OneRoster pull: 100,000 users and 300,000 enrollments from the fake provider, full pull against delta pull.

The provider (tests/fakes/oneroster_server.py, OneRoster 1.2) makes its records lazily; the adapter pages
with limit 1000. Measured, each in a forked child for its peak memory:

- ``raw``: the baseline — GET every enrollment page with plain ``requests`` and decode the JSON, no records;
- ``full``: ``OneRosterAdapter.read("enrollments")`` — users indexed on disk, every enrollment a record;
- ``delta``: the same read with the bookmark of the full pull, after ``--changed`` (0.5 %) enrollments
  changed at the provider.

``--quick`` uses 10,000 users and 30,000 enrollments.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime

from _harness import ROOT, goal, in_child, parse_args, report

sys.path.insert(0, str(ROOT))

import requests

from adapters.base import ReadScope
from adapters.oneroster import OneRosterAdapter
from tests.fakes.oneroster_server import OLD, FakeOneRoster

PAGE = 1000


def configure(parser) -> None:
    parser.add_argument("--users", type=int, default=None)
    parser.add_argument("--changed", type=float, default=0.005, help="fraction of enrollments changed for delta")


def serve(users: int, enrollments: int) -> FakeOneRoster:
    """A 1.2 provider with lazily made users, classes and enrollments."""
    sis = FakeOneRoster("1.2").start()
    org = sis.ref("orgs", "school-1", "org")

    def user(i: int) -> dict:
        return {"sourcedId": f"u{i:07d}", "status": "active", "dateLastModified": OLD, "enabledUser": "true",
                "username": f"s{i:07d}", "userIds": [], "givenName": "同学", "familyName": "王",
                "identifier": f"2025{i:07d}", "email": f"s{i:07d}@example.edu",
                "roles": [{"roleType": "primary", "role": "student", "org": org}], "primaryOrg": org}

    def enrollment(j: int) -> dict:
        return {"sourcedId": f"e{j:07d}", "status": "active", "dateLastModified": OLD,
                "user": {"href": "", "sourcedId": f"u{j % users:07d}", "type": "user"},
                "class": {"href": "", "sourcedId": f"c{j // 30:05d}", "type": "class"},
                "school": org, "role": "student", "primary": "false"}

    sis.set_lazy("users", users, user, lambda sid: int(sid[1:]))
    sis.set_lazy("enrollments", enrollments, enrollment, lambda sid: int(sid[1:]))
    return sis


def adapter_for(sis: FakeOneRoster) -> OneRosterAdapter:
    return OneRosterAdapter.from_spec(sis.root("rostering"), {
        "client_id": sis.client_id, "client_secret": sis.client_secret, "page_size": str(PAGE)})


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], configure)
    users = args.users or (10_000 if args.quick else 100_000)
    enrollments = users * 3
    sis = serve(users, enrollments)
    try:
        def raw() -> int:
            session, count, offset = requests.Session(), 0, 0
            token = session.post(sis.url + "/oauth/token", data={"grant_type": "client_credentials"},
                                 auth=(sis.client_id, sis.client_secret)).json()["access_token"]
            while True:
                page = session.get(sis.root("rostering") + "/enrollments", params={"limit": PAGE, "offset": offset},
                                   headers={"Authorization": f"Bearer {token}"}).json()["enrollments"]
                count += len(page)
                offset += len(page)
                if len(page) < PAGE:
                    return count

        def full() -> dict:
            adapter = adapter_for(sis)
            count = sum(1 for _ in adapter.read("enrollments"))
            return {"count": count, "bookmark": adapter.bookmark.isoformat()}

        baseline = in_child(raw)
        pulled = in_child(full)
        bookmark = datetime.fromisoformat(pulled["result"]["bookmark"])
        changed = max(1, int(enrollments * args.changed))
        step = enrollments // changed
        time.sleep(0.01)
        table = sis.tables["enrollments"]
        for n in range(changed):
            record = table.make(n * step)
            record.update(status="tobedeleted" if n % 10 == 0 else "active",
                          dateLastModified=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"))
            table.put(record)

        def delta() -> dict:
            adapter = adapter_for(sis)
            records = list(adapter.read("enrollments", ReadScope(since=bookmark)))
            return {"count": len(records), "inactive": sum(r.status == "inactive" for r in records)}

        delta_run = in_child(delta)
    finally:
        sis.stop()
    assert pulled["result"]["count"] == enrollments, pulled["result"]
    assert delta_run["result"]["count"] == changed, delta_run["result"]
    figures = {
        "users": users, "enrollments": enrollments, "changed": changed,
        "raw_pages_seconds": round(baseline["seconds"], 3), "raw_peak_mib": round(baseline["peak_mib"], 1),
        "full_pull_seconds": round(pulled["seconds"], 3), "full_pull_peak_mib": round(pulled["peak_mib"], 1),
        "full_records_per_second": round(enrollments / pulled["seconds"]),
        "delta_pull_seconds": round(delta_run["seconds"], 3), "delta_pull_peak_mib": round(delta_run["peak_mib"], 1),
        "delta_inactive": delta_run["result"]["inactive"],
        "full_vs_raw_ratio": round(pulled["seconds"] / baseline["seconds"], 2),
        "delta_vs_full_ratio": round(delta_run["seconds"] / pulled["seconds"], 3),
    }
    goals = {
        "delta_vs_full": goal(figures["delta_vs_full_ratio"], "<=", 0.5),
        "full_pull_peak_mib": goal(figures["full_pull_peak_mib"], "<=", 200),
    }
    report("oneroster_pull", args.quick, figures, goals)


if __name__ == "__main__":
    main()
