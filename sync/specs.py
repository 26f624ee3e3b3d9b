"""SPEC strings: where a sync reads from or writes to, as ``scheme:location?option=value&…``.

Examples::

    xlsx:grades.xlsx?profile=icourse163            a MOOC grade export
    csv:roster.csv?encoding=gbk                     a roster from the academic system
    xlsx:out/jw-draft.xlsx?profile=zhengfang        the 正方 教务 import draft (written, for a person to submit)
    openedx:https://lms.example.edu?course=course-v1:Org+C101+2025_T1

The scheme picks the adapter; the location is a path or a URL; options follow the first ``?`` and are
``&``-separated ``name=value`` pairs, percent-decoded (``+`` stays ``+``, so course keys need no escaping).
A bare path ending in ``.xlsx`` or ``.csv`` needs no scheme. Secrets never go in a SPEC: adapters read
credentials from the environment; options whose name looks secret and URLs with a password
(``https://user:pass@host``) are refused before anything is printed or journalled, so the journal never
stores one. :data:`SCHEMES` names the adapter class of every scheme (module and class, imported when first used,
so a missing optional dependency affects only its scheme); it is built with ``from_spec(location, options)``.
``xlsx`` and ``csv`` build the MOOC-export source or, with a draft profile, the 教务 draft writer;
``oneroster`` (REST) and ``oneroster-csv`` (bundles) are the OneRoster adapters (docs/decisions/0029).
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from adapters.base import Adapter
from adapters.i18n import Translator

__all__ = ["SCHEMES", "Spec", "SpecError", "adapter_class", "open_spec", "parse_spec"]

_ = Translator.for_package("sync").gettext

SCHEMES: dict[str, tuple[str, str]] = {
    "openedx": ("adapters.openedx", "OpenEdxAdapter"),
    "xlsx": ("adapters.spreadsheet", "XlsxAdapter"),
    "csv": ("adapters.spreadsheet", "CsvAdapter"),
    "oneroster": ("adapters.oneroster", "OneRosterAdapter"),
    "oneroster-csv": ("adapters.oneroster", "OneRosterCsvAdapter"),
}
"""scheme → (module, class name): the adapter class each SPEC scheme names, written out (nothing is discovered)."""

# a token itself is secret (token, access_token, refresh_token); where to get one (token_url) is not
_SECRET = re.compile(r"secret|passw|(^|_)token$|api_?key|credential", re.IGNORECASE)
# user:password@ in any URL of the SPEC (the location or an option such as token_url=…)
_PASSWORD_IN_URL = re.compile(r"([a-z][a-z0-9+.-]*://)[^/?#@\s]*:[^/?#\s]*@", re.IGNORECASE)


class SpecError(ValueError):
    """A SPEC that cannot be understood or opened; ``message`` says why in a sentence."""

    def __init__(self, message: str, code: str = "bad_spec"):
        super().__init__(message)
        self.message, self.code = message, code


@dataclass(frozen=True)
class Spec:
    """A parsed SPEC."""

    scheme: str
    location: str
    options: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.options.items())
        return f"{self.scheme}:{self.location}" + (f"?{query}" if query else "")


def parse_spec(text: str) -> Spec:
    """Parse ``text`` (see the module docstring); raise :class:`SpecError` for a bad one."""
    text = (text or "").strip()
    if not text:
        raise SpecError(_("The SPEC is empty."))
    if _PASSWORD_IN_URL.search(text) or _PASSWORD_IN_URL.search(unquote(text)):  # before any message echoes text
        raise SpecError(_("Do not put a password in a SPEC URL ({url}); set credentials in the environment.").format(
            url=_PASSWORD_IN_URL.sub(r"\1***@", unquote(text))), "secret_in_spec")
    scheme, rest = None, text
    head, sep, tail = text.partition(":")
    if sep and head.lower() in SCHEMES:
        scheme, rest = head.lower(), tail
    elif sep and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", head) and len(head) > 1 and not tail.startswith("//"):
        raise SpecError(_("Unknown SPEC scheme {scheme!r}; use one of: {schemes}.").format(
            scheme=head, schemes=", ".join(sorted(SCHEMES))), "unknown_scheme")
    location, _sep, query = rest.partition("?")
    if scheme is None:
        suffix = Path(location).suffix.lower().lstrip(".")
        if suffix in ("xlsx", "csv"):
            scheme = suffix
        elif location.startswith(("http://", "https://")):
            raise SpecError(_("Say which system {location} is, e.g. openedx:{location}.").format(location=location),
                            "no_scheme")
        else:
            raise SpecError(_("Cannot tell what {text!r} is: start it with a scheme ({schemes}).").format(
                text=text, schemes=", ".join(sorted(SCHEMES))), "no_scheme")
    if not location:
        raise SpecError(_("The SPEC {text!r} has no location.").format(text=text))
    options: dict[str, str] = {}
    for pair in filter(None, query.split("&")):
        name, has_value, value = pair.partition("=")
        name = unquote(name).strip()
        if not name or not has_value:
            raise SpecError(_("Option {pair!r} in the SPEC must be written name=value.").format(pair=pair))
        if _SECRET.search(name):
            raise SpecError(_("Do not put secrets such as {name!r} in a SPEC; set them in the environment.").format(
                name=name), "secret_in_spec")
        options[name] = unquote(value)
    return Spec(scheme, unquote(location), options)


def adapter_class(scheme: str) -> type[Adapter]:
    """The adapter class :data:`SCHEMES` names for ``scheme``; :class:`SpecError` ``adapter_missing`` when its module
    cannot be imported here (an optional dependency not installed)."""
    module_name, class_name = SCHEMES[scheme]
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise SpecError(_("The {scheme} adapter is not available here ({error}).").format(
            scheme=scheme, error=error), "adapter_missing") from None
    cls = vars(module)[class_name]
    if not (isinstance(cls, type) and issubclass(cls, Adapter)):
        raise TypeError(f"SCHEMES[{scheme!r}] names {module_name}.{class_name}, which is not an adapter class")
    return cls


def open_spec(text: str | Spec, **extra: Any) -> Adapter:
    """Build the adapter a SPEC names: ``cls.from_spec(location, options)``. Raises :class:`SpecError`."""
    spec = text if isinstance(text, Spec) else parse_spec(text)
    cls = adapter_class(spec.scheme)
    options: dict[str, Any] = dict(spec.options)
    options.update(extra)
    return cls.from_spec(spec.location, options)
