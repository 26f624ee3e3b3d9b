"""One sequencing engine per attempt, in a real browser: the state of the whole activity tree survives SCO changes
and relaunches.

One ``mooc-bridge workbench --scorm …`` server holds the small sequenced packages of
``tests/scorm/test_sequenced_packages.py``, zipped here with their SCO page. Each test is a different learner.
The test drives the SCO page (``finish(values, navRequest)``: SetValue, adl.nav.request, Terminate), the
launcher's Continue button and table of contents, and reloads the page to relaunch; it reads the grade and
completion the workbench recorded as the LMS would.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import WorkbenchServer
from tests.e2e import support
from tests.scorm.test_sequenced_packages import package_zip

pytestmark = pytest.mark.browser

KINDS = ("cluster", "fourth", "duration")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sequenced-packages")
    args = []
    for kind in KINDS:
        args += ["--scorm", str(package_zip(kind, folder))]
    running = WorkbenchServer(tmp_path_factory.mktemp("scorm-seq-e2e"), args)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def scenarios(server, chromium):
    return support.scorm_scenarios(server, chromium, {kind: f"sequenced-{kind}.zip" for kind in KINDS})


class Learner(support.PlayerPage):
    """One learner on one sequenced package."""

    def on(self, item):
        """Wait until the launcher shows ``item`` and its SCO page has initialized."""
        self.wait_for(lambda: self.state("p.state.sco") == item and not self.state("p.state.switching"))
        seen = self.sco.locator("#seen")
        seen.wait_for()
        self.wait_for(lambda: seen.inner_text())
        assert json.loads(seen.inner_text())["initialized"] == "true"
        return self

    def finish(self, values, nav=""):
        """Have the SCO set ``values``, request ``nav`` and terminate."""
        frame = next(f for f in self.page.frames if "sco.html" in f.url)
        answer = frame.evaluate("([values, nav]) => window.finish(values, nav)", [values, nav])
        assert answer == {"errors": [], "terminated": "true"}

    def toc(self, item):
        return self.player.locator(f".mb-toc a[data-item={item}]")

    def events(self, kind):
        url = f"{self.server.url}/mooc-bridge/events/?format=json&student={self.student}&type={kind}"
        return [row["data"] for row in self.page.request.get(url).json()["events"]]


def learner_on(server, scenarios, page, kind, student):
    return Learner(server, page, f"/scenario/{scenarios[kind]}/", student).open()


DONE = {"cmi.completion_status": "completed"}


def test_cluster_attempt_limit_post_test_gate_and_rollup_grade(server, scenarios, page):
    learner = learner_on(server, scenarios, page, "cluster", "seq-cluster")
    learner.on("pre")
    learner.finish({**DONE, "cmi.score.scaled": "0.5"}, "continue")  # failed at 0.5 (mastery 0.6)
    learner.on("c1")
    # the pre-test's one attempt is used: the table of contents refuses it, and the learner stays on c1
    learner.wait_for(lambda: learner.toc("pre").get_attribute("aria-disabled") == "true")
    assert learner.toc("post").get_attribute("aria-disabled") == "true"  # the content is not completed yet
    learner.toc("pre").click(force=True)
    assert learner.player.locator(".mb-refused").is_visible()
    learner.on("c1")
    learner.finish(DONE)

    learner.open()  # relaunch: a new page, a new runtime API, the engine the server kept
    learner.on("c1")
    learner.wait_for(lambda: learner.toc("pre").get_attribute("aria-disabled") == "true")
    learner.player.locator(".mb-continue").click()
    learner.on("c2")
    learner.finish(DONE, "continue")  # the cluster rolls up satisfied and writes the global objective
    learner.on("post")
    assert learner.toc("pre").get_attribute("aria-disabled") == "true"
    learner.finish({**DONE, "cmi.score.scaled": "0.9"}, "exitAll")
    grades = learner.wait_for(lambda: [g for g in learner.events("grade") if g["value"] == pytest.approx(0.7)])
    # ADL SN RB.1.1 measure rollup: pre 0.5 and post 0.9 weigh 1 each, the content cluster weighs 0
    assert grades[-1]["max_value"] == 1.0
    assert learner.events("grade")[-1]["value"] == pytest.approx(0.7)
    assert learner.events("completion")[-1] == {"completion": 1.0}
    assert page.errors == []


def test_fourth_edition_completion_objective_opens_the_next_activity(server, scenarios, page):
    learner = learner_on(server, scenarios, page, "fourth", "seq-fourth")
    learner.on("a")
    learner.wait_for(lambda: learner.toc("b").get_attribute("aria-disabled") == "true")
    learner.finish({**DONE, "cmi.progress_measure": "1"})  # writes completion to g_read; b reads it

    learner.open()  # relaunch
    learner.on("a")
    learner.wait_for(lambda: learner.toc("b").get_attribute("aria-disabled") == "false")
    learner.player.locator(".mb-continue").click()
    learner.on("b")
    assert page.errors == []


def test_duration_limit_not_exceeded_does_not_block_continue(server, scenarios, page):
    learner = learner_on(server, scenarios, page, "duration", "seq-duration")
    learner.on("timed")
    learner.wait_for(lambda: not learner.player.locator(".mb-continue").is_disabled())
    learner.player.locator(".mb-continue").click()
    learner.on("after")
    assert not learner.player.locator(".mb-refused").is_visible()
    learner.player.locator(".mb-previous").click()
    learner.on("timed")
    learner.open()  # relaunch: the restored attempt's duration is still within its limit
    learner.on("timed")
    learner.player.locator(".mb-continue").click()
    learner.on("after")
    assert page.errors == []
