"""Rules of the Smart Charging profile (OCPP 1.6 §3.13, §5.5, §5.7, §5.16) for the state machine.

Profiles come from a few fixed templates (the first, a one-period
TxDefaultProfile starting now, is where shrinking goes); the machine draws
the connector, stackLevel (one above the bundled ChargeProfileMaxStackLevel
of 2 included), chargingProfileId, unit and the transactionId of a TxProfile.
Limits are in A; in W they are multiplied by 1000 as in the OCTT test cases.
Absolute date-times are computed from the model's virtual clock, so a trace
replays identically.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import rule

from ..preconditions import precondition

from vocabulary.dates import iso

# purpose, kind, periods (startPeriod, limit in A), duration, startSchedule offset, recurrencyKind, validity
TEMPLATES = (
    ("TxDefaultProfile", "Absolute", ((0, 6),), 300, 0, None, None),
    ("ChargePointMaxProfile", "Absolute", ((0, 10),), 86400, 0, None, None),
    ("TxProfile", "Absolute", ((0, 8), (50, 16)), 260, 0, None, None),
    ("TxDefaultProfile", "Absolute", ((0, 7), (100, 9)), 150, -30, None, None),
    ("TxDefaultProfile", "Relative", ((0, 12), (60, 32)), None, None, None, None),
    ("TxProfile", "Relative", ((0, 6),), 60, None, None, None),
    ("ChargePointMaxProfile", "Recurring", ((0, 16), (3600, 8)), 7200, -600, "Daily", None),
    ("TxDefaultProfile", "Absolute", ((0, 20),), None, 0, None, (60, 600)),
    ("TxDefaultProfile", "Recurring", ((0, 6), (30, 10), (60, 8), (90, 12), (120, 14), (150, 16)), 86400, -60,
     "Weekly", None),
)
PROFILE_IDS = (1, 2, 3, 4)
REMOTE_PROFILE_ID = 9
"""Remote-start profiles have an id of their own: whether they replace an installed profile with the same id
before their transaction starts is left open by §5.16.2."""
PURPOSES = ("TxDefaultProfile", "ChargePointMaxProfile", "TxProfile")
AFTERWARDS = ("nothing", "composite", "stack another", "clear another stackLevel")
STACKED = 3
"""The template stacked on a profile of the same purpose, one stackLevel up (OCTT TC_072_CS)."""
SESSIONS = ("remote start only", "charge", "charge and stop")
CRITERIA = ("all", "id", "connectorId", "chargingProfilePurpose", "stackLevel", "purpose and stackLevel")
DURATIONS = (60, 3600, 86400)
UNKNOWN_TRANSACTION = 99999
STACK_LEVELS = (0, 1, 2) * 2 + (3,)
"""Mostly within the bundled ChargeProfileMaxStackLevel (2), sometimes above it."""
CONNECTORS = (None,) * 3 + (0, 1, 2)
"""Mostly the connector the purpose belongs on (None), sometimes any (§3.13.1 forbids some)."""


def charging_profile(template: int, profile_id: int, stack: int, unit: str, now: float) -> dict:
    """A ChargingProfile (§7.8) from ``TEMPLATES[template]``."""
    purpose, kind, periods, duration, offset, recurrency, validity = TEMPLATES[template]
    factor = 1000 if unit == "W" else 1
    schedule = {"chargingRateUnit": unit,
                "chargingSchedulePeriod": [{"startPeriod": s, "limit": float(limit * factor)} for s, limit in periods]}
    if duration is not None:
        schedule["duration"] = duration
    if offset is not None:
        schedule["startSchedule"] = iso(now + offset)
    profile = {"chargingProfileId": profile_id, "stackLevel": stack, "chargingProfilePurpose": purpose,
               "chargingProfileKind": kind, "chargingSchedule": schedule}
    if recurrency:
        profile["recurrencyKind"] = recurrency
    if validity:
        profile["validFrom"], profile["validTo"] = iso(now + validity[0]), iso(now + validity[1])
    return profile


class SmartChargingRules:
    """Mixed into the state machine; uses its ``do``, ``model``, ``can`` and ``connectors``."""

    def natural_connector(self, purpose: str, connector: int | None) -> int:
        if connector is not None:
            return connector
        return 0 if purpose == "ChargePointMaxProfile" else 1

    def transaction_id(self, connector: int, which: str) -> int | None:
        if which == "wrong":
            return UNKNOWN_TRANSACTION
        tx = self.connector(connector).tx if 1 <= connector <= self.connectors else None
        current = tx.transaction_id if tx is not None else None
        return current if which == "current" and current != -1 else None  # -1: errata 3.18, unknown to the CS

    @precondition(lambda self: self.online())
    @rule(template=st.integers(0, len(TEMPLATES) - 1), connector=st.sampled_from(CONNECTORS),
          stack=st.sampled_from(STACK_LEVELS), profile_id=st.sampled_from(PROFILE_IDS), unit=st.sampled_from(("A", "W")),
          which=st.sampled_from(("current", "none", "wrong")), then=st.sampled_from(AFTERWARDS))
    def set_charging_profile(self, template, connector, stack, profile_id, unit, which, then):
        """§5.16; then maybe GetCompositeSchedule of that connector, a second profile of its purpose one
        stackLevel up and the composite (OCTT TC_072_CS), or ClearChargingProfile of its purpose at the next
        stackLevel, which must leave it alone (errata 3.25, OCTT TC_067_CS step 5)."""
        profile = charging_profile(template, profile_id, stack, unit, self.model.time)
        connector = self.natural_connector(profile["chargingProfilePurpose"], connector)
        if profile["chargingProfilePurpose"] == "TxProfile":
            transaction_id = self.transaction_id(connector, which)
            if transaction_id is not None:
                profile["transactionId"] = transaction_id
        self.do({"op": "SetChargingProfile", "connectorId": connector, "csChargingProfiles": profile})
        if then == "composite":
            self.do({"op": "GetCompositeSchedule", "connectorId": connector, "duration": 3600,
                     "chargingRateUnit": unit})
        elif then == "stack another":
            above = charging_profile(STACKED, profile_id % len(PROFILE_IDS) + 1, (stack + 1) % 3, unit, self.model.time)
            above["chargingProfilePurpose"] = profile["chargingProfilePurpose"]
            self.do({"op": "SetChargingProfile", "connectorId": connector, "csChargingProfiles": above})
            self.do({"op": "GetCompositeSchedule", "connectorId": connector, "duration": 3600,
                     "chargingRateUnit": unit})
        elif then == "clear another stackLevel":
            self.do({"op": "ClearChargingProfile", "chargingProfilePurpose": profile["chargingProfilePurpose"],
                     "stackLevel": (stack + 1) % 3})

    @precondition(lambda self: self.online())
    @rule(criterion=st.sampled_from(CRITERIA), profile_id=st.sampled_from(PROFILE_IDS),
          connector=st.integers(0, 2), purpose=st.sampled_from(PURPOSES), stack=st.integers(0, 2),
          then_get=st.booleans())
    def clear_charging_profile(self, criterion, profile_id, connector, purpose, stack, then_get):
        """§5.5 with errata 3.25: by id, or by the AND of the given fields, or all."""
        fields = {"all": {}, "id": {"id": profile_id}, "connectorId": {"connectorId": connector},
                  "chargingProfilePurpose": {"chargingProfilePurpose": purpose}, "stackLevel": {"stackLevel": stack},
                  "purpose and stackLevel": {"chargingProfilePurpose": purpose, "stackLevel": stack}}[criterion]
        self.do({"op": "ClearChargingProfile", **fields})
        if then_get:
            self.do({"op": "GetCompositeSchedule", "connectorId": 1, "duration": 3600})

    @precondition(lambda self: self.online())
    @rule(connector=st.sampled_from((1, 0, 2, 3)), duration=st.sampled_from(DURATIONS),
          unit=st.sampled_from((None, "A", "W")))
    def get_composite_schedule(self, connector, duration, unit):
        step = {"op": "GetCompositeSchedule", "connectorId": connector, "duration": duration}
        if unit is not None:
            step["chargingRateUnit"] = unit
        self.do(step)

    @precondition(lambda self: self.online())
    @rule(c=st.integers(1, 2), tag=st.sampled_from(("TAG1", "TAG2", "TAG3")),
          template=st.sampled_from((5, 2, 0)), stack=st.sampled_from(STACK_LEVELS), unit=st.sampled_from(("A", "W")),
          session=st.sampled_from(SESSIONS))
    def remote_start_with_profile(self, c, tag, template, stack, unit, session):
        """§5.11, §5.16.2: a TxProfile (or, refused, another purpose) for the transaction to start. A
        charging ``session`` also accepts the idTag, plugs in and asks the composite (OCTT TC_059_CS); one
        that stops presents the idTag again and asks once more (§3.13.1: the TxProfile ended with it)."""
        if c > self.connectors:
            return
        charge = session != "remote start only" and self.can("PlugIn") and self.can("SetIdTag")
        if charge and self.model.policy_for(tag)[0] != "Accepted":
            self.do({"op": "SetIdTag", "idTag": tag, "status": "Accepted"})
        profile = charging_profile(template, REMOTE_PROFILE_ID, stack, unit, self.model.time)
        self.do({"op": "RemoteStartTransaction", "connectorId": c, "idTag": tag, "chargingProfile": profile})
        if not charge:
            return
        steps = [] if self.connector(c).plugged else [{"op": "PlugIn", "connectorId": c}]
        get = {"op": "GetCompositeSchedule", "connectorId": c, "duration": 3600, "chargingRateUnit": unit}
        steps.append(get)
        if session == "charge and stop" and self.can("PresentIdTag"):
            steps += [{"op": "PresentIdTag", "connectorId": c, "idTag": tag}, get]
        for step in steps:
            if self.model.powered and (step["op"] != "GetCompositeSchedule" or self.online()):
                self.do(step)
