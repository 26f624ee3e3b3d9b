"""Issue #13 items 7 and 8, played through the real ``mooc-bridge sync`` command with hostile files.

Each step is a subprocess of the installed console script (see :func:`tests.sync.test_e2e_registrar.cli`); the
files come from :mod:`tests.sync.hostile_files`. Outcomes are checked where they land: the 教务 draft's cells,
what reached the terminal, the journal.
"""

from __future__ import annotations

import os
import pty
import subprocess
from pathlib import Path

import openpyxl
import pytest

from .hostile_files import biff_xls, csv_with_controls, mixed_encoding_csv, shared_strings_bomb, xlsx_with_controls
from .registrar_files import number
from .test_e2e_registrar import DRAFT, SCRIPT, cli, report


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


def _raw_controls(text: str) -> list[str]:
    return [ch for ch in text if (ord(ch) < 32 and ch not in "\n\t") or 0x7f <= ord(ch) <= 0x9f]


def test_escape_sequences_from_a_source_never_reach_the_terminal_or_the_report(tmp_path):
    evil = tmp_path / "成绩\x1b]0;pwned\x07\x1b[2J\x9b31m.csv"  # a file name is text from outside too
    csv_with_controls(evil)
    draft, page = tmp_path / "jw.xlsx", tmp_path / "r.html"
    outputs = []
    for args in (("grades", "--from", f"csv:{evil}", "--to", f"xlsx:{draft}?{DRAFT}", "--report", str(page)),
                 ("grades", "--from", f"csv:{evil}", "--to", f"xlsx:{draft}?{DRAFT}", "--json"),
                 ("runs",), ("report", "1"),
                 ("grades", "--from", f"csv:{evil}.gone", "--to", f"xlsx:{draft}?{DRAFT}")):
        result = cli(tmp_path, *args)
        outputs.append(result.stdout + result.stderr)
    assert "\\u001b]0;pwned\\u0007" in outputs[2], "the control characters are shown, not sent"
    assert report(cli(tmp_path, "report", "1", "--json"))["run"]["source"].endswith("\x9b31m.csv"), "JSON is exact"
    assert "does not exist" in outputs[4]
    for text in (*outputs, page.read_text(encoding="utf-8")):
        assert _raw_controls(text) == []


# bombs, .xls and names that do not fit the scheme -------------------------------------------------------------

def test_a_workbook_whose_shared_strings_unpack_to_400_mb_is_refused_before_reading(tmp_path):
    bomb = shared_strings_bomb(tmp_path / "export.xlsx", 398 * 2**20)
    assert bomb.stat().st_size < 8 * 2**20
    result = cli(tmp_path, "grades", "--from", f"xlsx:{bomb}", "--to", f"xlsx:{tmp_path / 'jw.xlsx'}?{DRAFT}")
    assert result.returncode == 2, result.stderr
    assert "xl/sharedStrings.xml in export.xlsx unpacks to 398 MB; at most 16 MB is read" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "jw.xlsx").exists()


def test_xls_files_are_sniffed_by_content(tmp_path):
    draft = f"xlsx:{tmp_path / 'jw.xlsx'}?{DRAFT}"
    real = biff_xls(tmp_path / "real.xls")
    result = cli(tmp_path, "grades", "--from", f"xlsx:{real}", "--to", draft)
    assert result.returncode == 2 and "Excel 97-2003 workbook (.xls)" in result.stderr
    assert "save it as \"Excel Workbook (*.xlsx)\"" in result.stderr and "Unknown option" not in result.stderr
    page = tmp_path / "page.xls"  # 学堂在线-style: an HTML table under an .xls name
    page.write_text("<html><body><table><tr><td>学号</td><td>总成绩</td></tr></table></body></html>", encoding="utf-8")
    result = cli(tmp_path, "grades", "--from", f"xlsx:{page}", "--to", draft)
    assert result.returncode == 2 and "is a web page saved with a spreadsheet name" in result.stderr
    text = tmp_path / "text.xls"  # CSV text under an .xls name is read as CSV
    text.write_bytes(csv_with_controls(tmp_path / "c.csv").read_bytes())
    result = cli(tmp_path, "grades", "--from", f"xlsx:{text}", "--to", draft, "--json")
    assert result.returncode == 0, result.stderr
    assert report(result)["counts"]["states"] == {"done": 3}
    assert not list(tmp_path.glob("var/**/*.xls"))


def test_a_scheme_that_differs_from_the_file_suffix(tmp_path):
    export = xlsx_with_controls(tmp_path / "export.xlsx")
    draft = tmp_path / "jw.xlsx"
    result = cli(tmp_path, "grades", "--from", f"csv:{export}", "--to", f"xlsx:{draft}?{DRAFT}", "--json")
    assert result.returncode == 0, result.stderr  # a source is read by its content
    assert report(result)["counts"]["states"] == {"done": 3}
    wrong = tmp_path / "jw2.xlsx"
    result = cli(tmp_path, "grades", "--from", f"xlsx:{export}", "--to", f"csv:{wrong}?{DRAFT}")
    assert result.returncode == 2
    assert "csv: writes the draft as CSV, but jw2.xlsx is named as another kind of file" in result.stderr
    assert not wrong.exists()


# secrets in SPEC URLs --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("target", [
    "openedx:https://admin:hunter2@lms.example.edu?course=course-v1:Demo+M101+2025",
    "openedx:https://lms.example.edu?course=course-v1:Demo+M101+2025&token_url=https://id:hunter2%40x@sso.example/t",
])
def test_a_password_in_a_spec_url_is_refused_never_printed_nor_journalled(tmp_path, target):
    roster = csv_with_controls(tmp_path / "roster.csv")
    result = cli(tmp_path, "roster", "--from", f"csv:{roster}", "--to", target)
    assert result.returncode == 2
    assert "Do not put a password in a SPEC URL" in result.stderr and "https://***@" in result.stderr
    assert "hunter2" not in result.stdout + result.stderr
    assert cli(tmp_path, "runs", "--json").stdout.strip() == "[]", "nothing journalled"
    for stored in (tmp_path / "var").rglob("*"):
        assert not stored.is_file() or b"hunter2" not in stored.read_bytes()


@pytest.mark.parametrize("make", [csv_with_controls, xlsx_with_controls], ids=["csv", "xlsx"])
def test_a_mapped_column_beyond_the_sheet_is_named_not_an_index_error(tmp_path, make):
    export = make(tmp_path / ("cx.csv" if make is csv_with_controls else "cx.xlsx"))
    for spec in ("col:Z", "col:z"):  # an .xlsx row comes padded with empty cells: they are no columns
        result = cli(tmp_path, "grades", "--from", f"{export.suffix[1:]}:{export}?map.total={spec}",
                     "--to", f"xlsx:{tmp_path / 'jw.xlsx'}?{DRAFT}")
        assert result.returncode == 2, result.stderr
        assert f"map.total={spec}: the sheet has no column Z; its columns are A to H." in result.stderr
        assert "IndexError" not in result.stderr and not (tmp_path / "jw.xlsx").exists()


def test_a_utf8_export_with_one_gbk_line_is_not_read_as_mojibake(tmp_path):
    export = mixed_encoding_csv(tmp_path / "cx.csv", gbk_learner=2)
    draft = tmp_path / "jw.xlsx"
    result = cli(tmp_path, "grades", "--from", f"csv:{export}", "--to", f"xlsx:{draft}?{DRAFT}", "--json")
    assert result.returncode == 0, result.stderr
    assert names(draft) == {number(1): "张伟", number(3): "李娜", number(4): "刘洋"}, "learner 2's row is refused"
    assert [c["person"]["student_number"] for c in report(result)["review"]] == [number(2)]


# progress while reading (item 8) ------------------------------------------------------------------------------

def _on_a_terminal(home: Path, *args: str) -> tuple[int, str]:
    """Run ``mooc-bridge sync ARGS`` with stderr on a pseudo-terminal; return the exit code and what it showed."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update({"MOOC_BRIDGE_HOME": str(home / "var"), "MOOC_BRIDGE_LANGUAGE": "en", "COLUMNS": "100"})
    master, slave = pty.openpty()
    try:
        process = subprocess.Popen([str(SCRIPT), "sync", *args], cwd=home, env=env, stdout=subprocess.DEVNULL,
                                   stderr=slave, stdin=subprocess.DEVNULL)
        os.close(slave)
        shown = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal closed: the command ended
                break
            if not chunk:
                break
            shown += chunk
        return process.wait(timeout=120), shown.decode("utf-8", errors="replace")
    finally:
        os.close(master)


def test_the_read_phase_shows_progress_on_a_terminal_only(tmp_path):
    export = csv_with_controls(tmp_path / "cx.csv")
    args = ("grades", "--from", f"csv:{export}", "--to", f"xlsx:{tmp_path / 'jw.xlsx'}?{DRAFT}", "--dry-run")
    code, shown = _on_a_terminal(tmp_path, *args)
    assert code == 0, shown
    assert "reading: 3" in shown, "the rows read are counted on the terminal"
    code, shown = _on_a_terminal(tmp_path, *args, "--json")
    assert code == 0 and "reading" not in shown
    assert "reading" not in cli(tmp_path, *args).stderr, "quiet when stderr is not a terminal"
