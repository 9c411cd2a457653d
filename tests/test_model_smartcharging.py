"""The Smart Charging judge (model/smartcharging.py), rule by rule, without I/O.

Each rule fires on the wrong answer and is silent on every answer the spec
allows (OCPP 1.6 §3.13, §5.5, §5.7, §5.16 with the errata).
"""

from __future__ import annotations

import attrs
import pytest

from model import Answer, CpCall, Stimulus, initial_state, judge
from model.configuration import ConfigurationModel, judge_get_configuration

T0 = 1735689600.0  # 2025-01-01T00:00:00Z
START = "2025-01-01T00:00:00Z"
KEYS = {"SupportedFeatureProfiles": "Core,SmartCharging", "ChargeProfileMaxStackLevel": "2",
        "ChargingScheduleAllowedChargingRateUnit": "Current,Power", "ChargingScheduleMaxPeriods": "5",
        "MaxChargingProfilesInstalled": "3"}


def fresh(keys: dict = KEYS):
    state = attrs.evolve(initial_state(), time=T0)
    reply = {"configurationKey": [{"key": k, "readonly": True, "value": v} for k, v in keys.items()]}
    config, _ = judge_get_configuration(ConfigurationModel(), tuple(keys), reply)
    return attrs.evolve(state, config=config)


def profile(profile_id=1, purpose="TxDefaultProfile", periods=((0, 6.0),), stack=0, duration=300, unit="A",
            kind="Absolute", start=START, **extra) -> dict:
    schedule = {"chargingRateUnit": unit, "duration": duration,
                "chargingSchedulePeriod": [{"startPeriod": s, "limit": lim} for s, lim in periods]}
    if start is not None:
        schedule["startSchedule"] = start
    return {"chargingProfileId": profile_id, "stackLevel": stack, "chargingProfilePurpose": purpose,
            "chargingProfileKind": kind, "chargingSchedule": schedule, **extra}


def call(state, op: str, answer: dict | None, *events, error: str | None = None, **payload):
    kind = "error" if error else "result"
    verdict = judge(state, Stimulus.from_step({"op": op, **payload}), [Answer(kind, answer, error), *events])
    return verdict.state, [v.rule for v in verdict.violations]


def set_profile(state, connector=1, status="Accepted", **kw):
    return call(state, "SetChargingProfile", {"status": status}, connectorId=connector,
                csChargingProfiles=profile(**kw))


def composite_answer(periods, connector=1, duration=300, unit="A") -> dict:
    return {"status": "Accepted", "connectorId": connector, "scheduleStart": START,
            "chargingSchedule": {"duration": duration, "chargingRateUnit": unit,
                                 "chargingSchedulePeriod": [{"startPeriod": s, "limit": lim} for s, lim in periods]}}


def get_composite(state, periods, connector=1, duration=300, unit="A"):
    return call(state, "GetCompositeSchedule", composite_answer(periods, connector, duration, unit),
                connectorId=connector, duration=duration, chargingRateUnit=unit)


def charging(state, connector=1, tx_id=7, tag="TAG1"):
    """A transaction on ``connector`` (its StartTransaction seen), the way the core model follows it."""
    state = attrs.evolve(state, policy=((tag, "Accepted", None),))
    state = judge(state, Stimulus.from_step({"op": "PlugIn", "connectorId": connector}),
                  [CpCall("StatusNotification", {"connectorId": connector, "errorCode": "NoError",
                                                 "status": "Preparing"}, T0, answer={})]).state
    start = CpCall("StartTransaction", {"connectorId": connector, "idTag": tag, "meterStart": 0, "timestamp": START},
                   T0, answer={"transactionId": tx_id, "idTagInfo": {"status": "Accepted"}})
    status = CpCall("StatusNotification", {"connectorId": connector, "errorCode": "NoError", "status": "Charging"},
                    T0, answer={})
    return judge(state, Stimulus.from_step({"op": "PresentIdTag", "connectorId": connector, "idTag": tag}),
                 [CpCall("Authorize", {"idTag": tag}, T0, answer={"idTagInfo": {"status": "Accepted"}}),
                  start, status]).state


def stop(state, connector=1, tx_id=7, tag="TAG1"):
    events = [CpCall("StopTransaction", {"transactionId": tx_id, "meterStop": 0, "timestamp": START,
                                         "reason": "Local", "idTag": tag}, T0, answer={}),
              CpCall("StatusNotification", {"connectorId": connector, "errorCode": "NoError", "status": "Finishing"},
                     T0, answer={})]
    return judge(state, Stimulus.from_step({"op": "PresentIdTag", "connectorId": connector, "idTag": tag}),
                 events).state


# -- SetChargingProfile (§5.16) ---------------------------------------------------------


def test_tx_default_profile_accepted():
    state, found = set_profile(fresh())
    assert found == [] and len(state.smart_charging.profiles) == 1


def test_tx_default_profile_rejected_is_set_charging_profile_status():
    assert set_profile(fresh(), status="Rejected")[1] == ["SetChargingProfileStatus"]


@pytest.mark.parametrize("connector, purpose", [(1, "ChargePointMaxProfile"), (0, "TxProfile"), (3, "TxDefaultProfile")])
def test_profile_on_the_wrong_connector_is_rejected_3_13_1(connector, purpose):
    assert set_profile(fresh(), connector, purpose=purpose)[1] == ["ChargingProfileConnector"]
    assert set_profile(fresh(), connector, status="Rejected", purpose=purpose)[1] == []
    assert call(fresh(), "SetChargingProfile", None, error="PropertyConstraintViolation", connectorId=connector,
                csChargingProfiles=profile(purpose=purpose))[1] == []


def test_tx_profile_without_transaction_rejected_tc_058_1():
    assert set_profile(fresh(), purpose="TxProfile")[1] == ["TxProfileWithoutTransaction"]
    assert set_profile(fresh(), status="Rejected", purpose="TxProfile")[1] == []
    assert call(fresh(), "SetChargingProfile", None, error="PropertyConstraintViolation", connectorId=1,
                csChargingProfiles=profile(purpose="TxProfile", transactionId=5))[1] == []


def test_tx_profile_with_wrong_transaction_id_rejected_tc_058_2():
    state = charging(fresh())
    assert set_profile(state, purpose="TxProfile", transactionId=99)[1] == ["TxProfileWrongTransactionId"]
    assert set_profile(state, status="Rejected", purpose="TxProfile", transactionId=99)[1] == []
    assert set_profile(state, purpose="TxProfile", transactionId=7)[1] == []
    assert set_profile(state, purpose="TxProfile")[1] == []


@pytest.mark.parametrize("kw", [{"stack": 3}, {"periods": tuple((i * 10, 6.0) for i in range(6))}])
def test_beyond_the_smart_charging_keys_rejected_9_4(kw):
    assert set_profile(fresh(), **kw)[1] == ["ChargingProfileLimitExceeded"]
    assert set_profile(fresh(), status="Rejected", **kw)[1] == []


def test_unit_not_allowed_rejected_errata_3_86():
    state = fresh({**KEYS, "ChargingScheduleAllowedChargingRateUnit": "Current"})
    assert set_profile(state, unit="W")[1] == ["ChargingProfileLimitExceeded"]


def test_max_charging_profiles_installed_9_4_5():
    state = fresh()
    for i, stack in ((1, 0), (2, 1), (3, 2)):
        state, _ = set_profile(state, profile_id=i, stack=stack)
    assert set_profile(state, connector=2, profile_id=4)[1] == ["ChargingProfileLimitExceeded"]
    assert set_profile(state, profile_id=3, stack=2)[1] == []  # a replacement does not add one


def test_same_stack_level_and_purpose_replaces_3_13_2():
    state, _ = set_profile(fresh(), profile_id=1)
    state, _ = set_profile(state, profile_id=2)
    assert [p.id for p in state.smart_charging.profiles] == [2]
    state, _ = set_profile(state, connector=0, profile_id=3)
    assert [p.id for p in state.smart_charging.profiles] == [2, 3]  # §3.13.1: per connector


# -- ClearChargingProfile (§5.5, errata 3.25/3.26) -------------------------------------------


def clear(state, status, **criteria):
    return call(state, "ClearChargingProfile", {"status": status}, **criteria)


def test_clear_by_fields_is_a_logical_and():
    state, _ = set_profile(fresh(), profile_id=1, stack=1)
    assert clear(state, "Unknown", chargingProfilePurpose="TxDefaultProfile", stackLevel=0)[1] == []
    assert clear(state, "Accepted", chargingProfilePurpose="TxDefaultProfile", stackLevel=0)[1] == \
        ["ClearChargingProfileStatus"]
    state, found = clear(state, "Accepted", chargingProfilePurpose="TxDefaultProfile", stackLevel=1)
    assert found == [] and state.smart_charging.profiles == ()


def test_clear_by_id_ignores_the_other_fields():
    state, _ = set_profile(fresh(), profile_id=1)
    assert clear(state, "Accepted", id=1, stackLevel=2)[1] == []
    assert clear(state, "Accepted", id=2, stackLevel=0)[1] == ["ClearChargingProfileStatus"]


def test_clear_all_without_profiles_is_unknown():
    assert clear(fresh(), "Unknown")[1] == []
    assert clear(fresh(), "Accepted")[1] == ["ClearChargingProfileStatus"]


def test_tx_profile_after_its_transaction_may_or_may_not_be_deleted_3_13_1():
    state = charging(fresh())
    state, _ = set_profile(state, purpose="TxProfile")
    state = stop(state)
    assert clear(state, "Unknown")[1] == []  # deleted; still there: a recommendation not followed (SHOULD)
    assert clear(state, "Accepted")[1] == ["TxProfileNotDeletedAfterTransaction"]


# -- GetCompositeSchedule (§5.7) ----------------------------------------------------------


def test_composite_of_one_profile_tc_056():
    state, _ = set_profile(fresh())
    assert get_composite(state, [(0, 6.0)])[1] == []
    assert get_composite(state, [(0, 7.0)])[1] == ["CompositeScheduleMismatch"]


def test_composite_highest_stack_level_prevails_tc_072():
    state, _ = set_profile(fresh(), profile_id=1, periods=((0, 6.0), (100, 8.0), (200, 10.0)), duration=400)
    state, _ = set_profile(state, profile_id=2, stack=1, periods=((0, 7.0), (100, 9.0)), duration=150)
    assert get_composite(state, [(0, 7.0), (100, 9.0), (150, 8.0), (200, 10.0)], duration=350)[1] == []
    assert get_composite(state, [(0, 6.0), (100, 8.0), (200, 10.0)], duration=350)[1] == ["CompositeScheduleMismatch"]


def test_composite_capped_by_charge_point_max_profile_tc_066():
    state = charging(fresh())
    state, _ = set_profile(state, 0, profile_id=1, purpose="ChargePointMaxProfile", periods=((0, 10.0),),
                           duration=86400)
    state, _ = set_profile(state, profile_id=2, periods=((0, 6.0), (60, 10.0), (120, 8.0), (180, 15.0), (260, 8.0)))
    state, _ = set_profile(state, profile_id=3, purpose="TxProfile", duration=260,
                           periods=((0, 8.0), (50, 11.0), (140, 16.0), (200, 6.0), (240, 12.0)))
    assert get_composite(state, [(0, 8.0), (50, 10.0), (200, 6.0), (240, 10.0)], duration=400)[1] == []
    assert get_composite(state, [(0, 8.0), (50, 11.0), (140, 16.0), (200, 6.0), (240, 12.0), (260, 10.0)],
                         duration=400)[1] == ["CompositeScheduleMismatch"]


def test_composite_in_watts_converts_at_230_v_7_12():
    state, _ = set_profile(fresh())
    assert get_composite(state, [(0, 6.0 * 230 * 3)], unit="W")[1] == []


def test_composite_where_no_profile_applies_is_the_local_limit_tc_067():
    state, _ = set_profile(fresh(), duration=100)
    state, found = get_composite(state, [(0, 6.0), (100, 16.0)])
    assert found == []
    assert get_composite(state, [(0, 6.0), (100, 15.0)])[1] == ["CompositeScheduleMismatch"]


def test_a_lower_value_is_a_local_limit_only_once_seen_5_7():
    state, _ = set_profile(fresh(), periods=((0, 32.0),), duration=100)
    assert get_composite(state, [(0, 16.0)], duration=100)[1] == ["CompositeScheduleMismatch"]
    assert get_composite(state, [(0, 16.0)])[1] == []  # 16 where no profile limits: λ


def test_composite_shape_tc_056():
    state, _ = set_profile(fresh())
    answer = composite_answer([(0, 6.0)], duration=60)
    assert call(state, "GetCompositeSchedule", answer, connectorId=1, duration=300,
                chargingRateUnit="A")[1] == ["CompositeScheduleShape"]


def test_5_7_schedule_start_is_the_time_of_the_answer_not_the_end_of_a_long_step():
    """§5.7, §6.22 (sim-mo, MicroOcppSimulator with HeartbeatInterval 0): the answer came at once, stamped then, and
    the step went on settling for 10 s (a Charge Point that never goes quiet). scheduleStart is judged against the time
    the answer came (Answer.time); one 20 s before it, or an answer without its time judged at the step's end, is
    still CompositeScheduleShape."""
    state = attrs.evolve(fresh(), time=T0 + 10)
    stimulus = Stimulus.from_step({"op": "GetCompositeSchedule", "connectorId": 1, "duration": 300,
                                   "chargingRateUnit": "A"})

    def rules(answer_time, schedule_start):
        answer = composite_answer([(0, 16.0)])
        answer["scheduleStart"] = schedule_start
        return [v.rule for v in judge(state, stimulus, [Answer("result", answer, time=answer_time)]).violations]

    assert rules(T0, START) == []
    assert rules(T0, "2024-12-31T23:59:40Z") == ["CompositeScheduleShape"]
    assert rules(None, START) == ["CompositeScheduleShape"]


def test_composite_of_an_unknown_connector_is_rejected():
    assert call(fresh(), "GetCompositeSchedule", {"status": "Rejected"}, connectorId=3, duration=60)[1] == []
    assert call(fresh(), "GetCompositeSchedule", composite_answer([(0, 16.0)], 3), connectorId=3,
                duration=300)[1] == ["GetCompositeScheduleStatus"]


def test_composite_period_starting_mid_second_may_be_rounded_either_way_7_13():
    """startPeriod is whole seconds (§7.13) and no rounding rule is set: with X at .4 s a period that starts
    99.6 s later may be reported at 99 or 100 (issue 14: MicroOcpp rounded up), but not at 98."""
    state, _ = set_profile(fresh(), periods=((0, 6.0), (100, 8.0)), duration=400)

    def reported(boundary):
        answer = composite_answer([(0, 6.0), (boundary, 8.0)], duration=300)
        answer["scheduleStart"] = "2025-01-01T00:00:00.400Z"
        return call(state, "GetCompositeSchedule", answer, connectorId=1, duration=300, chargingRateUnit="A")[1]

    assert reported(99) == [] and reported(100) == []
    assert reported(98) == ["CompositeScheduleMismatch"]


def test_composite_with_no_profile_may_be_rejected_5_7():
    """§5.7: "not able to report the requested schedule, for instance if the connectorId is unknown":
    with no charging profile for a known connector there is nothing to compose (issue 14, SAP simulator);
    once a profile for it was accepted, the Charge Point can compose it and must."""
    assert call(fresh(), "GetCompositeSchedule", {"status": "Rejected"}, connectorId=1, duration=60)[1] == []
    state, _ = set_profile(fresh())
    assert call(state, "GetCompositeSchedule", {"status": "Rejected"}, connectorId=1,
                duration=60)[1] == ["GetCompositeScheduleStatus"]
    state, _ = set_profile(fresh(), 0, profile_id=1, purpose="ChargePointMaxProfile")
    assert call(state, "GetCompositeSchedule", {"status": "Rejected"}, connectorId=2,
                duration=60)[1] == ["GetCompositeScheduleStatus"]
    later, _ = set_profile(fresh(), validFrom="2025-01-01T00:01:00Z")  # valid from X + 60 s (SAP, issue 14)
    assert call(later, "GetCompositeSchedule", {"status": "Rejected"}, connectorId=1, duration=3600)[1] == []


def test_composite_with_only_an_ended_tx_profile_may_be_rejected_5_7_7_10():
    """SAP simulator (sim-triage session 2): a TxProfile ceases to be valid when its transaction ends
    (§7.10); with no other profile there is nothing to compose, and Rejected is allowed (§5.7)."""
    state = charging(fresh())
    state, _ = set_profile(state, profile_id=2, purpose="TxProfile")
    assert call(state, "GetCompositeSchedule", {"status": "Rejected"}, connectorId=1,
                duration=60)[1] == ["GetCompositeScheduleStatus"]
    assert call(stop(state), "GetCompositeSchedule", {"status": "Rejected"}, connectorId=1, duration=60)[1] == []


def test_tx_profile_ends_with_its_transaction_7_10():
    state = charging(fresh())
    state, _ = set_profile(state, profile_id=1, periods=((0, 8.0),))
    state, _ = set_profile(state, profile_id=2, purpose="TxProfile")
    assert get_composite(state, [(0, 6.0)])[1] == []
    state = stop(state)
    assert get_composite(state, [(0, 8.0)])[1] == []
    assert get_composite(state, [(0, 6.0)])[1] == ["CompositeScheduleMismatch"]


# -- RemoteStartTransaction with a chargingProfile (§5.11, §5.16.2) ------------------------------


def remote_start(state, status="Accepted", error=None, starts=True, connector=1, tag="TAG1", **kw):
    preparing = [sn(connector, "Preparing")] if status == "Accepted" and starts and not error else []
    return call(state, "RemoteStartTransaction", None if error else {"status": status}, *preparing, error=error,
                connectorId=connector, idTag=tag, chargingProfile=profile(**kw))


def sn(connector: int, status: str) -> CpCall:
    return CpCall("StatusNotification", {"connectorId": connector, "errorCode": "NoError", "status": status}, T0,
                  answer={})


def plug_in_starts(state, tx_id=7, tag="TAG1", connector=1):
    start = CpCall("StartTransaction", {"connectorId": connector, "idTag": tag, "meterStart": 0, "timestamp": START},
                   T0, answer={"transactionId": tx_id, "idTagInfo": {"status": "Accepted"}})
    verdict = judge(state, Stimulus.from_step({"op": "PlugIn", "connectorId": connector}),
                    [start, sn(connector, "Charging")])
    assert verdict.violations == ()
    return verdict.state


def test_remote_start_profile_not_tx_profile_is_rejected_tc_060():
    assert remote_start(fresh(), starts=False)[1] == ["RemoteStartChargingProfilePurpose"]
    assert remote_start(fresh(), "Rejected")[1] == []
    assert remote_start(fresh(), error="PropertyConstraintViolation")[1] == []


def test_remote_start_profile_applies_to_the_started_transaction_tc_059():
    state, found = remote_start(fresh(), purpose="TxProfile", kind="Relative", start=None, profile_id=9)
    assert found == [] and state.smart_charging.profiles[0].pending == "TAG1"
    state = plug_in_starts(state)
    assert state.smart_charging.profiles[0].pending is None
    assert get_composite(state, [(0, 6.0)])[1] == []
    assert get_composite(state, [(0, 16.0)])[1] == ["CompositeScheduleMismatch"]


def test_remote_start_profile_of_an_id_in_use_on_another_connector_may_replace_it_or_not_5_16_2():
    """Regression (clean fuzz, seed 0, 100 examples): two remote starts bring TxProfile 9, for connectors 2 and 1.
    §5.16.2 (errata 3.42) only says the profile applies to the newly started transaction; whether it replaces the
    other connector's profile 9 (as a SetChargingProfile would, §5.16.3) is not said, so connector 1's may go or stay."""
    tx_profile = dict(purpose="TxProfile", kind="Relative", start=None, profile_id=9)
    state, found = remote_start(fresh(), connector=2, **tx_profile)
    state = plug_in_starts(remote_start(state, **tx_profile)[0])
    assert found == [] and get_composite(state, [(0, 16.0)])[1] == ["CompositeScheduleMismatch"]
    state = plug_in_starts(state, tx_id=8, connector=2)
    assert get_composite(state, [(0, 6.0)])[1] == [] and get_composite(state, [(0, 16.0)])[1] == []


def test_remote_start_profile_without_smart_charging_is_ignored_5_11():
    state = fresh({**KEYS, "SupportedFeatureProfiles": "Core"})
    assert remote_start(state)[1] == []


def test_remote_start_that_gave_up_leaves_its_profile_in_doubt():
    """Regression (clean fuzz, seed 0): the remote start's Authorize is refused; a card of the same idTag
    then starts a transaction there, and the bundled charge point applied the remote-start TxProfile to it."""
    state = attrs.evolve(fresh(), config=fresh({**KEYS, "AuthorizeRemoteTxRequests": "true"}).config)
    verdict = judge(state, Stimulus.from_step({"op": "RemoteStartTransaction", "connectorId": 1, "idTag": "TAG1",
                                               "chargingProfile": profile(9, "TxProfile", kind="Relative", start=None)}),
                    [Answer("result", {"status": "Accepted"}),
                     CpCall("Authorize", {"idTag": "TAG1"}, T0, answer={"idTagInfo": {"status": "Invalid"}})])
    assert verdict.violations == () and verdict.state.smart_charging.profiles[0].uncertain
    state = charging(verdict.state)
    assert get_composite(state, [(0, 6.0)])[1] == [] and get_composite(state, [(0, 16.0)])[1] == []
    assert clear(state, "Accepted")[1] == [] and clear(state, "Unknown")[1] == []
