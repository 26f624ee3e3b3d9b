"""SCORM 2004 rollup (ADL Sequencing and Navigation, RB.1): the root activity's measure and status.

Where a package defines sequencing, the grade and completion Open edX records are those of the root
activity (the organization) after rollup, not a mix of SCO scores. This module builds the activity tree
from the manifest (:func:`activity_tree`), takes each leaf's tracking state (:class:`LeafState`, read from
what its SCO committed, see :func:`leaf_state`) and rolls it up the tree, parent after children:

* **measure** (RB.1.1 a): the weighted average of the objective measures of the tracked children that
  roll up objective satisfaction, each weighted by its ``objectiveMeasureWeight``. Every such child
  counts in the total weight, with or without a measure (a test not taken yet weighs in as 0), and
  there is no measure until at least one child has one.
* **completion amount** (RB.1.1 b, 4th edition): the same over ``attemptCompletionAmount`` with
  ``progressWeight``.
* **objective** (RB.1.2): by measure when the primary objective is ``satisfiedByMeasure``, else by the
  rollup rules, else by the default rules (not satisfied when every child's status is known and one is
  not satisfied; satisfied when every child is satisfied).
* **progress** (RB.1.3): by measure when ``completedByMeasure`` (4th edition), else by the rules, else
  by the default rules (incomplete when every child's progress is known; completed when every child
  is completed).

Rules are evaluated as RB.1.4 says: three-valued conditions per child (unknown never counts as true),
combined by ``all``/``any``, over the child activity set (``all``, ``any``, ``none``, ``atLeastCount``,
``atLeastPercent``) of the children the rollup considerations (RB.1.4.2) let in; not-satisfied and
incomplete rules first, so a satisfied or completed rule that also holds wins.

No Django, no XBlock: the player block calls :func:`rollup` with its stored SCO data and publishes what
comes out. scorm-again runs the same processes in the browser to decide navigation; the grade is ours.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from .grading import AttemptResult, Success
from .model import Item, Package
from .sequencing_model import RollupRule, Sequencing

Tri = bool | None  # True, False or unknown


@dataclass(frozen=True)
class Activity:
    """One activity of the tree with what rollup needs of its sequencing definition."""

    id: str
    children: tuple[Activity, ...] = ()
    tracked: bool = True
    rollup_objective_satisfied: bool = True
    rollup_progress_completion: bool = True
    measure_weight: float = 1.0
    progress_weight: float = 1.0
    rules: tuple[RollupRule, ...] = ()
    satisfied_by_measure: bool = False
    min_measure: float = 1.0
    completed_by_measure: bool = False
    min_progress: float = 1.0
    attempt_limit: int | None = None
    required: Mapping[str, str] = field(default_factory=dict)  # satisfied/notSatisfied/completed/incomplete

    def walk(self) -> Iterable[Activity]:
        """This activity and all below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class LeafState:
    """What rollup needs of one activity (a leaf's own tracking data, or a cluster's rolled-up result)."""

    attempt_count: int = 0
    suspended: bool = False
    satisfied: Tri = None
    measure: float | None = None  # -1..1
    completed: Tri = None
    amount: float | None = None  # attempt completion amount, 0..1


def _activity(identifier: str, sequencing: Sequencing | None, children: tuple[Activity, ...],
              item: Item | None = None) -> Activity:
    threshold = item.completion_threshold if item is not None else None
    values: dict = {"id": identifier, "children": children}
    if threshold is not None:
        values.update(progress_weight=threshold.progress_weight, completed_by_measure=threshold.completed_by_measure,
                      min_progress=threshold.min_progress_measure)
    if sequencing is not None:
        primary = next((o for o in sequencing.objectives if o.primary), None)
        considerations = sequencing.rollup_considerations
        values.update(
            tracked=sequencing.delivery_controls.tracked,
            rollup_objective_satisfied=sequencing.rollup_controls.rollup_objective_satisfied,
            rollup_progress_completion=sequencing.rollup_controls.rollup_progress_completion,
            measure_weight=sequencing.rollup_controls.objective_measure_weight,
            rules=tuple(sequencing.rollup_rules),
            satisfied_by_measure=bool(primary and primary.satisfied_by_measure),
            min_measure=primary.min_normalized_measure if primary else 1.0,
            attempt_limit=sequencing.limit_conditions.attempt_limit if sequencing.limit_conditions else None,
            required={"satisfied": considerations.required_for_satisfied,
                      "notSatisfied": considerations.required_for_not_satisfied,
                      "completed": considerations.required_for_completed,
                      "incomplete": considerations.required_for_incomplete})
    return Activity(**values)


def _item(item: Item) -> Activity:
    return _activity(item.identifier, item.sequencing, tuple(_item(child) for child in item.children), item)


def activity_tree(package: Package) -> Activity | None:
    """The default organization as an activity tree (its root is the organization), or ``None``."""
    organization = package.default_org()
    if organization is None:
        return None
    return _activity(organization.identifier, organization.sequencing,
                     tuple(_item(item) for item in organization.items))


def _included(child: Activity, state: LeafState, kind: str, action: str | None) -> bool:
    """RB.1.4.2 Check Child for Rollup: tracked, rolls up this kind, and its consideration lets it in."""
    if not child.tracked:
        return False
    if kind in ("measure", "objective") and not child.rollup_objective_satisfied:
        return False
    if kind == "progress" and not child.rollup_progress_completion:
        return False
    requirement = child.required.get(action or "", "always")
    if requirement == "ifAttempted":
        return state.attempt_count > 0
    if requirement == "ifNotSuspended":
        return not (state.attempt_count > 0 and state.suspended)
    return True  # "always"; "ifNotSkipped" needs skip tracking we do not keep: the child counts


def _condition(name: str, state: LeafState, activity: Activity) -> Tri:
    if name == "satisfied":
        return state.satisfied
    if name == "objectiveStatusKnown":
        return state.satisfied is not None
    if name == "objectiveMeasureKnown":
        return state.measure is not None
    if name == "completed":
        return state.completed
    if name == "activityProgressKnown":
        return state.completed is not None
    if name == "attempted":
        return state.attempt_count > 0
    if name == "attemptLimitExceeded":
        return activity.attempt_limit is not None and state.attempt_count >= activity.attempt_limit
    if name == "never":
        return False
    return None  # timeLimitExceeded, outsideAvailableTimeRange: not tracked here, unknown


def _rule_holds(rule: RollupRule, children: list[tuple[Activity, LeafState]]) -> bool:
    """RB.1.4 Rollup Rule Check over the children the considerations let in."""
    if not children:
        return False
    bag: list[Tri] = []
    for child, state in children:
        values = []
        for condition in rule.conditions:
            value = _condition(condition.condition, state, child)
            values.append(None if value is None else (not value if condition.operator == "not" else value))
        if rule.condition_combination == "all":
            bag.append(False if False in values else (None if None in values else True))
        else:
            bag.append(True if True in values else (None if None in values else False))
    true_count = sum(1 for value in bag if value is True)
    kind = rule.child_activity_set
    if kind == "all":
        return true_count == len(bag)
    if kind == "any":
        return true_count > 0
    if kind == "none":
        return all(value is False for value in bag)
    if kind == "atLeastCount":
        return true_count >= rule.minimum_count
    if kind == "atLeastPercent":
        return true_count / len(bag) >= rule.minimum_percent
    return False


_DEFAULT_RULES = {
    # SN RB.1.2 c / RB.1.3: used for an action that has no rule of its own
    "notSatisfied": RollupRule(child_activity_set="all", conditions=[{"condition": "objectiveStatusKnown"}],
                               action="notSatisfied"),
    "satisfied": RollupRule(child_activity_set="all", conditions=[{"condition": "satisfied"}], action="satisfied"),
    "incomplete": RollupRule(child_activity_set="all", conditions=[{"condition": "activityProgressKnown"}],
                             action="incomplete"),
    "completed": RollupRule(child_activity_set="all", conditions=[{"condition": "completed"}], action="completed"),
}


def _by_rules(activity: Activity, states: Mapping[str, LeafState], kind: str, first: str, then: str,
              previous: Tri) -> Tri:
    """Apply the ``first`` (negative) then the ``then`` (positive) rules; the activity's own rules, else defaults."""
    result = previous
    for action, value in ((first, False), (then, True)):
        rules = [rule for rule in activity.rules if rule.action == action] or [_DEFAULT_RULES[action]]
        for rule in rules:
            children = [(child, states[child.id]) for child in activity.children
                        if _included(child, states[child.id], kind, action)]
            if _rule_holds(rule, children):
                result = value
                break
    return result


def _weighted(pairs: list[tuple[float, float | None]]) -> float | None:
    """Weighted average over (weight, value): every weight counts, only known values add; None without data."""
    if not any(value is not None for _weight, value in pairs):
        return None
    total = sum(weight for weight, _value in pairs)
    if total <= 0:
        return None
    return sum(weight * value for weight, value in pairs if value is not None) / total


def _roll(activity: Activity, states: dict[str, LeafState], own: LeafState) -> LeafState:
    """One cluster's rolled-up state from its children's states (already in ``states``)."""
    children = [(child, states[child.id]) for child in activity.children]
    measure = _weighted([(child.measure_weight, state.measure) for child, state in children
                         if _included(child, state, "measure", None)])
    amount = _weighted([(child.progress_weight, state.amount) for child, state in children if child.tracked])
    if activity.satisfied_by_measure:
        satisfied = None if measure is None else measure >= activity.min_measure
    else:
        satisfied = _by_rules(activity, states, "objective", "notSatisfied", "satisfied", None)
    if activity.completed_by_measure:
        completed = None if amount is None else amount >= activity.min_progress
    else:
        completed = _by_rules(activity, states, "progress", "incomplete", "completed", None)
    attempts = own.attempt_count or (1 if any(state.attempt_count for _child, state in children) else 0)
    return replace(own, attempt_count=attempts, satisfied=satisfied, measure=measure, completed=completed,
                   amount=1.0 if completed else amount)


def rollup(tree: Activity, leaves: Mapping[str, LeafState],
           clusters: Mapping[str, LeafState] | None = None) -> dict[str, LeafState]:
    """Every activity's state after rollup: leaves as given (unknown when absent), clusters computed.

    ``clusters`` may carry what the sequencing engine knows of a cluster (attempt count, suspended); its
    statuses and measure are always recomputed from the children.
    """
    states: dict[str, LeafState] = {}

    def visit(activity: Activity) -> None:
        if not activity.children:
            states[activity.id] = leaves.get(activity.id) or LeafState()
            return
        for child in activity.children:
            visit(child)
        states[activity.id] = _roll(activity, states, (clusters or {}).get(activity.id) or LeafState())

    visit(tree)
    return states


def leaf_state(completion: str, success: str, scaled: float | None, progress: float | None, *,
               attempt_count: int, suspended: bool = False, activity: Activity | None = None) -> LeafState:
    """A leaf's tracking state from its SCO's run-time data (RTE 4.2: completion, success, score.scaled, progress).

    A status the SCO set wins over a stale progress measure: a completed SCO's completion amount is 1. The
    primary objective's ``satisfiedByMeasure`` decides success from the measure when there is one.
    """
    satisfied: Tri = {"passed": True, "failed": False}.get(success)
    if activity is not None and activity.satisfied_by_measure and scaled is not None:
        satisfied = scaled >= activity.min_measure
    completed: Tri = {"completed": True, "incomplete": False}.get(completion)
    if completed is None and attempt_count > 0 and completion == "not attempted":
        completed = False
    amount = 1.0 if completed else progress
    return LeafState(attempt_count=attempt_count, suspended=suspended, satisfied=satisfied, measure=scaled,
                     completed=completed, amount=amount)


def root_result(tree: Activity, leaves: Mapping[str, LeafState],
                clusters: Mapping[str, LeafState] | None = None) -> AttemptResult:
    """The attempt's result as Open edX records it: the root's measure (0..1) and completion after rollup.

    The grade is the root's rolled-up measure (``None`` until some tracked child has one; a negative
    measure is no credit). Completion is 1 when the root is completed, else its completion amount, else
    the share of tracked leaves completed (a package with no progress data still shows progress).
    """
    root = rollup(tree, leaves, clusters)[tree.id]
    score = None if root.measure is None else min(1.0, max(0.0, root.measure))
    if root.completed:
        completion = 1.0
    elif root.amount is not None:
        completion = min(1.0, max(0.0, root.amount))
    else:
        tracked = [activity for activity in tree.walk() if not activity.children and activity.tracked]
        done = sum(1 for activity in tracked if (leaves.get(activity.id) or LeafState()).completed)
        completion = done / len(tracked) if tracked else 0.0
    success: Success = {True: "passed", False: "failed"}.get(root.satisfied, "unknown")  # type: ignore[assignment]
    return AttemptResult(score=score, completion=completion, completed=root.completed is True, success=success)
