"""``mooc-bridge resolve``: the JSON-lines contract, readable output, exit codes, --config and stdin."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.platforms import all_platforms, cli

ROOT = Path(__file__).resolve().parents[3]
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
BILIBILI = "https://www.bilibili.com/video/BV1GJ411x7h7?p=2&spm_id_from=333.788"
RESOURCE_KEYS = ["url", "platform", "kind", "ids", "canonical_url", "embed", "warnings"]


def run(*args: str, stdin: str | None = None, language: str = "C.UTF-8") -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("LANG", "LC_", "MOOC_BRIDGE"))}
    env["LANG"] = language
    return subprocess.run([PYTHON, "-m", "xblocks.cli", "resolve", *args], input=stdin, capture_output=True,
                          text=True, encoding="utf-8", env=env, cwd=ROOT, timeout=60)


def lines(result: subprocess.CompletedProcess[str]) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_json_contract_for_a_resolved_link():
    result = run("--json", BILIBILI)
    assert result.returncode == 0, result.stderr
    (payload,) = lines(result)
    assert list(payload) == RESOURCE_KEYS
    assert payload == {
        "url": BILIBILI,
        "platform": "bilibili",
        "kind": "video",
        "ids": {"bvid": "BV1GJ411x7h7", "p": "2"},
        "canonical_url": "https://www.bilibili.com/video/BV1GJ411x7h7/?p=2",
        "embed": {"mode": "iframe", "src": "https://player.bilibili.com/player.html?bvid=BV1GJ411x7h7&p=2&autoplay=0"},
        "warnings": [],
    }


def test_one_line_per_link_and_exit_1_when_any_is_refused():
    result = run("--json", BILIBILI, "javascript:alert(1)", "https://b23.tv/abc", "https://icourse163.org.evil.com/")
    assert result.returncode == 1
    first, refused, short, lookalike = lines(result)
    assert first["platform"] == "bilibili"
    assert refused == {"url": "javascript:alert(1)", "error": {"code": "unsupported_scheme",
                                                                "message": refused["error"]["message"]}}
    assert refused["error"]["message"]
    assert short["embed"]["mode"] == "card"
    assert short["warnings"][0]["code"] == "short_link"
    assert set(short["warnings"][0]) == {"code", "message", "suggestion"}
    assert lookalike["error"]["code"] == "lookalike_host"


def test_contract_holds_for_every_platform():
    examples = [(platform.id, example) for platform in all_platforms() for example in platform.examples]
    result = run("--json", *(example for _id, example in examples))
    assert result.returncode == 0, result.stdout + result.stderr
    payloads = lines(result)
    assert [payload["platform"] for payload in payloads] == [platform_id for platform_id, _example in examples]
    assert {payload["platform"] for payload in payloads} == {platform.id for platform in all_platforms()}
    for payload in payloads:
        assert list(payload) == RESOURCE_KEYS
        assert payload["embed"]["mode"] in ("iframe", "card")


def test_usage_errors_exit_2():
    assert run().returncode == 2
    assert run("--json").returncode == 2
    assert run("--frobnicate", BILIBILI).returncode == 2
    assert run("--help").returncode == 0


def test_empty_link_is_refused_not_a_usage_error():
    result = run("--json", "")
    assert result.returncode == 1
    assert lines(result)[0]["error"]["code"] == "empty_url"


def test_links_from_stdin():
    result = run("--json", "-", stdin=f"{BILIBILI}\n\n  https://v.qq.com/x/page/u0033nvzb5v.html  \nftp://x\n")
    assert result.returncode == 1
    payloads = lines(result)
    assert [payload.get("platform") for payload in payloads] == ["bilibili", "tencent_video", None]
    assert payloads[1]["url"] == "https://v.qq.com/x/page/u0033nvzb5v.html"


def test_config_file_adds_platforms_and_iframe_hosts(tmp_path):
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({
        "IFRAME_ALLOWED_HOSTS": ["*.yuketang.cn"],
        "EXTRA_PLATFORMS": [{"id": "gdedu", "name_zh": "广东省教育资源公共服务平台", "name_en": "Guangdong",
                             "hosts": ["*.gdedu.gov.cn"],
                             "rules": [{"path": r"/course/(?P<course_id>\d+)", "kind": "course"}]}],
    }, ensure_ascii=False), encoding="utf-8")
    result = run("--json", "--config", str(settings), "https://www.gdedu.gov.cn/course/9",
                 "https://www.yuketang.cn/v2/web/studentLog/1")
    assert result.returncode == 0, result.stderr
    province, framed = lines(result)
    assert (province["platform"], province["kind"], province["ids"]) == ("gdedu", "course", {"course_id": "9"})
    assert framed["embed"] == {"mode": "iframe", "src": "https://www.yuketang.cn/v2/web/studentLog/1"}
    field_names = tmp_path / "fields.json"
    field_names.write_text(json.dumps({"iframe_allowed_hosts": ["www.icourse163.org"]}), encoding="utf-8")
    result = run("--json", "--config", str(field_names), "https://www.icourse163.org/course/ZJU-1")
    assert lines(result)[0]["embed"]["mode"] == "iframe"


@pytest.mark.parametrize(
    "content", ["{not json", json.dumps({"IFRAME_ALLOWED_HOSTS": ["*"]}), json.dumps(["a"]), json.dumps({"x": 1})]
)
def test_bad_config_file_exits_2_with_a_message(tmp_path, content):
    settings = tmp_path / "settings.json"
    settings.write_text(content, encoding="utf-8")
    result = run("--json", "--config", str(settings), BILIBILI)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() and "Traceback" not in result.stderr


def test_missing_config_file_exits_2(tmp_path):
    result = run("--config", str(tmp_path / "missing.json"), BILIBILI)
    assert result.returncode == 2
    assert "missing.json" in result.stderr


def test_json_output_is_utf8_not_escaped():
    result = run("--json", "https://www.hner.cn/res?name=数学", language="C")
    assert result.returncode == 0, result.stderr
    assert "数学" in result.stdout or "%E6%95%B0" in result.stdout
    assert "\\u" not in result.stdout


def test_readable_output_follows_the_language():
    english = run(BILIBILI, "ftp://x", "https://b23.tv/x")
    assert english.returncode == 1
    out = english.stdout.splitlines()
    assert "Bilibili" in out[0] and "embedded player" in out[0]
    assert "refused (unsupported_scheme)" in out[1]
    assert any(line.startswith("  warning:") for line in out)
    chinese = run(BILIBILI, "ftp://x", language="zh_CN.UTF-8")
    assert "哔哩哔哩" in chinese.stdout
    assert "unsupported_scheme" in chinese.stdout
    assert "Bilibili" not in chinese.stdout


def test_main_in_process(capsys):
    assert cli.main(["--json", BILIBILI], prog="mooc-bridge resolve") == 0
    assert json.loads(capsys.readouterr().out)["platform"] == "bilibili"
    assert cli.main([], prog="mooc-bridge resolve") == 2
