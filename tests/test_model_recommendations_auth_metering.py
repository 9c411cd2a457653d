"""Recommendations of authorization and metering (model/violations.py RECOMMENDATIONS), each both ways.

Each rule judges a SHOULD or RECOMMENDED statement only where the model is certain: it fires on behaviour that
does not follow the recommendation, and is silent where the Charge Point follows it or where the model cannot
know (OCPP 1.6 §3.13.1, §4.1, §5.13; errata 3.14, 3.16).
"""

from __future__ import annotations

import attrs

from model import Answer, CpCall, Options, Stimulus, judge
from model.violations import RECOMMENDATIONS
from model.worlds import judge_worlds
from vocabulary.dates import seconds
from test_model_core import (TAG, OTHER, Trace, authorize, charging, down, result, sn, start_tx, start_tx_unanswered,
                             step, stop_tx, up)

ENERGY = "Energy.Active.Import.Register"
EPOCH = seconds("2025-01-01T00:00:00Z")
"""The time of the timestamps test_model_core's messages carry."""


def values(*pairs, stamp: str = "2025-01-01T00:00:00Z") -> list[dict]:
    """One MeterValue holding a sampled value per (measurand, context)."""
    return [{"timestamp": stamp, "sampledValue": [{"value": "1", "measurand": m, "context": c} for m, c in pairs]}]


def stop_with(data, tx_id: int = 1) -> CpCall:
    call = stop_tx(tx_id, reason="Remote")
    call.payload["transactionData"] = data
    return call


def remote_stop(trace: Trace, data, tx_id: int = 1) -> list[str]:
    return trace.do(step("RemoteStopTransaction", transactionId=tx_id), result(status="Accepted"), stop_with(data, tx_id),
                    sn(1, "Finishing"))


# -- errata 3.14: Transaction.Begin and Transaction.End of every measurand of StopTxnSampledData ---------------------


def test_errata_3_14_begin_and_end_values_of_every_measurand_follow_the_recommendation():
    trace = charging(Trace(StopTxnSampledData=f"{ENERGY},Voltage.L1"))
    data = values((ENERGY, "Transaction.Begin"), ("Voltage", "Transaction.Begin"), (ENERGY, "Sample.Periodic"),
                  (ENERGY, "Transaction.End"), ("Voltage", "Transaction.End"))
    assert remote_stop(trace, data) == []


def test_errata_3_14_a_missing_end_value_is_a_recommendation_not_followed():
    trace = charging(Trace(StopTxnSampledData=ENERGY))
    assert remote_stop(trace, values((ENERGY, "Transaction.Begin"))) == ["StartAndStopValuesMissing"]
    assert "StartAndStopValuesMissing" in RECOMMENDATIONS


def test_errata_3_14_no_transaction_data_at_all_is_a_recommendation_not_followed():
    trace = charging(Trace(StopTxnSampledData=ENERGY))
    assert trace.do(step("RemoteStopTransaction", transactionId=1), result(status="Accepted"), stop_tx(1, "Remote"),
                    sn(1, "Finishing")) == ["StartAndStopValuesMissing"]


def test_errata_3_14_an_absent_measurand_is_energy_active_import_register():
    trace = charging(Trace(StopTxnSampledData=ENERGY))
    data = [{"timestamp": "2025-01-01T00:00:00Z", "sampledValue": [
        {"value": "1", "context": "Transaction.Begin"}, {"value": "2", "context": "Transaction.End"}]}]
    assert remote_stop(trace, data) == []


def test_errata_3_14_empty_or_unknown_stop_txn_sampled_data_is_not_judged():
    assert remote_stop(charging(Trace(StopTxnSampledData="")), []) == []
    assert remote_stop(charging(Trace()), values((ENERGY, "Transaction.End"))) == []


def test_errata_3_14_a_change_during_the_transaction_is_not_judged():
    trace = charging(Trace(StopTxnSampledData=ENERGY))
    trace.ok(step("ChangeConfiguration", key="StopTxnSampledData", value="Current.Import"), result(status="Accepted"))
    assert remote_stop(trace, values((ENERGY, "Transaction.Begin"), ("Current.Import", "Transaction.End"))) == []


def test_errata_3_14_a_transaction_begun_offline_is_judged_at_its_stop():
    trace = Trace(StopTxnSampledData=ENERGY)
    trace.ok(step("SetIdTag", idTag=TAG, status="Accepted"))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), sn(1, "Preparing"))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), sn(1, "Available"))
    trace.ok(step("NetworkDown"), down())
    trace.ok(step("PlugIn", connectorId=1))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG))
    trace.ok(step("NetworkUp"), up(), start_tx(1, TAG, 1), sn(0, "Available"), sn(1, "Charging"), sn(2, "Available"))
    assert remote_stop(trace, values((ENERGY, "Transaction.End"))) == ["StartAndStopValuesMissing"]


def queued_start(change: bool) -> Trace:
    """A StartTransaction the Central System fails, sent again a minute later with its first timestamp; ``change``:
    StopTxnSampledData changes meanwhile, while the transaction may have begun unseen (the queue is held)."""
    trace = Trace(StopTxnSampledData=ENERGY)
    trace.state = attrs.evolve(trace.state, time=EPOCH)  # the clock of the messages' timestamps
    trace.ok(step("SetIdTag", idTag=TAG, status="Accepted"))
    trace.ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), start_tx_unanswered(1, TAG),
             sn(1, "Charging"))
    if change:
        trace.ok(step("ChangeConfiguration", key="StopTxnSampledData", value=ENERGY), result(status="Accepted"))
    return trace.ok(step("AdvanceTime", seconds=60), start_tx(1, TAG, 1))


def test_errata_3_14_a_transaction_that_may_have_begun_before_a_change_is_not_judged():
    assert remote_stop(queued_start(change=False), []) == ["StartAndStopValuesMissing"]
    assert remote_stop(queued_start(change=True), []) == []


def test_errata_3_14_reboot_required_leaves_every_later_transaction_unjudged():
    trace = Trace(StopTxnSampledData=ENERGY)
    trace.ok(step("ChangeConfiguration", key="StopTxnSampledData", value="Current.Import"),
             result(status="RebootRequired"))
    assert remote_stop(charging(trace), []) == []


# -- errata 3.16: no transactionId in MeterValues of connectorId 0 ---------------------------------------------------


def main_meter(transaction_id: int | None = None) -> CpCall:
    payload = {"connectorId": 0, "meterValue": values((ENERGY, "Sample.Clock"))}
    if transaction_id is not None:
        payload["transactionId"] = transaction_id
    return CpCall("MeterValues", payload, 0.0, answer={})


def test_errata_3_16_main_meter_values_without_transaction_id_follow_the_recommendation():
    Trace().ok(step("AdvanceTime", seconds=5), main_meter())


def test_errata_3_16_main_meter_values_with_a_transaction_id_are_a_recommendation_not_followed():
    trace = charging()
    assert trace.do(step("AdvanceTime", seconds=5), main_meter(1)) == ["TransactionIdInMainMeterValues"]
    assert "TransactionIdInMainMeterValues" in RECOMMENDATIONS


def test_errata_3_16_a_connector_s_meter_values_may_carry_its_transaction_id():
    trace = charging()
    payload = {"connectorId": 1, "transactionId": 1, "meterValue": values((ENERGY, "Sample.Clock"))}
    trace.ok(step("AdvanceTime", seconds=5), CpCall("MeterValues", payload, 5.0, answer={}))


# -- §4.1: Authorize.req SHOULD only be used for the authorization of an identifier for charging --------------------


def test_4_1_authorize_for_a_card_presented_follows_the_recommendation():
    Trace().ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), sn(1, "Preparing"))


def test_4_1_authorize_for_an_idtag_nobody_gave_for_charging_is_a_recommendation_not_followed():
    assert Trace().do(step("AdvanceTime", seconds=5), authorize(OTHER)) == ["AuthorizeNotForCharging"]
    assert "AuthorizeNotForCharging" in RECOMMENDATIONS


def test_4_1_a_card_presented_earlier_may_be_authorized_again_later():
    trace = Trace()
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG, status="Invalid"))
    trace.ok(step("AdvanceTime", seconds=60), authorize(TAG, status="Invalid"))


def test_4_1_a_remote_start_is_authorization_for_charging():
    trace = Trace(AuthorizeRemoteTxRequests=True)
    trace.ok(step("RemoteStartTransaction", connectorId=1, idTag=TAG), result(status="Accepted"), authorize(TAG),
             sn(1, "Preparing"))


def test_4_1_a_reservation_s_idtag_and_parent_are_authorization_for_charging():
    from test_model_reservation import reserved

    trace = reserved(parent="GROUP1")
    trace.ok(step("AdvanceTime", seconds=5), authorize(TAG))
    trace.ok(step("AdvanceTime", seconds=5), authorize("GROUP1"))


def test_4_1_a_remote_start_whose_answer_never_came_is_authorization_for_charging():
    trace = Trace(AuthorizeRemoteTxRequests=True)
    trace.do(step("RemoteStartTransaction", connectorId=1, idTag=TAG), Answer("pending"))
    assert "AuthorizeNotForCharging" not in trace.do(step("AdvanceTime", seconds=5), authorize(TAG))


def test_4_1_a_charge_point_that_starts_where_the_last_example_left_it_is_not_judged():
    Trace(Options(leftovers=True)).ok(step("AdvanceTime", seconds=5), authorize(OTHER))


def test_4_1_the_recommendation_is_never_a_finding_and_rules_no_world_out():
    trace = Trace()
    verdict = judge_worlds((trace.state,), Stimulus.from_step(step("AdvanceTime", seconds=5)), (authorize(OTHER),))
    assert [v.rule for v in verdict.violations] == ["AuthorizeNotForCharging"] and verdict.worlds


# -- §5.13: validate the reservation's identifier with an Authorize.req before the start of the transaction ---------


def started_with_reservation(trace: Trace, validated: bool) -> list[str]:
    """The reserved idTag's card starts the transaction: with an Authorize.req, or from the cache (LocalPreAuthorize)."""
    from test_model_reservation import start_with

    observed = [authorize(TAG)] if validated else []
    trace.ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
    return trace.do(step("PresentIdTag", connectorId=1, idTag=TAG), *observed, start_with(), sn(1, "Charging"))


def cached_and_reserved(**config) -> Trace:
    from test_model_reservation import reserved, with_reservation

    trace = with_reservation(LocalPreAuthorize=True, **config)
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), sn(1, "Preparing"))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), sn(1, "Available"))
    return reserved(trace)


def test_5_13_an_authorize_after_reserve_now_follows_the_recommendation():
    assert started_with_reservation(cached_and_reserved(), validated=True) == []


def test_5_13_a_start_from_the_cache_without_validating_the_reserved_idtag_is_a_recommendation_not_followed():
    assert started_with_reservation(cached_and_reserved(), validated=False) == ["ReservedIdTagNotValidated"]
    assert "ReservedIdTagNotValidated" in RECOMMENDATIONS


def test_5_13_an_authorize_before_the_reserve_now_does_not_validate_it():
    trace = cached_and_reserved()  # TAG was authorized before the reservation only
    assert trace.state.reservations.live[0].unvalidated


def test_5_13_an_authorize_in_the_step_of_the_reserve_now_validates_it():
    from test_model_reservation import reserve_now, with_reservation

    trace = with_reservation()
    trace.ok(reserve_now(trace), result(status="Accepted"), authorize(TAG), sn(1, "Reserved"))
    assert not trace.state.reservations.live[0].unvalidated


def test_5_13_a_reservation_that_saw_the_connection_lost_is_not_judged():
    trace = cached_and_reserved()
    trace.ok(step("NetworkDown"), down())
    trace.ok(step("NetworkUp"), up(), sn(0, "Available"), sn(1, "Reserved"), sn(2, "Available"))
    assert started_with_reservation(trace, validated=False) == []


# -- §3.13.1: after the transaction is stopped, the TxProfile SHOULD be deleted --------------------------------------


def tx_profile_of_a_stopped_transaction():
    from test_model_smartcharging import charging as charging_sc, fresh, set_profile, stop

    state, found = set_profile(charging_sc(fresh()), profile_id=2, purpose="TxProfile")
    assert found == []
    return stop(state)


def test_3_13_1_a_tx_profile_deleted_after_its_transaction_follows_the_recommendation():
    from test_model_smartcharging import clear

    assert clear(tx_profile_of_a_stopped_transaction(), "Unknown", id=2)[1] == []


def test_3_13_1_a_tx_profile_still_there_after_its_transaction_is_a_recommendation_not_followed():
    from test_model_smartcharging import clear

    assert clear(tx_profile_of_a_stopped_transaction(), "Accepted", id=2)[1] == ["TxProfileNotDeletedAfterTransaction"]
    assert "TxProfileNotDeletedAfterTransaction" in RECOMMENDATIONS


def test_3_13_1_clearing_a_live_profile_with_it_is_not_judged():
    from test_model_smartcharging import clear, set_profile

    state, _ = set_profile(tx_profile_of_a_stopped_transaction(), profile_id=1, purpose="TxDefaultProfile")
    assert clear(state, "Accepted")[1] == []


def test_3_13_1_a_tx_profile_the_model_is_unsure_of_is_not_judged():
    from test_model_smartcharging import clear

    state = tx_profile_of_a_stopped_transaction()
    unsure = attrs.evolve(state.smart_charging, profiles=tuple(
        attrs.evolve(p, uncertain=True) for p in state.smart_charging.profiles))
    assert clear(attrs.evolve(state, smart_charging=unsure), "Accepted", id=2)[1] == []


def test_5_13_a_remote_start_the_charge_point_is_not_to_authorize_needs_no_validation():
    """AuthorizeRemoteTxRequests false: the Central System vouches for the idTag (OCTT TC_046_2_CS); true, and the
    Charge Point takes it from its cache (LocalPreAuthorize) without asking: not validated."""
    from test_model_reservation import reserved, start_with, with_reservation

    trace = reserved(with_reservation(AuthorizeRemoteTxRequests=False)).ok(step("PlugIn", connectorId=1))
    trace.ok(step("RemoteStartTransaction", connectorId=1, idTag=TAG), result(status="Accepted"),
             sn(1, "Preparing"), start_with(), sn(1, "Charging"))
    trace = cached_and_reserved(AuthorizeRemoteTxRequests=True).ok(step("PlugIn", connectorId=1))
    assert trace.do(step("RemoteStartTransaction", connectorId=1, idTag=TAG), result(status="Accepted"),
                    sn(1, "Preparing"), start_with(), sn(1, "Charging")) == ["ReservedIdTagNotValidated"]


# -- end to end: the bundled charge point, the harness and the model ------------------------------------------------


def test_errata_3_14_3_16_the_bundled_charge_point_follows_both_recommendations():
    from test_recommendations import run_steps

    found, report = run_steps([
        {"op": "ChangeConfiguration", "key": "StopTxnSampledData", "value": f"{ENERGY},Current.Import"},
        {"op": "SetIdTag", "idTag": TAG, "status": "Accepted"}, {"op": "PlugIn", "connectorId": 1},
        {"op": "PresentIdTag", "connectorId": 1, "idTag": TAG}, {"op": "AdvanceTime", "seconds": 30},
        {"op": "TriggerMessage", "requestedMessage": "MeterValues", "connectorId": 0},
        {"op": "PresentIdTag", "connectorId": 1, "idTag": TAG}])
    assert all(f == () for f in found) and report.recommendations == {}


def test_5_13_the_bundled_charge_point_starts_a_reservation_from_its_cache_reported_never_a_finding():
    from test_recommendations import run_steps
    from vocabulary.dates import iso

    found, report = run_steps([
        {"op": "ChangeConfiguration", "key": "LocalPreAuthorize", "value": "true"},
        {"op": "SetIdTag", "idTag": TAG, "status": "Accepted"},
        {"op": "PresentIdTag", "connectorId": 1, "idTag": TAG}, {"op": "PresentIdTag", "connectorId": 1, "idTag": TAG},
        {"op": "ReserveNow", "connectorId": 1, "expiryDate": iso(EPOCH + 3600), "idTag": TAG, "reservationId": 1},
        {"op": "PlugIn", "connectorId": 1}, {"op": "PresentIdTag", "connectorId": 1, "idTag": TAG}])
    assert all(f == () for f in found)
    assert report.recommendations == {"ReservedIdTagNotValidated": 1} and report.accepted == {}


def test_3_13_1_a_tx_profile_whose_transaction_still_runs_is_not_judged():
    """A remote start's TxProfile, its StartTransaction failed once and sent again (§3.7.1): the transaction runs."""
    from test_model_smartcharging import START, T0, clear, fresh, profile

    state = attrs.evolve(fresh(), policy=((TAG, "Accepted", None),))
    state = judge(state, Stimulus.from_step(step("PlugIn", connectorId=1)), [sn(1, "Preparing")]).state
    payload = {"connectorId": 1, "idTag": TAG, "meterStart": 0, "timestamp": START}
    remote = step("RemoteStartTransaction", connectorId=1, idTag=TAG, chargingProfile=profile(9, "TxProfile"))
    state = judge(state, Stimulus.from_step(remote), [Answer("result", {"status": "Accepted"}),
                                                       CpCall("StartTransaction", payload, T0, error="InternalError"),
                                                       sn(1, "Charging")]).state
    again = CpCall("StartTransaction", payload, T0 + 60, answer={"transactionId": 7, "idTagInfo": {"status": "Accepted"}})
    state = judge(state, Stimulus.from_step(step("AdvanceTime", seconds=60)), [again]).state
    assert clear(state, "Accepted", id=9)[1] == []
