"""Learners' data in a real browser: nothing a SCO sends is lost, nothing lands in another learner's record.

One ``mooc-bridge workbench --scorm …`` server holds a golf package and two small SCORM 1.2 packages built
here (the shared fixtures have no SCO that only calls LMSInitialize/LMSFinish, nor one that bookmarks
before it sets a status). What is stored is read back from the block's staff JSON and from what the SCO
itself reads through the runtime API on relaunch.
"""

from __future__ import annotations

import json
import time
import zipfile

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.conftest import WorkbenchServer
from tests.e2e.support import PlayerPage

pytestmark = pytest.mark.browser

GOLF_12 = "RuntimeBasicCalls_SCORM12.zip"

MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="{name}" version="1" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org"><organization identifier="org"><title>{name}</title>{items}</organization>
  </organizations>
  <resources>{resources}</resources>
</manifest>
"""

# LMSInitialize on load and LMSFinish when the page goes away, nothing else: many authoring tools' output
INIT_FINISH_SCO = """<!DOCTYPE html><html><body><p>Page {n}</p><script>
var api = window.parent.API;
api.LMSInitialize("");
window.addEventListener("pagehide", function () { api.LMSFinish(""); });
</script></body></html>"""

# a bookmark and suspend_data committed before any status is set; shows what it reads at launch
BOOKMARK_SCO = """<!DOCTYPE html><html><body><pre id="seen"></pre>
<button id="save">save</button><button id="finish">finish</button><script>
var api = window.parent.API;
api.LMSInitialize("");
document.getElementById("seen").textContent = JSON.stringify({
  status: api.LMSGetValue("cmi.core.lesson_status"), entry: api.LMSGetValue("cmi.core.entry"),
  location: api.LMSGetValue("cmi.core.lesson_location"), data: api.LMSGetValue("cmi.suspend_data")});
document.getElementById("save").onclick = function () {
  api.LMSSetValue("cmi.core.lesson_location", "page-5");
  api.LMSSetValue("cmi.suspend_data", "answers=a,c;score=2");
  window.commitResult = [api.LMSCommit(""), api.LMSGetLastError()];
};
document.getElementById("finish").onclick = function () {
  window.finishResult = [api.LMSFinish(""), api.LMSGetLastError()];
};
</script></body></html>"""


def build_package(path, name: str, pages: dict[str, str]) -> str:
    """A SCORM 1.2 zip at ``path`` with one SCO item per page (file name -> HTML)."""
    items = resources = ""
    for number, file_name in enumerate(pages, 1):
        items += f'<item identifier="item_{number}" identifierref="res_{number}"><title>Page {number}</title></item>'
        resources += (f'<resource identifier="res_{number}" type="webcontent" adlcp:scormtype="sco" '
                      f'href="{file_name}"><file href="{file_name}"/></resource>')
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("imsmanifest.xml", MANIFEST.format(name=name, items=items, resources=resources))
        for file_name, html in pages.items():
            archive.writestr(file_name, html)
    return str(path)


@pytest.fixture(scope="module")
def server(shared_fixtures, tmp_path_factory):
    folder = tmp_path_factory.mktemp("scorm-data-e2e")
    packages = [
        build_package(folder / "initfinish.zip", "initfinish",
                      {f"page{n}.html": INIT_FINISH_SCO.replace("{n}", str(n)) for n in (1, 2, 3)}),
        build_package(folder / "bookmark.zip", "bookmark", {"sco.html": BOOKMARK_SCO}),
        str(shared_fixtures / "scorm" / "valid" / GOLF_12),
    ]
    running = WorkbenchServer(folder, [arg for path in packages for arg in ("--scorm", path)])
    yield running
    running.stop()


@pytest.fixture(scope="module")
def paths(server, chromium):
    """Package file name -> scenario URL path."""
    context = chromium.new_context()
    page = context.new_page()
    page.goto(server.url + "/")
    found = {}
    for link in page.locator("a[href^='/scenario/mooc_bridge_scorm']").all():
        for name in ("initfinish.zip", "bookmark.zip", GOLF_12):
            if f"({name})" in link.inner_text():
                found[name] = link.get_attribute("href")
    context.close()
    assert len(found) == 3, found
    return found


class Learner(PlayerPage):
    """One learner's view of one scenario, in a given browser page."""

    def sco_frame(self):
        return next((frame for frame in self.page.frames if "/mooc-bridge/scorm/assets/" in frame.url), None)

    def run(self, expression):
        """Evaluate ``expression`` in the launcher page (``p`` is ``window.MoocBridgeScormPlayer``)."""
        return self.player_frame().evaluate(f"(function (p) {{ return {expression}; }})(window.MoocBridgeScormPlayer)")

    def stored(self):
        """This learner's stored attempts, from the block's staff JSON."""
        url = f"{self.server.url}/handler/{self.usage}/staff_attempts/?student=staff&format=json"
        learners = self.page.request.get(url).json()["learners"]
        return next((e for e in learners if e["learner"] == self.student), {"attempts": []})["attempts"]

    def items(self):
        attempts = self.stored()
        return {item["sco"]: item for item in attempts[-1]["items"]} if attempts else {}

    def wait_for(self, predicate, timeout=15.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                value = predicate()
            except (StopIteration, PlaywrightError):  # the player is reloading: no frame, or a detached one
                value = None
            if value:
                return value
            self.page.wait_for_timeout(200)
        raise AssertionError("condition not met in time")


def test_scos_that_only_initialize_and_finish_end_completed(server, paths, page):
    learner = Learner(server, page, paths["initfinish.zip"], "only-init").open()
    for number in (1, 2, 3):
        learner.wait_for(lambda n=number: learner.run("p.state.sco") == f"item_{n}" and learner.sco_frame())
        learner.sco.locator("p", has_text=f"Page {number}").wait_for()
        if number < 3:
            learner.player.locator(".mb-continue").click()
    page.goto("about:blank")  # the learner leaves: the last SCO finishes as its page goes away
    page.goto(f"{server.url}/")  # the queued last commit goes out from the next page of the block, if needed
    learner.open()
    items = learner.wait_for(lambda: len(found := learner.items()) == 3 and found)
    assert {sco: item["completion"] for sco, item in items.items()} == {
        "item_1": "completed", "item_2": "completed", "item_3": "completed"}
    assert page.errors == []


def test_bookmark_and_suspend_data_before_any_status_are_stored_and_resumed(server, paths, page):
    learner = Learner(server, page, paths["bookmark.zip"], "bookmarker").open()
    first = json.loads(learner.sco.locator("#seen").inner_text())
    assert first == {"status": "not attempted", "entry": "ab-initio", "location": "", "data": ""}
    learner.sco.locator("#save").click()
    assert learner.sco_frame().evaluate("window.commitResult") == ["true", "0"]
    assert learner.wait_for(lambda: learner.items().get("item_1", {}).get("location") == "page-5")
    learner.sco.locator("#finish").click()
    assert learner.sco_frame().evaluate("window.finishResult") == ["true", "0"]
    assert learner.wait_for(lambda: learner.items()["item_1"]["completion"] == "completed")

    learner.open()  # relaunch the same attempt after a normal finish
    again = json.loads(learner.sco.locator("#seen").inner_text())
    assert again == {"status": "completed", "entry": "", "location": "page-5", "data": "answers=a,c;score=2"}
    assert len(learner.stored()) == 1
    assert page.errors == []


QUEUED = """Object.keys(localStorage).filter(function (k) { return k.indexOf("mooc-bridge-scorm:") === 0; })"""


def test_on_a_shared_browser_one_learners_queued_commit_never_reaches_another(server, paths, chromium):
    context = chromium.new_context()  # one browser profile, as on a school lab's PC
    try:
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        path = paths["bookmark.zip"]
        anna = Learner(server, page, path, "lab-anna").open()
        anna.sco.locator("#seen").wait_for()
        context.set_offline(True)  # anna's network drops: her commit, and the beacon as she leaves, stay queued
        anna.sco.locator("#save").click()
        assert anna.sco_frame().evaluate("window.commitResult")[0] == "false"
        queued = anna.run(QUEUED)
        assert len(queued) == 1
        page.goto("about:blank")
        context.set_offline(False)

        ben = Learner(server, page, path, "lab-ben").open()  # the next learner at the same computer
        ben.sco.locator("#seen").wait_for()
        seen = json.loads(ben.sco.locator("#seen").inner_text())
        assert seen["location"] == "" and seen["data"] == ""
        page.wait_for_timeout(1000)  # time for any replay to happen
        assert ben.stored() and ben.items() == {}, "nothing of anna's is stored for ben"
        assert queued[0] in ben.run(QUEUED), "anna's pending work is kept for her"
        # ben's page sending anna's queued commit itself: the server refuses it
        answer = ben.run(f"""fetch(p.config.commitUrl, {{method: "POST", headers: {{"Content-Type":
            "application/json"}}, body: localStorage.getItem({json.dumps(queued[0])})}}).then(function (r) {{
            return r.json(); }})""")
        assert answer["result"] is False and answer["errorMessage"] == "wrong_learner"
        assert ben.items() == {}

        anna.open()  # anna is back: her queued commit goes to her own record
        anna.wait_for(lambda: anna.items().get("item_1", {}).get("location") == "page-5")
        assert queued[0] not in anna.run(QUEUED)
        assert ben.items()["item_1"]["location"] == "", "ben's own session ended as he left; none of anna's data"
        assert page.errors == []
    finally:
        context.close()


SEND_PAIR = """(function (p) {
  var base = {sco: p.state.sco, attempt: p.state.attempt, token: p.state.token, terminate: false};
  function body(seq, where) {
    return JSON.stringify(Object.assign({seq: seq, data: {"cmi.core.lesson_location": where}}, base));
  }
  function send(text) {
    return fetch(p.config.commitUrl, {method: "POST", headers: {"Content-Type": "application/json"}, body: text})
      .then(function (r) { return r.json(); });
  }
  var older = body(%(n)d, "older-%(i)d"), newer = body(%(n)d + 1, "newer-%(i)d");
  // both requests leave in the same tick, as the beacons of a closing tab do
  return Promise.all(%(newer_first)s ? [send(newer), send(older)] : [send(older), send(newer)]);
})(window.MoocBridgeScormPlayer)"""


def test_of_two_concurrent_commits_the_newer_is_always_stored(server, paths, page):
    learner = Learner(server, page, paths["bookmark.zip"], "racer").open()
    learner.sco.locator("#seen").wait_for()
    stored = []
    for i in range(8):
        script = SEND_PAIR % {"n": 100 + 2 * i, "i": i, "newer_first": "true" if i % 2 == 0 else "false"}
        answers = learner.player_frame().evaluate(script)
        assert sum(answer["result"] is True for answer in answers) >= 1
        stored.append(learner.items()["item_1"]["location"])
    assert stored == [f"newer-{i}" for i in range(8)]
    assert page.errors == []


def test_a_get_of_the_player_changes_nothing_the_new_attempt_button_posts(server, paths, page):
    learner = Learner(server, page, paths["bookmark.zip"], "getter").open()
    learner.sco.locator("#save").click()
    learner.sco.locator("#finish").click()  # the session ends: leaving the page later sends nothing more
    learner.wait_for(lambda: learner.items().get("item_1", {}).get("completion") == "completed")
    before = learner.stored()
    player = learner.player_frame().url.split("?")[0]
    for query in ("new_attempt=1", "new_attempt=1&student=getter"):
        response = page.request.get(f"{player}?{query}")
        assert response.ok
    page.goto(f"{player}?new_attempt=1&student=getter")  # opened as a page, too
    page.wait_for_timeout(500)
    assert learner.stored() == before and len(before) == 1 and not before[0]["closed"]

    learner.open()  # the block's page offers a new attempt as a button that POSTs
    button = page.locator(".mb-scorm-new-attempt")
    assert button.evaluate("b => b.tagName") == "BUTTON"
    button.click()
    attempts = learner.wait_for(lambda: len(found := learner.stored()) == 2 and found)
    assert attempts[0]["closed"] and not attempts[1]["closed"]
    assert attempts[0]["items"][0]["location"] == "page-5", "the first attempt keeps what was stored"
    learner.wait_for(lambda: learner.run("p.config.attempt") == 2)
    assert page.errors == []
