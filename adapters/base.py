"""The one contract every adapter keeps, so that ``sync/`` can treat them all alike.

An adapter declares which record streams it reads and writes (names from :data:`adapters.records.STREAMS`)
and which optional capabilities it has (names from :data:`CAPABILITIES`), checks its connection, reads
records, and applies changes. Changes carry an idempotency ``key`` that the engine journals;
:meth:`Adapter.current` re-reads the target's state for one change, so a run that crashed between a write
and its journal entry can see whether the write happened before writing again. ``tests/adapters/contract.py``
holds the test class every adapter must pass.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from .errors import AdapterError
from .records import STREAMS, Person, Record

__all__ = ["CAPABILITIES", "Adapter", "Change", "ChangeResult", "HeldBack", "ReadScope"]

CAPABILITIES: dict[str, str] = {
    "resolve_line_items": "turns the names a person gives grade items (title, short id) into the target's ids",
    "held_back": "lists the people of source rows it read but did not yield (duplicates, unreadable cells)",
    "as_stored": "gives a record as the target would store it, so the planner compares like with like",
    "read_report": "says how it read (which layout matched and why) and every row it left out, with the reason",
    "check_change": "says, without writing, the error a change would fail with, so a dry run refuses what a run "
                    "would",
}
"""The optional capabilities an adapter may declare in :attr:`Adapter.capabilities`: each is the name of the
:class:`Adapter` method that provides it, which a declaring adapter must implement and no other may be asked."""


class ReadScope(BaseModel):
    """What to read: a course (or all the adapter's courses), and only what changed since a bookmark.

    ``options`` carries adapter-specific hints; adapters ignore the ones they do not know. The engine sets
    ``options["target"] = True`` when it reads a sync's target to diff against it: a target that is a file not
    written yet (a OneRoster bundle) then holds nothing, where a source by that name would be an error.
    """

    model_config = ConfigDict(frozen=True)

    course_id: str | None = None
    since: datetime | None = None
    options: dict[str, Any] = Field(default_factory=dict)


class Change(BaseModel):
    """One write the engine asks an adapter to make."""

    model_config = ConfigDict(frozen=True)

    key: str = Field(description="idempotency key: the same change always has the same key")
    stream: str
    action: Literal["create", "update", "delete"]
    record: Record
    force: bool = Field(default=False, description="overwrite a newer or manually overridden value")


class ChangeResult(BaseModel):
    """What became of one change. ``status``: applied, unchanged (already so), skipped (a policy said no), failed."""

    model_config = ConfigDict(frozen=True)

    key: str
    status: Literal["applied", "unchanged", "skipped", "failed"]
    message: str | None = None
    error: dict[str, Any] | None = Field(default=None, description="AdapterError.to_dict() when failed")
    retriable: bool = False


class HeldBack(BaseModel):
    """Source rows an adapter read but did not yield as records, for a person to settle (capability
    ``held_back``). The engine holds ``person`` for review and never unenrolls them for being absent."""

    model_config = ConfigDict(frozen=True)
    person: Person
    code: str = Field(description="why: duplicate_student_number, bad_code, …")
    message: str = Field(description="the adapter's explanation, for people")
    file: str | None = None
    rows: list[int] = Field(default_factory=list)
    values: list[str] = Field(default_factory=list, description="what each held row said, in the order of rows")
    course_id: str | None = None


class Adapter(ABC):
    """Base class of every adapter. Subclasses set the class attributes and implement the methods."""

    name: ClassVar[str]
    reads: ClassVar[frozenset[str]] = frozenset()
    writes: ClassVar[frozenset[str]] = frozenset()
    capabilities: ClassVar[frozenset[str]] = frozenset()
    batch_size: ClassVar[int] = 100

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        unknown = (cls.reads | cls.writes) - STREAMS.keys()
        if unknown:
            raise TypeError(f"{cls.__name__} declares unknown streams: {sorted(unknown)}")
        unknown = cls.capabilities - CAPABILITIES.keys()
        if unknown:
            raise TypeError(f"{cls.__name__} declares unknown capabilities: {sorted(unknown)}")
        missing = sorted(c for c in cls.capabilities if getattr(cls, c) is getattr(Adapter, c))
        if missing:
            raise TypeError(f"{cls.__name__} declares capabilities it does not implement: {missing}")

    @abstractmethod
    def check_connection(self) -> None:
        """Return if the system can be reached with the given settings; raise an ``AdapterError`` otherwise."""

    def read(self, stream: str, scope: ReadScope | None = None) -> Iterator[Record]:
        """Yield the records of ``stream`` in ``scope``; raise ``AdapterError`` on failure."""
        raise NotImplementedError(f"{self.name} does not read {stream}")

    def write(self, stream: str, changes: Sequence[Change]) -> list[ChangeResult]:
        """Apply ``changes`` (at most :attr:`batch_size`) and return one result per change, in order."""
        raise NotImplementedError(f"{self.name} does not write {stream}")

    def current(self, change: Change) -> Record | None:
        """Re-read the target's current record for ``change`` (``None`` if absent), to avoid writing twice."""
        raise NotImplementedError(f"{self.name} cannot re-read {change.stream}")

    def resolve_line_items(self, names: Sequence[str], course_id: str | None = None) -> dict[str, str]:
        """Capability ``resolve_line_items``: ``{name: line item id}`` for every name a person gave a grade item
        of ``course_id`` (an id names itself); ``DataError`` for a name that fits no item, or several."""
        raise NotImplementedError(f"{self.name} does not resolve line items")

    def held_back(self) -> list[HeldBack]:
        """Capability ``held_back``: the rows read so far that were not yielded, one entry per person and cause."""
        raise NotImplementedError(f"{self.name} does not hold rows back")

    def as_stored(self, record: Record) -> Record | None:
        """Capability ``as_stored``: ``record`` as this target would hold it once written (converted, rounded), or
        ``None`` when it would not take it; the planner compares that with the target's current record."""
        raise NotImplementedError(f"{self.name} does not say how it stores records")

    def read_report(self) -> dict[str, Any]:
        """Capability ``read_report``: how the reads so far went, JSON-ready: ``{"file", "format", "encoding",
        "detection": {"profile", "reason", "matched", …}, "skipped": [{"row", "column", "code", "message",
        "severity"}, …]}`` (keys an adapter has no answer for are left out). The engine journals it with the run."""
        raise NotImplementedError(f"{self.name} does not report on its reads")

    def check_change(self, change: Change) -> AdapterError | None:
        """Capability ``check_change``: the error :meth:`write` would give ``change`` (``None``: none known),
        found without writing. A :class:`~adapters.errors.FatalError` that is not a ``DataError`` means no change
        of the run can succeed (the target is misconfigured: a draft without 课程号), so the engine refuses the
        whole run, the dry run as the real run; a ``DataError`` is this change's own (a dry run lists it)."""
        raise NotImplementedError(f"{self.name} does not check changes")

    def close(self) -> None:
        """Release sessions and files (nothing to release by default)."""
        return None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
