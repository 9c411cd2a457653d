"""The import rules of docs/architecture.md, read from the source (every import, also inside functions).

model/ is pure; adapters/ never imports model/ (nor properties/); vocabulary/ imports nothing of the
project; and no import goes round in a circle. Imports under ``if TYPE_CHECKING:`` never run and
do not count.
"""

from __future__ import annotations

import ast
import functools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("model", "adapters", "properties", "vocabulary")
IMPURE = {"asyncio", "websockets", "ocpp", "socket", "threading", "subprocess", "multiprocessing", "urllib",
          "http", "ssl", "select", "selectors", "signal", "tempfile", "shutil", "io", "os", "pathlib",
          "hypothesis", "jsonschema", "fastjsonschema"}
"""What model/ must not import: I/O, concurrency, the network, the test machinery."""


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _type_checking_only(tree: ast.AST) -> set[int]:
    """The ids of import nodes under ``if TYPE_CHECKING:``."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", None)) == "TYPE_CHECKING":
            skipped |= {id(child) for statement in node.body for child in ast.walk(statement)}
    return skipped


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """Every module ``name`` imports: project modules by their full name, others by their top name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_only(tree)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[:len(package) - node.level + 1] + [node.module or ""]).strip(".") \
                if node.level else node.module
            found |= {f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names}
    return found


@functools.cache
def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def top(module: str) -> str:
    return module.split(".")[0]


def test_the_model_is_pure():
    offenders = {name: sorted(m for m in imported if top(m) in IMPURE | {"adapters", "properties"})
                 for name, imported in graph().items() if top(name) == "model"}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_adapters_never_import_the_model_nor_properties():
    offenders = {name: sorted(m for m in imported if top(m) in ("model", "properties"))
                 for name, imported in graph().items() if top(name) == "adapters"}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_vocabulary_imports_nothing_of_the_project():
    offenders = {name: sorted(m for m in imported if top(m) in PACKAGES and top(m) != "vocabulary")
                 for name, imported in graph().items() if top(name) == "vocabulary"}
    assert {name: found for name, found in offenders.items() if found} == {}
    assert all(top(m) in sys.stdlib_module_names or top(m) == "vocabulary"
               for name, imported in graph().items() if top(name) == "vocabulary" for m in imported)


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root] & edges.keys())))]
        index[root] = low[root] = len(index)
        stack.append(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = stack[stack.index(node):]
                    del stack[stack.index(node):]
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                work.append((child, iter(sorted(edges[child] & edges.keys()))))
            elif child in stack:
                low[node] = min(low[node], index[child])
    return found


def test_no_import_goes_round_in_a_circle():
    assert cycles(graph()) == []


def test_a_circle_is_found():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_tests_import_each_other_by_module_name():
    """tests/ is no package: CI runs ``pytest`` (not ``python -m pytest``), so the checkout is not on
    sys.path and ``from tests.x import`` fails there while passing locally (CI stop 27)."""
    wrong = [f"{path.name}:{node.lineno}" for path in sorted((ROOT / "tests").glob("*.py"))
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "tests"]
    assert not wrong, wrong
