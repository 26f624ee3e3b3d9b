"""The one contract test class every adapter passes.

Subclass :class:`AdapterContract` in the adapter's test module and override the fixtures::

    class TestSpreadsheetContract(AdapterContract):
        @pytest.fixture
        def adapter(self, tmp_path): ...                 # a working adapter (required)

        @pytest.fixture
        def misconfigured_adapter(self, tmp_path): ...   # one whose check_connection must fail (required)

        @pytest.fixture
        def sample_changes(self, adapter): ...           # {stream: [Change, …]} for every stream it writes

        @pytest.fixture
        def read_scope(self): return ReadScope(course_id="…")

Override :meth:`AdapterContract.reflects` when "the target now holds this change" means something other
than the default comparison (for example a score written as a percentage and read back as points). The
tests themselves are the contract and are never overridden or narrowed per adapter (``test_contract_whole.py``
checks): an adapter that cannot pass one is fixed, not excused.
What the contract checks is listed in each test's docstring; an adapter that reads or writes nothing
passes the tests that do not apply to it trivially, and one that declares a written stream must give
sample changes for it. The optional capabilities of :data:`adapters.base.CAPABILITIES` are tested for every
adapter that declares them (and refused by every one that does not), with no fixture to add: a capability
declared but not implemented fails, and so does one implemented but not declared (the engine asks only for
what is declared, so an undeclared method would be dead code, or probed for). Whatever an adapter is asked
beyond its declaration it refuses with the one refusal error, :class:`adapters.errors.Unsupported`.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Sequence

import pytest

from adapters.base import CAPABILITIES, Adapter, Change, ChangeResult, Delta, ReadScope
from adapters.errors import AdapterError, Unsupported
from adapters.records import STREAMS, Course, Enrollment, Person, Record, Score

READ_LIMIT = 200
"""Records taken from each stream in read tests (enough to cross a page boundary in the fakes)."""
UNKNOWN_ITEM = "no such grade item 无此成绩项"


class AdapterContract:
    """Tests every adapter must pass. Fixtures to override: see the module docstring."""

    # -- fixtures -------------------------------------------------------------------------------------------

    @pytest.fixture
    def adapter(self) -> Adapter:
        raise NotImplementedError("override the `adapter` fixture")

    @pytest.fixture
    def misconfigured_adapter(self) -> Adapter:
        raise NotImplementedError("override the `misconfigured_adapter` fixture")

    @pytest.fixture
    def sample_changes(self) -> dict[str, list[Change]]:
        return {}

    @pytest.fixture
    def read_scope(self) -> ReadScope:
        return ReadScope()

    # -- hooks ----------------------------------------------------------------------------------------------

    def reflects(self, change: Change, record: Record | None) -> bool:
        """True when ``record`` (from ``current``) shows that ``change`` has been applied."""
        wanted = change.record
        if change.action == "delete":
            return record is None or getattr(record, "status", None) == "inactive"
        if record is None:
            return False
        if isinstance(wanted, Enrollment):
            return record.course_id == wanted.course_id and record.status == wanted.status
        if isinstance(wanted, Score):
            a, b = wanted.fraction(), record.fraction()
            if a is not None and b is not None:
                return math.isclose(a, b, abs_tol=1e-6)
            return (wanted.value, wanted.text) == (record.value, record.text)
        skip = {"source", "updated_at", "timestamp"}
        if isinstance(wanted, (Person, Course)):
            return self.holds(wanted.model_dump(exclude=skip), record.model_dump(exclude=skip))
        return wanted.model_dump(exclude=skip) == record.model_dump(exclude=skip)

    @staticmethod
    def holds(wanted: dict, found: dict) -> bool:
        """Whether ``found`` holds every value ``wanted`` sets: equal values, and for ids (dicts) every entry.
        What the target adds (the ids it gives a person, a username a format requires) does not count against it;
        a value it lost or changed does."""
        for key, value in wanted.items():
            if value in (None, {}, ""):
                continue
            got = found.get(key)
            if isinstance(value, dict):
                if not isinstance(got, dict) or any(got.get(k) != v for k, v in value.items()):
                    return False
            elif got != value:
                return False
        return True

    @staticmethod
    def _any_change(sample_changes: dict[str, list[Change]]) -> Change | None:
        return next((c for changes in sample_changes.values() for c in changes), None)

    @staticmethod
    def _ask(adapter: Adapter, capability: str, change: Change | None, scope: ReadScope):
        """Call capability ``capability`` with arguments of its signature (a stand-in change when none is given)."""
        change = change or Change(key="contract", stream="persons", action="create", record=Person(username="x"))
        calls = {"current": lambda: adapter.current(change), "delta": adapter.delta,
                 "resolve_line_items": lambda: adapter.resolve_line_items(["total"], scope.course_id),
                 "held_back": adapter.held_back, "as_stored": lambda: adapter.as_stored(change.record),
                 "read_report": adapter.read_report, "check_change": lambda: adapter.check_change(change)}
        assert set(calls) == set(CAPABILITIES), "a capability the contract does not know how to ask"
        return calls[capability]()

    @staticmethod
    def _all_changes(sample_changes: dict[str, list[Change]]) -> list[tuple[str, list[Change]]]:
        return [(stream, list(changes)) for stream, changes in sample_changes.items() if changes]

    # -- declaration ----------------------------------------------------------------------------------------

    def test_declares_a_name_and_valid_streams(self, adapter):
        """The adapter has a name, and reads/writes only streams of adapters.records.STREAMS."""
        assert isinstance(adapter, Adapter)
        assert isinstance(adapter.name, str) and adapter.name
        assert adapter.reads | adapter.writes, "an adapter must read or write something"
        assert set(adapter.reads) <= set(STREAMS)
        assert set(adapter.writes) <= set(STREAMS)
        assert adapter.batch_size >= 1

    def test_sample_changes_cover_every_written_stream(self, adapter, sample_changes):
        """Every written stream has sample changes, so the write tests below exercise it."""
        assert set(sample_changes) <= set(adapter.writes), "samples for a stream the adapter does not write"
        missing = {s for s in adapter.writes if not sample_changes.get(s)}
        assert not missing, f"no sample changes for {sorted(missing)}"
        for stream, changes in sample_changes.items():
            assert all(c.stream == stream for c in changes)
            assert len(changes) <= adapter.batch_size
            assert len({c.key for c in changes}) == len(changes), "sample keys must be unique"

    # -- connection -----------------------------------------------------------------------------------------

    def test_check_connection_passes(self, adapter):
        """A working adapter's check_connection returns without raising."""
        assert adapter.check_connection() is None

    def test_check_connection_misconfigured_raises_adapter_error(self, misconfigured_adapter):
        """A misconfigured adapter raises AdapterError (never a raw requests/openpyxl/OS error), with a code."""
        with pytest.raises(AdapterError) as info:
            misconfigured_adapter.check_connection()
        assert info.value.code and info.value.code != "adapter_error"
        assert str(info.value).strip()

    # -- reading --------------------------------------------------------------------------------------------

    def test_read_yields_only_declared_record_types(self, adapter, read_scope):
        """Each read stream yields only records of its declared type."""
        for stream in sorted(adapter.reads):
            expected = STREAMS[stream]
            for record in itertools.islice(adapter.read(stream, read_scope), READ_LIMIT):
                assert isinstance(record, expected), f"{stream} yielded {type(record).__name__}"

    def test_read_of_an_undeclared_stream_is_refused(self, adapter, read_scope):
        """Reading a stream the adapter does not declare raises, naming the stream."""
        for stream in [*sorted(set(STREAMS) - set(adapter.reads)), "no_such_stream"]:
            with pytest.raises(Unsupported) as info:
                list(itertools.islice(adapter.read(stream, read_scope), 1))
            assert stream in str(info.value)

    # -- writing --------------------------------------------------------------------------------------------

    def test_empty_write_returns_no_results(self, adapter):
        """Writing no changes returns an empty list and does nothing."""
        for stream in sorted(adapter.writes):
            assert adapter.write(stream, []) == []

    def test_write_returns_one_result_per_change_in_order(self, adapter, sample_changes):
        """write() returns exactly one ChangeResult per change, in order, with matching keys."""
        for stream, changes in self._all_changes(sample_changes):
            results = adapter.write(stream, changes)
            self.assert_results(changes, results)

    def test_write_to_an_unknown_stream_is_refused(self, adapter, sample_changes):
        """A write to a stream the adapter does not write raises, naming the stream, and changes nothing."""
        changes = next((c for _s, c in self._all_changes(sample_changes)), [])
        for stream in [*sorted(set(STREAMS) - set(adapter.writes)), "no_such_stream"]:
            with pytest.raises(Unsupported) as info:
                adapter.write(stream, changes)
            assert stream in str(info.value)

    def test_a_change_for_another_stream_is_refused(self, adapter, sample_changes):
        """A change whose own stream differs from the stream written is refused (raised, or a failed result)."""
        pairs = self._all_changes(sample_changes)
        if not pairs:
            pytest.skip("the adapter writes nothing")
        stream, changes = pairs[0]
        other = next((s for s in sorted(STREAMS) if s != stream), "persons")
        wrong = [changes[0].model_copy(update={"stream": other})]
        try:
            results = adapter.write(stream, wrong)
        except (AdapterError, NotImplementedError) as exc:
            assert other in str(exc) or stream in str(exc)
            return
        self.assert_results(wrong, results)
        assert results[0].status == "failed", "a change for another stream must not be applied"

    def test_applying_the_same_changes_twice_changes_nothing_more(self, adapter, sample_changes):
        """Both applications of the sample changes succeed ('applied' or 'unchanged', the second an idempotent
        repeat), and the target's state is the same after the second as after the first."""
        for stream, changes in self._all_changes(sample_changes):
            first = adapter.write(stream, changes)
            self.assert_all_succeeded(changes, first)
            state = [adapter.current(c) for c in changes]
            second = adapter.write(stream, changes)
            self.assert_all_succeeded(changes, second)
            assert [adapter.current(c) for c in changes] == state

    def test_current_reflects_a_write(self, adapter, sample_changes):
        """Every sample change is written successfully, and current(change) then shows it applied."""
        for stream, changes in self._all_changes(sample_changes):
            results = adapter.write(stream, changes)
            self.assert_all_succeeded(changes, results)
            for change in changes:
                record = adapter.current(change)
                assert self.reflects(change, record), f"{change.key}: current() shows {record!r}"
                if record is not None:
                    assert isinstance(record, STREAMS[stream])

    # -- optional capabilities ------------------------------------------------------------------------------

    def test_declares_exactly_the_capabilities_it_implements(self, adapter):
        """Every declared capability is one of adapters.base.CAPABILITIES, with the adapter's own method; and every
        capability method the adapter implements is declared (none implemented but hidden from the engine)."""
        assert set(adapter.capabilities) <= set(CAPABILITIES)
        implemented = {c for c in CAPABILITIES if getattr(type(adapter), c) is not getattr(Adapter, c)}
        assert not set(adapter.capabilities) - implemented, "declared but not implemented"
        assert not implemented - set(adapter.capabilities), "implemented but not declared"

    def test_an_undeclared_capability_is_refused(self, adapter, read_scope, sample_changes):
        """Every capability the adapter does not declare raises Unsupported naming it (no half-working method)."""
        change = self._any_change(sample_changes)
        for capability in sorted(set(CAPABILITIES) - set(adapter.capabilities)):
            with pytest.raises(Unsupported) as info:
                self._ask(adapter, capability, change, read_scope)
            assert capability in str(info.value) and info.value.code, capability

    def test_a_declared_capability_answers(self, adapter, read_scope, sample_changes):
        """Every declared capability answers with its documented type (never Unsupported); those that take a
        change are asked about the sample changes."""
        for stream in sorted(adapter.reads):  # capabilities that report on reads answer after one
            list(itertools.islice(adapter.read(stream, read_scope), READ_LIMIT))
        change = self._any_change(sample_changes)
        for capability in sorted(adapter.capabilities):
            if capability in ("current", "as_stored", "check_change") and change is None:
                continue
            if capability == "resolve_line_items":
                continue  # needs the adapter's own item names: tested below
            answer = self._ask(adapter, capability, change, read_scope)
            expected = {"delta": Delta, "held_back": list, "read_report": dict,
                        "check_change": (AdapterError, type(None)), "current": (Record, type(None)),
                        "as_stored": (Record, type(None))}[capability]
            assert isinstance(answer, expected), f"{capability} answered {answer!r}"

    def test_a_delta_read_says_where_the_next_starts(self, adapter, read_scope):
        """With ``delta``: a read without ``since`` that ran to its end was full."""
        if "delta" not in adapter.capabilities:
            pytest.skip("the adapter does not read deltas")
        assert adapter.reads, "an adapter with delta reads must read something"
        list(adapter.read(sorted(adapter.reads)[0], read_scope.model_copy(update={"since": None})))
        assert adapter.delta().full is True

    def test_declares_its_target_traits(self, adapter):
        """The traits the planner follows are declared with their types; a course-grades-only or computed-grade
        target writes scores, and an adapter that writes can re-read a change for a resume (``current``)."""
        assert adapter.identity_closed in (None, True, False)
        assert isinstance(adapter.knows_everyone(), bool)
        assert isinstance(adapter.computed_course_grade, bool) and isinstance(adapter.course_grades_only, bool)
        if adapter.computed_course_grade or adapter.course_grades_only:
            assert "scores" in adapter.writes
        if adapter.writes:
            assert "current" in adapter.capabilities, "a written target must be re-readable for a resume"

    def test_resolve_line_items_only_when_declared(self, adapter, read_scope):
        """Without the capability, resolve_line_items raises Unsupported naming the adapter."""
        if "resolve_line_items" in adapter.capabilities:
            pytest.skip("the adapter resolves line items")
        with pytest.raises(Unsupported, match=adapter.name):
            adapter.resolve_line_items(["total"], read_scope.course_id)

    def test_resolve_line_items_finds_every_item_it_reads(self, adapter, read_scope):
        """With ``resolve_line_items``: every line item the adapter reads resolves to its id by that id and, where
        its title is one item's only, by its title; the answer has exactly the names asked (none for none)."""
        if "resolve_line_items" not in adapter.capabilities:
            pytest.skip("the adapter does not resolve line items")
        assert "line_items" in adapter.reads, "an adapter that resolves line items must read them"
        items = [i for i in itertools.islice(adapter.read("line_items", read_scope), READ_LIMIT) if i.line_item_id]
        assert items, "no line item read to resolve"
        ids = [item.line_item_id for item in items]
        got = adapter.resolve_line_items(ids, read_scope.course_id)
        assert got == {i: i for i in ids}, f"ids resolved to {got!r}"
        counts = Counter(item.title for item in items if item.title)
        titled = {item.title: item.line_item_id for item in items if item.title and counts[item.title] == 1}
        got = adapter.resolve_line_items(sorted(titled), read_scope.course_id)
        assert got == titled, f"titles resolved to {got!r}, not {titled!r}"
        assert adapter.resolve_line_items([], read_scope.course_id) == {}

    def test_resolve_line_items_refuses_an_unknown_name(self, adapter, read_scope):
        """With ``resolve_line_items``: a name that fits no item raises AdapterError with a code, naming it."""
        if "resolve_line_items" not in adapter.capabilities:
            pytest.skip("the adapter does not resolve line items")
        with pytest.raises(AdapterError) as info:
            adapter.resolve_line_items([UNKNOWN_ITEM], read_scope.course_id)
        assert info.value.code and info.value.code != "adapter_error"
        assert UNKNOWN_ITEM in str(info.value)

    def test_usable_as_a_context_manager(self, adapter):
        """close() may be called through ``with``; it does not raise."""
        with adapter as same:
            assert same is adapter

    # -- helpers --------------------------------------------------------------------------------------------

    @classmethod
    def assert_all_succeeded(cls, changes: Sequence[Change], results: Sequence[ChangeResult]) -> None:
        """Well-formed results (see :meth:`assert_results`), every one of them ``applied`` or ``unchanged``:
        sample changes are meant to be writable, so an adapter failing them cannot pass the write tests."""
        cls.assert_results(changes, results)
        for change, result in zip(changes, results, strict=True):
            assert result.status in ("applied", "unchanged"), f"{change.key}: {result.status} {result.message}"

    @staticmethod
    def assert_results(changes: Sequence[Change], results: Sequence[ChangeResult]) -> None:
        """One ChangeResult per change, in order, keys matching; failures carry an error code."""
        assert isinstance(results, list)
        assert len(results) == len(changes)
        for change, result in zip(changes, results, strict=True):
            assert isinstance(result, ChangeResult)
            assert result.key == change.key
            assert result.status in ("applied", "unchanged", "skipped", "failed")
            if result.status == "failed":
                assert result.error and result.error.get("code"), f"{change.key}: a failure without a code"
                assert result.message
