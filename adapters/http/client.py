"""The HTTP client every adapter uses: one session per thread, one request method, one retry policy.

``HttpClient.request(method, url, **kw)`` is the only way an adapter talks HTTP. Per attempt it takes a
rate-limiter slot (and one of each ``path_limits`` limiter whose path prefix the URL has: an API with its own,
lower throttle), adds the ``Authorization`` header of its token provider or has the provider sign the
request (OAuth 1.0a) — only for URLs on the client's own origin, so a token never leaks to another host —,
sends with the default ``(connect, read)`` timeouts, and classifies the answer with
:data:`~adapters.http.status.STATUS_ACTIONS`. Retriable failures are retried by the tenacity policy of
:mod:`adapters.http.retry`; a 401 makes the provider fetch a new token once; everything else becomes a typed
exception escapes.

The token is fetched once per attempt cycle: the provider's own token request has its own bounded retry, and its
failure ends the request instead of being retried by the request's loop (which would multiply the token
requests). Redirects are followed here, not by ``requests``: on the origin first asked, with the same credentials;
to another origin only for a request with neither credentials (token, ``auth``) nor a body — a 307 or 308 keeps
the body, and a token request's body holds the client secret —, else the request fails with
``cross_origin_redirect``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import tenacity

from adapters.errors import AdapterError, DataError, FatalError
from adapters.i18n import Translator

from .auth import TokenProvider
from .ratelimit import RateLimiter
from .redact import Secrets, redact_url
from .retry import RetryPolicy, retry_any, retry_not_sent
from .status import classify, error_for_exception, error_for_response

__all__ = ["DEFAULT_TIMEOUT", "IDEMPOTENT_METHODS", "MAX_REDIRECTS", "USER_AGENT", "HttpClient"]

log = logging.getLogger("adapters.http")
_ = Translator.for_package("adapters").gettext

DEFAULT_TIMEOUT = (5.0, 30.0)
"""(connect, read) timeouts in seconds used when a call gives none."""

USER_AGENT = "mooc-bridge/0.1 (+https://github.com/; adapters.http)"

MAX_REDIRECTS = 5
"""Redirects followed within one attempt."""

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
"""Methods retried after any retriable failure; others (POST, PATCH) only when marked ``idempotent=True``."""


class HttpClient:
    """An HTTP client for one adapter; safe to share between threads (each thread gets its own session)."""

    def __init__(self, base_url: str = "", *, auth: TokenProvider | None = None,
                 timeout: tuple[float, float] = DEFAULT_TIMEOUT, retry: RetryPolicy | None = None,
                 rate_limiter: RateLimiter | None = None, user_agent: str = USER_AGENT,
                 headers: Mapping[str, str] | None = None, verify: bool | str = True, secrets: Secrets | None = None,
                 path_limits: Mapping[str, RateLimiter] | None = None):
        """``base_url`` resolves relative paths; ``rate_limiter`` is shared by all threads using this client, and so
        is each limiter of ``path_limits`` (URL path prefix → limiter), taken too for the URLs under its prefix."""
        self.base_url = base_url.rstrip("/") + "/" if base_url else ""
        self.auth = auth
        self.timeout = timeout
        self.policy = retry or RetryPolicy()
        self.rate_limiter = rate_limiter
        self.path_limits = dict(path_limits or {})
        self.user_agent = user_agent
        self.headers = dict(headers or {})
        self.verify = verify
        self.secrets = secrets or Secrets()
        self._retrying = self.policy.build()
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()
        self.stats = {"requests": 0, "retries": 0, "auth_refreshes": 0}
        if self.policy.on_retry is None:
            self.policy.on_retry = self._count_retry

    # -- sessions ---------------------------------------------------------------------------------------

    @property
    def session(self) -> requests.Session:
        """This thread's session (created on first use with the User-Agent and default headers)."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = self.new_session()
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def new_session(self) -> requests.Session:
        """Make a session; override to mount adapters or certificates."""
        session = requests.Session()
        session.headers["User-Agent"] = self.user_agent
        session.headers["Accept"] = "application/json"
        session.headers.update(self.headers)
        session.verify = self.verify
        return session

    def close(self) -> None:
        """Close every thread's session."""
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()
        self._local = threading.local()

    # -- requests ---------------------------------------------------------------------------------------

    def url(self, path_or_url: str) -> str:
        """Resolve ``path_or_url`` against :attr:`base_url` (absolute URLs are kept)."""
        if urlsplit(path_or_url).scheme:
            return path_or_url
        if not self.base_url:
            return path_or_url
        return urljoin(self.base_url, path_or_url.lstrip("/"))

    def same_origin(self, url: str) -> bool:
        """True when ``url`` is on the client's own scheme, host and port (where credentials may go)."""
        if not self.base_url:
            return True
        a, b = urlsplit(self.base_url), urlsplit(url)
        return (a.scheme, a.netloc.lower()) == (b.scheme, b.netloc.lower())

    def request(self, method: str, url: str, *, params: Mapping[str, Any] | None = None, json: Any = None,
                data: Any = None, headers: Mapping[str, str] | None = None,
                timeout: tuple[float, float] | float | None = None, idempotent: bool | None = None,
                ok_statuses: Collection[int] = (), authenticate: bool = True, retry: bool = True,
                auth: Any = None) -> requests.Response:
        """Send one request with the house policy and return the response (2xx/3xx or in ``ok_statuses``).

        ``idempotent`` (default: by method) allows retrying after failures where the server may have acted;
        ``ok_statuses`` are returned instead of raised (e.g. 207/422 with per-item results);
        ``authenticate=False`` sends no token (the token request itself); ``retry=False`` makes one attempt.
        Raises :class:`~adapters.errors.RetriableError` or :class:`~adapters.errors.FatalError`, never a
        ``requests`` exception.
        """
        method = method.upper()
        full_url = self.url(url)
        with_auth = bool(authenticate and self.auth is not None and self.same_origin(full_url))
        if authenticate and self.auth is not None and not with_auth:
            log.warning("not sending credentials to another origin: %s", redact_url(full_url, self.secrets))
        safe = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        retrying = self._retrying.copy(retry=_predicate(retry_any if safe else retry_not_sent))
        if not retry:
            retrying = retrying.copy(stop=lambda state: True)
        used: dict[str, str | None] = {"token": None}
        if auth is None and with_auth:
            auth = getattr(self.auth, "request_auth", None)  # a provider that signs each request (OAuth 1.0a)

        limiters = [self.rate_limiter] if self.rate_limiter is not None else []
        path = urlsplit(full_url).path
        limiters += [limiter for prefix, limiter in self.path_limits.items() if path.startswith(prefix)]
        secret_bearing = bool(with_auth or auth is not None or json is not None or data is not None)

        def send(send_method: str, send_url: str, send_headers: dict, body: dict) -> requests.Response:
            for limiter in limiters:
                limiter.acquire()
            with self._lock:
                self.stats["requests"] += 1
            try:
                return self.session.request(send_method, send_url, params=params if send_url == full_url else None,
                                            headers=send_headers, timeout=timeout or self.timeout, auth=auth,
                                            allow_redirects=False, **body)
            except requests.RequestException as exc:
                raise error_for_exception(exc, send_method, send_url, self.secrets) from exc

        def attempt() -> requests.Response:
            send_headers = dict(headers or {})
            if with_auth:
                try:
                    token, auth_headers = self.auth.header(self)  # type: ignore[union-attr]
                except AdapterError as exc:
                    raise _TokenFailure(exc) from exc  # retried inside the token request, not again here
                used["token"] = token
                send_headers.update(auth_headers)
            response = self._follow(send, method, full_url, send_headers, {"json": json, "data": data},
                                    secret_bearing)
            log.debug("%s %s -> %s", method, redact_url(response.url or full_url, self.secrets),
                      response.status_code)
            if response.status_code in ok_statuses:
                return response
            action = classify(response.status_code, _head(response))
            if action.kind == "ok" or (action.kind == "refresh_auth" and with_auth and not refreshed):
                return response
            raise error_for_response(response, action=action, secrets=self.secrets, now=self.policy.wall())

        refreshed = False
        while True:
            try:
                response = retrying(attempt)
            except _TokenFailure as failure:
                raise failure.error from failure.error.__cause__
            except FatalError as exc:
                exc.where.setdefault("attempts", 1)
                raise
            if response.status_code == 401 and with_auth and not refreshed and 401 not in ok_statuses:
                refreshed = True
                with self._lock:
                    self.stats["auth_refreshes"] += 1
                self.auth.invalidate(used["token"] or "")  # type: ignore[union-attr]
                continue
            return response

    def _follow(self, send, method: str, url: str, headers: dict, body: dict, secret_bearing: bool):
        """Send, then follow up to :data:`MAX_REDIRECTS` redirects (see the module docstring)."""
        response = send(method, url, headers, body)
        origin = _origin(url)
        for _hop in range(MAX_REDIRECTS):
            if not response.is_redirect:
                break
            target = urljoin(response.url or url, response.headers["Location"])
            if _origin(target) != origin and secret_bearing:
                response.close()
                shown = redact_url(target, self.secrets)
                raise FatalError(_("{method} {url} was redirected (HTTP {status}) to another host, {target}; "
                                   "credentials and request bodies are not sent there. If the service has moved, "
                                   "use its new address.").format(method=method, url=redact_url(url, self.secrets),
                                                                  status=response.status_code, target=shown),
                                 code="cross_origin_redirect", status=response.status_code,
                                 where={"url": redact_url(url, self.secrets), "location": shown})
            if response.status_code == 303 or (response.status_code in (301, 302) and method == "POST"):
                method, body = "GET", {"json": None, "data": None}
            if _origin(target) != origin:
                headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
            response.close()
            url = target
            response = send(method, url, headers, body)
        return response

    def get_json(self, url: str, **kwargs) -> Any:
        """GET ``url`` and return its JSON body (see :func:`json_body` for errors)."""
        return json_body(self.request("GET", url, **kwargs), self.secrets)

    def _count_retry(self, exc: BaseException, attempt: int, delay: float) -> None:
        with self._lock:
            self.stats["retries"] += 1


def json_body(response: requests.Response, secrets: Secrets | None = None) -> Any:
    """Return ``response``'s JSON, or raise :class:`~adapters.errors.DataError` naming the URL."""
    try:
        return response.json()
    except ValueError as exc:
        url = redact_url(getattr(response.request, "url", None) or response.url or "", secrets)
        raise DataError(_("{url} did not return JSON.").format(url=url), code="bad_json",
                        status=response.status_code, where={"url": url}) from exc


class _TokenFailure(Exception):
    """A token fetch that failed inside an attempt: ends the request (the fetch had its own retries)."""

    def __init__(self, error: AdapterError):
        super().__init__(str(error))
        self.error = error


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _predicate(fn):
    return tenacity.retry_if_exception(fn)


def _head(response: requests.Response) -> str:
    try:
        return (response.text or "")[:500] if response.status_code == 403 else ""
    except (UnicodeDecodeError, LookupError, RuntimeError):
        return ""
