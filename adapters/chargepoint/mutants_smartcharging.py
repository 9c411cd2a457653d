"""Injected bugs of the Smart Charging (OCPP 1.6 §3.13, §5.5, §5.7, §5.16) profile (see :mod:`.mutants`).

The minimal traces assume SupportedFeatureProfiles lists SmartCharging.
"""

from __future__ import annotations

from .charge_point import ChargePoint

ACCEPT_A = {"op": "SetIdTag", "idTag": "A", "status": "Accepted"}
CHARGING = [ACCEPT_A, {"op": "PlugIn", "connectorId": 1}, {"op": "PresentIdTag", "connectorId": 1, "idTag": "A"}]
START = "2025-01-01T00:00:00Z"


def profile(profile_id: int, purpose: str, limit: float, stack: int = 0, **extra) -> dict:
    schedule = {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
                "duration": 300, "startSchedule": START}
    return {"chargingProfileId": profile_id, "stackLevel": stack, "chargingProfilePurpose": purpose,
            "chargingProfileKind": "Absolute", "chargingSchedule": schedule, **extra}


def set_profile(connector: int, **kw) -> dict:
    return {"op": "SetChargingProfile", "connectorId": connector, "csChargingProfiles": profile(**kw)}


def composite(connector: int = 1) -> dict:
    return {"op": "GetCompositeSchedule", "connectorId": connector, "duration": 60, "chargingRateUnit": "A"}


class CompositeScheduleIgnoresStackLevel(ChargePoint):
    """§3.13.2, OCTT TC_072_CS: the prevailing profile is the one with the highest stackLevel; this
    one takes the lowest, so GetCompositeSchedule reports the wrong limit (CompositeScheduleMismatch)."""

    minimal_trace = [set_profile(1, profile_id=1, purpose="TxDefaultProfile", limit=6.0),
                     set_profile(1, profile_id=2, purpose="TxDefaultProfile", limit=8.0, stack=1), composite()]

    def _rank(self, timelines):
        return sorted(timelines, key=lambda tl: tl.stack_level)


class TxProfileAcceptedWithoutTransaction(ChargePoint):
    """§3.13.1, §5.16.4, OCTT TC_058_1_CS: a TxProfile without a transaction on its connector must be
    Rejected; this one accepts it (TxProfileWithoutTransaction)."""

    minimal_trace = [set_profile(1, profile_id=1, purpose="TxProfile", limit=6.0)]

    def _tx_profile_target_ok(self, c, profile) -> bool:
        return True


class ChargePointMaxProfileCapIgnored(ChargePoint):
    """§3.13.3, OCTT TC_066_CS: the ChargePointMaxProfile caps every connector's Composite Schedule;
    this one leaves it out (CompositeScheduleMismatch)."""

    minimal_trace = [set_profile(0, profile_id=1, purpose="ChargePointMaxProfile", limit=10.0), composite()]

    def _max_timelines(self, timelines):
        return []


class ClearChargingProfileIgnoresStackLevel(ChargePoint):
    """§5.5, errata 3.25, OCTT TC_067_CS: ClearChargingProfile clears the profiles matching ALL given
    fields; this one ignores stackLevel, so it clears (and says Accepted) where nothing matches
    (ClearChargingProfileStatus)."""

    minimal_trace = [set_profile(1, profile_id=1, purpose="TxDefaultProfile", limit=6.0),
                     {"op": "ClearChargingProfile", "stackLevel": 1}]

    def _clear_matches(self, entry, criteria) -> bool:
        return super()._clear_matches(entry, {**criteria, "stackLevel": None})


class TxProfileKeptAfterTransaction(ChargePoint):
    """§3.13.1, §7.10: a TxProfile ceases to be valid when its transaction ends; this one keeps
    applying it afterwards (CompositeScheduleMismatch)."""

    minimal_trace = [set_profile(1, profile_id=1, purpose="TxDefaultProfile", limit=8.0), *CHARGING,
                     set_profile(1, profile_id=2, purpose="TxProfile", limit=6.0),
                     {"op": "PresentIdTag", "connectorId": 1, "idTag": "A"}, composite()]

    def _tx_profile_alive(self, entry) -> bool:
        return True


class RemoteStartChargingProfileIgnored(ChargePoint):
    """§5.11, §5.16.2, OCTT TC_059_CS: the TxProfile of an accepted RemoteStartTransaction applies to
    the transaction it starts; this one accepts it and never uses it (CompositeScheduleMismatch)."""

    minimal_trace = [ACCEPT_A, {"op": "PlugIn", "connectorId": 1},
                     {"op": "RemoteStartTransaction", "connectorId": 1, "idTag": "A",
                      "chargingProfile": profile(9, "TxProfile", 6.0)}, composite()]

    def _start_charging_profile(self, c, tx) -> None:
        pass


class ChargingProfilesLostAtReboot(ChargePoint):
    """Errata v4.0 3.37 (§5.16; rule CompositeScheduleMismatch): "ChargingProfiles set via SetChargingProfile.req
    SHALL be persistent across reboots/power cycles"; this one forgets them when it boots (a SHALL, unlike the Local
    Authorization List's SHOULD, §3.5.2), so GetCompositeSchedule after a reboot has no limit."""

    minimal_trace = [set_profile(0, profile_id=1, purpose="ChargePointMaxProfile", limit=10.0),
                     {"op": "Reset", "type": "Soft"}, composite()]

    def _load(self):
        super()._load()
        self.store["charging_profiles"] = []


MUTANTS: tuple[type[ChargePoint], ...] = (
    CompositeScheduleIgnoresStackLevel, TxProfileAcceptedWithoutTransaction, ChargePointMaxProfileCapIgnored,
    ClearChargingProfileIgnoresStackLevel, TxProfileKeptAfterTransaction, RemoteStartChargingProfileIgnored,
    ChargingProfilesLostAtReboot,
)
