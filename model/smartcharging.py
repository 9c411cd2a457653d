"""The rules of the Smart Charging (OCPP 1.6 §3.13, §5.5, §5.7, §5.16) profile.

This module must not import :mod:`model.state` or :mod:`model.core` at module
level: :mod:`model.state` imports this profile's state classes from here.

What the model accepts where the spec leaves a choice:

* A TxProfile whose transaction may have ended (or may have started unseen,
  §3.7.1) may be Accepted or Rejected; the model then no longer predicts the
  connector's Composite Schedule until that is settled.
* After its transaction a TxProfile ceased to be valid (§7.10) but SHOULD, not
  SHALL, be deleted (§3.13.1): ClearChargingProfile matching only such
  profiles may answer Accepted or Unknown (Accepted, a recommendation not
  followed: TxProfileNotDeletedAfterTransaction), and they may still count
  towards MaxChargingProfilesInstalled.
* A TxProfile given in RemoteStartTransaction (§5.16.2) waits for the
  transaction the remote start begins; a ClearChargingProfile meanwhile may or
  may not remove it. If the remote start gives up, a later transaction of the
  same idTag on that connector may or may not get it.
* Replacement (§3.13.2, §5.16.3): a new profile replaces the one with its
  chargingProfileId, and the one with its stackLevel and purpose on the same
  connector (§3.13.1: a connector's TxDefaultProfile does not replace connector
  0's).
* A limit of §9.4 (ChargeProfileMaxStackLevel, ChargingScheduleMaxPeriods,
  ChargingScheduleAllowedChargingRateUnit with errata 3.86,
  MaxChargingProfilesInstalled) is only applied once its value is known. A
  profile that breaks one, or that the spec forbids (a ChargePointMaxProfile
  not on connector 0, a TxProfile on connector 0 or without a transaction), is
  Rejected, or refused with a CALLERROR PropertyConstraintViolation (errata
  3.38, 3.39; OCTT TC_058_1_CS, TC_060_CS).
* GetCompositeSchedule for connector 0 may be Rejected (§5.7: "not able to
  report"); the composite itself follows :mod:`model.composite`.
"""

from __future__ import annotations

import attrs

from . import composite as comp
from .composite import ChargingProfile
from .records import evolve

PROFILE = "SmartCharging"
REFUSAL_ERRORS = ("PropertyConstraintViolation", "TypeConstraintViolation")
UNIT_NAMES = {"A": "Current", "W": "Power"}


@attrs.frozen(cache_hash=True)
class SmartChargingState:
    """The installed charging profiles, and when each connector's transaction started (Relative profiles)."""

    profiles: tuple[ChargingProfile, ...] = ()
    starts: tuple[tuple[int, float], ...] = ()
    local_limits: tuple[tuple[tuple[int, str], float], ...] = ()
    """The Charge Point's own limit per (connector, chargingRateUnit), as reported where no profile limits (§5.7)."""

    def start_of(self, connector_id: int) -> float | None:
        return next((t for c, t in self.starts if c == connector_id), None)


@attrs.frozen
class Expectation:
    allowed: frozenset[str]
    rule: str
    section: str
    refusable: bool = False
    """A CALLERROR PropertyConstraintViolation is as good as Rejected."""
    uncertain: bool = False


def _accept(uncertain: bool = False) -> Expectation:
    allowed = {"Accepted", "Rejected"} if uncertain else {"Accepted"}
    return Expectation(frozenset(allowed), "SetChargingProfileStatus", "OCPP 1.6 §5.16", uncertain=uncertain)


def _reject(rule: str, section: str, refusable: bool = False) -> Expectation:
    return Expectation(frozenset({"Rejected"}), rule, section, refusable)


class SmartChargingRules:
    """Mixed into :class:`model.judge.Judgement` before :class:`model.core.CoreRules`."""

    # -- state helpers -------------------------------------------------------------

    @property
    def charging(self) -> SmartChargingState:
        return self.state.smart_charging

    def set_charging(self, **changes) -> None:
        if any(getattr(self.charging, name) != value for name, value in changes.items()):
            self.state = evolve(self.state, smart_charging=evolve(self.charging, **changes))

    def set_profiles(self, profiles) -> None:
        self.set_charging(profiles=tuple(profiles))

    def known_int(self, key: str) -> int | None:
        from .configuration import value_of

        value = value_of(self.state.config, key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    # -- SetChargingProfile (§5.16) --------------------------------------------------

    def answer_SetChargingProfile(self, stimulus, payload) -> None:
        connector_id = stimulus.get("connectorId")
        profile = comp.parse_profile(connector_id, stimulus.get("csChargingProfiles"))
        expectation = self.set_profile_expectation(connector_id, profile)
        status = self.expect_status(stimulus, payload, set(expectation.allowed), expectation.rule, expectation.section)
        if status == "Accepted":
            self.install(self.bind_to_transaction(attrs.evolve(profile, uncertain=expectation.uncertain)))

    def set_profile_expectation(self, connector_id, profile: ChargingProfile | None) -> Expectation:
        if profile is None:
            return _reject("ChargingProfileMalformed", "OCPP 1.6 §7.8–§7.14, errata 3.38, 3.45, 3.56", True)
        wrong_place = ((profile.purpose == "ChargePointMaxProfile" and connector_id != 0)
                       or (profile.purpose == "TxProfile" and connector_id == 0))
        if not (connector_id == 0 or self.valid_connector(connector_id)) or wrong_place:
            return _reject("ChargingProfileConnector", "OCPP 1.6 §3.13.1, §6.43, errata 3.39", True)
        beyond = self.limit_problem(profile) or self.count_problem(profile)
        if beyond == "certain":
            return _reject("ChargingProfileLimitExceeded", "OCPP 1.6 §3.13.5, §9.4, errata 3.86")
        if profile.purpose == "TxProfile":
            return self.tx_profile_expectation(self.state.connector(connector_id), profile, beyond == "maybe")
        return _accept(beyond == "maybe")

    def limit_problem(self, profile: ChargingProfile) -> str | None:
        """§9.4.1 ChargeProfileMaxStackLevel, §9.4.3 ChargingScheduleMaxPeriods, §9.4.2 (errata 3.86)."""
        from .configuration import value_of

        max_stack = self.known_int("ChargeProfileMaxStackLevel")
        max_periods = self.known_int("ChargingScheduleMaxPeriods")
        units = value_of(self.state.config, "ChargingScheduleAllowedChargingRateUnit")
        if max_stack is not None and profile.stack_level > max_stack:
            return "certain"
        if max_periods is not None and len(profile.schedule.periods) > max_periods:
            return "certain"
        if isinstance(units, tuple) and UNIT_NAMES[profile.schedule.unit].lower() not in {u.lower() for u in units}:
            return "certain"
        return None

    def count_problem(self, profile: ChargingProfile) -> str | None:
        """§9.4.5 MaxChargingProfilesInstalled, counting the profiles that remain after replacement."""
        limit = self.known_int("MaxChargingProfilesInstalled")
        if limit is None:
            return None
        remaining = self.without_replaced(profile)
        certain = sum(1 for p in remaining if p.live and not p.uncertain) + 1
        if certain > limit:
            return "certain"
        return "maybe" if len(remaining) + 1 > limit else None

    def tx_profile_expectation(self, c, profile: ChargingProfile, maybe_full: bool) -> Expectation:
        """§3.13.1, §5.16.3–4: a TxProfile needs a transaction on its connector, and its transactionId."""
        unsure = self.hidden_tx(c) or self.may_be_over(c) or (c.tx is not None and c.tx.transaction_id is None)
        wanted = profile.transaction_id
        if c.tx is None and not unsure:
            return _reject("TxProfileWithoutTransaction", "OCPP 1.6 §3.13.1, §5.16.4, OCTT TC_058_1_CS", True)
        if c.tx is not None and None not in (wanted, c.tx.transaction_id) and wanted != c.tx.transaction_id:
            return _reject("TxProfileWrongTransactionId", "OCPP 1.6 §5.16, OCTT TC_058_2_CS")
        return _accept(unsure or maybe_full)

    def bind_to_transaction(self, profile: ChargingProfile) -> ChargingProfile:
        if profile.purpose != "TxProfile":
            return profile
        tx = self.state.connector(profile.connector).tx
        return attrs.evolve(profile, transaction_id=tx.transaction_id if tx else profile.transaction_id)

    def without_replaced(self, new: ChargingProfile) -> list[ChargingProfile]:
        """§3.13.2, §5.16.3: same chargingProfileId, or same stackLevel and purpose on the same connector."""
        return [p for p in self.charging.profiles
                if p.id != new.id and (p.pending is not None or (p.connector, p.stack_level, p.purpose)
                                       != (new.connector, new.stack_level, new.purpose))]

    def install(self, profile: ChargingProfile) -> None:
        self.set_profiles(self.without_replaced(profile) + [profile])

    # -- ClearChargingProfile (§5.5) --------------------------------------------------

    def answer_ClearChargingProfile(self, stimulus, payload) -> None:
        matched = [p for p in self.charging.profiles if self.clear_matches(p, stimulus)]
        certain = [p for p in matched if p.live and not p.uncertain and not self.stop_owed(p)]
        allowed = {"Accepted"} if certain else {"Accepted", "Unknown"} if matched else {"Unknown"}
        status = self.expect_status(stimulus, payload, allowed, "ClearChargingProfileStatus",
                                    "OCPP 1.6 §5.5, §7.21, errata 3.25, 3.26, OCTT TC_067_CS")
        if status == "Accepted":
            self.check_tx_profiles_deleted(matched)
        if status in ("Accepted", "Unknown"):
            kept = (self.after_clear(p, p in matched, status == "Accepted") for p in self.charging.profiles)
            self.set_profiles(p for p in kept if p is not None)

    def check_tx_profiles_deleted(self, matched: list[ChargingProfile]) -> None:
        """§3.13.1: "After the transaction is stopped, the profile SHOULD be deleted": ClearChargingProfile Accepted
        where it matched only TxProfiles whose transaction ended (the model sure of each) found one still there."""
        if matched and all(self.surely_over(p) for p in matched) and not self.state.options.leftovers:
            self.fail("TxProfileNotDeletedAfterTransaction", "OCPP 1.6 §3.13.1, §5.5",
                      f"ClearChargingProfile matching only the TxProfile(s) {', '.join(str(p.id) for p in matched)} of "
                      "transactions stopped was Accepted: the profile was not deleted after its transaction (SHOULD)")

    def surely_over(self, p: ChargingProfile) -> bool:
        """A TxProfile whose transaction ended, and no transaction runs on its connector, seen or not: a profile the
        model retired at a StartTransaction sent again (§3.7.1) is still its transaction's."""
        c = self.state.connector(p.connector) if p.connector else None
        return p.ended and not p.uncertain and c is not None and c.tx is None and not self.hidden_tx(c)

    def stop_owed(self, p: ChargingProfile) -> bool:
        """§7.10: a TxProfile ends with its transaction; one whose StopTransaction is owed (a power loss
        ended it, the message not sent yet) may be gone already."""
        return p.purpose == "TxProfile" and self.stop_owed_on(p.connector)

    @staticmethod
    def after_clear(p: ChargingProfile, matched: bool, accepted: bool) -> ChargingProfile | None:
        """A waiting remote-start profile may or may not be cleared; Unknown says the others were not there."""
        if not matched:
            return p
        if p.pending is not None:
            return attrs.evolve(p, uncertain=True) if accepted else p
        return None if accepted or not (p.live and not p.uncertain) else p

    @staticmethod
    def clear_matches(p: ChargingProfile, stimulus) -> bool:
        """Errata 3.25/3.26: id alone when given, else every given field (logical AND); none: all."""
        if stimulus.get("id") is not None:
            return p.id == stimulus.get("id")
        connector_id, purpose, stack = (stimulus.get("connectorId"), stimulus.get("chargingProfilePurpose"),
                                        stimulus.get("stackLevel"))
        return ((connector_id is None or p.connector in (connector_id, None))
                and (purpose is None or p.purpose == purpose)
                and (stack is None or p.stack_level == stack))

    # -- GetCompositeSchedule (§5.7) --------------------------------------------------

    def answer_GetCompositeSchedule(self, stimulus, payload) -> None:
        connector_id, unit = stimulus.get("connectorId"), stimulus.get("chargingRateUnit")
        if not (connector_id == 0 or self.valid_connector(connector_id)):
            self.expect_status(stimulus, payload, {"Rejected"}, "GetCompositeScheduleStatus", "OCPP 1.6 §5.7")
            return
        from .configuration import value_of

        units = value_of(self.state.config, "ChargingScheduleAllowedChargingRateUnit")
        unit_refused = isinstance(units, tuple) and unit is not None and \
            UNIT_NAMES.get(unit, unit).lower() not in {u.lower() for u in units}
        allowed = {"Accepted", "Rejected"} if connector_id == 0 or unit_refused or not self.has_schedule(connector_id) \
            else {"Accepted"}
        status = self.expect_status(stimulus, payload, allowed, "GetCompositeScheduleStatus",
                                    "OCPP 1.6 §5.7, OCTT TC_056_CS")
        if status == "Accepted":
            self.check_composite(stimulus, payload)

    def has_schedule(self, connector_id: int) -> bool:
        """§5.7: a Charge Point "not able to report the requested schedule, for instance if the connectorId
        is unknown" answers Rejected. With no charging profile for the connector valid now (none, or one
        whose validFrom is still to come, a TxProfile that ceased to be valid with its transaction, §7.10,
        or one still waiting for its transaction, §5.16.2) there is nothing to compose from X, so Rejected
        is allowed; one it has accepted and that is valid it can compose."""
        return any(p.connector in (0, connector_id, None) and p.live and comp.valid(p, self.state.time)
                   for p in self.charging.profiles)

    def check_composite(self, stimulus, payload) -> None:
        connector_id, duration = stimulus.get("connectorId"), int(stimulus.get("duration"))
        schedule = payload.get("chargingSchedule")
        problem = self.composite_shape_problem(stimulus, payload)
        if problem:
            self.fail("CompositeScheduleShape", "OCPP 1.6 §5.7, §6.22, §7.13, errata 3.57, OCTT TC_056_CS", problem)
            return
        if self.composite_unknown(connector_id):
            return
        start = comp.seconds(payload.get("scheduleStart"))
        ctx = comp.Context(connector_id, start if start is not None else self.state.time, duration,
                           schedule["chargingRateUnit"], self.transaction_start(connector_id))
        reported = comp.reported_pieces(schedule)
        expected = comp.expected_schedules(self.charging.profiles, ctx)
        local = dict(self.charging.local_limits).get((connector_id, ctx.unit))
        fitting = [e for e in expected if comp.matches(reported, e, duration, local)]
        if fitting:
            self.learn_local_limit((connector_id, ctx.unit), comp.local_limit(reported, fitting[0], duration))
        else:
            self.fail("CompositeScheduleMismatch", "OCPP 1.6 §3.13.2, §3.13.3, §5.7, OCTT TC_066_CS, TC_072_CS",
                      f"connector {connector_id}, {duration}s in {ctx.unit}: reported {reported}, expected "
                      f"{expected[0]} (None: no limit, the Charge Point's own: {local})")

    def learn_local_limit(self, key: tuple[int, str], limit: float | None) -> None:
        if limit is not None:
            self.set_charging(local_limits=tuple((k, v) for k, v in self.charging.local_limits if k != key)
                              + ((key, limit),))

    def composite_shape_problem(self, stimulus, payload) -> str | None:
        schedule = payload.get("chargingSchedule")
        unit = stimulus.get("chargingRateUnit")
        start = comp.seconds(payload.get("scheduleStart"))
        if payload.get("connectorId") != stimulus.get("connectorId"):
            return f"connectorId {payload.get('connectorId')!r}, requested {stimulus.get('connectorId')}"
        if not isinstance(schedule, dict) or comp.reported_pieces(schedule) is None:
            return f"chargingSchedule {schedule!r} is not a schedule starting at startPeriod 0"
        if schedule.get("duration") != stimulus.get("duration"):
            return f"duration {schedule.get('duration')!r}, requested {stimulus.get('duration')}"
        if schedule.get("chargingRateUnit") not in comp.UNITS or unit not in (None, schedule.get("chargingRateUnit")):
            return f"chargingRateUnit {schedule.get('chargingRateUnit')!r}, requested {unit}"
        if start is not None and min(abs(start - at) for at in self.request_times()) > self.state.options.tolerance + 1:
            return f"scheduleStart {payload.get('scheduleStart')} is not the time of the request"
        return None

    def request_times(self) -> tuple[float, ...]:
        """§5.7, §6.22 scheduleStart: the time of the request, which is when the answer came (its time, on a real
        clock) or, as the model knows it, the step's time. A step goes on after the answer until the Charge Point is
        quiet, up to [timing] settle_limit (sim-mo: MicroOcppSimulator with HeartbeatInterval 0 sends Heartbeats
        without pause, the step ended 10 s after an answer stamped at once: a false CompositeScheduleShape)."""
        return (self.state.time,) if self.answered_at is None else (self.answered_at, self.state.time)

    def composite_unknown(self, connector_id: int) -> bool:
        """The model cannot predict the composite: a profile it is unsure of, a transaction it cannot see."""
        if any(p.uncertain and p.connector in (connector_id, 0, None) for p in self.charging.profiles):
            return True
        if connector_id == 0:
            return False
        c = self.state.connector(connector_id)
        return self.hidden_tx(c) or self.may_be_over(c) or (c.tx is not None and c.tx.transaction_id is None)

    def transaction_start(self, connector_id: int) -> float | None:
        if connector_id == 0 or self.state.connector(connector_id).tx is None:
            return None
        start = self.charging.start_of(connector_id)
        return self.state.time if start is None else start

    # -- RemoteStartTransaction with a chargingProfile (§5.11, §5.16.2) -----------------

    def answer_RemoteStartTransaction(self, stimulus, payload) -> None:
        data = stimulus.get("chargingProfile")
        if data is None or not self.supports(PROFILE):
            super().answer_RemoteStartTransaction(stimulus, payload)
            return
        problem = self.remote_profile_problem(stimulus)
        if problem is not None:
            self.expect_status(stimulus, payload, {"Rejected"}, *problem)
            return
        super().answer_RemoteStartTransaction(stimulus, payload)
        if payload.get("status") == "Accepted":
            pending = attrs.evolve(comp.parse_profile(stimulus.get("connectorId"), data),
                                   pending=stimulus.get("idTag"))
            self.set_profiles([p for p in self.charging.profiles
                               if not (p.pending is not None and p.connector == pending.connector)] + [pending])

    def remote_profile_problem(self, stimulus) -> tuple[str, str] | None:
        profile = comp.parse_profile(stimulus.get("connectorId"), stimulus.get("chargingProfile"))
        if profile is None:
            return "ChargingProfileMalformed", "OCPP 1.6 §5.11, §7.8–§7.14, errata 3.38"
        if profile.purpose != "TxProfile" or profile.transaction_id is not None:
            return ("RemoteStartChargingProfilePurpose",
                    "OCPP 1.6 §5.11, §5.16.2, errata 3.41, OCTT TC_060_CS")
        if self.limit_problem(profile):
            return "ChargingProfileLimitExceeded", "OCPP 1.6 §3.13.5, §9.4, errata 3.86"
        return None

    def error_allowed(self, stimulus, answer) -> bool:
        if answer.error_code in REFUSAL_ERRORS and self.supports(PROFILE):
            if stimulus.op == "SetChargingProfile":
                connector_id = stimulus.get("connectorId")
                profile = comp.parse_profile(connector_id, stimulus.get("csChargingProfiles"))
                return self.set_profile_expectation(connector_id, profile).refusable
            if stimulus.op == "RemoteStartTransaction" and stimulus.get("chargingProfile") is not None:
                return self.remote_profile_problem(stimulus) is not None
            if stimulus.op == "GetCompositeSchedule":
                return stimulus.get("chargingRateUnit") not in (None, *comp.UNITS)
        return super().error_allowed(stimulus, answer)

    # -- transactions: TxProfiles begin and end with them (§3.13.1, §5.16.2, §7.10) -------

    def begin(self, c, call) -> None:
        super().begin(c, call)
        tag = call.payload.get("idTag")
        tx = self.state.connector(c.id).tx
        start = comp.seconds(call.payload.get("timestamp"))
        starts = tuple(s for s in self.charging.starts if s[0] != c.id) + ((c.id, call.time if start is None else start),)
        profiles = [self.retire(p, c.id) for p in self.charging.profiles]
        waiting = [p for p in profiles if p.pending == tag and p.connector in (c.id, None)]
        if waiting:
            bound = attrs.evolve(waiting[0], connector=c.id, pending=None, transaction_id=tx.transaction_id)
            profiles = [kept for p in profiles if p is not waiting[0] and (kept := self.beside(p, bound))] + [bound]
        # another idTag's transaction: its remote start may be void, or this start came queued from before it (§3.7)
        profiles = [attrs.evolve(p, uncertain=True) if p.pending is not None and p.connector == c.id else p
                    for p in profiles]
        self.set_charging(profiles=tuple(profiles), starts=starts)

    @staticmethod
    def beside(p: ChargingProfile, bound: ChargingProfile) -> ChargingProfile | None:
        """What becomes of a profile when a remote start's TxProfile binds to its new transaction: §5.16.2 (errata
        3.42) says only that it applies to that transaction. One of the same id on its connector is replaced; on
        another connector it may be replaced ("exists on the Charge Point", §5.16.3) or kept (one per transaction),
        and one still waiting for a remote start elsewhere may be too: the spec does not say."""
        if p.pending is not None or (p.id == bound.id and p.connector != bound.connector):
            return attrs.evolve(p, uncertain=True)
        return None if p.id == bound.id else p

    def end(self, c, call) -> None:
        super().end(c, call)
        self.set_charging(profiles=tuple(self.retire(p, c.id) for p in self.charging.profiles),
                          starts=tuple(s for s in self.charging.starts if s[0] != c.id))

    def forget_ended(self, c) -> None:
        """A transaction over without its StopTransaction (found missing, or given up by a Charge Point known to drop
        it: the SAP simulator's StopTransactionOnInvalidId, h60 sap-73 frame 1748) ends its TxProfile as one stopped
        does (§7.10): ClearChargingProfile may then answer Unknown (§3.13.1 "SHOULD be deleted")."""
        super().forget_ended(c)
        self.set_profiles(self.retire(p, c.id) for p in self.charging.profiles)

    @staticmethod
    def retire(p: ChargingProfile, connector_id: int) -> ChargingProfile:
        """§7.10: a TxProfile ceases to be valid when its transaction terminates."""
        if p.purpose == "TxProfile" and p.connector == connector_id and p.pending is None:
            return attrs.evolve(p, ended=True)
        return p

    def settle(self) -> None:
        """A remote start that gave up leaves its TxProfile in doubt: whether a later transaction of
        that idTag on the connector gets it is not said (§5.16.2 speaks of "the newly started" one)."""
        super().settle()
        self.set_profiles(attrs.evolve(p, uncertain=True) if p.pending is not None and not p.uncertain
                          and (not self.pending_alive(p) or self.pending_unsure(p)) else p
                          for p in self.charging.profiles)

    def pending_unsure(self, p: ChargingProfile) -> bool:
        return any(self.state.connector(i).uncertain for i in self.pending_connectors(p))

    def pending_connectors(self, p: ChargingProfile) -> list[int]:
        return [p.connector] if p.connector is not None else [c.id for c in self.connectors()]

    def pending_alive(self, p: ChargingProfile) -> bool:
        """The remote start that brought the profile still waits for its transaction."""
        if p.connector is None and self.remote_start_for(p.pending):
            return True
        for connector_id in self.pending_connectors(p):
            c = self.state.connector(connector_id)
            owed = any(o.action == "StartTransaction" and o.connector == connector_id for o in self.state.owed)
            if c.tx is None and (p.pending in (c.authorized, c.presented) or owed or self.hidden_tx(c)):
                return True
        return False
