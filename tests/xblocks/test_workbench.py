"""The workbench demo runtime records what blocks publish, and serves it as JSON."""

import pytest
import workbench.views
from xblock.core import XBlock
from xblock.fields import ScopeIds

from xblocks.workbench.models import PublishedEvent
from xblocks.workbench.runtime import RecordingWorkbenchRuntime


def test_sdk_views_use_the_recording_runtime():
    assert workbench.views.WorkbenchRuntime is RecordingWorkbenchRuntime


@pytest.mark.django_db
def test_publish_is_recorded_and_listed(client):
    runtime = RecordingWorkbenchRuntime("learner-1")
    block = XBlock(runtime, scope_ids=ScopeIds("learner-1", "demo_block", "def-1", "usage-1"))
    runtime.publish(block, "grade", {"value": 3, "max_value": 4})

    event = PublishedEvent.objects.get()
    assert (event.student_id, event.usage_id, event.event_type) == ("learner-1", "usage-1", "grade")
    assert event.data == {"value": 3, "max_value": 4}

    payload = client.get("/mooc-bridge/events/?format=json&student=learner-1&type=grade").json()
    assert [e["data"] for e in payload["events"]] == [{"value": 3, "max_value": 4}]
    assert client.get("/mooc-bridge/events/?format=json&student=someone-else").json() == {"events": []}


@pytest.mark.django_db
def test_lang_query_switches_and_sticks(client):
    from django.conf import settings

    response = client.get("/mooc-bridge/events/?lang=zh-cn")
    assert response.status_code == 200
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert client.get("/mooc-bridge/events/?lang=xx-nonsense").cookies.get(settings.LANGUAGE_COOKIE_NAME) is None


def _text(response) -> str:
    import lxml.html

    return " ".join(lxml.html.document_fromstring(response.content.decode()).text_content().split())


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/mooc-bridge/events/", "/scenario/mooc_bridge_embed.0/"])
def test_workbench_pages_speak_the_chosen_language(client, path):
    english = client.get(path + "?lang=en")
    chinese = client.get(path + "?lang=zh-cn")
    assert english.status_code == chinese.status_code == 200
    assert '<html lang="en">' in english.content.decode()
    assert '<html lang="zh-hans">' in chinese.content.decode()
    words = {"/": ("demo scenarios", "演示场景"), "/mooc-bridge/events/": ("Published events", "已发布的事件"),
             "/scenario/mooc_bridge_embed.0/": ("What the LMS would record", "LMS 将记录的内容")}[path]
    assert words[0] in _text(english) and words[1] not in _text(english)
    assert words[1] in _text(chinese) and words[0] not in _text(chinese)


@pytest.mark.django_db
def test_index_lists_translated_scenarios_and_says_how_to_act_as_staff(client):
    chinese = _text(client.get("/?lang=zh-cn"))
    assert "嵌入：视频播放器" in chinese and "Embed: video players" not in chinese
    english = _text(client.get("/?lang=en"))
    assert "?student=staff" in english and "?student=NAME" in english


@pytest.mark.django_db
def test_scenario_page_links_the_studio_editor_as_staff_and_keeps_the_learner(client):
    page = client.get("/scenario/mooc_bridge_embed.0/?student=bob&lang=en").content.decode()
    assert 'href="/scenario/mooc_bridge_embed.0/studio_view/?student=staff"' in page
    assert 'href="/scenario/mooc_bridge_embed.0/?student=bob"' in page
    assert 'href="?student=bob&amp;lang=zh-cn"' in page
    assert "/static/mooc_bridge/notify.js" in page and 'id="mb-notify"' in page
