"""The adapter base class refuses a class that declares what it does not have (adapters.base)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from adapters.base import CAPABILITIES, Adapter, ReadScope
from adapters.errors import Unsupported


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
    with pytest.raises(Unsupported, match="minimal does not have the capability resolve_line_items") as info:
        Minimal().resolve_line_items(["midterm"])
    assert info.value.code == "unsupported_capability" and isinstance(info.value, NotImplementedError)
    assert Minimal.capabilities == frozenset()


def test_the_one_refusal_names_the_stream_or_capability():
    for ask in (lambda a: a.write("scores", []), lambda a: list(a.read("scores")), lambda a: a.delta(),
                lambda a: a.current(None)):
        with pytest.raises(Unsupported) as info:
            ask(Minimal())
        assert info.value.code in ("unsupported_stream", "unsupported_capability") and info.value.where


def test_read_options_are_typed():
    assert ReadScope(detail="course", full=True, target=True).detail == "course"
    with pytest.raises(ValidationError):
        ReadScope(options={"detail": "course"})  # an untyped key is refused, never ignored
    with pytest.raises(ValidationError):
        ReadScope(detail="everything")


def test_identity_closed_defaults_to_reading_persons():
    assert Minimal().knows_everyone() is True
    assert type("Open", (Minimal,), {"identity_closed": False})().knows_everyone() is False
    assert type("NoPeople", (Minimal,), {"reads": frozenset({"scores"})})().knows_everyone() is False
