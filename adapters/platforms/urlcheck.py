"""Check a pasted link and split it into the parts the rules read. Nothing here touches the network.

:func:`check` refuses (with :class:`~.model.ResolveError`) anything that is not a plain web address on a
real host name: other schemes, user info, odd ports, IP literals, localhost, invisible characters.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from . import errors, hosts

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_PORT = re.compile(r"[0-9]{1,5}")
STANDARD_PORTS = frozenset({80, 443})
# Unicode categories that never belong in a link a person copied: controls, format marks, separators.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"})


@dataclass(frozen=True)
class CheckedUrl:
    """A link that passed :func:`check`: http(s), a normalised host, its path, query pairs and fragment."""

    original: str
    scheme: str
    host: str
    path: str
    query: tuple[tuple[str, str], ...]
    fragment: str

    def param(self, *keys: str) -> str | None:
        """Return the first value of any of ``keys`` in the query (names compared case-insensitively)."""
        wanted = {key.lower() for key in keys}
        for name, value in self.query:
            if name.lower() in wanted:
                return value
        return None


def _has_forbidden_characters(text: str) -> bool:
    return any(unicodedata.category(char) in _FORBIDDEN_CATEGORIES for char in text)


def _with_scheme(text: str) -> str:
    """Return ``text`` with an explicit scheme; a bare ``www.example.cn/…`` is read as https."""
    match = _SCHEME.match(text)
    if match:
        name, rest = match.group(1), text[match.end():]
        looks_like_host_and_port = ("." in name or name.lower() == "localhost") and re.fullmatch(
            r"[0-9]*(?:[/?#].*)?", rest, re.DOTALL
        )
        if not looks_like_host_and_port:
            return text
    return ("https:" + text) if text.startswith("//") else ("https://" + text)


def check(url: str, max_length: int = 2048) -> CheckedUrl:
    """Check ``url`` and return its parts; raise :class:`~.model.ResolveError` with the reason it is refused."""
    text = (url or "").strip()
    if not text:
        raise errors.refuse(errors.EMPTY_URL)
    if len(text) > max_length:
        raise errors.refuse(errors.URL_TOO_LONG, length=len(text), limit=max_length)
    if _has_forbidden_characters(text):
        raise errors.refuse(errors.INVALID_CHARACTERS)
    full = _with_scheme(text)
    scheme, _colon, rest = full.partition(":")
    scheme = scheme.lower()
    if scheme not in ("http", "https"):
        raise errors.refuse(errors.UNSUPPORTED_SCHEME, scheme=scheme[:20])
    if not rest.startswith("//"):
        raise errors.refuse(errors.MALFORMED_URL)
    before_query = re.split(r"[?#]", rest, maxsplit=1)[0]
    if "\\" in before_query:
        raise errors.refuse(errors.MALFORMED_URL)  # browsers read "\" as "/", Python does not: never guess
    try:
        parts = urlsplit(full)
    except ValueError:
        raise errors.refuse(errors.MALFORMED_URL) from None
    netloc = parts.netloc
    if not netloc:
        raise errors.refuse(errors.MALFORMED_URL)
    if "@" in netloc:
        raise errors.refuse(errors.USERINFO_NOT_ALLOWED)
    host = _host_without_port(netloc)
    return CheckedUrl(
        original=text,
        scheme=scheme,
        host=hosts.normalise(host),
        path=parts.path or "/",
        query=tuple(parse_qsl(parts.query, keep_blank_values=True)),
        fragment=parts.fragment,
    )


def _host_without_port(netloc: str) -> str:
    if netloc.startswith("["):
        raise errors.refuse(errors.IP_ADDRESS_NOT_ALLOWED)
    host, colon, port = netloc.rpartition(":")
    if not colon:
        return netloc
    if ":" in host:
        if re.fullmatch(r"[0-9A-Fa-f:.]+", netloc):
            raise errors.refuse(errors.IP_ADDRESS_NOT_ALLOWED)  # an IPv6 address without its brackets
        raise errors.refuse(errors.INVALID_PORT)
    if port == "":
        return host  # "example.cn:/" is the default port, as in browsers
    if not _PORT.fullmatch(port) or not 0 < int(port) <= 65535:
        raise errors.refuse(errors.INVALID_PORT)
    if int(port) not in STANDARD_PORTS:
        raise errors.refuse(errors.PORT_NOT_ALLOWED, port=int(port))
    return host
