"""The ``mooc-bridge`` dispatcher: help, unknown commands and exit codes."""

import os
import subprocess
import sys

from tests.conftest import ROOT
from xblocks import cli


def test_help_lists_every_command(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in cli.COMMANDS:
        assert name in out


def test_no_command_is_a_usage_error(capsys):
    assert cli.main([]) == 2


def test_unknown_command_is_a_usage_error(capsys):
    assert cli.main(["frobnicate"]) == 2
    assert "frobnicate" in capsys.readouterr().err


def test_console_script_is_installed():
    result = subprocess.run([sys.executable, "-m", "xblocks.cli", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "workbench" in result.stdout


def test_help_follows_the_environment_language():
    env = {"PATH": "/usr/bin:/bin", "LANG": "zh_CN.UTF-8"}
    result = subprocess.run([sys.executable, "-m", "xblocks.cli", "--help"], capture_output=True, text=True, env=env)
    assert result.returncode == 0
    assert "命令" in result.stdout
    env["LANG"] = "C.UTF-8"
    result = subprocess.run([sys.executable, "-m", "xblocks.cli", "--help"], capture_output=True, text=True, env=env)
    assert "commands:" in result.stdout


def test_a_reader_that_goes_away_gets_no_traceback(tmp_path):
    """``mooc-bridge resolve … | head -1``: the command stops quietly when its output is closed."""
    links = "\n".join(f"https://www.bilibili.com/video/BV1xx411c7m{n % 10}" for n in range(20000)) + "\n"
    env = {**os.environ, "MOOC_BRIDGE_LANGUAGE": "en"}
    (tmp_path / "links.txt").write_text(links, encoding="utf-8")
    with (tmp_path / "links.txt").open("rb") as stdin:
        process = subprocess.Popen([sys.executable, "-m", "xblocks.cli", "resolve", "--json", "-"], cwd=ROOT, env=env,
                                   stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = process.stdout.readline()
    process.stdout.close()  # the reader goes away after one line, as `head -1` does
    stderr = process.stderr.read().decode()
    process.stderr.close()
    assert process.wait(60) == 1
    assert first.startswith(b"{")
    assert "Traceback" not in stderr and "internal error" not in stderr
    assert "the output was closed before the command finished" in stderr
