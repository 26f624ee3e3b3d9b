"""Paginators as objects, and one loop that drives them.

A paginator keeps the state of a listing: :meth:`Paginator.init_request` sets the first page's parameters,
:meth:`Paginator.update_state` reads each response, :attr:`Paginator.has_next_page` says whether to go on,
and :meth:`Paginator.update_request` points the request at the next page. :func:`paginate` is the only
loop; it yields :class:`Page` objects, so a caller can commit a cursor after each page.

- :class:`NextUrlPaginator`: a ``next`` URL in the JSON body (Django REST framework; Open edX, both the
  page-number and the cursor shapes).
- :class:`PageNumberPaginator`: ``?page=N`` until a short or empty page, or ``num_pages``.
- :class:`LinkHeaderPaginator`: ``Link: <…>; rel="next"`` (OneRoster, LTI NRPS/AGS), checked against
  ``X-Total-Count`` when the server sends it.
- :class:`OffsetPaginator`: ``limit``/``offset``, checked against ``X-Total-Count`` or a body total.

Guards: the same next URL twice raises ``pagination_loop``; a listing that stops before its announced
total raises ``pagination_incomplete``; more than ``max_pages`` pages raises ``too_many_pages``. A next
URL on another host is moved onto the request's own origin (an LMS behind a proxy often reports its
internal address), so credentials are never sent elsewhere.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests

from adapters.errors import DataError
from adapters.i18n import Translator

from .client import HttpClient, json_body
from .redact import redact_url

__all__ = [
    "LinkHeaderPaginator",
    "NextUrlPaginator",
    "OffsetPaginator",
    "Page",
    "PageNumberPaginator",
    "PageRequest",
    "Paginator",
    "paginate",
]

log = logging.getLogger("adapters.http")
_ = Translator.for_package("adapters").gettext


@dataclass
class PageRequest:
    """The request of the current page; paginators change ``url`` and ``params``."""

    url: str
    params: dict[str, Any] = field(default_factory=dict)
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Page:
    """One page: its number (1-based), its items, the decoded body and the response."""

    number: int
    items: list[Any]
    data: Any
    response: requests.Response


class Paginator(ABC):
    """Base of every paginator (see the module docstring)."""

    end_statuses: tuple[int, ...] = ()
    """Statuses that mean "no more pages" after the first page (e.g. 404 for a page number past the end)."""

    def __init__(self, max_pages: int = 100_000):
        self.max_pages = max_pages
        self.has_next_page = True
        self.seen = 0

    def init_request(self, request: PageRequest) -> None:
        """Prepare the first request (default: leave it as it is)."""
        return None

    @abstractmethod
    def update_state(self, response: requests.Response, data: Any, items: list[Any]) -> None:
        """Read one page's response and decide :attr:`has_next_page`."""

    @abstractmethod
    def update_request(self, request: PageRequest) -> None:
        """Point ``request`` at the next page."""

    def _incomplete(self, request_url: str, total: int) -> DataError:
        return DataError(_("The listing at {url} stopped after {seen} of {total} items.").format(
            url=redact_url(request_url), seen=self.seen, total=total), code="pagination_incomplete",
            where={"url": redact_url(request_url), "seen": self.seen, "total": total})


class _FollowUrl(Paginator):
    """Shared loop guard for paginators that follow URLs given by the server."""

    def __init__(self, max_pages: int = 100_000, rebase: bool = True):
        super().__init__(max_pages)
        self.rebase = rebase
        self.next_url: str | None = None
        self._visited: set[str] = set()
        self._current: str = ""

    def _remember(self, response: requests.Response) -> None:
        self._current = getattr(response.request, "url", None) or response.url or ""
        self._visited.add(self._current)

    def _set_next(self, url: str | None) -> None:
        if not url:
            self.next_url, self.has_next_page = None, False
            return
        url = urljoin(self._current, url)
        if self.rebase and self._current:
            here, there = urlsplit(self._current), urlsplit(url)
            if (there.scheme, there.netloc) != (here.scheme, here.netloc):
                log.info("next page on %s moved to %s", there.netloc, here.netloc)
                url = urlunsplit((here.scheme, here.netloc, there.path, there.query, ""))
        if url in self._visited:
            raise DataError(_("The server sent the same next page twice ({url}); stopping to avoid a loop.").format(
                url=redact_url(url)), code="pagination_loop", where={"url": redact_url(url)})
        self.next_url, self.has_next_page = url, True

    def update_request(self, request: PageRequest) -> None:
        """Follow the next URL as given (it carries its own query string)."""
        assert self.next_url is not None
        request.url = self.next_url
        request.params = {}


class NextUrlPaginator(_FollowUrl):
    """Follow ``data[key]`` (default ``"next"``) until it is empty; a plain list body is a single page."""

    def __init__(self, key: str = "next", **kwargs):
        super().__init__(**kwargs)
        self.key = key

    def update_state(self, response: requests.Response, data: Any, items: list[Any]) -> None:
        """Take the next URL from the body."""
        self._remember(response)
        self.seen += len(items)
        self._set_next(data.get(self.key) if isinstance(data, dict) else None)


class LinkHeaderPaginator(_FollowUrl):
    """Follow ``Link: <url>; rel="next"``; with ``X-Total-Count``, a missing link before the total is an error."""

    def __init__(self, total_header: str = "X-Total-Count", **kwargs):
        super().__init__(**kwargs)
        self.total_header = total_header

    def update_state(self, response: requests.Response, data: Any, items: list[Any]) -> None:
        """Take the next URL from the ``Link`` header and check the announced total."""
        self._remember(response)
        self.seen += len(items)
        self._set_next(response.links.get("next", {}).get("url"))
        total = _int(response.headers.get(self.total_header))
        if not self.has_next_page and total is not None and self.seen < total:
            raise self._incomplete(self._current, total)


class PageNumberPaginator(Paginator):
    """``?page=N`` (from ``start``) until an empty or short page, the announced page count, or a 404."""

    end_statuses = (404,)

    def __init__(self, page_param: str = "page", start: int = 1, page_size: int | None = None,
                 size_param: str | None = "page_size", total_pages_key: str | None = "num_pages",
                 **kwargs):
        super().__init__(**kwargs)
        self.page_param, self.page, self.page_size = page_param, start, page_size
        self.size_param, self.total_pages_key = size_param, total_pages_key

    def init_request(self, request: PageRequest) -> None:
        """Ask for the first page (and the page size, when set)."""
        request.params[self.page_param] = self.page
        if self.page_size and self.size_param:
            request.params[self.size_param] = self.page_size

    def update_state(self, response: requests.Response, data: Any, items: list[Any]) -> None:
        """Stop on an empty or short page, or on the last announced page."""
        self.seen += len(items)
        pages = _int(data.get(self.total_pages_key)) if isinstance(data, dict) and self.total_pages_key else None
        if pages is not None:
            self.has_next_page = self.page < pages
        else:
            self.has_next_page = bool(items) and not (self.page_size and len(items) < self.page_size)

    def update_request(self, request: PageRequest) -> None:
        """Ask for the next page number."""
        self.page += 1
        request.params[self.page_param] = self.page


class OffsetPaginator(Paginator):
    """``limit``/``offset``; the total comes from a header (``X-Total-Count``) or ``data[total_key]``."""

    def __init__(self, limit: int = 100, limit_param: str = "limit", offset_param: str = "offset",
                 total_header: str | None = "X-Total-Count", total_key: str | None = None, offset: int = 0,
                 **kwargs):
        super().__init__(**kwargs)
        self.limit, self.offset = limit, offset
        self.limit_param, self.offset_param = limit_param, offset_param
        self.total_header, self.total_key = total_header, total_key

    def init_request(self, request: PageRequest) -> None:
        """Ask for the first ``limit`` items."""
        request.params[self.limit_param] = self.limit
        request.params[self.offset_param] = self.offset

    def update_state(self, response: requests.Response, data: Any, items: list[Any]) -> None:
        """Advance by the number of items received (a server may cap ``limit`` lower than asked)."""
        count = len(items)
        self.seen += count
        self.offset += count
        total = _int(response.headers.get(self.total_header)) if self.total_header else None
        if total is None and self.total_key and isinstance(data, dict):
            total = _int(data.get(self.total_key))
        if total is None:
            self.has_next_page = count >= self.limit and count > 0
        elif self.offset >= total:
            self.has_next_page = False
        elif count == 0:
            raise self._incomplete(getattr(response.request, "url", "") or "", total)
        else:
            self.has_next_page = True

    def update_request(self, request: PageRequest) -> None:
        """Ask for the next items."""
        request.params[self.offset_param] = self.offset


ItemSelector = str | Callable[[Any], Any] | None


def paginate(client: HttpClient, request: PageRequest, paginator: Paginator,
             items: ItemSelector = "results") -> Iterator[Page]:
    """Yield every page of ``request`` as driven by ``paginator``.

    ``items`` picks the list out of a body: a key (``"results"``), a callable, or ``None`` for a body that
    is the list itself; a body that already is a list is taken as is. A page whose items are not a list
    raises :class:`~adapters.errors.DataError` (``bad_page``).
    """
    paginator.init_request(request)
    number = 0
    while True:
        number += 1
        if number > paginator.max_pages:
            raise DataError(_("The listing at {url} has more than {n} pages.").format(
                url=redact_url(request.url), n=paginator.max_pages), code="too_many_pages",
                where={"url": redact_url(request.url)})
        ends = paginator.end_statuses if number > 1 else ()
        response = client.request(request.method, request.url, params=request.params or None,
                                  headers=request.headers or None, ok_statuses=ends)
        if response.status_code in ends:
            return
        data = json_body(response, client.secrets)
        page_items = _select(data, items)
        if not isinstance(page_items, list):
            url = redact_url(getattr(response.request, "url", "") or request.url, client.secrets)
            raise DataError(_("A page of {url} has no list of items.").format(url=url), code="bad_page",
                            status=response.status_code, where={"url": url})
        paginator.update_state(response, data, page_items)
        yield Page(number, page_items, data, response)
        if not paginator.has_next_page:
            return
        paginator.update_request(request)


def _select(data: Any, items: ItemSelector) -> Any:
    if isinstance(data, list) or items is None:
        return data
    if callable(items):
        return items(data)
    return data.get(items) if isinstance(data, dict) else None


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None
