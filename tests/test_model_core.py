"""The Core-profile judge (model/core.py), rule by rule and session by session.

Each test drives :func:`model.judge` through a few steps with the messages a
Charge Point could have sent, and checks the rules that fire. Every rule is
tested both ways: it fires on the wrong behaviour and is silent on every
behaviour the spec allows. Tests that document a model bug are marked
``xfail(strict=True)`` with the spec section in the reason (none are open now).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import Answer, Connection, CpCall, Options, ProtocolError, Stimulus, initial_state, judge

TAG = "TAG1"
OTHER = "TAG2"
PARENT = "GROUP1"


# -- helpers -------------------------------------------------------------------


def step(op: str, **params) -> dict:
    return {"op": op, **params}


def id_tag_info(status: str = "Accepted", parent: str | None = None) -> dict:
    info = {"status": status}
    if parent:
        info["parentIdTag"] = parent
    return info


def sn(connector: int, status: str, t: float = 0.0, error: str = "NoError", info: str | None = None) -> CpCall:
    payload = {"connectorId": connector, "errorCode": error, "status": status}
    return CpCall("StatusNotification", payload | ({"info": info} if info else {}), t, answer={})


EV_GONE = "EV side disconnected"
"""§4.9: the info a Charge Point SHOULD add to the status an EV-side disconnect leads to."""


def statuses(*pairs, t: float = 0.0) -> list[CpCall]:
    """``statuses((0, "Available"), (1, "Preparing"))``: one StatusNotification each."""
    return [sn(c, s, t) for c, s in pairs]


def authorize(tag: str = TAG, status: str = "Accepted", parent: str | None = None, t: float = 0.0) -> CpCall:
    return CpCall("Authorize", {"idTag": tag}, t, answer={"idTagInfo": id_tag_info(status, parent)})


def start_tx(connector: int = 1, tag: str = TAG, tx_id: int = 1, meter: int = 0, status: str = "Accepted",
             parent: str | None = None, t: float = 0.0) -> CpCall:
    payload = {"connectorId": connector, "idTag": tag, "meterStart": meter, "timestamp": "2025-01-01T00:00:00Z"}
    return CpCall("StartTransaction", payload, t,
                  answer={"transactionId": tx_id, "idTagInfo": id_tag_info(status, parent)})


def start_tx_unanswered(connector: int = 1, tag: str = TAG, meter: int = 0, t: float = 0.0) -> CpCall:
    payload = {"connectorId": connector, "idTag": tag, "meterStart": meter, "timestamp": "2025-01-01T00:00:00Z"}
    return CpCall("StartTransaction", payload, t, answer=None, error="InternalError")


def stop_tx(tx_id: int = 1, reason: str | None = None, meter: int = 100, tag: str | None = None,
            t: float = 0.0) -> CpCall:
    payload = {"transactionId": tx_id, "meterStop": meter, "timestamp": "2025-01-01T01:00:00Z"}
    if reason:
        payload["reason"] = reason
    if tag:
        payload["idTag"] = tag
    return CpCall("StopTransaction", payload, t, answer={"idTagInfo": id_tag_info()} if tag else {})


def meter_values(connector: int = 1, tx_id: int | None = 1, t: float = 0.0) -> CpCall:
    payload = {"connectorId": connector, "meterValue": [
        {"timestamp": "2025-01-01T00:10:00Z", "sampledValue": [{"value": "10"}]}]}
    if tx_id is not None:
        payload["transactionId"] = tx_id
    return CpCall("MeterValues", payload, t, answer={})


def boot(status: str = "Accepted", interval: int = 300, t: float = 0.0) -> CpCall:
    return CpCall("BootNotification", {"chargePointModel": "M", "chargePointVendor": "V"}, t,
                  answer={"status": status, "interval": interval, "currentTime": "2025-01-01T00:00:00Z"})


def result(**payload) -> Answer:
    return Answer("result", payload)


def down(t: float = 0.0) -> Connection:
    return Connection(False, t)


def up(t: float = 0.0) -> Connection:
    return Connection(True, t)


def config_value(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


class Trace:
    """A run of steps through the judge, keeping the state between them.

    ``Trace(StopTransactionOnInvalidId=False)`` starts from the OCTT §1.3
    state and sets configuration keys as a Central System would: with a
    ChangeConfiguration the Charge Point accepts.
    """

    def __init__(self, options: Options | None = None, **config):
        self.state = initial_state(options or Options())
        for key, value in config.items():
            self.ok(step("ChangeConfiguration", key=key, value=config_value(value)), result(status="Accepted"))

    @property
    def now(self) -> float:
        return self.state.time

    def do(self, s: dict, *observed) -> list[str]:
        verdict = judge(self.state, Stimulus.from_step(s), observed)
        self.state = verdict.state
        return [v.rule for v in verdict.violations]

    def ok(self, s: dict, *observed) -> "Trace":
        verdict = judge(self.state, Stimulus.from_step(s), observed)
        assert verdict.violations == (), "\n".join(map(str, verdict.violations))
        self.state = verdict.state
        return self

    def connector(self, connector_id: int):
        return self.state.connector(connector_id)


# -- reusable states (OCTT §4 "Reusable states") ------------------------------


def preparing(trace: Trace | None = None, connector: int = 1) -> Trace:
    """Cable plugged in, no identification yet."""
    trace = trace or Trace()
    return trace.ok(step("PlugIn", connectorId=connector), sn(connector, "Preparing"))


def authorized(trace: Trace | None = None, connector: int = 1, tag: str = TAG) -> Trace:
    """Reusable state Authorized: identification first, no cable."""
    trace = trace or Trace()
    return trace.ok(step("PresentIdTag", connectorId=connector, idTag=tag), authorize(tag), sn(connector, "Preparing"))


def charging(trace: Trace | None = None, connector: int = 1, tag: str = TAG, tx_id: int = 1,
             parent: str | None = None, meter: int = 0) -> Trace:
    """Reusable state Charging, reached plug-in first."""
    trace = preparing(trace, connector)
    return trace.ok(step("PresentIdTag", connectorId=connector, idTag=tag),
                    authorize(tag, parent=parent),
                    start_tx(connector, tag, tx_id, meter=meter, parent=parent),
                    sn(connector, "Charging"))


def go_offline(trace: Trace) -> Trace:
    return trace.ok(step("NetworkDown"), down(trace.now))


def reboot_observations(*connector_statuses, t: float = 0.0, status: str = "Accepted"):
    """Disconnect, reconnect, BootNotification and a StatusNotification per connector."""
    return [down(t), up(t), boot(status, t=t), *statuses(*connector_statuses, t=t)]


IDLE = ((0, "Available"), (1, "Available"), (2, "Available"))


# -- initial state (OCTT §1.3) ----------------------------------------------------


def test_octt_1_3_initial_state_is_accepted_online_idle_and_available():
    state = initial_state(Options(number_of_connectors=3))
    assert state.registration == "Accepted" and state.online and state.powered
    assert [c.id for c in state.connectors] == [0, 1, 2, 3]
    assert all(c.reported == "Available" and c.tx is None and not c.plugged for c in state.connectors)
    assert state.cache == () and state.owed == ()


def test_octt_1_3_nothing_happening_is_silent():
    trace = Trace()
    trace.ok(step("AdvanceTime", seconds=3600))
    trace.ok(step("SetIdTag", idTag=TAG, status="Accepted"))
    trace.ok(step("SetBootResponse", status="Accepted", interval=60))
    trace.ok(step("FailNext", action="Heartbeat", count=1))
    trace.ok(step("NetworkUp"))


def test_4_6_heartbeats_are_allowed_and_not_required():
    trace = Trace()
    trace.ok(step("AdvanceTime", seconds=300), CpCall("Heartbeat", {}, 300.0, answer={"currentTime": "x"}))
    trace.ok(step("AdvanceTime", seconds=3000))


# -- OCPP-J framing and answers to the Central System's CALLs ----------------------


def test_ocppj_4_protocol_error_is_a_violation():
    assert Trace().do(step("AdvanceTime", seconds=1), ProtocolError("not JSON", 1.0)) == ["OcppJFraming"]


@pytest.mark.parametrize("answer", [Answer("error", None, "InternalError"), Answer("timeout")])
def test_ocppj_4_1_3_a_call_without_callresult_is_no_valid_response(answer):
    assert Trace().do(step("ClearCache"), answer) == ["NoValidResponse"]


def test_ocppj_a_call_not_sent_while_offline_is_not_judged():
    trace = go_offline(Trace())
    trace.ok(step("ClearCache"), Answer("offline"))
    trace.ok(step("Reset", type="Soft"), Answer("offline"))


# -- registration (§4.2) -------------------------------------------------------------


def rejected_trace() -> Trace:
    """Rebooted by a soft reset and Rejected by the Central System."""
    trace = Trace()
    trace.ok(step("Reset", type="Soft"), result(status="Accepted"), down(), up(), boot("Rejected", interval=60))
    return trace


def test_4_2_responding_while_rejected_is_a_violation():
    assert rejected_trace().do(step("ClearCache"), result(status="Accepted")) == ["RespondedWhileRejected"]
    assert rejected_trace().do(step("ClearCache"), Answer("error", None, "SecurityError")) == ["RespondedWhileRejected"]


def test_4_2_no_answer_while_rejected_is_allowed():
    rejected_trace().ok(step("ClearCache"), Answer("timeout"))


def test_4_2_request_while_rejected_is_message_before_accepted():
    assert rejected_trace().do(step("AdvanceTime", seconds=1), sn(1, "Available", 1.0)) == ["MessageBeforeAccepted"]


def test_4_2_request_while_pending_is_message_before_accepted():
    trace = Trace()
    trace.ok(step("Reset", type="Soft"), result(status="Accepted"), down(), up(), boot("Pending", interval=60))
    assert trace.do(step("AdvanceTime", seconds=1), sn(0, "Available", 1.0)) == ["MessageBeforeAccepted"]


def test_4_2_pending_charge_point_answers_the_central_system():
    trace = Trace()
    trace.ok(step("Reset", type="Soft"), result(status="Accepted"), down(), up(), boot("Pending", interval=60))
    trace.ok(step("GetConfiguration", key=["HeartbeatInterval"]),
             result(configurationKey=[{"key": "HeartbeatInterval", "readonly": False, "value": "300"}]))


def test_4_2_boot_retry_after_rejected_interval():
    trace = rejected_trace()
    trace.ok(step("AdvanceTime", seconds=30))
    trace.ok(step("AdvanceTime", seconds=31), boot("Accepted", t=61.0), *statuses(*IDLE, t=61.0))


def test_4_2_no_boot_retry_after_rejected_interval_is_a_violation():
    trace = rejected_trace()
    trace.ok(step("AdvanceTime", seconds=30))
    assert trace.do(step("AdvanceTime", seconds=100)) == ["BootNotificationRetry"]


def test_4_2_boot_retry_after_pending_interval():
    trace = Trace()
    trace.ok(step("Reset", type="Hard"), result(status="Accepted"), down(), up(), boot("Pending", interval=60))
    assert trace.do(step("AdvanceTime", seconds=100)) == ["BootNotificationRetry"]


def test_4_2_reset_without_boot_notification_is_a_violation():
    assert Trace().do(step("Reset", type="Soft"), result(status="Accepted")) == ["BootNotificationAtReboot"]


def test_4_2_boot_notification_may_wait_for_the_reconnection():
    trace = Trace()
    trace.ok(step("Reset", type="Hard"), result(status="Accepted"), down())
    trace.ok(step("AdvanceTime", seconds=5), up(5.0), boot(t=5.0), *statuses(*IDLE, t=5.0))


def test_4_2_a_reboot_may_take_the_descriptions_reboot_limit():
    """The spec sets no time for a reboot after Reset (MicroOcpp waits 10 s): until it reboots the Charge
    Point is still registered, even across a reconnect; after ``reboot_limit`` the boot is missing."""
    hb = CpCall("Heartbeat", {}, 5.0, answer={"currentTime": "2025-01-01T00:00:05Z"})
    trace = Trace(Options(reboot_limit=15.0))
    trace.ok(step("Reset", type="Soft"), result(status="Accepted"))
    trace.ok(step("AdvanceTime", seconds=5), down(5.0), up(5.0), hb)
    trace.ok(step("AdvanceTime", seconds=5), down(10.0), up(10.0), boot(t=10.0), *statuses(*IDLE, t=10.0))
    late = Trace(Options(reboot_limit=15.0))
    late.ok(step("Reset", type="Soft"), result(status="Accepted"))
    assert late.do(step("AdvanceTime", seconds=30)) == ["BootNotificationAtReboot"]


def stamped(connector: int, status: str, timestamp: str) -> CpCall:
    return CpCall("StatusNotification", {"connectorId": connector, "errorCode": "NoError", "status": status,
                                         "timestamp": timestamp}, 0.0, answer={})


def test_6_47_a_status_stamped_before_one_already_received_is_history():
    """MicroOcppSimulator (sim-triage M21): at boot it sends statuses captured before its clock was set, stamped
    1970, after the current ones. By their timestamp the connectors are Available, not Unavailable."""
    now, old = "2026-12-07T00:00:00.000Z", "1970-01-01T00:00:00.005Z"
    trace = Trace()
    trace.ok(step("Reset", type="Soft"), result(status="Accepted"), down(), up(), boot(),
             stamped(0, "Unavailable", old), *[stamped(c, "Available", now) for c in (0, 1, 2)],
             stamped(1, "Unavailable", old), stamped(2, "Unavailable", old))
    assert trace.connector(1).reported == "Available"
    assert Trace().do(step("AdvanceTime", seconds=1), stamped(1, "Unavailable", old)) == ["StatusNotReported"]


def _started_while_a_hard_reset_waits() -> Trace:
    """MicroOcppSimulator (sim-triage session 2): a Hard Reset Accepted, then, before it reboots, a
    transaction starts on connector 1 (cable in)."""
    trace = Trace(Options(reboot_limit=15.0))
    trace.ok(step("Reset", type="Hard"), result(status="Accepted"))
    return charging(trace)


@pytest.mark.parametrize("stop", [None, "HardReset", "Reboot"])
def test_5_14_a_transaction_running_at_a_hard_reset_reboot_may_be_lost(stop):
    """§5.14: at a hard reset the Charge Point "is not required to gracefully stop ongoing transaction"; its
    StopTransaction comes after the restart "if possible" ("information might get lost"). After the reboot
    the cable still in gives Preparing, with no transaction."""
    trace = _started_while_a_hard_reset_waits()
    trace.ok(step("AdvanceTime", seconds=10), down(10.0), up(10.0), boot(t=10.0),
             *statuses((0, "Available"), (1, "Preparing"), (2, "Available"), t=10.0),
             *([stop_tx(1, reason=stop, t=10.0)] if stop else []))
    assert trace.connector(1).tx is None
    trace.ok(step("AdvanceTime", seconds=5))


def test_5_14_a_transaction_lost_at_a_hard_reset_is_stopped_with_a_restart_reason():
    trace = _started_while_a_hard_reset_waits()
    assert trace.do(step("AdvanceTime", seconds=10), down(10.0), up(10.0), boot(t=10.0),
                    *statuses((0, "Available"), (1, "Preparing"), (2, "Available"), t=10.0),
                    stop_tx(1, reason="Remote", t=10.0)) == ["StopTransactionReason"]


def test_5_14_a_transaction_kept_across_a_hard_reset_is_reset_stops_transactions():
    """§5.14 "SHALL send a StopTransaction.req for any ongoing transaction before performing the reset" (sim-mo:
    MicroOcppSimulator starts a transaction while an accepted Hard Reset waits and reports it Charging after its
    restart). One violation, ResetStopsTransactions, not a StatusNotReported at the example's end; the model then
    follows the transaction the Charge Point kept: its MeterValues and its RemoteStop's StopTransaction are fine."""
    trace = _started_while_a_hard_reset_waits()
    assert trace.do(step("AdvanceTime", seconds=10), down(10.0), up(10.0), boot(t=10.0),
                    *statuses((0, "Available"), (1, "Charging"), (2, "Available"), t=10.0)) == ["ResetStopsTransactions"]
    assert trace.connector(1).tx is not None
    trace.ok(step("AdvanceTime", seconds=2), meter_values(1, 1, t=12.0))
    trace.ok(step("RemoteStopTransaction", transactionId=1), result(status="Accepted"),
             stop_tx(1, reason="Remote", t=12.0), sn(1, "Finishing", t=12.0))
    trace.ok(step("AdvanceTime", seconds=5))


def test_5_14_a_status_after_a_hard_reset_reboot_without_a_kept_transaction_is_not_reset_stops_transactions():
    """The other way: the same reboot with the transaction over (Preparing, its StopTransaction after the restart) or a
    hard reset with no transaction running at it: no ResetStopsTransactions."""
    trace = _started_while_a_hard_reset_waits()
    trace.ok(step("AdvanceTime", seconds=10), down(10.0), up(10.0), boot(t=10.0),
             *statuses((0, "Available"), (1, "Preparing"), (2, "Available"), t=10.0), stop_tx(1, "HardReset", t=10.0))
    assert trace.do(step("AdvanceTime", seconds=1), sn(1, "Charging", t=11.0)) != ["ResetStopsTransactions"]
    idle = Trace(Options(reboot_limit=15.0))
    idle.ok(step("Reset", type="Hard"), result(status="Accepted"))
    idle.ok(step("AdvanceTime", seconds=10), down(10.0), up(10.0), boot(t=10.0),
            *statuses((0, "Available"), (1, "Available"), (2, "Available"), t=10.0))


def test_5_14_a_soft_reset_reboot_keeps_what_the_charge_point_must_stop():
    trace = Trace(Options(reboot_limit=15.0))
    trace.ok(step("Reset", type="Soft"), result(status="Accepted"))
    charging(trace)
    assert "StatusNotReported" in trace.do(
        step("AdvanceTime", seconds=10), down(10.0), up(10.0), boot(t=10.0),
        *statuses((0, "Available"), (1, "Preparing"), (2, "Available"), t=10.0))


def test_4_2_a_power_on_boot_is_due_at_once_whatever_the_reboot_limit():
    trace = Trace(Options(reboot_limit=15.0))
    trace.ok(step("PowerLoss"))
    assert trace.do(step("PowerOn")) == ["BootNotificationAtReboot"]


def test_4_2_reboot_requires_every_connector_status_again():
    """OCTT TC_001_CS: a StatusNotification per connector and connectorId 0."""
    trace = Trace()
    rules = trace.do(step("Reset", type="Soft"), result(status="Accepted"),
                     *reboot_observations((0, "Available"), (1, "Available")))
    assert rules == ["StatusNotReported"]


def test_errata_3_22_connector_0_missing_at_boot_is_a_rule_of_its_own():
    """Errata v4.0 3.22: "SHALL send a StatusNotification.req PDU for connectorId 0 and all connectors" after an
    accepted boot. Connector 0's alone is ConnectorZeroStatusNotReported, so that accepting it hides no other."""
    reset = (step("Reset", type="Soft"), result(status="Accepted"))
    assert Trace().do(*reset, *reboot_observations((1, "Available"), (2, "Available"))) \
        == ["ConnectorZeroStatusNotReported"]
    assert Trace().do(*reset, *reboot_observations((2, "Available"))) \
        == ["ConnectorZeroStatusNotReported", "StatusNotReported"]
    Trace().ok(*reset, *reboot_observations(*IDLE))


def test_4_9_connector_0_reported_once_then_silent_is_status_not_reported():
    """A connector 0 that reported at boot but not its Unavailable (§5.2) is the general rule, not errata 3.22's."""
    rules = Trace().do(step("ChangeAvailability", connectorId=0, type="Inoperative"), result(status="Accepted"),
                       *statuses((1, "Unavailable"), (2, "Unavailable")))
    assert rules == ["StatusNotReported"]


def test_4_2_a_charge_point_without_a_cable_sensor_knows_no_cable_after_a_boot():
    """SAP simulator (sim-triage session 3): its PlugIn is only a Preparing its controller makes it send; after a
    reboot it reports the connector Available (Options.cable_sensed False). A Charge Point that senses its cables
    reports the cable still in (Preparing, §4.9)."""
    reset = (step("Reset", type="Soft"), result(status="Accepted"))
    unsensed = Trace(Options(cable_sensed=False))
    unsensed.ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
    unsensed.ok(*reset, *reboot_observations(*IDLE))
    assert not unsensed.connector(1).plugged
    sensed = Trace()
    sensed.ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
    assert sensed.do(*reset, *reboot_observations(*IDLE)) == ["StatusNotReported"]


def test_4_9_a_charge_point_without_a_cable_sensor_may_report_available_after_a_stop():
    """SAP simulator (sim-triage session 3): a card stops the transaction, the controller's cable still "in"; it
    reports Available, not Finishing, for it knows of no cable. One that senses its cable reports Finishing."""
    for options, rules in ((Options(cable_sensed=False), []), (Options(), ["StatusNotReported"])):
        trace = charging(Trace(options))
        assert trace.do(step("PresentIdTag", connectorId=1, idTag=TAG), stop_tx(1, tag=TAG), sn(1, "Available")) == rules


def test_3_16_1_samples_queued_offline_are_owed_one_interval_after_the_reconnection():
    """SAP simulator (sim-triage session 3): a transaction sampling every 3 s goes offline; once back, the queued
    samples come when its own queue timer sends them. The spec sets no time for that (§3.7): the next sample is owed
    one interval (+ tolerance) after the reconnection, not counted from the last one before the outage."""
    trace = charging(Trace(Options(tolerance=1.0), MeterValueSampleInterval=3))
    trace.ok(step("AdvanceTime", seconds=2))  # its last CALL well before the outage: no answer lost with it (State.held)
    trace.ok(step("NetworkDown"), down(2.0))
    trace.ok(step("AdvanceTime", seconds=5))
    trace.ok(step("NetworkUp"), up(7.0))
    assert trace.do(step("AdvanceTime", seconds=5)) == ["MeterValuesSampleMissing"]


def test_4_2_connecting_without_power_is_a_violation():
    trace = Trace().ok(step("PowerLoss"), down())
    assert trace.do(step("AdvanceTime", seconds=1), up(1.0)) == ["ConnectedWithoutPower"]


# -- offline (OCPP-J §3, §3.5) ------------------------------------------------------


def test_ocppj_3_message_while_offline_is_a_violation():
    trace = go_offline(Trace())
    assert trace.do(step("AdvanceTime", seconds=1), sn(1, "Available", 1.0)) == ["MessageWhileOffline"]


def test_ocppj_3_messages_after_reconnection_are_allowed():
    trace = go_offline(Trace())
    trace.ok(step("NetworkUp"), up(), CpCall("Heartbeat", {}, 0.0, answer={"currentTime": "x"}))


def test_3_5_status_is_not_judged_while_offline():
    trace = go_offline(Trace())
    trace.ok(step("PlugIn", connectorId=1))
    trace.ok(step("AdvanceTime", seconds=10))


# -- ClearCache (§5.4), DataTransfer (§5.6), configuration (§5.3, §5.8) ---------------


@pytest.mark.parametrize("status", ["Accepted", "Rejected"])
def test_5_4_clear_cache_accepted_or_rejected(status):
    Trace().ok(step("ClearCache"), result(status=status))


def test_5_4_clear_cache_other_status_is_a_violation():
    assert Trace().do(step("ClearCache"), result(status="NotSupported")) == ["ClearCacheStatus"]


def test_5_4_cleared_cache_no_longer_pre_authorizes():
    trace = Trace(LocalPreAuthorize=True)
    charging(trace)
    trace.ok(step("RemoteStopTransaction", transactionId=1), result(status="Accepted"),
             stop_tx(1, "Remote"), sn(1, "Finishing"))
    trace.ok(step("Unplug", connectorId=1), sn(1, "Available"))
    trace.ok(step("ClearCache"), result(status="Accepted"))
    preparing(trace)
    rules = trace.do(step("PresentIdTag", connectorId=1, idTag=TAG), start_tx(1, TAG, 2), sn(1, "Charging"))
    assert rules == ["StartTransactionWithoutAuthorization"]


def test_5_6_data_transfer_unknown_vendor():
    Trace().ok(step("DataTransfer", vendorId="org.example"), result(status="UnknownVendorId"))


@pytest.mark.parametrize("payload", [{"status": "Accepted"}, {"status": "Rejected"},
                                     {"status": "UnknownVendorId", "data": "x"}])
def test_5_6_data_transfer_other_answer_is_a_violation(payload):
    assert Trace().do(step("DataTransfer", vendorId="org.example"), result(**payload)) == ["DataTransferUnknownVendorId"]


def test_5_3_change_configuration_is_judged_and_learned():
    trace = Trace()
    trace.ok(step("ChangeConfiguration", key="ConnectionTimeOut", value="90"), result(status="Accepted"))
    assert trace.do(step("ChangeConfiguration", key="ConnectionTimeOut", value="90"), result(status="Maybe")) \
        == ["InvalidConfigurationStatus"]
    assert trace.do(step("GetConfiguration", key=["ConnectionTimeOut"]),
                    result(configurationKey=[{"key": "ConnectionTimeOut", "readonly": False, "value": "30"}])) \
        == ["ValueNotAsKnown"]


def test_octt_tc_040_2_invalid_value_may_be_refused_with_a_callerror():
    Trace().ok(step("ChangeConfiguration", key="ConnectionTimeOut", value="-1"),
               Answer("error", None, "PropertyConstraintViolation"))
    Trace().ok(step("ChangeConfiguration", key="MeterValueSampleInterval", value="abc"),
               Answer("error", None, "TypeConstraintViolation"))


def test_5_3_callerror_for_a_valid_value_is_no_valid_response():
    rules = Trace().do(step("ChangeConfiguration", key="ConnectionTimeOut", value="60"),
                       Answer("error", None, "PropertyConstraintViolation"))
    assert rules == ["NoValidResponse"]


def test_4_2_boot_notification_accepted_sets_the_heartbeat_interval():
    """§4.2: 'the Charge Point will adjust the heartbeat interval in accordance with the interval from the
    response PDU'."""
    trace = Trace(HeartbeatInterval=300)
    trace.ok(step("Reset", type="Soft"), result(status="Accepted"), *reboot_observations(*IDLE))
    trace.ok(step("GetConfiguration", key=["HeartbeatInterval"]),
             result(configurationKey=[{"key": "HeartbeatInterval", "readonly": False, "value": "60"}]))


# -- ChangeAvailability (§5.2) --------------------------------------------------------


def test_5_2_change_availability_unknown_connector_rejected():
    Trace().ok(step("ChangeAvailability", connectorId=3, type="Inoperative"), result(status="Rejected"))


@pytest.mark.parametrize("status", ["Accepted", "Scheduled"])
def test_5_2_change_availability_unknown_connector_other_status_is_a_violation(status):
    rules = Trace().do(step("ChangeAvailability", connectorId=3, type="Inoperative"), result(status=status))
    assert rules == ["ChangeAvailabilityUnknownConnector"]


def test_5_2_change_availability_idle_accepted_reports_unavailable():
    trace = Trace()
    trace.ok(step("ChangeAvailability", connectorId=1, type="Inoperative"), result(status="Accepted"),
             sn(1, "Unavailable"))
    trace.ok(step("ChangeAvailability", connectorId=1, type="Operative"), result(status="Accepted"),
             sn(1, "Available"))


def test_5_2_change_availability_idle_rejected_changes_nothing():
    trace = Trace()
    trace.ok(step("ChangeAvailability", connectorId=1, type="Inoperative"), result(status="Rejected"))
    assert trace.connector(1).inoperative is False


def test_5_2_change_availability_accepted_without_status_notification_is_a_violation():
    rules = Trace().do(step("ChangeAvailability", connectorId=1, type="Inoperative"), result(status="Accepted"))
    assert rules == ["StatusNotReported"]


def test_5_2_change_availability_connector_zero_applies_to_all_connectors():
    trace = Trace()
    trace.ok(step("ChangeAvailability", connectorId=0, type="Inoperative"), result(status="Accepted"),
             *statuses((0, "Unavailable"), (1, "Unavailable"), (2, "Unavailable")))
    rules = trace.do(step("ChangeAvailability", connectorId=0, type="Operative"), result(status="Accepted"),
                     *statuses((0, "Available"), (1, "Available")))
    assert rules == ["StatusNotReported"]  # connector 2 still reported Unavailable


def test_5_2_change_availability_scheduled_while_idle_is_a_violation():
    rules = Trace().do(step("ChangeAvailability", connectorId=1, type="Inoperative"), result(status="Scheduled"))
    assert rules == ["ChangeAvailabilityStatus"]


def test_5_2_change_availability_with_transaction_is_scheduled():
    """C8: the session ends and the connector becomes Unavailable."""
    trace = charging()
    trace.ok(step("ChangeAvailability", connectorId=1, type="Inoperative"), result(status="Scheduled"))
    trace.ok(step("AdvanceTime", seconds=60))  # still Charging
    trace.ok(step("RemoteStopTransaction", transactionId=1), result(status="Accepted"),
             stop_tx(1, "Remote"), sn(1, "Unavailable"))
    trace.ok(step("Unplug", connectorId=1))
    trace.ok(step("ChangeAvailability", connectorId=1, type="Operative"), result(status="Accepted"),
             sn(1, "Available"))


def test_5_2_change_availability_scheduled_not_applied_after_transaction_is_a_violation():
    trace = charging()
    trace.ok(step("ChangeAvailability", connectorId=1, type="Inoperative"), result(status="Scheduled"))
    rules = trace.do(step("Unplug", connectorId=1), stop_tx(1, "EVDisconnected"), sn(1, "Available"))
    assert rules == ["StatusNotReported"]


def test_5_2_change_availability_scheduled_finishing_until_cable_removed():
    trace = charging()
    trace.ok(step("ChangeAvailability", connectorId=1, type="Inoperative"), result(status="Scheduled"))
    trace.ok(step("RemoteStopTransaction", transactionId=1), result(status="Accepted"),
             stop_tx(1, "Remote"), sn(1, "Finishing"))
    trace.ok(step("Unplug", connectorId=1), sn(1, "Unavailable"))


@pytest.mark.parametrize("status", ["Accepted", "Rejected"])
def test_5_2_change_availability_with_transaction_not_scheduled_is_a_violation(status):
    rules = charging().do(step("ChangeAvailability", connectorId=1, type="Inoperative"), result(status=status))
    assert rules == ["ChangeAvailabilityStatus"]


def test_5_2_change_availability_other_connector_is_not_scheduled():
    trace = charging()
    trace.ok(step("ChangeAvailability", connectorId=2, type="Inoperative"), result(status="Accepted"),
             sn(2, "Unavailable"))


def test_5_2_change_availability_to_the_current_status_is_accepted():
    Trace().ok(step("ChangeAvailability", connectorId=1, type="Operative"), result(status="Accepted"))
    charging().ok(step("ChangeAvailability", connectorId=1, type="Operative"), result(status="Accepted"))


def test_5_2_change_availability_to_the_current_status_rejected_is_a_violation():
    rules = Trace().do(step("ChangeAvailability", connectorId=1, type="Operative"), result(status="Rejected"))
    assert rules == ["ChangeAvailabilityStatus"]


def test_5_2_unavailable_persists_across_reboot():
    """OCTT TC_034_CS."""
    trace = Trace()
    trace.ok(step("ChangeAvailability", connectorId=0, type="Inoperative"), result(status="Accepted"),
             *statuses((0, "Unavailable"), (1, "Unavailable"), (2, "Unavailable")))
    trace.ok(step("PowerLoss"), down())
    rules = trace.do(step("PowerOn"), up(), boot(), *statuses(*IDLE))
    assert rules == ["StatusNotReported"] * 3
    trace = Trace()
    trace.ok(step("ChangeAvailability", connectorId=0, type="Inoperative"), result(status="Accepted"),
             *statuses((0, "Unavailable"), (1, "Unavailable"), (2, "Unavailable")))
    trace.ok(step("PowerLoss"), down())
    trace.ok(step("PowerOn"), up(), boot(), *statuses((0, "Unavailable"), (1, "Unavailable"), (2, "Unavailable")))


# -- UnlockConnector (§5.18, errata 3.85) ---------------------------------------------


def test_5_18_unlock_idle_connector_unlocked():
    Trace().ok(step("UnlockConnector", connectorId=1), result(status="Unlocked"))


@pytest.mark.parametrize("status", ["UnlockFailed", "NotSupported"])
def test_5_18_unlock_idle_connector_other_status_is_a_violation(status):
    assert Trace().do(step("UnlockConnector", connectorId=1), result(status=status)) == ["UnlockConnectorStatus"]


def test_5_18_unlock_failure_is_reported():
    """OCTT TC_028_CS."""
    trace = Trace().ok(step("SetUnlockFailure", connectorId=1, failing=True))
    trace.ok(step("UnlockConnector", connectorId=1), result(status="UnlockFailed"))
    assert trace.do(step("UnlockConnector", connectorId=1), result(status="Unlocked")) == ["UnlockConnectorStatus"]
    trace.ok(step("SetUnlockFailure", connectorId=1, failing=False))
    trace.ok(step("UnlockConnector", connectorId=1), result(status="Unlocked"))


def test_errata_3_85_unlock_unknown_connector_not_supported():
    Trace().ok(step("UnlockConnector", connectorId=3), result(status="NotSupported"))
    Trace().ok(step("UnlockConnector", connectorId=0), result(status="NotSupported"))


@pytest.mark.parametrize("status", ["UnlockFailed", "Unlocked"])
def test_errata_3_85_unlock_unknown_connector_other_status_is_a_violation(status):
    assert Trace().do(step("UnlockConnector", connectorId=3), result(status=status)) == ["UnlockConnectorNotSupported"]


def test_5_18_fixed_cable_unlock_not_supported():
    """OCTT TC_020_CS (fixed cable)."""
    fixed = Options(fixed_cable=True)
    Trace(fixed).ok(step("UnlockConnector", connectorId=1), result(status="NotSupported"))
    assert Trace(fixed).do(step("UnlockConnector", connectorId=1), result(status="Unlocked")) \
        == ["UnlockConnectorNotSupported"]


def test_5_18_unlock_with_transaction_stops_it_first():
    """OCTT TC_019_CS: StopTransaction reason UnlockCommand."""
    trace = charging()
    trace.ok(step("UnlockConnector", connectorId=1), result(status="Unlocked"),
             stop_tx(1, "UnlockCommand"), sn(1, "Finishing"))
    trace.ok(step("Unplug", connectorId=1), sn(1, "Available"))


def test_5_18_unlock_with_transaction_without_stop_is_a_violation():
    rules = charging().do(step("UnlockConnector", connectorId=1), result(status="Unlocked"))
    assert rules == ["UnlockStopsTransaction"]


def test_5_18_unlock_with_transaction_wrong_reason_is_a_violation():
    rules = charging().do(step("UnlockConnector", connectorId=1), result(status="Unlocked"),
                          stop_tx(1, "Remote"), sn(1, "Finishing"))
    assert rules == ["StopTransactionReason"]


# -- RemoteStopTransaction (§5.12) -----------------------------------------------------


def test_5_12_remote_stop_running_transaction():
    """OCTT TC_010_CS: Accepted, StopTransaction reason Remote, Finishing (either order)."""
    charging().ok(step("RemoteStopTransaction", transactionId=1), result(status="Accepted"),
                  stop_tx(1, "Remote"), sn(1, "Finishing"))
    charging().ok(step("RemoteStopTransaction", transactionId=1), result(status="Accepted"),
                  sn(1, "Finishing"), stop_tx(1, "Remote"))


def test_5_12_remote_stop_running_transaction_rejected_is_a_violation():
    rules = charging().do(step("RemoteStopTransaction", transactionId=1), result(status="Rejected"))
    assert rules == ["RemoteStopTransactionStatus"]


def test_5_12_remote_stop_unknown_transaction_rejected():
    """OCTT TC_031_CS."""
    charging().ok(step("RemoteStopTransaction", transactionId=99), result(status="Rejected"))
    Trace().ok(step("RemoteStopTransaction", transactionId=1), result(status="Rejected"))


def test_5_12_remote_stop_unknown_transaction_accepted_is_a_violation():
    rules = charging().do(step("RemoteStopTransaction", transactionId=99), result(status="Accepted"))
    assert rules == ["RemoteStopTransactionStatus"]


def test_5_12_remote_stop_accepted_without_stop_transaction_is_a_violation():
    rules = charging().do(step("RemoteStopTransaction", transactionId=1), result(status="Accepted"))
    assert rules == ["RemoteStopStopsTransaction"]


def test_5_12_remote_stop_with_local_reason_is_a_violation():
    rules = charging().do(step("RemoteStopTransaction", transactionId=1), result(status="Accepted"),
                          stop_tx(1), sn(1, "Finishing"))
    assert rules == ["StopTransactionReason"]


# -- RemoteStartTransaction (§5.11) ----------------------------------------------------


def test_5_11_remote_start_connector_zero_rejected():
    """OCTT TC_030_CS."""
    Trace().ok(step("RemoteStartTransaction", idTag=TAG, connectorId=0), result(status="Rejected"))


def test_5_11_remote_start_connector_zero_accepted_is_a_violation():
    rules = Trace().do(step("RemoteStartTransaction", idTag=TAG, connectorId=0), result(status="Accepted"))
    assert rules == ["RemoteStartConnectorZero"]


def test_5_11_after_an_accepted_connector_zero_start_the_model_follows_the_charge_point():
    """A known deviation (``--accept RemoteStartConnectorZero``, as MicroOcppSimulator does) must not
    cascade into false findings: the start is taken as one on a connector of its choice."""
    trace = Trace()
    assert trace.do(step("RemoteStartTransaction", idTag=TAG, connectorId=0), result(status="Accepted"),
                    sn(1, "Preparing")) == ["RemoteStartConnectorZero"]
    trace.ok(step("PlugIn", connectorId=1), start_tx(1, TAG), sn(1, "Charging"))


def test_5_11_remote_start_free_connector_rejected_is_a_violation():
    rules = Trace().do(step("RemoteStartTransaction", idTag=TAG, connectorId=1), result(status="Rejected"))
    assert rules == ["RemoteStartTransactionStatus"]


def test_5_11_remote_start_unknown_status_is_a_violation():
    rules = Trace().do(step("RemoteStartTransaction", idTag=TAG, connectorId=1), result(status="Scheduled"))
    assert rules == ["RemoteStartTransactionStatus"]


@pytest.mark.parametrize("status", ["Accepted", "Rejected"])
def test_5_11_remote_start_busy_connector_may_be_rejected(status):
    """OCTT TC_026_CS: a connector with a transaction."""
    charging().ok(step("RemoteStartTransaction", idTag=OTHER, connectorId=1), result(status=status))


@pytest.mark.parametrize("status", ["Accepted", "Rejected"])
def test_5_11_remote_start_without_connector_may_be_rejected(status):
    """'A Charge Point MAY reject a RemoteStartTransaction.req without a connector id.'"""
    Trace().ok(step("RemoteStartTransaction", idTag=TAG), result(status=status))


def test_5_11_remote_start_without_connector_starts_on_a_connector_of_its_choice():
    trace = preparing()
    trace.ok(step("RemoteStartTransaction", idTag=TAG), result(status="Accepted"),
             start_tx(1, TAG), sn(1, "Charging"))


def test_5_11_remote_start_first_then_cable():
    """OCTT TC_012_CS: Preparing on the remote start, the transaction when the cable is plugged in."""
    trace = Trace()
    trace.ok(step("RemoteStartTransaction", idTag=TAG, connectorId=1), result(status="Accepted"), sn(1, "Preparing"))
    trace.ok(step("PlugIn", connectorId=1), start_tx(1, TAG), sn(1, "Charging"))


def test_5_11_remote_start_first_without_preparing_is_a_violation():
    rules = Trace().do(step("RemoteStartTransaction", idTag=TAG, connectorId=1), result(status="Accepted"))
    assert rules == ["StatusNotReported"]


def test_5_11_remote_start_cable_first():
    """OCTT TC_011_CS: no Authorize when AuthorizeRemoteTxRequests is false."""
    trace = preparing()
    trace.ok(step("RemoteStartTransaction", idTag=TAG, connectorId=1), result(status="Accepted"),
             start_tx(1, TAG), sn(1, "Charging"))


def test_5_11_remote_start_cable_first_status_before_start_transaction():
    trace = preparing()
    trace.ok(step("RemoteStartTransaction", idTag=TAG, connectorId=1), result(status="Accepted"),
             sn(1, "Charging"), start_tx(1, TAG))


def test_5_11_remote_start_cable_first_without_start_transaction_is_a_violation():
    rules = preparing().do(step("RemoteStartTransaction", idTag=TAG, connectorId=1), result(status="Accepted"))
    assert rules == ["StartTransactionWhenAuthorizedAndPlugged"]


def test_5_11_authorize_remote_tx_requests_true_authorizes_first():
    trace = preparing(Trace(AuthorizeRemoteTxRequests=True))
    trace.ok(step("RemoteStartTransaction", idTag=TAG, connectorId=1), result(status="Accepted"),
             authorize(TAG), start_tx(1, TAG), sn(1, "Charging"))


def test_5_11_authorize_remote_tx_requests_true_without_authorize_is_a_violation():
    trace = preparing(Trace(AuthorizeRemoteTxRequests=True))
    rules = trace.do(step("RemoteStartTransaction", idTag=TAG, connectorId=1), result(status="Accepted"))
    assert rules == ["IdTagNotAuthorized"]


def test_5_11_authorize_remote_tx_requests_true_start_before_authorize_is_a_violation():
    trace = preparing(Trace(AuthorizeRemoteTxRequests=True))
    rules = trace.do(step("RemoteStartTransaction", idTag=TAG, connectorId=1), result(status="Accepted"),
                     start_tx(1, TAG), sn(1, "Charging"))
    assert rules == ["StartTransactionWithoutAuthorization"]


def test_5_11_remote_start_with_cached_id_and_local_pre_authorize():
    """OCTT TC_007_CS: LocalPreAuthorize, cached id: StartTransaction without Authorize."""
    trace = Trace(AuthorizeRemoteTxRequests=True, LocalPreAuthorize=True)
    charging(trace)
    trace.ok(step("RemoteStopTransaction", transactionId=1), result(status="Accepted"),
             stop_tx(1, "Remote"), sn(1, "Finishing"))
    trace.ok(step("Unplug", connectorId=1), sn(1, "Available"))
    preparing(trace)
    trace.ok(step("RemoteStartTransaction", idTag=TAG, connectorId=1), result(status="Accepted"),
             start_tx(1, TAG, 2), sn(1, "Charging"))


def test_5_11_remote_start_timeout():
    """OCTT TC_013_CS: back to Available after ConnectionTimeOut."""
    trace = Trace(ConnectionTimeOut=60)
    trace.ok(step("RemoteStartTransaction", idTag=TAG, connectorId=1), result(status="Accepted"), sn(1, "Preparing"))
    trace.ok(step("AdvanceTime", seconds=60), sn(1, "Available", 60.0))


# -- Reset (§5.14) ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["Soft", "Hard"])
def test_5_14_reset_without_transaction(kind):
    """OCTT TC_013/TC_014_CS."""
    Trace().ok(step("Reset", type=kind), result(status="Accepted"), *reboot_observations(*IDLE))


@pytest.mark.parametrize("kind", ["Soft", "Hard"])
def test_5_14_reset_rejected(kind):
    trace = charging()
    trace.ok(step("Reset", type=kind), result(status="Rejected"))
    trace.ok(step("AdvanceTime", seconds=60))


def test_a_graceful_power_loss_may_stop_with_any_reason():
    """A controller that can only stop the charge point gracefully (SAP): its StopTransaction before the
    power goes may carry any §7.39 reason; without the option only PowerLoss."""
    trace = charging(Trace(Options(graceful_power_loss=True)))
    trace.ok(step("PowerLoss"), stop_tx(reason="Local"))
    strict = charging()
    assert strict.do(step("PowerLoss"), stop_tx(reason="Local")) == ["UnexpectedStopTransaction"]


def test_a_graceful_power_loss_may_report_every_connector_unavailable():
    """SAP simulator (sim-triage session 2): its controller's stopChargingStation reports each connector
    Unavailable before it closes, a Preparing one too (no B8 in §4.9): the controller's doing, not judged as a
    transition. A power cut reports nothing, so without the option it is."""
    graceful = preparing(Trace(Options(graceful_power_loss=True)))
    graceful.ok(step("PowerLoss"), *statuses((1, "Unavailable"), (2, "Unavailable")), down())
    strict = preparing()
    assert strict.do(step("PowerLoss"), *statuses((1, "Unavailable"), (2, "Unavailable")), down()) == [
        "StatusTransitionNotAllowed"]


def test_5_11_a_remote_start_refused_by_its_authorize_ends():
    """AuthorizeRemoteTxRequests: the Charge Point first authorizes the idTag; Invalid ends the remote start,
    and the connector it had chosen goes back to Available (B1) (issue 14, MicroOcpp M17)."""
    trace = Trace(AuthorizeRemoteTxRequests=True)
    trace.ok(step("RemoteStartTransaction", idTag=TAG), result(status="Accepted"), authorize(TAG, "Invalid"),
             sn(1, "Preparing"), sn(1, "Available"))
    other = Trace(AuthorizeRemoteTxRequests=True)
    other.ok(step("RemoteStartTransaction", idTag=TAG), result(status="Accepted"), sn(1, "Preparing"),
             authorize(TAG, "Invalid"), sn(1, "Available"))
    assert other.do(step("PlugIn", connectorId=2), sn(2, "Preparing"), start_tx(2, TAG),
                    sn(2, "Charging")) == ["StartTransactionWithoutAuthorization"]


def test_5_2_a_commanded_unavailable_may_follow_preparing():
    """§5.2: not in a transaction, an accepted Inoperative makes the connector Unavailable at once and the Charge
    Point SHALL report it; the §4.9 table has no B8, but the command leaves no other status (MicroOcpp M18)."""
    trace = preparing()
    trace.ok(step("ChangeAvailability", connectorId=1, type="Inoperative"), result(status="Accepted"), sn(1, "Unavailable"))
    uncommanded = preparing()
    assert uncommanded.do(step("AdvanceTime", seconds=1), sn(1, "Unavailable", 1.0))[0] == "StatusTransitionNotAllowed"


@pytest.mark.parametrize("status", ["Preparing", "Available"])
def test_9_1_6_connection_timeout_0_may_mean_at_once_or_never(status):
    """§9.1.6 does not say what ConnectionTimeOut 0 means: a card waiting for its cable may stay Preparing or
    time out at once (a boundary value the vocabulary rules set; a false StatusNotReported at seed 1000)."""
    trace = Trace(ConnectionTimeOut=0)
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), sn(1, "Preparing"))
    trace.ok(step("AdvanceTime", seconds=5), *([sn(1, status, 5.0)] if status == "Available" else []))


def test_7_42_no_connector_lock_answers_not_supported():
    trace = Trace(Options(connector_lock=False))
    trace.ok(step("UnlockConnector", connectorId=1), result(status="NotSupported"))
    assert trace.do(step("UnlockConnector", connectorId=1), result(status="Unlocked")) == ["UnlockConnectorNotSupported"]


def test_5_14_reset_other_status_is_a_violation():
    assert Trace().do(step("Reset", type="Soft"), result(status="Scheduled")) == ["ResetStatus"]


def test_5_14_reset_rejected_does_not_allow_stopping():
    trace = charging().ok(step("Reset", type="Soft"), result(status="Rejected"))
    rules = trace.do(step("AdvanceTime", seconds=1), stop_tx(1, "SoftReset", t=1.0), sn(1, "Finishing", 1.0))
    assert rules == ["UnexpectedStopTransaction"]


@pytest.mark.parametrize(("kind", "reason"), [("Soft", "SoftReset"), ("Hard", "HardReset")])
def test_5_14_reset_with_transaction(kind, reason):
    """OCTT TC_015/TC_016_CS: StopTransaction, BootNotification, every status again incl. connector 0."""
    trace = charging()
    trace.ok(step("Reset", type=kind), result(status="Accepted"),
             stop_tx(1, reason), sn(1, "Finishing"),
             *reboot_observations((0, "Available"), (1, "Preparing"), (2, "Available")))
    trace.ok(step("Unplug", connectorId=1), sn(1, "Available"))


def test_5_14_reset_with_transaction_finishing_after_reboot():
    trace = charging()
    trace.ok(step("Reset", type="Soft"), result(status="Accepted"), stop_tx(1, "SoftReset"),
             *reboot_observations((0, "Available"), (1, "Finishing"), (2, "Available")))


def test_5_14_hard_reset_stop_transaction_after_reboot():
    """'If possible the Charge Point sends a StopTransaction.req ... after having restarted'."""
    trace = charging()
    trace.ok(step("Reset", type="Hard"), result(status="Accepted"), down(), up(), boot(),
             stop_tx(1, "HardReset"), *statuses((0, "Available"), (1, "Finishing"), (2, "Available")))


def test_5_14_reset_with_transaction_without_stop_is_a_violation():
    trace = charging()
    rules = trace.do(step("Reset", type="Soft"), result(status="Accepted"),
                     *reboot_observations((0, "Available"), (1, "Charging"), (2, "Available")))
    assert rules == ["ResetStopsTransactions"]


@pytest.mark.parametrize(("kind", "reason"), [("Soft", "HardReset"), ("Hard", "SoftReset"), ("Soft", "Local")])
def test_5_14_reset_with_wrong_stop_reason_is_a_violation(kind, reason):
    trace = charging()
    rules = trace.do(step("Reset", type=kind), result(status="Accepted"), stop_tx(1, reason),
                     *reboot_observations((0, "Available"), (1, "Finishing"), (2, "Available")))
    assert rules == ["StopTransactionReason"]


# -- Authorize (§4.1, §3.5) -------------------------------------------------------


def test_4_1_presented_id_tag_without_authorize_is_a_violation():
    rules = preparing().do(step("PresentIdTag", connectorId=1, idTag=TAG))
    assert rules == ["IdTagNotAuthorized"]


def test_4_1_presented_id_tag_authorize_invalid_stays_preparing():
    """OCTT TC_023_CS: Authorize Invalid, no transaction."""
    trace = preparing()
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG, "Invalid"))
    assert trace.connector(1).authorized is None


def test_4_1_start_after_authorize_invalid_is_a_violation():
    trace = preparing()
    rules = trace.do(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG, "Invalid"),
                     start_tx(1, TAG, status="Invalid"), sn(1, "Charging"))
    assert "StartTransactionWithoutAuthorization" in rules


def test_4_1_start_without_any_id_tag_is_a_violation():
    rules = preparing().do(step("AdvanceTime", seconds=1), start_tx(1, TAG, t=1.0), sn(1, "Charging", 1.0))
    assert rules == ["StartTransactionWithoutAuthorization"]


def test_3_5_local_pre_authorize_with_cached_accepted_skips_authorize():
    """§9.1.13 LocalPreAuthorize; the cache learned TAG from an earlier Authorize.conf."""
    trace = Trace(LocalPreAuthorize=True)
    authorized(trace)
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), sn(1, "Available"))  # second presentation: B1
    preparing(trace)
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), start_tx(1, TAG), sn(1, "Charging"))


def test_3_5_a_charge_point_without_local_pre_authorize_may_pre_authorize_from_its_cache():
    """A Charge Point that lacks the key (RequiredKeyMissing, accepted) has an unknown behaviour, not
    LocalPreAuthorize false (issue 14, SAP simulator); with the key false it must ask first."""
    trace = Trace()
    authorized(trace)
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), sn(1, "Available"))
    preparing(trace)
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), start_tx(1, TAG), sn(1, "Charging"))
    strict = Trace(LocalPreAuthorize=False)
    authorized(strict)
    strict.ok(step("PresentIdTag", connectorId=1, idTag=TAG), sn(1, "Available"))
    preparing(strict)
    assert strict.do(step("PresentIdTag", connectorId=1, idTag=TAG), start_tx(1, TAG),
                     sn(1, "Charging")) == ["StartTransactionWithoutAuthorization"]


@pytest.mark.parametrize(("cache", "rules"), [(None, []), (True, ["StartTransactionWithoutAuthorization"])])
def test_3_5_without_the_cache_key_an_offline_card_may_be_unknown_to_the_charge_point(cache, rules):
    """MicroOcpp has no AuthorizationCacheEnabled (issue 14, M19/M20): it may have no cache, so a card the model
    saw accepted may be unknown to it, and AllowOfflineTxForUnknownId lets it start while LocalAuthorizeOffline
    forbids a cached one. With the key known true, the cached entry decides."""
    config = {"LocalAuthorizeOffline": False, "AllowOfflineTxForUnknownId": True}
    if cache is not None:
        config["AuthorizationCacheEnabled"] = cache
    trace = authorized(Trace(**config))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), sn(1, "Available"))
    go_offline(trace)
    trace.ok(step("PlugIn", connectorId=1))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG))
    assert trace.do(step("NetworkUp"), up(), start_tx(1, TAG), sn(1, "Charging")) == rules


def test_3_5_local_pre_authorize_may_still_send_authorize():
    """§4.1: in the cache, the Charge Point MAY send an Authorize.req."""
    trace = Trace(LocalPreAuthorize=True)
    authorized(trace)
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), sn(1, "Available"))
    preparing(trace)
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), start_tx(1, TAG), sn(1, "Charging"))


def test_3_5_cached_id_without_local_pre_authorize_needs_authorize():
    trace = Trace(LocalPreAuthorize=False)
    authorized(trace)
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), sn(1, "Available"))
    preparing(trace)
    rules = trace.do(step("PresentIdTag", connectorId=1, idTag=TAG), start_tx(1, TAG), sn(1, "Charging"))
    assert rules == ["StartTransactionWithoutAuthorization"]


def test_3_5_cached_invalid_id_is_not_pre_authorized():
    trace = Trace(LocalPreAuthorize=True)
    preparing(trace)
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG, "Blocked"))
    rules = trace.do(step("PresentIdTag", connectorId=1, idTag=TAG), start_tx(1, TAG), sn(1, "Charging"))
    assert rules == ["StartTransactionWithoutAuthorization"]


def test_3_5_cache_disabled_is_not_pre_authorized():
    trace = Trace(LocalPreAuthorize=True, AuthorizationCacheEnabled=False)
    authorized(trace)
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), sn(1, "Available"))
    preparing(trace)
    rules = trace.do(step("PresentIdTag", connectorId=1, idTag=TAG), start_tx(1, TAG), sn(1, "Charging"))
    assert rules == ["StartTransactionWithoutAuthorization"]


def test_3_5_local_pre_authorize_identification_first():
    trace = Trace(LocalPreAuthorize=True)
    authorized(trace)
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), sn(1, "Available"))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), sn(1, "Preparing"))
    trace.ok(step("PlugIn", connectorId=1), start_tx(1, TAG), sn(1, "Charging"))


def test_4_1_authorize_when_stopping_with_the_same_id_tag_is_a_violation():
    rules = charging().do(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG),
                          stop_tx(1, tag=TAG), sn(1, "Finishing"))
    assert rules != []


# -- StartTransaction (§4.8) --------------------------------------------------------


@pytest.mark.parametrize("connector", [0, 3])
def test_4_8_start_transaction_on_a_connector_that_does_not_exist_is_a_violation(connector):
    rules = Trace().do(step("AdvanceTime", seconds=1), start_tx(connector, TAG, t=1.0))
    assert rules == ["StartTransactionConnector"]


def test_4_8_second_start_transaction_on_a_connector_is_a_violation():
    rules = charging().do(step("AdvanceTime", seconds=1), start_tx(1, TAG, 2, t=1.0))
    assert rules == ["SecondTransactionOnConnector"]


def test_4_8_4_9_preparing_of_a_second_start_left_standing_is_that_deviation_not_status_not_reported():
    """§4.8, §4.9 (sim-sap r3): the SAP simulator accepts a RemoteStartTransaction for a connector whose transaction
    runs, reports it Preparing, sends a second StartTransaction, then drops that start itself and never reports the
    running transaction's Charging again: one deviation (SecondTransactionOnConnector), not also StatusNotReported.
    The other way: a Preparing in the middle of a transaction without a second start is still StatusNotReported."""
    trace = charging()
    rules = trace.do(step("RemoteStartTransaction", connectorId=1, idTag=TAG), result(status="Accepted"),
                     sn(1, "Preparing"), start_tx(1, TAG, 2))
    assert "SecondTransactionOnConnector" in rules and "StatusNotReported" not in rules
    assert trace.do(step("AdvanceTime", seconds=5)) == ["SecondTransactionOnConnector"]
    trace = charging()
    rules = trace.do(step("RemoteStartTransaction", connectorId=1, idTag=TAG), result(status="Accepted"),
                     sn(1, "Preparing"))
    assert "StatusNotReported" in rules + trace.do(step("AdvanceTime", seconds=5))


def test_4_8_start_transaction_repeated_after_a_callerror():
    """OCPP-J §4.1.3 / §4.7: a transaction message without answer is sent again."""
    trace = preparing()
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), start_tx_unanswered(1, TAG),
             sn(1, "Charging"))
    trace.ok(step("AdvanceTime", seconds=30), start_tx(1, TAG, 1, t=30.0))
    trace.ok(step("RemoteStopTransaction", transactionId=1), result(status="Accepted"),
             stop_tx(1, "Remote"), sn(1, "Finishing"))


def test_4_8_authorized_and_plugged_without_start_transaction_is_a_violation():
    rules = preparing().do(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), sn(1, "Charging"))
    assert "StartTransactionWhenAuthorizedAndPlugged" in rules


def test_4_8_identification_first_plug_in_without_start_transaction_is_a_violation():
    rules = authorized().do(step("PlugIn", connectorId=1))
    assert rules == ["StartTransactionWhenAuthorizedAndPlugged"]


def test_4_8_two_connectors_charge_independently():
    trace = charging()
    charging(trace, connector=2, tag=OTHER, tx_id=2)
    trace.ok(step("RemoteStopTransaction", transactionId=2), result(status="Accepted"),
             stop_tx(2, "Remote"), sn(2, "Finishing"))
    assert trace.connector(1).tx is not None and trace.connector(2).tx is None


# -- StopTransaction (§4.10) -----------------------------------------------------


def test_4_10_stop_unknown_transaction_is_a_violation():
    rules = charging().do(step("AdvanceTime", seconds=1), stop_tx(99, t=1.0))
    assert rules == ["StopTransactionUnknownId"]


def test_4_10_transaction_stopped_twice_is_a_violation():
    trace = charging()
    trace.ok(step("RemoteStopTransaction", transactionId=1), result(status="Accepted"),
             stop_tx(1, "Remote"), sn(1, "Finishing"))
    assert trace.do(step("AdvanceTime", seconds=1), stop_tx(1, "Remote", t=1.0)) == ["TransactionStoppedTwice"]


def test_4_10_meter_stop_below_meter_start_is_a_violation():
    trace = charging(meter=1000)
    rules = trace.do(step("RemoteStopTransaction", transactionId=1), result(status="Accepted"),
                     stop_tx(1, "Remote", meter=999), sn(1, "Finishing"))
    assert rules == ["MeterStopBelowMeterStart"]


def test_4_10_meter_stop_equal_to_meter_start_is_allowed():
    charging(meter=1000).ok(step("RemoteStopTransaction", transactionId=1), result(status="Accepted"),
                            stop_tx(1, "Remote", meter=1000), sn(1, "Finishing"))


def test_4_10_stop_without_cause_is_a_violation():
    rules = charging().do(step("AdvanceTime", seconds=1), stop_tx(1, "Other", t=1.0), sn(1, "Finishing", 1.0))
    assert rules == ["UnexpectedStopTransaction"]


@pytest.mark.parametrize("reason", ["Other", "EmergencyStop"])
def test_4_10_fault_may_stop_the_transaction(reason):
    trace = charging()
    trace.ok(step("Fault", connectorId=1, errorCode="GroundFailure"), stop_tx(1, reason), sn(1, "Faulted"))
    trace.ok(step("ClearFault", connectorId=1), sn(1, "Finishing"))


def test_4_10_fault_need_not_stop_the_transaction():
    """OCTT TC_039_CS: Faulted, then back to Charging."""
    trace = charging()
    trace.ok(step("Fault", connectorId=1, errorCode="GroundFailure"), sn(1, "Faulted"))
    trace.ok(step("ClearFault", connectorId=1), sn(1, "Charging"))


def test_4_10_fault_without_faulted_status_is_a_violation():
    assert charging().do(step("Fault", connectorId=1, errorCode="GroundFailure")) == ["StatusNotReported"]


def test_4_10_stop_by_same_id_tag():
    """OCTT TC_068_CS: no Authorize; StopTransaction carries the idTag; Finishing in either order."""
    charging().ok(step("PresentIdTag", connectorId=1, idTag=TAG), stop_tx(1, tag=TAG), sn(1, "Finishing"))
    charging().ok(step("PresentIdTag", connectorId=1, idTag=TAG), sn(1, "Finishing"), stop_tx(1, "Local", tag=TAG))


def test_4_10_stop_by_same_id_tag_without_stop_transaction_is_a_violation():
    assert charging().do(step("PresentIdTag", connectorId=1, idTag=TAG)) == ["StopByPresentingIdTag"]


@pytest.mark.parametrize("tag", [OTHER, None])
def test_4_10_stop_by_id_tag_with_other_id_tag_in_stop_transaction_is_a_violation(tag):
    rules = charging().do(step("PresentIdTag", connectorId=1, idTag=TAG), stop_tx(1, tag=tag), sn(1, "Finishing"))
    assert rules == ["StopTransactionIdTag"]


def test_4_10_stop_by_id_tag_with_wrong_reason_is_a_violation():
    rules = charging().do(step("PresentIdTag", connectorId=1, idTag=TAG), stop_tx(1, "Remote", tag=TAG),
                          sn(1, "Finishing"))
    assert rules == ["StopTransactionReason"]


def test_3_10_stop_by_id_tag_of_the_same_group():
    """OCTT TC_069_CS: another idTag with the same parentIdTag MAY stop the transaction."""
    trace = charging(parent=PARENT)
    trace.ok(step("PresentIdTag", connectorId=1, idTag=OTHER), authorize(OTHER, parent=PARENT),
             stop_tx(1, tag=OTHER), sn(1, "Finishing"))


def test_3_10_id_tag_of_the_same_group_need_not_stop():
    charging(parent=PARENT).ok(step("PresentIdTag", connectorId=1, idTag=OTHER), authorize(OTHER, parent=PARENT))


def test_3_10_id_tag_of_another_group_does_not_stop():
    trace = charging(parent=PARENT)
    rules = trace.do(step("PresentIdTag", connectorId=1, idTag=OTHER), authorize(OTHER, parent="GROUP2"),
                     stop_tx(1, tag=OTHER), sn(1, "Finishing"))
    assert rules == ["UnexpectedStopTransaction"]


def test_3_10_id_tag_without_group_does_not_stop():
    trace = charging()
    rules = trace.do(step("PresentIdTag", connectorId=1, idTag=OTHER), authorize(OTHER),
                     stop_tx(1, tag=OTHER), sn(1, "Finishing"))
    assert rules == ["UnexpectedStopTransaction"]


def test_3_10_cached_id_tag_of_the_same_group_stops_without_authorize():
    """§4.1: the cache holds OTHER with the group; §3.10: it may stop TAG's transaction."""
    trace = Trace()
    trace.ok(step("PresentIdTag", connectorId=2, idTag=OTHER), authorize(OTHER, parent=PARENT), sn(2, "Preparing"))
    trace.ok(step("PresentIdTag", connectorId=2, idTag=OTHER), sn(2, "Available"))
    charging(trace, parent=PARENT)
    trace.ok(step("PresentIdTag", connectorId=1, idTag=OTHER), stop_tx(1, tag=OTHER), sn(1, "Finishing"))


def test_4_10_other_id_tag_without_authorize_changes_nothing():
    charging().ok(step("PresentIdTag", connectorId=1, idTag=OTHER))


# -- MeterValues (§4.7) -----------------------------------------------------------------


@pytest.mark.parametrize("connector", [0, 1, 2])
def test_4_7_meter_values_for_existing_connector(connector):
    charging().ok(step("AdvanceTime", seconds=60), meter_values(connector, None, 60.0))


def test_4_7_meter_values_for_unknown_connector_is_a_violation():
    assert charging().do(step("AdvanceTime", seconds=60), meter_values(3, None, 60.0)) == ["MeterValuesConnector"]


# -- StatusNotification (§4.9) ----------------------------------------------------------


def test_4_9_status_notification_for_unknown_connector_is_a_violation():
    assert Trace().do(step("AdvanceTime", seconds=1), sn(3, "Available", 1.0)) == ["StatusNotificationConnector"]


def test_4_9_status_transition_not_in_table_is_a_violation():
    trace = charging()
    rules = trace.do(step("AdvanceTime", seconds=1), sn(1, "Preparing", 1.0), sn(1, "Charging", 1.0))
    assert rules == ["StatusTransitionNotAllowed"]  # C2 is not in the table


def test_4_9_connector_zero_charging_is_a_violation():
    rules = Trace().do(step("AdvanceTime", seconds=1), sn(0, "Charging", 1.0), sn(0, "Available", 1.0))
    assert rules == ["StatusTransitionNotAllowed"]


def test_4_9_repeated_status_is_allowed():
    Trace().ok(step("AdvanceTime", seconds=1), *statuses(*IDLE, t=1.0))


def test_4_9_plug_in_without_preparing_is_a_violation():
    """OCTT TC_003_CS step 1."""
    assert Trace().do(step("PlugIn", connectorId=1)) == ["StatusNotReported"]


def test_4_9_wrong_status_at_the_end_of_a_step_is_a_violation():
    assert Trace().do(step("PlugIn", connectorId=1), sn(1, "Charging")) == ["StatusNotReported"]


def test_4_9_intermediate_statuses_may_be_reported():
    """A short SuspendedEV/SuspendedEVSE between Preparing and Charging (§4.9)."""
    trace = preparing()
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), sn(1, "SuspendedEVSE"),
             start_tx(1, TAG), sn(1, "SuspendedEV"), sn(1, "Charging"))


def test_4_9_ev_suspends_and_resumes():
    trace = charging()
    trace.ok(step("EVSuspend", connectorId=1), sn(1, "SuspendedEV"))
    trace.ok(step("EVResume", connectorId=1), sn(1, "Charging"))


def test_4_9_ev_suspended_may_be_suspended_evse():
    """'If charging is suspended both by the EV and the EVSE, status SuspendedEVSE SHALL have precedence'."""
    charging().ok(step("EVSuspend", connectorId=1), sn(1, "SuspendedEVSE"))


def test_4_9_ev_suspend_without_status_is_a_violation():
    assert charging().do(step("EVSuspend", connectorId=1)) == ["StatusNotReported"]


def test_4_9_unplug_while_preparing_is_available():
    """B1: intended usage is ended."""
    preparing().ok(step("Unplug", connectorId=1), sn(1, "Available"))


def test_4_9_second_presentation_cancels_identification_first():
    """B1: 'second presentation of idTag'."""
    authorized().ok(step("PresentIdTag", connectorId=1, idTag=TAG), sn(1, "Available"))


def test_4_9_fault_and_recovery_while_idle():
    """A9 then I1 (OCTT TC_041_CS Fault Behavior)."""
    trace = Trace()
    trace.ok(step("Fault", connectorId=1, errorCode="HighTemperature"), sn(1, "Faulted", error="HighTemperature"))
    trace.ok(step("ClearFault", connectorId=1), sn(1, "Available"))


def test_4_9_faulted_connector_refuses_a_remote_start():
    trace = Trace().ok(step("Fault", connectorId=1, errorCode="HighTemperature"), sn(1, "Faulted"))
    trace.ok(step("RemoteStartTransaction", idTag=TAG, connectorId=1), result(status="Rejected"))


def test_4_9_unavailable_connector_stays_unavailable_when_used():
    trace = Trace()
    trace.ok(step("ChangeAvailability", connectorId=1, type="Inoperative"), result(status="Accepted"),
             sn(1, "Unavailable"))
    trace.ok(step("PlugIn", connectorId=1))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG))
    trace.ok(step("RemoteStartTransaction", idTag=TAG, connectorId=1), result(status="Rejected"))
    assert trace.do(step("AdvanceTime", seconds=1), sn(1, "Preparing", 1.0)) == ["StatusNotReported"]


def test_4_9_unavailable_connector_does_not_start_a_transaction():
    trace = Trace()
    trace.ok(step("ChangeAvailability", connectorId=1, type="Inoperative"), result(status="Accepted"),
             sn(1, "Unavailable"))
    trace.ok(step("PlugIn", connectorId=1))
    rules = trace.do(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), start_tx(1, TAG))
    assert "StartTransactionWithoutAuthorization" in rules


def test_5_2_charge_point_inoperative_with_transaction_is_scheduled():
    """Connector 0: the transaction's connector waits for its end; the others may change at once."""
    trace = charging()
    trace.ok(step("ChangeAvailability", connectorId=0, type="Inoperative"), result(status="Scheduled"),
             *statuses((0, "Unavailable"), (2, "Unavailable")))
    trace.ok(step("RemoteStopTransaction", transactionId=1), result(status="Accepted"), stop_tx(1, "Remote"),
             sn(1, "Unavailable"))


def test_5_2_charge_point_inoperative_scheduled_other_connector_may_wait():
    trace = charging()
    trace.ok(step("ChangeAvailability", connectorId=0, type="Inoperative"), result(status="Scheduled"),
             sn(0, "Unavailable"))
    trace.ok(step("RemoteStopTransaction", transactionId=1), result(status="Accepted"), stop_tx(1, "Remote"),
             *statuses((1, "Unavailable"), (2, "Unavailable")))


def test_5_2_charge_point_inoperative_scheduled_connector_zero_waits_for_the_transaction():
    trace = charging()
    trace.ok(step("ChangeAvailability", connectorId=0, type="Inoperative"), result(status="Scheduled"))
    trace.ok(step("RemoteStopTransaction", transactionId=1), result(status="Accepted"), stop_tx(1, "Remote"),
             *statuses((0, "Unavailable"), (1, "Unavailable"), (2, "Unavailable")))


def test_5_14_reset_with_cable_plugged_reports_preparing_or_finishing():
    """OCTT TC_032_1_CS step 7 'Finishing OR Preparing' for a connector with a cable after reboot."""
    for status in ("Preparing", "Finishing"):
        trace = preparing()
        trace.ok(step("Reset", type="Soft"), result(status="Accepted"),
                 *reboot_observations((0, "Available"), (1, status), (2, "Available")))


# -- ConnectionTimeOut (§9.1.6) -------------------------------------------------------


def test_9_1_6_identification_first_times_out_to_available():
    """OCTT TC_004_2_CS."""
    trace = authorized(Trace(ConnectionTimeOut=60))
    trace.ok(step("AdvanceTime", seconds=59))
    trace.ok(step("AdvanceTime", seconds=1), sn(1, "Available", 60.0))


def test_9_1_6_timeout_missed_is_a_violation():
    trace = authorized(Trace(ConnectionTimeOut=60))
    assert trace.do(step("AdvanceTime", seconds=61)) == ["StatusNotReported"]


def test_9_1_6_timeout_too_early_is_a_violation():
    trace = authorized(Trace(ConnectionTimeOut=60))
    assert trace.do(step("AdvanceTime", seconds=30), sn(1, "Available", 30.0)) == ["StatusNotReported"]


def test_9_1_6_no_transaction_after_timeout():
    trace = authorized(Trace(ConnectionTimeOut=60))
    trace.ok(step("AdvanceTime", seconds=60), sn(1, "Available", 60.0))
    trace.ok(step("PlugIn", connectorId=1), sn(1, "Preparing", 60.0))
    rules = trace.do(step("AdvanceTime", seconds=1), start_tx(1, TAG, t=61.0), sn(1, "Charging", 61.0))
    assert rules == ["StartTransactionWithoutAuthorization"]


def test_9_1_6_plugged_without_identification_may_time_out_to_finishing():
    """B6: idTag not presented within the timeout."""
    trace = preparing(Trace(ConnectionTimeOut=60))
    assert trace.do(step("AdvanceTime", seconds=30), sn(1, "Finishing", 30.0)) == ["StatusNotReported"]
    trace = preparing(Trace(ConnectionTimeOut=60))
    trace.ok(step("AdvanceTime", seconds=60), sn(1, "Finishing", 60.0))
    trace = preparing(Trace(ConnectionTimeOut=60))
    trace.ok(step("AdvanceTime", seconds=600))  # or stays Preparing



@pytest.mark.parametrize("tolerance, rules", [(0.0, ["StatusNotReported"]), (2.0, [])])
def test_9_1_6_a_timeout_within_the_tolerance_early_is_allowed_on_a_wall_clock(tolerance, rules):
    """On a wall clock the Charge Point's timer and our view of it differ by latency: ``tolerance``
    applies either way (docs/external.md §5)."""
    trace = authorized(Trace(Options(tolerance=tolerance), ConnectionTimeOut=10))
    assert trace.do(step("AdvanceTime", seconds=9), sn(1, "Available", 9.0)) == rules
    trace = preparing(Trace(Options(tolerance=tolerance), ConnectionTimeOut=10))
    assert trace.do(step("AdvanceTime", seconds=9), sn(1, "Finishing", 9.0)) == rules



def test_4_2_an_authorization_waiting_for_its_cable_does_not_survive_a_power_loss():
    """A card presented before a power loss is forgotten by the reboot, even when the cable comes before
    the boot can be seen (found by ocpp-verify mutants: a StartTransaction was owed)."""
    trace = authorized(Trace(ConnectionTimeOut=600), connector=2)
    trace.ok(step("NetworkDown"), down())
    trace.ok(step("PowerLoss"))
    trace.ok(step("PowerOn"))
    trace.ok(step("PlugIn", connectorId=2))
    trace.ok(step("NetworkUp"), up(), boot(), *statuses((0, "Available"), (1, "Available"), (2, "Preparing")))


# -- EV side disconnect (§4.10, §9.1.23, §9.1.33) -----------------------------------------


def test_9_1_23_stop_on_ev_side_disconnect_and_unlock():
    """OCTT TC_005_1_CS: StopTransaction EVDisconnected; skipping Finishing (C1) is allowed."""
    trace = charging(Trace(StopTransactionOnEVSideDisconnect=True, UnlockConnectorOnEVSideDisconnect=True))
    trace.ok(step("Unplug", connectorId=1), stop_tx(1, "EVDisconnected"), sn(1, "Available"))


def test_9_1_23_stop_on_ev_side_disconnect_and_unlock_via_finishing():
    trace = charging(Trace(StopTransactionOnEVSideDisconnect=True, UnlockConnectorOnEVSideDisconnect=True))
    trace.ok(step("Unplug", connectorId=1), sn(1, "SuspendedEV", info=EV_GONE), sn(1, "Finishing", info=EV_GONE),
             stop_tx(1, "EVDisconnected"), sn(1, "Available"))


def test_9_1_33_stop_on_ev_side_disconnect_without_unlock():
    """OCTT TC_005_2_CS: the connector stays locked, Finishing."""
    trace = charging(Trace(StopTransactionOnEVSideDisconnect=True, UnlockConnectorOnEVSideDisconnect=False))
    trace.ok(step("Unplug", connectorId=1), stop_tx(1, "EVDisconnected"), sn(1, "Finishing", info=EV_GONE))


def test_9_1_23_no_stop_on_ev_side_disconnect():
    """OCTT TC_005_3_CS: SuspendedEV, the transaction goes on; plugging back in charges again."""
    trace = charging(Trace(StopTransactionOnEVSideDisconnect=False, UnlockConnectorOnEVSideDisconnect=True))
    trace.ok(step("Unplug", connectorId=1), sn(1, "SuspendedEV", info=EV_GONE))
    trace.ok(step("PlugIn", connectorId=1), sn(1, "Charging"))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), stop_tx(1, tag=TAG), sn(1, "Finishing"))


def test_4_9_a_transaction_started_with_no_cable_may_be_charging_until_a_cable_comes():
    """SAP simulator (sim-triage session 3, no cable model): a card starts a transaction with no cable in, and the
    Charge Point reports Charging. §4.9 SuspendedEV/SuspendedEVSE are for "the EV is connected"; with none ever
    connected the spec names no status, so Charging fits too. Once a cable was in, the unplugged rule holds again."""
    for status in ("Charging", "SuspendedEV", "SuspendedEVSE"):
        Trace().ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), start_tx(1, TAG), sn(1, status))
    trace = Trace(StopTransactionOnEVSideDisconnect=False)
    trace.ok(step("RemoteStartTransaction", connectorId=1, idTag=TAG), result(status="Accepted"),
             start_tx(1, TAG), sn(1, "Charging"))
    trace.ok(step("PlugIn", connectorId=1))
    assert trace.do(step("Unplug", connectorId=1)) == ["StatusNotReported"]  # Charging, but the EV left


def test_9_1_23_no_stop_on_ev_side_disconnect_fixed_cable_remote_stop():
    """OCTT TC_005_3_CS steps 3-8 with a fixed cable: Available after the remote stop."""
    trace = charging(Trace(Options(fixed_cable=True), StopTransactionOnEVSideDisconnect=False,
                           UnlockConnectorOnEVSideDisconnect=False))
    trace.ok(step("Unplug", connectorId=1), sn(1, "SuspendedEV", info=EV_GONE))
    trace.ok(step("RemoteStopTransaction", transactionId=1), result(status="Accepted"),
             sn(1, "Available"), stop_tx(1, "Remote"))


def test_9_1_23_no_stop_on_ev_side_disconnect_may_be_suspended_evse():
    trace = charging(Trace(StopTransactionOnEVSideDisconnect=False, UnlockConnectorOnEVSideDisconnect=False))
    trace.ok(step("Unplug", connectorId=1), sn(1, "SuspendedEVSE"))


def test_9_1_23_no_stop_on_ev_side_disconnect_remote_stop_is_finishing():
    trace = charging(Trace(StopTransactionOnEVSideDisconnect=False, UnlockConnectorOnEVSideDisconnect=False))
    trace.ok(step("Unplug", connectorId=1), sn(1, "SuspendedEV", info=EV_GONE))
    trace.ok(step("RemoteStopTransaction", transactionId=1), result(status="Accepted"),
             sn(1, "Finishing"), stop_tx(1, "Remote"))


def test_9_1_23_stop_on_ev_side_disconnect_and_unlock_reports_finishing():
    trace = charging(Trace(StopTransactionOnEVSideDisconnect=True, UnlockConnectorOnEVSideDisconnect=True))
    trace.ok(step("Unplug", connectorId=1), stop_tx(1, "EVDisconnected"), sn(1, "Finishing", info=EV_GONE))


def test_9_1_33_locked_cable_released_by_unlock_connector():
    """OCTT TC_005_2_CS steps 5-6, then the cable is taken out."""
    trace = charging(Trace(StopTransactionOnEVSideDisconnect=True, UnlockConnectorOnEVSideDisconnect=False))
    trace.ok(step("Unplug", connectorId=1), sn(1, "Finishing", info=EV_GONE), stop_tx(1, "EVDisconnected"))
    trace.ok(step("UnlockConnector", connectorId=1), result(status="Unlocked"))
    trace.ok(step("AdvanceTime", seconds=5), sn(1, "Available", 5.0))


def test_9_1_33_stop_on_ev_side_disconnect_without_unlock_may_be_available():
    """OCTT TC_005_2_CS step 3: 'status is Finishing OR Available'."""
    trace = charging(Trace(StopTransactionOnEVSideDisconnect=True, UnlockConnectorOnEVSideDisconnect=False))
    trace.ok(step("Unplug", connectorId=1), stop_tx(1, "EVDisconnected"), sn(1, "Available"))


def test_9_1_23_no_stop_on_ev_side_disconnect_stop_is_a_violation():
    trace = charging(Trace(StopTransactionOnEVSideDisconnect=False))
    rules = trace.do(step("Unplug", connectorId=1), stop_tx(1, "EVDisconnected"), sn(1, "Available"))
    assert "UnexpectedStopTransaction" in rules


def test_9_1_23_stop_on_ev_side_disconnect_missing_is_a_violation():
    trace = charging(Trace(StopTransactionOnEVSideDisconnect=True))
    rules = trace.do(step("Unplug", connectorId=1), sn(1, "SuspendedEV", info=EV_GONE))
    assert rules == ["StopTransactionOnEVSideDisconnect"]


def test_9_1_23_stop_on_ev_side_disconnect_wrong_reason_is_a_violation():
    trace = charging(Trace(StopTransactionOnEVSideDisconnect=True))
    rules = trace.do(step("Unplug", connectorId=1), stop_tx(1, "Local"), sn(1, "Available"))
    assert rules == ["StopTransactionReason"]


def test_9_1_23_stop_on_ev_side_disconnect_is_the_default():
    trace = charging()
    assert trace.do(step("Unplug", connectorId=1), sn(1, "SuspendedEV", info=EV_GONE)) == [
        "StopTransactionOnEVSideDisconnect"]


# -- StartTransaction.conf not Accepted (§3.5.4, §9.1.24) ----------------------------------


def offline_started(trace: Trace) -> Trace:
    """OCTT TC_037_x_CS: offline, cable plugged in and idTag presented; the Charge Point starts a
    transaction it will deliver at reconnection."""
    go_offline(trace)
    trace.ok(step("PlugIn", connectorId=1))
    return trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG))


def test_9_1_24_invalid_id_stops_the_transaction():
    """OCTT TC_037_3_CS: StopTransaction reason DeAuthorized, then Finishing."""
    trace = offline_started(Trace(StopTransactionOnInvalidId=True))
    trace.ok(step("NetworkUp"), up(), start_tx(1, TAG, status="Invalid"), sn(1, "Charging"),
             stop_tx(1, "DeAuthorized"), sn(1, "Finishing"))


def test_9_1_24_invalid_id_without_stop_is_a_violation():
    trace = offline_started(Trace(StopTransactionOnInvalidId=True))
    rules = trace.do(step("NetworkUp"), up(), start_tx(1, TAG, status="Invalid"), sn(1, "Charging"))
    assert rules == ["StopTransactionOnInvalidId"]


def test_a_missing_stop_is_found_once_then_the_transaction_may_be_over():
    """Issue 14 (SAP simulator): after StopTransactionOnInvalidId was found, a RemoteStop Rejected or an
    Available is the same deviation, not a new one; a late StopTransaction is still taken."""
    trace = offline_started(Trace(StopTransactionOnInvalidId=True))
    assert trace.do(step("NetworkUp"), up(), start_tx(1, TAG, status="Invalid"), sn(1, "Available")) == [
        "StopTransactionOnInvalidId"]
    trace.ok(step("RemoteStopTransaction", transactionId=1), result(status="Rejected"))
    late = offline_started(Trace(StopTransactionOnInvalidId=True))
    late.do(step("NetworkUp"), up(), start_tx(1, TAG, status="Invalid"), sn(1, "Charging"))
    late.ok(step("AdvanceTime", seconds=5), stop_tx(1, "DeAuthorized", t=5.0), sn(1, "Finishing", 5.0))


def test_9_1_24_invalid_id_wrong_stop_reason_is_a_violation():
    trace = offline_started(Trace(StopTransactionOnInvalidId=True))
    rules = trace.do(step("NetworkUp"), up(), start_tx(1, TAG, status="Invalid"), sn(1, "Charging"),
                     stop_tx(1, "Local"), sn(1, "Finishing"))
    assert rules == ["StopTransactionReason"]


def test_9_1_24_invalid_id_not_stopped_suspends_energy():
    """OCTT TC_037_2_CS: Charging, then SuspendedEVSE; the transaction goes on."""
    trace = offline_started(Trace(StopTransactionOnInvalidId=False))
    trace.ok(step("NetworkUp"), up(), start_tx(1, TAG, status="Invalid"), sn(1, "Charging"), sn(1, "SuspendedEVSE"))
    trace.ok(step("AdvanceTime", seconds=60))


def test_9_1_24_invalid_id_not_stopped_still_charging_is_a_violation():
    trace = offline_started(Trace(StopTransactionOnInvalidId=False))
    rules = trace.do(step("NetworkUp"), up(), start_tx(1, TAG, status="Invalid"), sn(1, "Charging"))
    assert rules == ["StatusNotReported"]


def test_9_1_24_invalid_id_not_stopped_stop_is_a_violation():
    trace = preparing(Trace(StopTransactionOnInvalidId=False))
    rules = trace.do(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG),
                     start_tx(1, TAG, status="Blocked"), sn(1, "SuspendedEVSE"),
                     stop_tx(1, "DeAuthorized"), sn(1, "Finishing"))
    assert rules == ["UnexpectedStopTransaction"]


def test_9_1_24_errata_3_17_invalid_transaction_may_stop_once_stop_transaction_on_invalid_id_is_set_true():
    """sim-mo (MicroOcppSimulator): a transaction suspended for a Blocked StartTransaction.conf while
    StopTransactionOnInvalidId was false is stopped (DeAuthorized) when the key is set to true: "the transaction is still
    ongoing" and the key "is set to true" (§4.8, errata 3.17). Going on is fine too. A valid transaction stopped
    DeAuthorized then is still UnexpectedStopTransaction."""
    def blocked() -> Trace:
        trace = preparing(Trace(StopTransactionOnInvalidId=False))
        return trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG),
                        start_tx(1, TAG, status="Blocked"), sn(1, "SuspendedEVSE"))
    set_true = step("ChangeConfiguration", key="StopTransactionOnInvalidId", value="true")
    blocked().ok(set_true, result(status="Accepted"), stop_tx(1, "DeAuthorized"), sn(1, "Finishing"))
    blocked().ok(set_true, result(status="Accepted")).ok(step("AdvanceTime", seconds=60))
    assert blocked().do(step("ChangeConfiguration", key="StopTransactionOnInvalidId", value="false"),
                        result(status="Accepted"), stop_tx(1, "DeAuthorized"), sn(1, "Finishing")) == \
        ["UnexpectedStopTransaction"]
    valid = charging(Trace(StopTransactionOnInvalidId=False))
    assert valid.do(set_true, result(status="Accepted"), stop_tx(1, "DeAuthorized"), sn(1, "Finishing")) == \
        ["UnexpectedStopTransaction"]


def test_9_1_24_offline_invalid_id_not_stopped_stop_is_a_violation():
    trace = offline_started(Trace(StopTransactionOnInvalidId=False))
    rules = trace.do(step("NetworkUp"), up(), start_tx(1, TAG, status="Invalid"), sn(1, "Charging"),
                     stop_tx(1, "DeAuthorized"), sn(1, "Finishing"))
    assert rules == ["UnexpectedStopTransaction"]


def test_9_1_24_online_start_transaction_conf_invalid():
    """The Central System may refuse in StartTransaction.conf what it accepted in Authorize.conf (§4.8)."""
    trace = preparing()
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG),
             start_tx(1, TAG, status="Blocked"), stop_tx(1, "DeAuthorized"), sn(1, "Finishing"))


def test_9_1_14_max_energy_on_invalid_id_may_keep_charging():
    trace = offline_started(Trace(StopTransactionOnInvalidId=False, MaxEnergyOnInvalidId=5000))
    trace.ok(step("NetworkUp"), up(), start_tx(1, TAG, status="Invalid"), sn(1, "Charging"))


# -- offline transactions (§3.5, §4.9 after reconnection) ------------------------------------


def test_3_5_offline_start_then_delivery_at_reconnection():
    """OCTT TC_037_1_CS: the queued StartTransaction at reconnection; Preparing may be skipped (A3)."""
    trace = offline_started(Trace())
    trace.ok(step("NetworkUp"), up(), start_tx(1, TAG), sn(1, "Charging"))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), stop_tx(1, tag=TAG), sn(1, "Finishing"))


def test_3_5_offline_start_status_first_then_start_transaction():
    trace = offline_started(Trace())
    trace.ok(step("NetworkUp"), up(), sn(1, "Preparing"), sn(1, "Charging"), start_tx(1, TAG))


def test_3_5_offline_start_not_delivered_at_reconnection_is_reported_by_status():
    trace = offline_started(Trace())
    trace.ok(step("NetworkUp"), up(), sn(1, "Preparing"))  # the Charge Point refused the idTag offline


def test_3_5_offline_stop_then_delivery():
    """OCTT TC_038_CS: started online, stopped offline by the same idTag; Finishing and StopTransaction
    in either order."""
    trace = charging()
    go_offline(trace)
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG))
    trace.ok(step("NetworkUp"), up(), stop_tx(1, tag=TAG), sn(1, "Finishing"))
    trace = charging()
    go_offline(trace)
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG))
    trace.ok(step("NetworkUp"), up(), sn(1, "Finishing"), stop_tx(1, "Local", tag=TAG))


def test_3_5_offline_start_and_stop_delivered_together():
    trace = offline_started(Trace())
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG))
    trace.ok(step("NetworkUp"), up(), sn(1, "Charging"), start_tx(1, TAG), stop_tx(1, tag=TAG), sn(1, "Finishing"))


def test_4_9_after_reconnection_only_the_current_status_is_reported():
    trace = offline_started(Trace())
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG))
    trace.ok(step("NetworkUp"), up(), start_tx(1, TAG), stop_tx(1, tag=TAG), sn(1, "Finishing"))


def test_3_5_offline_transaction_started_stopped_and_unplugged_offline():
    """OCTT TC_039_CS (Offline Transaction)."""
    trace = offline_started(Trace())
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG))
    trace.ok(step("Unplug", connectorId=1))
    trace.ok(step("NetworkUp"), up(), start_tx(1, TAG), stop_tx(1, tag=TAG), sn(1, "Available"))


def test_3_5_offline_stop_by_id_tag_then_unplug():
    trace = charging()
    go_offline(trace)
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG))
    trace.ok(step("Unplug", connectorId=1))
    trace.ok(step("NetworkUp"), up(), stop_tx(1, tag=TAG), sn(1, "Available"))


def test_3_5_reconnected_without_status_update_is_a_violation():
    trace = offline_started(Trace())
    rules = trace.do(step("NetworkUp"), up(), start_tx(1, TAG))
    assert rules == ["StatusNotReported"]


# -- power loss (§4.10, OCTT TC_032) -----------------------------------------------------


def test_4_10_power_loss_then_power_on_stops_with_power_loss():
    """OCTT TC_032_2_CS: BootNotification, statuses incl. connector 0, StopTransaction PowerLoss."""
    trace = charging()
    trace.ok(step("PowerLoss"), down())
    trace.ok(step("PowerOn"), up(), boot(), *statuses((0, "Available"), (1, "Charging"), (2, "Available")),
             stop_tx(1, "PowerLoss"), sn(1, "Finishing"))
    trace.ok(step("Unplug", connectorId=1), sn(1, "Available"))


def test_4_10_power_on_stop_before_status():
    trace = charging()
    trace.ok(step("PowerLoss"), down())
    trace.ok(step("PowerOn"), up(), boot(), stop_tx(1, "PowerLoss"),
             *statuses((0, "Available"), (1, "Finishing"), (2, "Available")))


def test_4_10_power_on_without_stop_is_a_violation():
    trace = charging()
    trace.ok(step("PowerLoss"), down())
    rules = trace.do(step("PowerOn"), up(), boot(), *statuses((0, "Available"), (1, "Charging"), (2, "Available")))
    assert rules == ["PowerLossStopsTransactions"]


def test_4_10_power_on_stop_with_wrong_reason_is_a_violation():
    trace = charging()
    trace.ok(step("PowerLoss"), down())
    rules = trace.do(step("PowerOn"), up(), boot(), stop_tx(1, "HardReset"),
                     *statuses((0, "Available"), (1, "Finishing"), (2, "Available")))
    assert rules == ["StopTransactionReason"]


def test_4_2_power_on_without_boot_notification_is_a_violation():
    trace = Trace()
    trace.ok(step("PowerLoss"), down())
    assert trace.do(step("PowerOn"), up()) == ["BootNotificationAtReboot"]


def test_4_2_power_on_request_before_boot_notification_is_a_violation():
    trace = charging()
    trace.ok(step("PowerLoss"), down())
    rules = trace.do(step("PowerOn"), up(), stop_tx(1, "PowerLoss"), boot(),
                     *statuses((0, "Available"), (1, "Finishing"), (2, "Available")))
    assert rules == ["MessageBeforeAccepted"]


def test_4_10_power_loss_transaction_may_resume_when_configured():
    """OCTT TC_032_2_CS: 'When transaction is resumed by Charge Point (status is Charging)'."""
    trace = charging(Trace(Options(power_loss_stops_transactions=False)))
    trace.ok(step("PowerLoss"), down())
    trace.ok(step("PowerOn"), up(), boot(), *statuses((0, "Available"), (1, "Charging"), (2, "Available")))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), stop_tx(1, tag=TAG), sn(1, "Finishing"))


def test_4_10_power_loss_stop_before_going_down():
    trace = charging()
    trace.ok(step("PowerLoss"), stop_tx(1, "PowerLoss"), sn(1, "Finishing"), down())
    trace.ok(step("PowerOn"), up(), boot(), *statuses((0, "Available"), (1, "Finishing"), (2, "Available")))


# -- full charging sessions ----------------------------------------------------------


@pytest.mark.parametrize("status_first", [False, True])
def test_session_plug_in_first(status_first):
    """OCTT TC_003_CS, with OCTT §1.2: StatusNotification(Charging) and StartTransaction in either order."""
    trace = preparing()
    messages = [start_tx(1, TAG), sn(1, "Charging")]
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), *(messages[::-1] if status_first else messages))
    trace.ok(step("AdvanceTime", seconds=60), meter_values(1, 1, 60.0))
    stop = [stop_tx(1, tag=TAG, t=60.0), sn(1, "Finishing", 60.0)]
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), *(stop[::-1] if status_first else stop))
    trace.ok(step("Unplug", connectorId=1), sn(1, "Available", 60.0))
    assert trace.state.owed == ()


def test_session_identification_first():
    """OCTT TC_004_1_CS."""
    trace = authorized()
    trace.ok(step("PlugIn", connectorId=1), start_tx(1, TAG), sn(1, "Charging"))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), stop_tx(1, tag=TAG), sn(1, "Finishing"))
    trace.ok(step("Unplug", connectorId=1), sn(1, "Available"))


def test_session_identification_first_status_after_start():
    trace = authorized()
    trace.ok(step("PlugIn", connectorId=1), sn(1, "Charging"), start_tx(1, TAG))


def test_session_remote_start_and_remote_stop():
    """OCTT TC_012_CS then TC_010_CS."""
    trace = Trace()
    trace.ok(step("RemoteStartTransaction", idTag=TAG, connectorId=2), result(status="Accepted"), sn(2, "Preparing"))
    trace.ok(step("PlugIn", connectorId=2), start_tx(2, TAG, 7), sn(2, "Charging"))
    trace.ok(step("RemoteStopTransaction", transactionId=7), result(status="Accepted"),
             sn(2, "Finishing"), stop_tx(7, "Remote"))
    trace.ok(step("Unplug", connectorId=2), sn(2, "Available"))
    trace.ok(step("RemoteStopTransaction", transactionId=7), result(status="Rejected"))


def test_session_two_sessions_in_a_row():
    trace = charging()
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), stop_tx(1, tag=TAG), sn(1, "Finishing"))
    trace.ok(step("Unplug", connectorId=1), sn(1, "Available"))
    charging(trace, tx_id=2)
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), stop_tx(2, tag=TAG), sn(1, "Finishing"))


# -- properties of the judge ------------------------------------------------------------

connector_ids = st.integers(min_value=1, max_value=2)
any_step = st.one_of(
    st.builds(lambda c: step("PlugIn", connectorId=c), connector_ids),
    st.builds(lambda c: step("Unplug", connectorId=c), connector_ids),
    st.builds(lambda c, t: step("PresentIdTag", connectorId=c, idTag=t), connector_ids, st.sampled_from([TAG, OTHER])),
    st.builds(lambda c: step("EVSuspend", connectorId=c), connector_ids),
    st.builds(lambda c: step("EVResume", connectorId=c), connector_ids),
    st.builds(lambda c: step("Fault", connectorId=c, errorCode="OtherError"), connector_ids),
    st.builds(lambda c: step("ClearFault", connectorId=c), connector_ids),
    st.sampled_from([step("PowerLoss"), step("PowerOn"), step("NetworkDown"), step("NetworkUp")]),
    st.builds(lambda n: step("AdvanceTime", seconds=n), st.integers(min_value=0, max_value=600)),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(any_step, max_size=10))
def test_judge_is_a_pure_function_of_state_and_step(steps):
    """docs/architecture.md §5: the state is immutable and hashable; the same step judged twice agrees."""
    state = initial_state()
    for s in steps:
        stimulus = Stimulus.from_step(s)
        first, second = judge(state, stimulus, ()), judge(state, stimulus, ())
        assert first == second
        assert hash(first.state) == hash(second.state)
        assert all(v.rule and v.section for v in first.violations)
        state = first.state


@given(st.sampled_from(["PlugIn", "PresentIdTag"]), connector_ids)
def test_4_9_silence_after_usage_is_initiated_is_a_violation(op, connector):
    """A2: 'Usage is initiated (e.g. insert plug, ..., present idTag)': the connector is no longer Available."""
    params = {"idTag": TAG} if op == "PresentIdTag" else {}
    rules = Trace().do(step(op, connectorId=connector, **params))
    assert rules and set(rules) <= {"StatusNotReported", "IdTagNotAuthorized"}


def test_4_1_a_card_at_a_connector_held_for_another_idtag_may_be_ignored():
    """MicroOcppSimulator (sim-triage M4, session 2): a remote start for TAG1 holds connector 1 (Preparing, no
    cable yet); a card TAG3 there starts nothing and stops nothing, and may be ignored. At a free connector
    the same card must be authorized."""
    trace = Trace(AuthorizeRemoteTxRequests=False)
    trace.ok(step("RemoteStartTransaction", idTag=TAG), result(status="Accepted"), sn(1, "Preparing"))
    trace.ok(step("PresentIdTag", connectorId=1, idTag="TAG3"))
    assert Trace().do(step("PresentIdTag", connectorId=1, idTag="TAG3")) == ["IdTagNotAuthorized"]


def test_4_2_an_authorization_waiting_for_its_cable_may_outlive_a_reboot():
    """MicroOcppSimulator (sim-triage session 2): a remote start waiting for its cable on connector 2 is still
    Preparing after the restart of an accepted Soft Reset, then Available; dropped at once is allowed too."""
    for kept in (True, False):
        trace = Trace(Options(reboot_limit=15.0), AuthorizeRemoteTxRequests=False)
        trace.ok(step("RemoteStartTransaction", connectorId=2, idTag=TAG), result(status="Accepted"), sn(2, "Preparing"))
        trace.ok(step("Reset", type="Soft"), result(status="Accepted"))
        trace.ok(step("AdvanceTime", seconds=10), down(10.0), up(10.0), boot(t=10.0),
                 *statuses((0, "Available"), (1, "Available"), (2, "Preparing" if kept else "Available"), t=10.0))
        trace.ok(step("AdvanceTime", seconds=1), *([sn(2, "Available", 11.0)] if kept else []))


def test_4_9_9_1_20_a_status_active_less_than_minimum_status_duration_is_not_owed_yet():
    """MicroOcppSimulator (sim-triage mo-s3-1): with MinimumStatusDuration 60 a card makes connector 2 Preparing,
    and the example ends before 60 s have passed. §4.9: "the Charge Point will only send the
    StatusNotification.req once the MinimumStatusDuration time is passed" (§9.1.20). After it has passed the
    status is owed; with MinimumStatusDuration 0 it is owed at once."""
    trace = Trace(MinimumStatusDuration=60)
    trace.ok(step("PlugIn", connectorId=2))
    trace.ok(step("AdvanceTime", seconds=50))
    assert trace.do(step("AdvanceTime", seconds=20)) == ["StatusNotReported"]
    late = Trace(MinimumStatusDuration=60)
    late.ok(step("PlugIn", connectorId=2))
    late.ok(step("AdvanceTime", seconds=60), sn(2, "Preparing", 60.0))
    assert Trace(MinimumStatusDuration=0).do(step("PlugIn", connectorId=2)) == ["StatusNotReported"]


def test_4_9_9_1_20_minimum_status_duration_counts_from_the_last_change_of_status():
    """A status that changes again within MinimumStatusDuration starts the wait anew (§4.9: "if it was active for
    less time than" MinimumStatusDuration, the earlier one MAY go unreported)."""
    trace = Trace(MinimumStatusDuration=60)
    trace.ok(step("PlugIn", connectorId=1))
    trace.ok(step("AdvanceTime", seconds=50))
    trace.ok(step("Unplug", connectorId=1))  # back to Available: the Preparing never went out, nor need it
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG, t=50.0))
    trace.ok(step("AdvanceTime", seconds=50))  # 100 s after the PlugIn, 50 s after the card: not owed yet
    assert trace.do(step("AdvanceTime", seconds=20)) == ["StatusNotReported"]


def test_4_9_9_1_20_after_a_boot_statuses_may_wait_for_minimum_status_duration():
    """A boot starts every connector's status anew: with MinimumStatusDuration 60 the statuses after an accepted
    reboot may come 60 s later (MicroOcpp); without it they are owed at once (errata v4.0 3.22)."""
    reset = (step("Reset", type="Soft"), result(status="Accepted"))
    slow = Trace(MinimumStatusDuration=60)
    slow.ok(*reset, down(), up(), boot())
    assert slow.do(step("AdvanceTime", seconds=70)) == ["ConnectorZeroStatusNotReported", "StatusNotReported",
                                                        "StatusNotReported"]
    assert "ConnectorZeroStatusNotReported" in Trace(MinimumStatusDuration=0).do(*reset, down(), up(), boot())


def test_4_9_9_1_20_with_minimum_status_duration_a_short_status_between_two_reports_may_be_omitted():
    """Connected, charging, then stopped within MinimumStatusDuration: Preparing → (Charging, Finishing unreported)
    → Available. Without MinimumStatusDuration only a short Preparing may be skipped (Preparing → Available is B1;
    Available → Finishing has no cell)."""
    assert "StatusTransitionNotAllowed" not in Trace(MinimumStatusDuration=60).do(
        step("AdvanceTime", seconds=1), sn(1, "Finishing", 1.0))
    assert "StatusTransitionNotAllowed" in Trace(MinimumStatusDuration=0).do(
        step("AdvanceTime", seconds=1), sn(1, "Finishing", 1.0))


def _remote_start_then_network_down(heartbeat_at: float) -> Trace:
    """A remote start waits for its cable on connector 1 (ConnectionTimeOut 10 s); the Charge Point's last CALL is a
    Heartbeat at ``heartbeat_at``; the connection is lost at 5 s and comes back at once."""
    trace = Trace(Options(tolerance=2.0), AuthorizeRemoteTxRequests=False, ConnectionTimeOut=10)
    trace.ok(step("RemoteStartTransaction", connectorId=1, idTag=TAG), result(status="Accepted"), sn(1, "Preparing"))
    trace.ok(step("AdvanceTime", seconds=5), CpCall("Heartbeat", {}, heartbeat_at, answer={"currentTime": "x"}))
    trace.ok(step("NetworkDown"), down(5.0))
    trace.ok(step("NetworkUp"), up(5.0))
    return trace


def test_ocppj_4_1_1_a_charge_point_whose_last_answer_the_lost_connection_may_have_taken_may_hold_its_messages():
    """MicroOcppSimulator (sim-triage mo-s4-2): a Heartbeat answered just as NetworkDown closed the connection never
    reached it; it waits for that CALL's timeout (40 s, OCPP-J §4.1.1: "implementation-dependent") and sends
    nothing meanwhile, also after NetworkUp: the end of an authorization's ConnectionTimeOut goes unreported until
    then. Until its next CALL nothing is owed; with its last CALL well before the disconnection, it is."""
    held = _remote_start_then_network_down(heartbeat_at=4.5)
    held.ok(step("AdvanceTime", seconds=20))
    held.ok(step("AdvanceTime", seconds=20), sn(1, "Available", 45.0))
    assert _remote_start_then_network_down(heartbeat_at=1.0).do(step("AdvanceTime", seconds=20)) == ["StatusNotReported"]


def test_errata_3_22_no_status_after_a_retry_accepted_while_rejected_is_a_rule_of_its_own():
    """Errata v4.0 3.22, §4.2 (sim-sap final1): the SAP simulator ignores a BootNotification.conf Accepted that answers a
    retry sent while it is Rejected, and sends no StatusNotification: StatusNotReportedAfterRejected, so that accepting
    it hides no other missing status. The other way: no statuses after an accepted (re)boot stay StatusNotReported."""
    trace = rejected_trace()
    rules = trace.do(step("AdvanceTime", seconds=61), boot("Accepted", t=61.0), sn(0, "Available", 61.0))
    assert rules == ["StatusNotReportedAfterRejected", "StatusNotReportedAfterRejected"]
    rules = Trace().do(step("Reset", type="Soft"), result(status="Accepted"),
                       *reboot_observations((0, "Available")))
    assert rules == ["StatusNotReported", "StatusNotReported"]
