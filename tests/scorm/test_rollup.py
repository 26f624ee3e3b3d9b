"""SCORM 2004 rollup (ADL SN RB.1): measure, completion amount, objective and progress, table-driven.

Each case names the SN process it checks. Trees are small manifests' worth of activities built directly.
"""

import pytest

from scorm.rollup import Activity, LeafState, activity_tree, leaf_state, rollup
from scorm.sequencing_model import RollupRule

from .test_sequenced_packages import manifest_package

DONE_PASSED = LeafState(attempt_count=1, satisfied=True, completed=True, amount=1.0)


def rule(action, condition, child_set="all", **more):
    return RollupRule(child_activity_set=child_set, action=action,
                      conditions=[{"condition": condition, **({"operator": "not"} if more.pop("negate", False)
                                                              else {})}], **more)


def tree(*children, **root):
    return Activity(id="root", children=tuple(children), **root)


# content SCOs weigh nothing, as ADL's sequencing examples write them (objectiveMeasureWeight="0")
CONTENT = dict(measure_weight=0.0)


@pytest.mark.parametrize(
    ("name", "root", "leaves", "expected"),
    [
        # RB.1.1 a: weighted average; a test not taken yet still weighs in (as 0)
        ("measure over tests only", tree(Activity("c1", **CONTENT), Activity("c2", **CONTENT), Activity("post")),
         {"c1": DONE_PASSED, "c2": DONE_PASSED, "post": LeafState(1, satisfied=False, measure=0.67, completed=True)},
         {"measure": 0.67, "satisfied": False, "completed": True}),
        ("no measure before any test", tree(Activity("c1", **CONTENT), Activity("post")),
         {"c1": DONE_PASSED}, {"measure": None, "completed": None}),
        ("untaken test weighs in", tree(Activity("pre"), Activity("post")),
         {"pre": LeafState(1, measure=0.8, completed=True)}, {"measure": 0.4}),
        ("weights", tree(Activity("a", measure_weight=3.0), Activity("b")),
         {"a": LeafState(1, measure=1.0), "b": LeafState(1, measure=0.0)}, {"measure": 0.75}),
        ("rollupObjectiveSatisfied=false leaves the measure out",
         tree(Activity("a", rollup_objective_satisfied=False), Activity("b")),
         {"a": LeafState(1, measure=0.0), "b": LeafState(1, measure=0.9)}, {"measure": 0.9}),
        ("untracked leaves the measure out", tree(Activity("a", tracked=False), Activity("b")),
         {"a": LeafState(1, measure=0.0), "b": LeafState(1, measure=0.9)}, {"measure": 0.9}),
        # RB.1.2 a: satisfied by measure
        ("satisfied by measure", tree(Activity("a"), satisfied_by_measure=True, min_measure=0.6),
         {"a": LeafState(1, satisfied=False, measure=0.7)}, {"satisfied": True}),
        # RB.1.2 c / RB.1.3 defaults
        ("default: all satisfied and completed", tree(Activity("a"), Activity("b")),
         {"a": DONE_PASSED, "b": DONE_PASSED}, {"satisfied": True, "completed": True, "amount": 1.0}),
        ("default: one known failure, all known", tree(Activity("a"), Activity("b")),
         {"a": DONE_PASSED, "b": LeafState(1, satisfied=False, completed=True)}, {"satisfied": False}),
        ("default: unknown child leaves status unknown", tree(Activity("a"), Activity("b")),
         {"a": DONE_PASSED}, {"satisfied": None, "completed": None}),
        ("default: incomplete once every child's progress is known", tree(Activity("a"), Activity("b")),
         {"a": DONE_PASSED, "b": LeafState(1, completed=False)}, {"completed": False}),
        # RB.1.2 b / RB.1.4: author rules, child activity sets
        ("any satisfied", tree(Activity("a"), Activity("b"), rules=(rule("satisfied", "satisfied", "any"),)),
         {"a": DONE_PASSED}, {"satisfied": True}),
        ("atLeastCount completed", tree(Activity("a"), Activity("b"), Activity("c"),
                                        rules=(rule("completed", "completed", "atLeastCount", minimum_count=2),)),
         {"a": DONE_PASSED, "b": DONE_PASSED}, {"completed": True}),
        ("atLeastPercent", tree(Activity("a"), Activity("b"), Activity("c"),
                                rules=(rule("completed", "completed", "atLeastPercent", minimum_percent=0.5),)),
         {"a": DONE_PASSED}, {"completed": None}),
        ("none attempted -> not satisfied", tree(Activity("a"), Activity("b"),
                                                 rules=(rule("notSatisfied", "attempted", "none"),)),
         {}, {"satisfied": False}),
        ("not operator", tree(Activity("a"), rules=(rule("incomplete", "completed", negate=True),)),
         {"a": LeafState(1, completed=False)}, {"completed": False}),
        ("ifAttempted consideration", tree(Activity("a"), Activity("b", required={"satisfied": "ifAttempted"})),
         {"a": DONE_PASSED}, {"satisfied": True}),
        ("attempt limit exceeded", tree(Activity("a", attempt_limit=1),
                                        rules=(rule("completed", "attemptLimitExceeded"),)),
         {"a": LeafState(1)}, {"completed": True}),
        # RB.1.1 b (4th edition): completion amount with progressWeight; completedByMeasure
        ("completion amount", tree(Activity("a", progress_weight=3.0), Activity("b"), completed_by_measure=True,
                                   min_progress=0.85),
         {"a": DONE_PASSED, "b": LeafState(1, completed=False, amount=0.2)}, {"amount": 0.8, "completed": False}),
        ("completed by measure: status wins", tree(Activity("a", progress_weight=3.0), Activity("b"),
                                                   completed_by_measure=True, min_progress=0.7),
         {"a": DONE_PASSED, "b": LeafState(1, completed=False, amount=0.2)}, {"amount": 1.0, "completed": True}),
    ],
)
def test_rollup(name, root, leaves, expected):
    result = rollup(root, leaves)["root"]
    for key, value in expected.items():
        got = getattr(result, key)
        assert got == (pytest.approx(value) if isinstance(value, float) else value), (name, key, got)


def test_cluster_rolls_up_into_root():
    module = Activity("module", children=(Activity("c1", **CONTENT), Activity("c2", **CONTENT)), **CONTENT)
    root = tree(Activity("pre"), module, Activity("post"))
    states = rollup(root, {"c1": DONE_PASSED, "c2": DONE_PASSED, "pre": LeafState(1, satisfied=False, measure=0.2,
                                                                                  completed=True)})
    assert states["module"].completed is True and states["module"].satisfied is True
    assert states["module"].attempt_count == 1
    assert states["root"].measure == pytest.approx(0.1)  # post not taken: weighs in
    assert states["root"].completed is None  # post's progress unknown


@pytest.mark.parametrize(
    ("completion", "success", "scaled", "progress", "expected"),
    [
        ("completed", "passed", None, 0.5, (True, True, 1.0)),  # status wins over a stale progress measure
        ("incomplete", "unknown", None, 0.3, (None, False, 0.3)),
        ("unknown", "failed", 0.2, None, (False, None, None)),
    ],
)
def test_leaf_state(completion, success, scaled, progress, expected):
    state = leaf_state(completion, success, scaled, progress, attempt_count=1)
    assert (state.satisfied, state.completed, state.amount) == expected


def test_leaf_satisfied_by_measure():
    activity = Activity("t", satisfied_by_measure=True, min_measure=0.6)
    assert leaf_state("completed", "unknown", 0.7, None, attempt_count=1, activity=activity).satisfied is True


def test_tree_from_manifest():
    package = manifest_package("cluster")
    root = activity_tree(package)
    assert root is not None and [child.id for child in root.children] == ["pre", "module", "post"]
    module = root.children[1]
    assert [child.id for child in module.children] == ["c1", "c2"]
    assert module.children[0].measure_weight == 0.0
    assert root.children[0].attempt_limit == 1
