"""The plugin app's view of package files: streamed from storage, never held whole in a worker's memory.

XBlock handler responses pass through the LMS's ``webob_to_django_response``, which reads the whole body into
memory: a 1 GiB lecture video would sit in a worker. This view answers the same requests (by full path, ETag,
single ``Range``, ``304``; :func:`xblocks.scorm.assets.answer`) as a Django ``StreamingHttpResponse`` whose
body is read from the store in 64 KiB chunks as the client takes them. Access: a signed URL ties the package
to its course (:mod:`xblocks.scorm.links`) and the LMS says whether the user may see that course
(:mod:`xblocks.scorm.access`). Responses are ``Cache-Control: private``.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse

from . import access, assets, content_origin, links
from .package import PackageUnavailable, require_package
from .stores import package_store

__all__ = ["asset", "content_api", "content_file", "content_launch"]

VENDOR = Path(__file__).resolve().parent / "static" / "vendor" / "scorm-again"

SETTINGS_KEY = "mooc_bridge_scorm"


def _bucket() -> dict:
    """The block's settings bucket, as the XBlock settings service gives it (``XBLOCK_SETTINGS``)."""
    return dict(getattr(settings, "XBLOCK_SETTINGS", {}).get(SETTINGS_KEY, {}))


def _refuse(status: int) -> HttpResponse:
    response = HttpResponse(status=status)
    response["Cache-Control"] = "private, no-store"
    return response


def asset(request, course: str, sha256: str, signature: str, path: str):
    """Serve ``path`` of package ``sha256`` to a user who may see ``course``."""
    bucket = _bucket()
    if content_origin.on_content_host(request, content_origin.configured(bucket)):
        return _refuse(404)  # the content origin never serves by the session cookie
    if not links.signature_holds(course, sha256, signature):
        return _refuse(404)
    if not access.may_read(request.user, course, bucket):
        return _refuse(403)
    return _serve(request, bucket, sha256, path)


def _serve(request, bucket: dict, sha256: str, path: str, *, extra: dict | None = None):
    store = package_store(bucket)
    try:
        require_package(store, sha256)
    except PackageUnavailable:
        return _refuse(404)
    result = assets.answer(request.method, request.headers, assets.store_opener(store, sha256), path, sha256=sha256)
    if result.body is None:
        response = HttpResponse(status=result.status)
    else:
        response = StreamingHttpResponse(result.body, status=result.status)
    for name, value in {**result.headers, **(extra or {})}.items():
        response[name] = value
    if result.status in (200, 206):
        response["Content-Length"] = str(result.length)
    return response


def _content_token(request, token: str) -> tuple[dict, dict] | None:
    """(settings bucket, token fields) for a request to the content origin with a valid token, else ``None``."""
    bucket = _bucket()
    origin = content_origin.configured(bucket)
    if not content_origin.on_content_host(request, origin):
        return None  # the token URLs never run a package on the LMS's own origin
    fields = content_origin.read_token(token, content_origin.token_seconds(bucket))
    return (bucket, fields) if fields else None


def content_file(request, token: str, path: str):
    """A package file on the content origin, for the holder of a valid token (no session cookie is read)."""
    found = _content_token(request, token)
    if found is None:
        return _refuse(404)
    bucket, fields = found
    # "public" would let a shared cache keep it for others: the token is the access right, so private
    return _serve(request, bucket, fields["s"], path)


def content_api(request, token: str):
    """scorm-again's CrossFrameAPI (vendored by ``make js``), from the content origin for the launch page."""
    if _content_token(request, token) is None:
        return _refuse(404)
    try:
        script = (VENDOR / "cross-frame-api.min.js").read_bytes()
    except OSError:
        return _refuse(404)
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


LAUNCH_PAGE = r"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title></title>
<style>html, body, iframe { margin: 0; border: 0; width: 100%; height: 100%; display: block; overflow: hidden; }</style>
<script src="api.js"></script></head>
<body><iframe id="sco" title="" allow="fullscreen; autoplay; encrypted-media" allowfullscreen></iframe>
<script type="application/json" id="launch">{launch}</script>
<script>
(function () {
  "use strict";
  var launch = JSON.parse(document.getElementById("launch").textContent);
  var api = new window.CrossFrameAPI(launch.lms, window.parent, {timeout: 15000});
  if (launch.version === "1.2") { window.API = api; } else { window.API_1484_11 = api; }
  var sco = new URLSearchParams(window.location.search).get("sco") || "";
  function open() { document.getElementById("sco").src = "f/" + sco.replace(/^\/+/, ""); }
  /* CrossFrameAPI answers GetValue from a cache it fills after Initialize: fill it first with the values the
     launcher preloaded, so that a SCO reading its bookmark right after Initialize gets it. */
  var warm = typeof api._post === "function" ? api._post("getFlattenedCMI", []) : null;
  if (!warm) { open(); return; }
  warm.then(function (values) {
    if (values && typeof values === "object" && api._cache) {
      Object.keys(values).forEach(function (key) { api._cache.set(key, String(values[key])); });
    }
  }, function () { /* the SCO still runs; GetValue fills in after Initialize */ }).then(open);
})();
</script>
</body></html>
"""


def content_launch(request, token: str):
    """The launch page on the content origin: the SCO's API is a CrossFrameAPI talking to the launcher."""
    found = _content_token(request, token)
    if found is None:
        return _refuse(404)
    fields = found[1]
    launch = json.dumps({"lms": fields["o"], "version": fields["v"]}).replace("<", "\\u003c")
    response = HttpResponse(LAUNCH_PAGE.replace("{launch}", launch), content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    # only the launcher's origin may frame it
    response["Content-Security-Policy"] = f"frame-ancestors {fields['o']}"
    return response
