"""Reading ``imsss:sequencing`` (and the ``adlseq`` extensions) into :class:`~scorm.sequencing_model.Sequencing`.

Only the elements present are set on the model (so ``model_fields_set`` tells what the manifest wrote,
which :func:`~scorm.sequencing_model.merge` needs). Attribute values that are not valid for their
type are reported as ``bad_value`` warnings and the specification's default is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree

from scorm.errors import make_issue
from scorm.model import Issue, Where
from scorm.sequencing_model import Sequencing
from scorm.xmlsafe import local_name, namespace

__all__ = ["is_sequencing_element", "parse_sequencing"]

_BOOL = {"true": True, "1": True, "false": False, "0": False}


def family(element_or_name) -> str:
    """Return a short name for the namespace family: imsss, adlseq, adlnav, adlcp, lom or cp."""
    uri = namespace(element_or_name).lower()
    for name in ("imsss", "adlseq", "adlnav", "adlcp"):
        if name in uri:
            return name
    if "lom" in uri or "imsmd" in uri:
        return "lom"
    return "cp"


def is_sequencing_element(element) -> bool:
    """Whether ``element`` is an ``imsss:sequencing``."""
    return isinstance(element.tag, str) and local_name(element) == "sequencing" and family(element) == "imsss"


def _kids(element, name: str) -> list:
    return [child for child in element if isinstance(child.tag, str) and local_name(child) == name]


def _kid(element, name: str):
    kids = _kids(element, name)
    return kids[0] if kids else None


class _Reader:
    """Converts attributes, collecting a warning for each bad value."""

    def __init__(self, issues: list[Issue], where: Where):
        self.issues = issues
        self.where = where

    def attrs(self, element, spec: dict[str, tuple[str, Callable[[str], Any]]]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for attribute, raw in element.attrib.items():
            name = local_name(attribute)
            if name not in spec:
                continue
            field, convert = spec[name]
            try:
                values[field] = convert(raw.strip())
            except (ValueError, KeyError):
                where = self.where.model_copy(update={"line": element.sourceline})
                self.issues.append(make_issue("bad_value", where, value=raw[:80], field=name))
        return values


def _bool(value: str) -> bool:
    return _BOOL[value.lower()]


def _operator(value: str) -> str:
    if value not in ("noOp", "not"):
        raise ValueError(value)
    return value


def _combination(value: str) -> str:
    if value not in ("all", "any"):
        raise ValueError(value)
    return value


def parse_sequencing(element: etree._Element, issues: list[Issue], where: Where) -> Sequencing:
    """Return the :class:`Sequencing` that ``element`` (an ``imsss:sequencing``) describes."""
    read = _Reader(issues, where)
    values: dict[str, Any] = {"line": element.sourceline}
    values.update(read.attrs(element, {"ID": ("id", str), "IDRef": ("idref", str)}))
    rules: list[dict[str, Any]] = []
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = local_name(child)
        if name == "controlMode":
            values["control_mode"] = read.attrs(child, {
                "choice": ("choice", _bool), "choiceExit": ("choice_exit", _bool), "flow": ("flow", _bool),
                "forwardOnly": ("forward_only", _bool),
                "useCurrentAttemptObjectiveInfo": ("use_current_attempt_objective_info", _bool),
                "useCurrentAttemptProgressInfo": ("use_current_attempt_progress_info", _bool)})
        elif name == "sequencingRules":
            for rule in child:
                kind = {"preConditionRule": "pre", "exitConditionRule": "exit",
                        "postConditionRule": "post"}.get(local_name(rule))
                if kind:
                    rules.append(_rule(rule, kind, read))
        elif name == "limitConditions":
            values["limit_conditions"] = read.attrs(child, {
                "attemptLimit": ("attempt_limit", int),
                "attemptAbsoluteDurationLimit": ("attempt_absolute_duration_limit", str)})
        elif name == "rollupRules":
            values["rollup_controls"] = read.attrs(child, {
                "rollupObjectiveSatisfied": ("rollup_objective_satisfied", _bool),
                "rollupProgressCompletion": ("rollup_progress_completion", _bool),
                "objectiveMeasureWeight": ("objective_measure_weight", float)})
            values["rollup_rules"] = [_rollup_rule(rule, read) for rule in _kids(child, "rollupRule")]
        elif name == "objectives" and family(child) == "imsss":
            values["objectives"] = [_objective(objective, read) for objective in child
                                    if local_name(objective) in ("primaryObjective", "objective")]
        elif name == "objectives" and family(child) == "adlseq":
            values["adl_objectives"] = [_adl_objective(objective, read) for objective in _kids(child, "objective")]
        elif name == "randomizationControls":
            values["randomization"] = read.attrs(child, {
                "randomizationTiming": ("randomization_timing", str), "selectCount": ("select_count", int),
                "reorderChildren": ("reorder_children", _bool), "selectionTiming": ("selection_timing", str)})
        elif name == "deliveryControls":
            values["delivery_controls"] = read.attrs(child, {
                "tracked": ("tracked", _bool), "completionSetByContent": ("completion_set_by_content", _bool),
                "objectiveSetByContent": ("objective_set_by_content", _bool)})
        elif name == "constrainedChoiceConsiderations":
            values["constrained_choice"] = read.attrs(child, {
                "preventActivation": ("prevent_activation", _bool), "constrainChoice": ("constrain_choice", _bool)})
        elif name == "rollupConsiderations":
            values["rollup_considerations"] = read.attrs(child, {
                "requiredForSatisfied": ("required_for_satisfied", str),
                "requiredForNotSatisfied": ("required_for_not_satisfied", str),
                "requiredForCompleted": ("required_for_completed", str),
                "requiredForIncomplete": ("required_for_incomplete", str),
                "measureSatisfactionIfActive": ("measure_satisfaction_if_active", _bool)})
    if rules:
        values["rules"] = rules
    return Sequencing.model_validate(values)


def _rule(rule, kind: str, read: _Reader) -> dict[str, Any]:
    values: dict[str, Any] = {"kind": kind}
    conditions = _kid(rule, "ruleConditions")
    if conditions is not None:
        values.update(read.attrs(conditions, {"conditionCombination": ("condition_combination", _combination)}))
        values["conditions"] = [
            {"condition": condition.get("condition", ""), **read.attrs(condition, {
                "referencedObjective": ("referenced_objective", str),
                "measureThreshold": ("measure_threshold", float), "operator": ("operator", _operator)})}
            for condition in _kids(conditions, "ruleCondition")]
    action = _kid(rule, "ruleAction")
    if action is not None:
        values["action"] = action.get("action", "")
    return values


def _rollup_rule(rule, read: _Reader) -> dict[str, Any]:
    values = read.attrs(rule, {"childActivitySet": ("child_activity_set", str), "minimumCount": ("minimum_count", int),
                               "minimumPercent": ("minimum_percent", float)})
    conditions = _kid(rule, "rollupConditions")
    if conditions is not None:
        values.update(read.attrs(conditions, {"conditionCombination": ("condition_combination", _combination)}))
        values["conditions"] = [
            {"condition": condition.get("condition", ""),
             **read.attrs(condition, {"operator": ("operator", _operator)})}
            for condition in _kids(conditions, "rollupCondition")]
    action = _kid(rule, "rollupAction")
    if action is not None:
        values["action"] = action.get("action", "")
    return values


def _objective(objective, read: _Reader) -> dict[str, Any]:
    values = read.attrs(objective, {"objectiveID": ("objective_id", str),
                                    "satisfiedByMeasure": ("satisfied_by_measure", _bool)})
    values["primary"] = local_name(objective) == "primaryObjective"
    measure = _kid(objective, "minNormalizedMeasure")
    if measure is not None and measure.text:
        try:
            values["min_normalized_measure"] = float(measure.text.strip())
        except ValueError:
            read.issues.append(make_issue("bad_value", read.where.model_copy(update={"line": measure.sourceline}),
                                          value=measure.text.strip()[:80], field="minNormalizedMeasure"))
    values["maps"] = [
        {"target_objective_id": info.get("targetObjectiveID", ""), **read.attrs(info, {
            "readSatisfiedStatus": ("read_satisfied_status", _bool),
            "readNormalizedMeasure": ("read_normalized_measure", _bool),
            "writeSatisfiedStatus": ("write_satisfied_status", _bool),
            "writeNormalizedMeasure": ("write_normalized_measure", _bool)})}
        for info in _kids(objective, "mapInfo")]
    return values


_ADL_MAP = {name: (field, _bool) for name, field in (
    ("readRawScore", "read_raw_score"), ("readMinScore", "read_min_score"), ("readMaxScore", "read_max_score"),
    ("readCompletionStatus", "read_completion_status"), ("readProgressMeasure", "read_progress_measure"),
    ("writeRawScore", "write_raw_score"), ("writeMinScore", "write_min_score"), ("writeMaxScore", "write_max_score"),
    ("writeCompletionStatus", "write_completion_status"), ("writeProgressMeasure", "write_progress_measure"))}


def _adl_objective(objective, read: _Reader) -> dict[str, Any]:
    return {"objective_id": objective.get("objectiveID", ""),
            "maps": [{"target_objective_id": info.get("targetObjectiveID", ""), **read.attrs(info, _ADL_MAP)}
                     for info in _kids(objective, "mapInfo")]}
