"""Data and queries of the fake OneRoster provider: tables, the filter grammar, sort, fields, paging.

Built from the specification (REST binding: "Filtering", "Sorting", "Field selection", "Pagination"),
not from our client. Records are kept in the JSON shape of the server's version. A table is either a
dict of records (tests) or a lazy table that makes record ``i`` on demand (benchmarks with hundreds of
thousands of rows), with touched and deleted records kept beside it.

Filter grammar: ``<field><op>'<value>'`` with ``op`` in ``= != > >= < <= ~``, optionally one `` AND `` /
`` OR `` and a second clause. There is no escape: a value runs from the quote after the operator to the last
quote of its clause, so ``familyName='O'Brien'`` means O'Brien — as independent servers read it (Ed-Fi's
OneRoster API strips the outer quotes of each clause in ``OneRosterQueryService.parseOneRosterFilter``;
Masterjx9/oneroster matches ``'(.*)'`` in ``app/utils/collection_response.py``), and ``O''Brien`` is two quotes.
Anything else, or a field the collection does not have, is ``invalid_filter_field``.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

__all__ = ["FilterError", "HttpError", "LazyTable", "Table", "compile_filter", "field_value", "project"]

_CLAUSE = re.compile(r"\s*([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*)\s*"
                     r"(!=|>=|<=|=|>|<|~)\s*'(.*)'\s*", re.DOTALL)
_LOGIC = re.compile(r"'\s+(AND|OR)\s+")


class HttpError(Exception):
    """An answer other than 200: ``status``, the imsx ``minor`` code, a description and extra headers."""

    def __init__(self, status: int, minor: str, description: str = "", headers: dict | None = None):
        super().__init__(description)
        self.status, self.minor, self.description, self.headers = status, minor, description, headers or {}


class FilterError(ValueError):
    """A filter, sort or field selection the provider cannot apply; ``minor`` is the imsx code."""

    def __init__(self, message: str, minor: str = "invalid_filter_field"):
        super().__init__(message)
        self.minor = minor


def field_value(record: dict, path: str) -> Any:
    """The value at dotted ``path`` (a list of references yields a list of values); ``KeyError`` if absent."""
    value: Any = record
    for part in path.split("."):
        if isinstance(value, list):
            value = [v.get(part) for v in value if isinstance(v, dict)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            raise KeyError(path)
    return value


@functools.lru_cache(maxsize=65536)
def _as_time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _compare(actual: Any, op: str, wanted: str) -> bool:
    if isinstance(actual, list):
        return any(_compare(a, op, wanted) for a in actual)
    if actual is None:
        return op == "!=" and wanted != ""
    text = str(actual).lower() if isinstance(actual, bool) else str(actual)
    if op == "~":
        return wanted.lower() in text.lower()
    left: Any = text
    right: Any = wanted
    t1, t2 = _as_time(text), _as_time(wanted)
    if t1 is not None and t2 is not None and len(wanted) > 10:
        if (t1.tzinfo is None) != (t2.tzinfo is None):
            raise FilterError(f"cannot compare {text!r} with {wanted!r}")
        left, right = t1, t2
    elif isinstance(actual, (int, float)) and not isinstance(actual, bool):
        try:
            left, right = float(actual), float(wanted)
        except ValueError:
            pass
    return {"=": left == right, "!=": left != right, ">": left > right, ">=": left >= right,
            "<": left < right, "<=": left <= right}[op]


def compile_filter(text: str | None, fields: set[str]) -> Callable[[dict], bool] | None:
    """Parse a filter expression into a predicate; ``FilterError`` for anything outside the grammar."""
    if text is None or text == "":
        return None
    parts = _LOGIC.split(text)
    if len(parts) not in (1, 3):
        raise FilterError(f"cannot parse filter {text!r}")
    logic = parts[1] if len(parts) == 3 else None
    texts = [parts[0] + "'", parts[2]] if logic else [text]
    clauses = []
    for part in texts:
        match = _CLAUSE.fullmatch(part)
        if not match:
            raise FilterError(f"cannot parse filter at {part!r}")
        name, op, raw = match.groups()
        if name.split(".")[0] not in fields:
            raise FilterError(f"unknown filter field {name!r}")
        clauses.append((name, op, raw))

    def one(record: dict, clause: tuple[str, str, str]) -> bool:
        try:
            actual = field_value(record, clause[0])
        except KeyError:
            actual = None
        return _compare(actual, clause[1], clause[2])

    if logic == "OR":
        return lambda r: one(r, clauses[0]) or one(r, clauses[1])
    return lambda r: all(one(r, c) for c in clauses)


def project(record: dict, fields: list[str] | None) -> dict:
    """Only the selected fields of ``record``."""
    if not fields:
        return record
    return {f: record[f] for f in fields if f in record}


class Table:
    """Records of one collection by sourcedId, in insertion order; thread-safe enough for one server."""

    def __init__(self, fields: set[str]):
        self.fields = set(fields)
        self.rows: dict[str, dict] = {}
        self.lock = threading.RLock()
        self.revision = 0

    def put(self, record: dict) -> None:
        """Insert or replace a record."""
        with self.lock:
            self.rows[record["sourcedId"]] = record
            self.revision += 1

    def get(self, sid: str) -> dict | None:
        """The record ``sid`` or ``None``."""
        return self.rows.get(sid)

    def remove(self, sid: str) -> bool:
        """Hard-delete ``sid`` (a provider that forgets records); True if it was there."""
        with self.lock:
            self.revision += 1
            return self.rows.pop(sid, None) is not None

    def __len__(self) -> int:
        return len(self.rows)

    def all(self) -> list[dict]:
        """Every record, in sourcedId order."""
        with self.lock:
            return [self.rows[k] for k in sorted(self.rows)]

    def select(self, predicate, sort: str | None, descending: bool) -> list[dict]:
        """Records matching ``predicate`` sorted by ``sort``."""
        rows = [r for r in self.all() if predicate is None or predicate(r)]
        if sort and sort != "sourcedId":
            rows.sort(key=lambda r: str(_sortable(r, sort)), reverse=descending)
        elif descending:
            rows.reverse()
        return rows


class LazyTable(Table):
    """``size`` records made by ``make(i)`` (sourcedIds in index order), plus touched and deleted ones."""

    def __init__(self, fields: set[str], size: int, make: Callable[[int], dict], index_of: Callable[[str], int]):
        super().__init__(fields)
        self.size, self.make, self.index_of = size, make, index_of
        self.deleted: set[int] = set()
        self._cache: dict[Any, list[int]] = {}

    def get(self, sid: str) -> dict | None:
        if sid in self.rows:
            return self.rows[sid]
        try:
            i = self.index_of(sid)
        except ValueError:
            return None
        return None if i in self.deleted or not 0 <= i < self.size else self.make(i)

    def put(self, record: dict) -> None:
        with self.lock:
            self.rows[record["sourcedId"]] = record
            self.revision += 1

    def remove(self, sid: str) -> bool:
        with self.lock:
            self.revision += 1
            self.rows.pop(sid, None)
            try:
                self.deleted.add(self.index_of(sid))
            except ValueError:
                return False
            return True

    def __len__(self) -> int:
        return self.size - len(self.deleted)

    def record(self, i: int) -> dict:
        """Record number ``i`` (touched version if any)."""
        made = self.make(i)
        return self.rows.get(made["sourcedId"], made)

    def select_lazy(self, key: Any, predicate) -> list[int] | range:
        """Indexes of matching records (cached per query and table revision)."""
        if predicate is None and not self.deleted:
            return range(self.size)
        with self.lock:
            cache_key = (key, self.revision)
            if cache_key not in self._cache:
                self._cache = {k: v for k, v in self._cache.items() if k[1] == self.revision}
                self._cache[cache_key] = [i for i in range(self.size)
                                          if i not in self.deleted and (predicate is None or predicate(self.record(i)))]
            return self._cache[cache_key]


def _sortable(record: dict, field: str) -> Any:
    try:
        return field_value(record, field)
    except KeyError:
        return ""
