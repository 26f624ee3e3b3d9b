"""The SCORM player's commit handler in-process: validate, apply, grade (goal: at least 2,000 commits/s).

Full commits as scorm-again 3.4.3 posts them (SCORM 1.2 and 2004, captured in tests/scorm/test_cmi.py),
each with a new sequence number and a changed location, go through the block's ``commit`` JSON handler on
an in-memory runtime; the database work is the learner's state row, locked and read by one statement and
written by another in one transaction (xblocks/scorm/sequences.py, ADR 0033), on an in-memory SQLite.
Baseline in the same run: decoding and encoding the same JSON bodies, the least any handler does. Django runs
with ``DEBUG = False``, as in production.
``commits_per_cpu_s`` counts the process's CPU time only: on a shared machine it shows the handler's cost without
the time spent waiting for a core.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from _harness import ROOT, best_of, goal, parse_args, report


def _setup(version_key: str, store: Path):
    import os

    import django

    os.environ["MOOC_BRIDGE_DB"] = ":memory:"  # read by the settings: the sequence table, nothing else
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # as in the LMS in production: the workbench settings' DEBUG=True would log and keep every SQL statement
    settings.DEBUG = False

    call_command("migrate", "mooc_bridge_scorm", verbosity=0)
    from webob import Request
    from xblock.fields import ScopeIds
    from xblock.runtime import DictKeyValueStore, KvsFieldData
    from xblock.test.toy_runtime import ToyRuntime

    from scorm.inspect import import_package
    from tests.scorm.test_cmi import SCORM_AGAIN_12, SCORM_AGAIN_2004
    from xblocks.scorm.block import ScormPlayerBlock

    name = {"12": "RuntimeBasicCalls_SCORM12.zip", "2004": "RuntimeBasicCalls_SCORM20043rdEdition.zip"}[version_key]
    result = import_package(ROOT.parent / "shared" / "fixtures" / "scorm" / "valid" / name, store)

    class Settings:
        def get_settings_bucket(self, block, default=None):
            return {"STORAGE_ROOT": str(store)}

    runtime = ToyRuntime("bench")
    runtime._services["field-data"] = KvsFieldData(DictKeyValueStore())
    runtime._services["settings"] = Settings()
    runtime.publish = lambda block, event_type, data: None
    scope_ids = ScopeIds("bench", "mooc_bridge_scorm", "d", f"u{version_key}")
    block = runtime.construct_xblock_from_class(ScormPlayerBlock, scope_ids)
    block.package_sha256 = result.sha256
    runtime.handle(block, "player", Request.blank("/"))
    sco = "item_1"
    full = SCORM_AGAIN_12 if version_key == "12" else SCORM_AGAIN_2004
    location = "cmi.core.lesson_location" if version_key == "12" else "cmi.location"
    token = block.record["attempts"][0]["token"]
    bodies = [json.dumps({"sco": sco, "attempt": 1, "token": token, "seq": n, "terminate": False,
                          "data": {**full, location: f"page-{n}"}}).encode() for n in range(200_000)]

    def commit(start: int, count: int) -> int:
        applied = 0
        for n in range(start, start + count):
            response = runtime.handle(block, "commit", Request.blank("/", method="POST", body=bodies[n]))
            applied += b'"applied"' in response.body
        return applied

    def baseline(start: int, count: int) -> int:
        total = 0
        for n in range(start, start + count):
            total += len(json.dumps(json.loads(bodies[n])))
        return total

    return commit, baseline


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    count = 500 if args.quick else 3000
    figures, goals = {}, {}
    with tempfile.TemporaryDirectory() as folder:
        for key in ("12", "2004"):
            commit, baseline = _setup(key, Path(folder))
            cursor = {"n": 1}

            def run(fn=commit, cursor=cursor):
                start = cursor["n"]
                cursor["n"] += count
                return fn(start, count)

            seconds, applied = best_of(run)
            assert applied == count, f"only {applied} of {count} commits applied"
            base_seconds, _total = best_of(lambda b=baseline: b(1, count))
            cpu_start = time.process_time()  # what the process itself spent: waiting for a busy core not counted
            run()
            cpu_seconds = time.process_time() - cpu_start
            rate = count / seconds
            figures[f"scorm{key}_commits_per_s"] = round(rate)
            figures[f"scorm{key}_commits_per_cpu_s"] = round(count / cpu_seconds)
            figures[f"scorm{key}_ms_per_commit"] = round(1000 * seconds / count, 3)
            figures[f"scorm{key}_json_only_commits_per_s"] = round(count / base_seconds)
            figures[f"scorm{key}_cost_vs_json_only"] = round(seconds / base_seconds, 1)
            goals[f"scorm{key}_commits_per_s"] = goal(rate, ">=", 2000)
    report("scorm_commit", args.quick, figures, goals)


if __name__ == "__main__":
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xblocks.workbench.settings")
    os.environ.setdefault("MOOC_BRIDGE_HOME", tempfile.mkdtemp(prefix="mooc-bridge-bench-"))
    main()
