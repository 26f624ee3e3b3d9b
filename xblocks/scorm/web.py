"""Small response helpers shared by the block's handlers."""

from __future__ import annotations

import functools
import json
from typing import Any
from urllib.parse import urlsplit

from webob import Response


def json_response(payload: Any, status: int = 200) -> Response:
    """``payload`` as a UTF-8 JSON response that is never cached."""
    return Response(json.dumps(payload, ensure_ascii=False), status=status, content_type="application/json",
                    charset="utf-8", headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def html_response(html: str, status: int = 200) -> Response:
    """A handler page: UTF-8, never cached, not sniffed."""
    return Response(html, status=status, content_type="text/html", charset="utf-8",
                    headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def from_other_origin(request) -> bool:
    """Whether the browser says another origin's page sent ``request`` (its ``Origin`` header; "null" from a
    sandboxed or opaque page counts as another). Requests without the header (not from a browser page) pass."""
    origin = request.headers.get("Origin")
    if not origin:
        return False
    return origin == "null" or _host(urlsplit(origin).netloc) != _host(request.host or "")


def _host(netloc: str) -> str:
    """``host[:port]`` in lower case, without a default port (browsers leave it out of ``Origin`` and ``Host``)."""
    netloc = netloc.lower()
    for default in (":80", ":443"):
        if netloc.endswith(default):
            return netloc[: -len(default)]
    return netloc


def same_origin_only(handler):
    """Refuse, with 403 and before anything is read or changed, a handler request from another origin's page:
    LMS handlers are CSRF-exempt, so a package on the content origin (ADR 0031) or any other site could
    otherwise post to them with the learner's cookies where the session cookie is ``SameSite=None``."""

    @functools.wraps(handler)
    def wrapper(self, request, suffix=""):
        if from_other_origin(request):
            return Response(status=403, headers={"Cache-Control": "no-store"})
        return handler(self, request, suffix)

    return wrapper
