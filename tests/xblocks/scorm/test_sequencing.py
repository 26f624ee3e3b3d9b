"""The manifest's sequencing as scorm-again settings, and the global objectives the server's record implies."""

from scorm.attempts import Attempt, ScoState
from scorm.inspect import inspect_package
from xblocks.scorm.sequencing import global_objectives, sequencing_settings

PREFIX = "com.scorm.golfsamples.sequencing.forcedsequential."


def package(shared_fixtures, name):
    return inspect_package(shared_fixtures / "scorm" / "valid" / name).package


def test_forced_sequential_becomes_an_activity_tree(shared_fixtures):
    settings = sequencing_settings(package(shared_fixtures, "SequencingForcedSequential_SCORM20043rdEdition.zip"))
    tree = settings["activityTree"]
    assert tree["id"] == "golf_sample_default_org" and tree["sequencingControls"]["flow"] is True
    assert [c["id"] for c in tree["children"]] == ["playing_item", "etuqiette_item", "handicapping_item",
                                                    "havingfun_item", "assessment_item"]
    etiquette = tree["children"][1]
    rule = etiquette["sequencingRules"]["preConditionRules"][0]
    assert rule["action"] == "disabled" and rule["conditionCombination"] == "any"
    assert rule["conditions"] == [
        {"condition": "satisfied", "operator": "not", "referencedObjective": "previous_sco_satisfied"},
        {"condition": "objectiveStatusKnown", "operator": "not", "referencedObjective": "previous_sco_satisfied"}]
    assert etiquette["objectives"][0]["mapInfo"][0]["targetObjectiveID"] == PREFIX + "playing_satisfied"
    assert etiquette["sequencingControls"]["completionSetByContent"] is True  # from the sequencingCollection
    assert tree["children"][0]["primaryObjective"]["mapInfo"][0]["writeSatisfiedStatus"] is True


def test_only_2004_packages_with_sequencing_get_settings(shared_fixtures):
    single = sequencing_settings(package(shared_fixtures, "RuntimeBasicCalls_SCORM20043rdEdition.zip"))
    assert [child["id"] for child in single["activityTree"]["children"]] == ["item_1"]
    assert sequencing_settings(package(shared_fixtures, "RuntimeBasicCalls_SCORM12.zip")) is None
    assert sequencing_settings(package(shared_fixtures, "ContentPackagingSingleSCO_SCORM20042ndEdition.zip")) is None


def test_global_objectives_follow_committed_success(shared_fixtures):
    pkg = package(shared_fixtures, "SequencingForcedSequential_SCORM20043rdEdition.zip")
    attempt = Attempt(number=1, scos={
        "playing_item": ScoState(values={"cmi.success_status": "passed"}),
        "etuqiette_item": ScoState(values={"cmi.success_status": "unknown"}),
        "assessment_item": ScoState(values={"cmi.success_status": "failed", "cmi.score.scaled": "0.4"}),
    })
    snapshot = global_objectives(pkg, attempt)
    assert snapshot == {PREFIX + "playing_satisfied": {"id": PREFIX + "playing_satisfied", "satisfiedStatus": True,
                                                       "satisfiedStatusKnown": True}}
    assert global_objectives(pkg, None) == {}


def test_a_score_reaches_a_global_objective_only_where_the_map_writes_the_measure(shared_fixtures):
    pkg = package(shared_fixtures, "SequencingForcedSequential_SCORM20043rdEdition.zip")
    attempt = Attempt(number=1, scos={
        "playing_item": ScoState(values={"cmi.success_status": "passed", "cmi.score.scaled": "0.9"})})
    target = PREFIX + "playing_satisfied"
    assert "normalizedMeasure" not in global_objectives(pkg, attempt)[target]  # the map writes status only
    playing = next(item for item, _depth in pkg.iter_items() if item.identifier == "playing_item")
    primary = next(objective for objective in playing.sequencing.objectives if objective.primary)
    primary.maps[0].write_normalized_measure = True
    assert global_objectives(pkg, attempt)[target]["normalizedMeasure"] == 0.9
