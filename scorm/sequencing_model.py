"""IMS Simple Sequencing (SCORM 2004 ``imsss:sequencing``) as pydantic models, defaults as in the specification.

Field names are the specification's attribute names in snake case. A field the manifest did not
write keeps its default and is absent from ``model_fields_set``: :func:`merge` uses that to apply an
item's own elements over a ``sequencingCollection`` entry (the item wins, element by element).
Parsing lives in :mod:`scorm.sequencing`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AdlObjective",
    "AdlObjectiveMap",
    "ConstrainedChoice",
    "ControlMode",
    "DeliveryControls",
    "LimitConditions",
    "Objective",
    "ObjectiveMap",
    "RandomizationControls",
    "RollupConditionItem",
    "RollupConsiderations",
    "RollupControls",
    "RollupRule",
    "RuleCondition",
    "Sequencing",
    "SequencingRule",
    "merge",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ControlMode(_Model):
    """``imsss:controlMode``: which navigation the learner may use within this cluster."""

    choice: bool = True
    choice_exit: bool = True
    flow: bool = False
    forward_only: bool = False
    use_current_attempt_objective_info: bool = True
    use_current_attempt_progress_info: bool = True


class RuleCondition(_Model):
    """``imsss:ruleCondition``: e.g. ``satisfied``, ``attempted``, ``objectiveMeasureGreaterThan``."""

    condition: str
    referenced_objective: str | None = None
    measure_threshold: float | None = None
    operator: Literal["noOp", "not"] = "noOp"


class SequencingRule(_Model):
    """A pre-, exit- or post-condition rule: when the conditions hold, do ``action``."""

    kind: Literal["pre", "exit", "post"]
    condition_combination: Literal["all", "any"] = "all"
    conditions: list[RuleCondition] = Field(default_factory=list)
    action: str = ""


class LimitConditions(_Model):
    """``imsss:limitConditions``."""

    attempt_limit: int | None = None
    attempt_absolute_duration_limit: str | None = None


class RollupConditionItem(_Model):
    """``imsss:rollupCondition``."""

    condition: str
    operator: Literal["noOp", "not"] = "noOp"


class RollupRule(_Model):
    """``imsss:rollupRule``: how children's status rolls up into this activity."""

    child_activity_set: str = "all"
    minimum_count: int = 0
    minimum_percent: float = 0.0
    condition_combination: Literal["all", "any"] = "any"
    conditions: list[RollupConditionItem] = Field(default_factory=list)
    action: str = ""


class RollupControls(_Model):
    """Attributes of ``imsss:rollupRules``."""

    rollup_objective_satisfied: bool = True
    rollup_progress_completion: bool = True
    objective_measure_weight: float = 1.0


class ObjectiveMap(_Model):
    """``imsss:mapInfo``: how a local objective reads and writes a global one."""

    target_objective_id: str
    read_satisfied_status: bool = True
    read_normalized_measure: bool = True
    write_satisfied_status: bool = False
    write_normalized_measure: bool = False


class Objective(_Model):
    """``imsss:primaryObjective`` or ``imsss:objective``."""

    objective_id: str | None = None
    primary: bool = False
    satisfied_by_measure: bool = False
    min_normalized_measure: float = 1.0
    maps: list[ObjectiveMap] = Field(default_factory=list)


class AdlObjectiveMap(_Model):
    """SCORM 2004 4th edition ``adlseq:mapInfo`` (extra global objective data)."""

    target_objective_id: str
    read_raw_score: bool = True
    read_min_score: bool = True
    read_max_score: bool = True
    read_completion_status: bool = True
    read_progress_measure: bool = True
    write_raw_score: bool = False
    write_min_score: bool = False
    write_max_score: bool = False
    write_completion_status: bool = False
    write_progress_measure: bool = False


class AdlObjective(_Model):
    """SCORM 2004 4th edition ``adlseq:objective``."""

    objective_id: str
    maps: list[AdlObjectiveMap] = Field(default_factory=list)


class RandomizationControls(_Model):
    """``imsss:randomizationControls``."""

    randomization_timing: str = "never"
    select_count: int | None = None
    reorder_children: bool = False
    selection_timing: str = "never"


class DeliveryControls(_Model):
    """``imsss:deliveryControls``."""

    tracked: bool = True
    completion_set_by_content: bool = False
    objective_set_by_content: bool = False


class ConstrainedChoice(_Model):
    """``adlseq:constrainedChoiceConsiderations``."""

    prevent_activation: bool = False
    constrain_choice: bool = False


class RollupConsiderations(_Model):
    """``adlseq:rollupConsiderations``."""

    required_for_satisfied: str = "always"
    required_for_not_satisfied: str = "always"
    required_for_completed: str = "always"
    required_for_incomplete: str = "always"
    measure_satisfaction_if_active: bool = True


class Sequencing(_Model):
    """One ``imsss:sequencing`` element (on an item or organization, or in the collection)."""

    id: str | None = None  # ID, when in the sequencingCollection
    idref: str | None = None  # IDRef into the sequencingCollection (already merged in)
    control_mode: ControlMode = Field(default_factory=ControlMode)
    rules: list[SequencingRule] = Field(default_factory=list)
    limit_conditions: LimitConditions | None = None
    rollup_controls: RollupControls = Field(default_factory=RollupControls)
    rollup_rules: list[RollupRule] = Field(default_factory=list)
    objectives: list[Objective] = Field(default_factory=list)
    adl_objectives: list[AdlObjective] = Field(default_factory=list)
    randomization: RandomizationControls = Field(default_factory=RandomizationControls)
    delivery_controls: DeliveryControls = Field(default_factory=DeliveryControls)
    constrained_choice: ConstrainedChoice = Field(default_factory=ConstrainedChoice)
    rollup_considerations: RollupConsiderations = Field(default_factory=RollupConsiderations)
    line: int | None = None


_MERGE_EXCLUDE = {"id", "idref", "line"}


def merge(shared: Sequencing, own: Sequencing) -> Sequencing:
    """Return ``shared`` (a collection entry) overlaid with every element ``own`` wrote itself."""
    values = shared.model_dump()
    own_values = own.model_dump()
    for name in own.model_fields_set - _MERGE_EXCLUDE:
        values[name] = own_values[name]
    values.update(id=None, idref=own.idref, line=own.line)
    return Sequencing.model_validate(values)
