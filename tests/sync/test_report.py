"""Reports: JSON content, and an HTML page with an inline chart where hostile names stay text."""

import json

import pytest

from adapters.records import Person
from sync.report import from_journal, render_html, write_report
from sync.runner import SyncOptions, run_sync

from .memory import MemorySource, MemoryTarget, person, score

pytestmark = pytest.mark.django_db(transaction=True)

HOSTILE = '<script>alert("x")</script>&<img src=x onerror=alert(1)>'


def make_run(**options):
    people = [Person(student_number="1", username="a"), Person(student_number="2", username="b")]
    target = MemoryTarget([score(people[0], 55), score(people[1], 95, overridden=True)], people=people)
    source = MemorySource([score(person("1", HOSTILE), 85), score(person("2", "乙"), 50),
                           score(person("3", "丙"), 70),
                           score(person("4", "丁"), 70, item="a"), score(person("4", "丁丁"), 71, item="b")])
    return run_sync("grades", source, target, SyncOptions(**options)), target


def test_json_report_has_counts_review_unmatched_changes_and_distribution(tmp_path):
    run, _target = make_run()
    data = from_journal(run)
    assert data["counts"]["planned"] == 1 and data["counts"]["held"] == 1
    assert [p["student_number"] for p in data["unmatched"]] == ["3"]
    assert [case["reason"] for case in data["review"]] == ["source_duplicate"]
    assert "丁" in data["review"][0]["message"] or "4" in data["review"][0]["message"]
    states = {(e["subject"].split(" · ")[0], e["state"], e["reason"]) for e in data["changes"]}
    assert states == {("1", "done", "grade_changed"), ("2", "skipped", "target_overridden")}
    hw1 = data["distribution"]["items"]["hw1"]
    assert hw1["before"] == [1, 0, 0, 0, 1, 0] and hw1["after"] == [0, 0, 0, 1, 1, 0]
    path = write_report(data, tmp_path / "r.json")
    assert json.loads(path.read_text(encoding="utf-8"))["run"]["id"] == run.pk


def test_dry_run_report_projects_the_distribution():
    run, target = make_run(dry_run=True)
    data = run.report_data
    assert data["distribution"]["projected"] is True
    assert data["distribution"]["items"]["hw1"]["after"] == [0, 0, 0, 1, 1, 0]
    assert target.write_calls == 0


def test_html_escapes_hostile_names_and_needs_nothing_external(tmp_path):
    run, _target = make_run()
    html = render_html(from_journal(run))
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<svg" in html and html.count("<rect") == 12
    assert "src=" not in html.replace("src=x", "") and "<link" not in html
    write_report(from_journal(run), tmp_path / "r.html")
    assert (tmp_path / "r.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_html_is_translated(settings):
    from django.utils import translation

    run, _target = make_run()
    with translation.override("zh-hans"):
        html = render_html(from_journal(run))
    assert "同步报告" in html and 'lang="zh-CN"' in html


def test_left_out_records_are_counted_only_when_there_are_some():
    run, _target = make_run()
    data = from_journal(run)
    assert "left out" not in render_html(data)
    data["counts"]["outside_target"] = 3
    page = render_html(data)
    assert "left out: the target holds course grades only" in page
