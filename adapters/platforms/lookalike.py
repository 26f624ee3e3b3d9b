"""Recognise links that only look like a platform's: ``icourse163.org.evil.com``, ``evil.com/www.icourse163.org/…``,
``bilibili-video.com``, or a host spelt with look-alike letters from other scripts (``www.іcourse163.org``).

Only consulted for hosts no platform owns, to pick the error code: ``lookalike_host`` instead of ``unknown_host``.
"""

from __future__ import annotations

import re
import unicodedata

from . import hosts
from .rules import Platform
from .urlcheck import CheckedUrl

# Letters from other scripts that are drawn like Latin ones (a small subset of Unicode's confusables).
_CONFUSABLES = str.maketrans({
    "а": "a", "в": "b", "е": "e", "һ": "h", "і": "i", "ј": "j", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ɡ": "g", "ı": "i",
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x",
    "ℓ": "l", "ո": "n", "օ": "o", "ս": "u", "ց": "g",
})
MIN_BRAND = 4  # shorter brand labels ("qq", "b23") are too common to call anything a look-alike
MIN_BRAND_INSIDE = 6  # brands at least this long count even inside a longer label ("mybilibili")


def skeleton(host: str) -> str:
    """Return ``host`` with look-alike letters replaced by the Latin ones they imitate and accents removed."""
    text = unicodedata.normalize("NFKD", hosts.to_unicode(host).lower().translate(_CONFUSABLES))
    return "".join(char for char in text if not unicodedata.combining(char)).translate(_CONFUSABLES)


def brand(pattern: str) -> str:
    """Return the label a platform is known by (``*.icve.com.cn`` → ``icve``, ``v.qq.com`` → ``qq``)."""
    base = hosts.pattern_base(pattern)
    for suffix in sorted(hosts.PUBLIC_SUFFIXES, key=len, reverse=True):
        if base.endswith("." + suffix):
            base = base[: -len(suffix) - 1]
            break
    return base.rsplit(".", 1)[-1]


def _imitates(host: str, platform: Platform, exact: bool) -> bool:
    labels = host.split(".")
    for pattern in platform.hosts:
        base = hosts.pattern_base(pattern)
        if exact and platform.owns(host):
            return True
        if f".{base}." in f".{host}.":
            return True
        name = brand(pattern)
        if len(name) >= MIN_BRAND_INSIDE and any(name in label for label in labels):
            return True
        if len(name) >= MIN_BRAND and name in labels:
            return True
    return False


def imitated_by_host(url: CheckedUrl, platforms: list[Platform] | tuple[Platform, ...]) -> Platform | None:
    """Return the platform whose host ``url``'s host imitates, or ``None``."""
    shadow = skeleton(url.host)
    for platform in platforms:
        if _imitates(url.host, platform, exact=False) or (shadow != url.host and _imitates(shadow, platform, True)):
            return platform
    return None


def imitated_in_rest(url: CheckedUrl, platforms: list[Platform] | tuple[Platform, ...]) -> Platform | None:
    """Return the platform whose host appears after the host (path, query or fragment) of ``url``, or ``None``."""
    rest = " ".join([url.path, *(f"{name} {value}" for name, value in url.query), url.fragment]).lower()
    for platform in platforms:
        for pattern in platform.hosts:
            base = re.escape(hosts.pattern_base(pattern))
            if re.search(rf"(?<![a-z0-9-]){base}(?![a-z0-9-])", rest):
                return platform
    return None
