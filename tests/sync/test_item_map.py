"""``--item-map`` against the fake Open edX: subsections named by display name or short id; what cannot be
resolved refuses the run, dry or not, before anything is written (sync.item_map, adapters.openedx.items)."""

from __future__ import annotations

import pytest

from sync import cli
from sync.models import SyncRun
from tests.fakes.openedx_server import FakeOpenEdx

from .memory import _dump, person, score

COURSE = "course-v1:PKU+C101+2025_T1"
KEY = "block-v1:PKU+C101+2025_T1+type@sequential+block@{}"


@pytest.fixture
def lms(monkeypatch):
    monkeypatch.setenv("MOOC_BRIDGE_OPENEDX_CLIENT_ID", "mooc-bridge")
    monkeypatch.setenv("MOOC_BRIDGE_OPENEDX_CLIENT_SECRET", "s3cret")
    monkeypatch.setenv("MOOC_BRIDGE_LANGUAGE", "en")
    with FakeOpenEdx() as server:
        server.state.add_course(COURSE, "高等数学", [("quiz1", "期中测验", 100), ("quiz2", "期中测验", 100),
                                                    ("exam", "期末考试", 100, "Exam"), ("intro", "课程介绍", 0)],
                                weights={"Homework": 0.5, "Exam": 0.5})
        server.state.waffle_flag("grades.writable_gradebook", COURSE)  # off by default, as in Open edX
        server.state.courses[COURSE].subsections[KEY.format("intro")].graded = False
        server.add_learners(COURSE, 2)  # s00001, s00002 with 学号 2025000001, 2025000002 (external_user_key)
        yield server
    assert server.errors == []


@pytest.fixture
def source(monkeypatch, tmp_path):
    from sync import specs

    monkeypatch.setitem(specs.SCHEMES, "memsrc", ("tests.sync.memory", "MemorySource"))
    path = tmp_path / "source.json"
    _dump(path, [score(person("2025000001", "张三"), 88, item="期中成绩", max_score=100, scale="points"),
                 score(person("2025000002", "李四"), 61, item="期中成绩", max_score=100, scale="points")])
    return f"memsrc:{path}"


def sync(lms: FakeOpenEdx, source: str, *args: str) -> int:
    return cli.main(["grades", "--from", source, "--to", f"openedx:{lms.url}?course={COURSE}&rate=0", *args])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("dry", [True, False])
def test_a_display_name_of_two_subsections_is_refused_naming_both(lms, source, capsys, dry):
    code = sync(lms, source, "--item-map", "期中成绩=期中测验", *(["--dry-run"] if dry else []))
    err = capsys.readouterr().err
    assert code == 1
    assert "'期中测验' fits 2 graded subsections" in err and "期中测验 (quiz1), 期中测验 (quiz2)" in err
    assert "Traceback" not in err
    assert lms.traffic.writes == [] and SyncRun.objects.count() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", ["期中", "课程介绍", KEY.format("nope")])
def test_the_dry_run_refuses_an_item_it_cannot_resolve(lms, source, capsys, name):
    code = sync(lms, source, "--item-map", f"期中成绩={name}", "--dry-run")
    err = capsys.readouterr().err
    assert code == 1 and f"{name!r} is no graded subsection of {COURSE}" in err
    assert "期末考试 (exam)" in err and "课程介绍 (intro)" not in err
    assert lms.traffic.writes == [] and SyncRun.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_an_unmapped_source_item_is_refused_too(lms, source, capsys):
    assert sync(lms, source, "--dry-run") == 1
    assert "'期中成绩' is no graded subsection" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_the_refusal_is_translated(lms, source, capsys):
    from django.utils import translation

    with translation.override("zh-hans"):  # in process the Django language wins over MOOC_BRIDGE_LANGUAGE
        assert sync(lms, source, "--item-map", "期中成绩=期中", "--dry-run") == 1
    err = capsys.readouterr().err
    assert "没有写入任何内容" in err and "is no graded subsection" not in err


@pytest.mark.django_db(transaction=True)
def test_a_short_id_writes_where_the_dry_run_said(lms, source, capsys):
    assert sync(lms, source, "--item-map", "期中成绩=quiz2", "--dry-run") == 0
    planned = capsys.readouterr().out
    assert planned.count(KEY.format("quiz2")) == 2 and lms.traffic.writes == []
    assert sync(lms, source, "--item-map", "期中成绩=quiz2") == 0  # matched by the 学号 Open edX knows
    assert [(e[3], e[4]) for e in lms.traffic.effects()] == [(KEY.format("quiz2"), 88), (KEY.format("quiz2"), 61)]
    assert lms.state.subsection_score("s00001", KEY.format("quiz2")) == (88.0, 100.0)
    assert lms.state.override("s00001", KEY.format("quiz1")) is None
