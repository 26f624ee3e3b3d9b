"""Completion as the author chose it: once, only for the chosen trigger, recorded as the LMS would."""

import json

import pytest
from webob import Request
from xblock.fields import ScopeIds

from xblocks.embed.block import PlatformResourceBlock

from .support import BILIBILI, ICOURSE, build_block, call_complete


def test_the_block_declares_custom_completion_and_no_score():
    assert PlatformResourceBlock.has_custom_completion is True
    assert PlatformResourceBlock.completion_mode == "completable"
    assert PlatformResourceBlock.has_score is False


@pytest.mark.parametrize("trigger", ["view", "link", "manual"])
def test_the_chosen_trigger_completes_once(trigger):
    block = build_block(url=ICOURSE, completion_trigger=trigger)
    assert call_complete(block, {"trigger": trigger}) == (200, {"completed": True})
    assert call_complete(block, {"trigger": trigger}) == (200, {"completed": True})
    assert block.runtime.published == [("completion", {"completion": 1.0})]
    assert block.completed is True


@pytest.mark.parametrize(("chosen", "other"), [("link", "view"), ("manual", "view"), ("manual", "link"),
                                                ("view", "manual")])
def test_another_trigger_does_not_complete(chosen, other):
    block = build_block(url=ICOURSE, completion_trigger=chosen)
    assert call_complete(block, {"trigger": other}) == (200, {"completed": False})
    assert block.runtime.published == []


@pytest.mark.parametrize("body", [{"trigger": "grade"}, {}, [1, 2], {"trigger": ["view"]}, b"not json"])
def test_bad_requests_are_refused_and_change_nothing(body, english):
    block = build_block(url=ICOURSE)
    status, _payload = call_complete(block, body)
    assert status == 400
    assert block.runtime.published == [] and block.completed is False


def test_only_post_is_accepted():
    block = build_block(url=BILIBILI)
    response = block.runtime.handle(block, "complete", Request.blank("/", method="GET"))
    assert response.status_code == 405
    assert block.runtime.published == []


@pytest.mark.django_db
def test_completion_is_recorded_per_block_by_the_workbench_runtime():
    from xblocks.workbench.models import PublishedEvent
    from xblocks.workbench.runtime import RecordingWorkbenchRuntime

    runtime = RecordingWorkbenchRuntime("learner-7")
    blocks = []
    for n, trigger in enumerate(["view", "manual"]):
        block = runtime.construct_xblock_from_class(
            PlatformResourceBlock, ScopeIds("learner-7", "mooc_bridge_embed", f"embedtest.mooc_bridge_embed.d{n}",
                                                    f"embedtest.mooc_bridge_embed.d{n}.u{n}"))
        block.url, block.completion_trigger = BILIBILI, trigger
        block.save()
        blocks.append(block)

    def post(block, trigger):
        request = Request.blank("/", method="POST", body=json.dumps({"trigger": trigger}).encode())
        return json.loads(runtime.handle(block, "complete", request).body)

    assert post(blocks[0], "view") == {"completed": True}
    assert post(blocks[1], "view") == {"completed": False}
    assert post(blocks[0], "view") == {"completed": True}
    rows = [(e.usage_id, e.event_type, e.data) for e in PublishedEvent.objects.filter(student_id="learner-7")]
    assert rows == [("embedtest.mooc_bridge_embed.d0.u0", "completion", {"completion": 1.0})]

    assert post(blocks[1], "manual") == {"completed": True}
    second = PublishedEvent.objects.filter(student_id="learner-7", usage_id="embedtest.mooc_bridge_embed.d1.u1")
    assert second.count() == 1
