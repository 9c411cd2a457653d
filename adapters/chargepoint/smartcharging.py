"""The Smart Charging (OCPP 1.6 §3.13, §5.5, §5.7, §5.16) profile of the bundled charge point.

Active when SupportedFeatureProfiles lists SmartCharging; otherwise every
operation of the profile is refused (:func:`.unsupported.refuse`).

Installed profiles live in the store (errata 3.37: persistent across reboots)
as entries ``{"connectorId", "profile", "transaction", "pendingTag"}``:
``transaction`` is the charge point's number of the transaction a TxProfile
belongs to, ``pendingTag`` the idTag of the RemoteStartTransaction whose
TxProfile waits for its transaction (§5.16.2). A TxProfile is deleted once
its transaction is over (§3.13.1), a waiting one once its remote start gave
up. Choices: an invalid connectorId is a CALLERROR PropertyConstraintViolation
(errata 3.39); every other refusal is Rejected. A new profile replaces the
one with its chargingProfileId and the one with its stackLevel and purpose on
its connector (§3.13.2, §5.16.3). GetCompositeSchedule without a
chargingRateUnit answers in A. See :mod:`.composite` for the schedule.
"""

from __future__ import annotations

import re
from decimal import Decimal

from ocpp.exceptions import PropertyConstraintViolationError
from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from adapters.clock import iso

from .composite import Composer, Timeline, by_precedence
from .keys import Key, non_negative, split_csl
from .unsupported import refuse

PROFILE = "SmartCharging"
UNIT_KEYS = {"A": "Current", "W": "Power"}
PURPOSES = ("ChargePointMaxProfile", "TxDefaultProfile", "TxProfile")
KINDS = ("Absolute", "Recurring", "Relative")


def keys(settings) -> list[Key]:
    """This profile's configuration keys (§9.4), added to the key table when the profile is supported."""
    return [
        Key("ChargeProfileMaxStackLevel", "2", non_negative, read_only=True),
        Key("ChargingScheduleAllowedChargingRateUnit", "Current,Power", _units, read_only=True),
        Key("ChargingScheduleMaxPeriods", "5", non_negative, read_only=True),
        Key("MaxChargingProfilesInstalled", "3", non_negative, read_only=True),
    ]


def plain(value):
    """A request's JSON as stored: camelCase keys (§7.8) and floats (ocpp reads decimals)."""
    if isinstance(value, dict):
        return {re.sub(r"_([a-z])", lambda m: m.group(1).upper(), k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return float(value) if isinstance(value, Decimal) else value


def _units(value: str, _config=None) -> str | None:
    items = split_csl(value)
    return ",".join(items) if items and set(items) <= set(UNIT_KEYS.values()) else None


def well_formed(profile: dict) -> bool:
    """§7.8–§7.14 (errata 3.45, 3.56): known enumerations, first startPeriod 0, periods in order."""
    try:
        schedule = profile["chargingSchedule"]
        starts = [p["startPeriod"] for p in schedule["chargingSchedulePeriod"]]
        return (profile["chargingProfilePurpose"] in PURPOSES and profile["chargingProfileKind"] in KINDS
                and schedule["chargingRateUnit"] in UNIT_KEYS and profile["stackLevel"] >= 0
                and bool(starts) and starts[0] == 0 and starts == sorted(set(starts))
                and (profile["chargingProfileKind"] != "Recurring"
                     or profile.get("recurrencyKind") in ("Daily", "Weekly")))
    except (KeyError, TypeError):
        return False


class SmartCharging:
    """Mixed into :class:`.charge_point.ChargePoint`."""

    # ---- SetChargingProfile (§5.16)

    @on(Action.set_charging_profile, skip_schema_validation=True)
    def on_set_charging_profile(self, connector_id: int, cs_charging_profiles: dict, **_):
        if not self._supports(PROFILE):
            return refuse(Action.set_charging_profile)
        if not 0 <= connector_id < len(self.connectors):
            raise PropertyConstraintViolationError(description=f"no connector {connector_id} (errata 3.39)")
        profile = plain(cs_charging_profiles)
        status = self._profile_status(connector_id, profile)
        if status == "Accepted":
            transaction = self.connectors[connector_id].transaction
            tx_profile = profile["chargingProfilePurpose"] == "TxProfile" and transaction is not None
            number = transaction.number if tx_profile else None
            self._install({"connectorId": connector_id, "profile": profile, "transaction": number,
                           "pendingTag": None})
        return call_result.SetChargingProfile(status=status)

    def _profile_status(self, connector_id: int, profile: dict) -> str:
        purpose = profile.get("chargingProfilePurpose")
        if not well_formed(profile) or not self._within_limits(profile):
            return "Rejected"
        if purpose == "ChargePointMaxProfile" and connector_id != 0 or purpose == "TxProfile" and connector_id == 0:
            return "Rejected"  # §3.13.1
        if purpose == "TxProfile" and not self._tx_profile_target_ok(self.connectors[connector_id], profile):
            return "Rejected"
        entry = {"connectorId": connector_id, "profile": profile, "pendingTag": None}
        kept = [e for e in self._profiles() if not self._replaced_by(e, entry)]
        return "Accepted" if len(kept) < self.config.integer("MaxChargingProfilesInstalled") else "Rejected"

    def _within_limits(self, profile: dict) -> bool:
        """§9.4.1 ChargeProfileMaxStackLevel, §9.4.3 ChargingScheduleMaxPeriods, §9.4.2 (errata 3.86)."""
        schedule = profile["chargingSchedule"]
        return (profile["stackLevel"] <= self.config.integer("ChargeProfileMaxStackLevel")
                and len(schedule["chargingSchedulePeriod"]) <= self.config.integer("ChargingScheduleMaxPeriods")
                and UNIT_KEYS[schedule["chargingRateUnit"]]
                in self.config.items("ChargingScheduleAllowedChargingRateUnit"))

    def _tx_profile_target_ok(self, c, profile: dict) -> bool:
        """§3.13.1: a TxProfile needs a transaction on its connector; §5.16: with its transactionId, if given."""
        wanted = profile.get("transactionId")
        return c.transaction is not None and wanted in (None, c.transaction.transaction_id)

    @staticmethod
    def _replaced_by(old: dict, new: dict) -> bool:
        a, b = old["profile"], new["profile"]
        if a["chargingProfileId"] == b["chargingProfileId"]:
            return True
        same_place = old["connectorId"] == new["connectorId"] and old["pendingTag"] is None
        return same_place and (a["stackLevel"], a["chargingProfilePurpose"]) == (
            b["stackLevel"], b["chargingProfilePurpose"])

    def _install(self, entry: dict) -> None:
        entries = [e for e in self._profiles() if not self._replaced_by(e, entry)]
        self.store["charging_profiles"] = entries + [entry]
        self.store.save()

    def _profiles(self) -> list[dict]:
        """The installed profiles, without TxProfiles whose transaction is over (§3.13.1)."""
        entries = self.store.data.setdefault("charging_profiles", [])
        alive = [e for e in entries if self._alive(e)]
        if len(alive) != len(entries):
            self.store["charging_profiles"] = alive
            self.store.save()
        return alive

    def _alive(self, entry: dict) -> bool:
        c = self.connectors[entry["connectorId"]]
        if entry["pendingTag"] is not None:
            return c.transaction is None and c.pending_tag == entry["pendingTag"]
        if entry["transaction"] is not None:
            return self._tx_profile_alive(entry)
        return True

    def _tx_profile_alive(self, entry: dict) -> bool:
        transaction = self.connectors[entry["connectorId"]].transaction
        return transaction is not None and transaction.number == entry["transaction"]

    # ---- RemoteStartTransaction with a chargingProfile (§5.11, §5.16.2)

    def _remote_profile_accepted(self, c, id_tag: str, charging_profile: dict | None) -> bool:
        """Without Smart Charging the profile is ignored (§5.11); with it, only a TxProfile without
        transactionId (errata 3.41, OCTT TC_060_CS) within the limits waits for the transaction."""
        if charging_profile is None or not self._supports(PROFILE):
            return True
        profile = plain(charging_profile)
        if (not well_formed(profile) or profile["chargingProfilePurpose"] != "TxProfile"
                or "transactionId" in profile or not self._within_limits(profile)):
            return False
        entries = [e for e in self._profiles() if not (e["pendingTag"] and e["connectorId"] == c.id)]
        self.store["charging_profiles"] = entries + [
            {"connectorId": c.id, "profile": profile, "transaction": None, "pendingTag": id_tag}]
        self.store.save()
        return True

    def _start_charging_profile(self, c, tx) -> None:
        """The TxProfile of the remote start that began ``tx`` now belongs to it (§5.16.2)."""
        entries = self.store.data.setdefault("charging_profiles", [])
        waiting = [e for e in entries if e["pendingTag"] == tx.id_tag and e["connectorId"] == c.id]
        if not waiting:
            return
        entry = {**waiting[0], "pendingTag": None, "transaction": tx.number}
        self.store["charging_profiles"] = [e for e in entries if e is not waiting[0]]
        self._install(entry)

    # ---- ClearChargingProfile (§5.5)

    @on(Action.clear_charging_profile, skip_schema_validation=True)
    def on_clear_charging_profile(self, id: int | None = None, connector_id: int | None = None,
                                  charging_profile_purpose: str | None = None, stack_level: int | None = None, **_):
        if not self._supports(PROFILE):
            return refuse(Action.clear_charging_profile)
        criteria = {"id": id, "connectorId": connector_id, "chargingProfilePurpose": charging_profile_purpose,
                    "stackLevel": stack_level}
        entries = self._profiles()
        kept = [e for e in entries if not self._clear_matches(e, criteria)]
        self.store["charging_profiles"] = kept
        self.store.save()
        return call_result.ClearChargingProfile(status="Accepted" if len(kept) < len(entries) else "Unknown")

    def _clear_matches(self, entry: dict, criteria: dict) -> bool:
        """Errata 3.25/3.26: the id alone when given, else all given fields (logical AND)."""
        profile = entry["profile"]
        if criteria["id"] is not None:
            return profile["chargingProfileId"] == criteria["id"]
        return all(wanted is None or wanted == actual for wanted, actual in (
            (criteria["connectorId"], entry["connectorId"]),
            (criteria["chargingProfilePurpose"], profile["chargingProfilePurpose"]),
            (criteria["stackLevel"], profile["stackLevel"])))

    # ---- GetCompositeSchedule (§5.7)

    @on(Action.get_composite_schedule, skip_schema_validation=True)
    def on_get_composite_schedule(self, connector_id: int, duration: int, charging_rate_unit: str | None = None,
                                  **_):
        if not self._supports(PROFILE):
            return refuse(Action.get_composite_schedule)
        if charging_rate_unit not in (None, *UNIT_KEYS):
            raise PropertyConstraintViolationError(description="chargingRateUnit is A or W (errata 3.24)")
        unit = charging_rate_unit or "A"
        allowed = UNIT_KEYS[unit] in self.config.items("ChargingScheduleAllowedChargingRateUnit")
        if not 0 <= connector_id < len(self.connectors) or not allowed:
            return call_result.GetCompositeSchedule(status="Rejected")
        now = self.clock.now()
        periods = self._composer(connector_id, unit).periods(now, duration)
        return call_result.GetCompositeSchedule(
            status="Accepted", connector_id=connector_id, schedule_start=iso(now),
            charging_schedule={"duration": duration, "chargingRateUnit": unit, "chargingSchedulePeriod": periods})

    def _composer(self, connector_id: int, unit: str) -> Composer:
        transaction = self.connectors[connector_id].transaction if connector_id else None
        anchor = transaction.start_time if transaction is not None else self.clock.now()

        def timelines(purpose: str, connectors: tuple[int, ...]) -> list[Timeline]:
            return [Timeline(e["profile"], anchor, e["connectorId"] != 0) for e in self._profiles() if e["pendingTag"] is None
                    and e["profile"]["chargingProfilePurpose"] == purpose and e["connectorId"] in connectors]

        maximum = self._max_timelines(timelines("ChargePointMaxProfile", (0,)))
        own = (connector_id,) if connector_id else ()
        return Composer(maximum, timelines("TxProfile", own), timelines("TxDefaultProfile", (0, *own)) if own else [],
                        unit, self.settings.voltage_v, self._local_limit(unit), self._rank)

    def _rank(self, timelines: list[Timeline]) -> list[Timeline]:
        return by_precedence(timelines)

    def _max_timelines(self, timelines: list[Timeline]) -> list[Timeline]:
        return timelines

    def _local_limit(self, unit: str) -> float:
        """What the charge point can deliver without any profile (its charging power)."""
        s = self.settings
        return s.charging_power_w if unit == "W" else round(s.charging_power_w / (s.voltage_v * s.phases), 1)
