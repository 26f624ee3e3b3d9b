"""Serve a stored package's files through an XBlock handler: same origin, by full path, streamed.

A SCO's files must come from the LMS's own origin (the runtime API lives on the parent window), so the
player serves them through its ``asset`` handler rather than a storage URL. :func:`serve` answers one
request for one path of one package:

* the path is the full relative path from the package root (never a basename search); it is checked
  before any file is touched: no ``..``, no absolute or drive paths, no backslashes or NUL, and the
  resolved file must lie inside the package folder;
* the body is streamed in chunks, never read whole;
* ``Content-Type`` from the file name (with the types browsers need for modern courseware), ``ETag``
  and ``Last-Modified``, ``304`` for conditional requests; long, immutable caching, because the URL
  carries the package's sha256 and so never points at different bytes;
* ``Range`` requests (single range, ``If-Range`` honoured) answer ``206``; unsatisfiable ones ``416``,
  as video players and PDF viewers expect.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import posixpath
import stat
from collections.abc import Iterator
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from urllib.parse import unquote

from webob import Request, Response

CHUNK = 64 * 1024
IMMUTABLE = "public, max-age=31536000, immutable"

# types that Python's table lacks or gets wrong on some systems, and that courseware uses
_TYPES = {
    ".js": "text/javascript", ".mjs": "text/javascript", ".json": "application/json", ".css": "text/css",
    ".html": "text/html", ".htm": "text/html", ".xml": "application/xml", ".svg": "image/svg+xml",
    ".woff": "font/woff", ".woff2": "font/woff2", ".ttf": "font/ttf", ".otf": "font/otf",
    ".mp4": "video/mp4", ".m4v": "video/mp4", ".webm": "video/webm", ".mp3": "audio/mpeg", ".m4a": "audio/mp4",
    ".ogg": "audio/ogg", ".wav": "audio/wav", ".vtt": "text/vtt", ".swf": "application/x-shockwave-flash",
    ".pdf": "application/pdf", ".wasm": "application/wasm", ".txt": "text/plain", ".png": "image/png",
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp", ".ico": "image/x-icon",
}
_TEXT = ("text/", "application/javascript", "application/json", "application/xml", "image/svg+xml")


class BadAssetPath(ValueError):
    """The requested path could never name a file of a package."""


def clean_path(suffix: str) -> str:
    """Return the package-relative path in a handler suffix, or raise :class:`BadAssetPath`.

    The suffix arrives URL-decoded or not depending on the runtime; it is decoded once more only when
    it still holds escapes, and checked after decoding.
    """
    path = suffix.split("?", 1)[0].split("#", 1)[0]
    if "%" in path:
        path = unquote(path)
    if not path or "\x00" in path or "\\" in path or path.startswith("/") or len(path) > 1024:
        raise BadAssetPath(path)
    if len(path) > 1 and path[1] == ":":
        raise BadAssetPath(path)
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise BadAssetPath(path)
    normalised = posixpath.normpath(path)
    if normalised != path:
        raise BadAssetPath(path)
    return path


def content_type(path: str) -> str:
    """The ``Content-Type`` to send for ``path``, with ``charset=utf-8`` for text."""
    extension = os.path.splitext(path)[1].lower()
    kind = _TYPES.get(extension) or mimetypes.guess_type(path)[0] or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith(_TEXT) else kind


def _file_chunks(handle, start: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()


def _parse_range(header: str, size: int) -> tuple[int, int] | str | None:
    """``(start, end)`` inclusive for one satisfiable range; None to ignore the header; "unsatisfiable"."""
    unit, _sep, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None  # other units and multiple ranges: send the whole file, as RFC 9110 allows
    first, dash, last = spec.strip().partition("-")
    if not dash:
        return None
    try:
        if first == "":
            suffix = int(last)
            if suffix <= 0:
                return "unsatisfiable"
            return (max(0, size - suffix), size - 1) if size else "unsatisfiable"
        start = int(first)
        end = int(last) if last else size - 1
    except ValueError:
        return None
    if start >= size:
        return "unsatisfiable"
    if start < 0 or start > end:
        return None
    return start, min(end, size - 1)


def serve(request: Request, package_dir: str | os.PathLike[str], suffix: str, *, sha256: str = "") -> Response:
    """Answer ``request`` for the file at ``suffix`` inside ``package_dir`` (see the module docstring)."""
    if request.method not in ("GET", "HEAD"):
        return Response(status=405, headers={"Allow": "GET, HEAD"})
    try:
        relative = clean_path(suffix)
    except BadAssetPath:
        return Response(status=404)
    root = Path(package_dir).resolve()
    target = root / relative
    try:
        resolved = target.resolve(strict=True)
        resolved.relative_to(root)
        handle = open(resolved, "rb")
        info = os.fstat(handle.fileno())
    except (OSError, ValueError, RuntimeError):
        return Response(status=404)
    if not stat.S_ISREG(info.st_mode):
        handle.close()
        return Response(status=404)

    size = info.st_size
    tag = hashlib.sha256(f"{sha256}:{relative}:{size}:{info.st_mtime_ns}".encode()).hexdigest()[:32]
    etag = f'"{tag}"'
    headers = {
        "Content-Type": content_type(relative),
        "ETag": etag,
        "Last-Modified": formatdate(info.st_mtime, usegmt=True),
        "Cache-Control": IMMUTABLE if sha256 else "private, max-age=0, must-revalidate",
        "Accept-Ranges": "bytes",
        "X-Content-Type-Options": "nosniff",
    }
    if _not_modified(request, etag, info.st_mtime):
        handle.close()
        return Response(status=304, headers={k: v for k, v in headers.items() if k != "Content-Type"})

    start, end, status = 0, size - 1, 200
    range_header = request.headers.get("Range")
    if range_header and _if_range_holds(request, etag, info.st_mtime):
        parsed = _parse_range(range_header, size)
        if parsed == "unsatisfiable":
            handle.close()
            return Response(status=416, headers={"Content-Range": f"bytes */{size}", "Accept-Ranges": "bytes"})
        if isinstance(parsed, tuple):
            start, end = parsed
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    length = max(0, end - start + 1)
    response = Response(status=status, headers=headers)
    if request.method == "HEAD":
        handle.close()
        response.app_iter = [b""]
    else:
        response.app_iter = _file_chunks(handle, start, length)
    response.content_length = length  # after app_iter, whose setter clears it
    return response


def _http_date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _not_modified(request: Request, etag: str, mtime: float) -> bool:
    match = request.headers.get("If-None-Match")
    if match is not None:
        candidates = {part.strip().removeprefix("W/") for part in match.split(",")}
        return etag in candidates or "*" in candidates
    since = _http_date(request.headers.get("If-Modified-Since"))
    return since is not None and int(mtime) <= since


def _if_range_holds(request: Request, etag: str, mtime: float) -> bool:
    condition = request.headers.get("If-Range")
    if not condition:
        return True
    if condition.startswith(('"', 'W/"')):
        return condition == etag
    since = _http_date(condition)
    return since is not None and int(mtime) <= since
