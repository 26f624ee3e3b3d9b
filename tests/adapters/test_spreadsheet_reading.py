"""Reading spreadsheets: profile detection, encodings, identifiers, row issues. Every sheet is built here."""

import codecs
import csv
import io
import json

import openpyxl
import pytest

from adapters.base import ReadScope
from adapters.errors import DataError
from adapters.records import Enrollment, Person, Score
from adapters.spreadsheet import CsvAdapter, SpreadsheetAdapter, XlsxAdapter

TITLE = "2025-2026学年第一学期 成绩单"


def make_xlsx(path, rows, sheet="Sheet1"):
    """Write ``rows`` (lists of values) to an .xlsx at ``path``; return the path."""
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    for row in rows:
        worksheet.append(row)
    workbook.save(path)
    return path


def make_csv(path, rows, encoding="utf-8", delimiter=","):
    """Write ``rows`` as CSV in ``encoding``; return the path."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def scores_of(adapter, **scope):
    return list(adapter.read("scores", ReadScope(**scope) if scope else None))


SHEETS = {
    "icourse163": [
        ["中国大学MOOC 学校云 SPOC 成绩导出"], [TITLE], [],
        ["学校", "学号", "姓名", "昵称", "院系", "班级", "单元测验得分", "单元作业得分", "课程讨论得分", "考试得分",
         "总分", "成绩等级"],
        ["某某大学", "20230001", "张三", "mooc_zs", "计算机学院", "计科1班", 18, 19, 10, 40, 87, "合格"],
    ],
    "xuetangx": [
        [TITLE],
        ["学号", "姓名", "学堂在线ID", "院系", "授课班级", "视频", "习题得分", "考试", "总成绩"],
        ["20230001", "张三", "xt_1001", "计算机学院", "周一3-4节", 30, 20, 37, 87],
    ],
    "zhihuishu": [
        ["学校", "院系", "专业", "班级", "姓名", "学号", "学习进度得分", "学习习惯得分", "章节测试得分", "见面课得分",
         "期末考试", "综合成绩"],
        ["某某大学", "计算机学院", "软件工程", "软工1班", "张三", "20230001", 20, 10, 15, 12, 30, 87],
    ],
    "chaoxing": [
        ["课程：大学生心理健康教育"], [TITLE],
        ["学号/工号", "姓名", "院系", "专业", "班级", "音视频(40%)", "章节测验(20%)", "考试(40%)", "综合成绩"],
        ["20230001", "张三", "计算机学院", "软件工程", "软工1班", 40, 18, 29, 87],
    ],
    "icve": [
        ["序号", "学号", "姓名", "班级", "课件学习", "作业", "测验", "考试", "总成绩"],
        [1, "20230001", "张三", "软件1班", 30, 20, 10, 27, 87],
    ],
}


@pytest.mark.parametrize("fmt", ["xlsx", "csv-gbk", "csv-bom"])
@pytest.mark.parametrize("profile", sorted(SHEETS))
def test_each_platform_is_detected(tmp_path, profile, fmt):
    rows = SHEETS[profile]
    if fmt == "xlsx":
        adapter = XlsxAdapter.from_spec(str(make_xlsx(tmp_path / "grades.xlsx", rows)), {})
    else:
        encoding = "gbk" if fmt == "csv-gbk" else "utf-8-sig"
        adapter = CsvAdapter.from_spec(str(make_csv(tmp_path / "grades.csv", rows, encoding)), {})
    scores = scores_of(adapter)
    assert len(scores) == 1
    assert (scores[0].person.student_number, scores[0].person.name, scores[0].value) == ("20230001", "张三", 87.0)
    assert scores[0].source == f"{fmt[:4].rstrip('-')}:{profile}"
    report = adapter.report
    assert report["detection"]["profile"] == profile
    assert report["detection"]["header_row"] == next(i for i, r in enumerate(rows, 1) if len(r) > 3)
    assert report["detection"]["signature"], "the report says which of the platform's own headers were seen"
    assert report["detection"]["runner_up"]["profile"] != profile
    matched = {m["role"]: m["header"] for m in report["detection"]["matched"]}
    assert matched["student_number"].startswith("学号")
    if fmt == "csv-gbk":
        assert report["encoding"] == "gb18030"
    elif fmt == "csv-bom":
        assert report["encoding"] == "utf-8-sig"


def test_platform_account_becomes_an_external_id(tmp_path):
    adapter = XlsxAdapter.from_spec(str(make_xlsx(tmp_path / "g.xlsx", SHEETS["xuetangx"])), {})
    person = next(adapter.read("persons"))
    assert person.external_ids == {"xuetangx": "xt_1001"}
    assert person.username is None


def test_plain_utf8_and_utf16_tab_separated(tmp_path):
    rows = [["学号", "姓名", "总成绩"], ["007", "张三", "91"]]
    plain = CsvAdapter.from_spec(str(make_csv(tmp_path / "a.csv", rows, "utf-8")), {})
    assert scores_of(plain)[0].person.student_number == "007"
    assert plain.report["encoding"] == "utf-8"
    assert plain.report["detection"]["profile"] == "generic"
    path = tmp_path / "b.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + "学号\t姓名\t总成绩\r\n007\t张三\t91\r\n".encode("utf-16-le"))
    unicode_text = CsvAdapter.from_spec(str(path), {})
    assert scores_of(unicode_text)[0].value == 91.0
    assert (unicode_text.report["encoding"], unicode_text.report["delimiter"]) == ("utf-16", "\t")


def test_explicit_encoding(tmp_path):
    path = make_csv(tmp_path / "g.csv", [["学号", "姓名", "总成绩"], ["1", "张三", "91"]], "gbk")
    assert scores_of(CsvAdapter.from_spec(str(path), {"encoding": "gbk"}))[0].person.name == "张三"
    with pytest.raises(DataError) as info:
        scores_of(CsvAdapter.from_spec(str(path), {"encoding": "utf-8"}))
    assert info.value.code == "bad_encoding"
    assert info.value.where["row"] == 1
    with pytest.raises(DataError) as info:
        scores_of(CsvAdapter.from_spec(str(path), {"encoding": "klingon"}))
    assert info.value.code == "bad_encoding"


def test_identifiers_stay_text(tmp_path):
    rows = [[TITLE], ["学号", "姓名", "总成绩"],
            ["００７", " 李 四 ", 80],           # full-width digits, stray spaces
            [20230002.0, "王五", 81],           # an Excel number
            ["20230003.0", "赵六", 82],         # the text a number became in a CSV
            [" 0020230004 ", "钱七", 83],       # leading zeros and spaces
            ["2.0230005E+07", "孙八", 84],      # scientific notation: digits may be lost
            [1.2345678901234567e17, "周九", 85],  # beyond 15 digits Excel has rounded the number
            [None, "吴十", 86]]
    adapter = XlsxAdapter.from_spec(str(make_xlsx(tmp_path / "g.xlsx", rows)), {})
    numbers = [s.person.student_number for s in scores_of(adapter)]
    assert numbers == ["007", "20230002", "20230003", "0020230004"]
    issues = {(i["row"], i["code"]) for i in adapter.issues}
    assert issues == {(7, "scientific_notation"), (8, "id_precision_lost"), (9, "missing_student_number")}
    assert all(i["column"] == "学号" for i in adapter.issues)


def test_row_issues_are_collected_not_fatal(tmp_path):
    rows = [["学号", "姓名", "总成绩", "成绩等级"],
            ["1", "甲", "abc", "合格"],        # not a number: no grade, even though a word is there
            ["2", "乙", 120, None],           # out of range
            ["3", "丙", 55, "合格"],           # disagrees with the word: kept, with a warning
            ["4", "丁", 70, None], ["4", "丁", 75, None],  # the same 学号 twice, different: neither is read
            ["5", "戊", 90, None], ["5", "戊", 90, None],  # twice, identical: read once
            ["6", "己", "缺考", None],
            ["7", "庚", None, "优秀"],          # only a grade word
            ["8", "辛", None, None],           # no score at all
            ["注：本表由系统导出"]]
    adapter = XlsxAdapter.from_spec(str(make_xlsx(tmp_path / "g.xlsx", rows)), {"profile": "generic"})
    by_number = {s.person.student_number: s for s in scores_of(adapter)}
    assert sorted(by_number) == ["3", "5", "6", "7"]
    assert by_number["6"].status == "absent" and by_number["6"].value is None
    assert (by_number["7"].text, by_number["7"].scale, by_number["7"].value) == ("优秀", "five_level", None)
    codes = {(i["row"], i["code"], i["severity"]) for i in adapter.issues}
    assert codes == {
        (2, "score_not_a_number", "error"), (3, "score_out_of_range", "error"),
        (4, "grade_word_mismatch", "warning"), (5, "duplicate_student_number", "error"),
        (6, "duplicate_student_number", "error"), (8, "duplicate_row", "warning"),
        (11, "missing_score", "warning"), (12, "bad_student_number", "warning"),
    }
    assert {"persons", "scores"} <= set(adapter.reads)
    assert adapter.report["issues"] == {"errors": 4, "warnings": 4}


def test_explicit_mapping_overrides_detection(tmp_path):
    rows = [[TITLE], ["序", "学生编号", "学生名字", "期末", "平时", "最后得分"], [1, "0099", "张三", 50, 30, 80]]
    path = str(make_xlsx(tmp_path / "g.xlsx", rows))
    with pytest.raises(DataError) as info:
        scores_of(XlsxAdapter.from_spec(path, {}))
    assert info.value.code == "no_profile_matched"
    adapter = XlsxAdapter.from_spec(path, {"map.student_number": "学生编号", "map.name": "学生名字",
                                           "map.total": "最后得分"})
    [score] = scores_of(adapter)
    assert (score.person.student_number, score.person.name, score.value) == ("0099", "张三", 80.0)
    assert adapter.report["detection"]["explicit"] == {"student_number": "学生编号", "name": "学生名字",
                                                       "total": "最后得分"}
    assert adapter.report["detection"]["header_row"] == 2
    by_letter = XlsxAdapter.from_spec(path, {"columns": "student_number:col:B,total:col:E", "profile": "generic"})
    assert scores_of(by_letter)[0].value == 30.0
    with pytest.raises(DataError) as info:
        scores_of(XlsxAdapter.from_spec(path, {"map.student_number": "学籍号"}))
    assert info.value.code == "bad_mapping"
    for bad in ({"map.shoe_size": "学号"}, {"columns": "student_number"}):
        with pytest.raises(DataError) as info:
            XlsxAdapter.from_spec(path, bad)
        assert info.value.code == "bad_mapping"


def test_no_match_lists_headers_and_profiles(tmp_path):
    path = make_xlsx(tmp_path / "g.xlsx", [[TITLE], ["编号", "名称", "数量"], [1, "a", 2]])
    with pytest.raises(DataError) as info:
        scores_of(XlsxAdapter.from_spec(str(path), {}))
    error = info.value
    assert error.code == "no_profile_matched"
    assert "编号, 名称, 数量" in error.message
    for name in ("icourse163", "zhihuishu", "generic"):
        assert name in error.message
    assert error.where["file"].endswith("g.xlsx")


def test_a_forced_profile_that_does_not_fit(tmp_path):
    path = make_xlsx(tmp_path / "g.xlsx", [["学号", "姓名"], ["1", "a"]])
    with pytest.raises(DataError) as info:
        scores_of(XlsxAdapter.from_spec(str(path), {"profile": "zhihuishu"}))
    assert info.value.code == "no_profile_matched"
    assert "total|grade_word" in info.value.message
    with pytest.raises(DataError) as info:
        scores_of(XlsxAdapter.from_spec(str(path), {"profile": "nosuch"}))
    assert info.value.code == "unknown_profile"


def test_ambiguous_profiles(tmp_path):
    from adapters.spreadsheet.headers import PROFILES_DIR

    data = json.loads((PROFILES_DIR / "zhihuishu.json").read_text(encoding="utf-8"))
    data["name"] = "zhihuishu_copy"
    (tmp_path / "copy.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    path = make_xlsx(tmp_path / "g.xlsx", SHEETS["zhihuishu"])
    with pytest.raises(DataError) as info:
        scores_of(XlsxAdapter.from_spec(str(path), {"profiles": str(tmp_path / "copy.json")}))
    assert info.value.code == "ambiguous_profile"
    assert "zhihuishu" in info.value.message and "zhihuishu_copy" in info.value.message
    chosen = XlsxAdapter.from_spec(str(path), {"profiles": str(tmp_path / "copy.json"), "profile": "zhihuishu_copy"})
    assert scores_of(chosen)[0].source == "xlsx:zhihuishu_copy"


def test_a_bad_profile_file(tmp_path):
    (tmp_path / "bad.json").write_text(json.dumps({"name": "Bad Name", "title": "x"}), encoding="utf-8")
    with pytest.raises(DataError) as info:
        XlsxAdapter.from_spec("g.xlsx", {"profiles": str(tmp_path)})
    assert info.value.code == "bad_profile"


def test_components(tmp_path):
    rows = [["学号", "姓名", "单元测验(20分)", "考试", "总分", "昵称"], ["1", "甲", 18, 35.5, 80, "x"]]
    adapter = XlsxAdapter.from_spec(str(make_xlsx(tmp_path / "g.xlsx", rows)), {"components": "true",
                                                                                "course": "0012345"})
    scores = scores_of(adapter)
    total = next(s for s in scores if s.line_item_id is None)
    parts = {s.line_item_id: (s.value, s.max_score, s.scale) for s in scores if s.line_item_id}
    assert total.value == 80.0 and total.course_id == "0012345"
    assert parts == {"单元测验(20分)": (18.0, 20.0, "points"), "考试": (35.5, None, "points")}
    assert len(scores_of(XlsxAdapter.from_spec(str(tmp_path / "g.xlsx"), {}))) == 1


def test_roster_enrollments(tmp_path):
    rows = [["2025-2026-1 选课名单"], ["学号", "姓名", "课程号", "课程名称", "教学班", "邮箱"],
            ["2023001", "张三", "00123", "高等数学", "(2025-2026-1)-00123-01", "ZS@Example.edu.cn"],
            ["2023002", "李四", "00456", "线性代数", "(2025-2026-1)-00456-01", "not-an-email"]]
    adapter = XlsxAdapter.from_spec(str(make_xlsx(tmp_path / "r.xlsx", rows)), {})
    enrollments = list(adapter.read("enrollments"))
    assert all(isinstance(e, Enrollment) for e in enrollments)
    assert [(e.person.student_number, e.course_id, e.role) for e in enrollments] == [
        ("2023001", "00123", "student"), ("2023002", "00456", "student")]
    assert enrollments[0].person.email == "zs@example.edu.cn"
    assert enrollments[1].person.email is None
    assert [i["code"] for i in adapter.issues] == ["bad_email"]
    assert adapter.report["detection"]["profile"] == "roster"
    only = list(adapter.read("enrollments", ReadScope(course_id="00456")))
    assert [e.person.student_number for e in only] == ["2023002"]
    persons = list(adapter.read("persons"))
    assert all(isinstance(p, Person) for p in persons) and len(persons) == 2


def test_a_roster_without_course_needs_the_course_option(tmp_path):
    path = str(make_xlsx(tmp_path / "r.xlsx", [["学号", "姓名"], ["1", "a"]]))
    with pytest.raises(DataError) as info:
        list(XlsxAdapter.from_spec(path, {"profile": "roster"}).read("enrollments"))
    assert info.value.code == "course_required"
    [enrollment] = XlsxAdapter.from_spec(path, {"profile": "roster", "course": "００１２３"}).read("enrollments")
    assert enrollment.course_id == "00123"


def test_the_right_sheet_is_found(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.title = "封面"
    workbook.active.append(["本文件包含成绩"])
    grades = workbook.create_sheet("成绩")
    for row in SHEETS["icve"]:
        grades.append(row)
    workbook.save(tmp_path / "g.xlsx")
    adapter = XlsxAdapter.from_spec(str(tmp_path / "g.xlsx"), {})
    assert scores_of(adapter)[0].value == 87.0
    assert adapter.report["detection"]["sheet"] == "成绩"
    with pytest.raises(DataError) as info:
        scores_of(XlsxAdapter.from_spec(str(tmp_path / "g.xlsx"), {"sheet": "第三页"}))
    assert info.value.code == "sheet_not_found"


def test_base_class_picks_by_extension_and_format_is_sniffed(tmp_path):
    xlsx_named_csv = make_xlsx(tmp_path / "grades.csv", SHEETS["icve"])
    adapter = SpreadsheetAdapter.from_spec(str(xlsx_named_csv), {})
    assert isinstance(adapter, CsvAdapter)
    assert scores_of(adapter)[0].value == 87.0
    assert adapter.report["format"] == "xlsx"
    assert isinstance(SpreadsheetAdapter.from_spec("x.xlsx", {}), XlsxAdapter)


@pytest.mark.parametrize(("options", "code"), [
    ({"colour": "red"}, "bad_option"), ({"max_rows": "many"}, "bad_option"), ({"components": "perhaps"}, "bad_option"),
    ({"term": "spring"}, "bad_option"), ({"scale": "十级制"}, "bad_option"), ({"delimiter": "::"}, "bad_option"),
])
def test_bad_options(options, code):
    with pytest.raises(DataError) as info:
        XlsxAdapter.from_spec("g.xlsx", options)
    assert info.value.code == code
    assert info.value.message


def test_read_scope_course_and_persons_once(tmp_path):
    rows = [["学号", "姓名", "课程号", "成绩"], ["1", "甲", "A1", 90], ["1", "甲", "B2", 70], ["2", "乙", "A1", 60]]
    adapter = XlsxAdapter.from_spec(str(make_xlsx(tmp_path / "g.xlsx", rows)), {"profile": "generic"})
    assert [(s.person.student_number, s.course_id) for s in scores_of(adapter, course_id="A1")] == [("1", "A1"),
                                                                                                   ("2", "A1")]
    assert [p.student_number for p in adapter.read("persons")] == ["1", "2"]
    assert all(isinstance(s, Score) for s in scores_of(adapter))
    assert adapter.issues == []
