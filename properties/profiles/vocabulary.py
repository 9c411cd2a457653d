"""Rules that cover the vocabulary (issue 13): every §9 configuration key with valid, boundary and invalid
values, the optional fields of Central System CALLs the other rules leave out, and times exactly on a
boundary.

Values are small fixed choices, valid first, so a failing example shrinks to the plainest value that
still fails. The model (model/configuration.py) judges every answer: an invalid value may be Rejected
or refused with a CALLERROR (OCTT TC_040_2), never Accepted.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import rule

from ..preconditions import precondition

from model.configuration import KEYS, KeySpec, supported_profiles

from vocabulary.dates import iso

KINDS_OF_VALUE = ("valid", "boundary", "invalid")

RARE_INTERVALS = frozenset({"MeterValueSampleInterval", "ClockAlignedDataInterval", "HeartbeatInterval",
                            "WebSocketPingInterval"})
"""Intervals whose smallest valid values would flood every AdvanceTime with messages: their boundary is
0 (off), not 1 s."""


def values_of(spec: KeySpec) -> dict[str, tuple[str, ...]]:
    """A few values of ``spec``'s type (§9, §7.29): valid ones, those on a boundary, invalid ones."""
    if spec.type == "boolean":
        return {"valid": ("true", "false"), "boundary": ("True", "FALSE"), "invalid": ("yes", "1", "")}
    if spec.type == "integer":
        return _integers(spec)
    if spec.type == "CSL":
        items = spec.allowed or ("Energy.Active.Import.Register", "Current.Import", "Voltage.L1")
        return {"valid": (items[0], ",".join(items[:2])), "boundary": ("", ",".join(items)),
                "invalid": ("NoSuchItem", f"{items[0]},NoSuchItem")}
    return {"valid": ("0123456789abcdef",), "boundary": ("", "x" * 500),  # CiString500Type (§6.9)
            "invalid": ("x" * 500,)}


def _integers(spec: KeySpec) -> dict[str, tuple[str, ...]]:
    low = spec.minimum if spec.minimum is not None else 0
    typical = {"seconds": "60", "%": "50"}.get(spec.unit, "3")
    boundary = (str(low),) if spec.name in RARE_INTERVALS else (str(low), str(low + 1))
    if spec.maximum is not None:
        boundary += (str(spec.maximum),)
    invalid = (str(low - 1), "1.5", "soon")
    if spec.maximum is not None:
        invalid += (str(spec.maximum + 1),)
    return {"valid": (typical,), "boundary": boundary, "invalid": invalid}


class VocabularyRules:
    """Mixed into the state machine; uses its ``do``, ``model``, ``online`` and ``connectors``."""

    @precondition(lambda self: self.online())
    @rule(spec=st.sampled_from(KEYS), kind=st.sampled_from(KINDS_OF_VALUE), pick=st.integers(0, 3))
    def change_any_configuration(self, spec, kind, pick):
        """ChangeConfiguration of any §9 key, including read-only ones (they must be Rejected, §5.3)."""
        values = values_of(spec)[kind]
        self.do({"op": "ChangeConfiguration", "key": spec.name, "value": values[pick % len(values)]})

    @precondition(lambda self: self.online())
    @rule(tag=st.sampled_from(("TAG1", "TAG2")))
    def remote_start_without_connector(self, tag):
        """§5.11: connectorId is optional; without it the Charge Point chooses the connector."""
        self.do({"op": "RemoteStartTransaction", "idTag": tag})

    @precondition(lambda self: self.online())
    @rule(message_id=st.sampled_from((None, "Ping")), data=st.sampled_from((None, "", "{\"a\": 1}")))
    def data_transfer_fields(self, message_id, data):
        """§5.6, §6.17: messageId and data are optional; an unknown vendorId is UnknownVendorId."""
        step = {"op": "DataTransfer", "vendorId": "com.example.unknown"}
        if message_id is not None:
            step["messageId"] = message_id
        if data is not None:
            step["data"] = data
        self.do(step)

    @precondition(lambda self: self.online() and "Reservation" in self.model_profiles())
    @rule(c=st.integers(0, 2), after=st.sampled_from((0, 1)))
    def reserve_until_exactly_now(self, c, after):
        """§5.13: a reservation whose expiryDate is now, or a second away, waited out to the second."""
        if c > self.connectors:
            return
        self.do({"op": "ReserveNow", "connectorId": c, "expiryDate": iso(self.model.time + after),
                 "idTag": "TAG1", "reservationId": 77})
        if self.can("AdvanceTime"):
            self.do({"op": "AdvanceTime", "seconds": 5})

    def model_profiles(self) -> frozenset[str]:
        return supported_profiles(self.model.config)
