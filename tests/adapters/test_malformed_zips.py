"""Workbook and OneRoster bundle zips that are bombs or broken: a typed DataError with a sentence, never a trace
(issue #13 item 7). The zips are built here, small; the 400 MB bomb is in tests/sync/test_e2e_hostile.py."""

from __future__ import annotations

import zipfile

import pytest

from adapters.errors import DataError
from adapters.oneroster import OneRosterCsvAdapter
from adapters.spreadsheet import XlsxAdapter
from tests.sync.hostile_files import shared_strings_bomb

from .oneroster.test_csv import USERS, _zip
from .test_spreadsheet_reading import make_xlsx


def read_error(path, options=None) -> DataError:
    with pytest.raises(DataError) as info:
        list(XlsxAdapter.from_spec(str(path), options or {}).read("scores"))
    assert info.value.message
    return info.value


def test_shared_strings_are_bounded_on_their_own_and_the_bound_is_an_option(tmp_path):
    path = shared_strings_bomb(tmp_path / "s.xlsx", 3 * 2**20)
    adapter = XlsxAdapter.from_spec(str(path), {})
    assert [s.person.student_number for s in adapter.read("scores")] == ["2025000001", "2025000002", "2025000003"]
    assert ("cell_too_long", 2) in {(i["code"], i["row"]) for i in adapter.issues}, "the 3 MB string is one cell"
    error = read_error(path, {"max_part_mb": "2"})
    assert error.code == "part_too_large" and error.where["part"] == "xl/sharedStrings.xml"
    assert "max_part_mb" in error.message


def test_shared_strings_named_as_a_worksheet_are_still_bounded_as_shared_strings(tmp_path):
    path = shared_strings_bomb(tmp_path / "s.xlsx", 3 * 2**20)
    with zipfile.ZipFile(path) as source:
        parts = {i.filename: source.read(i.filename) for i in source.infolist()}
    parts["xl/worksheets/sheet2.xml"] = parts.pop("xl/sharedStrings.xml")
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b'Target="sharedStrings.xml"', b'Target="worksheets/sheet2.xml"')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    assert read_error(path, {"max_part_mb": "2"}).where["part"] == "xl/worksheets/sheet2.xml"


def test_a_worksheet_has_its_own_bound(tmp_path):
    rows = [["学号", "总成绩"]] + [[str(n), 80] for n in range(1, 30_000)]
    path = make_xlsx(tmp_path / "g.xlsx", rows)
    assert read_error(path, {"max_sheet_mb": "0"}).code == "part_too_large"


def _patched(path, old: bytes, new: bytes):
    data = path.read_bytes()
    assert data.count(old) >= 1
    path.write_bytes(data.replace(old, new))
    return path


def test_a_member_name_that_is_not_utf8_though_flagged_so(tmp_path):
    path = make_xlsx(tmp_path / "g.xlsx", [["学号", "总成绩"], ["1", 90]])
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/é.xml", b"<x/>")  # flagged UTF-8 (bit 11)
    _patched(path, "é".encode(), b"\xff\xfe")
    error = read_error(path)
    assert error.code == "corrupt_file" and "g.xlsx" in error.message


def test_compression_excel_never_writes_and_encrypted_members(tmp_path):
    path = make_xlsx(tmp_path / "g.xlsx", [["学号", "总成绩"], ["1", 90]])
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_LZMA) as archive:
        archive.writestr("xl/extra.xml", b"<x/>")
    assert read_error(path).code == "corrupt_file"
    path = make_xlsx(tmp_path / "h.xlsx", [["学号", "总成绩"], ["1", 90]])
    with zipfile.ZipFile(path) as archive:
        names = [i.filename for i in archive.infolist()]
    with zipfile.ZipFile(path, "w") as archive:  # stored members, then compression method 99 (AES) written in
        for name in names:
            archive.writestr(zipfile.ZipInfo(name), b"<x/>")
    data = bytearray(path.read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 10: central + 12] = (99).to_bytes(2, "little")
    path.write_bytes(bytes(data))
    assert read_error(path).code == "corrupt_file"


def test_an_xlsx_cut_short(tmp_path):
    path = make_xlsx(tmp_path / "g.xlsx", [["学号", "总成绩"]] + [[str(n), 80] for n in range(1, 500)])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 30])  # the end of the central directory is gone
    assert read_error(path).code == "corrupt_file"


def test_oneroster_bundles_with_broken_zips_raise_typed_errors(tmp_path):
    path = _zip(tmp_path / "names.zip", {"users.csv": USERS + "\r\n"})
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("é.csv", "x")
    _patched(path, "é".encode(), b"\xff\xfe")
    errors = []
    lzma = _zip(tmp_path / "lzma.zip", {})
    with zipfile.ZipFile(lzma, "a", compression=zipfile.ZIP_LZMA) as archive:
        archive.writestr("users.csv", USERS + "\r\n")
    crc = _zip(tmp_path / "crc.zip", {"users.csv": USERS + "\r\n" + "u1" + "," * 21 + "\r\n"})
    _patched(crc, b"u1,,,", b"u2,,,")  # the stored bytes no longer match their CRC
    for bundle in (path, lzma, crc):
        with pytest.raises(DataError) as info:
            list(OneRosterCsvAdapter(bundle).read("persons"))
        errors.append(info.value.code)
    assert errors == ["bad_zip", "bad_zip", "bad_zip"]
