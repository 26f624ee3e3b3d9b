"""Packages travel (#10 item 10): a large package is prepared by a worker, never inside a learner's request;
a Studio copy/paste into another course carries the package, following the platform's clipboard path.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import sys
import types

import pytest
from lxml import etree
from xblock.fields import ScopeIds

from tests.conftest import SHARED_FIXTURES
from xblocks.scorm import course_files, tasks, transfer

from .conftest import GOLF
from .test_commits import launch

MULTI = SHARED_FIXTURES / "scorm" / "valid" / GOLF["multi"]


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def course_assets(scorm, settings, tmp_path):
    """An empty package store, and the course's files (a ``COURSE_ASSETS_ROOT`` mirror) holding the golf zip."""
    root, assets = tmp_path / "storage", tmp_path / "assets"
    (assets / "scorm").mkdir(parents=True)
    sha = _sha(MULTI)
    shutil.copy(MULTI, assets / "scorm" / f"{sha}.zip")

    def configure(**extra):
        settings.XBLOCK_SETTINGS = {"mooc_bridge_scorm": {"STORAGE_ROOT": str(root),
                                                          "COURSE_ASSETS_ROOT": str(assets), **extra}}
    configure()
    return types.SimpleNamespace(root=root, assets=assets, sha=sha, configure=configure)


def test_a_large_package_is_prepared_by_a_worker_not_in_the_learners_request(scorm, course_assets, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.prepare_package_task, "delay", lambda *args: queued.append(args))
    course_assets.configure(USE_CELERY=True, CELERY_MIN_BYTES=1024)
    sha = course_assets.sha
    alice = scorm.block("alice", package_sha256=sha, package_file=f"scorm/{sha}.zip")

    assert "being prepared" in alice.student_view().content
    response = scorm.call(alice, "player", method="GET")
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert "being prepared" in response.text
    assert not (course_assets.root / sha).exists()  # nothing extracted in the request
    assert scorm.call(scorm.block("bob"), "player", method="GET").status_code == 503
    assert len(queued) == 1  # one worker task for every learner who comes meanwhile

    tasks.prepare_package_task.run(*queued[0])  # what the worker does
    assert (course_assets.root / sha / "imsmanifest.xml").is_file()
    assert not (course_assets.root / ".prepare" / f"{sha}.json").exists()
    assert launch(scorm, scorm.block("alice"))["attempt"] == 1


def test_a_small_package_is_imported_on_first_use(scorm, course_assets, monkeypatch):
    monkeypatch.setattr(tasks.prepare_package_task, "delay", lambda *args: pytest.fail("queued a small package"))
    course_assets.configure(USE_CELERY=True)  # the default threshold: 20 MB
    sha = course_assets.sha
    assert launch(scorm, scorm.block("alice", package_sha256=sha, package_file=f"scorm/{sha}.zip"))["attempt"] == 1


def test_a_failed_preparation_says_unavailable_instead_of_preparing_forever(scorm, course_assets, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.prepare_package_task, "delay", lambda *args: queued.append(args))
    course_assets.configure(USE_CELERY=True, CELERY_MIN_BYTES=1)
    wrong = "0" * 64  # the course file's bytes are not this package
    shutil.copy(MULTI, course_assets.assets / "scorm" / f"{wrong}.zip")
    alice = scorm.block("alice", package_sha256=wrong, package_file=f"scorm/{wrong}.zip")
    assert scorm.call(alice, "player", method="GET").status_code == 503
    tasks.prepare_package_task.run(*queued[0])
    assert scorm.call(alice, "player", method="GET").status_code == 404
    assert "not available yet" in alice.student_view().content and len(queued) == 1


# -- Studio copy/paste, as edx-platform does it ----------------------------------------------------------------

CLIPBOARD_LIMIT = 10 * 1024 * 1024  # openedx/core/djangoapps/content_staging/api.py: larger files keep no bytes
STATIC = re.compile(r"""(?P<quote>['"])/static/(?P<path>[^'"?#]+)(?P=quote)""")


class FakeContentstore:
    """Files & Uploads of several courses, as ``xmodule.contentstore`` answers for them.

    ``compute_location`` flattens ``/`` to ``_`` (``xmodule/contentstore/content.py``, ``StaticContent``);
    ``find(location, as_stream=True)`` raises for a missing file and gives ``length`` and ``stream_data()``
    (``xmodule/contentstore/mongo.py``, ``MongoContentStore.find`` and ``StaticContentStream``).
    """

    def __init__(self):
        self.files: dict[tuple[str, str], bytes] = {}

    def find(self, location, as_stream=False):
        data = self.files.get(location)
        if data is None:
            raise KeyError(location)  # NotFoundError in the platform
        return types.SimpleNamespace(length=len(data), stream_data=lambda: iter([data]), data=data)

    def install(self, monkeypatch):
        content = types.ModuleType("xmodule.contentstore.content")
        content.StaticContent = types.SimpleNamespace(
            compute_location=lambda course_key, path: (str(course_key), path.replace("/", "_")))
        django = types.ModuleType("xmodule.contentstore.django")
        django.contentstore = lambda: self
        for name, module in {"xmodule": types.ModuleType("xmodule"),
                             "xmodule.contentstore": types.ModuleType("xmodule.contentstore"),
                             "xmodule.contentstore.content": content,
                             "xmodule.contentstore.django": django}.items():
            monkeypatch.setitem(sys.modules, name, module)


def copy_and_paste(scorm, source, source_course, target_course, contentstore, *, limit=CLIPBOARD_LIMIT):
    """Copy ``source`` to the clipboard and paste it into ``target_course``, as edx-platform does:

    1. ``XBlockSerializer`` (``openedx/core/lib/xblock_serializer/block_serializer.py``): ``add_xml_to_node``,
       the OLX gets ``copied_from_block``, and ``utils.collect_assets_from_text`` lists its ``/static/`` URLs;
    2. ``_save_static_assets_to_staged_content`` (``content_staging/api.py``) keeps each file's bytes from the
       source course's contentstore, none above 10 MB;
    3. ``import_staged_content_from_user_clipboard`` (``cms/djangoapps/contentstore/helpers.py``): ``parse_xml``
       into the target course, save, ``studio_post_paste(store, node)``, then ``_import_files_into_course`` adds
       each staged file that is not there yet (a file with no bytes fails: "error_files").
    """
    from xblocks.scorm.block import ScormPlayerBlock

    node = etree.Element("root")
    source.add_xml_to_node(node)
    node.set("copied_from_block", str(source.scope_ids.usage_id))
    olx = etree.tostring(node, encoding="unicode")
    staged = {}
    for match in STATIC.finditer(olx):
        data = contentstore.files.get((source_course, match["path"].replace("/", "_")))
        if data is not None:
            staged[match["path"]] = data if len(data) <= limit else None
    pasted = etree.fromstring(olx)
    definition = f"{target_course}.mooc_bridge_scorm.pasted"
    block = ScormPlayerBlock.parse_xml(pasted, scorm.block("staff-1").runtime,
                                       ScopeIds("staff-1", "mooc_bridge_scorm", definition, f"{definition}.u0"))
    block.save()
    errors = []
    for name, data in staged.items():
        key = (target_course, name.replace("/", "_"))
        if key not in contentstore.files:
            if data is None:
                errors.append(name)
            else:
                contentstore.files[key] = data
    block.studio_post_paste(None, pasted)
    return block, errors


@pytest.fixture
def two_courses(scorm, settings, tmp_path, monkeypatch):
    """A source course whose Files & Uploads hold the golf zip (as Studio names it after an OLX import), an empty
    target course, and an empty package store; blocks know their course from their definition id."""
    contentstore = FakeContentstore()
    contentstore.install(monkeypatch)
    sha = _sha(MULTI)
    contentstore.files[("course-v1:Src", f"scorm_{sha}.zip")] = MULTI.read_bytes()
    monkeypatch.setattr(course_files, "course_key_of",
                        lambda block: str(block.scope_ids.def_id).split(".")[0])
    monkeypatch.setattr(transfer, "course_key_from_usage", lambda text: text.split(".")[0])
    root = tmp_path / "storage"
    settings.XBLOCK_SETTINGS = {"mooc_bridge_scorm": {"STORAGE_ROOT": str(root)}}
    return types.SimpleNamespace(contentstore=contentstore, sha=sha, root=root)


def _source_block(scorm, sha):
    from xblocks.scorm.block import ScormPlayerBlock

    runtime = scorm.block("staff-1").runtime
    definition = "course-v1:Src.mooc_bridge_scorm.unit"
    block = runtime.construct_xblock_from_class(
        ScormPlayerBlock, ScopeIds("staff-1", "mooc_bridge_scorm", definition, f"{definition}.u0"))
    block.display_name, block.package_sha256, block.package_file = "Golf", sha, f"scorm/{sha}.zip"
    block.save()
    return block


def _plays(scorm, block, learner="alice"):
    """The player's status for ``learner`` opening the (pasted) block."""
    from xblocks.scorm.block import ScormPlayerBlock
    from xblocks.workbench.runtime import RecordingWorkbenchRuntime

    ids = block.scope_ids
    as_learner = RecordingWorkbenchRuntime(learner).construct_xblock_from_class(
        ScormPlayerBlock, ScopeIds(learner, ids.block_type, ids.def_id, ids.usage_id))
    assert as_learner.package_sha256 == block.package_sha256
    return scorm.call(as_learner, "player", method="GET").status_code


def test_the_olx_names_the_package_as_a_static_file(scorm, two_courses):
    node = etree.Element("root")
    _source_block(scorm, two_courses.sha).add_xml_to_node(node)
    assert node.get("package_sha256") == two_courses.sha
    assert node.get("package_file") == f"/static/scorm_{two_courses.sha}.zip"


def test_a_paste_carries_the_zip_into_the_target_course_and_the_package_plays_there(scorm, two_courses):
    source = _source_block(scorm, two_courses.sha)
    pasted, errors = copy_and_paste(scorm, source, "course-v1:Src", "course-v1:Dst", two_courses.contentstore)
    assert errors == []
    assert ("course-v1:Dst", f"scorm_{two_courses.sha}.zip") in two_courses.contentstore.files
    assert pasted.package_sha256 == two_courses.sha and pasted.display_name == "Golf"
    assert (two_courses.root / two_courses.sha / "imsmanifest.xml").is_file()  # imported by studio_post_paste
    assert _plays(scorm, pasted) == 200


def test_a_zip_over_the_clipboard_limit_is_fetched_from_the_source_course(scorm, two_courses):
    source = _source_block(scorm, two_courses.sha)
    pasted, errors = copy_and_paste(scorm, source, "course-v1:Src", "course-v1:Dst", two_courses.contentstore,
                                    limit=1024)  # stands for a zip above 10 MB
    assert errors == [f"scorm_{two_courses.sha}.zip"]  # what Studio reports; the block still gets its package
    assert (two_courses.root / two_courses.sha / "imsmanifest.xml").is_file()
    assert _plays(scorm, pasted) == 200


def test_a_paste_on_an_instance_that_has_the_package_copies_nothing(scorm, two_courses):
    from scorm.inspect import import_package

    assert import_package(MULTI, two_courses.root).stored
    before = sorted(p.name for p in two_courses.root.iterdir())
    pasted, _errors = copy_and_paste(scorm, _source_block(scorm, two_courses.sha), "course-v1:Src",
                                     "course-v1:Dst", two_courses.contentstore)
    assert sorted(p.name for p in two_courses.root.iterdir()) == before
    assert _plays(scorm, pasted) == 200


def test_a_large_pasted_package_goes_to_a_worker(scorm, two_courses, settings, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.prepare_package_task, "delay", lambda *args: queued.append(args))
    settings.XBLOCK_SETTINGS = {"mooc_bridge_scorm": {"STORAGE_ROOT": str(two_courses.root), "USE_CELERY": True,
                                                      "CELERY_MIN_BYTES": 1024}}
    pasted, _errors = copy_and_paste(scorm, _source_block(scorm, two_courses.sha), "course-v1:Src",
                                     "course-v1:Dst", two_courses.contentstore)
    assert not (two_courses.root / two_courses.sha).exists() and len(queued) == 1
    assert queued[0][:3] == (two_courses.sha, f"/static/scorm_{two_courses.sha}.zip", "course-v1:Dst")
    assert _plays(scorm, pasted) == 503
