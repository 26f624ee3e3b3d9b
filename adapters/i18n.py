"""Translations for every package of mooc-bridge.

Each top-level package keeps its own gettext catalog, ``<package>/locale/<locale>/LC_MESSAGES/<package>.po``
(compiled to ``.mo``), and makes its translator once::

    from adapters.i18n import Translator
    _ = Translator.for_package("scorm").gettext   # the top-level package whose catalog to use

The language follows Django's active language when Django is configured (the LMS, Studio and the
workbench activate the learner's language per request); elsewhere (the command line) it follows
``MOOC_BRIDGE_LANGUAGE``, then the usual ``LANGUAGE``/``LC_ALL``/``LC_MESSAGES``/``LANG``.
Module-level constants are marked with :func:`gettext_noop` and translated where they are shown.

This module imports nothing of ours: it is a declared leaf, like ``adapters.records``, that every package
may import, ``scorm`` included (docs/decisions/0002 and 0020; ``tests/test_architecture.py`` checks it).
"""

from __future__ import annotations

import gettext as _gettext
import os
from functools import lru_cache
from pathlib import Path

__all__ = ["Translator", "current_language", "gettext_noop", "locale_names"]


def gettext_noop(message: str) -> str:
    """Mark ``message`` for extraction without translating it now."""
    return message


@lru_cache(maxsize=1)
def _django_translation():
    """Django's settings and translation modules, imported once; None without Django."""
    try:
        from django.conf import settings
        from django.utils import translation
    except ImportError:  # pragma: no cover - Django is a dependency, but the library must not need it
        return None
    return settings, translation


def current_language() -> str:
    """Return the language to translate into now, as a POSIX or Django language code."""
    django = _django_translation()
    if django is not None and django[0].configured:
        language = django[1].get_language()
        if language:
            return language
    for name in ("MOOC_BRIDGE_LANGUAGE", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return value.split(":")[0]
    return "en"


@lru_cache(maxsize=64)
def locale_names(language: str) -> tuple[str, ...]:
    """Map a language code (``zh-hans``, ``zh-cn``, ``zh_CN.UTF-8``, ``en-us``) to catalog folder names."""
    code = language.split(".")[0].split("@")[0].replace("-", "_")
    lang, _sep, region = code.partition("_")
    lang = lang.lower()
    if lang == "zh":
        # Simplified Chinese, whichever way it is spelled; Traditional falls back to it too.
        return ("zh_CN",)
    if lang in ("", "c", "posix"):
        return ("en",)
    names = [f"{lang}_{region.upper()}"] if region else []
    names.append(lang)
    return tuple(names)


class Translator:
    """gettext for one package, in whatever language is current at the time of the call."""

    def __init__(self, domain: str, localedir: str | os.PathLike[str]):
        self.domain = domain
        self.localedir = str(localedir)

    @classmethod
    def for_package(cls, module_name: str) -> Translator:
        """Return the translator of top-level package ``module_name`` (or of the package a module belongs to).

        Pass the package name itself (``"scorm"``), not ``__name__``: under ``python -m`` that is ``__main__``.
        """
        package = module_name.split(".")[0]
        return _translator_for(package)

    def _catalog(self) -> _gettext.NullTranslations:
        return _load(self.domain, self.localedir, locale_names(current_language()))

    def gettext(self, message: str) -> str:
        """Translate ``message``."""
        return self._catalog().gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translate a message with a plural form for ``n``."""
        return self._catalog().ngettext(singular, plural, n)


@lru_cache(maxsize=8)
def _translator_for(package: str) -> Translator:
    import importlib

    module = importlib.import_module(package)
    localedir = Path(module.__file__).resolve().parent / "locale"
    return Translator(package, localedir)


@lru_cache(maxsize=128)
def _load(domain: str, localedir: str, languages: tuple[str, ...]) -> _gettext.NullTranslations:
    return _gettext.translation(domain, localedir, languages=list(languages), fallback=True)
