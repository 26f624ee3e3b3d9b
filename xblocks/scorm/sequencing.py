"""SCORM 2004 sequencing for the player: the parsed manifest as scorm-again's ``sequencing`` settings.

scorm-again runs the sequencing and navigation processes in the browser, but "the LMS must extract
the sequencing configuration from imsmanifest.xml itself". :func:`sequencing_settings` does that from
the :class:`~scorm.sequencing_model.Sequencing` models the manifest parser already built (collections
merged into each item): an activity tree whose root is the default organization, with control modes,
pre-/exit-/post-condition rules, limit conditions, objectives and their global maps, rollup rules and
considerations, delivery controls and completion thresholds.

:func:`global_objectives` rebuilds, from what learners committed, the global objective snapshot
that rule conditions read (``scorm-again``'s ``restoreGlobalObjectiveSnapshot``): the server's record,
not the browser's, decides which activities a learner has satisfied when a player page opens.
"""

from __future__ import annotations

from typing import Any

from scorm.attempts import Attempt
from scorm.model import Item, Organization, Package
from scorm.sequencing_model import Objective, Sequencing


def _controls(sequencing: Sequencing) -> dict[str, Any]:
    mode = sequencing.control_mode
    rollup = sequencing.rollup_controls
    delivery = sequencing.delivery_controls
    randomization = sequencing.randomization
    return {
        "choice": mode.choice, "choiceExit": mode.choice_exit, "flow": mode.flow, "forwardOnly": mode.forward_only,
        "useCurrentAttemptObjectiveInfo": mode.use_current_attempt_objective_info,
        "useCurrentAttemptProgressInfo": mode.use_current_attempt_progress_info,
        "preventActivation": sequencing.constrained_choice.prevent_activation,
        "constrainChoice": sequencing.constrained_choice.constrain_choice,
        "rollupObjectiveSatisfied": rollup.rollup_objective_satisfied,
        "rollupProgressCompletion": rollup.rollup_progress_completion,
        "objectiveMeasureWeight": rollup.objective_measure_weight,
        "selectionTiming": randomization.selection_timing, "selectCount": randomization.select_count,
        "randomizationTiming": randomization.randomization_timing,
        "reorderChildren": randomization.reorder_children,
        "tracked": delivery.tracked, "completionSetByContent": delivery.completion_set_by_content,
        "objectiveSetByContent": delivery.objective_set_by_content,
    }


def _rules(sequencing: Sequencing) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {"pre": [], "exit": [], "post": []}
    for rule in sequencing.rules:
        conditions = []
        for condition in rule.conditions:
            entry: dict[str, Any] = {"condition": condition.condition}
            if condition.operator == "not":
                entry["operator"] = "not"
            if condition.referenced_objective:
                entry["referencedObjective"] = condition.referenced_objective
            if condition.measure_threshold is not None:
                entry["parameters"] = {"threshold": condition.measure_threshold}
            conditions.append(entry)
        groups[rule.kind].append({"action": rule.action, "conditionCombination": rule.condition_combination,
                                  "conditions": conditions})
    return {"preConditionRules": groups["pre"], "exitConditionRules": groups["exit"],
            "postConditionRules": groups["post"]}


_ADL_FLAGS = ("read_raw_score", "read_min_score", "read_max_score", "read_completion_status",
              "read_progress_measure", "write_raw_score", "write_min_score", "write_max_score",
              "write_completion_status", "write_progress_measure")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _objective(objective: Objective, fallback_id: str, sequencing: Sequencing | None = None) -> dict[str, Any]:
    """One objective for scorm-again; the 4th edition's ``adlseq:objective`` maps of the same objective id
    (completion, progress and score fields) are merged into its ``mapInfo``, one entry per target."""
    settings = _imsss_objective(objective, fallback_id)
    for adl in (sequencing.adl_objectives if sequencing is not None else []):
        if adl.objective_id != settings["objectiveID"]:
            continue
        for mapping in adl.maps:
            entry = next((m for m in settings["mapInfo"] if m["targetObjectiveID"] == mapping.target_objective_id),
                         None)
            if entry is None:
                entry = {"targetObjectiveID": mapping.target_objective_id, "readSatisfiedStatus": False,
                         "readNormalizedMeasure": False, "writeSatisfiedStatus": False,
                         "writeNormalizedMeasure": False}
                settings["mapInfo"].append(entry)
            entry.update({_camel(flag): getattr(mapping, flag) for flag in _ADL_FLAGS})
    return settings


def _imsss_objective(objective: Objective, fallback_id: str) -> dict[str, Any]:
    return {
        "objectiveID": objective.objective_id or fallback_id,
        "isPrimary": objective.primary,
        "satisfiedByMeasure": objective.satisfied_by_measure,
        "minNormalizedMeasure": objective.min_normalized_measure,
        "mapInfo": [{
            "targetObjectiveID": mapping.target_objective_id,
            "readSatisfiedStatus": mapping.read_satisfied_status,
            "readNormalizedMeasure": mapping.read_normalized_measure,
            "writeSatisfiedStatus": mapping.write_satisfied_status,
            "writeNormalizedMeasure": mapping.write_normalized_measure,
        } for mapping in objective.maps],
    }


def _rollup(sequencing: Sequencing) -> dict[str, Any]:
    rules = []
    for rule in sequencing.rollup_rules:
        rules.append({
            "action": rule.action, "consideration": rule.child_activity_set, "minimumCount": rule.minimum_count,
            "minimumPercent": rule.minimum_percent, "conditionCombination": rule.condition_combination,
            "conditions": [{"condition": c.condition, **({"operator": "not"} if c.operator == "not" else {})}
                           for c in rule.conditions],
        })
    return {"rules": rules}


def _activity(identifier: str, title: str, sequencing: Sequencing | None, children: list[dict[str, Any]],
              item: Item | None = None) -> dict[str, Any]:
    activity: dict[str, Any] = {"id": identifier, "title": title or identifier}
    if item is not None:
        activity["isVisible"] = item.isvisible
        if item.completion_threshold is not None:
            threshold = item.completion_threshold
            activity["completionThreshold"] = {
                key: value for key, value in (("completedByMeasure", threshold.completed_by_measure),
                                              ("minProgressMeasure", threshold.min_progress_measure),
                                              ("progressWeight", threshold.progress_weight)) if value is not None}
    if sequencing is not None:
        activity["sequencingControls"] = _controls(sequencing)
        activity["sequencingRules"] = _rules(sequencing)
        if sequencing.rollup_rules:
            activity["rollupRules"] = _rollup(sequencing)
        considerations = sequencing.rollup_considerations
        activity["rollupConsiderations"] = {
            "requiredForSatisfied": considerations.required_for_satisfied,
            "requiredForNotSatisfied": considerations.required_for_not_satisfied,
            "requiredForCompleted": considerations.required_for_completed,
            "requiredForIncomplete": considerations.required_for_incomplete,
            "measureSatisfactionIfActive": considerations.measure_satisfaction_if_active,
        }
        limits = sequencing.limit_conditions
        if limits is not None:
            if limits.attempt_limit is not None:
                activity["attemptLimit"] = limits.attempt_limit
            if limits.attempt_absolute_duration_limit:
                activity["attemptAbsoluteDurationLimit"] = limits.attempt_absolute_duration_limit
        primary = [o for o in sequencing.objectives if o.primary]
        if primary:
            activity["primaryObjective"] = _objective(primary[0], f"{identifier}.primary", sequencing)
        activity["objectives"] = [_objective(o, f"{identifier}.objective.{n}", sequencing)
                                  for n, o in enumerate(sequencing.objectives) if not o.primary]
    if children:
        activity["children"] = children
    return activity


def _item_activity(item: Item) -> dict[str, Any]:
    children = [_item_activity(child) for child in item.children]
    return _activity(item.identifier, item.title, item.sequencing, children, item)


def sequencing_settings(package: Package) -> dict[str, Any] | None:
    """scorm-again's ``sequencing`` settings for ``package``, or ``None`` when it has no sequencing to run."""
    organization: Organization | None = package.default_org()
    if organization is None or not package.has_sequencing or not (package.version or "").startswith("2004"):
        return None
    children = [_item_activity(item) for item in organization.items]
    tree = _activity(organization.identifier, organization.title, organization.sequencing, children)
    return {"activityTree": tree, "autoRollupOnCMIChange": True, "validateNavigationRequests": True}


def _objective_maps(package: Package) -> dict[str, list[tuple[str, bool, bool]]]:
    """For each item, the global objectives its primary objective writes: (target id, writes satisfied status,
    writes normalized measure)."""
    maps: dict[str, list[tuple[str, bool, bool]]] = {}
    for item, _depth in package.iter_items():
        if item.sequencing is None:
            continue
        for objective in item.sequencing.objectives:
            if objective.primary:
                maps[item.identifier] = [(m.target_objective_id, m.write_satisfied_status, m.write_normalized_measure)
                                         for m in objective.maps
                                         if m.write_satisfied_status or m.write_normalized_measure]
    return maps


def global_objectives(package: Package, attempt: Attempt | None) -> dict[str, dict[str, Any]]:
    """The global objective snapshot the learner's committed data implies (success status and scaled score)."""
    snapshot: dict[str, dict[str, Any]] = {}
    if attempt is None:
        return snapshot
    for item_id, targets in _objective_maps(package).items():
        state = attempt.scos.get(item_id)
        if state is None:
            continue
        success = state.values.get("cmi.success_status", "unknown")
        scaled = state.values.get("cmi.score.scaled", "")
        for target, writes_satisfied, writes_measure in targets:
            entry: dict[str, Any] = {"id": target}
            if writes_satisfied and success in ("passed", "failed"):
                entry.update(satisfiedStatus=success == "passed", satisfiedStatusKnown=True)
            if writes_measure:
                try:
                    entry.update(normalizedMeasure=float(scaled), normalizedMeasureKnown=True)
                except ValueError:
                    pass
            if len(entry) > 1:
                snapshot[target] = entry
    return snapshot
