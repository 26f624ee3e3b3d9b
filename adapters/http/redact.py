"""Keep secrets out of messages, logs and journals.

Every text that leaves :mod:`adapters.http` (an error message, a response body kept on an error, a URL in
a log line) goes through :func:`redact` first. It masks ``Authorization`` values, bearer/JWT tokens,
``access_token``/``client_secret``/``password``-style fields in JSON, forms and query strings, anything
that looks like a JWT, and every literal secret registered with :class:`Secrets`.
"""

from __future__ import annotations

import re
import threading
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["MASK", "SECRET_FIELDS", "Secrets", "redact", "redact_headers", "redact_url"]

MASK = "***"

SECRET_FIELDS = (
    "access_token", "refresh_token", "id_token", "token", "client_secret", "secret", "password",
    "api_key", "apikey", "wstoken", "client_assertion", "assertion", "sessionid", "csrftoken",
)
"""Field names whose values are always masked (matched case-insensitively, also as suffixes: ``x_token``)."""

_FIELD = "|".join(re.escape(f) for f in sorted(SECRET_FIELDS, key=len, reverse=True))
_PATTERNS = (
    # "Authorization: JWT abc" / "authorization": "Bearer abc"
    (re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(?:(jwt|bearer|basic|token)\s+)?[^\s'\",;}]+"),
     lambda m: f"{m.group(1)}{(m.group(2) + ' ') if m.group(2) else ''}{MASK}"),
    # JSON: "access_token": "abc"
    (re.compile(r"(?i)(\"[\w-]*(?:" + _FIELD + r")\"\s*:\s*\")[^\"]*(\")"),
     lambda m: f"{m.group(1)}{MASK}{m.group(2)}"),
    # form / query: client_secret=abc&
    (re.compile(r"(?i)(\b[\w-]*(?:" + _FIELD + r")=)[^&\s'\"]+"), lambda m: f"{m.group(1)}{MASK}"),
    # bare "JWT abc" / "Bearer abc"
    (re.compile(r"\b(JWT|Bearer)\s+[A-Za-z0-9._~+/=-]{8,}"), lambda m: f"{m.group(1)} {MASK}"),
    # anything shaped like a JWT
    (re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"), lambda m: MASK),
)


class Secrets:
    """A thread-safe set of literal secret values (client secrets, tokens) to mask wherever they appear."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()

    def add(self, value: str | None) -> None:
        """Remember ``value`` as a secret (values shorter than 4 characters are ignored: too many false hits)."""
        if value and len(value) >= 4:
            with self._lock:
                self._values.add(value)

    def mask(self, text: str) -> str:
        """Replace every registered secret in ``text`` by :data:`MASK`."""
        with self._lock:
            values = sorted(self._values, key=len, reverse=True)
        for value in values:
            text = text.replace(value, MASK)
        return text


def redact(text: str | None, secrets: Secrets | None = None, limit: int | None = None) -> str | None:
    """Return ``text`` with secrets masked, then cut to ``limit`` characters (with a marker) when given."""
    if text is None:
        return None
    if secrets is not None:
        text = secrets.mask(text)
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    if limit is not None and len(text) > limit:
        text = text[:limit] + "…[truncated]"
    return text


def redact_url(url: str, secrets: Secrets | None = None) -> str:
    """Return ``url`` without user info and with secret query parameters masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact(url, secrets) or ""
    netloc = parts.hostname or ""
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    query = parts.query
    if query:
        pairs = [(k, MASK if _is_secret_name(k) else v) for k, v in parse_qsl(query, keep_blank_values=True)]
        query = urlencode(pairs, safe=":/,+*")
    return redact(urlunsplit((parts.scheme, netloc, parts.path, query, "")), secrets) or ""


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    """Return a copy of ``headers`` with ``Authorization``, cookies and API keys masked."""
    hidden = ("authorization", "cookie", "set-cookie", "proxy-authorization", "x-api-key")
    return {k: (MASK if k.lower() in hidden or _is_secret_name(k) else v) for k, v in headers.items()}


def _is_secret_name(name: str) -> bool:
    lowered = name.lower().replace("-", "_")
    return any(lowered == f or lowered.endswith("_" + f) for f in SECRET_FIELDS)
