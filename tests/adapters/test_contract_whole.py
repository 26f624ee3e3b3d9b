"""The adapter contract is the same for every adapter: no subclass overrides (narrows) one of its tests."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import tests.adapters
from adapters.base import Adapter, ReadScope
from tests.adapters.contract import AdapterContract


def _contract_classes() -> list[type]:
    found = []
    for info in pkgutil.walk_packages(tests.adapters.__path__, "tests.adapters."):
        if info.name.rsplit(".", 1)[-1].startswith("test_"):
            module = importlib.import_module(info.name)
            found += [c for _n, c in inspect.getmembers(module, inspect.isclass) if issubclass(c, AdapterContract)
                      and c is not AdapterContract and c.__module__ == module.__name__]
    return found


def narrowed(classes: list[type]) -> set[str]:
    """``Class.test_name`` for every contract test a subclass (or a mixin between it and the contract) redefines."""
    tests = {name for name in vars(AdapterContract) if name.startswith("test_")}
    return {f"{c.__name__}.{name}" for c in classes for klass in c.__mro__[:c.__mro__.index(AdapterContract)]
            for name in vars(klass) if name in tests}


def test_every_adapter_runs_the_whole_contract():
    classes = _contract_classes()
    assert {c.__name__ for c in classes} >= {"TestOneRosterCsvContract", "TestOneRosterRestContract",
                                             "TestOpenEdxContract", "TestSpreadsheetContract"}
    assert not narrowed(classes), f"contract tests overridden per adapter: {sorted(narrowed(classes))}"


def test_the_check_sees_a_narrowed_contract():
    class Narrowed(AdapterContract):
        def test_current_reflects_a_write(self, adapter, sample_changes):
            return None

    class Subclass(Narrowed):
        pass

    assert narrowed([Narrowed, Subclass]) == {"Narrowed.test_current_reflects_a_write",
                                              "Subclass.test_current_reflects_a_write"}


def test_the_contract_sees_a_declaration_that_differs_from_the_code():
    class Hidden(Adapter):  # re-reads changes but does not say so
        name = "hidden"
        reads = frozenset({"persons"})

        def check_connection(self):
            return None

        def read(self, stream, scope=None):
            return iter([])

        def current(self, change):
            return None

    class Liar(Hidden):  # says it reads deltas, and its delta() refuses
        capabilities = frozenset({"current", "delta"})

        def delta(self):
            raise self.unsupported("capability", capability="delta")

    contract = AdapterContract()
    with pytest.raises(AssertionError, match="implemented but not declared"):
        contract.test_declares_exactly_the_capabilities_it_implements(Hidden())
    with pytest.raises(Exception, match="delta"):
        contract.test_a_declared_capability_answers(Liar(), ReadScope(), {})
    contract.test_an_undeclared_capability_is_refused(Liar(), ReadScope(), {})
