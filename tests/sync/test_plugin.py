"""The Open edX plugin contract of the sync app, loaded by edx-django-utils' own plugin code, and the schedules setting.

The entry point is declared by a throw-away ``*.dist-info`` on ``sys.path`` (the same line setup.cfg has), so
edx-django-utils finds ``sync.apps:SyncConfig`` through stevedore exactly as the LMS does, without
installing this project.
"""

from __future__ import annotations

import sys
import types
from datetime import timedelta

import pytest
from django.urls import resolve, reverse

from sync.apps import SyncConfig
from sync.plugin_settings import DEFAULTS, plugin_settings
from sync.schedule import BEAT_PREFIX, SCHEDULED_TASK, ScheduleError, beat_entries, find_schedule, parse_schedules

ENTRY_POINT = "mooc_bridge_sync = sync.apps:SyncConfig"

NIGHTLY = {"name": "jw-nightly", "kind": "grades", "from": "openedx:https://lms.example.edu?course=course-v1:A+B+C",
           "to": "xlsx:/data/jw.xlsx?profile=zhengfang", "options": {"force": True, "match": "email"},
           "crontab": "30 2 * * 1-5"}
HOURLY = {"name": "roster-hourly", "kind": "roster", "from": "csv:/data/roster.csv",
          "to": "openedx:https://lms.example.edu", "every": 3600}


@pytest.fixture
def edx_plugins(tmp_path, monkeypatch):
    """edx-django-utils' plugin functions, seeing our ``lms.djangoapp`` entry point."""
    plugins = pytest.importorskip("edx_django_utils.plugins")
    from edx_django_utils.plugins.registry import DjangoAppRegistry

    dist = tmp_path / "mooc_bridge_plugin_test-0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: mooc-bridge-plugin-test\nVersion: 0\n")
    (dist / "entry_points.txt").write_text(f"[lms.djangoapp]\n{ENTRY_POINT}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    DjangoAppRegistry.get_available_plugins.cache_clear()
    yield plugins
    DjangoAppRegistry.get_available_plugins.cache_clear()


def test_plugin_app_is_plain_strings_in_the_edx_django_utils_shape():
    config = SyncConfig.plugin_app
    assert set(config) == {"url_config", "settings_config"}
    urls = {project: {k: v for k, v in value.items() if k != "app_name"}  # edx-django-utils adds app_name
            for project, value in config["url_config"].items()}
    assert urls == {"lms.djangoapp": {"namespace": "mooc_bridge_sync",
                                                      "regex": r"^api/mooc-bridge/sync/", "relative_path": "urls"}}
    assert config["settings_config"] == {"lms.djangoapp": {"common": {"relative_path": "plugin_settings"},
                                                           "production": {"relative_path": "plugin_settings"}}}
    assert "edx_django_utils" not in sys.modules["sync.apps"].__dict__


def test_the_lms_finds_the_app_through_the_entry_point(edx_plugins):
    assert "sync.apps.SyncConfig" in edx_plugins.get_plugin_apps("lms.djangoapp")
    assert "sync.apps.SyncConfig" not in edx_plugins.get_plugin_apps("cms.djangoapp")


def test_the_lms_mounts_the_progress_url(edx_plugins, settings, admin_client):
    module = types.ModuleType("plugin_test_urls")
    module.urlpatterns = edx_plugins.get_plugin_url_patterns("lms.djangoapp")
    sys.modules[module.__name__] = module
    settings.ROOT_URLCONF = module.__name__
    try:
        url = reverse("mooc_bridge_sync:run_progress", kwargs={"run_id": 7})
        assert url == "/api/mooc-bridge/sync/runs/7/progress"
        assert resolve(url).func.__name__ == "run_progress"
        answer = admin_client.get(url)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "no_such_run"
    finally:
        del sys.modules[module.__name__]


@pytest.mark.parametrize("settings_type", ["common", "production"])
def test_the_lms_settings_get_defaults_and_beat_entries(edx_plugins, settings_type):
    module = types.ModuleType("plugin_test_settings")
    # what every LMS settings module has, read by the other installed plugins' settings (event-routing-backends')
    module.LMS_ROOT_URL, module.ENV_TOKENS = "https://lms.example.edu", {}
    module.MOOC_BRIDGE_SYNC_SCHEDULES = [NIGHTLY]
    module.MOOC_BRIDGE_SYNC_QUEUE = "edx.lms.core.high_mem"
    module.CELERYBEAT_SCHEDULE = {"other": {"task": "x", "schedule": 60}}
    sys.modules[module.__name__] = module
    try:
        # as the LMS runs them: production.py starts from what common.py (and its plugin settings) made
        for kind in dict.fromkeys(["common", settings_type]):
            edx_plugins.add_plugins(module.__name__, "lms.djangoapp", kind)
    finally:
        del sys.modules[module.__name__]
    assert module.MOOC_BRIDGE_SYNC_CHUNK_SIZE == DEFAULTS["MOOC_BRIDGE_SYNC_CHUNK_SIZE"]
    assert module.MOOC_BRIDGE_SYNC_QUEUE == "edx.lms.core.high_mem"  # the operator's value is kept
    entry = module.CELERYBEAT_SCHEDULE[BEAT_PREFIX + "jw-nightly"]
    assert entry["task"] == SCHEDULED_TASK and entry["args"] == ("jw-nightly",)
    assert entry["options"] == {"queue": "edx.lms.core.high_mem"}
    assert "other" in module.CELERYBEAT_SCHEDULE
    assert "lms.example.edu" not in repr(module.CELERYBEAT_SCHEDULE)  # no SPEC travels in the beat schedule


def test_a_bad_schedule_does_not_stop_the_lms_and_is_reported_by_check(caplog, settings):
    module = types.SimpleNamespace(MOOC_BRIDGE_SYNC_SCHEDULES=[{**HOURLY, "every": 5}])
    plugin_settings(module)
    assert not getattr(module, "CELERYBEAT_SCHEDULE", {})
    assert "not used" in caplog.text
    from django.core import checks

    settings.MOOC_BRIDGE_SYNC_SCHEDULES = [{**HOURLY, "every": 5}, {**NIGHTLY, "crontab": "61 * * * *"}]
    errors = [e for e in checks.run_checks() if e.id == "mooc_bridge_sync.E001"]
    assert len(errors) == 2 and all(e.obj == "MOOC_BRIDGE_SYNC_SCHEDULES" for e in errors)


def test_schedules_become_crontab_and_interval_entries():
    from celery.schedules import crontab

    entries = beat_entries([NIGHTLY, HOURLY])
    assert set(entries) == {BEAT_PREFIX + "jw-nightly", BEAT_PREFIX + "roster-hourly"}
    nightly = entries[BEAT_PREFIX + "jw-nightly"]["schedule"]
    assert isinstance(nightly, crontab) and nightly.hour == {2} and nightly.minute == {30}
    assert nightly.day_of_week == {1, 2, 3, 4, 5}
    assert entries[BEAT_PREFIX + "roster-hourly"]["schedule"] == timedelta(hours=1)
    assert "options" not in entries[BEAT_PREFIX + "roster-hourly"]
    schedule = find_schedule([NIGHTLY, HOURLY], "jw-nightly")
    assert schedule.options == {"force": True, "match": ["email"]}
    assert schedule.source.startswith("openedx:https://lms.example.edu")


@pytest.mark.parametrize(("entry", "code"), [
    ({**NIGHTLY, "name": "bad name!"}, "bad_name"),
    ({**NIGHTLY, "kind": "courses"}, "bad_kind"),
    ({**NIGHTLY, "to": "xlsx:/x.xlsx?token=abc"}, "secret_in_spec"),
    ({**NIGHTLY, "from": "ftp:/x"}, "unknown_scheme"),
    ({**NIGHTLY, "every": 3600}, "bad_when"),
    ({k: v for k, v in NIGHTLY.items() if k != "crontab"}, "bad_when"),
    ({**NIGHTLY, "crontab": "30 2 * *"}, "bad_crontab"),
    ({**NIGHTLY, "crontab": "30 25 * * *"}, "bad_crontab"),
    ({**HOURLY, "every": 10}, "bad_when"),
    ({**HOURLY, "every": True}, "bad_when"),
    ({**HOURLY, "options": {"password": "x"}}, "bad_options"),
    ({**HOURLY, "options": {"workers": 0}}, "bad_options"),
    ({**HOURLY, "options": ["force"]}, "bad_options"),
    ({**HOURLY, "credentials": "x"}, "bad_schedule"),
    ("roster", "bad_schedule"),
])
def test_bad_schedules_are_refused_with_a_code(entry, code):
    with pytest.raises(ScheduleError) as caught:
        parse_schedules([entry])
    assert caught.value.code == code and caught.value.message


def test_the_setting_must_be_a_list_with_unique_names():
    with pytest.raises(ScheduleError) as caught:
        parse_schedules([NIGHTLY, NIGHTLY])
    assert caught.value.code == "duplicate"
    for value in ("jw-nightly", NIGHTLY, 3):
        with pytest.raises(ScheduleError):
            parse_schedules(value)
    assert parse_schedules(None) == [] and parse_schedules([]) == []
    with pytest.raises(ScheduleError) as caught:
        find_schedule([HOURLY], "jw-nightly")
    assert caught.value.code == "no_such_schedule"


def test_beat_adds_schedules_set_after_the_settings_hook(settings):
    from celery import Celery
    from celery.beat import Scheduler

    from sync.tasks import _add_schedules

    settings.MOOC_BRIDGE_SYNC_SCHEDULES = [HOURLY]
    scheduler = Scheduler(app=Celery("beat-test", set_as_current=False), lazy=True)
    scheduler.schedule.clear()
    _add_schedules(sender=types.SimpleNamespace(scheduler=scheduler))
    assert scheduler.schedule[BEAT_PREFIX + "roster-hourly"].args == ("roster-hourly",)
