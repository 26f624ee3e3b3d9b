"""The 教务 draft (正方 style): content read back with openpyxl, CSV encodings, safety of writing, the contract."""

import codecs
import csv
import io

import openpyxl
import pytest

from adapters.base import Change, ReadScope
from adapters.errors import FatalError
from adapters.records import Person, Score
from adapters.spreadsheet import CsvAdapter, XlsxAdapter
from adapters.spreadsheet.writing import Draft

from .contract import AdapterContract
from .test_spreadsheet_reading import make_xlsx

HEADER = ["学号", "姓名", "课程号", "课程名称", "学年", "学期", "成绩", "记分制", "考试性质", "备注"]
OPTIONS = {"profile": "zhengfang", "course": "0012345", "course_name": "高等数学", "term": "2025-2026-1"}


def person(number, name="张三"):
    return Person(source="xlsx:icourse163", student_number=number, name=name)


def change(number, key=None, action="create", **score):
    score.setdefault("value", 88.0)
    record = Score(source="xlsx:icourse163", person=person(number, score.pop("name", "张三")), course_id=None,
                   **score)
    return Change(key=key or f"score:{number}", stream="scores", action=action, record=record)


def sheet_rows(path, sheet=0):
    workbook = openpyxl.load_workbook(path)
    rows = [[c.value for c in row] for row in workbook.worksheets[sheet].iter_rows()]
    return workbook, rows


def draft(tmp_path, cls=XlsxAdapter, name="draft.xlsx", **options):
    return cls.from_spec(str(tmp_path / name), {**OPTIONS, **options})


def test_the_draft_reads_back_as_written(tmp_path):
    from django.utils import translation

    adapter = draft(tmp_path)
    with translation.override("en"):  # the 说明 sheet is in the language of the person running the sync
        results = adapter.write("scores", [
            change("007", value=92.25),
            change("20230002", name="李四", status="absent", value=None, text="缺考"),
            change("20230003", name='=HYPERLINK("http://evil.example","王五")', value=59.0),
            change("20230004", name="+SUM(A1)", status="deferred", value=None),
            change("20230005", name="赵六", status="exempt", value=None),
            change("20230006", name="@钱七", status="cheating", value=10.0),
        ])
    assert [r.status for r in results] == ["applied"] * 6
    workbook, rows = sheet_rows(tmp_path / "draft.xlsx")
    assert workbook.sheetnames == ["成绩", "说明", "mooc-bridge"]
    assert workbook["mooc-bridge"].sheet_state == "veryHidden", "the cell fingerprints are out of a person's way"
    assert rows[0] == HEADER, "the header is the first row, so the 教务系统 can import the file"
    assert rows[1] == ["007", "张三", "0012345", "高等数学", "2025-2026", "1", 92.3, "百分制", "正常考试", None]
    assert rows[2][6:] == [0, "百分制", "正常考试", "缺考"]
    assert rows[3][1] == "'=HYPERLINK(\"http://evil.example\",\"王五\")"
    assert rows[4][1] == "'+SUM(A1)" and rows[4][6:] == [None, "百分制", "正常考试", "缓考"]
    assert rows[5][6:] == [None, "百分制", "正常考试", "免修"]
    assert rows[6][1] == "'@钱七" and rows[6][6:] == [0, "百分制", "正常考试", "作弊"]
    sheet = workbook.worksheets[0]
    for column in ("A", "C", "E", "F"):
        for cell in sheet[column][1:]:
            assert cell.data_type == "s" and cell.number_format == "@", f"{cell.coordinate} must be text"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row), "no formula is ever written"
    notes = [[c.value for c in row] for row in workbook.worksheets[1].iter_rows()]
    flat = " ".join(str(v) for row in notes for v in row if v is not None)
    assert "xlsx:icourse163" in flat and "0012345 高等数学" in flat and "2025-2026-1" in flat
    assert ["Rows in the draft", "6"] in notes
    assert any(row[0] == "Rows marked 缺考" and row[1] == "1" for row in notes)


def test_word_scales_in_the_draft(tmp_path):
    adapter = draft(tmp_path, scale="五级制", exam_kind="补考")
    adapter.write("scores", [change("1", value=91.0), change("2", value=None, text="合格", scale="two_level"),
                             change("3", value=None, status="absent")])
    _, rows = sheet_rows(tmp_path / "draft.xlsx")
    assert [r[6:9] for r in rows[1:]] == [["优秀", "五级制", "补考"], ["中等", "五级制", "补考"],
                                          ["不及格", "五级制", "补考"]]


def test_rows_that_cannot_go_in_the_draft(tmp_path):
    adapter = draft(tmp_path)
    no_number = Change(key="k0", stream="scores", action="create",
                       record=Score(person=Person(name="无学号"), course_id=None, value=80.0))
    results = adapter.write("scores", [
        no_number, change("1", key="k1", status="pending"), change("2", key="k2", value=8.0, scale="points"),
        change("3", key="k3", value=None, text="优秀学员"),
    ])
    assert [(r.status, (r.error or {}).get("code")) for r in results] == [
        ("failed", "missing_student_number"), ("skipped", None), ("failed", "cannot_convert"),
        ("failed", "cannot_convert")]
    assert not (tmp_path / "draft.xlsx").exists(), "nothing to write: no file"
    no_course = XlsxAdapter.from_spec(str(tmp_path / "d2.xlsx"), {"profile": "zhengfang"})
    assert no_course.write("scores", [change("1")])[0].error["code"] == "course_required"


def test_the_draft_holds_course_grades_only(tmp_path):
    adapter = draft(tmp_path)
    assert adapter.identity_closed is False and adapter.course_grades_only is True
    course = change("0250002", value=67.0)
    exam = change("0250002", key="exam", value=49.0, max_score=70.0, scale="points", line_item_id="block-v1:x+exam")
    results = adapter.write("scores", [course, exam])
    assert [r.status for r in results] == ["applied", "skipped"]
    assert "course grades only" in results[1].message and "block-v1:x+exam" in results[1].message
    _, rows = sheet_rows(tmp_path / "draft.xlsx")
    assert [(r[0], r[6]) for r in rows[1:]] == [("0250002", 67)], "a subsection score never replaces the 成绩"
    assert adapter.current(exam) is None


def test_rerun_update_and_delete(tmp_path):
    adapter = draft(tmp_path)
    assert [r.status for r in adapter.write("scores", [change("1"), change("2")])] == ["applied", "applied"]
    before = (tmp_path / "draft.xlsx").read_bytes()
    again = draft(tmp_path)  # a new run, same target: the draft is ours, so it is updated, not refused
    assert [r.status for r in again.write("scores", [change("1"), change("2")])] == ["unchanged", "unchanged"]
    assert (tmp_path / "draft.xlsx").read_bytes() == before, "a run that changes nothing does not rewrite"
    assert [r.status for r in again.write("scores", [change("2", value=75.0)])] == ["applied"]
    assert [r.status for r in again.write("scores", [change("1", action="delete")])] == ["applied"]
    assert [r.status for r in again.write("scores", [change("1", action="delete")])] == ["unchanged"]
    _, rows = sheet_rows(tmp_path / "draft.xlsx")
    assert [(r[0], r[6]) for r in rows[1:]] == [("2", 75)]
    assert list(tmp_path.iterdir()) == [tmp_path / "draft.xlsx"], "no temporary file is left behind"


def test_a_foreign_file_is_never_overwritten_unless_asked(tmp_path):
    foreign = make_xlsx(tmp_path / "draft.xlsx", [["学号", "成绩"], ["1", 100]])
    content = foreign.read_bytes()
    adapter = draft(tmp_path)
    with pytest.raises(FatalError) as info:
        adapter.write("scores", [change("1")])
    assert info.value.code == "file_exists"
    with pytest.raises(FatalError):
        draft(tmp_path).check_connection()
    assert foreign.read_bytes() == content
    replaced = draft(tmp_path, overwrite="true")
    assert replaced.write("scores", [change("1")])[0].status == "applied"
    _, rows = sheet_rows(foreign)
    assert rows[0] == HEADER


def test_a_failed_save_changes_nothing(tmp_path, monkeypatch):
    adapter = draft(tmp_path)
    adapter.write("scores", [change("1")])
    before = (tmp_path / "draft.xlsx").read_bytes()

    def broken(self, target, rows, notes):
        target.write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Draft, "_write_xlsx", broken)
    results = adapter.write("scores", [change("1", value=70.0), change("2")])
    assert [(r.status, r.error["code"]) for r in results] == [("failed", "write_failed")] * 2
    assert (tmp_path / "draft.xlsx").read_bytes() == before
    assert list(tmp_path.iterdir()) == [tmp_path / "draft.xlsx"]


def test_check_connection_of_a_draft_target(tmp_path):
    assert draft(tmp_path).check_connection() is None
    with pytest.raises(FatalError) as info:
        XlsxAdapter.from_spec(str(tmp_path / "no" / "such" / "d.xlsx"), OPTIONS).check_connection()
    assert info.value.code == "folder_missing"
    with pytest.raises(FatalError) as info:
        XlsxAdapter.from_spec(str(tmp_path / "d.xlsx"), {"profile": "icourse163"}).write("scores", [change("1")])
    assert info.value.code == "not_writable"


def test_csv_draft_is_utf8_with_bom_by_default(tmp_path):
    adapter = draft(tmp_path, CsvAdapter, "draft.csv")
    adapter.write("scores", [change("007", name="=1+2"), change("2", value=None, status="absent")])
    raw = (tmp_path / "draft.csv").read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == HEADER
    assert rows[1] == ["007", "'=1+2", "0012345", "高等数学", "2025-2026", "1", "88", "百分制", "正常考试", ""]
    assert rows[2][6] == "0" and rows[2][9] == "缺考"
    assert [r.status for r in draft(tmp_path, CsvAdapter, "draft.csv").write("scores", [change("007", name="=1+2")])
            ] == ["unchanged"]


def test_csv_draft_in_gbk(tmp_path):
    adapter = draft(tmp_path, CsvAdapter, "draft.csv", encoding="gbk")
    results = adapter.write("scores", [change("1", name="张三"), change("2", name="𠮷野")])
    assert [(r.status, (r.error or {}).get("code")) for r in results] == [("applied", None),
                                                                        ("failed", "not_encodable")]
    text = (tmp_path / "draft.csv").read_bytes().decode("gbk")
    assert text.splitlines()[1].startswith("1,张三,0012345")


def test_the_draft_is_detected_when_read(tmp_path):
    adapter = draft(tmp_path, scale="两级制")
    adapter.write("scores", [change("007", value=61.0), change("2", value=None, status="absent")])
    reader = XlsxAdapter.from_spec(str(tmp_path / "draft.xlsx"), {})
    scores = list(reader.read("scores"))
    assert reader.report["detection"]["profile"] == "zhengfang"
    assert [(s.person.student_number, s.course_id, s.text, s.scale, s.status) for s in scores] == [
        ("007", "0012345", "合格", "two_level", "graded"), ("2", "0012345", "不合格", "two_level", "absent")]
    assert list(reader.read("scores", ReadScope(course_id="9999"))) == []


def test_current_reads_the_draft_on_disk(tmp_path):
    adapter = draft(tmp_path)
    assert adapter.current(change("1")) is None
    adapter.write("scores", [change("1", value=77.0)])
    record = draft(tmp_path).current(change("1"))
    assert (record.person.student_number, record.value, record.scale, record.course_id) == ("1", 77.0, "percent",
                                                                                          "0012345")


class TestSpreadsheetContract(AdapterContract):
    """The xlsx adapter (a draft target that also reads) passes the contract every adapter passes."""

    @pytest.fixture
    def adapter(self, tmp_path):
        return XlsxAdapter.from_spec(str(tmp_path / "draft.xlsx"), OPTIONS)

    @pytest.fixture
    def misconfigured_adapter(self, tmp_path):
        return XlsxAdapter.from_spec(str(tmp_path / "missing.xlsx"), {"profile": "icourse163"})

    @pytest.fixture
    def sample_changes(self):
        return {"scores": [change("007", value=92.0), change("20230002", value=None, text="缺考", status="absent"),
                           change("20230003", value=60.5)]}


class TestCsvSourceContract(AdapterContract):
    """A CSV source (a MOOC export) read through the contract; it writes nothing because it is no draft."""

    @pytest.fixture
    def adapter(self, tmp_path):
        path = tmp_path / "g.csv"
        path.write_bytes("学号,姓名,学习进度,见面课,综合成绩\r\n1,甲,20,10,90\r\n".encode("gbk"))
        return CsvAdapter.from_spec(str(path), {"course": "C1"})

    @pytest.fixture
    def misconfigured_adapter(self, tmp_path):
        path = tmp_path / "g.csv"
        path.write_text("编号,数量\n1,2\n", encoding="utf-8")
        return CsvAdapter.from_spec(str(path), {})

    def test_a_source_is_never_written(self, adapter, tmp_path):
        assert adapter.writes == frozenset()
        before = (tmp_path / "g.csv").read_bytes()
        with pytest.raises(FatalError) as info:
            adapter.write("scores", [change("1")])
        assert info.value.code == "not_writable" and "profile=zhengfang" in info.value.message
        assert (tmp_path / "g.csv").read_bytes() == before
