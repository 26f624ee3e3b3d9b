"""Every static file our blocks link to is found by edx-platform's production lookup, on the installed package.

In production the LMS links ``local_resource_url(block, uri)`` to the collected file
``xblock/resources/<pkg>/<uri>`` (``xblock_local_resource_url`` and ``xblock_resource_pkg`` in
``openedx/core/lib/xblock_utils/__init__.py``: ``<pkg>`` is the block module's name less its last part).
``collectstatic`` fills that folder through ``XBlockPipelineFinder`` (``openedx/core/lib/xblock_pipeline/
finder.py``): one ``XBlockPackageStorage(<pkg>, resources_dir)`` per installed block class, whose files are
``importlib.resources.files(<pkg>.rsplit('.', 1)[0]) / resources_dir``, listed recursively without
``.py``/``.pyc``/``.scss`` files. The functions below restate those rules (not our helpers) and check them
against the blocks as the ``xblock.v1`` entry points load them.
"""

from __future__ import annotations

import importlib.resources

import pytest
from xblock.core import XBlock
from xblock.fields import ScopeIds

OURS = {"mooc_bridge_embed", "mooc_bridge_scorm"}


def lms_resource_pkg(block_class) -> str:
    """``xblock_resource_pkg``: the module name, one level up (``xmodule.*`` excepted)."""
    module = block_class.__module__
    return module if module.startswith("xmodule.") else module.rsplit(".", 1)[0]


def finder_files(block_class) -> set[str]:
    """What ``collectstatic`` copies to ``xblock/resources/<pkg>/`` for this class, as relative names."""
    pkg = lms_resource_pkg(block_class)
    base = importlib.resources.files(pkg.rsplit(".", 1)[0]) / block_class.get_resources_dir()
    found: set[str] = set()

    def walk(folder, prefix: str) -> None:
        for item in folder.iterdir():
            if item.name.endswith((".py", ".pyc", ".scss")):
                continue
            if item.is_dir():
                walk(item, f"{prefix}{item.name}/")
            elif not item.name.startswith("."):  # collectstatic's default ignore patterns include ".*"
                found.add(prefix + item.name)

    if base.is_dir():
        walk(base, "")
    return found


def our_classes() -> dict[str, type]:
    return {name: cls for name, cls in XBlock.load_classes() if name in OURS}


@pytest.fixture
def recorded(monkeypatch):
    """Every ``local_resource_url`` call a block makes: (block type, uri)."""
    from xblocks.workbench.runtime import RecordingWorkbenchRuntime

    calls: list[tuple[str, str]] = []
    original = RecordingWorkbenchRuntime.local_resource_url

    def record(self, block, uri):
        calls.append((block.scope_ids.block_type, uri))
        return original(self, block, uri)

    monkeypatch.setattr(RecordingWorkbenchRuntime, "local_resource_url", record)
    return calls


def test_both_blocks_are_installed_with_a_folder_the_finder_collects():
    classes = our_classes()
    assert set(classes) == OURS
    for name, cls in classes.items():
        files = finder_files(cls)
        assert files, f"the pipeline finder collects nothing for {name}"
        assert not any(f.endswith((".html", ".json", ".xml", ".po", ".mo")) for f in files), files


@pytest.mark.parametrize("key", ["12", "2004", "multi"])
def test_every_file_the_player_links_to_is_collected(scorm, recorded, key):
    block = scorm.block(package_sha256=scorm.shas[key])
    response = scorm.call(block, "player", method="GET")
    assert response.status_code == 200
    assert recorded, "the player links no static file"
    collected = finder_files(our_classes()["mooc_bridge_scorm"])
    for block_type, uri in recorded:
        assert block_type == "mooc_bridge_scorm"
        assert uri in collected, f"{uri} is not collected by XBlockPipelineFinder"
        assert f"/{uri}" in response.text  # the page uses the URL the runtime made
    wanted = "scorm12.min.js" if key != "2004" else "scorm2004.min.js"
    assert f"vendor/scorm-again/{wanted}" in [uri for _t, uri in recorded]


def test_every_file_the_embed_block_links_to_is_collected(recorded, db):
    from xblocks.embed.block import PlatformResourceBlock
    from xblocks.workbench.runtime import RecordingWorkbenchRuntime

    runtime = RecordingWorkbenchRuntime("alice")
    definition = "e0.mooc_bridge_embed.d0"
    block = runtime.construct_xblock_from_class(
        PlatformResourceBlock, ScopeIds("alice", "mooc_bridge_embed", definition, f"{definition}.u0"))
    block.url = "https://www.bilibili.com/video/BV1GJ411x7h7"
    for view in ("student_view", "studio_view"):
        block.render(view, {})
    collected = finder_files(our_classes()["mooc_bridge_embed"])
    assert all(uri in collected for _t, uri in recorded)


@pytest.mark.parametrize("name", sorted(OURS))
def test_the_workbench_and_a_development_lms_open_the_same_files(name):
    """``open_local_resource`` (served by ``xblock_resource`` in a development LMS) reads the collected files."""
    cls = our_classes()[name]
    pkg = lms_resource_pkg(cls)
    base = importlib.resources.files(pkg.rsplit(".", 1)[0]) / cls.get_resources_dir()
    for uri in sorted(finder_files(cls)):
        with cls.open_local_resource(uri) as handle:
            assert handle.read() == (base / uri).read_bytes()


@pytest.mark.parametrize("uri", ["../block.py", "js/../../block.py", "/etc/passwd", ".hidden", "js\\player.js",
                                 "", "templates/player.html", "js/missing.js"])
def test_nothing_outside_the_static_folder_is_opened(uri):
    from xblock.exceptions import DisallowedFileError

    cls = our_classes()["mooc_bridge_scorm"]
    with pytest.raises(DisallowedFileError):
        cls.open_local_resource(uri)
