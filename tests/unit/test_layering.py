"""The package's layering, read from its imports (ast; function-local and TYPE_CHECKING imports included).

Data flows one way: adapter -> engine -> protocol -> transport -> protocol -> adapter (docs/architecture.md).
Rules, each one a test below:

1. ``protocol/`` imports only the standard library and itself.
2. No import cycle in the package: imports that run (module level or inside functions; not those under
   ``if TYPE_CHECKING:``).
3. Adapters do not import each other sideways: triggers import no operator, sensor or notifier; operators
   and sensors do not import each other; notifications and plugins import no other adapter; hooks import
   no adapter. (Operators and sensors may import triggers: they defer to them.)
4. The core below the adapters (constants, protocol, transport, settings, sending, waiting) imports no
   adapter and no hook.
5. Nothing imports the emulator but the emulator itself (its pytest plugin included), and the emulator
   imports nothing of the client (stdlib, plus the constants leaf; pytest and Airflow in its pytest plugin).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import airflow_provider_every8d

PACKAGE = "airflow_provider_every8d"
ROOT = Path(airflow_provider_every8d.__file__).parent
ADAPTERS = ("hooks", "operators", "sensors", "triggers", "notifications", "plugins")
CORE = ("constants", "protocol", "transport", "settings", "sending", "waiting")
SIDEWAYS_ALLOWED = {("operators", "triggers"), ("sensors", "triggers")}


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int
    typing_only: bool

    def __str__(self) -> str:
        kind = " (TYPE_CHECKING)" if self.typing_only else ""
        return f"{self.source}:{self.line} imports {self.target}{kind}"


def modules(root: Path, package: str) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package under ``root``."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


class _Imports(ast.NodeVisitor):
    def __init__(self, name: str, is_package: bool, known: dict[str, Path]) -> None:
        self.name, self.is_package, self.known = name, is_package, known
        self.edges: list[Edge] = []
        self._typing = 0

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        guarded = (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
        self._typing += guarded
        for child in node.body:
            self.visit(child)
        self._typing -= guarded
        for child in node.orelse:
            self.visit(child)

    def _add(self, target: str, node: ast.stmt) -> None:
        self.edges.append(Edge(self.name, target, node.lineno, self._typing > 0))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            package = self.name.split(".") if self.is_package else self.name.split(".")[:-1]
            package = package[: len(package) - node.level + 1]
            base = ".".join([*package, base] if base else package)
        for alias in node.names:
            submodule = f"{base}.{alias.name}"
            self._add(submodule if submodule in self.known else base, node)


def imports(root: Path = ROOT, package: str = PACKAGE) -> list[Edge]:
    """Every import in the package, with the module it names (a submodule when ``from pkg import sub``)."""
    known = modules(root, package)
    edges: list[Edge] = []
    for name, path in known.items():
        visitor = _Imports(name, path.name == "__init__.py", known)
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        edges += visitor.edges
    return edges


def area(module: str, package: str = PACKAGE) -> str:
    """The top-level part of the package a module belongs to (``protocol``, ``hooks`` ...), or the
    distribution's top name for anything outside (``requests``, ``os``)."""
    parts = module.split(".")
    if parts[0] != package:
        return parts[0]
    return parts[1] if len(parts) > 1 else ""


def internal(edges: list[Edge], package: str = PACKAGE) -> Iterator[tuple[Edge, str, str]]:
    for edge in edges:
        if edge.target.split(".")[0] == package:
            yield edge, area(edge.source, package), area(edge.target, package)


def cycles(edges: list[Edge], package: str = PACKAGE) -> list[list[str]]:
    """The import cycles among runtime imports (Tarjan's strongly connected components of two or more,
    or a module importing itself)."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        if not edge.typing_only and edge.target.split(".")[0] == package and edge.target != edge.source:
            graph.setdefault(edge.source, set()).add(edge.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:  # recursion depth is bounded by the module count (~150)
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def protocol_violations(edges: list[Edge], package: str = PACKAGE) -> list[str]:
    return [str(edge) for edge in edges if area(edge.source, package) == "protocol"
            and edge.source.split(".")[0] == package
            and not (edge.target.split(".")[0] in sys.stdlib_module_names
                     or edge.target == f"{package}.protocol" or edge.target.startswith(f"{package}.protocol."))]


def sideways(edges: list[Edge], package: str = PACKAGE) -> list[str]:
    wrong = []
    for edge, source, target in internal(edges, package):
        if source == target or source not in ADAPTERS or target not in ADAPTERS:
            continue
        if target == "hooks" and source != "hooks":
            continue  # every adapter reaches the API through the hook
        if (source, target) not in SIDEWAYS_ALLOWED:
            wrong.append(str(edge))
    return wrong


def backwards(edges: list[Edge], package: str = PACKAGE) -> list[str]:
    return [str(edge) for edge, source, target in internal(edges, package)
            if source in CORE and target in ADAPTERS]


def emulator_violations(edges: list[Edge], package: str = PACKAGE) -> list[str]:
    wrong = []
    for edge in edges:
        source_area, target_area = area(edge.source, package), area(edge.target, package)
        inside = edge.target.split(".")[0] == package
        if source_area != "emulator" and inside and target_area == "emulator":
            wrong.append(str(edge))
        elif source_area == "emulator" and edge.source.split(".")[0] == package:
            plugin = edge.source == f"{package}.emulator.pytest_plugin"
            allowed = (edge.target.split(".")[0] in sys.stdlib_module_names
                       or (target_area in ("emulator", "constants") and inside)
                       or (plugin and edge.target.split(".")[0] in ("pytest", "airflow")))
            if not allowed:
                wrong.append(str(edge))
    return wrong


EDGES = imports()


def test_the_reader_sees_the_package() -> None:
    sources = {edge.source for edge in EDGES}
    assert {f"{PACKAGE}.protocol.build", f"{PACKAGE}.transport.aio", f"{PACKAGE}.triggers.every8d"} <= sources
    assert any(edge.target == f"{PACKAGE}.protocol.driver" for edge in EDGES)  # a from-import of a submodule


def test_protocol_imports_only_the_standard_library_and_itself() -> None:
    assert protocol_violations(EDGES) == []


def test_there_is_no_import_cycle() -> None:
    assert cycles(EDGES) == []  # lazy (function-local) imports included: no cycle is tolerated


def test_adapters_do_not_import_each_other_sideways() -> None:
    assert sideways(EDGES) == []


def test_the_core_imports_no_adapter() -> None:
    assert backwards(EDGES) == []


def test_only_the_emulator_imports_the_emulator_and_it_imports_no_client_code() -> None:
    assert emulator_violations(EDGES) == []


# -- the checks themselves fail on a package that breaks the rules ------------------------------------
BROKEN = {
    "__init__.py": "",
    "protocol/__init__.py": "",
    "protocol/a.py": "import requests\nfrom fake.protocol import b\n",
    "protocol/b.py": "def f():\n    from fake.protocol import a\n",
    "hooks/__init__.py": "",
    "hooks/every8d.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from fake.operators import x\n",
    "operators/__init__.py": "",
    "operators/x.py": "from ..sensors import y\nfrom fake.triggers import t\nfrom fake.hooks import every8d\n",
    "sensors/__init__.py": "",
    "sensors/y.py": "from fake.emulator import server\n",
    "triggers/__init__.py": "",
    "triggers/t.py": "from fake.notifications import n\n",
    "notifications/__init__.py": "",
    "notifications/n.py": "",
    "transport/__init__.py": "",
    "transport/sync.py": "from fake.hooks.every8d import Hook\n",
    "emulator/__init__.py": "",
    "emulator/server.py": "from fake.protocol import a\nimport json\n",
}


@pytest.fixture
def broken(tmp_path: Path) -> list[Edge]:
    for name, text in BROKEN.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return imports(tmp_path, "fake")


@pytest.mark.parametrize(("check", "expected"), [
    (protocol_violations, ["fake.protocol.a:1 imports requests"]),
    (cycles, [["fake.protocol.a", "fake.protocol.b"]]),
    (sideways, ["fake.hooks.every8d:3 imports fake.operators.x (TYPE_CHECKING)",
                "fake.operators.x:1 imports fake.sensors.y", "fake.triggers.t:1 imports fake.notifications.n"]),
    (backwards, ["fake.transport.sync:1 imports fake.hooks.every8d"]),
    (emulator_violations, ["fake.emulator.server:1 imports fake.protocol.a",
                           "fake.sensors.y:1 imports fake.emulator.server"]),
])
def test_each_check_finds_what_breaks_its_rule(broken: list[Edge], check, expected: list[str]) -> None:
    found = check(broken, "fake")
    assert sorted(map(str, found)) == sorted(map(str, expected))
