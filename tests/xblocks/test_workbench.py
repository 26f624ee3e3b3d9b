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
