"""Author text and links never become markup: titles, links, platform names from settings."""

import pytest

from adapters.platforms.model import Embed, PlatformResource
from xblocks.embed import presentation

from .support import BILIBILI, ICOURSE, build_block, render, select

pytestmark = pytest.mark.usefixtures("english")

PAYLOADS = [
    "<script>window.__pwned=1</script>",
    '"><img src=x onerror="window.__pwned=2">',
    "' onmouseover='window.__pwned=3' x='",
    "</h3><iframe src=javascript:alert(1)></iframe>",
    "{{ title }}{% csrf_token %}",
]


def assert_inert(root):
    """No element or attribute the payloads could have created."""
    assert select(root, "script") == [] and select(root, "img") == []
    for element in root.iter():
        for name in element.attrib:
            assert not name.startswith("on"), (element.tag, name)


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize(("url", "display"), [(BILIBILI, "auto"), (ICOURSE, "auto"), (BILIBILI, "card")])
def test_a_hostile_title_stays_text(payload, url, display):
    fragment, root = render(build_block(url=url, display_name=payload, display=display))
    assert_inert(root)
    assert len(select(root, "iframe")) == (1 if (url, display) == (BILIBILI, "auto") else 0)
    assert select(root, "h3")[0].text_content() == payload
    for iframe in select(root, "iframe"):
        assert iframe.get("title") == payload
    if any(char in payload for char in "<>\"'"):
        assert payload not in fragment.content  # it is there, but only in escaped form


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_hostile_link_is_refused_as_text(payload):
    fragment, root = render(build_block(url=f"https://www.bilibili.com/video/BV1xx411c7mD?p=1{payload}"))
    assert_inert(root)
    assert select(root, "iframe") == [] or payload not in select(root, "iframe")[0].get("src")
    if any(char in payload for char in "<>\"'"):
        assert payload not in fragment.content


def test_author_view_and_data_of_a_hostile_block_are_inert():
    block = build_block(url="javascript:alert(document.cookie)//<script>x</script>", display_name=PAYLOADS[1])
    _fragment, root = render(block, view="author_view")
    assert_inert(root)
    assert select(root, "a") == []
    assert block.student_view_data()["title"] == PAYLOADS[1]  # JSON carries the text as text


def test_a_resource_with_a_non_web_link_never_reaches_href_or_src(monkeypatch):
    """Defence in depth: even a faulty resolver rule or an operator's platform name cannot inject."""
    evil = PlatformResource(
        url=ICOURSE, platform="extra_school", platform_name='<b onclick="x()">School</b>', kind="course",
        canonical_url="javascript:alert(1)", embed=Embed(mode="iframe", src="javascript:alert(2)"),
    )
    monkeypatch.setattr(presentation, "resolve", lambda url, config=None: evil)
    _fragment, root = render(build_block(url=ICOURSE))
    assert select(root, "a") == [] and select(root, "iframe") == []
    assert "internal error" in select(root, ".mb-embed__unavailable")[0].text_content()

    named = evil.model_copy(update={"canonical_url": "https://school.example.edu.cn/c/1",
                                    "embed": Embed(mode="iframe", src="data:text/html,<script>x</script>")})
    monkeypatch.setattr(presentation, "resolve", lambda url, config=None: named)
    _fragment, root = render(build_block(url=ICOURSE))
    assert_inert(root)
    assert select(root, "iframe") == []  # a data: src never makes a player
    assert select(root, ".mb-embed__platform")[0].text_content() == '<b onclick="x()">School</b>'
