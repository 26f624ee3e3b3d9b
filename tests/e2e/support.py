"""What the browser tests share: finding the scenario of each SCORM package on the workbench's index."""

from __future__ import annotations

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
