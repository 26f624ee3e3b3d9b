"""From what a SCO reported to a grade and a completion that Open edX records.

Three steps, each a pure function so the player block, rescoring and reports agree:

1. :func:`sco_outcome` reads one SCO's committed ``cmi`` values: completion, success, a score as a
   fraction of full marks and progress. A score is ``score.scaled`` (2004), else ``raw`` normalised by
   ``min`` and ``max``; SCORM 1.2 defines raw, min and max on 0–100, so that range stands in for a
   missing min or max there, while a 2004 raw score without both bounds is not a score at all.
   The mastery score (1.2) and scaled passing score or completion threshold (2004) decide passed or
   failed, completed or incomplete, as the run-time environment specifications say the LMS should.
2. :func:`combine_scos` makes one result of an attempt over all SCOs (the Moodle "grading methods":
   learning objects completed, highest, average, sum), for packages without sequencing. As Moodle's
   ``scorm_grade_user_attempt`` (mod/scorm/locallib.php), only SCOs that report a score count for highest,
   average and sum: a SCO that only completes or passes adds nothing, and there is no grade until one
   scored SCO has reported. Unlike Moodle (whose ``!empty()`` drops a raw score of 0 in multi-SCO
   packages), a reported 0 is a score. Packages with SCORM 2004 sequencing are graded by rollup instead
   (:mod:`scorm.rollup`).
3. :func:`combine_attempts` makes the grade of several attempts (highest, average, first, last).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from .cmi import version_family

Completion = Literal["completed", "incomplete", "not attempted", "unknown"]
Success = Literal["passed", "failed", "unknown"]
ScoMethod = Literal["objects", "highest", "average", "sum"]
AttemptMethod = Literal["highest", "average", "first", "last"]

SCO_METHODS: tuple[ScoMethod, ...] = ("objects", "highest", "average", "sum")
ATTEMPT_METHODS: tuple[AttemptMethod, ...] = ("highest", "average", "first", "last")


@dataclass(frozen=True)
class ScoOutcome:
    """One SCO's state in one attempt, in the LMS's terms."""

    completion: Completion = "not attempted"
    success: Success = "unknown"
    score: float | None = None  # fraction of full marks, 0..1
    progress: float | None = None  # 0..1
    raw: float | None = None
    minimum: float | None = None
    maximum: float | None = None

    @property
    def done(self) -> bool:
        """Completed or passed (failed counts as done in SCORM 1.2's single status)."""
        return self.completion == "completed" or self.success == "passed"


@dataclass(frozen=True)
class AttemptResult:
    """One attempt over the whole package."""

    score: float | None  # 0..1, or None when nothing in the attempt was scored
    completion: float  # 0..1 progress over the package
    completed: bool
    success: Success


def _number(values: Mapping[str, str], key: str) -> float | None:
    text = values.get(key, "")
    try:
        return float(text) if text != "" else None
    except ValueError:
        return None


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


def _normalise(raw: float | None, low: float | None, high: float | None) -> float | None:
    if raw is None or low is None or high is None or high <= low:
        return None
    return _clamp((raw - low) / (high - low))


_STATUS_12: dict[str, tuple[Completion, Success]] = {
    "passed": ("completed", "passed"),
    "failed": ("completed", "failed"),
    "completed": ("completed", "unknown"),
    "incomplete": ("incomplete", "unknown"),
    "browsed": ("incomplete", "unknown"),
    "not attempted": ("not attempted", "unknown"),
}


# What sco_outcome and the rollup's leaves read of a SCO's values. A commit that changes none of these, ends no
# session and starts no SCO cannot change a grade, a completion or a SCO's status (Moodle likewise recomputes a
# learner's grade only when a status or score element is stored).
OUTCOME_ELEMENTS = frozenset({
    "cmi.core.lesson_status", "cmi.core.score.raw", "cmi.core.score.min", "cmi.core.score.max",
    "cmi.completion_status", "cmi.success_status", "cmi.progress_measure",
    "cmi.score.scaled", "cmi.score.raw", "cmi.score.min", "cmi.score.max",
})


def changes_outcome(names: Iterable[str]) -> bool:
    """Whether a change to the values ``names`` may change the SCO's outcome (objectives count too)."""
    return any(name in OUTCOME_ELEMENTS or name.startswith("cmi.objectives.") for name in names)


def sco_outcome(
    version: str | None,
    values: Mapping[str, str],
    *,
    mastery_score: float | None = None,
    completion_threshold: float | None = None,
    credit: bool = True,
) -> ScoOutcome:
    """Read one SCO's committed values.

    ``mastery_score`` is on the package's own terms: 0–100 for SCORM 1.2 ``adlcp:masteryscore``, a
    scaled passing score (-1..1) for 2004. It only decides passed/failed when the attempt is for credit.
    """
    if version_family(version) == "1.2":
        completion, success = _STATUS_12.get(values.get("cmi.core.lesson_status", ""), ("not attempted", "unknown"))
        raw = _number(values, "cmi.core.score.raw")
        low = _number(values, "cmi.core.score.min")
        high = _number(values, "cmi.core.score.max")
        low = 0.0 if low is None else low
        high = 100.0 if high is None else high
        score = _normalise(raw, low, high)
        if credit and mastery_score is not None and raw is not None and completion != "not attempted":
            success = "passed" if raw >= mastery_score else "failed"
            completion = "completed"
        progress = 1.0 if completion == "completed" else None
        return ScoOutcome(completion, success, score, progress, raw, low, high)

    completion = values.get("cmi.completion_status") or "unknown"
    success = values.get("cmi.success_status") or "unknown"
    progress = _number(values, "cmi.progress_measure")
    if completion_threshold is not None and progress is not None:
        completion = "completed" if progress >= completion_threshold else "incomplete"
    scaled = _number(values, "cmi.score.scaled")
    raw, low, high = (_number(values, f"cmi.score.{key}") for key in ("raw", "min", "max"))
    score = _clamp(scaled) if scaled is not None else _normalise(raw, low, high)
    if credit and mastery_score is not None and scaled is not None:
        success = "passed" if scaled >= mastery_score else "failed"
    if completion not in ("completed", "incomplete", "not attempted", "unknown"):
        completion = "unknown"
    if success not in ("passed", "failed", "unknown"):
        success = "unknown"
    if completion == "completed":
        progress = 1.0  # the status the SCO set wins over a stale progress measure
    return ScoOutcome(completion, success, score, None if progress is None else _clamp(progress), raw, low, high)


def combine_scos(
    outcomes: Sequence[ScoOutcome],
    method: ScoMethod = "average",
    *,
    total_scos: int | None = None,
) -> AttemptResult:
    """One attempt's result over ``total_scos`` SCOs (``outcomes`` may list fewer: the rest were never opened).

    objects: the share of SCOs completed or passed; highest: the best SCO score; average: the mean score
    of the SCOs that have one; sum: raw points over maximum points of the SCOs that report both. A SCO
    without a score never adds to highest, average or sum, and the score is ``None`` until one has one.
    """
    total = max(total_scos or len(outcomes), 1)
    done = sum(1 for outcome in outcomes if outcome.done)
    progress = sum(1.0 if o.done else (o.progress or 0.0) for o in outcomes) / total  # status wins over progress
    credits = [o.score for o in outcomes if o.score is not None]  # only SCOs that reported a score
    if method == "objects":
        score: float | None = done / total if outcomes else None
    elif method == "highest":
        score = max(credits) if credits else None
    elif method == "average":
        score = sum(credits) / len(credits) if credits else None
    elif method == "sum":
        pairs = [(o.raw - (o.minimum or 0.0), o.maximum - (o.minimum or 0.0)) for o in outcomes
                 if o.raw is not None and o.maximum is not None and o.maximum > (o.minimum or 0.0)]
        score = _clamp(sum(p for p, _m in pairs) / sum(m for _p, m in pairs)) if pairs else None
    else:
        raise ValueError(f"unknown grading method {method!r}")
    successes = {o.success for o in outcomes}
    success: Success = "failed" if "failed" in successes else (
        "passed" if outcomes and successes == {"passed"} and len(outcomes) >= total else "unknown")
    return AttemptResult(score=score, completion=_clamp(progress), completed=done >= total, success=success)


def combine_attempts(results: Sequence[AttemptResult], method: AttemptMethod = "highest") -> float | None:
    """The grade (0..1) over attempts, oldest first; ``last`` is the last completed attempt, as in Moodle."""
    scored = [r.score for r in results if r.score is not None]
    if not scored:
        return None
    if method == "highest":
        return max(scored)
    if method == "average":
        return sum(scored) / len(scored)
    if method == "first":
        return scored[0]
    if method == "last":
        completed = [r.score for r in results if r.completed and r.score is not None]
        return (completed or scored)[-1]
    raise ValueError(f"unknown attempt grading method {method!r}")
