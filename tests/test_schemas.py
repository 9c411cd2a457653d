"""The compiled schemas (adapters/schemas.py) never pass what jsonschema refuses.

Payloads are drawn from each OCPP 1.6 schema itself: mostly conforming, with now and then a wrong
type, a missing or unknown key, a value off its enum, a string too long, a bad dateTime, a number
that is not a multiple of 0.1. Where the compiled code says a payload conforms, jsonschema (the
endpoint's own, with its date-time check; and the ``ocpp`` package's, without) must agree.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ocpp.messages import get_validator

from adapters import csms, schemas
from adapters.chargepoint import validation

SCHEMAS = sorted(path.stem for path in schemas.SCHEMA_DIR.glob("*.json"))
DATES = ("2025-01-01T00:00:00Z", "2025-01-01T00:00:00.123+02:00", "2025-02-30T00:00:00Z", "2025-01-01",
         "yesterday", "2025-01-01T00:00:00")
JUNK = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False), st.text(max_size=3),
                 st.just([]), st.just({}))


def from_schema(schema: dict) -> st.SearchStrategy:
    """Values for ``schema``, mostly conforming: one value in twenty is junk."""
    if not schema:
        return JUNK
    conforming = _conforming(schema)
    return st.integers(0, 19).flatmap(lambda n: JUNK if n == 0 else conforming)


def _conforming(schema: dict) -> st.SearchStrategy:
    kind = schema.get("type")
    if "enum" in schema:
        return st.sampled_from(schema["enum"] + ["NotInTheEnum"])
    if kind == "object":
        return _object(schema)
    if kind == "array":
        items = from_schema(schema.get("items", {}))
        return st.lists(items, min_size=max(schema.get("minItems", 0) - 1, 0),
                        max_size=schema.get("maxItems", 3) + 1)
    if kind == "string":
        if schema.get("format") == "date-time":
            return st.sampled_from(DATES)
        return st.text(max_size=schema.get("maxLength", 10) + 1)
    if kind == "integer":
        return st.one_of(st.integers(-5, 100), st.just(1.0))
    if kind == "number":
        tenths = st.integers(-1000, 1000).map(lambda n: n / 10)
        return st.one_of(tenths, st.floats(allow_nan=False, allow_infinity=False), st.just(1e308))
    if kind == "boolean":
        return st.booleans()
    return JUNK


def _object(schema: dict) -> st.SearchStrategy:
    properties = schema.get("properties", {})
    required = set(schema.get("required", ()))
    names = sorted(properties)

    @st.composite
    def draw(draw):
        keep = draw(st.lists(st.sampled_from(names), unique=True)) if names else []
        chosen = [name for name in names if name in required or name in keep]
        if chosen and draw(st.integers(0, 19)) == 0:
            chosen.remove(draw(st.sampled_from(chosen)))
        value = {name: draw(from_schema(properties[name])) for name in chosen}
        if draw(st.integers(0, 19)) == 0:
            value["unknownKey"] = 1
        return value

    return draw()


def jsonschema_refuses(name: str, payload) -> bool:
    """The endpoint's jsonschema validation alone (adapters/csms.py without the compiled gate)."""
    if name in csms._DECIMAL_SCHEMAS:
        payload = json.loads(json.dumps(payload), parse_float=Decimal)
    return next(iter(csms._validator(name).iter_errors(payload)), None) is not None


@pytest.mark.parametrize("name", SCHEMAS)
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_compiled_schema_never_passes_what_jsonschema_refuses(name, data):
    payload = data.draw(from_schema(schemas.document(name)))
    if schemas.conforms(name, payload, date_time=csms._is_date_time):
        assert not jsonschema_refuses(name, payload), payload
    if name not in csms._DECIMAL_SCHEMAS and schemas.conforms(name, payload):  # the charge point's check
        assert not list(get_validator(2, name, "1.6").iter_errors(payload)), payload


def test_conforming_payloads_take_the_fast_path():
    boot = {"chargePointVendor": "V", "chargePointModel": "M"}
    status = {"connectorId": 1, "errorCode": "NoError", "status": "Available", "timestamp": DATES[1]}
    assert schemas.conforms("BootNotification", boot)
    assert schemas.conforms("StatusNotification", status, date_time=csms._is_date_time)
    assert not schemas.conforms("StatusNotification", {**status, "timestamp": "yesterday"},
                                date_time=csms._is_date_time)
    assert schemas.conforms("StatusNotification", {**status, "timestamp": "yesterday"})  # as ocpp: no formats


def test_a_refused_payload_keeps_its_precise_error():
    assert csms.schema_violation("StatusNotification", {"connectorId": "1", "errorCode": "NoError",
                                                        "status": "Available"}) == (
        "TypeConstraintViolation", "at connectorId: '1' is not of type 'integer'")


@pytest.mark.parametrize("name", sorted(csms._DECIMAL_SCHEMAS))
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_decimal_fast_path_never_passes_what_jsonschema_refuses(name, data):
    """The schemas with ``multipleOf`` 0.1 (read as decimals): the compiled check without ``multipleOf``
    plus ``multipleOf`` on the decimals passes only what jsonschema passes (the endpoint's, with its
    date-time check; the charge point's; and ``ocpp``'s on decimals), and gives the decimals ``ocpp``
    reads."""
    payload = data.draw(from_schema(schemas.document(name)))
    decimals = schemas.conforms_as_decimals(name, payload, date_time=csms._is_date_time)
    if decimals is not None:
        assert not jsonschema_refuses(name, payload), payload
        assert decimals == json.loads(json.dumps(payload), parse_float=Decimal)
        if name in validation.DECIMALS:
            assert validation.refusal(name, payload) is None, payload
            assert not list(get_validator(2, name, "1.6", parse_float=Decimal).iter_errors(decimals)), payload


def test_decimal_fast_path_takes_tenths_and_leaves_the_rest_to_jsonschema():
    def profile(limit):
        return {"connectorId": 1, "csChargingProfiles": {
            "chargingProfileId": 1, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Absolute", "chargingSchedule": {
                "chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}]}}}

    fast = schemas.conforms_as_decimals("SetChargingProfile", profile(21.4))
    assert fast["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == Decimal("21.4")
    assert schemas.conforms_as_decimals("SetChargingProfile", profile(4.11)) is None
    assert csms.schema_violation("SetChargingProfile", profile(4.11))[0] == "PropertyConstraintViolation"
    assert csms.schema_violation("SetChargingProfile", profile(21.4)) is None
