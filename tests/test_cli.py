"""The ``mooc-bridge`` dispatcher: help, unknown commands and exit codes."""

import subprocess
import sys

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
