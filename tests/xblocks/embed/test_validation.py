"""Studio: the editor refuses what the resolver refuses, shows its warnings, and names the resolved platform."""

import json

import pytest
from webob import Request
from xblock.validation import ValidationMessage

from .support import BILIBILI, ICOURSE, build_block, platform_name

pytestmark = pytest.mark.usefixtures("english")

ZHIHUISHU_STUDY = "https://studyvideoh5.zhihuishu.com/stuStudy?recruitAndCourseId=4a5a5c5b4d5a4f5c"


def submit(block, **values):
    """Post the Studio editor's form; return (status, body)."""
    body = json.dumps({"values": values, "defaults": []}).encode()
    response = block.runtime.handle(block, "submit_studio_edits", Request.blank("/", method="POST", body=body))
    return response.status_code, json.loads(response.body)


def messages(validation):
    return [(message.type, message.text) for message in validation.messages]


def test_a_good_link_saves():
    block = build_block()
    status, body = submit(block, url=f"  {BILIBILI}  ", display_name="Lecture", size="4:3",
                          completion_trigger="manual", display="auto")
    assert (status, body) == (200, {"result": "success"})
    assert (block.url, block.size, block.completion_trigger) == (BILIBILI, "4:3", "manual")
    assert messages(block.validate()) == []


@pytest.mark.parametrize(
    ("url", "code"),
    [("javascript:alert(1)", "unsupported_scheme"), ("https://www.icourse163.org.evil.com/course/ZJU-1", "lookalike"),
     ("https://user:pw@www.icourse163.org/course/ZJU-199001", "userinfo"), ("http://127.0.0.1/x", "ip"),
     ("https://unknown.example.org/course/1", "unknown")],
)
def test_a_refused_link_is_not_saved_and_the_resolvers_message_is_shown(url, code):
    from adapters.platforms import ResolveError, resolve

    with pytest.raises(ResolveError) as refused:
        resolve(url)
    block = build_block(url=ICOURSE)
    status, body = submit(block, url=url)
    assert status == 400
    assert block.url == ICOURSE  # nothing changed
    [text] = [m["text"] for m in body["error"]["messages"]]
    assert text == f"This link cannot be used: {refused.value.message}"


def test_an_empty_link_asks_for_one():
    block = build_block()
    [(kind, text)] = messages(block.validate())
    assert kind == ValidationMessage.ERROR and "Paste the link" in text
    assert submit(block, url="")[0] == 400


@pytest.mark.parametrize("size", ["0:9", "9999px", "16:9;color:red"])
def test_a_bad_size_is_refused(size):
    block = build_block(url=BILIBILI)
    status, body = submit(block, size=size)
    assert status == 400 and "16:9" in body["error"]["messages"][0]["text"]
    assert block.size == "16:9"


def test_an_overlong_title_and_unknown_choices_are_refused():
    block = build_block(url=BILIBILI, display_name="x" * 201, display="popup", completion_trigger="never")
    texts = [text for kind, text in messages(block.validate()) if kind == ValidationMessage.ERROR]
    assert len(texts) == 3
    assert any("200 characters" in t for t in texts)
    assert any("popup" in t for t in texts) and any("never" in t for t in texts)


def test_resolver_warnings_become_studio_warnings_but_do_not_block_saving():
    from adapters.platforms import resolve

    [expected] = resolve(ZHIHUISHU_STUDY).warnings
    block = build_block()
    assert submit(block, url=ZHIHUISHU_STUDY)[0] == 200
    [(kind, text)] = messages(block.validate())
    assert kind == ValidationMessage.WARNING
    assert text.startswith(f"{platform_name('zhihuishu')}: ") and expected.message in text
    if expected.suggestion:
        assert expected.suggestion in text


def test_a_player_with_link_completion_is_warned_about():
    block = build_block(url=BILIBILI, completion_trigger="link")
    [(kind, text)] = messages(block.validate())
    assert kind == ValidationMessage.WARNING and "never be completed" in text
    assert messages(build_block(url=BILIBILI, completion_trigger="link", display="card").validate()) == []


def test_the_editor_shows_the_resolved_platform_escaped():
    block = build_block(url=BILIBILI)
    fragment = block.studio_view({})
    assert f"Current link: {platform_name('bilibili')} · Video · shown as an embedded player" in fragment.content
    hostile = build_block(url="https://evil.example.org/<img src=x onerror=alert(1)>")
    content = hostile.studio_view({}).content
    assert "Current link: This link cannot be used" in content
    assert "<img src=x" not in content


def test_field_labels_are_translated(chinese):
    content = build_block(url=BILIBILI).studio_view({}).content
    assert "Height or aspect ratio" not in content
