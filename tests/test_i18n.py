"""Every user-facing message has a zh_CN translation, and the compiled catalogs match the sources."""

import pytest

from adapters import i18n, i18n_tools


@pytest.mark.parametrize("package", i18n_tools.PACKAGES)
def test_catalog_is_complete(package):
    assert i18n_tools.problems(package, "zh_CN") == []


@pytest.mark.parametrize(
    ("language", "expected"),
    [("zh-hans", ("zh_CN",)), ("zh-cn", ("zh_CN",)), ("zh_CN.UTF-8", ("zh_CN",)), ("en-us", ("en_US", "en")),
     ("C", ("en",)), ("fr", ("fr",))],
)
def test_locale_names(language, expected):
    assert i18n.locale_names(language) == expected


def test_without_django_the_environment_decides(monkeypatch):
    from django.conf import settings

    monkeypatch.setattr(type(settings), "configured", property(lambda self: False))
    translate = i18n.Translator.for_package("xblocks.cli").gettext
    monkeypatch.setenv("MOOC_BRIDGE_LANGUAGE", "en")
    assert translate("commands:") == "commands:"
    monkeypatch.setenv("MOOC_BRIDGE_LANGUAGE", "zh-cn")
    assert translate("commands:") == "命令："


def test_translator_follows_django(settings):
    from django.utils import translation

    translate = i18n.Translator.for_package("xblocks.cli").gettext
    with translation.override("zh-hans"):
        assert translate("commands:") != "commands:"
    with translation.override("en"):
        assert translate("commands:") == "commands:"
