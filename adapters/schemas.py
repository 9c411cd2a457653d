"""The OCPP 1.6 JSON schemas (shipped with the ``ocpp`` package), compiled once for a fast first look.

Validating every frame with ``jsonschema`` costs tens of microseconds, most of it spent on payloads
that conform. :func:`conforms` runs the schema compiled to Python by ``fastjsonschema`` (a few
microseconds) and is used only as a gate: when it says a payload conforms, it does; when it says it
does not, the caller asks ``jsonschema`` for the precise error (which has the last word: the
compiled code may refuse what ``jsonschema`` accepts, e.g. a float too large to divide, never the
other way round; tests/test_schemas.py compares the two).
"""

from __future__ import annotations

import functools
import json
import numbers
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import fastjsonschema
import ocpp.v16

SCHEMA_DIR = Path(ocpp.v16.__file__).parent / "schemas"
_ANY = {"uri": lambda value: True}
"""The formats ``jsonschema`` does not check here (its FormatChecker knows only date-time)."""


@functools.cache
def document(schema: str, decimals: bool = False) -> dict:
    """The schema ``<schema>.json``; ``decimals``: its numbers as :class:`Decimal` (multipleOf 0.1)."""
    with open(SCHEMA_DIR / f"{schema}.json", encoding="utf-8-sig") as file:
        return json.load(file, parse_float=Decimal if decimals else float)


@functools.cache
def _compiled(schema: str, date_time: Callable[[Any], bool] | None) -> Callable[[Any], Any]:
    formats = {**_ANY, "date-time": date_time} if date_time is not None else {}
    return fastjsonschema.compile(document(schema), formats=formats, use_default=False,
                                  use_formats=date_time is not None, detailed_exceptions=False)


def conforms(schema: str, payload: Any, date_time: Callable[[Any], bool] | None = None) -> bool:
    """True only if ``payload`` conforms to ``<schema>.json``; ``date_time`` checks the date-time
    format (None: formats are not checked, as ``ocpp`` does)."""
    try:
        _compiled(schema, date_time)(payload)
    except Exception:  # a refusal, or data the compiled code did not expect: jsonschema decides
        return False
    return True


_UNWALKED = frozenset({"allOf", "anyOf", "oneOf", "not", "$ref", "patternProperties", "dependencies"})
"""Keywords :func:`_multiples` does not follow (none is in the OCPP 1.6 schemas): a schema with one
never takes the decimal fast path."""


def _without_multiple_of(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _without_multiple_of(value) for key, value in node.items() if key != "multipleOf"}
    if isinstance(node, list):
        return [_without_multiple_of(value) for value in node]
    return node


@functools.cache
def _compiled_without_multiples(schema: str, date_time: Callable[[Any], bool] | None) -> Callable[[Any], Any] | None:
    document_ = document(schema, decimals=True)
    if _unwalked(document_):
        return None
    formats = {**_ANY, "date-time": date_time} if date_time is not None else {}
    return fastjsonschema.compile(_without_multiple_of(document(schema)), formats=formats, use_default=False,
                                  use_formats=date_time is not None, detailed_exceptions=False)


def _unwalked(node: Any) -> bool:
    if isinstance(node, dict):
        if _UNWALKED & node.keys() or isinstance(node.get("items"), list) or isinstance(
                node.get("additionalProperties"), dict):
            return True
        return any(_unwalked(value) for value in node.values())
    return isinstance(node, list) and any(_unwalked(value) for value in node)


def _multiples(node: dict, data: Any) -> bool:
    """``data`` (numbers as Decimal) meets every ``multipleOf`` of ``node``, as jsonschema checks it on
    decimals (``instance % multipleOf`` is zero)."""
    if "multipleOf" in node and isinstance(data, numbers.Number) and not isinstance(data, bool):
        if data % node["multipleOf"]:
            return False
    properties = node.get("properties")
    if properties and isinstance(data, dict):
        for key, value in data.items():
            if key in properties and not _multiples(properties[key], value):
                return False
    items = node.get("items")
    if isinstance(items, dict) and isinstance(data, list):
        return all(_multiples(items, value) for value in data)
    return True


def decimal_payload(payload: Any) -> Any:
    """``payload`` with its numbers read as decimals, as ``ocpp`` and the endpoint read a payload of a schema
    with ``multipleOf`` 0.1 (a binary float is rarely a multiple of 0.1)."""
    return json.loads(json.dumps(payload), parse_float=Decimal)


def conforms_as_decimals(schema: str, payload: Any, date_time: Callable[[Any], bool] | None = None) -> Any:
    """For a schema with ``multipleOf`` (read as decimals): ``decimal_payload(payload)`` when it conforms,
    else None, quickly: the compiled schema without ``multipleOf`` on ``payload``, then ``multipleOf`` on
    the decimals as jsonschema checks it. None also when unsure: jsonschema decides (tests/test_schemas.py)."""
    check = _compiled_without_multiples(schema, date_time)
    if check is None:
        return None
    try:
        check(payload)
        decimals = decimal_payload(payload)
        return decimals if _multiples(document(schema, decimals=True), decimals) else None
    except Exception:  # data the compiled code or the decimals did not expect: jsonschema decides
        return None
