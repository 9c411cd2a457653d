"""Core rules for the gaps the register of requirements showed (issue 13, docs/spec-coverage.md).

Timings judged on both sides where the spec bounds them, the order of the
transaction-related queue, and values checked against their domains. Each rule
is tested both ways: it fires on the wrong behaviour and is silent on every
behaviour the spec allows.
"""

from __future__ import annotations

import attrs
import pytest

from model import CpCall, Options

from test_model_core import (IDLE, TAG, Trace, authorize, boot, charging, down, offline_started, preparing, result, sn,
                             start_tx, start_tx_unanswered, statuses, step, stop_tx, up)

OTHER = "TAG2"


def failed_stop(attempts: int = 3, interval: int = 60, t: float = 0.0) -> Trace:
    """A transaction on connector 1 stopped remotely; the Central System fails its StopTransaction."""
    trace = charging(Trace(TransactionMessageAttempts=attempts, TransactionMessageRetryInterval=interval))
    failing = CpCall("StopTransaction", {"transactionId": 1, "meterStop": 10, "timestamp": "2025-01-01T00:00:00Z",
                                          "reason": "Remote"}, t, answer=None, error="InternalError")
    trace.ok(step("RemoteStopTransaction", transactionId=1), result(status="Accepted"), failing, sn(1, "Finishing"))
    return trace


def resend(t: float, error: str | None = None) -> CpCall:
    payload = {"transactionId": 1, "meterStop": 10, "timestamp": "2025-01-01T00:00:00Z", "reason": "Remote"}
    return CpCall("StopTransaction", payload, t, answer=None if error else {}, error=error)


# -- §3.7.1 TransactionMessageRetryInterval: not before, not after ------------------------------


def test_3_7_1_resend_after_the_interval_is_allowed():
    trace = failed_stop()
    trace.ok(step("AdvanceTime", seconds=30))
    trace.ok(step("AdvanceTime", seconds=30), resend(60.0))


def test_3_7_1_resend_before_the_interval_is_a_violation():
    assert failed_stop().do(step("AdvanceTime", seconds=30), resend(30.0)) == ["TransactionMessageRetryEarly"]


def test_3_7_1_resend_at_once_is_a_violation():
    trace = charging(Trace(TransactionMessageAttempts=3, TransactionMessageRetryInterval=60))
    failing = resend(0.0, error="InternalError")
    assert trace.do(step("RemoteStopTransaction", transactionId=1), result(status="Accepted"), failing,
                    resend(0.0), sn(1, "Finishing")) == ["TransactionMessageRetryEarly"]


def test_3_7_1_the_second_wait_is_twice_the_interval():
    trace = failed_stop()
    trace.ok(step("AdvanceTime", seconds=60), resend(60.0, error="InternalError"))
    assert trace.do(step("AdvanceTime", seconds=60), resend(120.0)) == ["TransactionMessageRetryEarly"]
    trace = failed_stop()
    trace.ok(step("AdvanceTime", seconds=60), resend(60.0, error="InternalError"))
    trace.ok(step("AdvanceTime", seconds=60))
    trace.ok(step("AdvanceTime", seconds=60), resend(180.0))


def test_3_7_1_a_late_resend_is_still_transaction_message_retry():
    assert failed_stop().do(step("AdvanceTime", seconds=61)) == ["TransactionMessageRetry"]


def test_3_7_1_the_tolerance_allows_an_early_resend_on_a_wall_clock():
    trace = charging(Trace(Options(tolerance=2.0), TransactionMessageAttempts=3, TransactionMessageRetryInterval=60))
    trace.ok(step("RemoteStopTransaction", transactionId=1), result(status="Accepted"),
             resend(0.0, error="InternalError"), sn(1, "Finishing"))
    trace.ok(step("AdvanceTime", seconds=59), resend(59.0))


def test_3_7_1_after_a_reboot_the_queue_may_go_out_at_once():
    trace = failed_stop()
    trace.ok(step("PowerLoss"), down())
    trace.ok(step("PowerOn"), up(), boot(), resend(0.0), *statuses((0, "Available"), (1, "Finishing"), (2, "Available")))


def test_3_7_1_unknown_retry_settings_judge_no_wait():
    trace = charging(Trace())
    trace.ok(step("RemoteStopTransaction", transactionId=1), result(status="Accepted"),
             resend(0.0, error="InternalError"), resend(0.0), sn(1, "Finishing"))


def failed_start(**config) -> Trace:
    """TAG1 at connector 1 with its cable: the Central System fails the StartTransaction (a CALLERROR, §3.7.1)."""
    trace = preparing(Trace(**config))
    return trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG),
                    start_tx_unanswered(1, TAG), sn(1, "Charging"))


def test_3_7_1_a_failed_start_transaction_is_sent_again_within_the_interval():
    """§3.7.1: "When the Charge Point encounters a first failure to deliver a certain transaction-related message, it
    SHOULD send this message again as long as it keeps resulting in a failure to process the message and it does not
    exceed the maximum number of retries": a StartTransaction too (before, only a failed StopTransaction was owed
    again). Resent at 60 s (TransactionMessageRetryInterval 60 × 1 failure) it is silent."""
    trace = failed_start(TransactionMessageAttempts=3, TransactionMessageRetryInterval=60)
    trace.ok(step("AdvanceTime", seconds=60), start_tx(1, TAG, t=60.0))


def test_3_7_1_a_failed_start_transaction_never_sent_again_is_transaction_message_retry():
    trace = failed_start(TransactionMessageAttempts=3, TransactionMessageRetryInterval=60)
    assert trace.do(step("AdvanceTime", seconds=61)) == ["TransactionMessageRetry"]


@pytest.mark.parametrize("config", [{}, {"TransactionMessageAttempts": 1, "TransactionMessageRetryInterval": 60}])
def test_3_7_1_a_failed_start_transaction_is_owed_again_only_with_attempts_left_and_settings_known(config):
    """Unknown TransactionMessageAttempts or TransactionMessageRetryInterval set no deadline; with 1 attempt the
    message is discarded (errata 3.18: the transaction goes on without a transactionId)."""
    failed_start(**config).ok(step("AdvanceTime", seconds=600))


# -- §3.7 the transaction-related queue ---------------------------------------------------


def start_on_two(t: float) -> list:
    return [authorize(OTHER, t=t), start_tx(2, OTHER, tx_id=2, t=t), sn(2, "Charging", t)]


def test_3_7_a_start_transaction_before_the_retry_is_a_violation():
    trace = preparing(failed_stop(), connector=2)
    trace.ok(step("SetIdTag", idTag=OTHER, status="Accepted"))
    assert trace.do(step("PresentIdTag", connectorId=2, idTag=OTHER), *start_on_two(0.0)) == [
        "TransactionMessageBeforeQueueEmptied"]


def test_3_7_a_start_transaction_waits_behind_the_retry():
    trace = preparing(failed_stop(), connector=2)
    trace.ok(step("SetIdTag", idTag=OTHER, status="Accepted"))
    trace.ok(step("PresentIdTag", connectorId=2, idTag=OTHER), authorize(OTHER), sn(2, "Charging"))
    trace.ok(step("AdvanceTime", seconds=60), resend(60.0), start_tx(2, OTHER, tx_id=2, t=60.0))


def test_3_7_a_retry_found_missing_was_discarded_and_the_queue_goes_on():
    """Issue 14 (MicroOcpp M16): once TransactionMessageRetry was found, the message is taken as discarded;
    the next transaction message is not TransactionMessageBeforeQueueEmptied as well."""
    trace = preparing(failed_stop(), connector=2)
    trace.ok(step("SetIdTag", idTag=OTHER, status="Accepted"))
    assert trace.do(step("AdvanceTime", seconds=61)) == ["TransactionMessageRetry"]
    trace.ok(step("PresentIdTag", connectorId=2, idTag=OTHER), *start_on_two(61.0))


def test_3_7_messages_that_are_not_transaction_related_need_not_wait():
    trace = failed_stop()
    trace.ok(step("PresentIdTag", connectorId=2, idTag=OTHER), authorize(OTHER, status="Invalid"))
    trace.ok(step("AdvanceTime", seconds=10), CpCall("Heartbeat", {}, 10.0, answer={"currentTime": "x"}))


def test_3_7_a_discarded_stop_transaction_no_longer_holds_the_queue():
    trace = failed_stop(attempts=2)
    trace.ok(step("AdvanceTime", seconds=60), resend(60.0, error="InternalError"))
    preparing(trace, connector=2).ok(step("SetIdTag", idTag=OTHER, status="Accepted"))
    trace.ok(step("PresentIdTag", connectorId=2, idTag=OTHER), *start_on_two(60.0))


# -- §4.2 the interval of a Pending or Rejected BootNotification.conf: not before, not after --------


def not_accepted(status: str, interval: int) -> Trace:
    trace = Trace()
    trace.ok(step("Reset", type="Soft"), result(status="Accepted"), down(), up(), boot(status, interval=interval))
    return trace


def test_4_2_boot_retry_after_the_interval_is_allowed():
    trace = not_accepted("Pending", 300)
    trace.ok(step("AdvanceTime", seconds=300), boot(t=300.0), *statuses(*IDLE, t=300.0))


def test_4_2_boot_retry_before_the_interval_is_a_violation():
    for status in ("Pending", "Rejected"):
        trace = not_accepted(status, 300)
        assert trace.do(step("AdvanceTime", seconds=61), boot(t=61.0), *statuses(*IDLE, t=61.0)) == [
            "BootNotificationRetryEarly"], status


def test_4_2_a_late_boot_retry_is_still_boot_notification_retry():
    assert not_accepted("Pending", 60).do(step("AdvanceTime", seconds=300)) == ["BootNotificationRetry"]


def test_4_2_interval_zero_leaves_the_wait_to_the_charge_point():
    trace = not_accepted("Pending", 0)
    trace.ok(step("AdvanceTime", seconds=1), boot(t=1.0), *statuses(*IDLE, t=1.0))


def test_4_2_a_reboot_sends_a_boot_notification_at_once():
    trace = not_accepted("Rejected", 300)
    trace.ok(step("PowerLoss"), down())
    trace.ok(step("PowerOn"), up(), boot(), *statuses(*IDLE))


def test_4_2_a_new_connection_may_follow_an_unseen_reboot():
    """While Rejected the Charge Point may close the connection, and reboot unseen (a firmware update)."""
    trace = not_accepted("Rejected", 300)
    trace.ok(step("AdvanceTime", seconds=61), down(61.0), up(61.0), boot(t=61.0), *statuses(*IDLE, t=61.0))


def test_4_2_a_triggered_boot_notification_may_come_earlier():
    trace = not_accepted("Pending", 300)
    profiles = {"key": "SupportedFeatureProfiles", "readonly": True, "value": "Core,RemoteTrigger"}
    trace.ok(step("GetConfiguration", key=["SupportedFeatureProfiles"]), result(configurationKey=[profiles]))
    trace.ok(step("TriggerMessage", requestedMessage="BootNotification"), result(status="Accepted"),
             boot(t=0.0), *statuses(*IDLE))


# -- §3.16.1, errata 3.15 MeterValueSampleInterval: not before, not after -------------------------


def sample(seconds: int, context: str = "Sample.Periodic") -> CpCall:
    stamp = f"2025-01-01T00:{seconds // 60:02d}:{seconds % 60:02d}Z"
    payload = {"connectorId": 1, "transactionId": 1,
               "meterValue": [{"timestamp": stamp, "sampledValue": [{"value": "10", "context": context}]}]}
    return CpCall("MeterValues", payload, float(seconds), answer={})


def sampling(options: Options | None = None) -> Trace:
    return charging(Trace(options, MeterValueSampleInterval=10))


def test_3_16_1_samples_at_the_interval_are_allowed():
    trace = sampling()
    trace.ok(step("AdvanceTime", seconds=20), sample(10), sample(20))


def test_3_16_1_a_sample_before_the_interval_is_a_violation():
    assert sampling().do(step("AdvanceTime", seconds=20), sample(10), sample(15)) == ["MeterValuesSampleEarly"]
    assert sampling().do(step("AdvanceTime", seconds=10), sample(6)) == ["MeterValuesSampleEarly"]


def test_3_16_1_a_sample_after_the_interval_is_still_late():
    assert sampling().do(step("AdvanceTime", seconds=20), sample(10), sample(22)) == ["MeterValuesSampleLate"]


def test_3_16_1_the_tolerance_allows_a_wall_clock_to_sample_a_little_early():
    trace = sampling(Options(tolerance=2.0))
    trace.ok(step("AdvanceTime", seconds=20), sample(10), sample(18))


def test_3_16_1_a_triggered_reading_is_outside_the_schedule():
    trace = sampling()
    trace.ok(step("AdvanceTime", seconds=10), sample(3, context="Trigger"), sample(10))


def test_3_16_1_a_new_interval_may_apply_at_once():
    trace = sampling()
    trace.ok(step("AdvanceTime", seconds=10), sample(10))
    trace.ok(step("ChangeConfiguration", key="MeterValueSampleInterval", value="10"), result(status="Accepted"))
    trace.ok(step("AdvanceTime", seconds=3), sample(13))


# -- §7.43 SampledValue.value: a Raw value is a decimal number --------------------------------------


def reading(value: str, value_format: str | None = None) -> CpCall:
    sampled = {"value": value, "context": "Sample.Clock"}
    if value_format:
        sampled["format"] = value_format
    payload = {"connectorId": 1, "meterValue": [{"timestamp": "2025-01-01T00:00:00Z", "sampledValue": [sampled]}]}
    return CpCall("MeterValues", payload, 0.0, answer={})


@pytest.mark.parametrize("value", ["12", "12.5", "-3", "+0.25", ".5", "1e3", "2.5E-1", " 7 "])
def test_7_43_decimal_raw_values_are_allowed(value):
    Trace().ok(step("AdvanceTime", seconds=0), reading(value))


@pytest.mark.parametrize("value", ["12,5", "12 Wh", "", "NaN", "0x1F", "1.2.3"])
def test_7_43_a_raw_value_that_is_no_decimal_number_is_a_violation(value):
    assert Trace().do(step("AdvanceTime", seconds=0), reading(value)) == ["SampledValueNotDecimal"]
    assert Trace().do(step("AdvanceTime", seconds=0), reading(value, "Raw")) == ["SampledValueNotDecimal"]


def test_7_43_signed_data_may_be_any_string():
    Trace().ok(step("AdvanceTime", seconds=0), reading("MIIBIjANBgkqhk==", "SignedData"))


def test_7_43_transaction_data_values_are_decimal_numbers_too():
    trace = charging()
    data = [{"timestamp": "2025-01-01T00:00:00Z", "sampledValue": [{"value": "1,5", "context": "Transaction.End"}]}]
    stop = stop_tx(1, tag=TAG)
    stop.payload["transactionData"] = data
    assert trace.do(step("PresentIdTag", connectorId=1, idTag=TAG), stop, sn(1, "Finishing")) == [
        "SampledValueNotDecimal"]


# -- §4.9 EVCommunicationError only with Preparing, SuspendedEV, SuspendedEVSE and Finishing ------------


def test_4_9_ev_communication_error_as_a_warning_while_preparing_is_allowed():
    Trace().ok(step("PlugIn", connectorId=1), sn(1, "Preparing", error="EVCommunicationError"))


def test_4_9_ev_communication_error_while_suspended_or_finishing_is_allowed():
    trace = charging()
    trace.ok(step("EVSuspend", connectorId=1), sn(1, "SuspendedEV", error="EVCommunicationError"))
    trace.ok(step("RemoteStopTransaction", transactionId=1), result(status="Accepted"), stop_tx(1, "Remote"),
             sn(1, "Finishing", error="EVCommunicationError"))


def test_4_9_ev_communication_error_with_another_status_is_a_violation():
    assert Trace().do(step("AdvanceTime", seconds=0), sn(1, "Available", error="EVCommunicationError")) == [
        "EVCommunicationErrorStatus"]
    assert charging().do(step("EVSuspend", connectorId=1), sn(1, "Charging", error="EVCommunicationError")) == [
        "EVCommunicationErrorStatus", "StatusNotReported"]
    assert Trace().do(step("Fault", connectorId=1, errorCode="OtherError"),
                      sn(1, "Faulted", error="EVCommunicationError")) == ["EVCommunicationErrorStatus"]


# -- §3.7.1 after the final attempt the message SHOULD be discarded ---------------------------------


def test_3_7_1_after_the_final_attempt_the_message_is_discarded():
    trace = failed_stop(attempts=2)
    trace.ok(step("AdvanceTime", seconds=60), resend(60.0, error="InternalError"))
    trace.ok(step("AdvanceTime", seconds=600))


def test_3_7_1_sending_a_discarded_message_again_is_a_violation():
    trace = failed_stop(attempts=2)
    trace.ok(step("AdvanceTime", seconds=60), resend(60.0, error="InternalError"))
    assert trace.do(step("AdvanceTime", seconds=120), resend(180.0)) == ["DiscardedMessageResent"]


def test_3_7_1_more_attempts_set_meanwhile_keep_the_message():
    trace = failed_stop(attempts=2)
    trace.ok(step("ChangeConfiguration", key="TransactionMessageAttempts", value="3"), result(status="Accepted"))
    trace.ok(step("AdvanceTime", seconds=60), resend(60.0, error="InternalError"))
    trace.ok(step("AdvanceTime", seconds=120), resend(180.0))


# -- errata 3.15 ClockAlignedDataInterval > 0: a reading at every interval -----------------------------


def clock_reading(t: float) -> CpCall:
    payload = {"connectorId": 1, "meterValue": [{"timestamp": "1970-01-01T00:01:00Z",
                                                 "sampledValue": [{"value": "1", "context": "Sample.Clock"}]}]}
    return CpCall("MeterValues", payload, t, answer={})


def aligned(options: Options | None = None) -> Trace:
    return Trace(options, MeterValuesAlignedData="Energy.Active.Import.Register", ClockAlignedDataInterval=60)


def test_errata_3_15_a_reading_at_every_boundary_is_allowed():
    trace = aligned()
    trace.ok(step("AdvanceTime", seconds=180), clock_reading(60.0), clock_reading(120.0), clock_reading(180.0))


def test_errata_3_15_a_missing_reading_is_a_violation():
    assert aligned().do(step("AdvanceTime", seconds=180), clock_reading(60.0), clock_reading(120.0)) == [
        "ClockAlignedReadingMissing"]


def test_errata_3_15_the_first_boundary_after_a_change_may_pass():
    trace = Trace(MeterValuesAlignedData="Energy.Active.Import.Register")
    trace.ok(step("AdvanceTime", seconds=30))
    trace.ok(step("ChangeConfiguration", key="ClockAlignedDataInterval", value="60"), result(status="Accepted"))
    trace.ok(step("AdvanceTime", seconds=60))
    assert trace.do(step("AdvanceTime", seconds=60)) == ["ClockAlignedReadingMissing"]


def test_errata_3_15_offline_readings_are_not_owed():
    trace = aligned()
    trace.ok(step("NetworkDown"), down())
    trace.ok(step("AdvanceTime", seconds=180))
    trace.ok(step("NetworkUp"), up())


def test_errata_3_15_interval_zero_owes_nothing():
    trace = aligned()
    trace.ok(step("ChangeConfiguration", key="ClockAlignedDataInterval", value="0"), result(status="Accepted"))
    trace.ok(step("AdvanceTime", seconds=600))


def test_errata_3_15_a_wall_clock_reading_may_come_within_the_tolerance():
    trace = aligned(Options(tolerance=5.0))
    trace.ok(step("AdvanceTime", seconds=62))
    trace.ok(step("AdvanceTime", seconds=1), clock_reading(63.0))


# -- §3.5.4 the StartTransaction of a transaction authorized offline, once online -----------------------


def test_3_5_4_the_start_of_an_offline_transaction_at_reconnection_is_allowed():
    trace = offline_started(Trace())
    trace.ok(step("NetworkUp"), up(), sn(1, "Charging"), start_tx(1, TAG))


def test_3_5_4_a_refused_offline_card_owes_no_start():
    trace = offline_started(Trace())
    trace.ok(step("NetworkUp"), up(), sn(1, "Preparing"))


def test_3_5_4_an_offline_transaction_without_start_transaction_is_a_violation():
    trace = offline_started(Trace())
    assert trace.do(step("NetworkUp"), up(), sn(1, "Charging"))[0] == "OfflineTransactionNotSent"


def test_3_5_4_a_start_held_behind_the_queue_is_not_yet_owed():
    trace = failed_stop()
    trace.ok(step("NetworkDown"), down())
    trace.ok(step("PlugIn", connectorId=2))
    trace.ok(step("PresentIdTag", connectorId=2, idTag=OTHER))
    trace.ok(step("NetworkUp"), up(), sn(2, "Charging"))
    trace.ok(step("AdvanceTime", seconds=60), resend(60.0), start_tx(2, OTHER, tx_id=2, t=60.0))


# -- errata 3.18 a transaction whose StartTransaction was given up: transactionId -1 ------------------


def start_given_up(attempts: int = 2) -> Trace:
    """On connector 1 a transaction starts; the Central System fails its StartTransaction every time."""
    trace = preparing(Trace(TransactionMessageAttempts=attempts, TransactionMessageRetryInterval=60))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), start_tx_failing(0.0), sn(1, "Charging"))
    trace.ok(step("AdvanceTime", seconds=60), start_tx_failing(60.0))
    return trace


def start_tx_failing(t: float) -> CpCall:
    payload = {"connectorId": 1, "idTag": TAG, "meterStart": 0, "timestamp": "2025-01-01T00:00:00Z"}
    return CpCall("StartTransaction", payload, t, answer=None, error="InternalError")


def test_errata_3_18_the_stop_of_a_transaction_without_transaction_id_carries_minus_one():
    trace = start_given_up()
    assert trace.connector(1).tx.transaction_id == -1
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), stop_tx(-1, tag=TAG, t=60.0), sn(1, "Finishing"))


def test_errata_3_18_a_stop_with_another_transaction_id_is_a_violation():
    trace = start_given_up()
    assert trace.do(step("PresentIdTag", connectorId=1, idTag=TAG), stop_tx(0, tag=TAG, t=60.0),
                    sn(1, "Finishing"))[0] == "TransactionIdMinusOne"


def test_errata_3_18_a_stop_never_sent_is_a_violation():
    assert start_given_up().do(step("PresentIdTag", connectorId=1, idTag=TAG), sn(1, "Finishing")) == [
        "TransactionIdMinusOne"]


def test_errata_3_18_a_transaction_reported_over_without_its_stop_is_found_once_then_forgotten():
    """MicroOcppSimulator (sim-triage session 2): its StartTransaction given up, it reports Finishing and
    sends no StopTransaction (-1): that is the deviation, found once. The same card then starts a new
    transaction: no AuthorizeWhenStoppingWithSameIdTag, no DiscardedMessageResent."""
    trace = start_given_up()
    assert trace.do(step("AdvanceTime", seconds=5), sn(1, "Finishing", 65.0)) == ["TransactionIdMinusOne"]
    assert trace.connector(1).tx is None
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG, t=65.0),
             start_tx(1, TAG, tx_id=7, t=65.0), sn(1, "Charging", 65.0))


def test_errata_3_18_a_transaction_reported_over_is_not_charging_while_its_stop_is_owed():
    """MicroOcppSimulator: Finishing right after its StartTransaction was given up; until its StopTransaction
    (-1) is due, Finishing is no StatusNotReported."""
    trace = preparing(Trace(Options(tolerance=2.0), TransactionMessageAttempts=2, TransactionMessageRetryInterval=60))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), start_tx_failing(0.0), sn(1, "Charging"))
    trace.ok(step("AdvanceTime", seconds=60), start_tx_failing(60.0), sn(1, "Finishing", 60.0))
    assert trace.do(step("AdvanceTime", seconds=5)) == ["TransactionIdMinusOne"]


def test_3_7_1_a_start_given_up_after_unknown_attempts_may_end_its_transaction():
    """SAP simulator (sim-triage session 2): no TransactionMessageAttempts key, its StartTransaction answered
    with a CALLERROR and never sent again, the transaction dropped. The same card then starts a new one (or
    stops the first): neither is AuthorizeWhenStoppingWithSameIdTag."""
    trace = preparing(Trace())
    trace.ok(step("SetIdTag", idTag=TAG, status="Accepted"))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), start_tx_failing(0.0))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), start_tx(1, TAG, tx_id=3),
             sn(1, "Charging"))
    assert trace.connector(1).tx.transaction_id == 3


def given_up_unknown_attempts() -> Trace:
    """SAP simulator (sim-triage T12): no TransactionMessageAttempts key; its StartTransaction answered with a
    CALLERROR at 00:00:00 and (so far) not sent again."""
    trace = preparing(Trace())
    trace.ok(step("SetIdTag", idTag=TAG, status="Accepted"))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), start_tx_failing(0.0))
    return trace


def later_start(tx_id: int, t: float) -> CpCall:
    payload = {"connectorId": 1, "idTag": TAG, "meterStart": 0, "timestamp": "2025-01-01T00:00:30Z"}
    return CpCall("StartTransaction", payload, t, answer={"transactionId": tx_id, "idTagInfo": {"status": "Accepted"}})


def test_errata_3_18_a_start_given_up_after_unknown_attempts_owes_its_stop_minus_one_before_the_next_start():
    """Errata 3.18: a StartTransaction given up after unknown attempts (one may be all) leaves its transaction
    without transactionId; its StopTransaction carries -1 and comes before the next transaction's start (§3.7).
    A later start without it is TransactionIdMinusOne, found once; the resend (same timestamp) is none."""
    trace = given_up_unknown_attempts()
    assert trace.do(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG, t=30.0),
                    later_start(3, 30.0), sn(1, "Charging", 30.0)) == ["TransactionIdMinusOne"]
    assert trace.connector(1).tx.transaction_id == 3
    trace.ok(step("AdvanceTime", seconds=5), stop_tx(-1, reason="Other", t=35.0))  # late: still taken
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), stop_tx(3, tag=TAG, t=36.0), sn(1, "Finishing", 36.0))
    sent = given_up_unknown_attempts()
    sent.ok(step("PresentIdTag", connectorId=1, idTag=TAG), stop_tx(-1, tag=TAG, t=30.0), sn(1, "Finishing", 30.0))
    sent.ok(step("Unplug", connectorId=1), sn(1, "Available", 31.0))
    assert sent.connector(1).tx is None
    sent.ok(step("PlugIn", connectorId=1), sn(1, "Preparing", 32.0))
    sent.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG, t=33.0), later_start(4, 33.0),
            sn(1, "Charging", 33.0))
    given_up_unknown_attempts().ok(step("AdvanceTime", seconds=30), start_tx(1, TAG, tx_id=5, t=30.0),
                                   sn(1, "Charging", 30.0))  # the resend


def test_errata_3_18_a_transaction_reported_over_may_still_send_its_stop():
    trace = start_given_up()
    trace.ok(step("AdvanceTime", seconds=5), sn(1, "Finishing", 65.0), stop_tx(-1, reason="Other", t=65.0))
    assert trace.connector(1).tx is None


def test_3_5_4_a_refused_transaction_reported_over_without_its_stop_is_found_once():
    """SAP simulator (sim-triage S15, S19, session 2): StartTransaction.conf Invalid, the Charge Point reports
    Available (here, cable in: Finishing) and sends no StopTransaction. Found once (StopTransactionOnInvalidId);
    then the transaction is over for the model too: no MeterValuesSampleMissing for it afterwards."""
    trace = preparing(Trace(MeterValueSampleInterval=3))
    trace.ok(step("SetIdTag", idTag=TAG, status="Accepted"))
    assert trace.do(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG),
                    start_tx(1, TAG, tx_id=4, status="Invalid"), sn(1, "Finishing")) == ["StopTransactionOnInvalidId"]
    assert trace.connector(1).tx is None
    trace.ok(step("AdvanceTime", seconds=10))
    other = preparing(Trace(MeterValueSampleInterval=3))  # no cable model (SAP): Available, cable in
    other.ok(step("SetIdTag", idTag=TAG, status="Accepted"))
    assert other.do(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG),
                    start_tx(1, TAG, tx_id=4, status="Invalid"), sn(1, "Available")) == ["StopTransactionOnInvalidId"]
    other.ok(step("AdvanceTime", seconds=10))


def test_errata_3_18_while_the_start_is_retried_the_stop_waits():
    trace = start_given_up(attempts=3)
    assert trace.connector(1).tx.transaction_id is None
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), sn(1, "Finishing"))
    trace.ok(step("AdvanceTime", seconds=120), start_tx_failing(180.0), stop_tx(-1, tag=TAG, t=180.0))


def test_3_7_1_a_start_transaction_sent_again_after_its_final_attempt_is_a_violation():
    trace = start_given_up()
    assert trace.do(step("AdvanceTime", seconds=120), start_tx(1, TAG, tx_id=5, t=180.0)) == ["DiscardedMessageResent"]
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), stop_tx(5, tag=TAG, t=180.0), sn(1, "Finishing"))


def test_errata_3_15_an_empty_measurand_list_owes_no_reading():
    trace = Trace(ClockAlignedDataInterval=60, MeterValuesAlignedData="")
    trace.ok(step("AdvanceTime", seconds=300))
    trace = Trace(ClockAlignedDataInterval=60)  # MeterValuesAlignedData not known
    trace.ok(step("AdvanceTime", seconds=300))
    trace = sampling()
    trace.ok(step("ChangeConfiguration", key="MeterValuesSampledData", value=""), result(status="Accepted"))
    trace.ok(step("AdvanceTime", seconds=300))


def test_errata_3_18_a_new_start_after_a_transaction_reported_over_finds_its_stop_missing_once():
    """MicroOcppSimulator (sim-triage session 2): Finishing right after its StartTransaction was given up, then
    the next card's StartTransaction before the StopTransaction (-1) was due: that Stop will not come (§3.7
    order), TransactionIdMinusOne once; the new start is no DiscardedMessageResent."""
    trace = preparing(Trace(Options(tolerance=10.0), TransactionMessageAttempts=2, TransactionMessageRetryInterval=60))
    trace.ok(step("SetIdTag", idTag=OTHER, status="Accepted"))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), start_tx_failing(0.0), sn(1, "Charging"))
    trace.ok(step("AdvanceTime", seconds=60), start_tx_failing(60.0), sn(1, "Finishing", 60.0))
    assert trace.do(step("PresentIdTag", connectorId=1, idTag=OTHER), authorize(OTHER, t=61.0),
                    start_tx(1, OTHER, tx_id=9, t=61.0), sn(1, "Charging", 61.0)) == ["TransactionIdMinusOne"]
    assert trace.connector(1).tx.transaction_id == 9
    trace.ok(step("AdvanceTime", seconds=20))


def test_4_2_a_graceful_power_loss_leaves_the_boot_retry_wait_unjudged():
    """SAP simulator (sim-triage S23): its stop/start keeps the boot retries of before; a BootNotification
    10 s after Rejected (interval 300) is not judged with power_loss "graceful"; without it, it is."""
    for graceful, expected in ((True, []), (False, ["BootNotificationRetryEarly"])):
        trace = Trace(Options(graceful_power_loss=graceful))
        trace.ok(step("SetBootResponse", status="Rejected", interval=300))
        trace.ok(step("PowerLoss"), down())
        trace.ok(step("PowerOn"), up(), boot("Rejected", interval=300))
        assert trace.do(step("AdvanceTime", seconds=10), boot("Accepted", t=10.0), *statuses(*IDLE, t=10.0)) == expected


def test_3_7_1_a_start_sent_again_keeps_what_was_seen_of_its_transaction():
    """MicroOcppSimulator (sim-triage mo-s4-1): its StartTransaction answered with CALLERRORs, the same card stops the
    transaction (Finishing; its StopTransaction waits behind the start, §3.7), the start is sent again and given up
    after TransactionMessageAttempts 3 (errata 3.18). A resend starts nothing new: the transaction stays reported
    over, Finishing is no StatusNotReported; its StopTransaction (-1) is still owed."""
    trace = preparing(Trace(Options(tolerance=2.0), TransactionMessageAttempts=3, TransactionMessageRetryInterval=1))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), start_tx_failing(0.0), sn(1, "Charging"))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), sn(1, "Finishing"), start_tx_failing(1.0))
    assert trace.do(step("AdvanceTime", seconds=3), start_tx_failing(2.0)) == []
    assert trace.connector(1).tx.transaction_id == -1 and trace.connector(1).tx.overdue
    assert "StatusNotReported" not in trace.do(step("AdvanceTime", seconds=5))


# -- §3.7.1 with errata 3.36: a transmission whose .conf never came is neither a success nor a failure ---------


def unanswered(t: float) -> CpCall:
    return attrs.evolve(resend(t), answer=None, error=None)


def lost_then_failed(attempts: int) -> Trace:
    """Failure 1, a resend whose connection was lost before its .conf (errata 3.36), a resend that fails again."""
    trace = preparing(failed_stop(attempts=attempts), connector=2)
    trace.ok(step("SetIdTag", idTag=OTHER, status="Accepted"))
    trace.ok(step("AdvanceTime", seconds=60), unanswered(60.0), down(), up(), resend(60.0, error="InternalError"))
    return trace


def test_3_7_1_errata_3_36_a_lost_conf_keeps_the_failures_counted_so_the_last_attempt_may_discard():
    """Hostile nightly (session 4, seed 13): the model took the StopTransaction without a .conf as delivered and
    counted failures from 1 again, so the Charge Point that discarded it after its last failure was flagged."""
    trace = lost_then_failed(attempts=2)
    trace.ok(step("PresentIdTag", connectorId=2, idTag=OTHER), *start_on_two(60.0))


def test_3_7_1_errata_3_36_a_lost_conf_is_no_success_the_queue_still_waits_for_the_retry():
    trace = lost_then_failed(attempts=3)
    assert trace.do(step("PresentIdTag", connectorId=2, idTag=OTHER), *start_on_two(60.0)) == [
        "TransactionMessageBeforeQueueEmptied"]


def test_errata_3_18_a_stop_owed_before_its_start_was_given_up_is_owed_with_minus_one():
    """MicroOcppSimulator (sim-triage mo-s4-2): the card stopped the transaction while its StartTransaction was sent
    again; once the start is given up, the StopTransaction owed carries transactionId -1 (errata 3.18), and its
    absence is that deviation (TransactionIdMinusOne, accepted for MO), not a second one (StopByPresentingIdTag)."""
    trace = preparing(Trace(Options(tolerance=2.0), TransactionMessageAttempts=3, TransactionMessageRetryInterval=1))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), start_tx_failing(0.0), sn(1, "Charging"))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), sn(1, "Finishing"), start_tx_failing(1.0))
    trace.ok(step("AdvanceTime", seconds=3), start_tx_failing(2.0))
    assert trace.do(step("AdvanceTime", seconds=5)) == ["TransactionIdMinusOne"]


def test_errata_3_18_two_transactions_given_up_each_stop_with_minus_one():
    """Budget 300, seed 1 (clean bundled charge point): the StartTransactions of transactions on both connectors were
    given up, so both stop with transactionId -1 (errata 3.18). A StopTransaction -1 is the one a stop is owed for
    (the card presented on connector 2), not the first connector's, and the second -1 is no transaction stopped
    twice; a -1 with no such transaction left is still a violation."""
    trace = start_given_up()
    one = trace.connector(1)
    two = attrs.evolve(one, id=2, tx=attrs.evolve(one.tx, id_tag=OTHER), authorized=OTHER, presented=OTHER)
    trace.state = attrs.evolve(trace.state, connectors=(trace.state.connectors[0], one, two))
    trace.ok(step("PresentIdTag", connectorId=2, idTag=OTHER), stop_tx(-1, tag=OTHER, t=60.0), sn(2, "Finishing"))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), stop_tx(-1, tag=TAG, t=60.0), sn(1, "Finishing"))
    assert trace.do(step("AdvanceTime", seconds=1), stop_tx(-1, tag=TAG, t=61.0))
