"""Hostile zips: each refused with its own code, nothing written anywhere, no exception escaping."""

from __future__ import annotations

import io
import random
import stat
import zipfile

import pytest

from scorm.errors import ScormError
from scorm.inspect import exit_code, import_package, inspect_package
from scorm.limits import Limits
from scorm.safezip import ZipSource
from tests.scorm import zipmaker as zm

MiB = 2**20


def _zeros(size: int) -> bytes:
    return bytes(size)


def _noise(size: int) -> str:
    return random.Random(1).randbytes(size).hex()


def _encrypted() -> bytes:
    return zm.patch_entry(zm.package(), "index.html", flags_or=0x1)


def _overlapping() -> bytes:
    data = zm.build({"imsmanifest.xml": zm.manifest(), "index.html": "<html>hi</html>", "other.html": "x" * 50})
    return zm.patch_entry(data, "other.html", offset=0)


def _lying_small() -> bytes:
    """The header claims 1,000 bytes; the data inflates to 8 MiB (and the per-file limit is 1 MiB)."""
    data = zm.package({"big.bin": _zeros(8 * MiB)})
    return zm.patch_entry(data, "big.bin", file_size=1000)


def _lying_large() -> bytes:
    data = zm.package({"page.html": "<html>" + "x" * 5000 + "</html>"})
    return zm.patch_entry(data, "page.html", file_size=900_000)


def _truncated() -> bytes:
    data = zm.package({"media.bin": bytes(range(256)) * 400})
    return data[: len(data) // 2]


def _stored_bit_flipped() -> bytes:
    """One byte of a stored member's data changed: only the CRC-32 check can tell."""
    data = zm.build({"imsmanifest.xml": zm.manifest(), "index.html": "<html>hello, learner</html>"},
                    compression=zipfile.ZIP_STORED)
    return data.replace(b"hello, learner", b"hello, LEARNER")


def _deflated_bad_crc() -> bytes:
    """A deflated member whose headers (local and central) both carry a wrong CRC-32."""
    data = bytearray(zm.package({"page.html": "<html>" + "page " * 2000 + "</html>"}))
    for signature, name_at, crc_at in ((b"PK\x03\x04", 30, 14), (b"PK\x01\x02", 46, 16)):
        index = data.find(signature)
        while index >= 0:
            if data[index + name_at:index + name_at + 9] == b"page.html":
                data[index + crc_at] ^= 0xFF
            index = data.find(signature, index + 4)
    return bytes(data)


def _local_name_differs() -> bytes:
    """The local header names another file than the central directory does (same length)."""
    data = zm.package({"page1.html": "<html>one</html>"})
    return data.replace(b"page1.html", b"page2.html", 1)


def _deflate_garbled() -> bytes:
    """The deflate stream of a member overwritten with bytes that are not deflate."""
    text = "<html>" + random.Random(2).randbytes(3000).hex() + "</html>"
    data = bytearray(zm.package({"page.html": text}))
    start = data.find(b"page.html") + len("page.html")
    data[start:start + 64] = b"\xff" * 64
    return bytes(data)


def _xml(text: str) -> bytes:
    return zm.build({"imsmanifest.xml": text, "index.html": "<html/>"})


XXE = """<?xml version="1.0"?>
<!DOCTYPE manifest [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<manifest identifier="x" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"><metadata>&xxe;</metadata></manifest>
"""
LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<manifest identifier="x"><metadata>&lol3;</metadata></manifest>
"""
PARAMETER_XXE = """<?xml version="1.0"?>
<!DOCTYPE manifest [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<manifest identifier="x"/>
"""
HUGE_ATTRIBUTE = zm.manifest().replace('identifier="test.pkg"', 'identifier="' + "A" * 20_000 + '"')

# (id, zip bytes builder, limits, expected code)
CASES = [
    ("dotdot", lambda: zm.package({"../evil.html": "x"}), None, "path_traversal"),
    ("dotdot-deep", lambda: zm.package({"a/b/../../../evil.html": "x"}), None, "path_traversal"),
    ("dotdot-backslash", lambda: zm.package({"..\\..\\evil.html": "x"}), None, "path_traversal"),
    ("dotdot-mixed", lambda: zm.package({"a\\../../evil.html": "x"}), None, "path_traversal"),
    ("absolute", lambda: zm.package({"/etc/evil.html": "x"}), None, "path_absolute"),
    ("absolute-backslash", lambda: zm.package({"\\evil.html": "x"}), None, "path_absolute"),
    ("unc", lambda: zm.package({"\\\\server\\share\\evil.html": "x"}), None, "path_absolute"),
    ("drive", lambda: zm.package({"C:\\Windows\\evil.html": "x"}), None, "path_drive"),
    ("drive-relative", lambda: zm.package({"C:evil.html": "x"}), None, "path_drive"),
    ("drive-inside", lambda: zm.package({"a/D:/evil.html": "x"}), None, "path_drive"),
    ("nul", lambda: zm.rename_raw(zm.package({"evilX.html": "x"}), "evilX.html", b"evil\x00.html"), None,
     "path_control"),
    ("newline", lambda: zm.package({"evil\n.html": "x"}), None, "path_control"),
    ("only-dots", lambda: zm.package({"./.": "x"}), None, "path_invalid"),
    ("long-name", lambda: zm.package({"a" * 300 + ".html": "x"}), None, "path_too_long"),
    ("symlink", zm.symlink_zip, None, "symlink"),
    ("fifo", lambda: zm.with_info([(zipfile.ZipInfo("imsmanifest.xml"), zm.manifest().encode()),
                                   (zm.unix_entry("index.html", stat.S_IFIFO | 0o644), b"")]), None, "special_file"),
    ("device", lambda: zm.with_info([(zipfile.ZipInfo("imsmanifest.xml"), zm.manifest().encode()),
                                     (zm.unix_entry("dev", stat.S_IFCHR | 0o644), b"")]), None, "special_file"),
    ("encrypted", _encrypted, None, "encrypted"),
    ("case-collision", lambda: zm.package({"Index.html": "y"}), None, "name_collision"),
    ("nfc-collision", lambda: zm.package({"caf\u00e9.html": "a", "cafe\u0301.html": "b"}), None, "name_collision"),
    ("file-vs-folder", lambda: zm.package({"lesson": "a", "lesson/page.html": "b"}), None, "name_collision"),
    ("duplicate", lambda: zm.package({"dup.html": "a", "./dup.html": "b"}), None, "name_collision"),
    ("bomb-ratio", lambda: zm.package({"bomb.bin": _zeros(20 * MiB)}), None, "ratio_too_high"),
    ("bomb-total-ratio", lambda: zm.package({"bomb.bin": _zeros(20 * MiB)}),
     Limits(max_entry_ratio=100_000, max_total_ratio=50), "total_ratio_too_high"),
    ("bomb-size", lambda: zm.package({f"f{n}.bin": _zeros(MiB) for n in range(3)}),
     Limits(max_total_bytes=2 * MiB, max_entry_ratio=100_000, max_total_ratio=100_000), "total_too_large"),
    ("entry-size", lambda: zm.package({"big.bin": _zeros(2 * MiB)}),
     Limits(max_entry_bytes=MiB, max_entry_ratio=100_000, max_total_ratio=100_000), "entry_too_large"),
    ("lying-small", _lying_small, Limits(max_entry_bytes=MiB, max_entry_ratio=100_000, max_total_ratio=100_000),
     "size_mismatch"),
    ("lying-large", _lying_large, None, "size_mismatch"),
    ("overlapping", _overlapping, None, "overlapping_entries"),
    ("unsupported-method", lambda: zm.patch_entry(zm.package(), "index.html", compress_type=99), None,
     "unsupported_compression"),
    ("xxe", lambda: _xml(XXE), None, "xml_external_entity"),
    ("xxe-parameter", lambda: _xml(PARAMETER_XXE), None, "xml_external_entity"),
    ("billion-laughs", lambda: _xml(LAUGHS), None, "xml_entity_declaration"),
    ("huge-attribute", lambda: _xml(HUGE_ATTRIBUTE), None, "xml_attribute_too_long"),
    ("huge-manifest", lambda: _xml(zm.manifest().replace("<metadata>", "<metadata><!--" + _noise(MiB) + "-->")),
     Limits(max_manifest_bytes=MiB), "manifest_too_large"),
    ("truncated", _truncated, None, "truncated"),
    ("stored-bit-flipped", _stored_bit_flipped, None, "size_mismatch"),
    ("deflated-bad-crc", _deflated_bad_crc, None, "size_mismatch"),
    ("local-name-differs", _local_name_differs, None, "corrupt_entry"),
    ("deflate-garbled", _deflate_garbled, None, "corrupt_entry"),
    ("not-a-zip", lambda: b"this is not a zip file at all\n" * 10, None, "not_a_zip"),
    ("empty-file", lambda: b"", None, "not_a_zip"),
]


@pytest.mark.parametrize(("builder", "limits", "code"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_hostile_zip_is_refused_with_its_code_and_writes_nothing(tmp_path, builder, limits, code):
    data = builder()
    path = zm.write(tmp_path, data)
    store = tmp_path / "store"
    before = zm.tree(tmp_path)

    report = inspect_package(path, limits=limits)
    assert code in [issue.code for issue in report.errors], [issue.as_dict() for issue in report.issues]
    assert exit_code(report) == (2 if code in ("truncated", "not_a_zip") else 1)
    assert zm.tree(tmp_path) == before  # inspect writes nothing

    result = import_package(path, store, limits=limits)
    assert not result.stored and result.path is None
    assert code in [issue.code for issue in result.report.errors]
    # nothing outside the store, nothing inside it but an empty staging folder
    assert [name for name in zm.tree(tmp_path) if name not in before] in ([], ["store"], ["store", "store/.staging"])
    # the sentence names what was wrong and is not a traceback
    issue = next(issue for issue in result.report.errors if issue.code == code)
    assert issue.message and "Traceback" not in issue.message and "{" not in issue.message


@pytest.mark.parametrize(("builder", "limits", "code"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_hostile_stream_raises_only_the_typed_error(builder, limits, code):
    """The lower layer raises ScormError (with the same code) and nothing else."""
    try:
        with ZipSource(io.BytesIO(builder()), limits) as source:
            for entry in source.in_order(source.entries):
                source.stream(entry, lambda chunk: None, max_bytes=(limits or Limits()).max_manifest_bytes)
    except ScormError as error:
        assert error.exit_code in (1, 2)
        return
    # XML-level cases are only found by the manifest parser: check them through inspect
    report = inspect_package(io.BytesIO(builder()), limits=limits)
    assert code in [issue.code for issue in report.errors]


def test_one_hundred_thousand_entries_are_refused_before_reading_them(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("imsmanifest.xml", zm.manifest())
        archive.writestr("index.html", "<html/>")
        for number in range(100_000):
            archive.writestr(f"f/{number}", b"")
    path = zm.write(tmp_path, buffer.getvalue())
    report = inspect_package(path)
    assert [issue.code for issue in report.errors] == ["too_many_entries"]
    result = import_package(path, tmp_path / "store")
    assert not result.stored
    assert not (tmp_path / "store").exists() or zm.tree(tmp_path / "store") in ([], [".staging"])


def test_entry_count_checked_even_when_the_end_record_lies(tmp_path):
    """Limits apply to the entries zipfile really finds, not only to the count the end record claims."""
    data = zm.package({f"f{n}.html": "x" for n in range(30)})
    report = inspect_package(io.BytesIO(data), limits=Limits(max_entries=10))
    assert [issue.code for issue in report.errors] == ["too_many_entries"]


def test_a_lying_header_cannot_get_bytes_past_the_limit(tmp_path):
    """Even if zipfile trusted the header, our count of bytes actually produced stops the copy."""
    data = zm.patch_entry(zm.package({"big.bin": _zeros(8 * MiB)}), "big.bin", file_size=1000)
    written = []
    limits = Limits(max_entry_bytes=MiB, max_entry_ratio=100_000, max_total_ratio=100_000)
    with ZipSource(io.BytesIO(data), limits) as source, pytest.raises(ScormError) as caught:
        entry = next(entry for entry in source.entries if entry.path == "big.bin")
        source.stream(entry, written.append)
    assert caught.value.code == "size_mismatch"
    assert sum(map(len, written)) <= 1000
