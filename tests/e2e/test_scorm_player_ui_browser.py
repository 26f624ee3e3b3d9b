"""What a learner sees in the SCORM player, in a real browser, at desktop width and at 375 px: no offline notice
after commits that reached the server (one when a commit really did not, gone once a later one arrives); a
review's Commit answers "true" and sends nothing; the manifest's hideLMSUI hides the player's own buttons per item;
the table of contents and the block's status line follow a SCO's status without a reload; Previous and Continue
are disabled at the ends.

Packages of our own, built in a temporary folder: a SCORM 1.2 course of two SCOs (its SCO page offers
``set(values)``, ``commit()``, ``finish()`` to the test and has its own button at the bottom of its frame), the
same course under another title for the review (its block allows one attempt), and a SCORM 2004 course whose
items and cluster hide Previous and Continue with ``adlnav:presentation``.
"""

from __future__ import annotations

import json
import zipfile

import pytest

from tests.conftest import WorkbenchServer
from tests.e2e import support

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}

SCO_12 = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>SCO</title>
<style>html, body { height: 100%; margin: 0; } #own { position: fixed; bottom: 0; left: 0; }</style></head><body>
<pre id="seen"></pre><button id="own" type="button">Next page</button><script>
function findApi(win) {
  for (var i = 0; win && i < 10; i += 1) {
    if (win.API) { return win.API; }
    if (win === win.parent) { break; }
    win = win.parent;
  }
  return null;
}
var api = findApi(window.parent);
var initialized = api.LMSInitialize("");
document.getElementById("seen").textContent = JSON.stringify({initialized: initialized,
  status: api.LMSGetValue("cmi.core.lesson_status"), mode: api.LMSGetValue("cmi.core.lesson_mode")});
window.set = function (values) {
  var errors = [];
  Object.keys(values).forEach(function (name) {
    if (api.LMSSetValue(name, values[name]) !== "true") { errors.push(name + ":" + api.LMSGetLastError()); }
  });
  return errors;
};
window.commit = function () { var result = api.LMSCommit(""); return {result: result, error: api.LMSGetLastError()}; };
window.finish = function () { return api.LMSFinish(""); };
</script></body></html>
"""

MANIFEST_12 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="ui.{name}" version="1" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org"><organization identifier="org"><title>{title}</title>
    <item identifier="one" identifierref="r1"><title>Lesson one</title></item>
    <item identifier="two" identifierref="r2"><title>Lesson two</title></item>
  </organization></organizations>
  <resources>
    <resource identifier="r1" type="webcontent" adlcp:scormtype="sco" href="sco.html?n=1">
      <file href="sco.html"/></resource>
    <resource identifier="r2" type="webcontent" adlcp:scormtype="sco" href="sco.html?n=2">
      <file href="sco.html"/></resource>
  </resources>
</manifest>
"""

HIDE = """<adlnav:presentation><adlnav:navigationInterface>{}</adlnav:navigationInterface></adlnav:presentation>"""


def hide(*tokens):
    return HIDE.format("".join(f"<adlnav:hideLMSUI>{token}</adlnav:hideLMSUI>" for token in tokens))


MANIFEST_2004 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="ui.hide" version="1" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 3rd Edition</schemaversion></metadata>
  <organizations default="org"><organization identifier="org"><title>Hidden controls</title>
    <item identifier="a" identifierref="r"><title>A</title></item>
    <item identifier="grp"><title>Group</title>
      <item identifier="b" identifierref="r"><title>B</title></item>""" + hide("previous") + """
    </item>
    <item identifier="c" identifierref="r"><title>C</title>""" + hide("continue", "previous", "exitAll") + """</item>
    <item identifier="d" identifierref="r"><title>D</title></item>
  </organization></organizations>
  <resources><resource identifier="r" type="webcontent" adlcp:scormType="sco" href="sco.html">
    <file href="sco.html"/></resource></resources>
</manifest>
"""

SCO_2004 = """<!DOCTYPE html><html><body><pre id="seen"></pre><script>
var win = window.parent, api = null;
for (var i = 0; win && i < 10 && !api; i += 1) { api = win.API_1484_11 || null; win = win.parent; }
document.getElementById("seen").textContent = JSON.stringify({initialized: api.Initialize("")});
</script></body></html>"""

PACKAGES = {"course": "ui-course.zip", "review": "ui-review.zip", "hide": "ui-hide.zip"}


def build(folder):
    paths = []
    for name, title in (("course", "UI course"), ("review", "UI review")):
        path = folder / PACKAGES[name]
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("imsmanifest.xml", MANIFEST_12.format(name=name, title=title))
            archive.writestr("sco.html", SCO_12)
        paths.append(path)
    path = folder / PACKAGES["hide"]
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("imsmanifest.xml", MANIFEST_2004)
        archive.writestr("sco.html", SCO_2004)
    return [*paths, path]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    args = []
    for path in build(tmp_path_factory.mktemp("ui-packages")):
        args += ["--scorm", str(path)]
    running = WorkbenchServer(tmp_path_factory.mktemp("scorm-ui-e2e"), [*args, "--no-demo-scorm"])
    yield running
    running.stop()


@pytest.fixture(scope="module")
def scenarios(server, chromium):
    return support.scorm_scenarios(server, chromium, PACKAGES)


@pytest.fixture(params=[DESKTOP, PHONE], ids=["desktop", "phone"])
def page(request, chromium):
    context = chromium.new_context(viewport=request.param)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.width = request.param["width"]
    yield page
    context.close()


class Learner(support.PlayerPage):
    def on(self, item):
        self.wait_for(lambda: self.state("p.state.sco") == item and not self.state("p.state.switching"))
        seen = self.sco.locator("#seen")
        self.wait_for(lambda: seen.count() and seen.inner_text())
        return json.loads(seen.inner_text())

    def sco_frame(self):
        return next(f for f in self.page.frames if "sco.html" in f.url)

    def call(self, script, arg=None):
        return self.sco_frame().evaluate(script, arg)

    def offline_shown(self):
        return self.player.locator(".mb-offline").is_visible()

    def badge(self, item):
        return self.player.locator(f".mb-toc a[data-item={item}] + .mb-state")


def learner_on(server, scenarios, page, kind, student):
    return Learner(server, page, f"/scenario/{scenarios[kind]}/", f"{student}-{page.width}").open()


def assert_own_button_in_view(learner):
    """The SCO's own button at the bottom of its frame is inside the player's frame, not pushed below it."""
    button = learner.sco.locator("#own").bounding_box()
    player = learner.page.locator(".mb-scorm-frame").bounding_box()
    assert button and player
    assert button["y"] >= player["y"] and button["y"] + button["height"] <= player["y"] + player["height"] + 1


def test_offline_notice_only_when_a_commit_did_not_arrive(server, scenarios, page):
    learner = learner_on(server, scenarios, page, "course", "offline")
    assert learner.on("one")["initialized"] == "true"
    commits = []
    page.on("requestfinished", lambda request: "/commit" in request.url and commits.append(request.url))
    assert learner.call("() => window.set({'cmi.core.lesson_location': 'p2'})") == []
    for _ in range(3):
        assert learner.call("() => window.commit()") == {"result": "true", "error": "0"}
        page.wait_for_timeout(300)
        assert not learner.offline_shown()
    assert len(commits) == 3  # each commit reached the server, and none brought the notice
    assert_own_button_in_view(learner)

    page.context.set_offline(True)  # the next commit cannot reach the server
    assert learner.call("() => window.commit()")["result"] == "false"
    learner.wait_for(learner.offline_shown)
    assert_own_button_in_view(learner)  # the notice takes room from the frame, not the SCO's own controls
    page.context.set_offline(False)
    assert learner.call("() => window.commit()") == {"result": "true", "error": "0"}
    learner.wait_for(lambda: not learner.offline_shown())

    assert learner.call("() => window.finish()") == "true"  # a terminate commit goes by beacon: still no notice
    page.wait_for_timeout(1500)
    assert not learner.offline_shown()
    assert page.errors == []


def test_toc_and_status_line_follow_the_sco_and_buttons_stop_at_the_ends(server, scenarios, page):
    learner = learner_on(server, scenarios, page, "course", "states")
    learner.on("one")
    status = page.locator(".mb-scorm-status")
    assert status.inner_text() == "Not started"
    previous, cont = learner.player.locator(".mb-previous"), learner.player.locator(".mb-continue")
    assert previous.is_disabled() and cont.is_enabled()  # the first item: nothing before it
    assert learner.badge("one").inner_text() == ""

    assert learner.call("() => window.set({'cmi.core.lesson_status': 'incomplete'})") == []
    learner.wait_for(lambda: learner.badge("one").get_attribute("data-state") == "incomplete")
    assert learner.call("() => window.set({'cmi.core.lesson_status': 'completed'})") == []
    learner.wait_for(lambda: learner.badge("one").inner_text() == "Completed")  # before any commit
    assert learner.call("() => window.commit()")["result"] == "true"
    learner.wait_for(lambda: status.inner_text() == "Progress 50%")  # the block's line, without a reload

    cont.click()
    learner.on("two")
    assert previous.is_enabled() and cont.is_disabled()  # the last item: nothing after it
    assert learner.call("() => window.set({'cmi.core.score.raw': '40', 'cmi.core.lesson_status': 'failed'})") == []
    learner.wait_for(lambda: learner.badge("two").inner_text() == "Failed")
    assert learner.call("() => window.finish()") == "true"
    learner.wait_for(lambda: "Score" in status.inner_text())

    learner.open()  # the server's record gives the same states to a new page
    learner.on("two")
    assert learner.badge("one").get_attribute("data-state") == "completed"
    assert learner.badge("two").get_attribute("data-state") == "failed"
    assert page.errors == []


def test_review_commit_answers_true_and_sends_nothing(server, scenarios, page):
    learner = learner_on(server, scenarios, page, "review", "review")
    learner.on("one")
    edits = page.request.post(f"{server.url}/handler/{learner.usage}/submit_studio_edits/?student=staff",
                              data=json.dumps({"values": {"attempts_allowed": 1}, "defaults": []}),
                              headers={"Content-Type": "application/json"})
    assert edits.ok, edits.text()
    assert learner.call("() => window.set({'cmi.core.lesson_status': 'completed'})") == []
    assert learner.call("() => window.finish()") == "true"
    learner.player.locator(".mb-continue").click()
    learner.on("two")
    assert learner.call("() => window.set({'cmi.core.lesson_status': 'passed'})") == []
    assert learner.call("() => window.finish()") == "true"
    page.wait_for_timeout(1500)

    learner.open()  # the one allowed attempt is finished: a review
    seen = learner.on(learner.state("p.state.sco"))
    assert seen["mode"] == "review"
    assert learner.player.locator(".mb-review").is_visible()
    sent = []
    page.on("request", lambda request: "/commit" in request.url and sent.append(request.url))
    assert learner.call("() => window.set({'cmi.core.lesson_location': 'x'})") == []
    assert learner.call("() => window.commit()") == {"result": "true", "error": "0"}
    assert learner.call("() => window.finish()") == "true"
    page.wait_for_timeout(1500)
    assert sent == []  # read-only: nothing went to the server
    assert not learner.offline_shown()
    assert page.errors == []


def test_hide_lms_ui_hides_the_players_own_buttons_per_item(server, scenarios, page):
    learner = learner_on(server, scenarios, page, "hide", "hide")
    nav = learner.player.locator(".mb-nav")
    previous, cont = learner.player.locator(".mb-previous"), learner.player.locator(".mb-continue")
    learner.on("a")
    assert previous.is_visible() and previous.is_disabled() and cont.is_visible() and cont.is_enabled()
    cont.click()
    learner.on("b")  # its cluster hides previous
    assert not previous.is_visible() and cont.is_visible()
    cont.click()
    learner.on("c")  # hides both: the whole bar goes, the SCO has the room
    assert not nav.is_visible()
    learner.player.locator(".mb-toc a[data-item=d]").click()
    learner.on("d")  # the last item: Continue disabled
    assert previous.is_visible() and previous.is_enabled() and cont.is_disabled()
    assert page.errors == []
