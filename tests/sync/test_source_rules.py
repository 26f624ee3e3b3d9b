"""Two rules of ``sync/``, checked on the source with :mod:`ast` like ``tests/test_architecture.py`` (nothing is
imported or executed; docs/decisions/0029):

* **The journal owns every database write of a run.** No module of ``sync`` other than ``sync.journal`` (and the
  models and migrations) calls a write of the ORM: ``.save(``, ``.delete(``, ``.create(``, ``bulk_create``,
  ``bulk_update``, ``get_or_create``, ``update_or_create`` on anything, or ``.update(`` on a query set (a call
  chain through ``.objects`` or ``filter``/``exclude``/``all``…; a dict's ``update`` is not a write).
* **The engine asks an adapter only what it declares.** No module of ``sync`` calls ``getattr`` or ``hasattr``
  on an adapter (a name such as ``source``, ``target``, ``adapter``): it reads the declared ``reads``,
  ``writes``, ``capabilities`` and traits of :class:`adapters.base.Adapter` instead.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.test_architecture import ROOT, module_sources

OWNERS = ("sync.journal", "sync.models", "sync.migrations")
WRITES = {"save", "delete", "create", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
QUERYSETS = {"objects", "filter", "exclude", "all", "select_for_update", "select_related", "order_by"}
ADAPTER_NAMES = {"source", "target", "adapter", "opened", "src", "tgt"}


def _chain(node: ast.expr) -> set[str]:
    """The attribute and method names of the receiver chain ``a.objects.filter(…).exclude(…)``."""
    names: set[str] = set()
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
            node = node.value
        else:
            return names


def orm_writes(name: str, source: str) -> list[str]:
    """``module:line .method(`` for every ORM write call in ``source`` (see the module docstring)."""
    found = []
    for node in ast.walk(ast.parse(source, filename=name)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method = node.func.attr
        if method in WRITES or (method == "update" and _chain(node.func.value) & QUERYSETS):
            found.append(f"{name}:{node.lineno} .{method}(")
    return found


def adapter_probes(name: str, source: str) -> list[str]:
    """``module:line getattr(target, …)`` for every getattr/hasattr on an adapter-named variable."""
    found = []
    for node in ast.walk(ast.parse(source, filename=name)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("getattr", "hasattr")
                and node.args and isinstance(node.args[0], ast.Name) and node.args[0].id in ADAPTER_NAMES):
            found.append(f"{name}:{node.lineno} {node.func.id}({node.args[0].id}, …)")
    return found


def _sync_modules() -> dict[str, Path]:
    return {name: path for name, path in module_sources(ROOT, ("sync",)).items()}


def test_only_the_journal_writes_runs_and_operations():
    modules = _sync_modules()
    assert "sync.runner" in modules and "sync.tasks" in modules and "sync.journal.runs" in modules
    wrong = [hit for name, path in modules.items() if not name.startswith(OWNERS)
             for hit in orm_writes(name, path.read_text(encoding="utf-8"))]
    assert not wrong, "ORM writes outside sync.journal: " + "; ".join(wrong)
    owned = [hit for name, path in modules.items() if name.startswith("sync.journal")
             for hit in orm_writes(name, path.read_text(encoding="utf-8"))]
    assert owned, "the rule sees no write in the journal itself: it checks nothing"


def test_sync_never_probes_an_adapter():
    wrong = [hit for name, path in _sync_modules().items() for hit in adapter_probes(name, path.read_text("utf-8"))]
    assert not wrong, "undeclared traits discovered with getattr/hasattr: " + "; ".join(wrong)


def test_the_rules_see_what_they_forbid():
    source = '''
def f(run, target, plan):
    run.save(update_fields=["report"])
    SyncRun.objects.filter(pk=run.pk).update(status="done")
    Operation.objects.bulk_create([])
    plan.counts.update({"a": 1})
    SyncRun.objects.create(kind="grades")
    bookmark = getattr(target, "bookmark", None)
    if hasattr(source, "held_back"):
        pass
    getattr(settings, "X", 1)
'''
    assert [hit.split(" ", 1)[1] for hit in orm_writes("m", source)] == [
        ".save(", ".update(", ".bulk_create(", ".create("]
    assert [hit.split(" ", 1)[1] for hit in adapter_probes("m", source)] == [
        "getattr(target, …)", "hasattr(source, …)"]
