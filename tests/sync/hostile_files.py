"""Hostile files a registrar may be handed (issue #13 item 7), built small on the fly — nothing big is committed.

* :func:`csv_with_controls` — a 超星-style UTF-8 CSV whose names carry a terminal escape sequence and a 0x01.
* :func:`xlsx_with_controls` — the same names in a workbook, escaped as Excel stores them (``_x001B_``), and a
  raw C1 CSI (0x9b), which XML allows.
* :func:`shared_strings_bomb` — an .xlsx whose ``xl/sharedStrings.xml`` unpacks to ``unpacked`` bytes (hundreds
  of MB) while the file stays small, as the 43 MB / 398 MB workbook of the issue (no member is compressed more
  than ~1000:1 unless asked, so only a bound on the part itself refuses it).
* :func:`mixed_encoding_csv` — a UTF-8 CSV with one line saved in GBK (a row pasted from another file).
* :func:`biff_xls` — the head of a real .xls (an OLE2 compound file: the magic ``D0 CF 11 E0 A1 B1 1A E1``,
  MS-CFB §2.2), enough for content sniffing.
"""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

import openpyxl

from .registrar_files import NAMES, number

HEADER = "学号/工号,姓名,院系,班级,音视频,章节测验,签到,综合成绩"
ESC_NAME = "张\x1b[31m伟\x1b[0m"
SOH_NAME = "王\x01芳"


def csv_with_controls(path: Path) -> Path:
    """Learners 1–3: 1's name has ``ESC [31m``…``ESC [0m``, 2's a 0x01, 3's is clean."""
    names = [ESC_NAME, SOH_NAME, NAMES[2]]
    lines = [HEADER] + [f"{number(n)},{names[n - 1]},数学学院,数学2501,40,18,10,{70 + n}" for n in (1, 2, 3)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def xlsx_with_controls(path: Path) -> Path:
    """The names of :func:`csv_with_controls` in a workbook, as Excel escapes them, plus a raw 8-bit CSI."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    placeholders = ["NAME1", "NAME2", NAMES[2]]
    for n in (1, 2, 3):
        sheet.append([number(n), placeholders[n - 1], "数学学院", "数学2501", 40, 18, 10, 70 + n])
    book.save(path)
    escaped = {b"NAME1": "张_x001B_[31m伟_x001B_[0m".encode(), b"NAME2": "王_x0001_芳\u009b2J".encode()}
    _rewrite(path, lambda name, data: _replace_all(data, escaped))
    return path


def shared_strings_bomb(path: Path, unpacked: int, *, rows: int = 3) -> Path:
    """A valid workbook whose shared-strings part holds one string of about ``unpacked`` bytes, used by cell B2.

    The part is deflated as a stream (never held whole in memory) at ~250:1, under the 1000:1 bomb check: 400 MB
    of it is under 2 MB on disk.
    """
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["学号", "姓名", "总成绩"])
    for n in range(1, rows + 1):
        sheet.append([number(n), f"NAME{n}", 80])
    book.save(path)
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    strings = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", f'<Relationship Type="{strings}" Target="sharedStrings.xml" Id="rId99"/>'
                             "</Relationships>".encode())
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                     b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b'<c r="B2" t="inlineStr"><is><t>NAME1</t></is></c>', b'<c r="B2" t="s"><v>0</v></c>')
    opening = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">' \
              b"<si><t>"
    closing = b"</t></si></sst>"
    filler = unpacked - len(opening) - len(closing)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for name, data in parts.items():
            target.writestr(name, data)
        with target.open("xl/sharedStrings.xml", "w", force_zip64=True) as member:
            member.write(opening)
            noise = bytes(random.Random(13).choices(b"0123456789abcdef", k=4096))
            chunk = "甲乙丙丁".encode() * ((2**20 - len(noise)) // 12) + noise  # ~250:1, under the bomb ratio
            while filler > 0:
                piece = chunk[: min(len(chunk), filler)]
                member.write(piece)
                filler -= len(piece)
            member.write(closing)
    return path


def mixed_encoding_csv(path: Path, *, gbk_learner: int = 2, learners: int = 4) -> Path:
    """A UTF-8 CSV of ``learners`` rows in which learner ``gbk_learner``'s line is GBK bytes."""
    lines = [HEADER.encode()]
    for n in range(1, learners + 1):
        line = f"{number(n)},{NAMES[n - 1]},数学学院,数学2501,40,18,10,{80 + n}"
        lines.append(line.encode("gbk" if n == gbk_learner else "utf-8"))
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def biff_xls(path: Path) -> Path:
    """An OLE2 compound file header (what a real BIFF .xls starts with) and padding to one 512-byte sector."""
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + b"\x3e\x00\x03\x00\xfe\xff" + b"\0" * 490)
    return path


def _replace_all(data: bytes, mapping: dict[bytes, bytes]) -> bytes:
    for old, new in mapping.items():
        data = data.replace(old, new)
    return data


def _rewrite(path: Path, change) -> None:
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, change(name, data))
