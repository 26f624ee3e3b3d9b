"""The workbench as a course designer sees it, in a real browser: Studio Save, header, phone width, roles.

One ``mooc-bridge workbench`` server with the demo SCORM course and one multi-item golf package; each test
works on its own block or learner, so the order of the tests does not matter.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import ROOT, WorkbenchServer
from tests.e2e import support
from xblocks.embed.scenarios import scenario_id

pytestmark = pytest.mark.browser

MULTI = "ContentPackagingOneFilePerSCO_SCORM12.zip"
DEMO = "mooc-bridge-demo-scorm12.zip"
PHONE = {"width": 375, "height": 740}
NOTIFY_JS = ROOT / "xblocks" / "workbench" / "static" / "mooc_bridge" / "notify.js"


@pytest.fixture(scope="module")
def server(shared_fixtures, tmp_path_factory):
    running = WorkbenchServer(tmp_path_factory.mktemp("workbench-e2e"),
                              ["--scorm", str(shared_fixtures / "scorm" / "valid" / MULTI)])
    yield running
    running.stop()


@pytest.fixture(scope="module")
def scorm_scenarios(server, chromium):
    """Package file name -> the scenario id of its SCORM block."""
    return support.scorm_scenarios(server, chromium, {MULTI: MULTI, DEMO: DEMO})


def only_loopback(page) -> None:
    """Abort every request that leaves 127.0.0.1 (the embedded players' hosts are unreachable here)."""
    page.context.route("**/*", lambda route: route.continue_() if urlsplit(route.request.url).hostname == "127.0.0.1"
                       else route.abort())


def block_root(page, block_type: str):
    return page.locator(f".xblock-v1[data-block-type={block_type}]").first


def scroll_width(page) -> tuple[int, int]:
    return tuple(page.evaluate("[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"))


# -- 1. Studio Save ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "field", "value"), [
    ("embed", "size", "4:3"),
    ("scorm", "height", "480"),
])
def test_studio_save_persists_a_changed_field(server, scorm_scenarios, page, kind, field, value):
    only_loopback(page)
    scenario = scenario_id("Embed: video players") if kind == "embed" else scorm_scenarios[DEMO]
    block_type = f"mooc_bridge_{kind}"
    editor = f"{server.url}/scenario/{scenario}/studio_view/?student=staff&lang=en"
    page.goto(editor)
    root = block_root(page, block_type)
    control = root.locator(f"#xb-field-edit-{field}")
    assert control.input_value() != value
    control.fill(value)
    root.locator(".save-button").click()
    notice = page.locator("#mb-notify")
    notice.wait_for(state="visible")
    page.wait_for_function("document.getElementById('mb-notify').textContent === 'Saved.'")
    assert notice.get_attribute("data-kind") == "saved"

    page.reload()
    assert block_root(page, block_type).locator(f"#xb-field-edit-{field}").input_value() == value
    assert page.errors == []


def test_studio_save_that_the_block_refuses_says_why_and_keeps_the_old_value(server, page):
    only_loopback(page)
    scenario = scenario_id("Embed: MOOC platforms")
    page.goto(f"{server.url}/scenario/{scenario}/studio_view/?student=staff&lang=zh-cn")
    root = block_root(page, "mooc_bridge_embed")
    before = root.locator("#xb-field-edit-size").input_value()
    root.locator("#xb-field-edit-size").fill("wide, please")
    root.locator(".save-button").click()
    page.wait_for_function("document.getElementById('mb-notify').getAttribute('data-kind') === 'error'")
    notice = page.locator("#mb-notify")
    assert notice.get_attribute("role") == "alert" and re.search(r"[\u4e00-\u9fff]", notice.inner_text())
    page.reload()
    assert block_root(page, "mooc_bridge_embed").locator("#xb-field-edit-size").input_value() == before
    assert page.errors == []


def test_a_runtime_that_has_notify_keeps_its_own(page):
    """In Studio the runtime's notify exists: the workbench's stand-in must not replace it."""
    page.set_content("""<p id="mb-notify" hidden data-saved="Saved."></p><script>
        var studioNotify = function () { window.called = true; };
        window.RuntimeProvider = {versions: {1: {notify: studioNotify}}};</script>""")
    page.add_script_tag(content=NOTIFY_JS.read_text(encoding="utf-8"))
    assert page.evaluate("RuntimeProvider.versions[1].notify === studioNotify")
    page.evaluate("RuntimeProvider.versions[1].notify('save', {state: 'end'})")
    assert page.evaluate("window.called === true") and page.locator("#mb-notify").is_hidden()


# -- 4. The header does not hide the first block's title -------------------------------------------------------

@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, PHONE])
def test_the_header_does_not_cover_the_first_title(server, chromium, viewport):
    context = chromium.new_context(viewport=viewport)
    page = context.new_page()
    only_loopback(page)
    page.goto(f"{server.url}/scenario/{scenario_id('Embed: video players')}/?lang=en")
    title = page.locator(".mb-embed").first.locator("h2, h3").first
    title.wait_for()
    hit = page.evaluate("""(title) => { const box = title.getBoundingClientRect();
        const found = document.elementFromPoint(box.left + Math.min(20, box.width / 2), box.top + box.height / 2);
        return [box.top, document.querySelector('.banner').getBoundingClientRect().bottom, title.contains(found)]; }""",
                        title.element_handle())
    context.close()
    top, banner_bottom, visible = hit
    assert visible and top >= banner_bottom, hit


# -- 5. No page scrolls sideways on a phone --------------------------------------------------------------------

def test_no_page_scrolls_sideways_at_375_px(server, scorm_scenarios, chromium):
    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    only_loopback(page)
    paths = ["/?lang=zh-cn", "/?lang=en"]
    for index in range(5):
        paths += [f"/scenario/mooc_bridge_embed.{index}/?lang=zh-cn",
                  f"/scenario/mooc_bridge_embed.{index}/studio_view/?student=staff&lang=zh-cn"]
    for scenario in scorm_scenarios.values():
        paths += [f"/scenario/{scenario}/?student=phone&lang=zh-cn",
                  f"/scenario/{scenario}/studio_view/?student=staff&lang=zh-cn"]
    wide = {}
    for path in paths:
        page.goto(server.url + path)
        page.wait_for_load_state("load")
        width, client = scroll_width(page)
        if width > client:
            wide[path] = (width, client)
    # the SCORM player (after a launch the staff page has a learner's attempt), the staff page and the events page
    for scenario in scorm_scenarios.values():
        page.goto(f"{server.url}/scenario/{scenario}/?student=phone&lang=zh-cn")
        player = page.locator(".mb-scorm-frame").get_attribute("src")
        usage = re.search(r"/handler/([^/]+)/player/", player).group(1)
        for path in (f"/handler/{usage}/player/?student=phone", f"/handler/{usage}/staff_attempts/?student=staff"):
            page.goto(server.url + path)
            page.wait_for_load_state("load")
            width, client = scroll_width(page)
            if width > client:
                wide[path] = (width, client)
    assert "mb-attempts" in page.content()  # the staff page was measured with a table of attempts in it
    page.goto(server.url + "/mooc-bridge/events/?lang=zh-cn")
    assert page.locator("table tbody tr").count() > 1  # launches published events: a full table
    width, client = scroll_width(page)
    if width > client:
        wide["/mooc-bridge/events/"] = (width, client)
    context.close()
    assert wide == {}


# -- 6. A learner who uploads is told why ------------------------------------------------------------------------

def test_a_learner_who_uploads_a_package_reads_why_not(server, scorm_scenarios, page, shared_fixtures):
    page.goto(f"{server.url}/scenario/{scorm_scenarios[DEMO]}/studio_view/?student=alice&lang=zh-cn")
    box = page.locator(".mb-scorm-upload")
    box.locator("input[type=file]").set_input_files(str(Path(shared_fixtures / "scorm" / "valid" / MULTI)))
    box.locator(".mb-upload").click()
    report = box.locator(".mb-report")
    report.locator("p").nth(1).wait_for()
    text = report.inner_text()
    assert "只有课程团队可以上传或更换此组件的课件包" in text and "?student=staff" in text
    assert "Traceback" not in text and "403" not in text
    assert page.errors == []
