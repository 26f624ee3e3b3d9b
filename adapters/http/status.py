"""The one status → action table, and the typed errors it produces.

:data:`STATUS_ACTIONS` says what every HTTP answer means for a caller: ``ok``, ``retry`` (wait and try
again), ``refresh_auth`` (fetch a new token once, then give up), or ``fatal`` with a stable error ``code``.
:func:`error_for_response` turns an answer into the matching :class:`~adapters.errors.AdapterError`
carrying the status, the redacted and truncated body, and where it happened (method, URL, host).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Literal
from urllib.parse import urlsplit

import requests
import urllib3

from adapters.errors import AdapterError, FatalError, RetriableError
from adapters.i18n import Translator
from adapters.i18n import gettext_noop as N_

from .redact import Secrets, redact, redact_url

__all__ = [
    "BODY_LIMIT",
    "STATUS_ACTIONS",
    "Action",
    "HttpFatalError",
    "HttpRetriableError",
    "classify",
    "error_for_exception",
    "error_for_response",
    "parse_retry_after",
]

_ = Translator.for_package("adapters").gettext

BODY_LIMIT = 1000
"""Characters of a response body kept on an error (after redaction)."""


@dataclass(frozen=True)
class Action:
    """What a status means: ``kind`` is ok, retry, refresh_auth or fatal; ``code`` is the error code."""

    kind: Literal["ok", "retry", "refresh_auth", "fatal"]
    code: str
    message: str


STATUS_ACTIONS: dict[int, Action] = {
    400: Action("fatal", "bad_request", N_("{host} refused the request as malformed (HTTP {status}).")),
    401: Action("refresh_auth", "unauthorized",
                N_("{host} did not accept the credentials (HTTP 401). Check the client id and secret.")),
    403: Action("fatal", "forbidden",
                N_("{host} refused access (HTTP 403). The service user may lack staff rights, or the feature "
                   "is switched off.")),
    404: Action("fatal", "not_found", N_("{host} has no such resource (HTTP 404): {path}")),
    405: Action("fatal", "method_not_allowed", N_("{host} does not allow this method here (HTTP 405): {path}")),
    409: Action("fatal", "conflict", N_("{host} reported a conflict with the current state (HTTP 409).")),
    410: Action("fatal", "gone", N_("{host} says the resource is gone (HTTP 410): {path}")),
    413: Action("fatal", "too_large", N_("{host} refused a request that is too large (HTTP 413).")),
    422: Action("fatal", "validation", N_("{host} refused the data (HTTP 422).")),
    429: Action("retry", "throttled", N_("{host} is limiting the request rate (HTTP 429).")),
    500: Action("retry", "server_error", N_("{host} had an internal error (HTTP {status}).")),
    502: Action("retry", "server_error", N_("{host} is unreachable behind its gateway (HTTP {status}).")),
    503: Action("retry", "server_error", N_("{host} is unavailable for now (HTTP {status}).")),
    504: Action("retry", "server_error", N_("{host} did not answer in time behind its gateway (HTTP {status}).")),
}
"""Status → action. Statuses not listed: 2xx/3xx ok, other 4xx fatal ``http_error``, other 5xx fatal."""

_OTHER_4XX = Action("fatal", "http_error", N_("{host} answered HTTP {status}."))
_OTHER_5XX = Action("fatal", "server_error", N_("{host} answered HTTP {status}."))
_THROTTLED_403 = Action("retry", "throttled", N_("{host} is limiting the request rate (HTTP 403)."))

# Canvas answered 403 "403 Forbidden (Rate Limit Exceeded)" until 2025; DRF says "Request was throttled".
_THROTTLE_TEXT = re.compile(r"(?i)rate.?limit|throttl|too many requests")


def classify(status: int, body: str = "") -> Action:
    """Return the :class:`Action` for ``status`` (``body`` tells a throttling 403 from a real refusal)."""
    if status < 400:
        return Action("ok", "ok", "")
    if status == 403 and _THROTTLE_TEXT.search(body or ""):
        return _THROTTLED_403
    action = STATUS_ACTIONS.get(status)
    if action is not None:
        return action
    return _OTHER_5XX if status >= 500 else _OTHER_4XX


class HttpRetriableError(RetriableError):
    """A retriable HTTP failure; ``retry_after`` is the server's requested wait in seconds, if it gave one."""

    def __init__(self, *args, retry_after: float | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.retry_after = retry_after


class HttpFatalError(FatalError):
    """A fatal HTTP failure (a 4xx, refused credentials, a broken response)."""


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP-date (``now`` is epoch seconds).

    Returns ``None`` when the header is missing or unreadable, and never a negative number.
    """
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - now)


def _where(method: str, url: str, secrets: Secrets | None) -> dict[str, str]:
    return {"method": method.upper(), "url": redact_url(url, secrets), "host": urlsplit(url).netloc or url}


def error_for_response(response: requests.Response, *, action: Action | None = None,
                       secrets: Secrets | None = None, now: float = 0.0) -> AdapterError:
    """Build the typed error for a non-OK ``response`` (redacted body, status, method/URL in ``where``)."""
    request = response.request
    method = getattr(request, "method", None) or "GET"
    url = getattr(request, "url", None) or response.url or ""
    body = redact(_text(response), secrets, BODY_LIMIT)
    action = action or classify(response.status_code, body or "")
    where = _where(method, url, secrets)
    message = _(action.message).format(host=where["host"], status=response.status_code,
                                       path=urlsplit(where["url"]).path)
    kwargs = {"code": action.code, "status": response.status_code, "body": body, "where": where}
    if action.kind == "retry":
        wait = parse_retry_after(response.headers.get("Retry-After"), now)
        return HttpRetriableError(message, retry_after=wait, **kwargs)
    return HttpFatalError(message, **kwargs)


def error_for_exception(exc: requests.RequestException, method: str, url: str,
                        secrets: Secrets | None = None) -> AdapterError:
    """Map a transport failure (timeout, refused connection, TLS, bad URL) onto a typed error."""
    where = _where(method, url, secrets)
    host = where["host"]
    if isinstance(exc, requests.Timeout):
        code = "connect_timeout" if isinstance(exc, requests.ConnectTimeout) else "timeout"
        return HttpRetriableError(_("{host} did not answer in time.").format(host=host), code=code, where=where)
    if isinstance(exc, requests.exceptions.SSLError):
        return HttpFatalError(_("The TLS certificate of {host} could not be verified.").format(host=host),
                              code="tls_error", where=where)
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                        requests.exceptions.InvalidSchema, requests.exceptions.URLRequired)):
        return HttpFatalError(_("The address {url} is not a valid URL.").format(url=where["url"]),
                              code="invalid_url", where=where)
    if isinstance(exc, requests.ConnectionError):
        # A connection that was never opened (refused, DNS) is safe to retry even for a POST.
        code = "connect_error" if _never_connected(exc) else "connection_error"
        return HttpRetriableError(_("Could not connect to {host}.").format(host=host), code=code, where=where)
    return HttpFatalError(_("The request to {host} failed: {reason}").format(
        host=host, reason=redact(str(exc), secrets, 300)), code="http_error", where=where)


def _never_connected(exc: requests.ConnectionError) -> bool:
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, (urllib3.exceptions.NewConnectionError, urllib3.exceptions.NameResolutionError))


def _text(response: requests.Response) -> str:
    try:
        return response.text or ""
    except (UnicodeDecodeError, LookupError, RuntimeError):
        return ""
