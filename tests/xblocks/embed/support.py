"""Builds the platform-resource block on a ToyRuntime that records what it publishes."""

import itertools
import json

import lxml.html
from webob import Request
from xblock.fields import ScopeIds
from xblock.runtime import DictKeyValueStore, KvsFieldData
from xblock.test.toy_runtime import ToyRuntime

BILIBILI = "https://www.bilibili.com/video/BV1xx411c7mD?p=2"
ICOURSE = "https://www.icourse163.org/course/ZJU-199001"
_ids = itertools.count()


def platform_name(platform_id):
    """The platform's name in the current language, as the block shows it."""
    from adapters.platforms import get_platform

    return get_platform(platform_id).display_name()


class SettingsService:
    """The XBlock settings service as the LMS provides it: one bucket per block type."""

    def __init__(self, bucket):
        self.bucket = bucket

    def get_settings_bucket(self, block, default=None):
        if isinstance(self.bucket, Exception):
            raise self.bucket
        return self.bucket


class RecordingRuntime(ToyRuntime):
    """ToyRuntime with its own field storage, a record of publish() calls and an optional settings service."""

    def __init__(self, user_id="learner-1", settings_bucket=None):
        super().__init__(user_id)
        self.learner = user_id
        self._services["field-data"] = KvsFieldData(DictKeyValueStore())
        if settings_bucket is not None:
            self._services["settings"] = SettingsService(settings_bucket)
        self.published = []

    def publish(self, block, event_type, event_data):
        self.published.append((event_type, event_data))


def build_block(runtime=None, **fields):
    """A PlatformResourceBlock on ``runtime`` (a fresh RecordingRuntime by default) with ``fields`` set."""
    from xblocks.embed.block import PlatformResourceBlock

    runtime = runtime or RecordingRuntime()
    n = next(_ids)
    block = runtime.construct_xblock_from_class(
        PlatformResourceBlock, ScopeIds(runtime.learner, "mooc_bridge_embed", f"def-{n}", f"usage-{n}")
    )
    for name, value in fields.items():
        setattr(block, name, value)
    block.save()
    return block


def render(block, view="student_view"):
    """Render ``view`` and return (fragment, parsed root element)."""
    fragment = getattr(block, view)({})
    return fragment, lxml.html.fragment_fromstring(fragment.content, create_parent="div")


def call_complete(block, body):
    """POST ``body`` (JSON-encoded unless bytes) to the block's ``complete`` handler; return (status, json)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = Request.blank("/", method="POST", body=raw)
    response = block.runtime.handle(block, "complete", request)
    return response.status_code, json.loads(response.body)


def select(root, selector):
    """Elements under ``root`` matching ``tag``, ``.class`` or ``tag.class`` (no cssselect dependency)."""
    tag, _dot, cls = selector.partition(".")
    xpath = f".//{tag or '*'}"
    if cls:
        xpath += f"[contains(concat(' ', normalize-space(@class), ' '), ' {cls} ')]"
    return root.xpath(xpath)
