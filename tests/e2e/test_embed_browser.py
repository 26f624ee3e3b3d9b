"""The platform-resource block in a real browser: several blocks on one page, iframe policy, escaping, completion."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import pytest

from xblocks.embed import presentation
from xblocks.embed.scenarios import HOSTILE_TITLE, scenario_id

pytestmark = pytest.mark.browser

SEVERAL = scenario_id("Embed: several blocks on one page")
HOSTILE = scenario_id("Embed: hostile title and link")


def only_loopback(page) -> None:
    """Abort every request that leaves 127.0.0.1: the players' hosts are unreachable here anyway."""
    def route(request_route):
        if urlsplit(request_route.request.url).hostname == "127.0.0.1":
            request_route.continue_()
        else:
            request_route.abort()

    page.context.route("**/*", route)


def open_scenario(page, server, scenario: str, student: str, lang: str = "en") -> None:
    only_loopback(page)
    # the LMS picks the learner's language; the workbench's LocaleMiddleware reads Accept-Language
    page.set_extra_http_headers({"Accept-Language": "zh-CN,zh;q=0.9" if lang.startswith("zh") else "en"})
    page.goto(f"{server.url}/scenario/{scenario}/?student={student}&lang={lang}", wait_until="domcontentloaded")
    page.wait_for_selector(".mb-embed")


def blocks(page) -> list[dict]:
    """Each embed block on the page: its usage id, title, completion mode and status text."""
    return page.eval_on_selector_all(".mb-embed", """roots => roots.map(root => ({
        usage: root.closest('[data-usage]').getAttribute('data-usage'),
        title: root.querySelector('.mb-embed__title').textContent,
        mode: root.getAttribute('data-completion-mode'),
        status: root.querySelector('.mb-embed__status').textContent.trim(),
    }))""")


def completions(page, server, student: str) -> list[str]:
    payload = page.request.get(f"{server.url}/mooc-bridge/events/?format=json&student={student}").json()
    return [e["usage_id"] for e in payload["events"] if e["event_type"] == "completion"]


def test_several_blocks_render_and_complete_independently(workbench_server, page):
    student = f"embed-{uuid.uuid4().hex[:8]}"
    open_scenario(page, workbench_server, SEVERAL, student)

    iframes = page.locator("iframe.mb-embed__iframe")
    assert iframes.count() == 2
    titles = []
    for index in range(2):
        frame = iframes.nth(index)
        attributes = frame.evaluate(
            "f => Object.fromEntries(Array.from(f.attributes).map(a => [a.name, a.value]))"
        )
        assert attributes["sandbox"] == presentation.IFRAME_SANDBOX
        assert attributes["allow"] == presentation.IFRAME_ALLOW
        assert attributes["referrerpolicy"] == "strict-origin-when-cross-origin"
        assert attributes["loading"] == "lazy"
        assert "allowfullscreen" in attributes
        assert attributes["src"].startswith("https://player.bilibili.com/player.html?")
        assert "autoplay=0" in attributes["src"]
        titles.append(attributes["title"])
        assert frame.bounding_box()["height"] > 100  # responsive frame, not collapsed
    assert titles == ["Part 1 (complete on view)", "Part 2 (learner marks done)"]

    card_links = page.locator(".mb-embed__card a.mb-embed__button")
    assert card_links.count() == 2
    for link in card_links.all():
        assert link.get_attribute("target") == "_blank"
        assert link.get_attribute("rel") == "noopener noreferrer"
    card_link = card_links.first
    assert card_link.get_attribute("href").startswith("https://www.icourse163.org/")

    rendered = blocks(page)
    assert [b["mode"] for b in rendered] == ["view", "manual", "link", "manual"]
    usage = {b["mode"] + str(i): b["usage"] for i, b in enumerate(rendered)}
    assert len(set(usage.values())) == 4

    roots = page.locator(".mb-embed")
    # 1. seen on the page: completes by itself
    roots.nth(0).locator(".mb-embed__status", has_text="Completed").wait_for()
    # 2. marked as done
    done_button = roots.nth(1).locator("button.mb-embed__done")
    # scrolled first: a click whose own scroll passes the players' cross-origin frames can be hit-tested against
    # one of them by headless Chromium and never reach the page (seen since the workbench header is sticky)
    done_button.scroll_into_view_if_needed()
    done_button.click()
    roots.nth(1).locator(".mb-embed__status", has_text="Completed").wait_for()
    assert roots.nth(1).locator("button.mb-embed__done").is_disabled()
    # 3. the card's link opened (in a new tab)
    with page.context.expect_page() as new_tab:
        card_link.click()
    new_tab.value.close()
    roots.nth(2).locator(".mb-embed__status", has_text="Completed").wait_for()
    # 4. never marked as done: stays incomplete
    assert roots.nth(3).locator(".mb-embed__status").text_content().strip() == ""

    recorded = completions(page, workbench_server, student)
    assert sorted(recorded) == sorted([usage["view0"], usage["manual1"], usage["link2"]])

    # the learner's state survives a reload, and nothing is emitted twice
    page.reload(wait_until="domcontentloaded")
    page.wait_for_selector(".mb-embed")
    assert [b["status"] for b in blocks(page)] == ["Completed", "Completed", "Completed", ""]
    roots.nth(2).locator("a.mb-embed__button").evaluate("a => a.dispatchEvent(new MouseEvent('click'))")
    assert sorted(completions(page, workbench_server, student)) == sorted(recorded)
    assert page.errors == []


def test_markup_in_titles_and_links_does_not_run(workbench_server, page):
    student = f"embed-{uuid.uuid4().hex[:8]}"
    open_scenario(page, workbench_server, HOSTILE, student)
    for title in page.locator(".mb-embed__title").all():
        title.dispatch_event("mouseover")

    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator(".mb-embed img, .mb-embed script").count() == 0
    assert page.locator(".mb-embed [onerror], .mb-embed [onmouseover]").count() == 0
    rendered = blocks(page)
    assert [b["title"] for b in rendered[:2]] == [HOSTILE_TITLE, HOSTILE_TITLE]
    assert page.locator("iframe.mb-embed__iframe").first.get_attribute("title") == HOSTILE_TITLE
    # the javascript: link and the link with markup are refused: a notice, no anchor
    for index in (2, 3):
        root = page.locator(".mb-embed").nth(index)
        assert root.locator(".mb-embed__unavailable").count() == 1
        assert root.locator("a").count() == 0
    # a link with markup but no blanks resolves: the card opens the canonical URL, nothing of the markup is left
    accepted = page.locator(".mb-embed").nth(4)
    assert accepted.locator("a.mb-embed__button").get_attribute("href") == "https://www.icourse163.org/course/ZJU-199001"
    assert page.locator(".mb-embed svg").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.errors == []


def test_the_card_speaks_the_learners_language(workbench_server, page):
    open_scenario(page, workbench_server, SEVERAL, f"embed-{uuid.uuid4().hex[:8]}", lang="zh-cn")
    assert page.locator(".mb-embed__card a.mb-embed__button").first.inner_text().startswith("前往中国大学MOOC")
    assert "学校账号" in page.locator(".mb-embed__instructions").first.inner_text()
    assert page.locator("button.mb-embed__done").first.inner_text() == "标记为已完成"
    assert page.errors == []
