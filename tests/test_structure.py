"""The integration's modules import one another without a cycle.

Type-checking imports count too: a cycle hidden behind ``TYPE_CHECKING`` is
still two modules that cannot be read, or changed, one without the other.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "custom_components" / "privacy_guard"


def _module_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts)


def imports() -> dict[str, set[str]]:
    """Return, per module of the package, the package's modules it imports."""
    modules = {_module_of(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name.split(".")[:-1]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom) or node.level == 0:
                continue
            base = package[: len(package) - (node.level - 1)]
            if node.module is None:
                targets = [".".join([*base, alias.name]) for alias in node.names]
            else:
                target = ".".join([*base, *node.module.split(".")])
                targets = [target, f"{target}.__init__" if target else "__init__"]
            found.update(t for t in targets if t in modules and t != name)
        graph[name] = found
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return one cycle through each strongly connected group (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_round_a_cycle() -> None:
    graph = imports()
    assert {"guard", "runtime", "models", "probe"} <= set(graph)
    assert cycles(graph) == []


def test_a_cycle_would_be_found() -> None:
    """The check itself: a cycle of three, and one through a package."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": set(), "b": {"a"}}) == []


def test_modules_stay_readable() -> None:
    """The guard composes its parts in under 400 lines; no module but the
    config flow (every form in one place, as Home Assistant reads it) grows
    past 600."""
    sizes = {
        _module_of(path): len(path.read_text().splitlines())
        for path in PACKAGE.rglob("*.py")
    }
    assert sizes["guard"] < 400
    assert {
        name: lines
        for name, lines in sizes.items()
        if lines > 600 and name != "config_flow"
    } == {}
