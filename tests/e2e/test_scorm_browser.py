"""The SCORM player in a real browser: golf packages launched, navigated, answered, exited and resumed.

One ``mooc-bridge workbench --scorm …`` server holds the four packages; each test is a different learner,
so tests do not share state. Grades and completion are read back from the events the LMS would record,
and the stored attempts from the block's staff JSON.
"""

from __future__ import annotations

import pytest

from tests.conftest import WorkbenchServer
from tests.e2e import support

pytestmark = pytest.mark.browser

PACKAGES = {
    "12": "RuntimeBasicCalls_SCORM12.zip",
    "2004": "RuntimeBasicCalls_SCORM20043rdEdition.zip",
    "multi": "ContentPackagingOneFilePerSCO_SCORM12.zip",
    "seq": "SequencingForcedSequential_SCORM20043rdEdition.zip",
}
TITLES = {
    "12": "Golf Explained - Run-time Basic Calls", "2004": "Golf Explained - Run-time Basic Calls",
    "multi": "Golf Explained - CP One File Per SCO", "seq": "Golf Explained - Sequencing Forced Order",
}


@pytest.fixture(scope="module")
def server(shared_fixtures, tmp_path_factory):
    args = []
    for name in PACKAGES.values():
        args += ["--scorm", str(shared_fixtures / "scorm" / "valid" / name)]
    running = WorkbenchServer(tmp_path_factory.mktemp("scorm-e2e"), args)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def scenarios(server, chromium):
    """Package key -> the scenario id of its SCORM block."""
    return support.scorm_scenarios(server, chromium, PACKAGES)


class Learner(support.PlayerPage):
    """One learner's browser page on one scenario."""

    def __init__(self, server, page, scenario, student):
        super().__init__(server, page, f"/scenario/{scenario}/", student)
        self.scenario = scenario
        page.on("dialog", lambda dialog: dialog.accept())  # "resume where you left off?" / "save to resume?"

    def next_pages(self, count):
        for _ in range(count):
            self.sco.locator("#butNext").click()
            self.page.wait_for_timeout(150)

    def events(self, kind=None):
        url = f"{self.server.url}/mooc-bridge/events/?format=json&student={self.student}"
        rows = self.page.request.get(url + (f"&type={kind}" if kind else "")).json()["events"]
        return [row["data"] for row in rows]

    def stored(self):
        """The stored attempts of this learner, from the block's staff JSON."""
        url = f"{self.server.url}/handler/{self.usage}/staff_attempts/?student=staff&format=json"
        learners = self.page.request.get(url).json()["learners"]
        return next((e for e in learners if e["learner"] == self.student), {"attempts": [{"items": []}]})


def answer_quiz(sco):
    """Choose the first answer of every question (and 18 for numeric ones), then submit."""
    quiz = sco.frame_locator("#contentFrame")
    quiz.locator("input[type=button][value='Submit Answers']").wait_for()
    names = set()
    for radio in quiz.locator("input[type=radio]").all():
        name = radio.get_attribute("name")
        if name not in names:
            names.add(name)
            radio.check()
    for field in quiz.locator("input[type=text]").all():
        field.fill("18")
    quiz.locator("input[type=button][value='Submit Answers']").click()


@pytest.mark.parametrize("key", ["12", "2004"])
def test_launch_navigate_exit_resume_and_finish_the_quiz(server, scenarios, page, key):
    learner = Learner(server, page, scenarios[key], f"golf-{key}").open()
    learner.sco.locator("#butNext").wait_for()
    first = learner.state("p.config.values")
    assert (first.get("cmi.core.entry") or first.get("cmi.entry")) == "ab-initio"
    learner.next_pages(3)
    learner.sco.locator("#butExit").click()  # "save your progress?" -> yes: suspend
    learner.wait_for(lambda: learner.stored()["attempts"][0]["items"])

    learner.open()  # relaunch
    learner.sco.locator("#butNext").wait_for()
    values = learner.state("p.config.values")
    assert (values.get("cmi.core.entry") or values.get("cmi.entry")) == "resume"
    assert (values.get("cmi.core.lesson_location") or values.get("cmi.location")) == "3"
    learner.next_pages(11)  # to the quiz (page 14)
    answer_quiz(learner.sco)
    learner.sco.locator("#butExit").click()
    learner.wait_for(lambda: learner.events("grade"))

    item = learner.wait_for(lambda: (i := learner.stored()["attempts"][0]["items"][0])["seconds"] > 0 and i)
    assert item["completion"] == "completed" and item["score"] is not None
    assert item["sessions"] == 2  # suspended once, then finished
    grade = learner.events("grade")[-1]
    assert grade["value"] == pytest.approx(item["score"] / 100) and grade["max_value"] == 1.0
    assert learner.events("completion")[-1] == {"completion": 1.0}
    assert page.errors == []


def test_multi_item_table_of_contents_and_navigation_buttons(server, scenarios, page):
    learner = Learner(server, page, scenarios["multi"], "golf-multi").open()
    toc = learner.player.locator(".mb-toc a[data-item]")
    assert toc.count() > 10 and "Playing Golf Quiz" in toc.all_inner_texts()

    def shown():
        return next((f.url for f in page.frames if "/mooc-bridge/scorm/assets/" in f.url), "")

    learner.wait_for(lambda: shown().endswith("Playing/Playing.html"))
    learner.player.locator(".mb-toc a", has_text="Playing Golf Quiz").click()
    learner.wait_for(lambda: learner.state("p.state.sco") == "playing_quiz_item")
    learner.wait_for(lambda: shown().endswith("shared/assessmenttemplate.html?questions=Playing"))
    learner.player.locator(".mb-continue").click()  # the next item in the table of contents
    learner.wait_for(lambda: learner.state("p.state.sco") == "etiquette_course_item")
    learner.player.locator(".mb-previous").click()
    learner.wait_for(lambda: learner.state("p.state.sco") == "playing_quiz_item")
    assert learner.player.locator(".mb-toc a[aria-current=true]").inner_text() == "Playing Golf Quiz"
    assert page.errors == []


def test_package_files_come_streamed_and_private_from_the_plugin_view(server, scenarios, page, shared_fixtures):
    """The SCO the browser shows is the zip's file, byte for byte; a Range request gets its slice."""
    import zipfile

    learner = Learner(server, page, scenarios["multi"], "golf-bytes").open()
    url = learner.wait_for(lambda: next((f.url for f in page.frames if "/mooc-bridge/scorm/assets/" in f.url), ""))
    path = url.split("?", 1)[0].split("/", 9)[-1]  # after /mooc-bridge/scorm/assets/<course>/<sha>/<signature>/
    with zipfile.ZipFile(shared_fixtures / "scorm" / "valid" / PACKAGES["multi"]) as archive:
        data = archive.read(path)
    whole = page.request.get(url.split("?", 1)[0])
    assert whole.status == 200 and whole.body() == data
    assert whole.headers["cache-control"].startswith("private")
    ranged = page.request.get(url.split("?", 1)[0], headers={"Range": "bytes=10-99"})
    assert ranged.status == 206 and ranged.body() == data[10:100]
    assert ranged.headers["content-range"] == f"bytes 10-99/{len(data)}"
    assert page.errors == []


def test_forced_sequential_order_is_enforced(server, scenarios, page):
    learner = Learner(server, page, scenarios["seq"], "golf-seq").open()
    learner.sco.locator("#butNext").wait_for()
    toc = learner.player.locator(".mb-toc a[data-item]")
    learner.wait_for(lambda: toc.nth(2).get_attribute("aria-disabled") == "true")
    # skipping ahead is refused: the learner stays on the first activity
    learner.player.locator(".mb-toc a[data-item=handicapping_item]").click(force=True)
    assert learner.player.locator(".mb-refused").is_visible()
    assert learner.state("p.state.sco") == "playing_item"
    # finish the first activity, then Continue goes to the next one
    while not learner.sco.locator("#butNext").is_disabled():
        learner.sco.locator("#butNext").click()
        page.wait_for_timeout(150)
    learner.player.locator(".mb-continue").click()
    learner.wait_for(lambda: learner.state("p.state.sco") == "etuqiette_item")
    learner.sco.locator("#butNext").wait_for()
    assert learner.player.locator(".mb-toc a[data-item=etuqiette_item]").get_attribute("aria-disabled") == "false"
    assert learner.player.locator(".mb-toc a[data-item=handicapping_item]").get_attribute("aria-disabled") == "true"
    # Previous follows the rules too (backwards is allowed here)
    learner.player.locator(".mb-previous").click()
    learner.wait_for(lambda: learner.state("p.state.sco") == "playing_item")
    stored = learner.stored()["attempts"][0]["items"]
    assert {i["sco"]: i["success"] for i in stored}["playing_item"] == "passed"
    assert page.errors == []


def test_nothing_is_lost_when_the_network_drops(server, scenarios, page):
    learner = Learner(server, page, scenarios["12"], "golf-offline").open()
    learner.sco.locator("#butNext").wait_for()
    page.context.set_offline(True)
    learner.next_pages(4)
    learner.state("p.state.api.LMSCommit('')")  # the commit cannot reach the server
    learner.wait_for(lambda: learner.player.locator(".mb-offline").is_visible())
    kept = learner.player_frame().evaluate(
        "Object.keys(localStorage).filter(function (k) { return k.indexOf('mooc-bridge-scorm:') === 0; }).length")
    assert kept == 1
    page.context.set_offline(False)
    learner.player_frame().evaluate("window.dispatchEvent(new Event('online'))")
    item = learner.wait_for(lambda: (items := learner.stored()["attempts"][0]["items"]) and items[0])
    assert item["location"] == "4"
    learner.wait_for(lambda: not learner.player.locator(".mb-offline").is_visible())
    assert page.errors == []


def test_commits_kept_in_the_browser_are_sent_on_the_next_load(server, scenarios, page):
    learner = Learner(server, page, scenarios["12"], "golf-reload").open()
    learner.sco.locator("#butNext").wait_for()
    learner.next_pages(5)
    # every request to the server fails while the page is closed: commit, beacon, the SCO's last commit
    page.route("**/commit*/**", lambda route: route.abort())
    learner.state("p.state.api.LMSCommit('')")
    page.goto("about:blank")
    assert learner.stored()["attempts"][0]["items"] == []
    page.unroute("**/commit*/**")
    learner.open()  # the learner comes back later: what the browser kept is sent first
    item = learner.wait_for(lambda: (items := learner.stored()["attempts"][0]["items"]) and items[0])
    assert item["location"] == "5"


def test_closing_the_page_mid_sco_sends_the_beacon(server, scenarios, page):
    learner = Learner(server, page, scenarios["2004"], "golf-beacon").open()
    learner.sco.locator("#butNext").wait_for()
    learner.next_pages(2)
    assert learner.stored()["attempts"][0]["items"] == []  # nothing committed yet
    page.goto("about:blank")  # the learner closes the page: pagehide sends the last state by beacon
    item = learner.wait_for(lambda: (items := learner.stored()["attempts"][0]["items"]) and items[0])
    assert item["location"] == "2" and item["sessions"] == 1
