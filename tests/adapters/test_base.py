"""The adapter base class refuses a class that declares what it does not have (adapters.base)."""

from __future__ import annotations

import pytest

from adapters.base import CAPABILITIES, Adapter


class Minimal(Adapter):
    name = "minimal"
    reads = frozenset({"persons"})

    def check_connection(self) -> None:
        return None


def test_an_unknown_stream_or_capability_is_refused_when_the_class_is_made():
    with pytest.raises(TypeError, match="unknown streams: \\['grades'\\]"):
        type("Wrong", (Minimal,), {"reads": frozenset({"grades"})})
    with pytest.raises(TypeError, match="unknown capabilities: \\['teleport'\\]"):
        type("Wrong", (Minimal,), {"capabilities": frozenset({"teleport"})})


def test_a_declared_capability_must_be_implemented():
    with pytest.raises(TypeError, match="does not implement: \\['resolve_line_items'\\]"):
        type("Wrong", (Minimal,), {"capabilities": frozenset({"resolve_line_items"})})
    resolving = type("Resolving", (Minimal,), {"capabilities": frozenset({"resolve_line_items"}),
                                               "resolve_line_items": lambda self, names, course_id=None: {}})
    assert resolving.capabilities == {"resolve_line_items"} <= CAPABILITIES.keys()


def test_an_undeclared_capability_is_not_there():
    with pytest.raises(NotImplementedError, match="minimal does not resolve line items"):
        Minimal().resolve_line_items(["midterm"])
    assert Minimal.capabilities == frozenset()
