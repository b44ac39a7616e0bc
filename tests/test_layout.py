"""The house's rules, checked: floors that say what they own, small modules, short functions.

docs/architecture.md describes the floors; `lint-imports` (run by the test command) checks that
imports run down the floors only. These tests check the rest of what that page promises.
"""

from __future__ import annotations

import ast
import importlib
import sys
import warnings
from pathlib import Path

import pytest

import chainrule
from chainrule.moved import MOVED

SRC = Path(chainrule.__file__).parent
MODULES = sorted(p for p in SRC.rglob("*.py"))
FLOORS = ["engine", "data", "nn", "io", "training", "models", "explain", "sklearn", "playground"]
FLOORS += ["cli"]
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
#: functions that may be longer because they are data, not logic (a parser's option table)
LONG_BY_DESIGN: dict[str, str] = {}


def _rel(path: Path) -> str:
    return path.relative_to(SRC.parent).as_posix()


def _functions(tree: ast.AST):
    """(qualified name, node) for every function and method, nested ones included."""
    stack: list[tuple[str, ast.AST]] = [("", tree)]
    while stack:
        prefix, node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    yield name, child
                stack.append((name + ".", child))


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_no_module_is_over_400_lines(path):
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= MAX_MODULE_LINES, f"{_rel(path)} has {n} lines; split it by what it holds"


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_no_function_is_over_60_lines(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    long = []
    for name, node in _functions(tree):
        body = node.body
        if ast.get_docstring(node) is not None:  # a docstring is documentation, not logic
            body = body[1:]
        if not body:
            continue
        n = body[-1].end_lineno - body[0].lineno + 1
        key = f"{_rel(path)}:{name}"
        if n > MAX_FUNCTION_LINES and key not in LONG_BY_DESIGN:
            long.append(f"{name} ({n} lines)")
    assert not long, f"{_rel(path)}: functions over {MAX_FUNCTION_LINES} lines: {long}"


@pytest.mark.parametrize("floor", FLOORS)
def test_each_floor_says_what_it_owns_and_may_import(floor):
    init = SRC / floor / "__init__.py"
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
    assert len(doc.split()) >= 30, f"{floor}/__init__.py needs a paragraph on what it owns"
    assert "may import" in doc, f"{floor}/__init__.py must say what it may import"


def test_only_the_engine_touches_the_graph_and_no_source_is_generated():
    offenders = []
    for path in MODULES:
        text = path.read_text(encoding="utf-8")
        inside_engine = path.is_relative_to(SRC / "engine")
        if not inside_engine and "._node" in text:
            offenders.append(f"{_rel(path)} reaches into a tensor's graph node (._node)")
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("exec", "eval"):
                offenders.append(f"{_rel(path)}:{node.lineno} runs generated source")
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "setattr"
                and getattr(node.args[0], "id", None) == "Tensor"
            ):
                offenders.append(f"{_rel(path)}:{node.lineno} attaches to Tensor with setattr")
    assert not offenders, "\n".join(offenders)


def test_every_exception_class_lives_in_errors_py():
    elsewhere = []
    for path in MODULES:
        if path.name == "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            bases = {getattr(b, "id", getattr(b, "attr", "")) for b in getattr(node, "bases", ())}
            if isinstance(node, ast.ClassDef) and any(
                b.endswith(("Error", "Exception")) for b in bases
            ):
                elsewhere.append(f"{_rel(path)}: {node.name}")
    assert not elsewhere, f"exceptions belong in chainrule/errors.py: {elsewhere}"


#: old module paths whose name is now a public function of the package (cr.tensor, cr.gradcheck)
SHADOWED = {"chainrule.tensor", "chainrule.gradcheck"}


@pytest.mark.parametrize("old", sorted(set(MOVED) - SHADOWED))
def test_an_old_module_path_still_imports_and_names_its_new_place(old):
    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=f"{old} moved to {MOVED[old]}"):
        module = importlib.import_module(old)
    assert module is importlib.import_module(MOVED[old])
    sys.modules.pop(old, None)


@pytest.mark.parametrize("old", sorted(SHADOWED))
def test_an_old_path_named_like_a_function_fails_naming_its_new_place(old):
    function = getattr(chainrule, old.rpartition(".")[2])
    with pytest.raises(ModuleNotFoundError, match=f"{old} moved to {MOVED[old]}"):
        importlib.import_module(old)
    assert getattr(chainrule, old.rpartition(".")[2]) is function  # cr.tensor is still callable
    assert callable(function)


def test_the_public_api_imports_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in chainrule.__all__:
            assert getattr(chainrule, name) is not None, name
