"""Host names: normalise what a link names, recognise IP literals and localhost, match host patterns.

A host pattern is either an exact host (``v.qq.com``) or the suffix form ``*.example.cn``, which matches
``example.cn`` itself and every name below it. Patterns are what platforms, operator allow-lists and
operator-added platforms are written in.
"""

from __future__ import annotations

import ipaddress
import re

import idna

from adapters.i18n import Translator
from adapters.i18n import gettext_noop as N_

from . import errors

_ = Translator.for_package("adapters").gettext

_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_NUMERIC_LABEL = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)")
# Suffixes under which anyone may register a name: a pattern may not cover one of these whole.
PUBLIC_SUFFIXES = frozenset(
    {"cn", "com", "net", "org", "edu", "gov", "tv", "io", "com.cn", "edu.cn", "gov.cn", "net.cn", "org.cn",
     "ac.cn", "mil.cn", "com.hk", "edu.hk", "org.hk", "com.tw", "edu.tw", "co.uk", "ac.uk", "com.au", "edu.au"}
)


def is_ip_literal(host: str) -> bool:
    """True when ``host`` is an IP address in any form a browser accepts (``127.1``, ``0x7f.1``, ``2130706433``…).

    Browsers read a host whose last label is a number (decimal, octal or ``0x`` hex) as IPv4, so any such
    host counts; no real domain ends in a numeric label.
    """
    if host.startswith("[") or ":" in host:
        return True
    labels = host.rstrip(".").split(".")
    if labels and _NUMERIC_LABEL.fullmatch(labels[-1]):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def is_localhost(host: str) -> bool:
    """True for ``localhost`` and names under it (``a.localhost``, ``localhost.localdomain``)."""
    return host == "localhost" or host.endswith(".localhost") or host.startswith("localhost.")


def to_ascii(raw: str) -> str:
    """Return ``raw`` as a lower-case ASCII host (IDNA, UTS #46 mapping as in browsers), or ValueError."""
    if raw.isascii():
        return raw.lower()
    try:
        return idna.encode(raw, uts46=True, transitional=False).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError, ValueError) as error:
        raise ValueError(str(error)) from error


def to_unicode(host: str) -> str:
    """Return the Unicode form of an ASCII host (``xn--`` labels decoded; labels that fail to decode stay)."""
    labels = []
    for label in host.split("."):
        if label.startswith("xn--"):
            try:
                label = label[4:].encode("ascii").decode("punycode")
            except (UnicodeError, ValueError):
                pass
        labels.append(label)
    return ".".join(labels)


def is_valid_name(host: str) -> bool:
    """True when ``host`` is a syntactically valid lower-case ASCII DNS name with at least two labels."""
    if not host or len(host) > 253:
        return False
    labels = host.split(".")
    return len(labels) >= 2 and all(_LABEL.fullmatch(label) for label in labels)


def normalise(raw: str) -> str:
    """Return the host of a link as a browser would reach it: lower case, ASCII, without the final dot.

    Raises :class:`~.model.ResolveError` (``ip_address_not_allowed``, ``localhost_not_allowed``,
    ``invalid_host``) for hosts no link of ours may name.
    """
    if raw.startswith("[") or raw.endswith("]"):
        raise errors.refuse(errors.IP_ADDRESS_NOT_ALLOWED)
    try:
        host = to_ascii(raw)
    except ValueError:
        raise errors.refuse(errors.INVALID_HOST) from None
    if host.endswith("."):
        host = host[:-1]  # the fully qualified form names the same host; one final dot only
    if is_ip_literal(host):
        raise errors.refuse(errors.IP_ADDRESS_NOT_ALLOWED)
    if is_localhost(host):
        raise errors.refuse(errors.LOCALHOST_NOT_ALLOWED)
    if not is_valid_name(host):
        raise errors.refuse(errors.INVALID_HOST)
    return host


def pattern_base(pattern: str) -> str:
    """Return the domain a pattern is about (``*.example.cn`` → ``example.cn``)."""
    return pattern[2:] if pattern.startswith("*.") else pattern


def matches(host: str, pattern: str) -> bool:
    """True when ``host`` (normalised) matches ``pattern`` (exact, or ``*.base`` = base and below)."""
    if pattern.startswith("*."):
        base = pattern[2:]
        return host == base or host.endswith("." + base)
    return host == pattern


def matches_any(host: str, patterns: tuple[str, ...] | list[str]) -> bool:
    """True when ``host`` matches one of ``patterns``."""
    return any(matches(host, pattern) for pattern in patterns)


def patterns_overlap(first: str, second: str) -> bool:
    """True when some host would match both patterns."""
    return (
        matches(pattern_base(first), second)
        or matches(pattern_base(second), first)
    )


def check_pattern(value: object) -> str:
    """Return ``value`` as a normalised host pattern; raise ValueError with a plain message if it is not one."""
    if not isinstance(value, str):
        raise ValueError(_("A host pattern must be text, like “www.example.cn” or “*.example.cn”."))
    pattern = value.strip().lower()
    base = pattern_base(pattern).rstrip(".")
    try:
        base = to_ascii(base)
    except ValueError:
        base = ""
    if "*" in base or not is_valid_name(base) or is_ip_literal(base) or is_localhost(base):
        raise ValueError(_(_BAD_PATTERN).format(pattern=value))
    if base in PUBLIC_SUFFIXES:
        raise ValueError(_(_TOO_WIDE).format(pattern=value))
    return ("*." + base) if pattern.startswith("*.") else base


_BAD_PATTERN = N_("“{pattern}” is not a host pattern: write a host name like “www.example.cn” or “*.example.cn”.")
_TOO_WIDE = N_("“{pattern}” would match every site under a public suffix; name the school's or platform's own domain.")
