"""Small response helpers shared by the block's handlers."""

from __future__ import annotations

import json
from typing import Any

from webob import Response


def json_response(payload: Any, status: int = 200) -> Response:
    """``payload`` as a UTF-8 JSON response that is never cached."""
    return Response(json.dumps(payload, ensure_ascii=False), status=status, content_type="application/json",
                    charset="utf-8", headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def html_response(html: str, status: int = 200) -> Response:
    """A handler page: UTF-8, never cached, not sniffed."""
    return Response(html, status=status, content_type="text/html", charset="utf-8",
                    headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
