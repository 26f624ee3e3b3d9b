"""HTTP for every adapter: one session per thread, one retry policy, one status table, paginators, a rate limit.

The rules of the house (docs/decisions/0009-http-and-retries.md): no adapter calls ``requests`` directly,
writes a retry loop, or pages by hand. It builds one :class:`HttpClient` and calls
``client.request(method, url, **kw)``; listings go through :func:`paginate` with a paginator object.

Typical use::

    from adapters.http import ClientCredentials, HttpClient, NextUrlPaginator, PageRequest, RateLimiter, paginate

    client = HttpClient("https://lms.example.edu",
                        auth=ClientCredentials.openedx("https://lms.example.edu", client_id, client_secret),
                        rate_limiter=RateLimiter(rate=10))           # ≤ 10 requests/s over all threads
    for page in paginate(client, PageRequest("/api/enrollment/v1/enrollments", {"course_id": cid}),
                         NextUrlPaginator()):
        for item in page.items: ...
    client.request("POST", "/api/enrollment/v1/enrollment", json=body, idempotent=True)

What a call can raise (never a ``requests`` exception):

- :class:`~adapters.errors.RetriableError` (``HttpRetriableError``, with ``retry_after``): 429, a throttling
  403, 500/502/503/504, timeouts, dropped connections, after the policy gave up retrying.
- :class:`~adapters.errors.FatalError` (``HttpFatalError``): other 4xx (``code`` from
  :data:`STATUS_ACTIONS`: ``not_found``, ``conflict``, ``validation``, ``forbidden``, ``unauthorized`` after
  one token refresh…), TLS and URL problems; :class:`~adapters.errors.DataError` for a body that is not
  JSON (``bad_json``) or a listing that loops or stops short (``pagination_loop``, ``pagination_incomplete``).

Each error carries ``status``, the redacted, truncated ``body`` and ``where`` (method, URL, host). Pass
``ok_statuses=(207, 422)`` to receive answers with per-item results instead of an error, and
``idempotent=True`` on a POST that may safely be sent twice (see :mod:`adapters.http.retry`).

Modules: :mod:`.client` (HttpClient), :mod:`.retry` (RetryPolicy), :mod:`.status` (status table, errors),
:mod:`.paging` (paginators), :mod:`.ratelimit` (RateLimiter), :mod:`.auth` (token providers),
:mod:`.redact` (secret masking).
"""

from __future__ import annotations

from .auth import ClientCredentials, OAuth1Signature, StaticToken, TokenProvider
from .client import DEFAULT_TIMEOUT, IDEMPOTENT_METHODS, USER_AGENT, HttpClient, json_body
from .paging import (
    LinkHeaderPaginator,
    NextUrlPaginator,
    OffsetPaginator,
    Page,
    PageNumberPaginator,
    PageRequest,
    Paginator,
    paginate,
)
from .ratelimit import RateLimiter
from .redact import Secrets, redact, redact_headers, redact_url
from .retry import RetryPolicy
from .status import (
    STATUS_ACTIONS,
    Action,
    HttpFatalError,
    HttpRetriableError,
    classify,
    error_for_exception,
    error_for_response,
    parse_retry_after,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "IDEMPOTENT_METHODS",
    "STATUS_ACTIONS",
    "USER_AGENT",
    "Action",
    "ClientCredentials",
    "HttpClient",
    "HttpFatalError",
    "HttpRetriableError",
    "LinkHeaderPaginator",
    "NextUrlPaginator",
    "OAuth1Signature",
    "OffsetPaginator",
    "Page",
    "PageNumberPaginator",
    "PageRequest",
    "Paginator",
    "RateLimiter",
    "RetryPolicy",
    "Secrets",
    "StaticToken",
    "TokenProvider",
    "classify",
    "error_for_exception",
    "error_for_response",
    "json_body",
    "paginate",
    "parse_retry_after",
    "redact",
    "redact_headers",
    "redact_url",
]
