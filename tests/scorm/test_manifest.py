"""The manifest parser: versions, metadata, xml:base, parameters, 1.2 and 2004 attributes, and its warnings."""

from __future__ import annotations

import io
import json

import pytest

from scorm.errors import ScormError
from scorm.inspect import inspect_package
from scorm.manifest import parse_manifest, resolve_href
from scorm.model import Package, join_parameters
from tests.scorm import zipmaker as zm

NS_2004 = ('xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" '
           'xmlns:imsss="http://www.imsglobal.org/xsd/imsss" xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3" '
           'xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3"')


def _manifest(body: str, version: str | None = "2004 4th Edition", metadata: str = "") -> bytes:
    schema = f"<schemaversion>{version}</schemaversion>" if version else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<manifest identifier="m" {NS_2004}>\n'
            f"<metadata><schema>ADL SCORM</schema>{schema}{metadata}</metadata>\n{body}\n</manifest>").encode()


def _codes(issues):
    return [issue.code for issue in issues]


@pytest.mark.parametrize(("written", "version"), [("1.2", "1.2"), ("CAM 1.3", "2004 2nd"),
                                                  ("2004 3rd Edition", "2004 3rd"), ("2004 4th Edition", "2004 4th")])
def test_schemaversion_gives_the_version(written, version):
    package, issues = parse_manifest(_manifest("<organizations/><resources/>", written))
    assert package.version == version and "version_guessed" not in _codes(issues)


@pytest.mark.parametrize(("body", "version"), [
    ("<organizations/><resources/>", "2004 2nd"),
    ('<organizations><organization identifier="o"><title>t</title><item identifier="i"><title>t</title>'
     "<adlcp:completionThreshold>0.5</adlcp:completionThreshold></item></organization></organizations>", "2004 3rd"),
    ('<organizations><organization identifier="o"><title>t</title><item identifier="i"><title>t</title>'
     '<adlcp:data><adlcp:map targetID="shared" writeSharedData="true"/></adlcp:data></item></organization>'
     "</organizations>", "2004 4th"),
])
def test_without_schemaversion_the_oldest_fitting_edition_is_guessed(body, version):
    package, issues = parse_manifest(_manifest(body, None))
    assert package.version == version and "version_guessed" in _codes(issues)


def test_unknown_schemaversion_warns_and_guesses():
    package, issues = parse_manifest(_manifest("<organizations/>", "SCORM 2004 5th"))
    assert package.version == "2004 2nd" and "version_unknown" in _codes(issues)


SEQUENCED = """
<organizations default="o">
  <organization identifier="o" adlseq:objectivesGlobalToSystem="false" adlcp:sharedDataGlobalToSystem="false">
    <title>Course</title>
    <item identifier="folder" isvisible="false">
      <title>Folder</title>
      <item identifier="a" identifierref="ra" parameters="?mode=a">
        <title>A</title>
        <adlcp:completionThreshold completedByMeasure="true" minProgressMeasure="0.8" progressWeight="2"/>
        <adlcp:data><adlcp:map targetID="bucket" readSharedData="true" writeSharedData="true"/></adlcp:data>
        <imsss:sequencing IDRef="shared">
          <imsss:limitConditions attemptLimit="3"/>
          <imsss:rollupRules rollupObjectiveSatisfied="false">
            <imsss:rollupRule childActivitySet="atLeastCount" minimumCount="2">
              <imsss:rollupConditions><imsss:rollupCondition condition="completed"/></imsss:rollupConditions>
              <imsss:rollupAction action="satisfied"/>
            </imsss:rollupRule>
          </imsss:rollupRules>
          <imsss:objectives><imsss:primaryObjective objectiveID="p" satisfiedByMeasure="true">
            <imsss:minNormalizedMeasure>0.6</imsss:minNormalizedMeasure></imsss:primaryObjective></imsss:objectives>
          <adlseq:objectives><adlseq:objective objectiveID="p">
            <adlseq:mapInfo targetObjectiveID="g" writeRawScore="true"/></adlseq:objective></adlseq:objectives>
        </imsss:sequencing>
        <adlnav:presentation><adlnav:navigationInterface><adlnav:hideLMSUI>previous</adlnav:hideLMSUI>
        </adlnav:navigationInterface></adlnav:presentation>
      </item>
      <item identifier="b" identifierref="rb" isvisible="maybe"><title>B</title></item>
    </item>
  </organization>
</organizations>
<resources xml:base="content/">
  <resource identifier="ra" type="webcontent" adlcp:scormType="sco" xml:base="unit1" href="a.html?x=1#top">
    <file href="a.html"/><file href="../../../escape.js"/><file href="../../root.js"/>
    <dependency identifierref="common"/>
  </resource>
  <resource identifier="rb" type="webcontent" adlcp:scormType="sco" href="b%20page.html"/>
  <resource identifier="common" type="webcontent" adlcp:scormType="asset"><file href="lib/x.js"/></resource>
</resources>
<imsss:sequencingCollection>
  <imsss:sequencing ID="shared">
    <imsss:controlMode flow="true" choice="false"/>
    <imsss:limitConditions attemptLimit="1"/>
    <imsss:deliveryControls tracked="false"/>
  </imsss:sequencing>
</imsss:sequencingCollection>
"""


def test_2004_fourth_edition_manifest_is_read_fully():
    package, issues = parse_manifest(_manifest(SEQUENCED))
    organization = package.default_org()
    assert (organization.objectives_global_to_system, organization.shared_data_global_to_system) == (False, False)
    folder = organization.items[0]
    assert folder.isvisible is False and [child.identifier for child in folder.children] == ["a", "b"]
    a, b = folder.children
    assert b.isvisible is True and "bad_value" in _codes(issues)  # isvisible="maybe" → warning, default kept
    assert a.completion_threshold.model_dump() == {"completed_by_measure": True, "min_progress_measure": 0.8,
                                                   "progress_weight": 2.0}
    assert [(m.target_id, m.write_shared_data) for m in a.data] == [("bucket", True)]
    assert a.presentation.hide_lms_ui == ["previous"]
    sequencing = a.sequencing
    assert sequencing.control_mode.flow and not sequencing.control_mode.choice  # from the collection
    assert sequencing.delivery_controls.tracked is False  # from the collection
    assert sequencing.limit_conditions.attempt_limit == 3  # the item's own wins
    assert sequencing.rollup_controls.rollup_objective_satisfied is False
    rule = sequencing.rollup_rules[0]
    assert (rule.child_activity_set, rule.minimum_count, rule.conditions[0].condition, rule.action) == \
        ("atLeastCount", 2, "completed", "satisfied")
    assert sequencing.objectives[0].satisfied_by_measure and sequencing.objectives[0].min_normalized_measure == 0.6
    assert sequencing.adl_objectives[0].maps[0].write_raw_score is True
    ra = package.resource("ra")
    assert ra.base == "content/unit1/" and ra.launch == "content/unit1/a.html?x=1#top"
    assert ra.launch_path == "content/unit1/a.html"
    assert [file.path for file in ra.files] == ["content/unit1/a.html", "root.js"]  # the escaping one is refused
    assert "href_outside" in _codes(issues)
    assert package.launch_url(a) == "content/unit1/a.html?x=1&mode=a#top"
    assert package.launch_url(b) == "content/b%20page.html"
    assert [r.identifier for r in package.scos()] == ["ra", "rb"] and [r.identifier for r in package.assets()] == \
        ["common"]
    assert package.has_sequencing
    # the model round-trips through JSON
    again = Package.model_validate(json.loads(package.model_dump_json()))
    assert again == package


def test_scorm_12_item_attributes():
    text = zm.manifest().replace(
        "<title>Lesson 1</title>",
        "<title>Lesson 1</title><adlcp:masteryscore>80</adlcp:masteryscore>"
        "<adlcp:maxtimeallowed>00:30:00</adlcp:maxtimeallowed><adlcp:timelimitaction>exit,no message"
        "</adlcp:timelimitaction><adlcp:datafromlms>level=2</adlcp:datafromlms>"
        "<adlcp:prerequisites type=\"aicc_script\">i0</adlcp:prerequisites>")
    package, _issues = parse_manifest(text.encode())
    item = package.default_org().items[0]
    assert (item.masteryscore, item.maxtimeallowed, item.timelimitaction, item.datafromlms, item.prerequisites) == \
        (80.0, "00:30:00", "exit,no message", "level=2", "i0")


def test_inline_lom_metadata():
    lom = ('<lom xmlns="http://ltsc.ieee.org/xsd/LOM"><general><title><string language="zh">数据结构</string>'
           '</title><description><string>一门课</string></description><keyword><string>算法</string></keyword>'
           "</general></lom>")
    package, _issues = parse_manifest(_manifest("<organizations/>", metadata=lom))
    assert (package.metadata.title, package.metadata.description, package.metadata.keywords) == \
        ("数据结构", "一门课", ["算法"])
    assert package.title == "数据结构" and package.description == "一门课"


def test_metadata_file_by_location_is_read_hardened():
    manifest = zm.manifest().replace("</schemaversion>", "</schemaversion><adlcp:location>meta/course.xml"
                                                          "</adlcp:location>")
    lom = '<lom xmlns="http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"><general><title><langstring>Geo</langstring>' \
          "</title></general></lom>"
    good = inspect_package(io.BytesIO(zm.build({"imsmanifest.xml": manifest, "index.html": "x",
                                                "meta/course.xml": lom})))
    assert good.package.metadata.title == "Geo" and good.package.metadata.location == "meta/course.xml"
    missing = inspect_package(io.BytesIO(zm.build({"imsmanifest.xml": manifest, "index.html": "x"})))
    assert "metadata_missing" in [issue.code for issue in missing.warnings] and missing.valid
    xxe = '<!DOCTYPE lom [<!ENTITY x SYSTEM "file:///etc/passwd">]><lom><general><title>&x;</title></general></lom>'
    hostile = inspect_package(io.BytesIO(zm.build({"imsmanifest.xml": manifest, "index.html": "x",
                                                   "meta/course.xml": xxe})))
    assert "metadata_unreadable" in [issue.code for issue in hostile.warnings]
    assert "root:" not in (hostile.package.metadata.title or "")


def test_default_organization_fallbacks():
    body = ('<organizations default="nope"><organization identifier="first"><title>F</title></organization>'
            '<organization identifier="second"><title>S</title></organization></organizations>')
    package, issues = parse_manifest(_manifest(body))
    assert package.default_organization == "first" and "default_org_missing" in _codes(issues)
    package, issues = parse_manifest(_manifest(body.replace(' default="nope"', "")))
    assert package.default_organization == "first" and "default_org_unset" in _codes(issues)
    package, issues = parse_manifest(_manifest(body.replace("nope", "second")))
    assert package.default_organization == "second" and package.title == "S"


def test_duplicates_missing_ids_and_submanifests_are_reported():
    body = ('<organizations default="o"><organization identifier="o"><title>t</title>'
            '<item identifier="i"><title>x</title></item><item identifier="i"><title>y</title></item>'
            "<item><title>z</title></item></organization></organizations>"
            '<resources><resource identifier="r" href="a.html"/><resource identifier="r" href="b.html"/>'
            '<resource href="c.html"/></resources><manifest identifier="sub"/>')
    package, issues = parse_manifest(_manifest(body))
    codes = _codes(issues)
    assert codes.count("duplicate_identifier") == 2
    assert {"item_no_identifier", "resource_no_identifier", "submanifest_ignored"} <= set(codes)
    assert [item.identifier for item in package.default_org().items] == ["i", "i", "o-3"]


@pytest.mark.parametrize(("base", "href", "expected"), [
    ("", "a.html", ("a.html", "local")), ("x/", "../a.html", ("a.html", "local")),
    ("", "../a.html", (None, "outside")), ("", "/etc/passwd", (None, "outside")),
    ("", "https://example.com/a", ("https://example.com/a", "external")), ("", "a%2F..%2F..%2Fb", (None, "outside")),
    ("d/", "./p.html?x=1", ("d/p.html?x=1", "local")), ("", "sub\\page.html", ("sub/page.html", "local")),
])
def test_resolve_href(base, href, expected):
    assert resolve_href(base, href) == expected


@pytest.mark.parametrize(("launch", "parameters", "expected"), [
    ("a.html", None, "a.html"), ("a.html", "?x=1", "a.html?x=1"), ("a.html?y=2", "x=1", "a.html?y=2&x=1"),
    ("a.html#f", "&x=1", "a.html?x=1#f"), ("a.html#f", "#g", "a.html#g"), ("a.html", "?", "a.html"),
])
def test_join_parameters(launch, parameters, expected):
    assert join_parameters(launch, parameters) == expected


def test_not_a_manifest_and_not_xml():
    with pytest.raises(ScormError) as caught:
        parse_manifest(b"<html><body/></html>")
    assert caught.value.code == "not_a_manifest"
    with pytest.raises(ScormError) as caught:
        parse_manifest(b"")
    assert caught.value.code == "xml_malformed"


def test_a_ten_thousand_item_manifest_parses():
    items = "".join(f'<item identifier="i{n}" identifierref="r{n % 50}"><title>Item {n}</title></item>'
                    for n in range(10_000))
    resources = "".join(f'<resource identifier="r{n}" type="webcontent" adlcp:scormType="sco" href="p{n}.html"/>'
                        for n in range(50))
    package, issues = parse_manifest(_manifest(f'<organizations default="o"><organization identifier="o">'
                                               f"<title>Big</title>{items}</organization></organizations>"
                                               f"<resources>{resources}</resources>"))
    assert sum(1 for _ in package.iter_items()) == 10_000 and issues == []


def test_every_issue_sentence_formats_in_english_and_chinese():
    import string

    from django.utils import translation

    from scorm.errors import CODES, make_issue

    for language in ("en", "zh-hans"):
        with translation.override(language):
            for code, (_severity, template) in CODES.items():
                fields = {name for _text, name, _spec, _conv in string.Formatter().parse(template) if name}
                message = make_issue(code, **{name: "X" for name in fields}).message
                assert message and "{" not in message, (language, code)
                translated = message != template.format(**{name: "X" for name in fields})
                assert translated == (language == "zh-hans"), (language, code)
