"""The launcher's table of contents: hideLMSUI in force per item (its own and its clusters'), each item's state."""

from __future__ import annotations

from scorm.attempts import LearnerRecord, apply_commit
from scorm.manifest import parse_manifest
from tests.e2e.test_scorm_player_ui_browser import MANIFEST_12, MANIFEST_2004
from xblocks.scorm import learner, player_page
from xblocks.scorm.package import table_of_contents


def test_hidden_controls_merge_the_clusters_and_keep_the_spec_order():
    package, _issues = parse_manifest(MANIFEST_2004.encode())
    hidden = player_page.hidden_controls(package)
    assert hidden["a"] == [] and hidden["d"] == []
    assert hidden["grp"] == ["previous"] and hidden["b"] == ["previous"]  # from its cluster
    assert hidden["c"] == ["previous", "continue", "exitAll"]


def test_item_states_read_the_attempt():
    package, _issues = parse_manifest(MANIFEST_12.format(name="t", title="T").encode())
    record = LearnerRecord()
    attempt = record.start_attempt()
    apply_commit(attempt, "one", 1, {"cmi.core.lesson_status": "completed"}, version=package.version)
    apply_commit(attempt, "two", 1, {"cmi.core.lesson_status": "failed"}, version=package.version)
    states = player_page.item_states(attempt, package, ["one", "two"], learner.Settings())
    assert states == {"one": "completed", "two": "failed"}
    assert player_page.item_states(None, package, ["one"], learner.Settings()) == {}
    entries = player_page.items(table_of_contents(package), package, attempt, ["one", "two"], learner.Settings(),
                                lambda path: "/files/" + path)
    assert [(e["id"], e["url"], e["state"], e["hide"]) for e in entries] == [
        ("one", "/files/sco.html?n=1", "completed", []), ("two", "/files/sco.html?n=2", "failed", [])]
