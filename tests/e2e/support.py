"""What the browser tests share: finding the scenario of each SCORM package, and a learner's player page."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping


def scorm_scenarios(server, chromium, packages: Mapping[str, str]) -> dict[str, str]:
    """Map each key of ``packages`` (key -> package file name) to the id of the scenario whose SCORM block
    plays that package, read from the links of the running workbench's index; fail unless every one is found."""
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(server.url + "/?lang=en")
        found = {}
        for link in page.locator("a[href^='/scenario/mooc_bridge_scorm']").all():
            text, href = link.inner_text(), link.get_attribute("href")
            for key, name in packages.items():
                if name in text:
                    found[key] = href.strip("/").split("/")[-1]
    finally:
        context.close()
    assert set(found) == set(packages), found
    return found


class PlayerPage:
    """One learner's page on a SCORM block: opening it, and the player and SCO frames inside it.

    ``path`` is the page's path on the workbench (``/scenario/<id>/``); subclasses add what their tests read.
    """

    def __init__(self, server, page, path: str, student: str):
        self.server, self.page, self.path, self.student = server, page, path, student

    def open(self):
        """Load the page as this learner and wait for the SCO frame; ``self.usage`` is the block's usage id."""
        self.page.goto(f"{self.server.url}{self.path}?student={self.student}")
        self.player.locator(".mb-sco").wait_for(state="attached")
        self.usage = re.search(r"/handler/([^/]+)/player/", self.player_frame().url).group(1)
        return self

    @property
    def player(self):
        return self.page.frame_locator(".mb-scorm-frame")

    @property
    def sco(self):
        return self.player.frame_locator(".mb-sco")

    def player_frame(self):
        return next(frame for frame in self.page.frames if "/player/" in frame.url)

    def state(self, expression: str):
        """``expression`` evaluated in the player frame with ``p`` bound to ``window.MoocBridgeScormPlayer``."""
        return self.player_frame().evaluate(f"(function (p) {{ return {expression}; }})(window.MoocBridgeScormPlayer)")

    def wait_for(self, predicate, timeout: float = 15.0):
        """Poll ``predicate`` until it returns something true (returned), or fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            self.page.wait_for_timeout(150)
        raise AssertionError("condition not met in time")
