"""The structural protocols of ``adapters`` against the classes that fill them (no type checker runs here).

:class:`~adapters.openedx.host.WriterHost` (what the Open edX writers use of their adapter) and
:class:`~adapters.http.auth.TokenClient` (what a credentials provider uses of the HTTP client) restate
signatures of :class:`~adapters.openedx.adapter.OpenEdxAdapter` and :class:`~adapters.http.client.HttpClient`.
Each protocol holds only what its user calls, and each concrete class must accept every call the protocol
allows: same parameter names and kinds, a default wherever the protocol has one, no extra required
parameter, and the same annotations (``Any`` in the protocol accepts any).
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from adapters.http import HttpClient
from adapters.http.auth import TokenClient
from adapters.openedx import OpenEdxAdapter, OpenEdxSettings
from adapters.openedx.host import WriterHost

ROOT = Path(__file__).resolve().parents[2]


def members(protocol: type) -> tuple[list[str], list[str]]:
    """The protocol's own attributes (annotated) and methods, by name."""
    methods = [name for name, value in vars(protocol).items() if inspect.isfunction(value) and not name.startswith("_")]
    return list(inspect.get_annotations(protocol)), methods


def _shown(annotation) -> str:
    return "no annotation" if annotation is inspect.Parameter.empty else str(annotation)


def mismatches(protocol: type, concrete: type, instance: object) -> list[str]:
    """Where ``concrete`` (and ``instance`` of it) does not accept what ``protocol`` promises."""
    found = []
    attributes, methods = members(protocol)
    found += [f"attribute {name} is missing" for name in attributes if not hasattr(instance, name)]
    for name in methods:
        if not callable(getattr(concrete, name, None)):
            found.append(f"method {name} is missing")
            continue
        wanted = inspect.signature(getattr(protocol, name))
        got = inspect.signature(getattr(concrete, name))
        for param in wanted.parameters.values():
            other = got.parameters.get(param.name)
            if other is None:
                found.append(f"{name}: no parameter {param.name}")
                continue
            if other.kind != param.kind:
                found.append(f"{name}({param.name}): {other.kind.description}, not {param.kind.description}")
            if param.default is not param.empty and other.default is param.empty:
                found.append(f"{name}({param.name}): no default")
            if param.annotation not in ("Any", param.empty) and other.annotation != param.annotation:
                found.append(f"{name}({param.name}): {_shown(other.annotation)}, not {param.annotation}")
        for other in got.parameters.values():
            if (other.name not in wanted.parameters and other.default is other.empty
                    and other.kind not in (other.VAR_POSITIONAL, other.VAR_KEYWORD)):
                found.append(f"{name}: required parameter {other.name} the protocol does not give")
        if wanted.return_annotation not in ("Any", wanted.empty) and got.return_annotation != wanted.return_annotation:
            found.append(f"{name} returns {_shown(got.return_annotation)}, not {wanted.return_annotation}")
    return found


def used_members(paths: str, *holders: str) -> set[str]:
    """The names the code of the modules at ``paths`` (comma-separated) looks up on ``holders`` (``self.adapter``…)."""
    trees = [ast.parse((ROOT / path).read_text(encoding="utf-8")) for path in paths.split(",")]
    return {node.attr for tree in trees for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and ast.unparse(node.value) in holders}


@pytest.fixture
def adapter():
    return OpenEdxAdapter(OpenEdxSettings.from_spec("https://lms.example.edu", {"course": "course-v1:O+C+1"}))


def test_the_openedx_adapter_is_a_writer_host(adapter):
    assert mismatches(WriterHost, OpenEdxAdapter, adapter) == []


def test_the_http_client_is_a_token_client():
    assert mismatches(TokenClient, HttpClient, HttpClient()) == []


@pytest.mark.parametrize(("protocol", "path", "holders"), [
    (WriterHost, "adapters/openedx/writes.py,adapters/openedx/score_writes.py", ("adapter", "self.adapter")),
    (TokenClient, "adapters/http/auth.py", ("client",)),
])
def test_each_protocol_holds_only_what_its_user_uses(protocol, path, holders):
    attributes, methods = members(protocol)
    assert set(attributes) | set(methods) == used_members(path, *holders)


def test_drift_is_found():
    class Host:
        settings = api = None

        def service_user(self, fresh: bool) -> str: ...                    # a new required parameter
        def course_for(self, course: str | None) -> str: ...               # renamed
        def by_program(self, *, person: Person | None = None) -> bool: ...  # noqa: F821 - keyword-only now
        def program_statuses(self, course: str) -> list[str]: ...          # another return type
        def forget_program_statuses(self, course: str) -> None: ...
        def program_enrollment(self, person: Person, course: str, status: str) -> Enrollment: ...  # noqa: F821
        def linked_username(self, number: str, course: str) -> str | None: ...
        def username_for(self, person: Person, course: str) -> str | None: ...  # noqa: F821
        def user_id_for(self, person: Person, course: str): ...            # noqa: F821 - no return annotation
        # resolve_user_ids is gone

    assert mismatches(WriterHost, Host, Host()) == [
        "attribute batch_size is missing",
        "service_user: required parameter fresh the protocol does not give",
        "course_for: no parameter course_id",
        "course_for: required parameter course the protocol does not give",
        "by_program(person): keyword-only, not positional or keyword",
        "program_statuses returns list[str], not dict[str, str]",
        "user_id_for returns no annotation, not int | None",
        "method resolve_user_ids is missing",
    ]
