"""A separate origin for package files (ADR 0031), as SCORM Engine's remote content hosting does.

Served from the LMS's own origin, a package's JavaScript can read the LMS's cookies (the CSRF token among them)
and, opened by staff, call staff handlers. With ``XBLOCK_SETTINGS["mooc_bridge_scorm"]["CONTENT_ORIGIN"]`` (for
example ``"https://scorm-content.example.edu"``, a host name of the same LMS that the web server routes to it),
package files are served from that origin by the plugin app's views (:mod:`xblocks.scorm.views`), reached by a
short-lived signed token in the URL path instead of the session cookie, and the SCO talks to the runtime API in the
launcher by ``postMessage``: scorm-again's ``CrossFrameAPI`` in a small launch page on the content origin (where
the SCO finds it as ``window.parent.API``/``API_1484_11``), its ``CrossFrameLMS`` in the launcher.

A token is Django's ``TimestampSigner`` (keyed by ``SECRET_KEY``) over the course, the package's sha256, the
package's SCORM version and the launcher's origin (the only origin the launch page talks to); it is issued by the
``player`` handler, so only to users the LMS lets see the block, and holds for ``CONTENT_TOKEN_SECONDS`` (default
4 hours).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote, urlsplit

__all__ = ["TOKEN_SECONDS", "configured", "content_url", "on_content_host", "read_token", "token"]

log = logging.getLogger(__name__)
SALT = "mooc_bridge_scorm.content"
TOKEN_SECONDS = 4 * 3600


def _origin(value: Any) -> str | None:
    """``scheme://host[:port]`` of an http(s) URL, or ``None``."""
    if not isinstance(value, str) or not value:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc.lower()}"


def configured(bucket: dict[str, Any]) -> str | None:
    """The operator's content origin, or ``None`` (unset, or not an http(s) origin: then logged and ignored)."""
    value = bucket.get("CONTENT_ORIGIN")
    origin = _origin(value)
    if value and origin is None:
        log.warning("XBLOCK_SETTINGS mooc_bridge_scorm CONTENT_ORIGIN %r is not an http(s) origin: ignored", value)
    return origin


def token_seconds(bucket: dict[str, Any]) -> int:
    """How long a content token holds (``CONTENT_TOKEN_SECONDS``, at least a minute)."""
    try:
        return max(60, int(bucket.get("CONTENT_TOKEN_SECONDS") or TOKEN_SECONDS))
    except (TypeError, ValueError):
        return TOKEN_SECONDS


def token(course: str, sha256: str, version: str, lms_origin: str) -> str:
    """A signed, timestamped token naming what the content origin may serve and to whom the launch page talks."""
    from django.core.signing import TimestampSigner

    return TimestampSigner(salt=SALT).sign_object({"c": course, "s": sha256, "v": version, "o": lms_origin})


def read_token(value: str, max_age: int) -> dict[str, str] | None:
    """The token's fields if its signature holds and it is younger than ``max_age`` seconds, else ``None``."""
    from django.core.signing import BadSignature, TimestampSigner

    try:
        fields = TimestampSigner(salt=SALT).unsign_object(value, max_age=max_age)
    except (BadSignature, ValueError, TypeError):  # SignatureExpired is a BadSignature
        return None
    if not isinstance(fields, dict) or not all(isinstance(fields.get(k), str) for k in "csvo"):
        return None
    return fields


def content_url(origin: str, signed: str, path: str) -> str | None:
    """The launch page on the content origin for the package-relative ``path`` (with its query), or ``None``
    where the plugin app is not mounted."""
    try:
        from django.urls import NoReverseMatch, reverse

        base = reverse("mooc_bridge_scorm:content_launch", kwargs={"token": signed})
    except (ImportError, NoReverseMatch):
        return None
    except Exception:  # Django not configured
        return None
    return f"{origin}{base}?sco={quote(path, safe='')}"


def on_content_host(request, origin: str | None) -> bool:
    """Whether a Django request came to the content origin's host (its ``Host`` header)."""
    if not origin:
        return False
    try:
        host = request.get_host().lower()
    except Exception:  # DisallowedHost
        return False
    return host == urlsplit(origin).netloc


def lms_origin(bucket: dict[str, Any], host_url: str) -> str:
    """The launcher's origin: ``LMS_ORIGIN`` in the settings bucket, the LMS's ``LMS_ROOT_URL``, else the
    request's own (``host_url``), which a proxy that ends TLS may report as http."""
    from django.conf import settings

    return (_origin(bucket.get("LMS_ORIGIN")) or _origin(getattr(settings, "LMS_ROOT_URL", None))
            or _origin(host_url) or host_url)
