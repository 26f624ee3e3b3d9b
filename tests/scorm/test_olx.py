"""The OLX archive: structure follows the organization, the package travels inside, olxcleaner accepts it."""

from __future__ import annotations

import hashlib
import json
import re
import tarfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import olxcleaner
import pytest
from lxml import etree

from scorm.model import Item, Organization, Package, Resource
from scorm.olx import BLOCK_TYPE, OlxError, OlxOptions, build_plan, clean_text, static_path
from scorm.olx_write import write_archive
from tests.conftest import SHARED_FIXTURES

SAFE_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
TODAY = datetime(2025, 9, 1, tzinfo=UTC)


# -- helpers -----------------------------------------------------------------------------------------

def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def inspect(path: Path):
    from scorm.inspect import inspect_package

    report = inspect_package(path)
    assert report.valid, [issue.as_dict() for issue in report.errors]
    return report


def write(package: Package, zip_path: Path, tmp_path: Path, **options) -> tuple:
    sha = sha256_of(zip_path)
    plan = build_plan(package, sha, OlxOptions(**options), today=TODAY)
    out = tmp_path / "out.tar.gz"
    write_archive(plan, zip_path, out)
    return plan, out


def unpack(archive: Path, tmp_path: Path) -> Path:
    target = tmp_path / "unpacked"
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            assert member.name == "course" or member.name.startswith("course/"), member.name
            assert ".." not in member.name.split("/") and not member.name.startswith("/")
            assert member.isfile() or member.isdir()
        tar.extractall(target, filter="data")
    return target / "course"


def olx_problems(course_dir: Path) -> list[str]:
    """Every olxcleaner finding (errors, warnings and notes) after all eight steps."""
    course, errors, _names = olxcleaner.validate(str(course_dir), steps=8, allowed_xblocks=[BLOCK_TYPE])
    assert course is not None
    return [f"{e.level} {e.name}: {e.description}" for e in errors.errors]


def components(course_dir: Path) -> list[etree._Element]:
    """The components in course order (following the pointers), checking each unit holds exactly one."""
    run = etree.parse(str(course_dir / "course.xml")).getroot().get("url_name")
    found = []
    for chapter in etree.parse(str(course_dir / "course" / f"{run}.xml")).getroot():
        for seq in etree.parse(str(course_dir / "chapter" / f"{chapter.get('url_name')}.xml")).getroot():
            for unit in etree.parse(str(course_dir / "sequential" / f"{seq.get('url_name')}.xml")).getroot():
                children = list(etree.parse(str(course_dir / "vertical" / f"{unit.get('url_name')}.xml")).getroot())
                assert len(children) == 1 and children[0].tag == BLOCK_TYPE
                found.append(children[0])
    return found


def outline(course_dir: Path) -> list[tuple[str, list[tuple[str, list[str]]]]]:
    """The course as (chapter title, [(subsection title, [unit titles])]) following the pointers."""
    run = etree.parse(str(course_dir / "course.xml")).getroot().get("url_name")
    course = etree.parse(str(course_dir / "course" / f"{run}.xml")).getroot()

    def load(kind: str, url_name: str) -> etree._Element:
        return etree.parse(str(course_dir / kind / f"{url_name}.xml")).getroot()

    result = []
    for chapter_ptr in course:
        chapter = load("chapter", chapter_ptr.get("url_name"))
        sequentials = []
        for seq_ptr in chapter:
            sequential = load("sequential", seq_ptr.get("url_name"))
            units = [load("vertical", ptr.get("url_name")).get("display_name") for ptr in sequential]
            sequentials.append((sequential.get("display_name"), units))
        result.append((chapter.get("display_name"), sequentials))
    return result


def visible_launchables(package: Package) -> list[Item]:
    def walk(items, shown=True):
        for item in items:
            visible = shown and item.isvisible
            if item.isvisible and package.launch_url(item) is not None:
                yield item
            yield from walk(item.children, visible)
    return list(walk(package.default_org().items))


# -- the shared golf packages -------------------------------------------------------------------------

VALID = sorted((SHARED_FIXTURES / "scorm" / "valid").glob("*.zip"))


@pytest.mark.parametrize("name", [path.name for path in VALID] or ["(no fixtures)"])
def test_every_valid_fixture_gives_a_clean_archive(shared_fixtures, tmp_path, name):
    zip_path = shared_fixtures / "scorm" / "valid" / name
    report = inspect(zip_path)
    package = report.package
    plan, archive = write(package, zip_path, tmp_path)
    course_dir = unpack(archive, tmp_path)

    assert olx_problems(course_dir) == []
    # the package itself is inside, byte for byte, under its hash
    sha = sha256_of(zip_path)
    assert report.sha256 == sha
    assert (course_dir / "static" / static_path(sha)).read_bytes() == zip_path.read_bytes()
    # structure: files on disk agree with the plan, one component per unit
    counts = plan.counts()
    for kind, key in (("chapter", "chapters"), ("sequential", "sequentials"), ("vertical", "verticals")):
        assert len(list((course_dir / kind).glob("*.xml"))) == counts[key]
    found = components(course_dir)
    assert len(found) == counts["components"]
    for component in found:
        assert component.get("package_sha256") == sha
        assert component.get("package_file") == f"scorm/{sha}.zip"
        assert SAFE_NAME.match(component.get("url_name"))
    if package.has_sequencing:
        assert counts == {"chapters": 1, "sequentials": 1, "verticals": 1, "components": 1}
        assert found[0].get("toc") == "true" and found[0].get("launch_item") is None
    else:
        expected = [item.identifier for item in visible_launchables(package)]
        assert [c.get("launch_item") for c in found] == expected  # same items, same order as the TOC
        assert all(c.get("toc") is None for c in found)


def test_aggregations_become_subsections(shared_fixtures, tmp_path):
    zip_path = shared_fixtures / "scorm" / "valid" / "ContentPackagingOneFilePerSCO_SCORM12.zip"
    package = inspect(zip_path).package
    _plan, archive = write(package, zip_path, tmp_path)
    tree = outline(unpack(archive, tmp_path))
    assert len(tree) == 1 and tree[0][0] == "Golf Explained - CP One File Per SCO"
    subsections = tree[0][1]
    assert subsections[0][0] == "Playing the Game"
    assert len(subsections) == 4
    assert subsections[0][1][:2] == ["How to Play", "Par"]
    assert sum(len(units) for _title, units in subsections) == 18


def test_deep_items_become_chapters_and_are_flattened_below_subsections(shared_fixtures, tmp_path):
    zip_path = shared_fixtures / "scorm" / "valid" / "LaunchUrlFromNestedItem_SCORM12.zip"
    package = inspect(zip_path).package
    _plan, archive = write(package, zip_path, tmp_path)
    assert outline(unpack(archive, tmp_path)) == [
        ("Module 1", [("Chapter 1.1", ["Topic 1.1.1.1"])]),
        ("Module 2", [("Chapter 2.1", ["Section 2.1.1"])]),
    ]


def test_section_mode_gives_one_chapter(shared_fixtures, tmp_path):
    zip_path = shared_fixtures / "scorm" / "valid" / "LaunchUrlFromNestedItem_SCORM12.zip"
    package = inspect(zip_path).package
    plan, archive = write(package, zip_path, tmp_path, section=True, title="第一单元 SCORM")
    course_dir = unpack(archive, tmp_path)
    assert olx_problems(course_dir) == []
    assert outline(course_dir) == [
        ("第一单元 SCORM", [("Module 1", ["Topic 1.1.1.1"]), ("Module 2", ["Section 2.1.1"])]),
    ]
    assert plan.counts()["chapters"] == 1


def test_single_mode_gives_one_component_with_toc(shared_fixtures, tmp_path):
    zip_path = shared_fixtures / "scorm" / "valid" / "ContentPackagingOneFilePerSCO_SCORM12.zip"
    package = inspect(zip_path).package
    plan, archive = write(package, zip_path, tmp_path, single=True)
    course_dir = unpack(archive, tmp_path)
    assert olx_problems(course_dir) == []
    (component,) = components(course_dir)
    assert component.get("toc") == "true" and component.get("launch_item") is None
    assert component.get("display_name") == "Golf Explained - CP One File Per SCO"
    assert plan.toc and plan.notes == []


def test_sequencing_package_is_one_component(shared_fixtures, tmp_path):
    zip_path = shared_fixtures / "scorm" / "valid" / "SequencingSimpleRemediation_SCORM20043rdEdition.zip"
    package = inspect(zip_path).package
    assert package.has_sequencing
    plan, _archive = write(package, zip_path, tmp_path)
    assert plan.toc and plan.counts()["components"] == 1


# -- synthetic packages: the mapping rules ---------------------------------------------------------------

def _zip(tmp_path: Path) -> Path:
    path = tmp_path / "package.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("imsmanifest.xml", "<manifest/>")
    return path


def _package(items: list[Item], resources: int = 12, title: str = "Org") -> Package:
    res = [Resource(identifier=f"r{i}", scormtype="sco", href=f"s{i}.html", launch=f"s{i}.html")
           for i in range(resources)]
    res.append(Resource(identifier="asset", scormtype="asset", href="a.pdf", launch="a.pdf"))
    res.append(Resource(identifier="nohref", scormtype="asset"))
    organization = Organization(identifier="ORG", title=title, items=items)
    return Package(identifier="PKG", title="Package", default_organization="ORG", organizations=[organization],
                   resources=res)


def leaf(number: int, **kw) -> Item:
    return Item(identifier=kw.pop("identifier", f"i{number}"), identifierref=f"r{number}",
                title=kw.pop("title", f"Item {number}"), **kw)


def folder(identifier: str, *children: Item, **kw) -> Item:
    return Item(identifier=identifier, title=kw.pop("title", identifier.upper()), children=list(children), **kw)


def plan_of(items: list[Item], **options):
    return build_plan(_package(items), "ab" * 32, OlxOptions(**options), today=TODAY)


def shape(plan) -> list[tuple[str, list[tuple[str, list[str]]]]]:
    return [(c.display_name, [(s.display_name, [v.display_name for v in s.verticals]) for s in c.sequentials])
            for c in plan.chapters]


def test_a_flat_list_is_one_subsection_of_units():
    plan = plan_of([leaf(1), leaf(2), leaf(3)])
    assert shape(plan) == [("Org", [("Org", ["Item 1", "Item 2", "Item 3"])])]


def test_two_levels_make_subsections_under_one_chapter():
    plan = plan_of([folder("a", leaf(1), leaf(2)), leaf(3), folder("b", leaf(4))])
    assert shape(plan) == [("Org", [("A", ["Item 1", "Item 2"]), ("Org", ["Item 3"]), ("B", ["Item 4"])])]


def test_deeper_levels_are_flattened_into_units_and_leaves_are_wrapped():
    tree = [
        folder("u1", folder("l1", folder("t1", folder("x", leaf(1)), leaf(2)), leaf(3)), leaf(4)),
        leaf(5), leaf(6),
        folder("u2", leaf(7)),
    ]
    plan = plan_of(tree)
    assert shape(plan) == [
        ("U1", [("L1", ["Item 1", "Item 2", "Item 3"]), ("U1", ["Item 4"])]),
        ("Org", [("Org", ["Item 5", "Item 6"])]),
        ("U2", [("U2", ["Item 7"])]),
    ]
    assert plan.counts() == {"chapters": 3, "sequentials": 4, "verticals": 7, "components": 7}


def test_a_folder_that_launches_comes_first_in_its_subsection():
    parent = Item(identifier="p", title="Parent", identifierref="r0", children=[leaf(1)])
    assert shape(plan_of([folder("top", parent, leaf(2)), folder("deep", folder("d", leaf(3)))])) == [
        ("TOP", [("Parent", ["Parent", "Item 1"]), ("TOP", ["Item 2"])]),
        ("DEEP", [("D", ["Item 3"])]),
    ]


def test_hidden_items_assets_and_empty_folders():
    tree = [
        leaf(1),
        leaf(2, isvisible=False),                                   # hidden leaf: no unit, a warning
        folder("h", leaf(3), leaf(4), isvisible=False),             # hidden folder: its children move up
        Item(identifier="pdf", title="Handout", identifierref="asset"),  # a launchable asset gets a unit
        Item(identifier="broken", title="No href", identifierref="nohref"),
        folder("empty"),
    ]
    plan = plan_of(tree)
    assert shape(plan) == [("Org", [("Org", ["Item 1", "Item 3", "Item 4", "Handout"])])]
    assert [(n.code, n.where.item) for n in plan.notes] == [
        ("olx_item_hidden", "i2"), ("olx_item_empty", "broken"), ("olx_item_empty", "empty")]
    assert all(n.severity == "warning" and n.message for n in plan.notes)


def test_everything_hidden_falls_back_to_one_component():
    plan = plan_of([leaf(1, isvisible=False), leaf(2, isvisible=False)])
    assert plan.toc and plan.counts()["components"] == 1
    assert [n.code for n in plan.notes] == ["olx_all_hidden"]


HOSTILE = [
    "Intro\x00\x01\x02\x08\x0b\x0c\x1b\x7f end",
    "<script>alert('x')</script> & \"quotes\" ]]> <!-- -->",
    "right\u202eto\u202dleft\u2066iso\u2069",
    "lone \ud800 surrogate \ufffe\uffff",
    "tabs\tand\nnew\r\nlines   spaced",
    "第一章　绪论 😀",
    "x" * 1000,
    "",
]


def test_hostile_titles_and_identifiers_make_a_clean_archive(tmp_path):
    identifiers = ["a b", "a_b", "A_B", "a/b", "第一章", "第二章", "..", "x" * 300, "con", "dup", "DUP"]
    items = [leaf(i, identifier=identifier, title=HOSTILE[i % len(HOSTILE)])
             for i, identifier in enumerate(identifiers)]
    tree = [folder("f1", folder("s1", *items[:6])), folder("f2", folder("s2", *items[6:]))]
    package = _package(tree, title=HOSTILE[0])
    zip_path = _zip(tmp_path)
    plan, archive = write(package, zip_path, tmp_path, title=HOSTILE[1])
    course_dir = unpack(archive, tmp_path)
    assert olx_problems(course_dir) == []

    names = []
    for path in course_dir.rglob("*.xml"):
        root = etree.parse(str(path)).getroot()  # every file is well-formed
        for element in root.iter():
            if element.get("url_name") and element.tag != "course":
                names.append((element.tag, element.get("url_name")))
            title = element.get("display_name")
            if title is not None:
                assert title == title.strip() and len(title) <= 255
                assert not re.search(r"[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069\ud800-\udfff]", title), title
    url_names = {name for _tag, name in names}
    assert all(SAFE_NAME.match(name) and len(name) <= 80 for name in url_names)
    assert len({name.casefold() for name in url_names}) == len(plan.components()) * 2 + sum(
        len(c.sequentials) for c in plan.chapters) + len(plan.chapters)
    launched = sorted(c.get("launch_item") for c in components(course_dir))
    assert launched == sorted(identifiers)  # identifiers are kept as written, to find the item again
    assert plan.title == "<script>alert('x')</script> & \"quotes\" ]]> <!-- -->"
    raw = (course_dir / "course" / "scorm.xml").read_text(encoding="utf-8")
    assert "<script>" not in raw and "&lt;script&gt;" in raw


@pytest.mark.parametrize("text", HOSTILE)
def test_clean_text_always_gives_xml_safe_one_line_text(text):
    cleaned = clean_text(text)
    element = etree.Element("x")
    element.set("t", cleaned)  # lxml refuses anything XML cannot carry
    assert "\n" not in cleaned and len(cleaned) <= 255
    assert etree.fromstring(etree.tostring(element)).get("t") == cleaned


def test_url_names_are_deterministic_and_prefixed_with_the_package_hash():
    tree = [folder("a", leaf(1)), folder("b", leaf(2))]
    first, second = plan_of(tree), plan_of(tree)
    assert shape(first) == shape(second)
    assert [c.url_name for c in first.components()] == [c.url_name for c in second.components()]
    assert all(c.url_name.startswith("abababab_") for c in first.components())


# -- options, failures, atomicity ------------------------------------------------------------------

def test_course_key_and_dates_go_into_course_xml_and_policy(tmp_path):
    zip_path = _zip(tmp_path)
    start, end = datetime(2025, 9, 1, tzinfo=UTC), datetime(2026, 1, 31, tzinfo=UTC)
    _plan, archive = write(_package([leaf(1)]), zip_path, tmp_path, org="PKU", number="CS101", run="2025_Fall",
                           start=start, end=end)
    course_dir = unpack(archive, tmp_path)
    root = etree.parse(str(course_dir / "course.xml")).getroot()
    assert dict(root.attrib) == {"url_name": "2025_Fall", "org": "PKU", "course": "CS101"}
    policy = json.loads((course_dir / "policies" / "2025_Fall" / "policy.json").read_text())
    assert policy["course/2025_Fall"]["start"] == "2025-09-01T00:00:00Z"
    assert policy["course/2025_Fall"]["end"] == "2026-01-31T00:00:00Z"
    assert policy["course/2025_Fall"]["advanced_modules"] == [BLOCK_TYPE]
    assets = json.loads((course_dir / "policies" / "assets.json").read_text())
    assert assets[f"scorm_{sha256_of(zip_path)}.zip"]["locked"] is True
    assert olx_problems(course_dir) == []


@pytest.mark.parametrize("options", [{"org": "has space"}, {"run": "a/b"}, {"number": "x" * 65},
                                     {"org": "../etc"}, {"run": "课程"}])
def test_bad_course_key_parts_are_usage_errors(options):
    with pytest.raises(OlxError) as caught:
        plan_of([leaf(1)], **options)
    assert caught.value.code == "olx_bad_key_part" and caught.value.exit_code == 2


def test_end_before_start_is_a_usage_error():
    with pytest.raises(OlxError) as caught:
        plan_of([leaf(1)], start=datetime(2026, 1, 1, tzinfo=UTC), end=datetime(2025, 1, 1, tzinfo=UTC))
    assert caught.value.code == "olx_bad_dates" and caught.value.exit_code == 2


def test_a_package_without_organization_is_refused():
    with pytest.raises(OlxError) as caught:
        build_plan(Package(identifier="P"), "ab" * 32)
    assert caught.value.code == "olx_nothing"


def test_a_zip_that_does_not_match_its_hash_leaves_nothing_behind(tmp_path):
    zip_path = _zip(tmp_path)
    plan = build_plan(_package([leaf(1)]), "0" * 64, today=TODAY)
    out = tmp_path / "out" / "course.tar.gz"
    out.parent.mkdir()
    with pytest.raises(OlxError) as caught:
        write_archive(plan, zip_path, out)
    assert caught.value.code == "olx_package_changed"
    assert list(out.parent.iterdir()) == []


def test_an_existing_archive_is_kept_when_writing_fails(tmp_path):
    zip_path = _zip(tmp_path)
    out = tmp_path / "course.tar.gz"
    out.write_bytes(b"previous")
    plan = build_plan(_package([leaf(1)]), "0" * 64, today=TODAY)
    with pytest.raises(OlxError):
        write_archive(plan, zip_path, out)
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["course.tar.gz", "package.zip"]


def test_an_unwritable_destination_is_a_typed_error(tmp_path):
    zip_path = _zip(tmp_path)
    plan = build_plan(_package([leaf(1)]), sha256_of(zip_path), today=TODAY)
    with pytest.raises(OlxError) as caught:
        write_archive(plan, zip_path, tmp_path / "missing" / "x.tar.gz")
    assert caught.value.code == "olx_write_failed"


def test_the_zip_is_streamed_with_progress(tmp_path):
    zip_path = tmp_path / "big.zip"
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("imsmanifest.xml", "<manifest/>")
        archive.writestr("blob.bin", bytes(range(256)) * 20_000)  # ~5 MB, several chunks
    seen: list[int] = []
    plan = build_plan(_package([leaf(1)]), sha256_of(zip_path), today=TODAY)
    write_archive(plan, zip_path, tmp_path / "out.tar.gz", progress=seen.append)
    assert sum(seen) == zip_path.stat().st_size and len(seen) > 1
    assert max(seen) <= 1 << 20
