"""The workbench scenarios of ``make demo``: every platform family, and links that resolve as the demo claims."""

import pytest
from lxml import etree

from adapters.platforms import ResolveError, get_platform, resolve
from xblocks.embed import scenarios
from xblocks.embed.block import PlatformResourceBlock

HOSTILE = {scenarios.HOSTILE_URL, scenarios.SCRIPT_URL}
DEMO_URLS = [block["url"] for _title, blocks in scenarios.SCENARIOS for block in blocks if block["url"] not in HOSTILE]


def test_the_block_offers_the_scenarios():
    offered = PlatformResourceBlock.workbench_scenarios()
    assert [title for title, _xml in offered] == [title for title, _blocks in scenarios.SCENARIOS]
    assert scenarios.scenario_id("Embed: hostile title and link") == f"mooc_bridge_embed.{len(offered) - 1}"


def test_the_xml_carries_hostile_titles_as_attribute_text():
    xml = dict(PlatformResourceBlock.workbench_scenarios())["Embed: hostile title and link"]
    root = etree.fromstring(xml)
    assert root.tag == "vertical_demo"
    assert [child.get("display_name") for child in root][:2] == [scenarios.HOSTILE_TITLE] * 2


@pytest.mark.parametrize("url", DEMO_URLS)
def test_every_demo_link_resolves(url):
    assert resolve(url).canonical_url.startswith("https://")


@pytest.mark.parametrize("url", sorted(HOSTILE))
def test_the_hostile_links_are_refused(url):
    with pytest.raises(ResolveError):
        resolve(url)


def test_every_platform_family_is_shown():
    families = {get_platform(resolve(url).platform).family for url in DEMO_URLS}
    assert {"public", "mooc", "video"} <= families
    modes = {resolve(url).embed.mode for url in DEMO_URLS}
    assert modes == {"iframe", "card"}
