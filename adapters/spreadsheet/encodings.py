"""CSV text whose lines are not all in one encoding: decided line by line, the odd lines named (docs/decisions/0023).

A registrar pastes a row from a GBK file into a UTF-8 one (or the other way round). Decoding the whole file as
GB18030 because one line is not UTF-8 turns every other name into mojibake, silently. So, when a file is not
valid UTF-8 as a whole (and no BOM or ``encoding=`` decides), each line is tried on its own:

* lines that are valid UTF-8 and not plain ASCII count for UTF-8; lines that are not valid UTF-8 count against;
* more (or as many) UTF-8 lines: the file is UTF-8, and the lines that are not are *odd*;
* otherwise the file is GB18030 (GBK), and a line that is valid UTF-8 holding CJK characters is odd (a GBK line
  of CJK text is almost never valid UTF-8 that decodes to CJK), as is a line that is not GB18030 either.

Odd lines are returned by number; the rows they belong to are refused one by one (``bad_encoding``, the student
held for review) instead of read with wrong text. Their text is decoded with replacement characters only so
that the row's 学号 can still be read for the review list.
"""

from __future__ import annotations

import re

__all__ = ["decode_lines"]

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")


def decode_lines(raw: bytes) -> tuple[str, str, set[int]]:
    """``(text, encoding, odd line numbers)`` for CSV bytes that are not valid UTF-8 as a whole (1-based lines,
    counted at ``\\n`` as :mod:`csv` counts them)."""
    lines = raw.split(b"\n")
    utf8: list[int] = []
    other: list[int] = []
    for number, line in enumerate(lines, start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            other.append(number)
        else:
            utf8.append(number)
    if len(utf8) >= len(other):
        odd = set(other)
        text = "\n".join(line.decode("utf-8", errors="replace") for line in lines)
        return text, "utf-8", odd
    odd, parts = set(), []
    for number, line in enumerate(lines, start=1):
        try:
            part = line.decode("gb18030")
        except UnicodeDecodeError:
            odd.add(number)
            part = line.decode("gb18030", errors="replace")
        if number in utf8 and _CJK.search(line.decode("utf-8")):
            odd.add(number)
        parts.append(part)
    return "\n".join(parts), "gb18030", odd
