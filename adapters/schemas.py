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
