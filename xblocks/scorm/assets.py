"""Serve a stored package's files: same origin, by full path, streamed, whatever the web framework.

A SCO's files must come from the LMS's own origin (the runtime API lives on the parent window), so the
player serves them itself rather than by a storage URL: in the LMS through the plugin app's view
(:mod:`xblocks.scorm.views`, a Django streaming response), elsewhere through the block's ``asset`` handler
(:func:`serve`, WebOb). Both build the same :class:`Answer` with :func:`answer` for one path of one package:

* the path is the full relative path from the package root (never a basename search); it is checked
  before any file is touched: no ``..``, no absolute or drive paths, no backslashes or NUL, and the
  resolved file must lie inside the package folder;
* the body is streamed in chunks, never read whole;
* ``Content-Type`` from the file name (with the types browsers need for modern courseware), ``ETag``
  and ``Last-Modified``, ``304`` for conditional requests; long, immutable caching, because the URL
  carries the package's sha256 and so never points at different bytes, but ``private``: only the
  learner's browser keeps a copy, as the files need a login (no shared cache or CDN serves them);
* ``Range`` requests (single range, ``If-Range`` honoured) answer ``206``; unsatisfiable ones ``416``,
  as video players and PDF viewers expect.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import posixpath
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from urllib.parse import unquote

from webob import Request, Response

from .stores import LocalStore, PackageStore, StoredFile

CHUNK = 64 * 1024
IMMUTABLE = "private, max-age=31536000, immutable"
REVALIDATE = "private, max-age=0, must-revalidate"

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


class FileChunks:
    """``length`` bytes of an open file from ``start``, in chunks of :data:`CHUNK`; the file is closed at the
    end, on error, or by :meth:`close` (which WSGI servers and Django call even when nothing was read)."""

    def __init__(self, handle, start: int, length: int):
        self.handle, self.remaining, self.started = handle, length, False
        self.start = start

    def __iter__(self):
        return self

    def __next__(self) -> bytes:
        if self.handle.closed or self.remaining <= 0:
            self.close()
            raise StopIteration
        try:
            if not self.started:
                self.handle.seek(self.start)
                self.started = True
            chunk = self.handle.read(min(CHUNK, self.remaining))
        except BaseException:
            self.close()
            raise
        if not chunk:
            self.close()
            raise StopIteration
        self.remaining -= len(chunk)
        return chunk

    def close(self) -> None:
        """Close the file (idempotent)."""
        self.handle.close()


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


@dataclass
class Answer:
    """What to send: status, headers, and the body as chunks (empty for HEAD and errors); ``length`` in bytes."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Iterator[bytes] | None = None
    length: int = 0


def answer(method: str, headers: Mapping[str, str], open_file: Callable[[str], StoredFile], suffix: str, *,
           sha256: str = "") -> Answer:
    """Answer a request for the file at ``suffix`` (see the module docstring).

    ``headers`` are the request's (``Range``, ``If-None-Match``…); ``open_file(path)`` opens a checked,
    package-relative path or raises ``OSError``.
    """
    if method not in ("GET", "HEAD"):
        return Answer(405, {"Allow": "GET, HEAD"})
    try:
        relative = clean_path(suffix)
        stored = open_file(relative)
    except (BadAssetPath, OSError, ValueError, RuntimeError):
        return Answer(404, {"Cache-Control": "no-store"})
    size = stored.size
    tag = hashlib.sha256(f"{sha256}:{relative}:{size}:{stored.mtime}".encode()).hexdigest()[:32]
    etag = f'"{tag}"'
    out = {
        "Content-Type": content_type(relative),
        "ETag": etag,
        "Last-Modified": formatdate(stored.mtime, usegmt=True),
        "Cache-Control": IMMUTABLE if sha256 else REVALIDATE,
        "Accept-Ranges": "bytes",
        "X-Content-Type-Options": "nosniff",
    }
    if _not_modified(headers, etag, stored.mtime):
        stored.handle.close()
        return Answer(304, {k: v for k, v in out.items() if k != "Content-Type"})

    start, end, status = 0, size - 1, 200
    range_header = headers.get("Range")
    if range_header and _if_range_holds(headers, etag, stored.mtime):
        parsed = _parse_range(range_header, size)
        if parsed == "unsatisfiable":
            stored.handle.close()
            return Answer(416, {"Content-Range": f"bytes */{size}", "Accept-Ranges": "bytes",
                                "Cache-Control": "no-store"})
        if isinstance(parsed, tuple):
            start, end = parsed
            status = 206
            out["Content-Range"] = f"bytes {start}-{end}/{size}"
    length = max(0, end - start + 1)
    if method == "HEAD":
        stored.handle.close()
        return Answer(status, out, None, length)
    return Answer(status, out, FileChunks(stored.handle, start, length), length)


def folder_opener(package_dir: str | os.PathLike[str]) -> Callable[[str], StoredFile]:
    """Open files of one extracted package folder, never through a link that leads out of it."""
    folder = Path(package_dir)
    store = LocalStore(folder.parent)
    return lambda relative: store.open(f"{folder.name}/{relative}")


def store_opener(store: PackageStore, sha256: str) -> Callable[[str], StoredFile]:
    """Open files of package ``sha256`` in ``store``."""
    return lambda relative: store.open(f"{sha256}/{relative}")


def serve(request: Request, package: str | os.PathLike[str] | Callable[[str], StoredFile], suffix: str, *,
          sha256: str = "") -> Response:
    """The WebOb response (an XBlock handler's) for ``suffix`` of ``package``: a folder, or an opener."""
    open_file = package if callable(package) else folder_opener(package)
    result = answer(request.method, request.headers, open_file, suffix, sha256=sha256)
    response = Response(status=result.status, headers=result.headers)
    if result.body is not None:
        response.app_iter = result.body
    elif result.status in (200, 206):
        response.app_iter = [b""]
    if result.status in (200, 206):
        response.content_length = result.length  # after app_iter, whose setter clears it
    return response


def _http_date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _not_modified(headers: Mapping[str, str], etag: str, mtime: float) -> bool:
    match = headers.get("If-None-Match")
    if match is not None:
        candidates = {part.strip().removeprefix("W/") for part in match.split(",")}
        return etag in candidates or "*" in candidates
    since = _http_date(headers.get("If-Modified-Since"))
    return since is not None and int(mtime) <= since


def _if_range_holds(headers: Mapping[str, str], etag: str, mtime: float) -> bool:
    condition = headers.get("If-Range")
    if not condition:
        return True
    if condition.startswith(('"', 'W/"')):
        return condition == etag
    since = _http_date(condition)
    return since is not None and int(mtime) <= since
