"""The layers' rules, read from the imports of every module (function-level imports included).

DESIGN §1–2: ``ledger`` is pure; ``services`` and ``ops`` never see the web, the queue or the
command line; ``db`` never reaches up into the use cases; HTML pages and JSON views both call
services, never each other; and no two modules import each other, directly or round a loop.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "wisebook"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in PACKAGE.rglob("*.py")}


def _imported(module: str, path: Path) -> Iterator[str]:
    """Every module ``module`` imports, anywhere in its text, as an absolute dotted name."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            for alias in node.names:
                yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base


def _project_module(name: str) -> str | None:
    """The project's module a dotted name falls in (``a.b.c`` → ``a.b`` if ``c`` is a name)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


GRAPH = {
    module: {
        target
        for name in _imported(module, path)
        if (target := _project_module(name)) is not None and target != module
    }
    for module, path in MODULES.items()
}
EXTERNAL = {
    module: {name.split(".")[0] for name in _imported(module, path) if not name.startswith("wisebook")}
    for module, path in MODULES.items()
}


def _in(module: str, *layers: str) -> bool:
    return any(module == layer or module.startswith(layer + ".") for layer in layers)


def _breaches(sources: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{module} → {target}"
        for module, targets in GRAPH.items()
        if _in(module, *sources)
        for target in targets
        if _in(target, *forbidden)
    )


def test_the_ledger_imports_only_itself_and_the_standard_library():
    project = _breaches(("wisebook.ledger",), ("wisebook",))
    project = [line for line in project if not line.split(" → ")[1].startswith("wisebook.ledger")]
    outside = sorted(
        f"{module} → {name}"
        for module, names in EXTERNAL.items()
        if _in(module, "wisebook.ledger")
        for name in names
        if name not in sys.stdlib_module_names and name != "__future__"
    )
    assert project + outside == []


@pytest.mark.parametrize("layer", ["wisebook.services", "wisebook.ops"])
def test_use_cases_never_see_the_web_the_queue_or_the_command_line(layer):
    assert _breaches((layer,), ("wisebook.web", "wisebook.tasks", "wisebook.cli")) == []
    assert (
        sorted(
            f"{module} → {name}"
            for module, names in EXTERNAL.items()
            if _in(module, layer)
            for name in names
            if name in {"pyramid", "webob", "webtest", "pyramid_tm", "huey", "click"}
        )
        == []
    )


def test_services_never_import_the_operators_tools():
    assert _breaches(("wisebook.services",), ("wisebook.ops",)) == []


def test_the_database_layer_never_reaches_up():
    above = ("wisebook.services", "wisebook.ops", "wisebook.web", "wisebook.tasks", "wisebook.cli")
    assert _breaches(("wisebook.db",), above) == []


def test_pages_and_json_views_never_import_each_other():
    assert _breaches(("wisebook.web.pages",), ("wisebook.web.api",)) == []
    assert _breaches(("wisebook.web.api",), ("wisebook.web.pages",)) == []


def _cycles() -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(GRAPH):
        if root in index:
            continue
        work = [(root, iter(sorted(GRAPH[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(GRAPH[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_no_two_modules_import_each_other_even_round_a_loop():
    assert _cycles() == []


def test_the_reader_sees_every_kind_of_import():
    """The rules above are only as good as the reading: a relative, an aliased and a
    function-level import are all found."""
    assert "wisebook.ledger.errors" in GRAPH["wisebook.ledger.entries"]
    assert any(_in(target, "wisebook.services") for target in GRAPH["wisebook.cli.books"])  # function-level
    assert "wisebook.settings" in GRAPH["wisebook.db"]
