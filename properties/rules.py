"""The model's rules, read from its source: every rule name, its section, and what judges it.

A rule is the first argument of a violation the model can raise (``self.fail(RULE, SECTION,
...)``, ``Violation(RULE, ...)``, ``expect_status(..., RULE, SECTION)``, an ``Owed`` message
...). :data:`JUDGES` maps each handler the model dispatches to (``answer_<Op>``,
``cp_<Action>``, ``on_<Op>``, ``settle``, ``observe``, ...) to the rules it can raise, itself
or through the methods and functions it calls. A model :class:`~model.judge.Verdict` names
the handlers that ran (``handled``); :func:`judged` turns them into the rules judged, which
is how a run measures its coverage (issue 13).
"""

from __future__ import annotations

import ast
import functools
import inspect
import re
from pathlib import Path

import model

RULE_CARRIERS = {"fail": 0, "Violation": 0, "_reject": 0,
                 "expect_status": 3, "owe_message": 1, "owe_stop": 2, "Owed": 1, "owe_progress": 1, "Expectation": 1,
                 "check_here": 0}
"""Callables whose argument at this index is a rule name (the next one, where given, its section)."""
RECORDED = frozenset({"expect_status", "owe_message", "owe_stop", "Owed", "owe_progress", "Expectation", "check_here"})
"""Carriers the model records itself when the rule is judged (``rule:NAME`` in ``handled``): an
answer's status checked, an obligation met or fallen due. The others are judged where they stand:
a handler that can reach them judges them."""
RULE_NAME = re.compile(r"^[A-Z][A-Za-z0-9]+$")


def _callee(node: ast.Call) -> str | None:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


def _names(node) -> set[str]:
    """The rule names an expression can be: a literal, either branch of ``a if c else b``, or an
    f-string over a transfer kind (``f"{kind.prefix}StatusOutOfOrder"``, model/firmware.py)."""
    if isinstance(node, ast.Constant):
        return {node.value} if isinstance(node.value, str) and RULE_NAME.match(node.value) else set()
    if isinstance(node, ast.IfExp):
        return _names(node.body) | _names(node.orelse)
    if isinstance(node, ast.JoinedStr):
        from model.firmware import KINDS

        return {"".join(str(getattr(kind, p.value.attr)) if isinstance(p, ast.FormattedValue) else p.value
                        for p in node.values) for kind in KINDS.values()
                if all(isinstance(p, ast.Constant) or isinstance(p.value, ast.Attribute) for p in node.values)}
    return set()


def _section(node) -> str:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""


def _rules_in(node) -> list[tuple[str, str]]:
    """(rule, section) named by one node: a call that carries a rule, ``rule = ...``, or a
    ("Rule", "what went wrong") pair of a table."""
    if isinstance(node, ast.Call) and _callee(node) in RULE_CARRIERS:
        index, args = RULE_CARRIERS[_callee(node)], node.args
        if len(args) > index:
            section = _section(args[index + 1]) if len(args) > index + 1 else ""
            return [(rule, section) for rule in _names(args[index])]
    if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "rule" for t in node.targets):
        return [(rule, "") for rule in _names(node.value)]
    if isinstance(node, ast.Tuple) and len(node.elts) >= 2 and isinstance(node.elts[1], ast.Constant):
        detail = node.elts[1].value
        if isinstance(detail, str) and " " in detail and not re.fullmatch(r"[A-Z0-9 ]+", detail):
            return [(rule, _section(node.elts[1]) if detail.startswith("OCPP") else "")
                    for rule in _names(node.elts[0])]
    return []


@functools.cache
def _index() -> tuple[dict[str, str], dict[str, set[str]], dict[str, set[str]]]:
    """(rule -> section, function or table name -> rules it names itself, -> names it uses)."""
    sections: dict[str, str] = {}
    raises: dict[str, set[str]] = {}
    uses: dict[str, set[str]] = {}
    for path in sorted(Path(inspect.getfile(model)).parent.glob("*.py")):
        for scope in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = scope.name
            elif isinstance(scope, ast.Assign) and len(scope.targets) == 1 and isinstance(scope.targets[0], ast.Name):
                name = scope.targets[0].id
            else:
                continue
            for node in ast.walk(scope):
                for rule, section in _rules_in(node):
                    if not (isinstance(node, ast.Call) and _callee(node) in RECORDED):
                        raises.setdefault(name, set()).add(rule)
                    sections[rule] = sections.get(rule) or section
                if isinstance(node, ast.Call) and _callee(node):
                    uses.setdefault(name, set()).add(_callee(node))
                elif isinstance(node, ast.Name) and node.id.isupper():
                    uses.setdefault(name, set()).add(node.id)
    return sections, raises, uses


def known_rules() -> dict[str, str]:
    """Every rule the model can raise, with the section it cites ("" where it is computed)."""
    return dict(sorted(_index()[0].items()))


@functools.cache
def rules_of(handler: str) -> frozenset[str]:
    """The rules ``handler`` can raise, itself or through what it calls (by name, so an
    overridden method counts every override: the mixins chain them with ``super()``)."""
    _, raises, calls = _index()
    seen, todo, found = {handler}, [handler], set()
    while todo:
        name = todo.pop()
        found |= raises.get(name, set())
        for callee in calls.get(name, ()):
            if callee not in seen and (callee in raises or callee in calls):
                seen.add(callee)
                todo.append(callee)
    return frozenset(found)


def judged(handled) -> frozenset[str]:
    """The rules judged by the handlers that ran; ``rule:NAME`` is an obligation that was met or
    fell due (the message the Charge Point owed came, or its time ran out)."""
    found: set[str] = set()
    for name in handled:
        if name.startswith("message:"):
            continue
        found |= {name[5:]} if name.startswith("rule:") else rules_of(name)
    return frozenset(found - {""})


def messages(handled) -> frozenset[str]:
    """The messages seen (``Authorize.req``, ``Reset.conf``): their fields were judged by the schemas."""
    return frozenset(name[8:] for name in handled if name.startswith("message:"))
