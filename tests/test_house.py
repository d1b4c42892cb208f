"""Meta-tests on the shape of the package: no import cycles, no oversized modules.

The import graph is read from the source with ``ast`` (nothing is imported), counting every
``import`` statement wherever it sits: module level, inside functions, and under
``TYPE_CHECKING``, because a cycle hidden in a function is still two modules that each need the
other.
"""

from __future__ import annotations

import ast
import doctest
import importlib
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "audiodigest"
MAX_LINES = 700



def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The longest prefix of dotted ``name`` that is one of our modules (a submodule or a package)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in known:
            return candidate
        parts.pop()
    return None


def import_graph() -> dict[str, set[str]]:
    """Module -> the audiodigest modules it imports (directly, anywhere in its source)."""
    known = _modules()
    graph: dict[str, set[str]] = {}
    for module, path in known.items():
        is_package = path.name == "__init__.py"
        package = module if is_package else module.rpartition(".")[0]
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - (node.level - 1)]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                # ``from pkg import sub`` imports the submodule ``pkg.sub`` when there is one.
                targets = [f"{source}.{alias.name}" for alias in node.names] or [source]
            for target in targets:
                resolved = _resolve(target, known)
                if resolved is None:
                    continue
                edges.add(resolved)
                # Importing ``a.b.c`` first runs ``a/b/__init__.py``: an edge to each enclosing
                # package, except the importer's own (already running when it imports a sibling).
                parts = resolved.split(".")
                edges.update(".".join(parts[:i]) for i in range(1, len(parts)))
        own = module.split(".")
        edges -= {".".join(own[:i]) for i in range(1, len(own) + 1)}
        graph[module] = {e for e in edges if e in known}
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of two or more modules, each as one cycle path through it."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:  # Tarjan's algorithm
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group: set[str] = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_cycle_through(group, graph) for group in groups]


def _cycle_through(group: set[str], graph: dict[str, set[str]]) -> list[str]:
    """A shortest path from the group's first module back to itself, inside the group."""
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for node in frontier:
            for nxt in sorted(graph[node] & group):
                if nxt == start:
                    return [*paths[node], start]
                if nxt not in paths:
                    paths[nxt] = [*paths[node], nxt]
                    following.append(nxt)
        frontier = following
    raise AssertionError(f"no cycle in strongly connected group {sorted(group)}")


def test_no_module_imports_one_that_imports_it_back() -> None:
    cycles = find_cycles(import_graph())
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_the_cycle_finder_names_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_function_level_and_relative_imports() -> None:
    graph = import_graph()
    # config.py imports fsutil at module level; the CLI's commands import the pipeline lazily;
    # assembly imports its sibling relatively; importing a submodule runs its package too.
    assert "audiodigest.fsutil" in graph["audiodigest.config"]
    assert "audiodigest.pipeline" in graph["audiodigest.cli"]
    assert "audiodigest.audio.master" in graph["audiodigest.audio.assemble"]
    assert {"audiodigest.script", "audiodigest.script.episode_meta"} <= graph["audiodigest.publish.index"]


def test_no_module_is_over_the_length_limit() -> None:
    long = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE.parent).as_posix()
        lines = len(path.read_text("utf-8").splitlines())
        if lines > MAX_LINES:
            long[name] = lines
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_every_module_s_examples_hold() -> None:
    """The doctests of every module (the small pure helpers carry their examples)."""
    attempted = 0
    for name in sorted(_modules()):
        if name.endswith("__main__"):  # importing it runs the CLI
            continue
        result = doctest.testmod(importlib.import_module(name))
        assert result.failed == 0, f"{name}: {result.failed} example(s) fail"
        attempted += result.attempted
    assert attempted > 100


def test_times_are_written_in_one_module() -> None:
    """Zero-padded time fields (``:02d``) and hour arithmetic live in audiodigest/timefmt.py."""
    pattern = re.compile(r"02d\}|%02d|divmod\([^)]*(3600|3_600_000|60_000)")
    found = [f"{path.relative_to(PACKAGE.parent)}:{n}"
             for path in sorted(PACKAGE.rglob("*.py")) if path.name != "timefmt.py"
             for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
             if pattern.search(line)]
    assert not found, f"time formatting outside audiodigest/timefmt.py: {found}"
