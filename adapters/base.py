"""The one contract every adapter keeps, so that ``sync/`` can treat them all alike (docs/decisions/0029).

An adapter declares, as class attributes, everything the engine may ask of it:

* the record streams it reads and writes (names from :data:`adapters.records.STREAMS`: persons, courses,
  enrollments, line_items, scores);
* its optional capabilities (names from :data:`CAPABILITIES`, each the name of the :class:`Adapter` method that
  provides it: re-reading one change for a resume, delta reads, a read report, checking a change without
  writing…);
* its traits as a target (:attr:`Adapter.identity_closed`, :attr:`Adapter.computed_course_grade`,
  :attr:`Adapter.course_grades_only`), which the planner follows.

The engine asks only for what is declared and never probes an adapter with ``getattr``/``hasattr``. What an
adapter is asked beyond its declaration it refuses with the one refusal error,
:class:`~adapters.errors.Unsupported`. A read takes a typed :class:`ReadScope` (no untyped option keys). Changes
carry an idempotency ``key`` that the engine journals; :meth:`Adapter.current` re-reads the target's state for
one change, so a run that crashed between a write and its journal entry can see whether the write happened
before writing again. ``tests/adapters/contract.py`` holds the test class every adapter must pass; it checks the
declaration against what the adapter implements, both ways.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from .errors import AdapterError, Unsupported
from .i18n import Translator
from .records import STREAMS, Person, Record

__all__ = ["CAPABILITIES", "Adapter", "Change", "ChangeResult", "Delta", "HeldBack", "ReadScope"]

_ = Translator.for_package("adapters").gettext

CAPABILITIES: dict[str, str] = {
    "current": "re-reads the target's record for one change, so a resumed run writes nothing twice",
    "delta": "reads only what changed since ReadScope.since, and says where the next delta read starts",
    "resolve_line_items": "turns the names a person gives grade items (title, short id) into the target's ids",
    "held_back": "lists the people of source rows it read but did not yield (duplicates, unreadable cells)",
    "as_stored": "gives a record as the target would store it, so the planner compares like with like",
    "read_report": "says how it read (which layout matched and why) and every row it left out, with the reason",
    "check_change": "says, without writing, the error a change would fail with, so a dry run refuses what a run "
                    "would",
}
"""The optional capabilities an adapter may declare in :attr:`Adapter.capabilities`: each is the name of the
:class:`Adapter` method that provides it, which a declaring adapter must implement and no other may be asked
(the base class's method raises :class:`~adapters.errors.Unsupported`)."""


class ReadScope(BaseModel):
    """What to read, as typed options every adapter understands (an adapter ignores those that do not apply).

    ``course_id``: a course (``None``: all the adapter's courses, or its configured one). ``since``: only what
    changed after this moment (adapters with the ``delta`` capability; others read everything). ``full``: read
    everything even with ``since`` (a full reconcile). ``detail``: ``"course"`` when only course grades are wanted
    (a target that holds one grade per course), so an adapter may skip per-item grades. ``target``: the engine
    reads a sync's target to diff against it — a target that is a file not written yet then holds nothing, where
    a source by that name would be an error. ``missing_score``: what a source row with no score means, as the
    target's grade table says (:meth:`Adapter.missing_score_policy`): ``"list"`` (left out, listed) or ``"absent"``
    (缺考); ``None``: the source's own table decides.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    course_id: str | None = None
    since: datetime | None = None
    full: bool = False
    detail: Literal["all", "course"] = "all"
    target: bool = False
    missing_score: Literal["list", "absent"] | None = None


class Delta(BaseModel):
    """Capability ``delta``: what the last read that ran to its end covered."""

    model_config = ConfigDict(frozen=True)

    bookmark: datetime | None = Field(default=None, description="where the next delta read starts (its since)")
    full: bool = Field(default=False, description="the read was complete (no since, or full), not a delta")


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
    kept: bool = Field(default=False, description="applied keeping part of what a person set by hand (``message`` "
                       "says what); a note on a change applied as asked leaves it False")


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
    identity_closed: ClassVar[bool | None] = None
    """As a target: it knows every person it can hold, so a source person it does not know goes to review
    instead of being added. ``None``: it does when it reads ``persons``."""
    computed_course_grade: ClassVar[bool] = False
    """As a target: it computes course grades itself (from item grades) and never takes one written."""
    course_grades_only: ClassVar[bool] = False
    """As a target: it holds one grade per course (no line items)."""

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

    def knows_everyone(self) -> bool:
        """:attr:`identity_closed`, with its default (``True`` for a target that reads ``persons``)."""
        return ("persons" in self.reads) if self.identity_closed is None else bool(self.identity_closed)

    def missing_score_policy(self) -> Literal["list", "absent"] | None:
        """As a target: what its grade table says a source row with no score means (``"list"``: left out and
        listed; ``"absent"``: 缺考), which the engine hands the source's read as :attr:`ReadScope.missing_score`;
        ``None`` (the default): the target's table says nothing, the source's own table decides."""
        return None

    def unsupported(self, what: str, *, stream: str | None = None, capability: str | None = None) -> Unsupported:
        """The refusal of something undeclared: ``what`` is ``read``, ``write`` (a ``stream``) or a ``capability``."""
        if stream is not None:
            message = (_("{adapter} does not read the stream {stream}.") if what == "read"
                       else _("{adapter} does not write the stream {stream}.")).format(adapter=self.name, stream=stream)
            return Unsupported(message, code="unsupported_stream", where={"stream": stream, "adapter": self.name})
        return Unsupported(_("{adapter} does not have the capability {capability}.").format(
            adapter=self.name, capability=capability), code="unsupported_capability",
            where={"capability": capability, "adapter": self.name})

    @abstractmethod
    def check_connection(self) -> None:
        """Return if the system can be reached with the given settings; raise an ``AdapterError`` otherwise."""

    def read(self, stream: str, scope: ReadScope | None = None) -> Iterator[Record]:
        """Yield the records of ``stream`` in ``scope``; raise ``AdapterError`` on failure."""
        raise self.unsupported("read", stream=stream)

    def write(self, stream: str, changes: Sequence[Change]) -> list[ChangeResult]:
        """Apply ``changes`` (at most :attr:`batch_size`) and return one result per change, in order."""
        raise self.unsupported("write", stream=stream)

    def current(self, change: Change) -> Record | None:
        """Capability ``current``: re-read the target's current record for ``change`` (``None`` if absent), to
        avoid writing twice."""
        raise self.unsupported("capability", capability="current")

    def delta(self) -> Delta:
        """Capability ``delta``: the bookmark the last read that ran to its end leads to (the next ``since``), and
        whether that read was full. Before any read: no bookmark, not full."""
        raise self.unsupported("capability", capability="delta")

    def resolve_line_items(self, names: Sequence[str], course_id: str | None = None) -> dict[str, str]:
        """Capability ``resolve_line_items``: ``{name: line item id}`` for every name a person gave a grade item
        of ``course_id`` (an id names itself); ``DataError`` for a name that fits no item, or several."""
        raise self.unsupported("capability", capability="resolve_line_items")

    def held_back(self) -> list[HeldBack]:
        """Capability ``held_back``: the rows read so far that were not yielded, one entry per person and cause."""
        raise self.unsupported("capability", capability="held_back")

    def as_stored(self, record: Record) -> Record | None:
        """Capability ``as_stored``: ``record`` as this target would hold it once written (converted, rounded), or
        ``None`` when it would not take it; the planner compares that with the target's current record."""
        raise self.unsupported("capability", capability="as_stored")

    def read_report(self) -> dict[str, Any]:
        """Capability ``read_report``: how the reads so far went, JSON-ready: ``{"file", "format", "encoding",
        "detection": {"profile", "reason", "matched", …}, "skipped": [{"row", "column", "code", "message",
        "severity"}, …]}`` (keys an adapter has no answer for are left out). The engine journals it with the run."""
        raise self.unsupported("capability", capability="read_report")

    def check_change(self, change: Change) -> AdapterError | None:
        """Capability ``check_change``: the error :meth:`write` would give ``change`` (``None``: none known),
        found without writing. A :class:`~adapters.errors.FatalError` that is not a ``DataError`` means no change
        of the run can succeed (the target is misconfigured: a draft without 课程号), so the engine refuses the
        whole run, the dry run as the real run; a ``DataError`` is this change's own (a dry run lists it)."""
        raise self.unsupported("capability", capability="check_change")

    def close(self) -> None:
        """Release sessions and files (nothing to release by default)."""
        return None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
