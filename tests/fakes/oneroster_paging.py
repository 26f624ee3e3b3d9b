"""How the fake OneRoster provider pages a collection, with the behaviours of real providers as knobs.

Each behaviour names its source:

- ``limit`` (default 100, at least 1) and ``offset`` (default 0): the official OpenAPI of the 1.2 REST
  binding (``rostersservice`` / ``gradebookservice``, every collection GET: "the maximum number of records to
  be contained in the response", ``default: 100``, ``minimum: 1``); a page is ``offset`` … ``offset+limit``.
- ``X-Total-Count`` ("the total number of resources that are available to be returned") and ``Link`` with
  ``next``, ``prev``, ``first``, ``last``: the same OpenAPI declares both as optional response headers, and the
  binding recommends them (section "Pagination"); on by default. ``total_header = False`` and
  ``link_headers = False`` leave them out.
- ``max_page_size``: ``limit`` is clamped to it without a word, as the Ed-Fi Alliance's OneRoster API does
  (``src/services/database/OneRosterQueryService.js``, ``validatePaginationParams``: "Requests above MAX_PAGE_SIZE
  are clamped rather than rejected"); that API answers ``{"users": [...]}`` with neither header
  (``src/controllers/unified/oneRosterController.js``, ``doOneRosterEndpointMany``), which
  :meth:`~tests.fakes.oneroster_server.FakeOneRoster.like_edfi` sets up. An offset at or past the end gets an
  empty list (``200 {"users": []}``), as from Ed-Fi: ``OneRosterQueryService.queryMany`` checks ``offset`` only as
  a non-negative integer (``parsePaginationValue``), with no bound from the data, and applies
  ``query.limit(limit).offset(offset)`` to the SQL query as it is, and ``doOneRosterEndpointMany`` answers
  whatever list comes back (Ed-Fi-Alliance-OSS/edfi-oneroster at e05ab3b). Its ``MAX_PAGE_SIZE`` is 500 when
  unset (``src/utils/paginationLimits.js``).
- ``offset_past_end``: an HTTP status for a non-empty listing asked at an offset at or past its end, as APIs
  do that refuse such offsets (IBM TS7700 REST API, "RESTful API Pagination": "If offset is specified more
  than the actual resources, HTTP RC=400 (bad request) is returned").
- ``drop_next_link_at``: the page number whose ``rel="next"`` is left out before the end (ILIAS PR #11835
  review: no ``next`` link when ``limit`` truncated the response).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from .oneroster_store import FilterError, HttpError, LazyTable, compile_filter, project

if TYPE_CHECKING:  # pragma: no cover
    from .oneroster_server import FakeOneRoster

__all__ = ["listing", "selected_fields"]


def selected_fields(params: dict, known: set[str]) -> list[str] | None:
    """The ``fields`` asked for (``None``: all); an unknown one is ``invalid_selection_field``."""
    if not params.get("fields"):
        return None
    fields = [f.strip() for f in params["fields"].split(",") if f.strip()]
    unknown = [f for f in fields if f not in known]
    if unknown:
        raise HttpError(400, "invalid_selection_field", f"unknown fields {unknown}")
    return fields


def _int(params: dict, name: str, default: int, minimum: int) -> int:
    try:
        value = int(params.get(name, default))
    except ValueError:
        raise HttpError(400, "invaliddata", f"{name} must be an integer") from None
    if value < minimum:
        raise HttpError(400, "invaliddata", f"{name} must be at least {minimum}")
    return value


def listing(fake: FakeOneRoster, collection: str, params: dict, scope, path: str) -> tuple[int, Any, dict]:
    """One page of ``collection`` (records matching ``scope`` and the filter), with its paging headers."""
    table = fake.tables[collection]
    limit, offset = _int(params, "limit", 100, 1), _int(params, "offset", 0, 0)
    if fake.max_page_size is not None:
        limit = min(limit, fake.max_page_size)
    fields = selected_fields(params, table.fields)
    try:
        predicate = compile_filter(params.get("filter"), table.fields)
    except FilterError as exc:
        raise HttpError(400, exc.minor, str(exc)) from None
    sort = params.get("sort") or None
    if sort and sort.split(".")[0] not in table.fields:
        raise HttpError(400, "invalid_sort_field", f"unknown sort field {sort!r}")
    descending = params.get("orderBy") == "desc"
    both = predicate if scope is None else (scope if predicate is None else (lambda r: scope(r) and predicate(r)))
    try:
        if isinstance(table, LazyTable) and (sort in (None, "sourcedId")) and not descending:
            indexes = table.select_lazy((params.get("filter"), path), both)
            total = len(indexes)
            page = [table.record(i) for i in indexes[offset:offset + limit]]
        else:
            rows = table.select(both, sort, descending)
            total, page = len(rows), rows[offset:offset + limit]
    except FilterError as exc:
        raise HttpError(400, "invalid_filter_field", str(exc)) from None
    if fake.offset_past_end is not None and total and offset >= total:
        raise HttpError(fake.offset_past_end, "invaliddata", f"offset {offset} is past the end ({total})")
    headers = {"X-Total-Count": str(total)} if fake.total_header else {}
    if fake.link_headers:
        headers["Link"] = _links(fake, path, params, limit, offset, total)
    return 200, {collection: [project(r, fields) for r in page]}, headers


def _links(fake: FakeOneRoster, path: str, params: dict, limit: int, offset: int, total: int) -> str:
    base = {k: v for k, v in params.items() if k not in ("limit", "offset")}
    here = fake.url + path

    def link(rel: str, at: int) -> str:
        return f'<{here}?{urlencode({**base, "limit": limit, "offset": at})}>; rel="{rel}"'

    links = [link("first", 0)]
    last = max(0, ((total - 1) // limit) * limit) if total else 0
    page_number = offset // limit + 1
    if offset + limit < total and fake.drop_next_link_at != page_number:
        links.append(link("next", offset + limit))
    if offset > 0:
        links.append(link("prev", max(0, offset - limit)))
    links.append(link("last", last))
    return ", ".join(links)
