"""The Remote Trigger judge (model/trigger.py), rule by rule.

Each rule fires on the wrong behaviour and is silent on every behaviour the
spec allows (OCPP 1.6 §5.17, §7.32, §7.44, errata 3.35, 3.46; OCTT TC_054_CS,
TC_055_CS).
"""

from __future__ import annotations

import pytest

from model import Answer, CpCall, ProtocolError
from test_model_core import Trace, boot, charging, down, result, sn, statuses, step, up

PROFILES = "Core,RemoteTrigger,FirmwareManagement"


def with_trigger(**config) -> Trace:
    trace = Trace(**config)
    keys = [{"key": "SupportedFeatureProfiles", "readonly": True, "value": PROFILES}]
    return trace.ok(step("GetConfiguration", key=["SupportedFeatureProfiles"]), result(configurationKey=keys))


def trigger(message: str, connector: int | None = None) -> dict:
    s = step("TriggerMessage", requestedMessage=message)
    if connector is not None:
        s["connectorId"] = connector
    return s


def mv(connector: int, context: str = "Trigger", measurands=("Energy.Active.Import.Register",),
       t: float = 0.0) -> CpCall:
    values = [{"value": "0", "context": context, "measurand": m} for m in measurands]
    return CpCall("MeterValues", {"connectorId": connector,
                                  "meterValue": [{"timestamp": "2025-01-01T00:00:00Z", "sampledValue": values}]},
                  t, answer={})


HEARTBEAT = CpCall("Heartbeat", {}, 0.0, answer={"currentTime": "2025-01-01T00:00:00Z"})


# -- TriggerMessage.conf (§5.17, §7.44) ------------------------------------------


def test_5_17_ocppj_4_2_3_a_triggered_message_sent_under_an_unknown_action_is_one_deviation():
    """sim-mo (MicroOcppSimulator): TriggerMessage FirmwareStatusNotification Accepted, then a CALL 'CustomOperation'.
    That is OcppJFraming (OCPP-J §4.2.3, flagged by the endpoint), not TriggeredMessageNotSent (§5.17) as well; with no
    CALL at all it is TriggeredMessageNotSent still."""
    misnamed = CpCall("CustomOperation", {}, 0.0, answer=None)
    framing = ProtocolError("OCPP-J 1.6 §4.2.3: unknown action 'CustomOperation' (NotImplemented)", 0.0)
    trace = with_trigger()
    assert trace.do(trigger("FirmwareStatusNotification"), result(status="Accepted"), framing, misnamed) == \
        ["OcppJFraming"]
    assert trace.do(step("AdvanceTime", seconds=60)) == []
    assert with_trigger().do(trigger("FirmwareStatusNotification"), result(status="Accepted")) == \
        ["TriggeredMessageNotSent"]


@pytest.mark.parametrize("status", ["Accepted", "Rejected", "NotImplemented"])
def test_5_17_the_charge_point_may_accept_reject_or_not_implement(status):
    sent = [HEARTBEAT] if status == "Accepted" else []
    assert with_trigger().do(trigger("Heartbeat"), result(status=status), *sent) == []


@pytest.mark.parametrize("status", ["Accepted", "Rejected"])
def test_tc_055_no_connector_is_rejected_or_call_error(status):
    trace = with_trigger()
    rules = trace.do(trigger("MeterValues", 9), result(status=status))
    assert rules == ([] if status == "Rejected" else ["TriggerMessageStatus"])
    assert trace.do(trigger("MeterValues", 3), Answer("error", None, "PropertyConstraintViolation")) == []


def test_5_17_a_connector_id_that_does_not_matter_is_ignored():
    assert with_trigger().do(trigger("Heartbeat", 9), result(status="Accepted"), HEARTBEAT) == []


def test_3_3_without_the_profile_the_trigger_is_refused():
    trace = Trace()
    keys = [{"key": "SupportedFeatureProfiles", "readonly": True, "value": "Core"}]
    trace.ok(step("GetConfiguration", key=["SupportedFeatureProfiles"]), result(configurationKey=keys))
    assert trace.do(trigger("Heartbeat"), result(status="Accepted"), HEARTBEAT) == ["UnsupportedProfileOperation"]


# -- the triggered message (§5.17) ---------------------------------------------------


def test_5_17_accepted_means_the_message_follows():
    assert with_trigger().do(trigger("Heartbeat"), result(status="Accepted")) == ["TriggeredMessageNotSent"]


def test_5_17_status_notification_for_the_requested_connector():
    trace = with_trigger()
    assert trace.do(trigger("StatusNotification", 1), result(status="Accepted"), sn(2, "Available")) == [
        "TriggeredMessageNotSent"]
    assert with_trigger().do(trigger("StatusNotification", 1), result(status="Accepted"), sn(1, "Available")) == []


def test_5_17_status_notification_without_connector_is_one_for_each_and_connector_zero():
    trace = with_trigger()
    assert trace.do(trigger("StatusNotification"), result(status="Accepted"),
                    *statuses((0, "Available"), (1, "Available"))) == ["TriggeredMessageNotSent"]
    assert with_trigger().do(trigger("StatusNotification"), result(status="Accepted"),
                             *statuses((0, "Available"), (1, "Available"), (2, "Available"))) == []


@pytest.mark.parametrize("sent", [[mv(1), mv(2)], [mv(0)], [mv(0), mv(1), mv(2)]])
def test_5_17_meter_values_without_connector_all_connectors_or_the_charge_point(sent):
    assert with_trigger().do(trigger("MeterValues"), result(status="Accepted"), *sent) == []


def test_5_17_meter_values_without_connector_misses_a_connector():
    assert with_trigger().do(trigger("MeterValues"), result(status="Accepted"), mv(1)) == ["TriggeredMessageNotSent"]


def test_errata_3_46_triggered_meter_values_carry_the_sampled_data_measurands():
    trace = with_trigger(MeterValuesSampledData="Energy.Active.Import.Register,Voltage")
    assert trace.do(trigger("MeterValues", 1), result(status="Accepted"), mv(1)) == ["TriggeredMeterValuesMeasurands"]
    trace = with_trigger(MeterValuesSampledData="Energy.Active.Import.Register,Voltage")
    both = mv(1, measurands=("Energy.Active.Import.Register", "Voltage"))
    assert trace.do(trigger("MeterValues", 1), result(status="Accepted"), both) == []


def test_5_17_a_message_sent_anyway_may_count_as_the_triggered_one():
    assert with_trigger().do(trigger("MeterValues", 1), result(status="Accepted"), mv(1, "Sample.Periodic")) == []


def test_5_17_triggered_meter_values_are_outside_the_sampling_schedule():
    trace = charging(with_trigger(MeterValueSampleInterval=10))
    trace.ok(step("AdvanceTime", seconds=5))
    trace.ok(trigger("MeterValues", 1), result(status="Accepted"), mv(1, t=5.0))
    assert trace.do(step("AdvanceTime", seconds=7)) == ["MeterValuesSampleMissing"]


def test_errata_3_35_a_triggered_boot_notification_is_no_reboot():
    trace = charging(with_trigger())
    assert trace.do(trigger("BootNotification"), result(status="Accepted"), boot()) == [
        "TriggeredBootNotificationAccepted"]
    assert trace.connector(1).tx is not None and trace.connector(1).reported == "Charging"
    assert not trace.state.rebooting
    assert trace.do(trigger("BootNotification"), result(status="Accepted")) == [
        "TriggeredBootNotificationAccepted", "TriggeredMessageNotSent"]


def test_5_17_a_triggered_message_is_owed_once():
    trace = with_trigger()
    trace.ok(trigger("Heartbeat"), result(status="Accepted"), HEARTBEAT)
    trace.ok(step("NetworkDown"), down())
    trace.ok(step("NetworkUp"), up(), *statuses((0, "Available"), (1, "Available"), (2, "Available")))
    assert trace.state.owed == ()


# -- §5.17 "The Charge Point SHALL first send the TriggerMessage response" ------------------------


@pytest.mark.parametrize("message, sent", [("Heartbeat", HEARTBEAT), ("MeterValues", mv(1))])
def test_5_17_the_requested_message_after_the_answer_is_allowed(message, sent):
    connector = 1 if message == "MeterValues" else None
    assert with_trigger().do(trigger(message, connector), result(status="Accepted"), sent) == []


@pytest.mark.parametrize("message, sent", [("Heartbeat", HEARTBEAT), ("MeterValues", mv(1))])
def test_5_17_the_requested_message_before_the_answer_is_a_violation(message, sent):
    connector = 1 if message == "MeterValues" else None
    assert with_trigger().do(trigger(message, connector), sent, result(status="Accepted")) == [
        "TriggeredMessageBeforeConf"]


def test_5_17_one_of_several_requested_messages_before_the_answer_is_a_violation():
    trace = with_trigger()
    assert trace.do(trigger("StatusNotification"), sn(0, "Available"), result(status="Accepted"),
                    sn(1, "Available"), sn(2, "Available")) == ["TriggeredMessageBeforeConf"]


def test_5_17_the_same_message_sent_for_another_reason_before_the_answer_is_allowed():
    assert with_trigger().do(trigger("Heartbeat"), HEARTBEAT, result(status="Accepted"), HEARTBEAT) == []


def test_5_17_an_answer_still_pending_judges_no_order():
    assert with_trigger().do(trigger("Heartbeat"), HEARTBEAT, Answer("pending")) == []


# -- errata 3.35: "the Charge Point is RECOMMENDED to Reject a TriggerMessage request for BootNotification" ----


def test_errata_3_35_a_boot_notification_trigger_accepted_after_an_accepted_boot_is_a_recommendation_not_followed():
    assert with_trigger().do(trigger("BootNotification"), result(status="Accepted"), boot()) == [
        "TriggeredBootNotificationAccepted"]


def test_errata_3_35_a_boot_notification_trigger_rejected_after_an_accepted_boot_follows_the_recommendation():
    with_trigger().ok(trigger("BootNotification"), result(status="Rejected"))


def test_errata_3_35_after_a_reconnect_a_boot_notification_trigger_may_be_accepted():
    trace = with_trigger()
    trace.ok(step("NetworkDown"), down())
    trace.ok(step("NetworkUp"), up(), *statuses((0, "Available"), (1, "Available"), (2, "Available")))
    trace.ok(trigger("BootNotification"), result(status="Accepted"), boot())


def test_errata_3_35_the_recommendation_is_never_a_finding():
    from model.violations import RECOMMENDATIONS
    from model.worlds import judge_worlds
    from model import Stimulus

    trace = with_trigger()
    verdict = judge_worlds((trace.state,), Stimulus.from_step(trigger("BootNotification")),
                           (result(status="Accepted"), boot()))
    assert [v.rule for v in verdict.violations] == ["TriggeredBootNotificationAccepted"]
    assert "TriggeredBootNotificationAccepted" in RECOMMENDATIONS and verdict.worlds
