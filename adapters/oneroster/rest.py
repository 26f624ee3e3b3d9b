"""The OneRoster REST client: OAuth2 client credentials, limit/offset paging, filters, imsx errors.

Built on :mod:`adapters.http` (one session, one retry policy, cached tokens): this module adds only what
OneRoster defines.

- Access (:mod:`.access`): ``POST <token_url>`` with ``grant_type=client_credentials`` and the scope URIs the
  run has needed so far; the token is cached and renewed before it expires, and once more on a 401. Or OAuth
  1.0a signatures. Refusals become ``invalid_scope`` / ``invalid_client`` / ``unauthorized`` / ``forbidden``
  errors naming the scope.
- Paging: ``limit``/``offset``. :class:`OneRosterPaginator` follows ``Link: <…>; rel="next"`` when the
  provider sends Link headers, and otherwise advances ``offset`` itself; a listing ends only on proof (the
  ``X-Total-Count`` reached, an empty page, a page shorter than the declared ``max_page``, or a short page from
  a provider that has served our full ``limit``), never on a page that is merely shorter than asked: providers
  cap ``limit`` silently. One
  that ends before its ``X-Total-Count`` raises ``pagination_incomplete``, one that cannot be proved
  complete ``pagination_ambiguous`` (a provider that drops a page must not look like one that deleted
  people).
- Query: ``filter``, ``sort``, ``orderBy`` and ``fields`` are percent-encoded into the URL (``%20`` for
  spaces); see :mod:`.filters` for building a filter safely.
- Errors: an ``imsx_StatusInfo`` body refines the HTTP error, and its ``imsx_codeMajor``/``imsx_severity``/
  ``imsx_description`` are added to the message (control characters removed, at most 300 characters):
  ``invalid_filter_field`` / ``invalid_selection_field`` / ``unknownobject`` / ``unauthorisedrequest`` /
  ``forbidden`` are fatal with that code, ``server_busy`` is retriable (429 is retried by the HTTP policy,
  honouring ``Retry-After``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import requests

from adapters.errors import AdapterError, DataError, FatalError, RetriableError
from adapters.http import (
    HttpClient,
    LinkHeaderPaginator,
    Page,
    PageRequest,
    RateLimiter,
    RetryPolicy,
    paginate,
)
from adapters.i18n import Translator

from .access import Access
from .filters import query_string
from .models import minor_codes, status_details
from .settings import OneRosterSettings
from .spec import MEDIA_TYPE

__all__ = ["OneRosterClient", "OneRosterPaginator", "translate_error"]

_REFUSED_PROBE = (400, 404, 416, 422)
"""Answers to a probe past a short page that leave the listing's end unproved (some APIs refuse an offset
past their end with 400 instead of answering an empty page)."""

_ = Translator.for_package("adapters").gettext


class OneRosterPaginator(LinkHeaderPaginator):
    """``limit``/``offset`` paging that ends only on proof that the listing is complete.

    ``limit`` is a maximum, not a promise (OpenAPI of the 1.2 REST binding: "the maximum number of records
    to be contained in the response"), ``X-Total-Count`` and ``Link`` are optional response headers, and real
    providers cap ``limit`` silently: the Ed-Fi Alliance's OneRoster API clamps it to ``MAX_PAGE_SIZE``
    (``OneRosterQueryService.validatePaginationParams``) and answers ``{"users": [...]}`` with neither header
    (``oneRosterController.doOneRosterEndpointMany``). So the end is proved only by ``X-Total-Count`` reached,
    by an empty page, by a page shorter than the provider's declared largest page (``max_page``, the operator's
    statement of the provider's cap: we then ask for at most that many), or by a short page once the provider
    has served a full page of ``limit`` in this listing (it honours our limit). Otherwise the next offset is
    asked for (a *probe*). A listing that cannot be proved complete raises ``pagination_ambiguous``: a page that
    repeats an earlier page (the provider ignores ``offset``), or a probe the provider refuses; see
    :meth:`OneRosterClient.pages`.
    """

    def __init__(self, limit: int, max_page: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.limit = min(limit, max_page) if max_page else limit
        self.max_page = max_page
        self.last_count = 0
        self.offset = 0
        self.links_seen = False
        self.total: int | None = None
        self.full_page_seen = False
        self.probing = False
        self._firsts: set[str] = set()

    def init_request(self, request: PageRequest) -> None:
        """Ask for the first ``limit`` records."""
        request.params["limit"] = self.limit
        request.params["offset"] = 0

    def update_state(self, response: requests.Response, data: Any, items: list[Any]) -> None:
        """Follow ``rel="next"`` or the next offset until the end is proved (see the class docstring)."""
        self._remember(response)
        count = len(items)
        first = items[0].get("sourcedId") if items and isinstance(items[0], dict) else None
        if isinstance(first, str):
            if first in self._firsts:
                raise DataError("offset ignored", code="pagination_ambiguous",
                                where={"reason": "offset_ignored", "seen": self.seen, "offset": self.offset})
            self._firsts.add(first)
        self.seen += count
        self.offset += count
        self.last_count = count
        self.full_page_seen = self.full_page_seen or count >= self.limit
        self.total = _int(response.headers.get(self.total_header))
        links = response.links
        self.links_seen = self.links_seen or bool(links)
        next_url = links.get("next", {}).get("url") if count else None
        self.next_url, self.probing = None, False
        if self.total is not None:
            if self.seen >= self.total:
                self.has_next_page = False
            elif count == 0 or (self.links_seen and not next_url):
                raise self._incomplete(self._current, self.total)
            elif next_url:
                self._set_next(next_url)
            else:
                self.has_next_page = True
        elif count == 0:
            self.has_next_page = False  # an empty page: the end, proved
        elif next_url:
            self._set_next(next_url)
        elif count < self.limit and self.max_page:
            self.has_next_page = False  # shorter than the provider's declared largest page: the end
        elif count < self.limit and self.full_page_seen and not self.links_seen:
            self.has_next_page = False  # short after full pages of our limit: the provider honours it
        else:
            self.has_next_page = self.probing = True

    def update_request(self, request: PageRequest) -> None:
        """Point the request at the next page: the ``rel="next"`` URL, or the request's URL at the next offset."""
        if self.next_url:
            request.url, request.params = self.next_url, {}
            return
        base, _sep, query = request.url.partition("?")
        kept = [part for part in query.split("&") if part and part.split("=", 1)[0] not in ("limit", "offset")]
        request.url = base + ("?" + "&".join(kept) if kept else "")
        request.params = {"limit": self.limit, "offset": self.offset}


def translate_error(exc: AdapterError, what: str = "") -> AdapterError:
    """Refine ``exc`` with the ``imsx_CodeMinor`` of its body (see the module docstring), and say what the
    provider said (:func:`.models.status_details`: bounded, sanitised)."""
    error = _translate(exc, what)
    said = status_details(exc.body)
    if said and said not in error.message:
        error.message = _("{message} The provider said: {details}").format(message=error.message, details=said)
        error.where = {**error.where, "provider_said": said}
    return error


def _translate(exc: AdapterError, what: str = "") -> AdapterError:
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
        self.access = Access(settings)
        if http is None:
            secret = settings.client_secret.get_secret_value() if settings.client_secret else ""
            http = HttpClient(settings.server, auth=self.access.auth, timeout=(10.0, settings.timeout),
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
        paginator = OneRosterPaginator(self.settings.page_size, self.settings.max_page)
        what = path if not filter else f"{path} ({filter})"
        self.access.need(service)
        try:
            yield from paginate(self.http, request, paginator, items=key)
        except AdapterError as exc:
            if exc.code == "pagination_ambiguous" or (paginator.probing and exc.status in _REFUSED_PROBE):
                raise self._ambiguous(what, paginator, exc) from exc
            raise self._error(exc, service, "GET", what) from exc

    def _error(self, exc: AdapterError, service: str, method: str, what: str) -> AdapterError:
        """``exc`` in OneRoster's words: access refusals (:mod:`.access`), then ``imsx`` codes."""
        return self.access.refine(translate_error(exc, what), service, method, what) or translate_error(exc, what)

    def _ambiguous(self, what: str, paginator: OneRosterPaginator, exc: AdapterError) -> DataError:
        """The error of a listing that cannot be proved complete (see :class:`OneRosterPaginator`)."""
        values = {"server": self.settings.server, "endpoint": what, "seen": paginator.seen,
                  "last": paginator.last_count, "limit": paginator.limit, "offset": paginator.offset,
                  "status": exc.status or "?"}
        if exc.code == "pagination_ambiguous":
            text = _("The OneRoster provider {server} sent the same records again when asked for {endpoint} at "
                     "offset {offset}, after {seen} records: it seems to ignore offset, so the read may be "
                     "incomplete and nothing was planned. The provider must page by limit and offset (OneRoster "
                     "REST binding, pagination), or send every record in one page.")
        elif paginator.last_count < paginator.limit:
            text = _("The OneRoster provider {server} sent {seen} records of {endpoint}, the last page {last} of "
                     "the {limit} asked for, without X-Total-Count, and refused the request for the records after "
                     "them (offset {offset}, HTTP {status}). A page shorter than asked ends a listing only when the "
                     "provider's largest page is known (providers cap pages without saying so), so the read may be "
                     "incomplete and nothing was planned. Declare the provider's largest page with max_page in the "
                     "SPEC (e.g. max_page=100; ask the provider what its maximum page size is), or ask the provider "
                     "to send X-Total-Count.")
        else:
            text = _("The OneRoster provider {server} sent {seen} records of {endpoint}, the last page full ({last} "
                     "of the {limit} asked for), without X-Total-Count, and refused the request for the records "
                     "after them (offset {offset}, HTTP {status}): the listing may go on, so the read may be "
                     "incomplete and nothing was planned. Ask the provider to send X-Total-Count or to answer an "
                     "empty page past the end; if it serves pages larger than {limit}, a larger page_size (with "
                     "max_page set to its largest page) lets a listing that fits in one page end there.")
        where = {"server": self.settings.server, "endpoint": what, "seen": paginator.seen,
                 "limit": paginator.limit, "offset": paginator.offset}
        return DataError(text.format(**values), code="pagination_ambiguous", status=exc.status, where=where)

    def count(self, service: str, path: str, key: str) -> int | None:
        """The collection's ``X-Total-Count`` (one request with ``limit=1``), or ``None`` if not announced."""
        self.access.need(service)
        try:
            response = self.http.request("GET", self.url(service, path, {"limit": 1, "offset": 0}))
        except AdapterError as exc:
            raise self._error(exc, service, "GET", path) from exc
        return _int(response.headers.get("X-Total-Count"))

    def get(self, service: str, path: str, key: str) -> dict[str, Any] | None:
        """GET one object (``{key: {...}}``) or ``None`` when the provider does not know it (404)."""
        self.access.need(service)
        try:
            data = self.http.get_json(self.url(service, path))
        except AdapterError as exc:
            error = self._error(exc, service, "GET", path)
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
        self.access.need(service, method)
        try:
            return self.http.request(method, self.url(service, path), json=body, ok_statuses=ok_statuses,
                                     headers={"Content-Type": MEDIA_TYPE})
        except AdapterError as exc:
            raise self._error(exc, service, method, path) from exc

    def close(self) -> None:
        """Close the HTTP sessions."""
        self.http.close()


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
