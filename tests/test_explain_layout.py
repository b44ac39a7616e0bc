"""The explainer's layout: no import circle inside explain/, no import above its floor, and no
module or function too long to read.

Every import counts, including those under ``if TYPE_CHECKING:`` and inside functions: a lazy
import does not hide a circle from this test.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = "chainrule.explain"
ROOT = Path(__file__).resolve().parent.parent / "src" / "chainrule" / "explain"
MODULES = sorted(p.stem for p in ROOT.glob("*.py") if p.stem != "__init__")
#: the floors above explain's (``explain|sklearn``), which it must not import
ABOVE = ("chainrule.sklearn", "chainrule.playground", "chainrule.cli")


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, as absolute dotted names (``from a import b`` counts both
    ``a`` and ``a.b``, which covers importing a submodule by name)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: use absolute imports"
            assert node.module is not None
            out.add(node.module)
            out.update(f"{node.module}.{alias.name}" for alias in node.names)
    return out


def _graph() -> dict[str, set[str]]:
    """explain's submodules and, for each, the explain submodules it imports."""
    inside = {f"{PACKAGE}.{m}" for m in MODULES}
    return {f"{PACKAGE}.{m}": _imports(ROOT / f"{m}.py") & inside for m in MODULES}


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import circle in ``graph`` as [a, b, …, a], or [] if there is none (iterative DFS)."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for start in sorted(graph):
        if start in state:
            continue
        path, stack = [start], [iter(sorted(graph[start]))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(graph[nxt])))
    return []


@pytest.mark.parametrize("module", MODULES)
def test_each_module_imports(module: str) -> None:
    importlib.import_module(f"{PACKAGE}.{module}")


def test_no_import_circle_inside_explain() -> None:
    graph = _graph()
    assert _cycle(graph) == [], f"import circle: {' → '.join(_cycle(graph))}"
    for name, deps in graph.items():
        assert name not in deps


def test_the_cycle_finder_can_fail() -> None:
    """A negative control: a planted circle is found."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert _cycle(graph) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) == []


def test_submodules_do_not_import_the_package_entry() -> None:
    """Only the entry module gathers the others; a submodule importing ``chainrule.explain``
    (or ``chainrule``) itself would import everything above it."""
    for m in MODULES:
        found = _imports(ROOT / f"{m}.py")
        assert PACKAGE not in found and "chainrule" not in found, m


def test_the_data_sits_below_the_renderers() -> None:
    """The renderers take the data and return text; only ``api`` and ``core`` know of both."""
    graph = _graph()
    renderers = {"render_text", "render_markdown", "render_html", "schema", "svg", "document"}
    for m in renderers:
        assert f"{PACKAGE}.api" not in graph[f"{PACKAGE}.{m}"], m
        assert f"{PACKAGE}.core" not in graph[f"{PACKAGE}.{m}"], m
    for m in renderers | {"api", "core"}:
        assert f"{PACKAGE}.{m}" not in graph[f"{PACKAGE}.explanation"]


def test_explain_imports_nothing_above_its_floor() -> None:
    for m in ["__init__", *MODULES]:
        found = _imports(ROOT / f"{m}.py")
        bad = sorted(n for n in found if n.startswith(ABOVE))
        assert not bad, f"explain/{m}.py imports {bad}"


def test_modules_and_functions_stay_short() -> None:
    for path in sorted(ROOT.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 400, f"{path.name} is over 400 lines"
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = node.end_lineno - node.lineno + 1  # type: ignore[operator]
                assert n <= 60, f"{path.name}: {node.name} is {n} lines"
