"""Every shared fixture package behaves as ../shared/fixtures/README.md says."""

from __future__ import annotations

import hashlib

import pytest

from scorm.inspect import exit_code, import_package, inspect_package

VALID = {
    "ContentPackagingSingleSCO_SCORM12.zip": "1.2",
    "ContentPackagingOneFilePerSCO_SCORM12.zip": "1.2",
    "RuntimeBasicCalls_SCORM12.zip": "1.2",
    "LaunchUrlFromNestedItem_SCORM12.zip": "1.2",
    "MultipleItemsWithIdentifierRef_SCORM12.zip": "1.2",
    "PrerequisitesTest_SCORM12.zip": "1.2",
    "ContentPackagingSingleSCO_SCORM20042ndEdition.zip": "2004 2nd",
    "RuntimeBasicCalls_SCORM20043rdEdition.zip": "2004 3rd",
    "ContentPackagingOneFilePerSCO_SCORM20043rdEdition.zip": "2004 3rd",
    "SequencingSimpleRemediation_SCORM20043rdEdition.zip": "2004 3rd",
    "SequencingForcedSequential_SCORM20043rdEdition.zip": "2004 3rd",
}
MANIFEST_ONLY = {
    "MinimalValid_SCORM20043rdEdition.zip": "2004 3rd",
    "ComplexNestedOrganization_SCORM12.zip": "1.2",
    "AdlAttributes_SCORM20043rdEdition.zip": "2004 3rd",
    "ContentPackagingNoSchemaVersion_SCORM20042ndEdition.zip": "2004 2nd",
    "InvalidMissingOrgIdentifier_SCORM20043rdEdition.zip": "2004 3rd",
}
INVALID = {
    "MalformedXml_SCORM12.zip": "xml_malformed",
    "MissingLaunchUrl_SCORM12.zip": "sco_no_href",
    "ItemWithNonExistentResourceId_SCORM12.zip": "item_resource_missing",
    "InvalidFileReferences_SCORM12.zip": "launch_file_missing",
}


def _codes(report, severity="error"):
    return [issue.code for issue in report.issues if issue.severity == severity]


@pytest.mark.parametrize(("name", "version"), sorted(VALID.items()))
def test_valid_packages_have_no_errors_and_import(shared_fixtures, tmp_path, name, version):
    path = shared_fixtures / "scorm" / "valid" / name
    report = inspect_package(path)
    assert report.errors == [], [issue.as_dict() for issue in report.errors]
    assert report.valid and exit_code(report) == 0
    contract = report.to_contract()
    assert contract["type"] == "scorm" and contract["version"] == version
    assert contract["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert contract["launch"] and contract["items"] >= 1 and contract["title"]
    result = import_package(path, tmp_path / "store")
    assert result.stored and result.created
    assert result.path == tmp_path / "store" / contract["sha256"]
    launch = report.package.first_launch().split("?")[0]
    assert (result.path / "imsmanifest.xml").is_file() and (result.path / launch).is_file()


@pytest.mark.parametrize(("name", "version"), sorted(MANIFEST_ONLY.items()))
def test_manifest_only_packages_parse_but_miss_their_launch_file(shared_fixtures, tmp_path, name, version):
    path = shared_fixtures / "scorm" / "manifest-only" / name
    report = inspect_package(path)
    assert report.package is not None and report.package.version == version
    assert "launch_file_missing" in _codes(report)
    assert exit_code(report) == 1
    assert not import_package(path, tmp_path / "store").stored
    assert not (tmp_path / "store").exists() or not any(p.name != ".staging" for p in (tmp_path / "store").iterdir())


def test_complex_nested_organization_keeps_depth_and_order(shared_fixtures):
    package = inspect_package(shared_fixtures / "scorm/manifest-only/ComplexNestedOrganization_SCORM12.zip").package
    assert [org.identifier for org in package.organizations] == ["default_org", "alternate_org"]
    assert package.default_organization == "default_org"
    outline = [(item.identifier, depth) for item, depth in package.iter_items()]
    assert outline == [
        ("module_1", 0), ("chapter_1_1", 1), ("section_1_1_1", 2), ("topic_1_1_1_1", 3), ("topic_1_1_1_2", 3),
        ("section_1_1_2", 2), ("chapter_1_2", 1), ("module_2", 0), ("chapter_2_1", 1), ("section_2_1_1", 2),
        ("module_3", 0)]
    assert package.launch_url(package.organizations[0].items[0]) == "content/module1.html"


def test_adl_attributes_are_read(shared_fixtures):
    package = inspect_package(shared_fixtures / "scorm/manifest-only/AdlAttributes_SCORM20043rdEdition.zip").package
    item = package.organizations[0].items[0]
    assert item.datafromlms == "Launch Data"
    assert item.timelimitaction == "exit,message"
    assert item.completion_threshold.model_dump() == {
        "completed_by_measure": True, "min_progress_measure": 0.75, "progress_weight": 1.0}
    assert item.presentation.hide_lms_ui == ["exit", "continue"]
    mode = item.sequencing.control_mode
    assert (mode.choice, mode.choice_exit, mode.flow, mode.forward_only) == (False, False, True, False)
    assert package.has_sequencing


def test_missing_schemaversion_is_told_from_namespaces_with_a_warning(shared_fixtures):
    report = inspect_package(
        shared_fixtures / "scorm/manifest-only/ContentPackagingNoSchemaVersion_SCORM20042ndEdition.zip")
    assert report.package.version == "2004 2nd"
    assert "version_guessed" in _codes(report, "warning")
    assert report.package.resources[0].scormtype == "sco"  # adlcp:scormType, camel case


def test_organization_without_identifier_falls_back_with_warnings(shared_fixtures):
    path = shared_fixtures / "scorm/manifest-only/InvalidMissingOrgIdentifier_SCORM20043rdEdition.zip"
    report = inspect_package(path)
    assert {"organization_no_identifier", "default_org_missing"} <= set(_codes(report, "warning"))
    assert report.package.default_org().title == "Minimal Course"
    assert report.to_contract()["default_organization"] == "organization-1"


@pytest.mark.parametrize(("name", "code"), sorted(INVALID.items()))
def test_invalid_packages_are_reported_clearly(shared_fixtures, tmp_path, name, code):
    path = shared_fixtures / "scorm" / "invalid" / name
    report = inspect_package(path)
    assert code in _codes(report)
    assert exit_code(report) == 1
    result = import_package(path, tmp_path / "store")
    assert not result.stored
    assert not (tmp_path / "store").exists() or [p.name for p in (tmp_path / "store").iterdir()] in ([], [".staging"])


def test_malformed_xml_gives_the_line(shared_fixtures):
    report = inspect_package(shared_fixtures / "scorm/invalid/MalformedXml_SCORM12.zip")
    issue = report.errors[0]
    assert issue.code == "xml_malformed" and issue.where.line == 27 and issue.where.file == "imsmanifest.xml"
    assert "27" in issue.message


def test_invalid_file_references_name_every_missing_file(shared_fixtures):
    report = inspect_package(shared_fixtures / "scorm/invalid/InvalidFileReferences_SCORM12.zip")
    files = {issue.where.file for issue in report.issues}
    assert {"content/nonexistent.html", "content/nonexistent.js", "content/nonexistent.css",
            "content/nonexistent_asset.html"} <= files


def test_item_with_missing_resource_names_the_item(shared_fixtures):
    report = inspect_package(shared_fixtures / "scorm/invalid/ItemWithNonExistentResourceId_SCORM12.zip")
    issue = next(issue for issue in report.errors if issue.code == "item_resource_missing")
    assert issue.where.item == "item_1" and "non_existent_resource" in issue.message
    assert report.package.first_launch() == "content/item2.html"


def test_prerequisites_and_nested_launch(shared_fixtures):
    package = inspect_package(shared_fixtures / "scorm/valid/PrerequisitesTest_SCORM12.zip").package
    assert [item.prerequisites for item, _depth in package.iter_items()] == [
        "", "module1", "module1 AND module2", "(module1 AND module2) OR module3"]
    assert {item.prerequisites_type for item, _depth in package.iter_items()} == {"aicc_script"}
    nested = inspect_package(shared_fixtures / "scorm/valid/LaunchUrlFromNestedItem_SCORM12.zip").package
    assert nested.first_launch() == "content/topic1.html"
    assert any(depth > 0 for item, depth in nested.iter_items() if nested.launch_url(item))


def test_sequencing_collection_is_merged_into_items(shared_fixtures):
    report = inspect_package(shared_fixtures / "scorm/valid/SequencingForcedSequential_SCORM20043rdEdition.zip")
    package = report.package
    assert report.to_contract()["sequencing"] is True
    assert list(package.sequencing_collection) == ["common_seq_rules"]
    assert package.default_org().sequencing.control_mode.flow is True
    items = {item.identifier: item for item, _depth in package.iter_items()}
    playing = items["playing_item"].sequencing
    assert playing.idref == "common_seq_rules"
    assert playing.delivery_controls.completion_set_by_content is True  # from the collection
    assert playing.rollup_controls.objective_measure_weight == 0
    primary = playing.objectives[0]  # the item's own
    assert primary.primary and primary.objective_id == "playing_satisfied"
    assert primary.maps[0].write_satisfied_status is True
    rule = items["etuqiette_item"].sequencing.rules[0]
    assert (rule.kind, rule.condition_combination, rule.conditions[0].operator) == ("pre", "any", "not")
    assert rule.conditions[0].referenced_objective == "previous_sco_satisfied"


@pytest.mark.parametrize(("folder", "name", "kind"), [("cmi5", "single_au_basic_framed.zip", "cmi5"),
                                                     ("xapi", "basic_course.zip", "xapi")])
def test_cmi5_and_xapi_are_recognised_and_not_imported(shared_fixtures, tmp_path, folder, name, kind):
    report = inspect_package(shared_fixtures / folder / name)
    contract = report.to_contract()
    assert contract["type"] == kind and contract["title"]
    assert [issue.code for issue in report.errors] == [f"type_{kind}"]
    assert "SCORM" in report.errors[0].message and contract["title"] in report.errors[0].message
    assert exit_code(report) == 1
    assert not import_package(shared_fixtures / folder / name, tmp_path / "store").stored
