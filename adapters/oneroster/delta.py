"""Delta sync on ``dateLastModified``: which filter a read sends, and the bookmark it leaves behind.

The engine keeps the bookmark in its journal and passes it back as ``ReadScope.since``. A read with
``since`` asks only for ``dateLastModified>'<since>'``; a read without it (or with ``full``) asks for
everything. After a read has run to its end, the adapter exposes the new bookmark
(:attr:`~adapters.oneroster.adapter.OneRosterAdapter.bookmark`, also per stream in ``bookmarks``).

The new bookmark is **the time the read started, by the provider's clock, minus a safety margin**
(``delta_margin``, 5 minutes by default) — never the largest ``dateLastModified`` seen. A pull takes
minutes; a record changed on a page we had already passed gets a ``dateLastModified`` later than the
start but possibly earlier than the largest value seen on later pages, and would be lost forever with
"max seen". Starting the next window before this read began re-reads a few records twice; the engine's
diff makes that harmless. The provider's clock comes from the first answer's ``Date`` header (its
``dateLastModified`` values use that clock), else ours. The bookmark never moves backwards.

Providers that hard-delete never send ``tobedeleted``; a delta read cannot see such removals. A read
with ``ReadScope.full`` (or the SPEC option ``full=true``) ignores ``since`` and pulls
everything; :attr:`~adapters.oneroster.adapter.OneRosterAdapter.last_read_full` then tells the engine the
result is complete, so anything it holds that is absent was removed at the provider. Schedule such a
reconcile (e.g. weekly) beside the frequent delta runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from adapters.records import as_utc

from .filters import Clause, format_datetime

__all__ = ["DeltaWindow"]


@dataclass
class DeltaWindow:
    """One read's window: where it starts (``since``), whether it is full, and the bookmark it leads to."""

    since: datetime | None
    full: bool
    margin: float = 300.0
    started: datetime | None = field(default=None)

    @classmethod
    def for_scope(cls, since: datetime | None, asked_full: bool, full: bool, margin: float) -> DeltaWindow:
        """The window of a read with ``ReadScope`` values ``since`` and ``full`` (``asked_full``); ``full`` is the
        SPEC option."""
        full = bool(full or asked_full)
        since = as_utc(since)
        return cls(since=None if full else since, full=full or since is None, margin=margin)

    def clause(self) -> Clause | None:
        """``dateLastModified>'…'`` for a delta read, ``None`` for a full one."""
        if self.since is None:
            return None
        return Clause("dateLastModified", ">", format_datetime(self.since))

    def observe(self, headers: Any) -> None:
        """Note the start time from the first answer's ``Date`` header (later calls change nothing)."""
        if self.started is not None:
            return
        when = None
        value = headers.get("Date") if headers is not None else None
        if value:
            try:
                when = parsedate_to_datetime(value)
            except (TypeError, ValueError, IndexError):
                when = None
        self.started = as_utc(when) if when is not None else datetime.now(UTC)

    def start_locally(self) -> None:
        """Note the start time by our clock (for reads that never reached the provider)."""
        if self.started is None:
            self.started = datetime.now(UTC)

    def bookmark(self) -> datetime | None:
        """The next ``since``: start minus the margin, never before the previous bookmark."""
        if self.started is None:
            return self.since
        value = self.started - timedelta(seconds=self.margin)
        return max(value, self.since) if self.since is not None else value
