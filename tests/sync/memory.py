"""In-memory adapters for the engine's tests: a source, and a target that counts its writes and can crash."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from adapters.base import Adapter, Change, ChangeResult, ReadScope
from adapters.errors import RetriableError
from adapters.records import Enrollment, Person, Record, Score


def person(sn=None, name=None, **kw) -> Person:
    return Person(student_number=sn, name=name, **kw)


def score(p: Person, value, item="hw1", course="C1", **kw) -> Score:
    return Score(person=p, course_id=course, line_item_id=item, value=value, **kw)


def enrol(p: Person, course="C1", **kw) -> Enrollment:
    return Enrollment(person=p, course_id=course, **kw)


class MemorySource(Adapter):
    """Reads the records it was given."""

    name = "memsrc"
    reads = frozenset({"enrollments", "scores"})

    def __init__(self, records: Sequence[Record] = ()):
        self.records = list(records)

    @classmethod
    def from_spec(cls, location, options):
        return cls(_load(location))

    def check_connection(self) -> None:
        return None

    def read(self, stream: str, scope: ReadScope | None = None) -> Iterator[Record]:
        kind = Score if stream == "scores" else Enrollment
        for record in self.records:
            if isinstance(record, kind) and (scope is None or scope.course_id in (None, record.course_id)):
                yield record


def ident(record: Record) -> tuple:
    who = record.person.username or record.person.student_number
    return (who, record.course_id, getattr(record, "line_item_id", None))


class Crash(SystemExit):
    """What a killed process looks like to the runner."""


class MemoryTarget(Adapter):
    """A target holding records by (username or 学号, course, item). Thread-safe; counts every applied write.

    ``crash_before``/``crash_after``: the number of the write call (1-based) that crashes before touching
    the state, or after applying it but before answering. ``fail``: identities answered as failed.
    """

    name = "memtgt"
    reads = frozenset({"enrollments", "scores", "persons"})
    writes = frozenset({"enrollments", "scores"})
    capabilities = frozenset({"current"})
    batch_size = 3

    def __init__(self, records: Sequence[Record] = (), people: Sequence[Person] = (), *, closed: bool | None = None):
        self.state = {ident(r): r for r in records}
        self.people = list(people)
        self.lock = threading.Lock()
        self.writes_applied = 0
        self.write_calls = 0
        self.crash_before: int | None = None
        self.crash_after: int | None = None
        self.fail: set[tuple] = set()
        self.fail_batch: int | None = None
        self.path: Path | None = None
        if closed is not None:
            self.identity_closed = closed

    @classmethod
    def from_spec(cls, location, options):
        target = cls(_load(location), closed=options.get("closed") == "1" if "closed" in options else None)
        target.path = Path(location)
        return target

    def check_connection(self) -> None:
        return None

    def read(self, stream: str, scope: ReadScope | None = None) -> Iterator[Record]:
        if stream == "persons":
            yield from self.people
            return
        kind = Score if stream == "scores" else Enrollment
        for record in list(self.state.values()):
            if isinstance(record, kind) and (scope is None or scope.course_id in (None, record.course_id)):
                yield record

    def write(self, stream: str, changes: Sequence[Change]) -> list[ChangeResult]:
        assert len(changes) <= self.batch_size
        with self.lock:
            self.write_calls += 1
            call = self.write_calls
        if call == self.crash_before:
            raise Crash(9)
        if call == self.fail_batch:
            raise RetriableError("service unavailable", code="http_503", status=503)
        results = []
        for change in changes:
            key = ident(change.record)
            if key in self.fail:
                results.append(ChangeResult(key=change.key, status="failed", message="refused by target",
                                            error={"code": "rejected", "message": "refused by target"}))
                continue
            with self.lock:
                if change.action == "delete":
                    self.state[key] = change.record.model_copy(update={"status": "inactive"})
                else:
                    self.state[key] = change.record
                self.writes_applied += 1
            results.append(ChangeResult(key=change.key, status="applied"))
        if call == self.crash_after:
            raise Crash(9)
        self.save()
        return results

    def current(self, change: Change) -> Record | None:
        return self.state.get(ident(change.record))

    def save(self) -> None:
        if self.path is not None:
            _dump(self.path, list(self.state.values()))


def _load(location) -> list[Record]:
    data = json.loads(Path(location).read_text(encoding="utf-8"))
    return [(Score if "scale" in row else Enrollment).model_validate(row) for row in data]


def _dump(path: Path, records: Sequence[Record]) -> None:
    path.write_text(json.dumps([r.model_dump(mode="json", exclude_none=True) for r in records], ensure_ascii=False),
                    encoding="utf-8")
