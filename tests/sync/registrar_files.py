"""Messy files a 教务处 registrar really brings, built for the end-to-end tests of issue #13.

* :func:`roster_with_duplicate` — a 教务 roster (UTF-8 CSV) in which one 学号 is typed twice for two names,
  and the student whose 学号 it is is enrolled in Open edX.
* :func:`spoc_export` — a 中国大学MOOC 学校云 SPOC grade export (.xlsx) with a title row above the header,
  a 缺考 and grade words.
* :func:`chaoxing_gbk` — a 超星/学银在线 export saved by Excel on Chinese Windows (GBK CSV).

The learners are those of ``python -m tests.fakes.openedx_server --seed N`` (学号 2025000001…).
"""

from __future__ import annotations

from pathlib import Path

import openpyxl

NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周杰", "吴霞"]


def number(n: int) -> str:
    """The 学号 of fake learner ``n`` (1-based)."""
    return f"20250{n:05d}"


def roster_with_duplicate(path: Path, *, learners: int = 10, duplicate: int = 3, course: str = "0012345") -> Path:
    """Learners 1..``learners`` on the roster; ``duplicate``'s 学号 appears a second time with another name."""
    lines = ["学号,姓名,课程号,课程名称,邮箱"]
    for n in range(1, learners + 1):
        lines.append(f"{number(n)},{NAMES[(n - 1) % len(NAMES)]},{course},高等数学,s{n:05d}@example.edu")
    lines.append(f"{number(duplicate)},李小娜,{course},高等数学,lxn@example.edu")  # typed twice, two people
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def spoc_export(path: Path, rows: list[tuple[int, object, str]]) -> Path:
    """A 中国大学MOOC SPOC export: a title row, the header, then ``(learner, 总分, 成绩等级)`` rows."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "成绩"
    sheet.append(["《高等数学》2025秋 SPOC 成绩导出（导出时间 2026-01-10 09:12）"])
    sheet.append(["学校", "学号", "姓名", "昵称", "单元测验", "单元作业", "考试", "总分", "成绩等级"])
    for n, total, word in rows:
        sheet.append(["演示大学", number(n), NAMES[(n - 1) % len(NAMES)], f"mooc{n}", 20, 18, None, total, word])
    book.save(path)
    return path


def chaoxing_gbk(path: Path, rows: list[tuple[int, object]]) -> Path:
    """A 超星 export as Excel saves CSV on Chinese Windows: GBK, CRLF."""
    lines = ["学号/工号,姓名,院系,班级,音视频,章节测验,签到,综合成绩"]
    for n, total in rows:
        lines.append(f"{number(n)},{NAMES[(n - 1) % len(NAMES)]},数学学院,数学2501,40,18,10,{total}")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path
