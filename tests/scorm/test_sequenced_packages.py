"""Small SCORM 2004 manifests of our own that exercise sequencing: a cluster whose rollup guards a post-test
through a global objective, an attemptLimit=1 pre-test, 4th-edition completion maps (the check is disabled
until it reads the reading's completion from the global objective) and a duration limit.

``manifest_package(kind)`` parses one; ``package_zip(kind, folder)`` writes it as a zip with a real SCO page
(:data:`SCO_PAGE`) that the browser tests play; other tests (rollup, the block) build on them.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from scorm.manifest import parse_manifest
from scorm.model import Package

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="seq.{kind}" version="1" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
  xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3" xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>{edition}</schemaversion></metadata>
  <organizations default="org"><organization identifier="org"><title>Sequenced {kind}</title>
"""
TAIL = """  </organization></organizations>
  <resources>
    <resource identifier="r_test" type="webcontent" adlcp:scormType="sco" href="sco.html?kind=test">
      <file href="sco.html"/></resource>
    <resource identifier="r_content" type="webcontent" adlcp:scormType="sco" href="sco.html?kind=content">
      <file href="sco.html"/></resource>
  </resources>
</manifest>
"""

TEST_OBJECTIVE = """<imsss:objectives><imsss:primaryObjective objectiveID="{id}_obj" satisfiedByMeasure="true">
  <imsss:minNormalizedMeasure>0.6</imsss:minNormalizedMeasure></imsss:primaryObjective>{extra}</imsss:objectives>"""
CONTENT_ITEM = """<item identifier="{id}" identifierref="r_content"><title>Content {id}</title>
  <imsss:sequencing><imsss:rollupRules objectiveMeasureWeight="0"/></imsss:sequencing></item>"""

CLUSTER = """
<item identifier="pre" identifierref="r_test"><title>Pre-test</title>
  <imsss:sequencing><imsss:limitConditions attemptLimit="1"/>""" + TEST_OBJECTIVE.format(id="pre", extra="") + """
  </imsss:sequencing></item>
<item identifier="module"><title>Content</title>""" + CONTENT_ITEM.format(id="c1") + CONTENT_ITEM.format(id="c2") + """
  <imsss:sequencing><imsss:controlMode choice="true" flow="true"/>
    <imsss:rollupRules objectiveMeasureWeight="0"><imsss:rollupRule childActivitySet="all">
      <imsss:rollupConditions><imsss:rollupCondition condition="completed"/></imsss:rollupConditions>
      <imsss:rollupAction action="satisfied"/></imsss:rollupRule></imsss:rollupRules>
    <imsss:objectives><imsss:primaryObjective objectiveID="module_obj">
      <imsss:mapInfo targetObjectiveID="g_content_done" readSatisfiedStatus="false" writeSatisfiedStatus="true"/>
    </imsss:primaryObjective></imsss:objectives>
  </imsss:sequencing></item>
<item identifier="post" identifierref="r_test"><title>Post-test</title>
  <imsss:sequencing>
    <imsss:sequencingRules><imsss:preConditionRule>
      <imsss:ruleConditions conditionCombination="any">
        <imsss:ruleCondition referencedObjective="gate" operator="not" condition="satisfied"/>
        <imsss:ruleCondition referencedObjective="gate" operator="not" condition="objectiveStatusKnown"/>
      </imsss:ruleConditions><imsss:ruleAction action="disabled"/></imsss:preConditionRule></imsss:sequencingRules>
    """ + TEST_OBJECTIVE.format(id="post", extra="""<imsss:objective objectiveID="gate">
      <imsss:mapInfo targetObjectiveID="g_content_done" readSatisfiedStatus="true"/></imsss:objective>""") + """
  </imsss:sequencing></item>
<imsss:sequencing><imsss:controlMode choice="true" flow="true"/></imsss:sequencing>
"""

FOURTH = """
<item identifier="a" identifierref="r_content"><title>Reading</title>
  <imsss:sequencing><imsss:objectives><imsss:primaryObjective objectiveID="a_obj"/></imsss:objectives>
    <adlseq:objectives><adlseq:objective objectiveID="a_obj">
      <adlseq:mapInfo targetObjectiveID="g_read" writeCompletionStatus="true" writeProgressMeasure="true"/>
    </adlseq:objective></adlseq:objectives></imsss:sequencing></item>
<item identifier="b" identifierref="r_test"><title>Check</title>
  <imsss:sequencing>
    <imsss:sequencingRules><imsss:preConditionRule>
      <imsss:ruleConditions conditionCombination="any"><imsss:ruleCondition operator="not" condition="completed"/>
        <imsss:ruleCondition operator="not" condition="activityProgressKnown"/></imsss:ruleConditions>
      <imsss:ruleAction action="disabled"/></imsss:preConditionRule></imsss:sequencingRules>
    <imsss:objectives><imsss:primaryObjective objectiveID="b_obj"/></imsss:objectives>
    <adlseq:objectives><adlseq:objective objectiveID="b_obj">
      <adlseq:mapInfo targetObjectiveID="g_read" readCompletionStatus="true"/>
    </adlseq:objective></adlseq:objectives></imsss:sequencing></item>
<imsss:sequencing><imsss:controlMode choice="true" flow="true"/></imsss:sequencing>
"""

DURATION = """
<item identifier="timed" identifierref="r_content"><title>Timed</title>
  <imsss:sequencing><imsss:limitConditions attemptAbsoluteDurationLimit="PT0H5M0S"/></imsss:sequencing></item>
<item identifier="after" identifierref="r_test"><title>After</title></item>
<imsss:sequencing><imsss:controlMode choice="true" flow="true"/></imsss:sequencing>
"""

KINDS = {"cluster": (CLUSTER, "2004 3rd Edition"), "fourth": (FOURTH, "2004 4th Edition"),
         "duration": (DURATION, "2004 3rd Edition")}


def manifest_xml(kind: str) -> str:
    """The imsmanifest.xml of the named test package."""
    body, edition = KINDS[kind]
    return HEAD.format(kind=kind, edition=edition) + body + TAIL


# "not satisfied" is not true while the status is unknown (SN UP.2.1: three-valued conditions), so a gate also
# tests "not objectiveStatusKnown" / "not activityProgressKnown", as Rustici's golf sequencing samples do.

# One SCO page for every item: finds the SCORM 2004 API (RTE 3.1.3.1), calls Initialize, shows what it read, and
# offers finish(values, navRequest) to the test: SetValue for each cmi element, adl.nav.request, Terminate.
SCO_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>SCO</title></head><body>
<pre id="seen"></pre><script>
function findApi(win) {
  for (var i = 0; win && i < 10; i += 1) {
    if (win.API_1484_11) { return win.API_1484_11; }
    if (win === win.parent) { break; }
    win = win.parent;
  }
  return null;
}
var api = findApi(window.parent);
var initialized = api.Initialize("");
document.getElementById("seen").textContent = JSON.stringify({
  initialized: initialized, entry: api.GetValue("cmi.entry"), completion: api.GetValue("cmi.completion_status")});
window.finish = function (values, navRequest) {
  var errors = [];
  Object.keys(values || {}).forEach(function (name) {
    if (api.SetValue(name, values[name]) !== "true") { errors.push(name + ":" + api.GetLastError()); }
  });
  if (navRequest) { api.SetValue("adl.nav.request", navRequest); }
  return {errors: errors, terminated: api.Terminate("")};
};
</script></body></html>
"""


def package_zip(kind: str, folder: Path) -> Path:
    """Write the named test package, manifest and SCO page, as ``folder/sequenced-<kind>.zip``."""
    path = folder / f"sequenced-{kind}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", manifest_xml(kind))
        archive.writestr("sco.html", SCO_PAGE)
    return path


def manifest_package(kind: str) -> Package:
    """The parsed test package ``kind`` (cluster, fourth, duration)."""
    package, issues = parse_manifest(manifest_xml(kind).encode())
    assert not [issue for issue in issues if issue.severity == "error"], issues
    return package


def test_manifests_parse_with_their_sequencing():
    cluster = manifest_package("cluster")
    assert cluster.has_sequencing and cluster.version and cluster.version.startswith("2004")
    items = {item.identifier: item for item, _depth in cluster.iter_items()}
    assert items["pre"].sequencing.limit_conditions.attempt_limit == 1
    assert items["module"].sequencing.rollup_rules[0].action == "satisfied"
    fourth = manifest_package("fourth")
    items = {item.identifier: item for item, _depth in fourth.iter_items()}
    assert items["b"].sequencing.adl_objectives[0].maps[0].read_completion_status is True
    assert items["b"].sequencing.rules[0].action == "disabled"
    duration = manifest_package("duration")
    items = {item.identifier: item for item, _depth in duration.iter_items()}
    assert items["timed"].sequencing.limit_conditions.attempt_absolute_duration_limit == "PT0H5M0S"
