"""The OneRoster REST client: OAuth2 client credentials, limit/offset paging, filters, imsx errors.

Built on :mod:`adapters.http` (one session, one retry policy, cached tokens): this module adds only what
OneRoster defines.

- Tokens: ``POST <token_url>`` with ``grant_type=client_credentials`` and the scope URIs of the version;
  the token is cached and renewed before it expires, and once more on a 401.
- Paging: ``limit``/``offset``. :class:`OneRosterPaginator` follows ``Link: <…>; rel="next"`` when the
  provider sends Link headers, and otherwise advances ``offset`` itself; either way a listing that ends
  before its ``X-Total-Count`` raises ``pagination_incomplete`` (a provider that drops a page must not
  look like one that deleted people).
- Query: ``filter``, ``sort``, ``orderBy`` and ``fields`` are percent-encoded into the URL (``%20`` for
  spaces); see :mod:`.filters` for building a filter safely.
- Errors: an ``imsx_StatusInfo`` body refines the HTTP error: ``invalid_filter_field`` /
  ``invalid_selection_field`` / ``unknownobject`` / ``unauthorisedrequest`` / ``forbidden`` are fatal with
  that code, ``server_busy`` is retriable (429 is retried by the HTTP policy, honouring ``Retry-After``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import requests

from adapters.errors import AdapterError, FatalError, RetriableError
from adapters.http import (
    ClientCredentials,
    HttpClient,
    LinkHeaderPaginator,
    Page,
    PageRequest,
    RateLimiter,
    RetryPolicy,
    paginate,
)
from adapters.i18n import Translator

from .filters import query_string
from .models import minor_codes
from .settings import OneRosterSettings
from .spec import MEDIA_TYPE

__all__ = ["OneRosterClient", "OneRosterPaginator", "translate_error"]

_ = Translator.for_package("adapters").gettext


class OneRosterPaginator(LinkHeaderPaginator):
    """``limit``/``offset`` paging: Link headers when the provider sends them, offsets otherwise."""

    def __init__(self, limit: int, **kwargs):
        super().__init__(**kwargs)
        self.limit = limit
        self.offset = 0
        self.links_seen = False
        self.total: int | None = None

    def init_request(self, request: PageRequest) -> None:
        """Ask for the first ``limit`` records."""
        request.params["limit"] = self.limit
        request.params["offset"] = 0

    def update_state(self, response: requests.Response, data: Any, items: list[Any]) -> None:
        """Follow ``rel="next"``, or the next offset; check the total announced in ``X-Total-Count``."""
        self._remember(response)
        count = len(items)
        self.seen += count
        self.offset += count
        self.total = _int(response.headers.get(self.total_header))
        links = response.links
        self.links_seen = self.links_seen or bool(links)
        next_url = links.get("next", {}).get("url")
        if next_url and not (count == 0 and self.total is not None and self.seen >= self.total):
            if count == 0 and self.total is None:
                self.has_next_page = False
                return
            self._set_next(next_url)
            return
        self.next_url = None
        if self.links_seen:
            self.has_next_page = False
        elif self.total is not None:
            self.has_next_page = self.seen < self.total and count > 0
        else:
            self.has_next_page = count >= self.limit and count > 0
        if not self.has_next_page and self.total is not None and self.seen < self.total:
            raise self._incomplete(self._current, self.total)

    def update_request(self, request: PageRequest) -> None:
        """Point the request at the next page."""
        if self.next_url:
            request.url = self.next_url
            request.params = {}
        else:
            request.params["offset"] = self.offset


def translate_error(exc: AdapterError, what: str = "") -> AdapterError:
    """Refine ``exc`` with the ``imsx_CodeMinor`` of its body (see the module docstring)."""
    codes = minor_codes(exc.body)
    if not codes:
        return exc
    where = {**exc.where, "imsx": codes}
    kwargs: dict[str, Any] = {"status": exc.status, "body": exc.body, "where": where}
    if "server_busy" in codes:
        error = RetriableError(_("The OneRoster provider is busy (server_busy); try again later."),
                               code="server_busy", **kwargs)
        error.retry_after = getattr(exc, "retry_after", None)  # type: ignore[attr-defined]
        return error
    if "invalid_filter_field" in codes:
        return FatalError(_("The OneRoster provider refused the filter of {what} (invalid_filter_field).").format(
            what=what or "?"), code="invalid_filter_field", **kwargs)
    if "invalid_selection_field" in codes:
        return FatalError(_("The OneRoster provider refused the field selection of {what} "
                            "(invalid_selection_field).").format(what=what or "?"),
                          code="invalid_selection_field", **kwargs)
    if "unknownobject" in codes:
        return FatalError(_("The OneRoster provider has no such object: {what}.").format(what=what or "?"),
                          code="unknownobject", **kwargs)
    if "unauthorisedrequest" in codes:
        return FatalError(_("The OneRoster provider did not accept our token (unauthorisedrequest). Check the "
                            "client id, secret and token URL."), code="unauthorisedrequest", **kwargs)
    if "forbidden" in codes:
        return FatalError(_("The OneRoster provider refused {what} (forbidden): the client may lack the scope "
                            "for it.").format(what=what or "?"), code="forbidden", **kwargs)
    if exc.retriable:
        exc.where = where
        return exc
    return FatalError(exc.message, code=exc.code, **kwargs)


class OneRosterClient:
    """One provider, one version: its rostering and gradebook services behind one HTTP client."""

    def __init__(self, settings: OneRosterSettings, *, http: HttpClient | None = None):
        self.settings = settings
        if http is None:
            secret = settings.client_secret.get_secret_value() if settings.client_secret else ""
            auth = ClientCredentials(settings.token_endpoint, settings.client_id or "", secret,
                                     scopes=settings.scope_uris(), basic_auth=settings.basic_auth)
            http = HttpClient(settings.server, auth=auth, timeout=(10.0, settings.timeout),
                              retry=RetryPolicy(max_attempts=settings.max_attempts),
                              rate_limiter=RateLimiter(settings.rate) if settings.rate else None,
                              headers={"Accept": MEDIA_TYPE}, verify=settings.verify)
            http.secrets.add(secret)
        self.http = http

    def url(self, service: str, path: str, query: dict[str, Any] | None = None) -> str:
        """The full URL of ``path`` in ``service`` with ``query`` percent-encoded."""
        url = self.settings.base(service) + "/" + path.lstrip("/")
        text = query_string(query or {})
        return f"{url}?{text}" if text else url

    def pages(self, service: str, path: str, key: str, *, filter: str | None = None, sort: str | None = None,
              order_by: str | None = None, fields: str | None = None) -> Iterator[Page]:
        """Yield every page of the collection ``path`` (its list under ``key``), in the order served."""
        query = {"filter": filter, "sort": sort, "orderBy": order_by if sort else None, "fields": fields}
        request = PageRequest(self.url(service, path, query))
        paginator = OneRosterPaginator(self.settings.page_size)
        what = path if not filter else f"{path} ({filter})"
        try:
            yield from paginate(self.http, request, paginator, items=key)
        except AdapterError as exc:
            raise translate_error(exc, what) from exc

    def count(self, service: str, path: str, key: str) -> int | None:
        """The collection's ``X-Total-Count`` (one request with ``limit=1``), or ``None`` if not announced."""
        try:
            response = self.http.request("GET", self.url(service, path, {"limit": 1, "offset": 0}))
        except AdapterError as exc:
            raise translate_error(exc, path) from exc
        return _int(response.headers.get("X-Total-Count"))

    def get(self, service: str, path: str, key: str) -> dict[str, Any] | None:
        """GET one object (``{key: {...}}``) or ``None`` when the provider does not know it (404)."""
        try:
            data = self.http.get_json(self.url(service, path))
        except AdapterError as exc:
            error = translate_error(exc, path)
            if error.status == 404 or error.code in ("unknownobject", "not_found"):
                return None
            raise error from exc
        value = data.get(key) if isinstance(data, dict) else None
        if not isinstance(value, dict):
            raise FatalError(_("{path} did not return a {key} object.").format(path=path, key=key),
                             code="bad_page", where={"path": path})
        return value

    def send(self, method: str, service: str, path: str, body: dict[str, Any], *,
             ok_statuses: tuple[int, ...] = ()) -> requests.Response:
        """PUT or POST ``body`` as JSON; raise a translated error on failure."""
        try:
            return self.http.request(method, self.url(service, path), json=body, ok_statuses=ok_statuses,
                                     headers={"Content-Type": MEDIA_TYPE})
        except AdapterError as exc:
            raise translate_error(exc, path) from exc

    def close(self) -> None:
        """Close the HTTP sessions."""
        self.http.close()


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
