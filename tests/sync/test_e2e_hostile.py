"""Issue #13 items 7 and 8, played through the real ``mooc-bridge sync`` command with hostile files.

Each step is a subprocess of the installed console script (see :func:`tests.sync.test_e2e_registrar.cli`); the
files come from :mod:`tests.sync.hostile_files`. Outcomes are checked where they land: the 教务 draft's cells,
what reached the terminal, the journal.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from .hostile_files import csv_with_controls, xlsx_with_controls
from .registrar_files import number
from .test_e2e_registrar import DRAFT, cli, report


def names(path: Path) -> dict[str, str]:
    book = openpyxl.load_workbook(path)
    return {row[0]: row[1] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)}


# control characters in cells --------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [csv_with_controls, xlsx_with_controls], ids=["csv", "xlsx"])
def test_names_with_control_characters_do_not_stop_the_draft(tmp_path, make):
    export = make(tmp_path / ("cx.csv" if make is csv_with_controls else "cx.xlsx"))
    draft = tmp_path / "jw.xlsx"
    result = cli(tmp_path, "grades", "--from", f"{export.suffix[1:]}:{export}", "--to", f"xlsx:{draft}?{DRAFT}",
                 "--json")
    assert result.returncode == 0, result.stderr + result.stdout
    data = report(result)
    assert data["counts"]["planned"] == 3 and data["counts"]["states"] == {"done": 3}
    assert names(draft) == {number(1): "张伟", number(2): "王芳", number(3): "李娜"}
