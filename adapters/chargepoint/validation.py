"""The bundled charge point's check of a Central System CALL: its OCPP 1.6 JSON schema, with the
date-time format (RFC 3339, OCPP-J 1.6 errata 3.6), refused with the CALLERROR of OCPP-J 1.6 Table 7
that names the fault.

``ocpp`` checks the schemas too, but checks no formats, and names an extra field or an invalid value
``FormatViolation``, which is OCPP 2.0's word: OCPP-J 1.6 says ``FormationViolation`` (errata 5.2).
"""

from __future__ import annotations

import functools
import json
from decimal import Decimal

from jsonschema import Draft4Validator, FormatChecker
from jsonschema.exceptions import best_match
from ocpp.exceptions import (FormationViolationError, OCPPError, OccurenceConstraintViolationError,
                             PropertyConstraintViolationError, ProtocolError, TypeConstraintViolationError)

from adapters import schemas
from vocabulary import dates

DECIMALS = frozenset({"SetChargingProfile", "RemoteStartTransaction"})
"""The CALLs whose schemas have ``multipleOf`` 0.1: their numbers are read as decimals."""
_FORMATS = FormatChecker(formats=())

REFUSALS: dict[str, type[OCPPError]] = {
    # the JSON schema keyword a payload breaks -> the Table 7 code that describes it
    "required": ProtocolError,  # "Payload for Action is incomplete"
    "type": TypeConstraintViolationError,  # "violates data type constraints"
    "maxLength": TypeConstraintViolationError,  # CiString20Type and its kin are data types (§7)
    "additionalProperties": FormationViolationError,  # "not conform the PDU structure"
    "minItems": OccurenceConstraintViolationError,
    "maxItems": OccurenceConstraintViolationError,
}
"""Everything else (enum, format, multipleOf, minimum) is an invalid value: PropertyConstraintViolation
(errata 3.24, 3.25 name it for enumerations)."""


@_FORMATS.checks("date-time")
def _date_time(value) -> bool:
    return not isinstance(value, str) or dates.seconds(value) is not None


@functools.cache
def _validator(action: str) -> Draft4Validator:
    return Draft4Validator(schemas.document(action, decimals=action in DECIMALS), format_checker=_FORMATS)


def conforms(action: str, payload) -> bool:
    """The quick look: True only when ``payload`` fits the schema, date-times included."""
    return schemas.conforms(action, payload, date_time=_date_time)


def conforms_as_decimals(action: str, payload):
    """The quick look at a CALL of :data:`DECIMALS`: its payload with decimals (as ``ocpp`` reads it) when it
    fits the schema, date-times included; else None."""
    return schemas.conforms_as_decimals(action, payload, date_time=_date_time)


def refusal(action: str, payload) -> OCPPError | None:
    """The CALLERROR (as ``ocpp``'s exception) for a payload that breaks ``action``'s schema, or None."""
    if action in DECIMALS:
        payload = json.loads(json.dumps(payload), parse_float=Decimal)
    error = best_match(_validator(action).iter_errors(payload))
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path) or "(root)"
    return REFUSALS.get(error.validator, PropertyConstraintViolationError)(
        description=f"{action} at {where}: {error.message[:200]}")
