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


def _copy_catalog(package, tmp_path, monkeypatch):
    """Point the catalog tools at a copy of ``package``'s zh_CN catalog; return its (.po, .mo) paths."""
    po_path, mo_path = i18n_tools.catalog_paths(package, "zh_CN")
    copies = (tmp_path / po_path.name, tmp_path / mo_path.name)
    copies[0].write_bytes(po_path.read_bytes())
    copies[1].write_bytes(mo_path.read_bytes())
    monkeypatch.setattr(i18n_tools, "catalog_paths", lambda package, locale: copies)
    return copies


def test_the_babel_that_compiled_a_catalog_does_not_matter(tmp_path, monkeypatch):
    _, mo_copy = _copy_catalog("xblocks", tmp_path, monkeypatch)
    data = mo_copy.read_bytes()
    header = b"Generated-By: Babel "
    start = data.index(header) + len(header)
    end = data.index(b"\n", start)
    # the same length, so the .mo's offsets stay valid: another Babel release compiled it
    mo_copy.write_bytes(data[:start] + b"9" * (end - start) + data[end:])
    assert mo_copy.read_bytes() != data
    assert i18n_tools.problems("xblocks", "zh_CN") == []


def test_source_references_in_the_po_do_not_matter(tmp_path, monkeypatch):
    po_copy, _ = _copy_catalog("sync", tmp_path, monkeypatch)
    text = po_copy.read_text(encoding="utf-8")
    po_copy.write_text(text.replace("#: sync/", "#: elsewhere/sync/"), encoding="utf-8")
    assert i18n_tools.problems("sync", "zh_CN") == []


def test_a_compiled_catalog_that_lags_its_po_is_reported(tmp_path, monkeypatch):
    po_copy, _ = _copy_catalog("xblocks", tmp_path, monkeypatch)
    text = po_copy.read_text(encoding="utf-8")
    assert 'msgstr "命令：' in text
    po_copy.write_text(text.replace('msgstr "命令：', 'msgstr "指令：', 1), encoding="utf-8")
    assert i18n_tools.problems("xblocks", "zh_CN") == [f"{tmp_path}/xblocks.mo is out of date: run `make translations`"]


def test_an_unreadable_compiled_catalog_is_reported(tmp_path, monkeypatch):
    _, mo_copy = _copy_catalog("scorm", tmp_path, monkeypatch)
    mo_copy.write_bytes(b"not a catalog")
    assert any("scorm.mo is out of date" in line for line in i18n_tools.problems("scorm", "zh_CN"))
