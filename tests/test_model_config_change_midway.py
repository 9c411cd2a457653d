"""A configuration key changed while an activity it governs is under way (§5.3: Accepted, "effective immediately").

The pattern of 7b934cb (ConnectionTimeOut, blind set 3): §5.3 does not say whether an activity already under way takes
the new value or keeps the one it began with (a timer armed earlier), so one begun before the change may follow either;
nothing outside both is accepted, and one begun after follows the new value only. This file audits the other keys the
model reads; each key has its tests both ways.
"""

from test_model_core import TAG, Trace, authorize, charging, preparing, result, sn, start_tx, step
from test_model_core_gaps import failed_start, failed_stop, resend

OTHER = "TAG2"


def change(trace: Trace, key: str, value) -> Trace:
    return trace.ok(step("ChangeConfiguration", key=key, value=str(value)), result(status="Accepted"))


# -- §3.7.1 TransactionMessageRetryInterval (§9.1.32) changed while a StopTransaction is retried ----------------
# The bundled charge point arms each wait when a transmission fails (adapters/chargepoint/link.py _failed): the wait
# under way keeps the old value, the next ones take the new. A charge point may as well re-arm at once, or keep the
# values the message's retries began with.


def test_3_7_1_a_shorter_interval_may_apply_to_the_wait_under_way():
    """60 -> 10 after the first failure: resent 10 s after it (the new value at once) is allowed."""
    trace = change(failed_stop(interval=60), "TransactionMessageRetryInterval", 10)
    trace.ok(step("AdvanceTime", seconds=10), resend(10.0))


def test_3_7_1_a_longer_interval_may_apply_to_the_wait_under_way():
    """10 -> 60: not resent after 10 s (the new value at once) is allowed; it is owed by 60 s."""
    trace = change(failed_stop(interval=10), "TransactionMessageRetryInterval", 60)
    trace.ok(step("AdvanceTime", seconds=30))
    trace.ok(step("AdvanceTime", seconds=30), resend(60.0))


def test_3_7_1_the_wait_under_way_may_keep_the_old_interval():
    """10 -> 60: resent after 10 s (the wait armed at the failure, as the bundled charge point does) is allowed."""
    trace = change(failed_stop(interval=10), "TransactionMessageRetryInterval", 60)
    trace.ok(step("AdvanceTime", seconds=10), resend(10.0))


def test_3_7_1_later_waits_of_the_same_message_may_keep_the_old_interval():
    """60 -> 10: a charge point that keeps the values the message's retries began with waits 120 s after the second
    failure (the bundled one, 20 s): silent at 80 s, resent at 180 s."""
    trace = change(failed_stop(interval=60), "TransactionMessageRetryInterval", 10)
    trace.ok(step("AdvanceTime", seconds=60), resend(60.0, error="InternalError"))
    trace.ok(step("AdvanceTime", seconds=20))
    trace.ok(step("AdvanceTime", seconds=100), resend(180.0))


def test_3_7_1_a_resend_before_both_intervals_is_still_early():
    trace = change(failed_stop(interval=60), "TransactionMessageRetryInterval", 30)
    assert trace.do(step("AdvanceTime", seconds=10), resend(10.0)) == ["TransactionMessageRetryEarly"]


def test_3_7_1_no_resend_after_both_intervals_is_still_missing():
    trace = change(failed_stop(interval=10), "TransactionMessageRetryInterval", 60)
    assert trace.do(step("AdvanceTime", seconds=61)) == ["TransactionMessageRetry"]


def test_3_7_1_a_message_failing_after_the_change_runs_by_the_new_interval_only():
    """The next transaction's StopTransaction, failing after 60 -> 10, is early at 5 s and late after 10 s."""
    trace = change(failed_stop(interval=60), "TransactionMessageRetryInterval", 10)
    trace.ok(step("AdvanceTime", seconds=60), resend(60.0))
    preparing(trace, connector=2).ok(step("SetIdTag", idTag=OTHER, status="Accepted"))
    trace.ok(step("PresentIdTag", connectorId=2, idTag=OTHER), authorize(OTHER, t=60.0),
             start_tx(2, OTHER, tx_id=2, t=60.0), sn(2, "Charging", 60.0))
    failing = resend(60.0, error="InternalError")
    failing.payload["transactionId"] = 2
    trace.ok(step("RemoteStopTransaction", transactionId=2), result(status="Accepted"), failing, sn(2, "Finishing", 60.0))
    assert trace.do(step("AdvanceTime", seconds=11)) == ["TransactionMessageRetry"]
    trace = change(failed_stop(interval=60), "TransactionMessageRetryInterval", 10)
    trace.ok(step("AdvanceTime", seconds=60), resend(60.0))
    preparing(trace, connector=2).ok(step("SetIdTag", idTag=OTHER, status="Accepted"))
    trace.ok(step("PresentIdTag", connectorId=2, idTag=OTHER), authorize(OTHER, t=60.0),
             start_tx(2, OTHER, tx_id=2, t=60.0), sn(2, "Charging", 60.0))
    trace.ok(step("RemoteStopTransaction", transactionId=2), result(status="Accepted"), failing, sn(2, "Finishing", 60.0))
    early = resend(65.0)
    early.payload["transactionId"] = 2
    assert trace.do(step("AdvanceTime", seconds=5), early) == ["TransactionMessageRetryEarly"]


# -- §3.7.1 TransactionMessageAttempts (§9.1.31) changed while a StopTransaction is retried -----------------------


def test_3_7_1_fewer_attempts_may_discard_the_message_under_way():
    """3 -> 1 after the first failure: a charge point that reads the key when it would resend discards it (the
    bundled one resends: it decided at the failure). Neither a missing retry, nor a queue held behind it."""
    trace = change(failed_stop(attempts=3), "TransactionMessageAttempts", 1)
    trace.ok(step("AdvanceTime", seconds=600))
    preparing(trace, connector=2).ok(step("SetIdTag", idTag=OTHER, status="Accepted"))
    trace.ok(step("PresentIdTag", connectorId=2, idTag=OTHER), authorize(OTHER, t=600.0),
             start_tx(2, OTHER, tx_id=2, t=600.0), sn(2, "Charging", 600.0))


def test_3_7_1_fewer_attempts_may_still_resend_the_message_under_way():
    """5 -> 2: a charge point that keeps the count its retries began with resends after the second failure."""
    trace = change(failed_stop(attempts=5), "TransactionMessageAttempts", 2)
    trace.ok(step("AdvanceTime", seconds=60), resend(60.0, error="InternalError"))
    trace.ok(step("AdvanceTime", seconds=120), resend(180.0))


def test_3_7_1_more_attempts_may_still_discard_by_the_old_count():
    """2 -> 5: a charge point that keeps the count its retries began with discards after the second failure."""
    trace = change(failed_stop(attempts=2), "TransactionMessageAttempts", 5)
    trace.ok(step("AdvanceTime", seconds=60), resend(60.0, error="InternalError"))
    trace.ok(step("AdvanceTime", seconds=600))


def test_3_7_1_a_resend_past_both_counts_is_still_discarded_message_resent():
    trace = change(failed_stop(attempts=3), "TransactionMessageAttempts", 2)
    trace.ok(step("AdvanceTime", seconds=60), resend(60.0, error="InternalError"))
    trace.ok(step("AdvanceTime", seconds=120), resend(180.0, error="InternalError"))
    assert trace.do(step("AdvanceTime", seconds=180), resend(360.0)) == ["DiscardedMessageResent"]


def test_3_7_1_a_retry_both_counts_owe_is_still_missing():
    """2 -> 3 after the first failure: both readings resend once more."""
    trace = change(failed_stop(attempts=2), "TransactionMessageAttempts", 3)
    assert trace.do(step("AdvanceTime", seconds=61)) == ["TransactionMessageRetry"]


# -- the same for a StartTransaction retried (§3.7.1, errata 3.18) --------------------------------------------------


def test_3_7_1_fewer_attempts_may_give_up_a_start_transaction_under_way():
    trace = change(failed_start(TransactionMessageAttempts=3, TransactionMessageRetryInterval=60),
                   "TransactionMessageAttempts", 1)
    trace.ok(step("AdvanceTime", seconds=600))


def test_3_7_1_a_start_transaction_given_up_by_fewer_attempts_ends_with_minus_one():
    """3 -> 1 after the first failure: a charge point that gives the StartTransaction up stops the transaction with
    transactionId -1 (errata 3.18); before, StopTransactionUnknownId."""
    from test_model_core import EV_GONE, stop_tx

    trace = change(failed_start(TransactionMessageAttempts=3, TransactionMessageRetryInterval=60),
                   "TransactionMessageAttempts", 1)
    trace.ok(step("Unplug", connectorId=1), stop_tx(-1, "EVDisconnected"), sn(1, "Finishing", info=EV_GONE))


def test_3_7_1_a_start_transaction_neither_count_gives_up_is_not_stopped_with_minus_one():
    from test_model_core import EV_GONE, stop_tx

    trace = change(failed_start(TransactionMessageAttempts=3, TransactionMessageRetryInterval=60),
                   "TransactionMessageAttempts", 2)
    assert trace.do(step("Unplug", connectorId=1), stop_tx(-1, "EVDisconnected"),
                    sn(1, "Finishing", info=EV_GONE)) == ["StopTransactionUnknownId"]


def test_3_7_1_a_longer_interval_may_apply_to_a_start_transaction_under_way():
    trace = change(failed_start(TransactionMessageAttempts=3, TransactionMessageRetryInterval=10),
                   "TransactionMessageRetryInterval", 60)
    trace.ok(step("AdvanceTime", seconds=30))
    trace.ok(step("AdvanceTime", seconds=30), start_tx(1, TAG, t=60.0))


def test_3_7_1_a_start_transaction_not_resent_by_both_intervals_is_still_missing():
    trace = change(failed_start(TransactionMessageAttempts=3, TransactionMessageRetryInterval=10),
                   "TransactionMessageRetryInterval", 60)
    assert trace.do(step("AdvanceTime", seconds=61)) == ["TransactionMessageRetry"]


# -- §9.1.20 MinimumStatusDuration changed while a status waits to be sent (§4.9) ---------------------------------


def waiting_status(before: int, after: int) -> Trace:
    """A cable plugged in at 0 s; its Preparing not sent yet (a delay of ``before`` s), then the key changed."""
    trace = Trace(MinimumStatusDuration=before)
    trace.ok(step("PlugIn", connectorId=1))
    return change(trace, "MinimumStatusDuration", after)


def test_9_1_20_a_status_waiting_may_keep_the_delay_it_began_with():
    """60 -> 0: a charge point that armed its delay when Preparing began sends it at 60 s."""
    trace = waiting_status(60, 0)
    trace.ok(step("AdvanceTime", seconds=30))
    trace.ok(step("AdvanceTime", seconds=30), sn(1, "Preparing", 60.0))


def test_9_1_20_a_status_waiting_may_take_the_new_delay():
    waiting_status(60, 0).ok(step("AdvanceTime", seconds=1), sn(1, "Preparing", 1.0))


def test_9_1_20_a_status_waiting_past_both_delays_is_still_not_reported():
    assert waiting_status(60, 0).do(step("AdvanceTime", seconds=61)) == ["StatusNotReported"]


def test_9_1_20_a_status_begun_after_the_change_runs_by_the_new_delay_only():
    """60 -> 0, Preparing sent at 10 s, then the cable out: Available began after the change and is owed at once."""
    trace = waiting_status(60, 0)
    trace.ok(step("AdvanceTime", seconds=10), sn(1, "Preparing", 10.0))
    assert trace.do(step("Unplug", connectorId=1)) == ["StatusNotReported"]


def test_9_1_20_statuses_may_still_be_omitted_while_the_old_delay_runs():
    """60 -> 0: a status shorter than the old delay, begun before the change, may have gone unreported (§4.9), so
    the transition table's gaps are open until the old delay has passed, and closed after it."""
    from model.core import CoreRules

    trace = waiting_status(60, 0)
    assert CoreRules(trace.state).omits_short_statuses()
    trace.ok(step("AdvanceTime", seconds=61), sn(1, "Preparing", 61.0))
    assert not CoreRules(trace.state).omits_short_statuses()
    assert trace.state.status_duration_before is None


# -- §9.1.5 ClockAlignedDataInterval changed while a timer for the next boundary is armed (§3.16.2, errata 3.15) -----


def aligned_change(before: int, after: int) -> Trace:
    trace = Trace(MeterValuesAlignedData="Energy.Active.Import.Register", ClockAlignedDataInterval=before)
    return change(trace, "ClockAlignedDataInterval", after)


def test_9_1_5_a_shorter_interval_may_wait_for_the_boundary_armed_before():
    """900 -> 60 at 00:00:00: a charge point that keeps the timer it armed for 00:15:00 sends no reading before it
    (the bundled one re-arms at once, for 00:01:00)."""
    aligned_change(900, 60).ok(step("AdvanceTime", seconds=890))


def test_9_1_5_a_shorter_interval_may_apply_at_once():
    from test_model_core_gaps import clock_reading

    aligned_change(900, 60).ok(step("AdvanceTime", seconds=120), clock_reading(60.0), clock_reading(120.0))


def test_9_1_5_the_boundary_armed_before_is_still_owed():
    assert set(aligned_change(900, 60).do(step("AdvanceTime", seconds=900))) == {"ClockAlignedReadingMissing"}


def test_9_1_5_the_new_interval_is_owed_after_the_boundary_armed_before():
    from test_model_core_gaps import clock_reading

    trace = aligned_change(900, 60)
    trace.ok(step("AdvanceTime", seconds=900), clock_reading(900.0))
    assert trace.state.aligned_before is None
    assert trace.do(step("AdvanceTime", seconds=60)) == ["ClockAlignedReadingMissing"]


# -- §9.1.14 MaxEnergyOnInvalidId changed while a transaction runs invalid (§4.8, errata 3.17) -----------------------


def invalid_transaction(max_energy: int, connector: int = 1, tx_id: int = 1, trace: Trace | None = None) -> Trace:
    """A StartTransaction.conf Invalid with StopTransactionOnInvalidId false: the transaction goes on, charging up
    to MaxEnergyOnInvalidId (Charging) or suspended (SuspendedEVSE)."""
    trace = preparing(trace or Trace(StopTransactionOnInvalidId=False, MaxEnergyOnInvalidId=max_energy), connector)
    trace.ok(step("SetIdTag", idTag=TAG, status="Accepted"))
    return trace.ok(step("PresentIdTag", connectorId=connector, idTag=TAG), authorize(TAG),
                    start_tx(connector, TAG, tx_id=tx_id, status="Invalid"), sn(connector, "Charging"))


def test_9_1_14_a_transaction_running_invalid_may_keep_its_energy_budget():
    """1000 -> 0: a charge point that set the budget when the transaction became invalid goes on Charging."""
    change(invalid_transaction(1000), "MaxEnergyOnInvalidId", 0).ok(step("AdvanceTime", seconds=10))


def test_9_1_14_a_transaction_running_invalid_may_stop_charging_at_once():
    change(invalid_transaction(1000), "MaxEnergyOnInvalidId", 0).ok(
        step("AdvanceTime", seconds=10), sn(1, "SuspendedEVSE", 10.0))


def test_9_1_14_a_transaction_invalid_after_the_change_runs_by_the_new_value_only():
    trace = change(invalid_transaction(1000), "MaxEnergyOnInvalidId", 0)
    trace.ok(step("AdvanceTime", seconds=10), sn(1, "SuspendedEVSE", 10.0))
    assert trace.do(step("PlugIn", connectorId=2), sn(2, "Preparing", 10.0)) == []
    assert trace.do(step("PresentIdTag", connectorId=2, idTag=TAG), authorize(TAG, t=10.0),
                    start_tx(2, TAG, tx_id=2, status="Invalid", t=10.0), sn(2, "Charging", 10.0)) == [
        "StatusNotReported"]


# -- keys judged safe: what the model already does when they change mid-activity ---------------------------------


def test_9_1_19_a_sample_interval_changed_mid_transaction_leaves_its_sampling_unjudged():
    """MeterValueSampleInterval 10 -> 60 (§9.1.19 "from the start of the charging transaction"): forget_sampling
    leaves the running transaction's samples unjudged, so the old timer's sample at 10 s and the new one's at 60 s,
    or none, are all allowed."""
    from test_model_core_gaps import sample

    trace = change(charging(Trace(MeterValueSampleInterval=10)), "MeterValueSampleInterval", 60)
    trace.ok(step("AdvanceTime", seconds=10), sample(10))
    trace.ok(step("AdvanceTime", seconds=600))


def measured(t: float, stamp: str, measurand: str):
    from model import CpCall

    return CpCall("MeterValues", {"connectorId": 1, "transactionId": 1, "meterValue": [
        {"timestamp": stamp, "sampledValue": [{"value": "10", "measurand": measurand}]}]}, t, answer={})


def test_9_1_17_sampled_measurands_follow_the_key_by_the_time_a_sample_was_taken():
    """MeterValuesSampledData prescribes the measurands of each MeterValues.req (§3.16.1), not of a transaction (unlike
    StopTxnSampledData, "from the start of the Transaction": stop_sampled_changed): a sample taken before the change
    may carry the old set, one taken after carries the new."""
    trace = charging(Trace(MeterValuesSampledData="Energy.Active.Import.Register"))
    trace.ok(step("AdvanceTime", seconds=10))
    change(trace, "MeterValuesSampledData", "Power.Active.Import")
    trace.ok(step("AdvanceTime", seconds=1), measured(11.0, "1970-01-01T00:00:05Z", "Energy.Active.Import.Register"))
    assert trace.do(step("AdvanceTime", seconds=1), measured(12.0, "1970-01-01T00:00:12Z",
                                                             "Energy.Active.Import.Register")) == [
        "MeasurandNotConfigured", "ConfiguredMeasurandMissing"]


def test_9_1_23_an_ev_side_disconnect_after_the_change_follows_the_new_value():
    """StopTransactionOnEVSideDisconnect governs what the Charge Point does when the cable is unplugged (§9.1.23):
    nothing is under way before that event, so an unplug after the change follows the new value, both ways."""
    from test_model_core import EV_GONE

    trace = change(charging(Trace(StopTransactionOnEVSideDisconnect=True)), "StopTransactionOnEVSideDisconnect", "false")
    trace.ok(step("Unplug", connectorId=1), sn(1, "SuspendedEV", info=EV_GONE))
    trace = change(charging(Trace(StopTransactionOnEVSideDisconnect=False)), "StopTransactionOnEVSideDisconnect", "true")
    assert trace.do(step("Unplug", connectorId=1), sn(1, "SuspendedEV", info=EV_GONE)) == [
        "StopTransactionOnEVSideDisconnect"]


def test_9_1_13_a_card_authorized_before_the_change_stays_authorized():
    """LocalPreAuthorize (and the other local authorization keys, §3.5, §9.1.12, §9.2.1) decide when the card is
    presented: a card pre-authorized from the cache waits for its cable, and starts after the key is set false."""
    trace = Trace(LocalPreAuthorize=True)
    trace.ok(step("SetIdTag", idTag=TAG, status="Accepted"))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), sn(1, "Preparing"))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), sn(1, "Available"))  # §4.9 B1: presented again
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), sn(1, "Preparing"))  # from the cache, no Authorize
    change(trace, "LocalPreAuthorize", "false")
    trace.ok(step("PlugIn", connectorId=1), start_tx(1, TAG), sn(1, "Charging"))


# -- §9.1.27 StopTxnSampledData, §9.1.26 StopTxnAlignedData changed while a transaction runs (§3.16) ---------------


def stop_with_data(trace: Trace, t: float, *readings, tx_id: int = 1, connector: int = 1) -> list[str]:
    """A remote stop whose transactionData holds ``readings``: (seconds, measurand, context)."""
    from model import CpCall

    data = [{"timestamp": f"1970-01-01T00:00:{at:02d}Z",
             "sampledValue": [{"value": "5", "measurand": measurand, "context": context}]}
            for at, measurand, context in readings]
    stop = CpCall("StopTransaction", {"transactionId": tx_id, "meterStop": 100, "timestamp": "1970-01-01T00:00:30Z",
                                      "reason": "Remote", "transactionData": data}, t, answer={})
    return trace.do(step("RemoteStopTransaction", transactionId=tx_id), result(status="Accepted"), stop,
                    sn(connector, "Finishing", t))


ENERGY, POWER = "Energy.Active.Import.Register", "Power.Active.Import"


def stop_data_changed(key: str = "StopTxnSampledData") -> Trace:
    """A transaction from 0 s with ``key`` Energy, changed to Power at 10 s."""
    trace = charging(Trace(**{key: ENERGY}))
    trace.ok(step("AdvanceTime", seconds=10))
    return change(trace, key, POWER)


def test_9_1_27_transaction_data_may_hold_readings_by_the_value_the_transaction_began_with():
    """"every MeterValueSampleInterval seconds from the start of the Transaction" (§3.16): readings of either set,
    taken before the change or after it (a charge point that keeps the set its transaction began with)."""
    trace = stop_data_changed()
    trace.ok(step("AdvanceTime", seconds=20))
    assert stop_with_data(trace, 30.0, (5, ENERGY, "Sample.Periodic"), (15, ENERGY, "Sample.Periodic"),
                          (25, POWER, "Sample.Periodic")) == []


def test_9_1_26_aligned_transaction_data_may_hold_readings_by_the_value_the_transaction_began_with():
    trace = stop_data_changed("StopTxnAlignedData")
    trace.ok(step("AdvanceTime", seconds=20))
    assert stop_with_data(trace, 30.0, (0, ENERGY, "Sample.Clock"), (20, POWER, "Sample.Clock")) == []


def test_9_1_27_a_measurand_of_neither_value_is_still_not_configured():
    trace = stop_data_changed()
    trace.ok(step("AdvanceTime", seconds=20))
    assert stop_with_data(trace, 30.0, (15, "Voltage", "Sample.Periodic")) == ["MeasurandNotConfigured"]


def test_9_1_27_a_transaction_begun_after_the_change_holds_the_new_value_only():
    trace = stop_data_changed()
    trace.ok(step("AdvanceTime", seconds=20))
    assert stop_with_data(trace, 30.0, (25, POWER, "Sample.Periodic")) == []
    trace.ok(step("Unplug", connectorId=1), sn(1, "Available", 30.0))
    charging(trace, tx_id=2)
    assert "MeasurandNotConfigured" in stop_with_data(trace, 30.0, (30, ENERGY, "Sample.Periodic"), tx_id=2)
