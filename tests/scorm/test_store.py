"""Sources (zip path, stream, folder), name decoding, single-pass hashing, and the content-addressed store."""

from __future__ import annotations

import hashlib
import io
import os
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest

from scorm.inspect import exit_code, import_package, inspect_package
from scorm.limits import Limits
from scorm.safezip import CHUNK, BackgroundSha256, ZipSource
from scorm.storage import PackageStore
from tests.scorm import zipmaker as zm


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_import_stores_the_package_under_its_sha256(tmp_path):
    data = zm.package({"media/clip.bin": os.urandom(3 * CHUNK + 17), "css/site.css": "body{}"})
    path = zm.write(tmp_path, data)
    result = import_package(path, tmp_path / "store")
    assert result.stored and result.created and result.sha256 == _sha(data)
    assert result.path == tmp_path / "store" / _sha(data)
    assert zm.tree(result.path) == ["css", "css/site.css", "imsmanifest.xml", "index.html", "media", "media/clip.bin"]
    with zipfile.ZipFile(path) as archive:
        assert (result.path / "media/clip.bin").read_bytes() == archive.read("media/clip.bin")
    assert result.report.package.sha256 == _sha(data)
    assert list((tmp_path / "store" / ".staging").iterdir()) == []


def test_importing_the_same_zip_twice_is_a_no_op(tmp_path):
    path = zm.write(tmp_path, zm.package())
    first = import_package(path, tmp_path / "store")
    marker = first.path / "index.html"
    stamp = marker.stat().st_mtime_ns
    second = import_package(path, tmp_path / "store")
    assert second.stored and not second.created and second.path == first.path
    assert marker.stat().st_mtime_ns == stamp
    assert sorted(p.name for p in (tmp_path / "store").iterdir()) == [".staging", first.sha256]
    assert list((tmp_path / "store" / ".staging").iterdir()) == []


def test_concurrent_importers_of_one_package_do_not_corrupt_each_other(tmp_path):
    data = zm.package({f"media/{n}.bin": os.urandom(50_000) for n in range(20)})
    path = zm.write(tmp_path, data)
    barrier = threading.Barrier(4)

    def run(_n):
        barrier.wait()
        return import_package(path, tmp_path / "store")

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(run, range(4)))
    assert all(result.stored for result in results)
    assert sum(result.created for result in results) == 1
    stored = results[0].path
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            assert (stored / name).read_bytes() == archive.read(name)
    assert list((tmp_path / "store" / ".staging").iterdir()) == []


def test_a_failure_half_way_leaves_nothing_behind(tmp_path):
    """The bad entry comes after good ones were written to staging: staging is removed, nothing is stored."""
    data = zm.patch_entry(zm.package({"zz-last.html": "<html>" + "x" * 4000 + "</html>"}), "zz-last.html",
                          file_size=100)
    path = zm.write(tmp_path, data)
    result = import_package(path, tmp_path / "store")
    assert not result.stored and [issue.code for issue in result.report.errors] == ["size_mismatch"]
    assert zm.tree(tmp_path / "store") == [".staging"]


def test_invalid_packages_are_not_stored(tmp_path):
    path = zm.write(tmp_path, zm.build({"imsmanifest.xml": zm.manifest()}))
    result = import_package(path, tmp_path / "store")
    assert not result.stored and "launch_file_missing" in [issue.code for issue in result.report.errors]
    assert not (tmp_path / "store").exists()


def test_stale_staging_folders_are_cleaned(tmp_path):
    store = PackageStore(tmp_path)
    (tmp_path / ".staging" / "import-old").mkdir(parents=True)
    os.utime(tmp_path / ".staging" / "import-old", (0, 0))
    (tmp_path / ".staging" / "import-new").mkdir()
    assert store.clean_stale() == 1
    assert [p.name for p in (tmp_path / ".staging").iterdir()] == ["import-new"]
    with pytest.raises(ValueError):
        store.path_for("../etc")


def test_single_pass_hash_matches_the_file_with_data_descriptors_and_a_prefix(tmp_path):
    """A zip written to a pipe has data descriptors between entries; a self-extractor has bytes before it."""

    class Pipe(io.RawIOBase):
        def __init__(self):
            self.buffer = bytearray()

        def writable(self):
            return True

        def write(self, data):
            self.buffer += data
            return len(data)

    pipe = Pipe()
    with zipfile.ZipFile(pipe, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", zm.manifest())
        archive.writestr("index.html", "<html/>")
        with archive.open("big.bin", "w") as member:
            member.write(os.urandom(2 * CHUNK))
    for data in (bytes(pipe.buffer), b"MZ-stub" * 100 + bytes(pipe.buffer)):
        report = inspect_package(io.BytesIO(data))
        assert report.valid, [issue.as_dict() for issue in report.issues]
        assert report.sha256 == _sha(data)


def test_members_are_streamed_in_bounded_chunks():
    data = zm.package({"big.bin": os.urandom(5 * CHUNK)})
    sizes = []
    with ZipSource(io.BytesIO(data)) as source:
        entry = next(entry for entry in source.entries if entry.path == "big.bin")
        assert source.stream(entry, lambda chunk: sizes.append(len(chunk))) == 5 * CHUNK
    assert max(sizes) <= CHUNK and len(sizes) >= 5


def test_binary_streams_seekable_or_not(tmp_path):
    data = zm.package()

    class OneWay(io.RawIOBase):
        def __init__(self, raw):
            self.raw = io.BytesIO(raw)

        def readable(self):
            return True

        def seekable(self):
            return False

        def readinto(self, buffer):
            chunk = self.raw.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    for stream in (io.BytesIO(data), io.BufferedReader(OneWay(data))):
        report = inspect_package(stream, name="upload.zip")
        assert report.valid and report.sha256 == _sha(data) and report.source == "upload.zip"
    result = import_package(io.BufferedReader(OneWay(data)), tmp_path / "store")
    assert result.stored and result.sha256 == _sha(data)
    too_big = inspect_package(io.BufferedReader(OneWay(data)), limits=Limits(max_total_bytes=100))
    assert [issue.code for issue in too_big.errors] == ["total_too_large"]


def test_package_root_in_a_single_top_folder_ignoring_macos_litter(tmp_path):
    data = zm.package({"__MACOSX/course/._imsmanifest.xml": "junk", "course/.DS_Store": "x"}, prefix="course/")
    result = import_package(io.BytesIO(data), tmp_path / "store")
    assert result.stored and result.report.package.root == "course/"
    assert zm.tree(result.path) == [".DS_Store", "imsmanifest.xml", "index.html"]


def test_several_manifests_are_an_error_that_names_them():
    data = zm.build({"a/imsmanifest.xml": zm.manifest(), "a/index.html": "x",
                     "b/imsmanifest.xml": zm.manifest(), "b/index.html": "x"})
    report = inspect_package(io.BytesIO(data))
    issue = report.errors[0]
    assert issue.code == "manifest_ambiguous"
    assert "a/imsmanifest.xml" in issue.message and "b/imsmanifest.xml" in issue.message


def test_a_manifest_too_deep_or_absent_is_reported():
    deep = inspect_package(io.BytesIO(zm.build({"x/y/imsmanifest.xml": zm.manifest(), "x/y/index.html": "a"})))
    assert [issue.code for issue in deep.errors] == ["manifest_not_at_root"]
    assert "x/y/imsmanifest.xml" in deep.errors[0].message
    none = inspect_package(io.BytesIO(zm.build({"index.html": "a"})))
    assert [issue.code for issue in none.errors] == ["manifest_missing"] and exit_code(none) == 1


def test_aicc_is_recognised():
    crs = "[Course]\nCourse_Creator=Test\nCourse_Title=Safety Basics\n"
    report = inspect_package(io.BytesIO(zm.build({"course.crs": crs, "course.au": "x", "course.des": "x",
                                                  "course.cst": "x"})))
    assert report.type == "aicc" and report.to_contract()["title"] == "Safety Basics"
    assert [issue.code for issue in report.errors] == ["type_aicc"]


@pytest.mark.parametrize(("name", "codec"), [("课程/第一章.html", "gb18030"), ("课程/第二章 练习.html", "gbk"),
                                             ("cours/leçon é.html", "utf-8")])
def test_names_without_the_utf8_flag_are_decoded(tmp_path, name, codec):
    raw = name.encode(codec)
    placeholder = zm.placeholder_for(raw, ".html")
    data = zm.build({"imsmanifest.xml": zm.manifest(name), placeholder: "<html>章</html>"})
    data = zm.rename_raw(data, placeholder, raw)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # really written without the flag
        info = archive.infolist()[1]
        assert not info.flag_bits & 0x800
        assert info.filename != name
    report = inspect_package(io.BytesIO(data))
    assert report.valid, [issue.as_dict() for issue in report.issues]
    result = import_package(io.BytesIO(data), tmp_path / "store")
    assert (result.path / name).read_text() == "<html>章</html>"


def test_info_zip_unicode_path_field_wins():
    name = "资料/说明.html"
    raw = b"\xff\xfelegacy.html"  # what an old zipper wrote in its own code page
    placeholder = zm.placeholder_for(raw)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("imsmanifest.xml", zm.manifest(name))
        info = zipfile.ZipInfo(placeholder)
        body = bytes([1]) + zipfile.crc32(raw).to_bytes(4, "little") + name.encode()
        info.extra = (0x7075).to_bytes(2, "little") + len(body).to_bytes(2, "little") + body
        archive.writestr(info, "<html/>")
    data = zm.rename_raw(buffer.getvalue(), placeholder, raw)
    report = inspect_package(io.BytesIO(data))
    assert report.valid, [issue.as_dict() for issue in report.issues]


def test_folder_input_inspects_imports_and_hashes_stably(tmp_path):
    folder = tmp_path / "unpacked" / "course"
    (folder / "media").mkdir(parents=True)
    (folder / "imsmanifest.xml").write_text(zm.manifest())
    (folder / "index.html").write_text("<html/>")
    (folder / "media" / "a.bin").write_bytes(os.urandom(1000))
    first = inspect_package(tmp_path / "unpacked")
    assert first.valid and first.package.root == "course/"
    assert inspect_package(tmp_path / "unpacked").sha256 == first.sha256
    result = import_package(tmp_path / "unpacked", tmp_path / "store")
    assert result.stored and result.sha256 == first.sha256
    assert zm.tree(result.path) == ["imsmanifest.xml", "index.html", "media", "media/a.bin"]
    (folder / "media" / "a.bin").write_bytes(b"changed")
    assert inspect_package(tmp_path / "unpacked").sha256 != first.sha256


def test_folder_with_a_symlink_is_refused(tmp_path):
    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "imsmanifest.xml").write_text(zm.manifest())
    (folder / "index.html").symlink_to("/etc/passwd")
    report = inspect_package(folder)
    assert [issue.code for issue in report.errors] == ["symlink"]
    assert not import_package(folder, tmp_path / "store").stored


def test_missing_source_is_unreadable(tmp_path):
    report = inspect_package(tmp_path / "nope.zip")
    assert [issue.code for issue in report.errors] == ["source_missing"] and exit_code(report) == 2


def test_progress_bar_only_on_a_terminal(tmp_path):
    from scorm.progress import NullProgress, TqdmProgress, terminal_progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    progress = terminal_progress(screen)
    assert isinstance(progress, TqdmProgress)
    data = zm.package({"media.bin": os.urandom(2 * 2**20)})  # 2 MiB, whatever the chunk size
    assert inspect_package(io.BytesIO(data), progress=progress).valid
    assert "package.zip" in screen.getvalue() and "2.00M" in screen.getvalue()
    assert isinstance(terminal_progress(io.StringIO()), NullProgress)


def test_background_sha256_is_the_sha256_of_what_it_was_fed_in_order():
    parts = [b"", b"PK\x03\x04", os.urandom(300_000), b"x" * 5, os.urandom(2 * CHUNK), os.urandom(70_000)]
    hasher = BackgroundSha256()
    for part in parts[:3]:
        hasher.update(part)
    for part in parts[3:]:
        hasher.update(memoryview(part))
    assert hasher.hexdigest() == _sha(b"".join(parts))
    assert BackgroundSha256().hexdigest() == _sha(b"")


def test_background_sha256_thread_stops_when_closed_or_finished():
    def running() -> int:
        return sum(1 for thread in threading.enumerate() if thread.name == "scorm-sha256")

    before = running()
    abandoned = BackgroundSha256()
    abandoned.update(os.urandom(2 * CHUNK))
    assert running() == before + 1
    abandoned.close()
    finished = BackgroundSha256()
    finished.update(os.urandom(2 * CHUNK))
    finished.hexdigest()
    data = zm.package({"media/clip.bin": os.urandom(3 * CHUNK)})
    with ZipSource(io.BytesIO(data)) as source:  # read, then left without a digest (as a failed import is)
        for entry in source.in_order(source.entries):
            source.stream(entry, lambda _chunk: None)
        assert running() == before + 1
    assert running() == before
