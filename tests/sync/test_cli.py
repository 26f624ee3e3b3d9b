"""``mooc-bridge sync``: exit codes, dry run, JSON and HTML reports, runs and resume, SPEC parsing."""

import json

import pytest

from sync import cli, specs
from sync.models import SyncRun
from sync.specs import SpecError, parse_spec

from .memory import _dump, person, score


@pytest.fixture
def mem(monkeypatch, tmp_path):
    monkeypatch.setitem(specs.SCHEMES, "memsrc", ("tests.sync.memory", "MemorySource"))
    monkeypatch.setitem(specs.SCHEMES, "memtgt", ("tests.sync.memory", "MemoryTarget"))
    source, target = tmp_path / "source.json", tmp_path / "target.json"
    _dump(source, [score(person("001", "张三"), 88), score(person("002", "李四"), 61)])
    _dump(target, [])
    return source, target


def read_target(path):
    return {row["person"]["student_number"]: row["value"] for row in json.loads(path.read_text(encoding="utf-8"))}


@pytest.mark.django_db(transaction=True)
def test_grades_run_writes_prints_and_reports(mem, tmp_path, capsys):
    source, target = mem
    report = tmp_path / "report.html"
    code = cli.main(["grades", "--from", f"memsrc:{source}", "--to", f"memtgt:{target}?closed=0",
                     "--report", str(report)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert read_target(target) == {"001": 88, "002": 61}
    assert "<svg" in report.read_text(encoding="utf-8") and str(report) in out
    assert cli.main(["grades", "--from", f"memsrc:{source}", "--to", f"memtgt:{target}?closed=0", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["counts"]["unchanged"] == 2 and data["changes"] == []


@pytest.mark.django_db(transaction=True)
def test_dry_run_changes_nothing_and_prints_the_plan(mem, capsys):
    source, target = mem
    code = cli.main(["grades", "--from", f"memsrc:{source}", "--to", f"memtgt:{target}?closed=0", "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0 and read_target(target) == {}
    assert "001 · 张三" in out and "no grade in the target" in out


@pytest.mark.django_db(transaction=True)
def test_runs_lists_and_resume_of_a_dry_run_is_refused(mem, capsys):
    source, target = mem
    cli.main(["grades", "--from", f"memsrc:{source}", "--to", f"memtgt:{target}", "--dry-run"])
    capsys.readouterr()
    assert cli.main(["runs", "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)
    assert [r["dry_run"] for r in runs] == [True]
    assert cli.main(["resume", str(runs[0]["id"])]) == 1
    assert "dry run" in capsys.readouterr().err
    assert cli.main(["resume", "99999"]) == 2


@pytest.mark.django_db(transaction=True)
def test_failed_operations_exit_1_and_are_named(mem, monkeypatch, capsys):
    from .memory import MemoryTarget

    source, target = mem
    original = MemoryTarget.write

    def refuse_002(self, stream, changes):
        self.fail = {("002", "C1", "hw1")}
        return original(self, stream, changes)

    monkeypatch.setattr(MemoryTarget, "write", refuse_002)
    code = cli.main(["grades", "--from", f"memsrc:{source}", "--to", f"memtgt:{target}?closed=0"])
    out = capsys.readouterr().out
    assert code == 1 and "002 · 李四 · hw1: refused by target" in out
    assert SyncRun.objects.get().status == "failed"


@pytest.mark.parametrize("argv", [
    [], ["grades"], ["grades", "--from", "x.xlsx"], ["bogus"], ["resume", "notanumber"],
])
def test_usage_errors_exit_2(argv, capsys):
    assert cli.main(argv) == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("spec", "code"), [
    ("ftp:somewhere", 2), ("https://lms.example.edu", 2), ("openedx:https://x?client_secret=abc", 2),
    ("memtgt:/nonexistent/file.json", 2),
])
def test_bad_specs_and_unreadable_input_have_clear_errors(mem, spec, code, capsys):
    source, _target = mem
    assert cli.main(["grades", "--from", f"memsrc:{source}", "--to", spec]) == code
    err = capsys.readouterr().err
    assert err.startswith("mooc-bridge sync: ") and "Traceback" not in err


def test_bad_match_key_is_a_usage_error(mem, capsys):
    source, target = mem
    assert cli.main(["grades", "--from", f"memsrc:{source}", "--to", f"memtgt:{target}", "--match", "name"]) == 2


def test_spec_parsing_keeps_course_keys_and_percent_decodes():
    spec = parse_spec("openedx:https://lms.example.edu?course=course-v1:Org+C101+2025_T1&page%20size=50")
    assert (spec.scheme, spec.location) == ("openedx", "https://lms.example.edu")
    assert spec.options == {"course": "course-v1:Org+C101+2025_T1", "page size": "50"}
    assert parse_spec("成绩 2025.xlsx?profile=icourse163").scheme == "xlsx"
    assert parse_spec("C:/data/roster.csv").location == "C:/data/roster.csv"
    assert str(parse_spec("xlsx:a.xlsx?profile=x")) == "xlsx:a.xlsx?profile=x"


@pytest.mark.parametrize("text", ["", "ftp:x", "openedx:", "x.txt", "xlsx:a.xlsx?novalue", "csv:a.csv?api_key=1"])
def test_bad_specs_raise_spec_error(text):
    with pytest.raises(SpecError):
        parse_spec(text)


def test_standalone_command_uses_its_own_sqlite_journal(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(MOOC_BRIDGE_HOME=str(tmp_path), MOOC_BRIDGE_LANGUAGE="zh_CN")
    done = subprocess.run([sys.executable, "-m", "xblocks.cli", "sync", "runs"], capture_output=True, text=True,
                          env=env, cwd=specs.Path(specs.__file__).parent.parent, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "还没有同步记录" in done.stdout and (tmp_path / "sync.db").exists()


@pytest.mark.django_db(transaction=True)
def test_zh_cn_output_names_the_kind_action_and_status_in_chinese(mem, capsys):
    from django.utils import translation

    source, target = mem
    with translation.override("zh-hans"):
        cli.main(["grades", "--from", f"memsrc:{source}", "--to", f"memtgt:{target}?closed=0", "--dry-run"])
        plan = capsys.readouterr().out
        assert cli.main(["runs"]) == 0
        runs = capsys.readouterr().out
    assert "：成绩，已完成" in plan and "  新增 001 · 张三" in plan, plan
    assert " grades " not in runs and " done " not in runs and "成绩" in runs and "已完成" in runs, runs
