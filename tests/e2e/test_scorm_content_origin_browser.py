"""A separate content origin (ADR 0031) in a real browser: the workbench is opened as http://127.0.0.1:PORT and
serves package files as http://localhost:PORT (``--scorm-content-origin``), two origins of one server.

The package's page cannot read the LMS's cookies nor the launcher's document, and its posts to the block's
handlers (the learner's commit, a staff reset) are refused; yet the SCO initializes, reads its bookmark on
relaunch, commits and terminates through scorm-again's cross-frame API, and what it sent is stored. Without the
setting the other browser tests (test_scorm_browser.py and the rest) show the player unchanged.
"""

from __future__ import annotations

import json
import zipfile

import pytest

import tests.conftest as conftest
from tests.conftest import WorkbenchServer
from tests.e2e import support

pytestmark = pytest.mark.browser

PROBE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>SCO</title></head><body>
<pre id="seen"></pre><script>
function findApi(win) {
  for (var i = 0; win && i < 10; i += 1) {
    try { if (win.API_1484_11) { return win.API_1484_11; } } catch (e) { /* another origin */ }
    if (win === win.parent) { break; }
    win = win.parent;
  }
  return null;
}
var api = findApi(window.parent);
var initialized = api ? api.Initialize("") : "no API";
var launcher;
try { launcher = window.top.document.cookie; } catch (e) { launcher = "blocked"; }
document.getElementById("seen").textContent = JSON.stringify({initialized: initialized, origin: location.origin,
  cookie: document.cookie, launcher: launcher, location: api ? api.GetValue("cmi.location") : ""});
window.attack = function (url, body) {
  return fetch(url, {method: "POST", credentials: "include", body: JSON.stringify(body)})
    .then(function (r) { return "status " + r.status; }, function (e) { return "failed"; });
};
window.finish = function (values) {
  Object.keys(values).forEach(function (name) { api.SetValue(name, values[name]); });
  var committed = api.Commit("");
  return {committed: committed, terminated: api.Terminate("")};
};
</script></body></html>
"""

MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="isolated" version="1" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 3rd Edition</schemaversion></metadata>
  <organizations default="org"><organization identifier="org"><title>Isolated</title>
    <item identifier="one" identifierref="r"><title>One</title></item>
  </organization></organizations>
  <resources><resource identifier="r" type="webcontent" adlcp:scormType="sco" href="probe.html?x=1">
    <file href="probe.html"/></resource></resources>
</manifest>
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("isolated-package")
    path = folder / "isolated.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("imsmanifest.xml", MANIFEST)
        archive.writestr("probe.html", PROBE)
    port = conftest.free_port()
    chosen, conftest.free_port = conftest.free_port, lambda: port  # the origin must name the server's port
    try:
        running = WorkbenchServer(tmp_path_factory.mktemp("scorm-origin-e2e"), [
            "--no-demo-scorm", "--scorm", str(path), "--scorm-content-origin", f"http://localhost:{port}"])
    finally:
        conftest.free_port = chosen
    yield running
    running.stop()


def test_package_on_the_content_origin_is_isolated_yet_plays(server, chromium, page):
    scenario = support.scorm_scenarios(server, chromium, {"isolated": "isolated.zip"})["isolated"]
    page.context.add_cookies([{"name": "csrftoken", "value": "lms-secret", "url": server.url}])
    learner = support.PlayerPage(server, page, f"/scenario/{scenario}/", "isolated").open()
    seen = learner.sco.frame_locator("#sco").locator("#seen")  # launcher > launch page > SCO
    seen.wait_for()
    probe = json.loads(seen.inner_text())
    content = server.url.replace("127.0.0.1", "localhost")
    assert probe["origin"] == content  # the package runs on the other origin
    assert probe["initialized"] == "true"  # through the cross-frame API
    assert "lms-secret" not in probe["cookie"] and probe["launcher"] == "blocked"

    frame = next(f for f in page.frames if "/f/probe.html" in f.url)
    player = learner.player_frame()
    config = player.evaluate("window.MoocBridgeScormPlayer.config")
    state = player.evaluate("({attempt: window.MoocBridgeScormPlayer.state.attempt, "
                            "token: window.MoocBridgeScormPlayer.state.token})")
    forged = {"sco": "one", "seq": 50, "data": {"cmi.location": "forged"}, **state}
    commit_url = server.url + config["commitUrl"]
    reset_url = f"{server.url}/handler/{learner.usage}/staff_reset/?student=staff"
    assert frame.evaluate("([u, b]) => window.attack(u, b)", [commit_url, forged]) == "failed"
    assert frame.evaluate("([u, b]) => window.attack(u, b)", [reset_url, {"learner": "isolated"}]) == "failed"
    # a simple request needs no preflight, so the browser sends both; the server refuses them (403 for a page of
    # another origin, test_content_origin.py): nothing forged is stored and the attempt is still there (below)

    result = frame.evaluate("() => window.finish({'cmi.location': 'p7', 'cmi.exit': 'suspend',"
                            " 'cmi.completion_status': 'incomplete'})")
    assert result == {"committed": "true", "terminated": "true"}
    staff = f"{server.url}/handler/{learner.usage}/staff_attempts/?student=staff&format=json"

    def stored():
        rows = page.request.get(staff).json()["learners"]
        return next((row for row in rows if row["learner"] == "isolated"), None)

    deadline = 0
    while deadline < 60 and "p7" not in json.dumps(stored()):
        page.wait_for_timeout(250)
        deadline += 1
    assert "p7" in json.dumps(stored()) and "forged" not in json.dumps(stored())
    assert stored()["attempts"]  # the staff reset the package posted did not delete it

    learner.open()  # relaunch: the bookmark is there right after Initialize (the launch page warmed the cache)
    seen = learner.sco.frame_locator("#sco").locator("#seen")  # launcher > launch page > SCO
    seen.wait_for()
    probe = json.loads(seen.inner_text())
    assert probe["initialized"] == "true" and probe["location"] == "p7"
    assert page.errors == []
