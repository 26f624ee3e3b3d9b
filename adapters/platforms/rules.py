"""The building blocks of the catalog: :class:`Platform`, its URL :class:`Rule` s and the canonical-URL helpers.

A platform module declares one :class:`Platform` with its rules; the resolver tries the rules in order and
the first that matches decides the kind, the ids, the canonical URL, the player (if any) and the warnings.
A link on a platform's host that no rule matches is still that platform's page (kind ``page``, a card).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from adapters.i18n import current_language

from . import hosts
from .model import ResolveWarning
from .urlcheck import CheckedUrl

__all__ = ["Found", "Param", "Platform", "Rule", "build_url", "page_url"]

# Query parameters that only say where a click came from; canonical URLs drop them.
TRACKING_PARAMS = frozenset(
    {"spm", "spm_id_from", "from_spmid", "vd_source", "share_source", "share_medium", "share_plat", "share_from",
     "share_session_id", "share_tag", "share_times", "unique_k", "bbid", "buvid", "ts", "timestamp", "up_id",
     "is_story_h5", "plat_id", "seid", "from", "fromsource", "channel", "ptag", "scene", "isappinstalled",
     "clicktime", "enterid", "sharer_sharetime", "sharer_shareid", "fbclid", "gclid", "msclkid", "mc_cid",
     "mc_eid", "_hsenc", "_hsmi", "igshid", "ref", "ref_src", "trackid", "track_id", "wxfid", "sessionid"}
)
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_FRAGMENT_SAFE = _PATH_SAFE + "?#"


def is_tracking(name: str) -> bool:
    """True for a query parameter that only tracks the click (``utm_*``, ``spm_id_from``, ``from``…)."""
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith("utm_")


def build_url(host: str, path: str, params: Iterable[tuple[str, str]] = (), fragment: str = "") -> str:
    """Return ``https://host/path?params#fragment`` with non-ASCII characters percent-encoded."""
    url = "https://" + host + quote(path or "/", safe=_PATH_SAFE)
    query = urlencode(list(params), quote_via=quote)
    if query:
        url += "?" + query
    if fragment:
        url += "#" + quote(fragment, safe=_FRAGMENT_SAFE)
    return url


def page_url(url: CheckedUrl, host: str | None = None) -> str:
    """Canonical form of any page: https, normalised host, tracking parameters dropped, hash routes kept."""
    params = [(name, value) for name, value in url.query if not is_tracking(name)]
    fragment = url.fragment if url.fragment.startswith(("/", "!")) else ""
    return build_url(host or url.host, url.path, params, fragment)


def _group_ids(match: re.Match[str]) -> dict[str, str]:
    """Named groups that matched, except those named with a leading underscore (kept in the path, not ids)."""
    return {name: value for name, value in match.groupdict().items() if value is not None and not name.startswith("_")}


@dataclass(frozen=True)
class Found:
    """What a rule found in a link: the checked link and the ids (named groups and query parameters)."""

    url: CheckedUrl
    ids: dict[str, str]

    @property
    def host(self) -> str:
        """The link's normalised host."""
        return self.url.host


@dataclass(frozen=True)
class Param:
    """An id read from the query: stored under ``name``; ``keys`` are the parameter names (any case)."""

    name: str
    keys: tuple[str, ...]
    pattern: str = r"[0-9A-Za-z_-]{1,64}"
    required: bool = True


@dataclass(frozen=True)
class Rule:
    """One URL shape of a platform.

    ``path`` must match the whole path; its named groups become ids, as do ``params`` read from the query and
    the named groups of ``fragment`` (matched against the whole ``#…`` part, for single-page-app routes).
    ``group_ids`` names unnamed groups in order (for operator-written rules). Groups named ``_…`` are not ids.
    ``hosts`` limits the rule to some of the platform's hosts. ``canonical`` builds the canonical URL (default:
    the link with only the ids' parameters); ``player`` builds a public player URL, which makes the resource
    an iframe; ``warn`` returns warnings for the author.
    """

    kind: str
    path: str = r"/.*"
    params: tuple[Param, ...] = ()
    hosts: tuple[str, ...] = ()
    fragment: str | None = None
    canonical: Callable[[Found], str] | None = None
    player: Callable[[Found], str] | None = None
    warn: Callable[[Found], list[ResolveWarning]] | None = None
    group_ids: tuple[str, ...] = ()

    def match(self, url: CheckedUrl) -> Found | None:
        """Return what this rule finds in ``url``, or ``None`` when the link has another shape."""
        if self.hosts and not hosts.matches_any(url.host, self.hosts):
            return None
        path_match = re.fullmatch(self.path, url.path, re.DOTALL)
        if path_match is None:
            return None
        ids = _group_ids(path_match)
        for number, name in enumerate(self.group_ids, start=1):
            if number <= (path_match.re.groups or 0) and path_match.group(number) is not None:
                ids[name] = path_match.group(number)
        if self.fragment is not None:
            fragment_match = re.fullmatch(self.fragment, url.fragment, re.DOTALL)
            if fragment_match is None:
                return None
            ids.update(_group_ids(fragment_match))
        for param in self.params:
            value = url.param(*param.keys)
            if value is None or not re.fullmatch(param.pattern, value):
                if param.required:
                    return None
                continue
            ids[param.name] = value
        return Found(url, ids)

    def canonical_url(self, found: Found) -> str:
        """Return the canonical URL of what this rule found."""
        if self.canonical is not None:
            return self.canonical(found)
        params = [(param.keys[0], found.ids[param.name]) for param in self.params if param.name in found.ids]
        fragment = found.url.fragment if self.fragment is not None else ""
        return build_url(found.host, found.url.path, params, fragment)


@dataclass(frozen=True)
class Platform:
    """A platform of the catalog: names, host patterns, URL rules and embed policy.

    ``family`` is ``public`` (national and provincial education platforms), ``mooc``, ``video`` or ``other``.
    ``embed`` is ``card`` for every built-in platform (only rules with a public player give iframes);
    an operator-added platform may say ``iframe`` to frame all its pages.
    """

    id: str
    name_zh: str
    name_en: str
    hosts: tuple[str, ...]
    rules: tuple[Rule, ...] = ()
    family: str = "other"
    login_required: bool = True
    embed: str = "card"
    fallback_kind: str = "page"
    examples: tuple[str, ...] = ()
    builtin: bool = True

    def display_name(self) -> str:
        """The platform's name in the current language (Chinese when the language is any ``zh``, else English)."""
        return self.name_zh if current_language().lower().startswith("zh") else self.name_en

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds of resource this platform's links resolve to, in rule order, the fallback kind last."""
        seen = dict.fromkeys(rule.kind for rule in self.rules)
        seen[self.fallback_kind] = None
        return tuple(seen)

    def owns(self, host: str) -> bool:
        """True when ``host`` (normalised) is one of this platform's hosts."""
        return hosts.matches_any(host, self.hosts)

    def first_match(self, url: CheckedUrl) -> tuple[Rule, Found] | None:
        """Return the first rule that matches ``url`` and what it found, or ``None``."""
        for rule in self.rules:
            found = rule.match(url)
            if found is not None:
                return rule, found
        return None
