"""What happens when a learner plays a package: launch, commit, grade and completion, as block-independent steps.

The block keeps a :class:`~scorm.attempts.LearnerRecord` in its learner-state field and calls these
functions from its handlers; they return what to store and what to publish, so the rules are tested
without a runtime.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scorm import cmi, rte
from scorm.attempts import Attempt, LaunchContext, LearnerRecord, apply_commit, launch_values
from scorm.engine_state import activity_counts, apply_engine_state, current_activity
from scorm.grading import AttemptResult, ScoOutcome, combine_attempts, combine_scos, sco_outcome
from scorm.model import Package
from scorm.rollup import Activity, LeafState, activity_tree, leaf_state, root_result

from .package import find_item, has_sequencing, launchable_items

_NO_TREE = Activity("")


class CommitRefused(Exception):
    """The commit cannot be stored: bad data, a stale attempt, an unknown SCO. ``problems`` say why."""

    def __init__(self, code: str, problems: list[dict[str, str]] | None = None):
        super().__init__(code)
        self.code = code
        self.problems = problems or []


@dataclass(frozen=True)
class Settings:
    """The grading settings of one block."""

    attempts_allowed: int = 0  # 0: unlimited
    attempt_grading: str = "highest"
    sco_grading: str = "average"
    mastery_override: float | None = None  # 0..100; replaces the package's mastery score


def launchable_scos(package: Package, launch_item: str | None) -> list[str]:
    """The identifiers of the items that count for grading: the one launch item, or every launchable item."""
    items = launchable_items(package)
    return [item.identifier for item in items if not launch_item or item.identifier == launch_item]


def resume_sco(record: LearnerRecord, scos: list[str]) -> str:
    """The item to open: the one the learner last worked in during the attempt in progress, else the first."""
    attempt = record.current()
    if attempt is not None:
        used = [(state.updated, sco) for sco, state in attempt.scos.items() if sco in scos and state.updated]
        if used:
            return max(used)[1]
    return scos[0]


def may_start(record: LearnerRecord, settings: Settings) -> bool:
    """Whether the learner may start another attempt."""
    return not settings.attempts_allowed or len(record.attempts) < settings.attempts_allowed


def current_attempt(record: LearnerRecord, settings: Settings, *, new: bool = False) -> tuple[Attempt, str]:
    """The attempt to launch, starting one when allowed; and the mode: ``normal`` or ``review``.

    A learner with no attempt may always start one (``attempts_allowed`` is at least 1 or unlimited), so
    review happens only over an existing attempt.
    """
    attempt = record.current()
    if attempt is not None and not new:
        return attempt, "normal"
    if may_start(record, settings):
        return record.start_attempt(), "normal"
    return record.attempts[-1], "review"


def _item_scores(package: Package, item, settings: Settings) -> tuple[float | None, float | None]:
    """The mastery score (1.2 raw, 2004 scaled passing score) and the completion threshold of ``item``."""
    family = cmi.version_family(package.version)
    mastery = None
    threshold = None
    if item is not None:
        if family == "1.2":
            mastery = item.masteryscore
        elif item.sequencing is not None:
            mastery = _scaled_passing_score(item)
        if item.completion_threshold is not None:
            threshold = item.completion_threshold.min_progress_measure
    if settings.mastery_override is not None:
        mastery = settings.mastery_override if family == "1.2" else settings.mastery_override / 100.0
    return mastery, threshold


def context_for(package: Package, sco_id: str, learner_id: str, learner_name: str, mode: str,
                settings: Settings) -> LaunchContext:
    """The launch context of ``sco_id``: learner, mode and credit, and the item's data from the manifest."""
    item = find_item(package, sco_id)
    mastery, threshold = _item_scores(package, item, settings)
    return LaunchContext(
        learner_id=learner_id, learner_name=learner_name, mode=mode, credit=mode == "normal",
        launch_data=item.datafromlms if item else None, mastery_score=mastery, completion_threshold=threshold,
        max_time_allowed=item.maxtimeallowed if item else None,
        time_limit_action=item.timelimitaction if item else None,
    )


def _scaled_passing_score(item) -> float | None:
    sequencing = item.sequencing
    objectives = getattr(sequencing, "objectives", None) or []
    for objective in objectives:
        if getattr(objective, "primary", False) and getattr(objective, "satisfied_by_measure", False):
            return getattr(objective, "min_normalized_measure", None)
    return None


def launch(record: LearnerRecord, package: Package, sco_id: str, learner_id: str, learner_name: str,
           settings: Settings, *, new_attempt: bool = False, scos: list[str] | None = None) -> dict[str, Any]:
    """Everything the player page needs to start ``sco_id``: attempt, mode, preloaded values, next sequence.

    Once the last allowed attempt is finished (every item completed, passed or failed), launches are
    reviews: the attempt is closed, so nothing the SCO commits is recorded (as Moodle's review mode).
    """
    attempt, mode = current_attempt(record, settings, new=new_attempt)
    exhausted = settings.attempts_allowed and len(record.attempts) >= settings.attempts_allowed
    if exhausted and not attempt.closed:
        finished = any(state.sessions for state in attempt.scos.values()) and attempt_result(
            attempt, package, scos or launchable_scos(package, None), settings).completed
        attempt.closed = finished
        mode = "review" if finished else "normal"  # an unfinished last attempt goes on
    context = context_for(package, sco_id, learner_id, learner_name, mode, settings)
    state = attempt.scos.get(sco_id)
    return {
        "attempt": attempt.number,
        "token": attempt.token,
        "store": record.store_key,
        "mode": mode,
        "values": launch_values(attempt, sco_id, context, version=package.version),
        "next_sequence": (state.sequence + 1) if state else 0,
        "engine": attempt.engine_state,
        "engine_sequence": attempt.engine_sequence,
        "attempts_used": len(record.attempts),
        "attempts_allowed": settings.attempts_allowed,
    }


def commit(record: LearnerRecord, package: Package, payload: Mapping[str, Any], scos: list[str],
           settings: Settings | None = None) -> dict[str, Any]:
    """Validate and store one commit from the player; raise :class:`CommitRefused` and store nothing if it is bad."""
    if not isinstance(payload, Mapping):
        raise CommitRefused("bad_payload")
    sco_id, attempt_number, sequence = payload.get("sco"), payload.get("attempt"), payload.get("seq")
    if not isinstance(sco_id, str) or sco_id not in scos:
        raise CommitRefused("unknown_sco")
    if not isinstance(attempt_number, int) or isinstance(attempt_number, bool) or not isinstance(sequence, int):
        raise CommitRefused("bad_payload")
    data = payload.get("data")
    if not isinstance(data, Mapping):
        raise CommitRefused("bad_payload")
    if not any(attempt.number == attempt_number for attempt in record.attempts):
        raise CommitRefused("stale_attempt")
    attempt = record.attempt_for(attempt_number, payload.get("token"))
    if attempt is None:
        raise CommitRefused("wrong_learner")  # made for another learner (a shared computer's queue) or forged
    if attempt is not record.current():
        raise CommitRefused("stale_attempt")
    flat = rte.drop_echoed_defaults(package.version, cmi.flatten(data))
    known = attempt.scos.get(sco_id)
    values, problems = cmi.validate_commit(package.version or "1.2", flat, known.values if known else None)
    if problems:
        raise CommitRefused("invalid_data", [problem.to_dict() for problem in problems])
    mastery, _threshold = _item_scores(package, find_item(package, sco_id), settings or Settings())
    result = apply_commit(attempt, sco_id, sequence, values, version=package.version,
                          terminate=bool(payload.get("terminate")), mastery_score=mastery)
    engine = "engine" in payload and apply_engine_state(attempt, payload.get("engine_seq"), payload.get("engine"))
    return {"status": result.status, "changed": result.changed or engine == "applied", "seq": result.sequence,
            "outcome": result.outcome or engine == "applied"}


def keep_engine_state(record: LearnerRecord, payload: Mapping[str, Any]) -> str:
    """Keep the sequencing engine's state sent with a launch or navigation (``attempt``, ``token``, ``engine``,
    ``engine_seq``) for the attempt in progress; answer what happened (``applied``, ``stale``, ``invalid``...)."""
    attempt = record.attempt_for(payload.get("attempt"), payload.get("token"))
    if attempt is None or attempt is not record.current():
        return "stale_attempt"
    return apply_engine_state(attempt, payload.get("engine_seq"), payload.get("engine"))


def sco_outcomes(attempt: Attempt, package: Package, scos: list[str], settings: Settings,
                 credit: bool = True) -> list[tuple[str, ScoOutcome]]:
    """``(sco, outcome)`` for each of ``scos`` opened in ``attempt``, with the item's mastery and threshold."""
    outcomes = []
    for sco_id in scos:
        state = attempt.scos.get(sco_id)
        if state is None:
            continue
        outcomes.append((sco_id, sco_outcome_of(package, sco_id, state.values, settings, credit)))
    return outcomes


def sco_outcome_of(package: Package, sco_id: str, values: dict[str, str], settings: Settings,
                   credit: bool = True) -> ScoOutcome:
    """The outcome of SCO ``sco_id`` whose cmi values are ``values``, with the item's mastery and threshold."""
    mastery, threshold = _item_scores(package, find_item(package, sco_id), settings)
    return sco_outcome(package.version, values, mastery_score=mastery, completion_threshold=threshold, credit=credit)


def over_attempt_limit(record: LearnerRecord, package: Package, sco_id: str) -> bool:
    """Whether ``sco_id`` has used up its ``attemptLimit`` in the attempt's engine and is not the activity the
    engine delivered last (the one being launched): such a launch did not come from the engine."""
    attempt = record.current()
    if attempt is None or not attempt.engine_state or not rolls_up(package, launchable_scos(package, None)):
        return False
    limit = next((activity.attempt_limit for activity in (activity_tree(package) or _NO_TREE).walk()
                  if activity.id == sco_id), None)
    count, _suspended = activity_counts(attempt).get(sco_id, (0, False))
    return bool(limit) and count >= limit and current_activity(attempt) != sco_id


def rolls_up(package: Package, scos: list[str]) -> bool:
    """Whether the block grades by SCORM 2004 rollup: a sequenced 2004 package played whole."""
    return (cmi.version_family(package.version) == "2004" and has_sequencing(package)
            and len(scos) == len(launchable_items(package)) > 0)


def _rollup_result(attempt: Attempt, package: Package, scos: list[str], settings: Settings,
                   credit: bool) -> AttemptResult:
    tree = activity_tree(package)
    assert tree is not None  # rolls_up() checked there is an organization
    activities = {activity.id: activity for activity in tree.walk()}
    counts = activity_counts(attempt)
    leaves = {}
    for sco_id, outcome in sco_outcomes(attempt, package, scos, settings, credit):
        state = attempt.scos[sco_id]
        count, suspended = counts.get(sco_id, (max(state.sessions, 1), state.suspended))
        scaled = state.values.get("cmi.score.scaled", "")
        try:
            measure = float(scaled) if scaled else None
        except ValueError:
            measure = None
        leaves[sco_id] = leaf_state(outcome.completion, outcome.success, measure, outcome.progress,
                                    attempt_count=count, suspended=suspended, activity=activities.get(sco_id))
    clusters = {identifier: LeafState(attempt_count=count, suspended=suspended)
                for identifier, (count, suspended) in counts.items()
                if identifier in activities and activities[identifier].children}
    return root_result(tree, leaves, clusters)


def attempt_result(attempt: Attempt, package: Package, scos: list[str], settings: Settings,
                   credit: bool = True) -> AttemptResult:
    """One attempt's result: the root activity's after rollup where the package sequences, else Moodle's
    grading method over the SCOs that report a score."""
    if rolls_up(package, scos):
        return _rollup_result(attempt, package, scos, settings, credit)
    outcomes = [outcome for _sco, outcome in sco_outcomes(attempt, package, scos, settings, credit)]
    return combine_scos(outcomes, settings.sco_grading, total_scos=len(scos))  # type: ignore[arg-type]


def grade_and_completion(record: LearnerRecord, package: Package, scos: list[str],
                         settings: Settings) -> tuple[float | None, float]:
    """The grade (0..1, ``None`` when nothing is scored yet) over attempts, and the completion (0..1)."""
    results = [attempt_result(attempt, package, scos, settings) for attempt in record.attempts]
    grade = combine_attempts(results, settings.attempt_grading)  # type: ignore[arg-type]
    completion = max((result.completion for result in results), default=0.0)
    return grade, completion
