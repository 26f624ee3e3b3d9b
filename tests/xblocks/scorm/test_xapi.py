"""Our SCORM tracking events through the real event-routing-backends (ERB), as xAPI for Aspects (#10 item 9).

The events are the ones the block really publishes (played on the workbench's recording runtime), put in the shape
the LMS tracker hands to its backends: edx-platform's ``EventPublishingService.publish`` (``xmodule/services.py``)
emits them inside the course context (``course_id``, ``org_id``, ``user_id``) and the handler call adds
``module.usage_key`` and ``module.display_name`` (``lms/djangoapps/courseware/block_render.py``); eventtracking's
``Tracker.emit`` makes ``{"name", "timestamp", "context", "data"}``. They then go through the processors that
ERB's own ``event_tracking_backends_config`` puts on its xAPI backend: the ``NameWhitelistProcessor`` and
``XApiProcessor``, loaded from those dotted paths. Only ERB's two edx-platform look-ups are stood in for:
``get_anonymous_user_id`` (an ``ExternalId`` row of ``openedx/core/djangoapps/external_user_ids``) and
``get_course_from_id`` (a ``CourseOverview``). The events pass through ERB's ``EventsRouter.process_event``, the
step of its ``send`` that runs the processors (the HTTP delivery to the LRS after it is not run).
"""

from __future__ import annotations

import subprocess
import sys
import types
from datetime import UTC, datetime, timedelta

import pytest
from django.utils.module_loading import import_string

from tests.scorm.test_cmi import SCORM_AGAIN_12
from xblocks.scorm import plugin_settings as scorm_settings
from xblocks.scorm import tracking

from .test_commits import SCO_12, commit, launch

erb_settings = pytest.importorskip("event_routing_backends.utils.settings")

LMS = "https://lms.example.edu"
COURSE = "course-v1:MOOCBridge+SCORM101+2025"
USAGE = "block-v1:MOOCBridge+SCORM101+2025+type@mooc_bridge_scorm+block@golf"
UNIT = f"{LMS}/xblock/{USAGE}"
ANONYMOUS = "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb"
ADL = "http://adlnet.gov/expapi/verbs/"


@pytest.fixture
def erb(settings, monkeypatch):
    """ERB installed in the LMS (its app, its defaults from ``plugin_settings``) and our settings applied after it."""
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "event_routing_backends"]  # its ready(), then ours
    from event_routing_backends.processors.xapi import transformer

    settings.LMS_ROOT_URL = LMS
    settings.XAPI_AGENT_IFI_TYPE = "external_id"  # ERB's default
    settings.XAPI_EVENTS_ENABLED = True
    settings.XAPI_EVENT_LOGGING_ENABLED = False
    asked = []
    monkeypatch.setattr(transformer, "get_anonymous_user_id",
                        lambda user, kind: asked.append((user, kind)) or ANONYMOUS)
    monkeypatch.setattr(transformer, "get_course_from_id", lambda course_id: {"display_name": "SCORM 101"})
    lms = types.SimpleNamespace(LMS_ROOT_URL=LMS)
    import_string("event_routing_backends.settings.common.plugin_settings")(lms)
    scorm_settings.plugin_settings(lms)
    return types.SimpleNamespace(settings=lms, router=xapi_router(lms), asked=asked)


def xapi_processors(lms):
    """The processors of ERB's xAPI backend, built from its configuration as eventtracking builds them."""
    xapi = lms.EVENT_TRACKING_BACKENDS["event_transformer"]["OPTIONS"]["backends"]["xapi"]
    return [import_string(spec["ENGINE"])(**spec["OPTIONS"]) for spec in xapi["OPTIONS"]["processors"]]


def xapi_router(lms):
    from event_routing_backends.backends.events_router import EventsRouter

    return EventsRouter(processors=xapi_processors(lms), backend_name="xapi")


def as_lms_event(name, data, when, user_id=42):
    return {"name": name, "timestamp": when, "data": data,
            "context": {"course_id": COURSE, "org_id": "MOOCBridge", "user_id": user_id, "session": "s1",
                        "module": {"usage_key": USAGE, "display_name": "高尔夫课程"}}}


def route(erb, event):
    """The statements ERB's xAPI backend makes of ``event`` (none when the whitelist refuses it)."""
    return erb.router.process_event(event)


def played(scorm):
    """Our events, in order, from a learner's launch, a completed and passed commit, a better score and a finish."""
    block = scorm.block("alice", package_sha256=scorm.shas["12"], weight=2.0)
    launch(scorm, block)
    commit(scorm, block, SCORM_AGAIN_12, seq=1)
    commit(scorm, block, {**SCORM_AGAIN_12, "cmi.core.score.raw": "95"}, seq=2)
    commit(scorm, block, {**SCORM_AGAIN_12, "cmi.core.score.raw": "95"}, seq=3, terminate=True)
    start = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    return [as_lms_event(name, data, start + timedelta(seconds=n))
            for n, (name, data) in enumerate(scorm.events("alice")) if name in tracking.EVENT_NAMES]


def verbs(statements):
    return [s["verb"]["id"].rsplit("/", 1)[-1] for s in statements]


def test_every_event_becomes_the_profiles_statements(scorm, erb):
    statements = [route(erb, event) for event in played(scorm)]
    assert [verbs(s) for s in statements] == [
        ["initialized"], ["launched"],        # attempt.started, launched
        ["completed", "passed", "scored"],    # sco.changed: 85 / completed / passed
        ["earned"], ["completed"],            # scored (the block's grade), completed (the block)
        ["scored"], ["earned"],               # sco.changed: 95, the block's grade again
        ["terminated"],                       # sco.changed: LMSFinish
    ]
    started, launched, changed, earned, completed, better, _regraded, finished = statements
    sco = f"{UNIT}/sco/{SCO_12}"

    assert started[0]["object"] == {"id": UNIT, "objectType": "Activity", "definition": {
        "type": "http://adlnet.gov/expapi/activities/module", "name": {"und": "高尔夫课程"}}}
    assert started[0]["verb"]["id"] == ADL + "initialized"
    assert launched[0]["object"]["id"] == sco
    assert launched[0]["object"]["definition"] == {"type": "http://adlnet.gov/expapi/activities/lesson"}
    assert launched[0]["context"]["extensions"]["https://w3id.org/xapi/cmi5/context/extensions/launchmode"] == "Normal"
    assert launched[0]["context"]["contextActivities"]["grouping"][0]["id"] == UNIT

    completed_sco, passed, scored = changed
    assert completed_sco["result"] == {"completion": True, "success": True, "score": {"scaled": 0.85, "raw": 85.0}}
    assert passed["verb"]["id"] == ADL + "passed" and passed["result"]["success"] is True
    assert scored["result"] == {"score": {"scaled": 0.85, "raw": 85.0}}
    assert {s["object"]["id"] for s in changed} == {sco}
    assert earned[0]["verb"]["id"] == "http://id.tincanapi.com/verb/earned"
    assert earned[0]["object"]["id"] == UNIT
    assert earned[0]["result"] == {"score": {"min": 0.0, "max": 2.0, "raw": 1.7, "scaled": 0.85}}
    assert completed[0]["object"]["id"] == UNIT
    assert completed[0]["result"] == {"completion": True, "score": {"scaled": 0.85}, "extensions": {
        "https://w3id.org/xapi/cmi5/result/extensions/progress": 100}}
    assert better[0]["result"] == {"score": {"scaled": 0.95, "raw": 95.0}}
    assert finished[0]["result"] == {"duration": "PT01M00S"}  # the session's 60 s, as tincan writes ISO 8601


def test_actor_context_and_ids(scorm, erb):
    events = played(scorm)
    statements = [s for event in events for s in route(erb, event)]
    for statement in statements:
        assert statement["actor"] == {"objectType": "Agent", "account": {"homePage": LMS, "name": ANONYMOUS}}
        assert statement["version"] == "1.0.3"
        activities = statement["context"]["contextActivities"]
        assert activities["parent"] == [{"id": f"{LMS}/course/{COURSE}", "objectType": "Activity", "definition": {
            "type": "http://adlnet.gov/expapi/activities/course", "name": {"en-US": "SCORM 101"}}}]
        assert activities["category"] == [{"id": "https://w3id.org/xapi/scorm", "objectType": "Activity"}]
        assert statement["context"]["extensions"]["http://id.tincanapi.com/extension/attempt-id"] == 1
        assert statement["context"]["extensions"]["https://w3id.org/xapi/openedx/extensions/session-id"] == "s1"
    assert {user for user, _kind in erb.asked} == {42}  # the learner of the LMS context, never a name
    # one registration for the whole attempt; one id per statement, the same when the log is transformed again
    assert len({s["context"]["registration"] for s in statements}) == 1
    assert len({s["id"] for s in statements}) == len(statements)
    assert [s["id"] for event in events for s in route(erb, event)] == [s["id"] for s in statements]


def test_a_new_attempt_has_its_own_registration(scorm, erb):
    when = datetime(2025, 3, 1, tzinfo=UTC)
    data = {"package_sha256": "ab" * 32, "scorm_version": "1.2", "attempts_allowed": 0}
    first, second = (route(erb, as_lms_event(tracking.ATTEMPT_STARTED, {**data, "attempt": n}, when))[0]
                     for n in (1, 2))
    assert first["context"]["registration"] != second["context"]["registration"]


def test_aspects_files_them_under_the_course_and_the_grade(scorm, erb):
    """aspects-dbt ``models/base/xapi_events_all_parsed.sql`` and ``models/grading/grading_events.sql``, in Python."""
    statements = [s for event in played(scorm) for s in route(erb, event)]

    def course_id(statement):  # the multiIf of xapi_events_all_parsed
        activities = statement["context"].get("contextActivities", {})
        parent = (activities.get("parent") or [{}])[0]
        if parent.get("definition", {}).get("type") == "http://adlnet.gov/expapi/activities/course":
            return parent["id"]
        if parent.get("objectType") in ("Activity", "GroupActivity"):
            return activities["grouping"][0]["id"]
        return statement["object"]["id"]

    assert {course_id(s).rsplit("/", 1)[-1] for s in statements} == {COURSE}
    graded = [s for s in statements if s["verb"]["id"] in (
        "http://id.tincanapi.com/verb/earned", "https://w3id.org/xapi/acrossx/verbs/evaluated")]
    assert [s["result"]["score"]["scaled"] for s in graded] == [0.85, 0.95]


def test_nothing_for_a_change_that_says_nothing_and_no_private_data(scorm, erb):
    when = datetime(2025, 3, 1, tzinfo=UTC)
    incomplete = {"package_sha256": "ab" * 32, "scorm_version": "2004", "attempt": 1, "sco_id": "intro",
                  "completion_status": "incomplete", "success_status": "unknown", "score_scaled": None,
                  "score_raw": None, "previous_completion_status": "not attempted",
                  "previous_success_status": "unknown", "previous_score_scaled": None, "previous_score_raw": None,
                  "session_ended": False,
                  "session_time_seconds": None, "total_time_seconds": 3.0}
    assert route(erb, as_lms_event(tracking.SCO_CHANGED, incomplete, when)) == []
    text = repr([s for event in played(scorm) for s in route(erb, event)])
    assert "suspend_data" not in text and "lesson_location" not in text and "ab" * 32 not in text


def test_an_event_logged_before_the_previous_fields_counts_as_all_changed(erb):
    old = {"package_sha256": "ab" * 32, "scorm_version": "1.2", "attempt": 1, "sco_id": "a b/c",
           "completion_status": "completed", "success_status": "failed", "score_scaled": 0.4, "score_raw": 40,
           "session_ended": True, "session_time_seconds": 90.5, "total_time_seconds": 90.5}
    statements = route(erb, as_lms_event(tracking.SCO_CHANGED, old, datetime(2024, 1, 1, tzinfo=UTC)))
    assert verbs(statements) == ["completed", "failed", "scored", "terminated"]
    assert statements[1]["result"]["success"] is False
    assert statements[3]["result"]["duration"] == "PT01M30.5S"
    assert statements[0]["object"]["id"] == f"{UNIT}/sco/a%20b%2Fc"


def test_a_raw_score_alone_is_scored_and_an_unweighted_grade_is_scaled_only(erb):
    when = datetime(2025, 3, 1, tzinfo=UTC)
    raw_only = {"attempt": 1, "sco_id": "quiz", "completion_status": "incomplete", "success_status": "unknown",
                "score_scaled": None, "score_raw": 7.0, "previous_completion_status": "incomplete",
                "previous_success_status": "unknown", "previous_score_scaled": None, "previous_score_raw": 5.0,
                "session_ended": False}
    assert [s["result"] for s in route(erb, as_lms_event(tracking.SCO_CHANGED, raw_only, when))] == [
        {"score": {"raw": 7.0}}]
    same = {**raw_only, "previous_score_raw": 7.0}
    assert route(erb, as_lms_event(tracking.SCO_CHANGED, same, when)) == []
    unweighted = {"attempt": 1, "score_scaled": 0.5, "score_raw": 0.0, "max_score": 0.0}
    assert route(erb, as_lms_event(tracking.SCORED, unweighted, when))[0]["result"] == {"score": {"scaled": 0.5}}


def test_the_whitelist_passes_ours_and_still_refuses_others(erb):
    when = datetime(2025, 3, 1, tzinfo=UTC)
    assert route(erb, as_lms_event("edx.mooc_bridge.scorm.unknown", {"attempt": 1}, when)) == []
    assert len(route(erb, as_lms_event(tracking.ATTEMPT_STARTED, {"attempt": 1}, when))) == 1
    for name in tracking.EVENT_NAMES:
        assert name in erb.settings.EVENT_BUS_TRACKING_LOGS
        assert name in erb.settings.EVENT_TRACKING_BACKENDS_ALLOWED_XAPI_EVENTS
    outer = erb.settings.EVENT_TRACKING_BACKENDS["event_transformer"]["OPTIONS"]["processors"][0]["OPTIONS"]
    assert set(tracking.EVENT_NAMES) <= set(outer["whitelist"])


@pytest.mark.parametrize("ours_first", [True, False])
def test_our_settings_work_before_or_after_erbs(ours_first):
    erb_common = import_string("event_routing_backends.settings.common.plugin_settings")
    lms = types.SimpleNamespace(LMS_ROOT_URL=LMS)
    for apply in ([scorm_settings.plugin_settings, erb_common] if ours_first else
                  [erb_common, scorm_settings.plugin_settings]):
        apply(lms)
    xapi = xapi_processors(lms)[0]
    assert set(tracking.EVENT_NAMES) <= set(xapi.whitelist)
    assert "problem_check" in xapi.whitelist  # ERB's own are kept
    assert set(tracking.EVENT_NAMES) <= lms.EVENT_BUS_TRACKING_LOGS
    assert lms.EVENT_TRACKING_BACKENDS_ALLOWED_XAPI_EVENTS.count(tracking.LAUNCHED) == 1
    caliper = lms.EVENT_TRACKING_BACKENDS["event_transformer"]["OPTIONS"]["backends"]["caliper"]
    assert tracking.LAUNCHED not in caliper["OPTIONS"]["processors"][0]["OPTIONS"]["whitelist"]  # no Caliper form


@pytest.mark.parametrize("settings_type", ["common", "production"])
def test_in_the_lms_plugin_settings_run(settings_type):
    """edx-django-utils' ``add_plugins`` over the installed ``lms.djangoapp`` entry points (ERB's and ours), in
    their discovery order, as lms/envs/common.py and then production.py run them."""
    plugins = pytest.importorskip("edx_django_utils.plugins")
    from edx_django_utils.plugins.registry import DjangoAppRegistry

    module = types.ModuleType("xapi_plugin_test_settings")
    module.LMS_ROOT_URL, module.ENV_TOKENS = LMS, {}
    sys.modules[module.__name__] = module
    DjangoAppRegistry.get_available_plugins.cache_clear()
    try:
        apps = plugins.get_plugin_apps("lms.djangoapp")
        assert {"event_routing_backends.apps.EventRoutingBackendsConfig",
                "xblocks.scorm.apps.ScormPlayerConfig"} <= set(apps)
        for kind in dict.fromkeys(["common", settings_type]):
            plugins.add_plugins(module.__name__, "lms.djangoapp", kind)
    finally:
        del sys.modules[module.__name__]
        DjangoAppRegistry.get_available_plugins.cache_clear()
    assert set(tracking.EVENT_NAMES) <= set(xapi_processors(module)[0].whitelist)
    assert set(tracking.EVENT_NAMES) <= set(module.EVENT_BUS_TRACKING_LOGS)


def test_an_operator_can_keep_them_out():
    lms = types.SimpleNamespace(LMS_ROOT_URL=LMS, MOOC_BRIDGE_SCORM_XAPI=False)
    scorm_settings.plugin_settings(lms)
    import_string("event_routing_backends.settings.common.plugin_settings")(lms)
    assert tracking.LAUNCHED not in xapi_processors(lms)[0].whitelist


def test_without_erb_the_lists_are_made_and_nothing_is_imported():
    lms = types.SimpleNamespace()
    scorm_settings.plugin_settings(lms)
    assert lms.EVENT_TRACKING_BACKENDS_ALLOWED_XAPI_EVENTS == list(tracking.EVENT_NAMES)
    assert not hasattr(lms, "EVENT_BUS_TRACKING_LOGS") and not hasattr(lms, "EVENT_TRACKING_BACKENDS")
    # the app (without ERB among the installed apps) never imports the transformers, which need ERB's models
    code = ("import django, sys; django.setup(); from django.apps import apps; "
            "assert apps.is_installed('xblocks.scorm'); print('xblocks.scorm.xapi' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"DJANGO_SETTINGS_MODULE": "xblocks.workbench.settings", "PATH": "/usr/bin"})
    assert out.stdout.strip() == "False"


def test_the_app_declares_its_lms_settings():
    from xblocks.scorm.apps import ScormPlayerConfig

    assert ScormPlayerConfig.plugin_app["settings_config"] == {"lms.djangoapp": {
        "common": {"relative_path": "plugin_settings"}, "production": {"relative_path": "plugin_settings"}}}
