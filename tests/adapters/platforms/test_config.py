"""Operator settings: allow-listed iframe hosts, platforms and hosts added as data, clear errors for mistakes."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from adapters.platforms import ResolveError, ResolverConfig, all_platforms, get_platform, resolve
from adapters.platforms.config import ConfigError

PROVINCE = {
    "id": "gdedu",
    "name_zh": "广东省教育资源公共服务平台",
    "name_en": "Guangdong Education Resources Platform",
    "hosts": ["*.gdedu.gov.cn"],
    "rules": [
        {"path": r"/course/(?P<course_id>\d+)", "kind": "course"},
        {"path": r"/res/(\d+)/(\d+)", "kind": "resource", "ids": ["unit", "item"]},
        {"path": r"/play", "kind": "video", "query": ["vid"]},
    ],
}


def test_extra_platform_resolves_by_its_rules():
    config = ResolverConfig(extra_platforms=[PROVINCE])
    course = resolve("https://www.gdedu.gov.cn/course/42?utm_source=wx", config)
    assert (course.platform, course.kind, course.ids) == ("gdedu", "course", {"course_id": "42"})
    assert course.canonical_url == "https://www.gdedu.gov.cn/course/42"
    assert course.embed.mode == "card"
    resource = resolve("https://res.gdedu.gov.cn/res/7/9", config)
    assert (resource.kind, resource.ids) == ("resource", {"unit": "7", "item": "9"})
    video = resolve("https://www.gdedu.gov.cn/play?vid=abc&from=x", config)
    assert (video.kind, video.ids, video.canonical_url) == ("video", {"vid": "abc"}, "https://www.gdedu.gov.cn/play?vid=abc")
    page = resolve("https://www.gdedu.gov.cn/about", config)
    assert (page.kind, page.ids) == ("page", {})
    assert [platform.id for platform in all_platforms(config)][-1] == "gdedu"
    assert get_platform("gdedu", config).name_en == PROVINCE["name_en"]


def test_extra_platform_names_follow_the_language():
    from django.utils import translation

    config = ResolverConfig(extra_platforms=[PROVINCE])
    with translation.override("zh-hans"):
        assert resolve("https://www.gdedu.gov.cn/", config).platform_name == PROVINCE["name_zh"]
    with translation.override("en"):
        assert resolve("https://www.gdedu.gov.cn/", config).platform_name == PROVINCE["name_en"]


def test_without_the_config_the_extra_platform_is_unknown():
    with pytest.raises(ResolveError) as caught:
        resolve("https://www.gdedu.gov.cn/course/42")
    assert caught.value.code == "unknown_host"


def test_extra_platform_lookalikes_are_refused():
    config = ResolverConfig(extra_platforms=[PROVINCE])
    with pytest.raises(ResolveError) as caught:
        resolve("https://www.gdedu.gov.cn.evil.com/", config)
    assert caught.value.code == "lookalike_host"


def test_extra_hosts_for_a_builtin_platform():
    config = ResolverConfig.from_settings({"EXTRA_PLATFORMS": [{"id": "smartedu", "hosts": ["zxx.edu.cn"]}]})
    resource = resolve("https://zxx.edu.cn/tchMaterial/detail?contentId=b8e9a3fe-dae7-49c0-86cb-d146f883fd8e", config)
    assert (resource.platform, resource.kind) == ("smartedu", "textbook")
    assert "zxx.edu.cn" in get_platform("smartedu", config).hosts
    assert "zxx.edu.cn" not in get_platform("smartedu").hosts


def test_iframe_platform_frames_every_page():
    config = ResolverConfig(extra_platforms=[{**PROVINCE, "embed": "iframe"}])
    resource = resolve("http://www.gdedu.gov.cn/course/42", config)
    assert resource.embed.model_dump() == {"mode": "iframe", "src": "https://www.gdedu.gov.cn/course/42"}


def test_allow_listed_hosts_are_framed():
    config = ResolverConfig.from_settings({"IFRAME_ALLOWED_HOSTS": ["*.yuketang.cn", "www.icourse163.org"]})
    framed = resolve("https://changjiang.yuketang.cn/v2/web/studentLog/1", config)
    assert framed.embed.model_dump() == {"mode": "iframe", "src": "https://changjiang.yuketang.cn/v2/web/studentLog/1"}
    assert [warning.code for warning in framed.warnings] == ["enrolment_specific"]  # still told
    assert resolve("https://www.icourse163.org/course/ZJU-1", config).embed.mode == "iframe"
    assert resolve("https://kaoyan.icourse163.org/", config).embed.mode == "card"  # exact host only
    assert resolve("https://changjiang.yuketang.cn/v2/web/studentLog/1").embed.mode == "card"  # not without it


def test_allow_listed_host_of_no_platform_resolves_as_approved_site():
    from django.utils import translation

    config = ResolverConfig(iframe_allowed_hosts=["video.school.edu.cn"])
    with translation.override("en"):
        resource = resolve("https://video.school.edu.cn/watch/1?utm_source=x", config)
    assert (resource.platform, resource.kind) == ("allowlisted", "page")
    assert resource.platform_name == "Site approved by your school"
    assert resource.embed.model_dump() == {"mode": "iframe", "src": "https://video.school.edu.cn/watch/1"}
    with pytest.raises(ResolveError) as caught:
        resolve("https://other.school.edu.cn/", config)
    assert caught.value.code == "unknown_host"


@pytest.mark.parametrize(
    "bucket",
    [
        {"IFRAME_ALLOWED_HOSTS": ["*"]},
        {"IFRAME_ALLOWED_HOSTS": ["*.cn"]},
        {"IFRAME_ALLOWED_HOSTS": ["*.edu.cn"]},
        {"IFRAME_ALLOWED_HOSTS": ["127.0.0.1"]},
        {"IFRAME_ALLOWED_HOSTS": ["localhost"]},
        {"IFRAME_ALLOWED_HOSTS": ["https://www.example.cn/"]},
        {"IFRAME_ALLOWED_HOSTS": [42]},
        {"IFRAME_ALLOWED_HOSTS": "www.example.cn, *.example.cn"},
        {"EXTRA_PLATFORMS": [{"id": "x"}]},
        {"EXTRA_PLATFORMS": [{"id": "Bad-Id", "name_zh": "a", "name_en": "b", "hosts": ["a.example.cn"]}]},
        {"EXTRA_PLATFORMS": [{"id": "newone", "name_en": "b", "hosts": ["a.example.cn"]}]},
        {"EXTRA_PLATFORMS": [{"id": "newone", "name_zh": "a", "name_en": "b", "hosts": []}]},
        {"EXTRA_PLATFORMS": [{**PROVINCE, "rules": [{"path": "(unclosed", "kind": "course"}]}]},
        {"EXTRA_PLATFORMS": [{**PROVINCE, "rules": [{"path": "/x", "kind": "Course!"}]}]},
        {"EXTRA_PLATFORMS": [{**PROVINCE, "rules": [{"path": "/(x)", "ids": ["a", "b"]}]}]},
        {"EXTRA_PLATFORMS": [{**PROVINCE, "rules": [{"path": "/x", "query": ["bad name"]}]}]},
        {"EXTRA_PLATFORMS": [{**PROVINCE, "embed": "popup"}]},
        {"EXTRA_PLATFORMS": [{**PROVINCE, "colour": "red"}]},
        {"EXTRA_PLATFORMS": [{**PROVINCE, "hosts": ["*.bilibili.com"]}]},
        {"EXTRA_PLATFORMS": [{**PROVINCE, "hosts": ["live.bilibili.com"]}]},
        {"EXTRA_PLATFORMS": [PROVINCE, PROVINCE]},
        {"EXTRA_PLATFORMS": [{"id": "allowlisted", "name_zh": "a", "name_en": "b", "hosts": ["a.example.cn"]}]},
        {"EXTRA_PLATFORMS": "gdedu"},
        {"MAX_URL_LENGTH": 0},
        {"MAX_URL_LENGTH": "long"},
    ],
)
def test_malformed_settings_are_a_clear_config_error(bucket):
    with pytest.raises(ConfigError) as caught:
        ResolverConfig.from_settings(bucket)
    assert caught.value.code == "invalid_config"
    assert caught.value.message.startswith("The resolver settings are not valid:")
    assert len(caught.value.message.splitlines()) >= 2


def test_config_error_names_the_setting():
    with pytest.raises(ConfigError) as caught:
        ResolverConfig.from_settings({"EXTRA_PLATFORMS": [PROVINCE, {**PROVINCE, "id": "other"}]})
    assert "gdedu" in caught.value.message  # the host already belongs to gdedu
    with pytest.raises(ConfigError) as caught:
        ResolverConfig.from_settings({"IFRAME_ALLOWED_HOSTS": ["ok.example.cn", "*"]})
    assert "iframe_allowed_hosts[1]" in caught.value.message


def test_settings_bucket_ignores_other_keys_and_accepts_none():
    config = ResolverConfig.from_settings({"COMPLETION_DELAY": 5, "MAX_URL_LENGTH": 300})
    assert config.max_url_length == 300
    assert ResolverConfig.from_settings(None) == ResolverConfig()
    with pytest.raises(ConfigError):
        ResolverConfig.from_settings(["not", "a", "dict"])  # type: ignore[arg-type]


def test_direct_construction_validates_too():
    with pytest.raises(ValidationError):
        ResolverConfig(iframe_allowed_hosts=["*"])
    config = ResolverConfig(iframe_allowed_hosts=[" WWW.Example.CN. "])
    assert config.iframe_allowed_hosts == ["www.example.cn"]
