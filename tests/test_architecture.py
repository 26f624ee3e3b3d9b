"""The architecture of ../shared/DESIGN.md, checked on the source (docs/decisions/0020).

Every module of ``xblocks``, ``adapters``, ``scorm`` and ``sync`` is parsed with :mod:`ast`; nothing is
imported or executed. Three rules:

* **Direction.** ``xblocks`` may import ``scorm``, ``sync`` and ``adapters``; ``sync`` may import
  ``adapters``; ``scorm`` and ``adapters`` import nothing of ours except the declared leaves
  ``adapters.records`` and ``adapters.i18n``. A leaf imports nothing of ours at all, and neither does
  ``adapters/__init__.py`` (importing a leaf runs it). The developer tool ``adapters.i18n_tools``
  (``make translations``) is imported by no module of ours.
* **No cycles** among our modules, reported as a chain ``a -> b -> a``.
* **Size.** No module reaches 450 lines.

Which imports count: *every* ``import`` statement in a module, wherever it stands — at the top, inside a
function (a lazy import is still a dependency: the code cannot run without the other module), and under
``if TYPE_CHECKING:`` (the module is written against the other one's types). So a cycle cannot be broken
by moving an import into a function. Relative imports are resolved against the module's package;
``from package import name`` is an edge to ``package.name`` when that is one of our modules, else to
``package``. Importing ``a.b.c`` is an edge to ``a.b.c`` only, not to the packages ``a`` and ``a.b``
above it (except for the leaves' parent, checked on its own). Dynamic imports (``importlib``, entry
points, dotted paths in settings) are not seen.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("xblocks", "adapters", "scorm", "sync")
# what each package may import of ours besides itself and the leaves
ALLOWED = {
    "xblocks": {"scorm", "sync", "adapters"},
    "sync": {"adapters"},
    "scorm": set(),
    "adapters": set(),
}
# modules every package may import; they import nothing of ours (docs/decisions/0020)
LEAVES = ("adapters.records", "adapters.i18n")
LEAF_PACKAGES = {leaf.rpartition(".")[0] for leaf in LEAVES}  # importing a leaf runs their __init__.py
# developer tools (``make translations``, needs Babel): no module of ours imports them
TOOLS = ("adapters.i18n_tools",)
MAX_LINES = 450


@dataclass(frozen=True)
class Import:
    """One import of one of our modules: who imports whom, and where."""

    importer: str
    imported: str
    line: int

    def __str__(self) -> str:
        return f"{self.importer}:{self.line} imports {self.imported}"


def module_sources(root: Path = ROOT, packages: Iterable[str] = PACKAGES) -> dict[str, Path]:
    """Map the dotted name of every module of ``packages`` under ``root`` to its file."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def imports_of(name: str, source: str, modules: Iterable[str], is_package: bool = False) -> list[Import]:
    """Return the imports of our ``modules`` made anywhere in ``source``, the text of module ``name``."""
    known = set(modules)
    ours = {module.split(".")[0] for module in known}
    package = name if is_package else name.rpartition(".")[0]
    found: list[Import] = []

    def add(target: str, line: int) -> None:
        edge = Import(name, target, line)
        if target.split(".")[0] in ours and target != name and edge not in found:
            found.append(edge)

    for node in ast.walk(ast.parse(source, filename=name)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                child = f"{base}.{alias.name}"
                add(child if child in known else base, node.lineno)
    return found


def import_graph(sources: Mapping[str, str], packages: Iterable[str] = ()) -> dict[str, list[Import]]:
    """Return, for every module in ``sources`` (name to text), its imports of the others.

    ``packages`` names the modules that are packages (an ``__init__.py``), for relative imports.
    """
    packages = set(packages)
    return {name: imports_of(name, text, sources, name in packages) for name, text in sources.items()}


def wrong_direction(graph: Mapping[str, list[Import]]) -> list[Import]:
    """Return every import that goes against the dependency direction of DESIGN.md."""
    wrong = []
    for name, edges in graph.items():
        top = name.split(".")[0]
        for edge in edges:
            target = edge.imported
            if name in LEAVES or name in LEAF_PACKAGES:
                allowed = False  # a leaf, and the package a leaf lives in, import nothing of ours
            elif target in TOOLS:
                allowed = False
            else:
                allowed = target.split(".")[0] in ({top} | ALLOWED.get(top, set())) or target in LEAVES
            if not allowed:
                wrong.append(edge)
    return wrong


def cycles(graph: Mapping[str, list[Import]]) -> list[list[str]]:
    """Return import cycles as chains ``[a, b, …, a]``: for every group of modules that import each other
    (a strongly connected component), shortest chains through its first module until every member is named."""
    edges = {name: sorted({e.imported for e in imports if e.imported in graph}) for name, imports in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's algorithm
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    chains = []
    for group in sorted(groups):
        start, covered = group[0], {group[0]}
        for member in group[1:]:
            if member not in covered:
                chain = _path(edges, group, start, member) + _path(edges, group, member, start)[1:]
                covered.update(chain)
                chains.append(chain)
    return chains


def _path(edges: Mapping[str, list[str]], group: list[str], start: str, end: str) -> list[str]:
    """Return a shortest chain of imports from ``start`` to ``end`` through modules of ``group``."""
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in edges[node]:
                if target in group and target not in paths:
                    paths[target] = [*paths[node], target]
                    following.append(target)
        frontier = following
    return paths[end]  # a strongly connected group always has the path


def long_modules(files: Mapping[str, Path], limit: int = MAX_LINES) -> list[str]:
    """Return ``"name: N lines"`` for every module of ``limit`` lines or more."""
    counts = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in files.items()}
    return [f"{name}: {count} lines" for name, count in sorted(counts.items()) if count >= limit]


@pytest.fixture(scope="module")
def files() -> dict[str, Path]:
    return module_sources()


@pytest.fixture(scope="module")
def graph(files) -> dict[str, list[Import]]:
    sources = {name: path.read_text(encoding="utf-8") for name, path in files.items()}
    return import_graph(sources, {name for name, path in files.items() if path.name == "__init__.py"})


# --- the tree -----------------------------------------------------------------------------------------------


def test_every_package_is_read(files, graph):
    assert {name.split(".")[0] for name in files} == set(PACKAGES)
    assert all(module in files for module in (*LEAVES, *TOOLS))
    assert sum(len(edges) for edges in graph.values()) > 100  # the parser sees our imports


def test_dependencies_go_one_way(graph):
    wrong = wrong_direction(graph)
    assert not wrong, "against the dependency direction (docs/decisions/0020):\n" + "\n".join(map(str, wrong))


def test_no_import_cycles(graph):
    found = cycles(graph)
    assert not found, "import cycles (move the shared piece to a module both import):\n" + "\n".join(
        " -> ".join(chain) for chain in found)


def test_modules_stay_small(files):
    long = long_modules(files)
    assert not long, f"modules of {MAX_LINES} lines or more (split them by concept):\n" + "\n".join(long)


# --- the checks can fail ------------------------------------------------------------------------------------


def synthetic(**sources: str) -> dict[str, list[Import]]:
    """The graph of modules given as ``dotted__name="source"`` (``__`` for dots; ``_init`` ends a package)."""
    named = {key.replace("__", ".").removesuffix("._init"): text for key, text in sources.items()}
    packages = {key.replace("__", ".").removesuffix("._init") for key in sources if key.endswith("__init")}
    return import_graph(named, packages)


def test_relative_lazy_and_type_checking_imports_are_seen():
    graph = synthetic(
        adapters__http___init="from . import client\n",
        adapters__http__client="from .auth import Token\nfrom ..records import Person\n",
        adapters__http__auth=(
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from adapters.http import client\n"
        ),
        adapters__records="import math\n",
        sync__plan="def run():\n    import sync.journal\n    from sync import journal as j\n",
        sync__journal="",
    )
    targets = {name: sorted({e.imported for e in edges}) for name, edges in graph.items()}
    assert targets == {
        "adapters.http": ["adapters.http.client"],
        "adapters.http.client": ["adapters.http.auth", "adapters.records"],
        "adapters.http.auth": ["adapters.http.client"],
        "adapters.records": [],
        "sync.plan": ["sync.journal"],
        "sync.journal": [],
    }


def test_a_wrong_direction_import_is_reported():
    graph = synthetic(
        scorm__model="from adapters.records import Person\nfrom adapters.i18n import Translator\n",
        scorm__cli="def main():\n    from sync import runner\n",
        sync__runner="from adapters.http import client\nfrom scorm import model\n",
        adapters__http__client="import xblocks.embed.block\n",
        adapters__records="from adapters.http import client\n",
        adapters___init="from adapters import records\n",
        adapters__i18n_tools="",
        sync__report="from adapters.i18n import Translator\nfrom adapters import i18n_tools\n",
        xblocks__embed__block="import scorm.model, sync.runner, adapters.http.client\n",
    )
    assert sorted(str(edge) for edge in wrong_direction(graph)) == [
        "adapters.http.client:1 imports xblocks.embed.block",
        "adapters.records:1 imports adapters.http.client",
        "adapters:1 imports adapters.records",
        "scorm.cli:2 imports sync.runner",
        "sync.report:2 imports adapters.i18n_tools",
        "sync.runner:2 imports scorm.model",
    ]


def test_a_cycle_is_reported_as_a_chain():
    graph = synthetic(
        sync__plan="from sync.plan_grades import plan_grades\n",
        sync__plan_grades="def f():\n    from sync.plan import Plan\n",
        sync__runner="from sync import plan\n",
        adapters__a="from . import b\n",
        adapters__b="from .c import x\n",
        adapters__c="import adapters.a\n",
    )
    assert cycles(graph) == [
        ["adapters.a", "adapters.b", "adapters.c", "adapters.a"],
        ["sync.plan", "sync.plan_grades", "sync.plan"],
    ]


def test_every_module_of_a_cycle_is_named():
    graph = synthetic(
        sync__plan="from sync import plan_grades, plan_roster\n",
        sync__plan_grades="from sync.plan import Planner\n",
        sync__plan_roster="from sync.plan import Planner\n",
    )
    assert cycles(graph) == [
        ["sync.plan", "sync.plan_grades", "sync.plan"],
        ["sync.plan", "sync.plan_roster", "sync.plan"],
    ]


def test_a_long_module_is_reported(tmp_path):
    (tmp_path / "long.py").write_text("x = 1\n" * MAX_LINES, encoding="utf-8")
    (tmp_path / "short.py").write_text("x = 1\n" * (MAX_LINES - 1), encoding="utf-8")
    assert long_modules({"long": tmp_path / "long.py", "short": tmp_path / "short.py"}) == ["long: 450 lines"]
