"""Plan a grade sync of 100,000 learners × 10 line items (matching + diff): goal under 3 s and under 1 GiB.

The records are built first (not timed: that is the adapters' reading); the timed part is
``sync.plan.build_plan``: fail-closed identity matching of every learner against the target's users, and the
diff of 1,000,000 source grades against 700,000 target grades with the policies (newer, hand-set, pending).
The hold-for-approval check on the plan (``sync.hold.check``, default limits) is timed with it.
Only planning is timed: freeing the plan afterwards (half a million operations) is not planning
(a run keeps its plan until the journal holds it). The best of three plans is reported. Peak memory is the
planning child's peak above what the records already took.

Baselines, in the same run:
* naive: per source grade, find the target user by scanning the user list and the grade by scanning that
  course's grades (what a first script does); measured on learners sampled evenly (seeded) and extrapolated;
* plain dict: a dict of (学号, item) → value and one comparison per grade, with no matching rules, no review,
  no policies, no operations: the floor for any Python diff.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from _harness import best_of, goal, in_child, parse_args, report

from adapters.records import Person, Score
from sync.hold import check
from sync.plan import PlanOptions, build_plan

ITEMS = 10


def make_data(learners: int, seed: int = 7):
    rng = random.Random(seed)
    now = datetime(2025, 6, 1, tzinfo=UTC)
    target_people = [Person(student_number=f"2023{n:07d}", username=f"u{n}", email=f"u{n}@example.edu",
                            name=f"学生{n}") for n in range(learners)]
    source_people = [Person(student_number=f"2023{n:07d}", name=f"学生{n}") for n in range(learners)]
    source, target = [], []
    for n in range(learners):
        sp, tp = source_people[n], target_people[n]
        for item in range(ITEMS):
            value = float(rng.randint(40, 100))
            source.append(Score.model_construct(person=sp, course_id="C1", line_item_id=f"hw{item}", value=value,
                                                timestamp=now))
            roll = rng.random()
            if roll < 0.3:
                continue  # no grade in the target yet
            if roll < 0.8:
                target_value = value  # unchanged
            else:
                target_value = float(rng.randint(40, 100))
            overridden = roll > 0.99
            stamp = now + timedelta(days=1) if 0.98 < roll <= 0.99 else now - timedelta(days=1)
            target.append(Score.model_construct(person=tp, course_id="C1", line_item_id=f"hw{item}",
                                                value=target_value, timestamp=stamp, overridden=overridden))
    return source, target, target_people


def engine(data):
    """Plan once; the seconds are those of ``build_plan`` and the hold check (freeing the plan is not planning)."""
    source, target, people = data
    cpu, start = time.process_time(), time.perf_counter()
    plan = build_plan("grades", source, target, PlanOptions(target_key="bench", closed_target=True), people)
    hold = check(plan, 10, 50, 5)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"ops": len(plan.ops), "held": len(plan.held), "unchanged": plan.unchanged, "review": len(plan.review),
            "hold": [r["code"] for r in hold["reasons"]] if hold else [], "seconds": seconds,
            "cpu_seconds": round(cpu, 3)}


def best_plan(data, repeat: int) -> dict:
    """The fastest of ``repeat`` plans."""
    return min((engine(data) for _ in range(repeat)), key=lambda counts: counts["seconds"])


def naive_sample(data, sample: int, seed: int = 11) -> float:
    """Seconds for ``sample`` learners with a scan-per-lookup diff (the baseline), not extrapolated.

    The learners are drawn evenly over the whole list (seeded ``random.sample``), so the scans stop on
    average halfway, as they would for all learners: the first learners would stop them early and make
    the extrapolation too low.
    """
    source, target, people = data
    learners = len(people)
    chosen = sorted(random.Random(seed).sample(range(learners), min(sample, learners)))
    records = [record for n in chosen for record in source[n * ITEMS:(n + 1) * ITEMS]]
    start = time.perf_counter()
    changes = 0
    for record in records:
        who = next((p for p in people if p.student_number == record.person.student_number), None)
        if who is None:
            continue
        found = next((t for t in target if t.person is who and t.line_item_id == record.line_item_id), None)
        if found is None or found.value != record.value:
            changes += 1
    return time.perf_counter() - start


def plain_dict(data):
    source, target, _people = data
    current = {(t.person.student_number, t.line_item_id): t.value for t in target}
    return sum(1 for s in source if current.get((s.person.student_number, s.line_item_id)) != s.value)


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    learners = 10_000 if args.quick else 100_000
    start = time.perf_counter()
    data = make_data(learners)
    build_seconds = time.perf_counter() - start
    counts = best_plan(data, repeat=3)
    seconds = counts.pop("seconds")
    child = in_child(lambda: engine(data))
    plain_seconds, _changed = best_of(lambda: plain_dict(data), repeat=2)
    sample = 50 if args.quick else 20
    naive_seconds = naive_sample(data, sample) * learners / sample
    figures = {
        "learners": learners, "grades in the source": len(data[0]), "grades in the target": len(data[1]),
        "building the records (not timed), s": round(build_seconds, 2),
        "plan, s": round(seconds, 3), "plan CPU time, s": counts.pop("cpu_seconds"),
        "plan in a child, s": round(child["result"]["seconds"], 3),
        "plan peak memory, MiB": round(child["peak_mib"], 1),
        "plan result": counts,
        "baseline plain dict diff, s": round(plain_seconds, 3),
        "baseline naive scan diff (extrapolated), s": round(naive_seconds, 1),
        "speed-up over naive": round(naive_seconds / seconds, 1),
        "cost over plain dict": round(seconds / plain_seconds, 2),
    }
    goals = {"plan seconds": goal(seconds, "<", 3.0), "plan peak MiB": goal(child["peak_mib"], "<", 1024)}
    report("sync_plan", args.quick, figures, goals)


if __name__ == "__main__":
    main()
