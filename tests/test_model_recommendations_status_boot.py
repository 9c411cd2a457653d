"""Recommendations of §4.2, §4.3, §4.9, errata 3.49 (§5.19) and OCPP-J §4.1.2 (model/advisory.py), both ways.

Each is a rule of model.violations.RECOMMENDATIONS: reported when not followed, never a finding. Each is silent
where the Charge Point follows it, and where the model cannot be sure the situation is the one it speaks of.
"""

from __future__ import annotations

import pytest

from model import CpCall, Options
from model.firmware import WINDOW
from model.violations import RECOMMENDATIONS
from test_model_core import (EV_GONE, IDLE, Trace, boot, charging, down, go_offline, preparing, result, sn, statuses,
                             step, stop_tx, up)
from test_model_firmware import downloaded, fw, update, wait
from test_model_trigger import with_trigger

RULES = ("EVSideDisconnectedInfo", "HistoricalStatusNotification", "InternalClockNotSynchronized",
         "ChannelClosedWhilePending", "NonAsciiOutsideNaturalLanguageText", "VendorIdNotReversedDns",
         "ConnectorNotInUseNotUnavailable")


def test_each_rule_here_is_a_recommendation():
    assert set(RULES) <= RECOMMENDATIONS


# -- §4.9: "The Charge Point SHOULD add additional information in the 'info' field ... 'EV side disconnected'" --


def unplugged_charging(stop: bool) -> Trace:
    return charging(Trace(StopTransactionOnEVSideDisconnect=stop, UnlockConnectorOnEVSideDisconnect=stop))


def test_4_9_suspended_ev_without_info_after_an_ev_side_disconnect_is_a_recommendation_not_followed():
    assert unplugged_charging(False).do(step("Unplug", connectorId=1), sn(1, "SuspendedEV")) == ["EVSideDisconnectedInfo"]


def test_4_9_finishing_without_info_after_an_ev_side_disconnect_is_a_recommendation_not_followed():
    trace = unplugged_charging(True)
    assert trace.do(step("Unplug", connectorId=1), stop_tx(1, "EVDisconnected"), sn(1, "Finishing", info="Unplugged"),
                    sn(1, "Available")) == ["EVSideDisconnectedInfo"]


@pytest.mark.parametrize("info", [EV_GONE, "EV SIDE DISCONNECTED.", "Suspended: EV side disconnected"])
def test_4_9_suspended_ev_with_info_ev_side_disconnected_follows_the_recommendation(info):
    unplugged_charging(False).ok(step("Unplug", connectorId=1), sn(1, "SuspendedEV", info=info))


def test_4_9_finishing_with_info_ev_side_disconnected_follows_the_recommendation():
    unplugged_charging(True).ok(step("Unplug", connectorId=1), stop_tx(1, "EVDisconnected"),
                                sn(1, "Finishing", info=EV_GONE), sn(1, "Available"))


def test_4_9_an_unplug_without_a_transaction_asks_for_no_info():
    preparing().ok(step("Unplug", connectorId=1), sn(1, "Available"))


def test_4_9_a_charge_point_that_senses_no_cable_is_not_judged_on_the_info():
    trace = charging(Trace(Options(cable_sensed=False), StopTransactionOnEVSideDisconnect=False))
    trace.ok(step("Unplug", connectorId=1), sn(1, "SuspendedEV"))


# -- §4.9: "SHOULD NOT send StatusNotification.req PDUs for historical status change events" -------------------


def stopped_offline() -> Trace:
    """Charging, then offline the cable is pulled out: the transaction stops (StopTransactionOnEVSideDisconnect),
    Finishing and Available happen while offline; Available is the current status at the reconnection."""
    trace = charging(Trace())
    go_offline(trace)
    return trace.ok(step("Unplug", connectorId=1))


def plugged_and_unplugged_offline() -> Trace:
    """Offline a cable is plugged in and pulled out again: Preparing came and went, Available is current."""
    trace = go_offline(Trace())
    trace.ok(step("PlugIn", connectorId=1))
    return trace.ok(step("Unplug", connectorId=1))


def test_4_9_a_historical_status_before_the_current_one_after_a_reconnection_is_a_recommendation_not_followed():
    rules = plugged_and_unplugged_offline().do(step("NetworkUp"), up(), sn(1, "Preparing"), sn(1, "Available"))
    assert rules == ["HistoricalStatusNotification"]


def test_4_9_no_status_for_a_connector_whose_status_did_not_change_offline_follows_the_recommendation():
    plugged_and_unplugged_offline().ok(step("NetworkUp"), up())


def test_4_9_a_status_the_model_may_still_take_for_current_is_not_called_history():
    """Once the queued StopTransaction tells of the stop, Finishing still fits the connector (the model allows it
    before Available): no certainty, no judgement."""
    stopped_offline().ok(step("NetworkUp"), up(), stop_tx(1, "EVDisconnected"), sn(1, "Finishing", info=EV_GONE),
                         sn(1, "Available"))


def test_4_9_a_status_before_the_stop_that_tells_of_it_is_judged_once_the_stop_is_known():
    """A StatusNotification may come before or after the StopTransaction (OCTT §1.2)."""
    stopped_offline().ok(step("NetworkUp"), up(), sn(1, "Finishing", info=EV_GONE), stop_tx(1, "EVDisconnected"),
                         sn(1, "Available"))


def test_4_9_only_the_current_status_after_a_reconnection_follows_the_recommendation():
    stopped_offline().ok(step("NetworkUp"), up(), stop_tx(1, "EVDisconnected"), sn(1, "Available"))


def test_4_9_a_historical_error_after_a_reconnection_may_be_sent():
    plugged_and_unplugged_offline().ok(step("NetworkUp"), up(), sn(1, "Preparing", error="OtherError"),
                                       sn(1, "Available"))


def test_4_9_the_status_before_going_offline_repeated_is_no_history():
    trace = preparing()
    go_offline(trace)
    trace.ok(step("Unplug", connectorId=1))
    trace.ok(step("NetworkUp"), up(), sn(1, "Preparing"), sn(1, "Available"))


def test_4_9_a_status_after_the_current_one_is_no_history():
    """What follows the current status happened after the reconnection (here a new card starts at once)."""
    trace = preparing()
    go_offline(trace)
    trace.ok(step("NetworkUp"), up(), sn(1, "Preparing"))


def test_4_9_a_history_never_followed_by_the_current_status_is_not_judged_here():
    """The model may be wrong about the current status: without the Charge Point's own word that a later one is
    current, a status is not called history (StatusNotReported judges the end of the step)."""
    rules = stopped_offline().do(step("NetworkUp"), up(), stop_tx(1, "EVDisconnected"), sn(1, "Finishing"))
    assert "HistoricalStatusNotification" not in rules


def test_4_9_after_a_reboot_the_statuses_are_no_history():
    trace = charging(Trace())
    go_offline(trace)
    trace.ok(step("Unplug", connectorId=1))
    trace.ok(step("PowerLoss"))
    rules = trace.do(step("PowerOn"), up(), boot(), stop_tx(1, "EVDisconnected"), *statuses((0, "Available")),
                     sn(1, "Finishing"), *statuses((1, "Available"), (2, "Available")))
    assert "HistoricalStatusNotification" not in rules


def test_9_1_20_with_minimum_status_duration_the_history_is_not_judged():
    trace = go_offline(Trace(MinimumStatusDuration=5))
    trace.ok(step("PlugIn", connectorId=1))
    trace.ok(step("Unplug", connectorId=1))
    trace.ok(step("NetworkUp"), up(), sn(1, "Preparing"), sn(1, "Available"))


# -- §4.2: "it is RECOMMENDED to synchronize its internal clock with the supplied Central System's current time" ---


def stamped(connector: int, status: str, stamp: str, t: float = 0.0) -> CpCall:
    return CpCall("StatusNotification", {"connectorId": connector, "errorCode": "NoError", "status": status,
                                         "timestamp": stamp}, t, answer={})


def test_4_2_a_status_stamped_ahead_of_the_central_systems_time_is_a_recommendation_not_followed():
    """The Trace's Central System time is 0: 1970-01-01T00:00:00Z."""
    rules = Trace().do(step("PlugIn", connectorId=1), stamped(1, "Preparing", "1970-01-01T00:01:00Z"))
    assert rules == ["InternalClockNotSynchronized"]


@pytest.mark.parametrize("stamp", ["1970-01-01T00:00:00Z", "1970-01-01T00:00:01Z", "1969-12-31T23:00:00Z"])
def test_4_2_a_status_stamped_at_or_before_the_central_systems_time_follows_the_recommendation(stamp):
    Trace().ok(step("PlugIn", connectorId=1), stamped(1, "Preparing", stamp))


def test_4_2_statuses_of_a_boot_or_a_reconnection_may_have_been_stamped_before_it():
    ahead = "1970-01-01T01:00:00Z"
    trace = Trace()
    go_offline(trace)
    trace.ok(step("PlugIn", connectorId=1))
    trace.ok(step("NetworkUp"), up(), stamped(1, "Preparing", ahead))
    trace.ok(step("Unplug", connectorId=1), stamped(1, "Available", "1970-01-01T00:00:00Z"))
    trace.ok(step("Reset", type="Soft"), result(status="Accepted"), down(), up(), boot(),
             *[stamped(c, "Available", ahead) for c in (0, 1, 2)])


# -- §4.2: "If the Central System returns the Pending status, the communication channel SHOULD NOT be closed" ----


def pending() -> Trace:
    trace = Trace()
    trace.ok(step("SetBootResponse", status="Pending", interval=300))
    trace.ok(step("PowerLoss"), down())
    trace.ok(step("PowerOn"), up(), boot("Pending"))
    assert trace.state.registration == "Pending"
    return trace


def test_4_2_the_charge_point_closing_the_channel_while_pending_is_a_recommendation_not_followed():
    assert pending().do(step("AdvanceTime", seconds=5), down(5.0)) == ["ChannelClosedWhilePending"]


@pytest.mark.parametrize("op", [step("NetworkDown"), step("PowerLoss")])
def test_4_2_a_network_or_power_loss_while_pending_is_no_close_of_the_charge_points(op):
    pending().ok(op, down())


def test_4_2_a_reset_while_pending_may_close_the_channel():
    pending().ok(step("Reset", type="Soft"), result(status="Accepted"), down(), up(), boot("Pending"))


def test_4_2_a_firmware_update_kept_across_a_power_loss_may_reboot_to_install_while_pending():
    """The bundled charge point (seed 6): an update Downloading at the power loss goes on after the boot and
    installs, rebooting, while the registration is Pending (its FirmwareStatusNotifications wait for Accepted)."""
    trace = with_trigger()
    trace.ok(step("SetBootResponse", status="Pending", interval=300))
    trace.ok(update(trace), result(), fw("Downloading"))
    trace.ok(step("PowerLoss"), down())
    trace.ok(step("PowerOn"), up(), boot("Pending"))
    trace.ok(step("AdvanceTime", seconds=61), down(61.0))


def test_4_2_a_close_after_an_accepted_boot_is_not_judged_here():
    Trace().ok(step("AdvanceTime", seconds=5), down(5.0), up(5.0), *statuses(*IDLE, t=5.0))


# -- §4.3: "The VendorId SHOULD be a value from the reversed DNS namespace" ---------------------------------------


def data_transfer(vendor: str) -> CpCall:
    return CpCall("DataTransfer", {"vendorId": vendor, "messageId": "m"}, 0.0, answer={"status": "UnknownVendorId"})


@pytest.mark.parametrize("vendor", ["MicroOcpp", "Example Inc.", "com..example", ".com.example", "1.2"])
def test_4_3_a_vendor_id_that_is_no_reversed_dns_name_is_a_recommendation_not_followed(vendor):
    assert Trace().do(step("AdvanceTime", seconds=1), data_transfer(vendor)) == ["VendorIdNotReversedDns"]


@pytest.mark.parametrize("vendor", ["org.openchargealliance", "com.example.charger", "COM.Example-Vendor", "de.ab1"])
def test_4_3_a_reversed_dns_vendor_id_follows_the_recommendation(vendor):
    Trace().ok(step("AdvanceTime", seconds=1), data_transfer(vendor))


# -- OCPP-J §4.1.2: "SHOULD only use characters not in US-ASCII for sending natural-language text" ------------------


def boot_with(**fields) -> CpCall:
    return CpCall("BootNotification", {"chargePointModel": "M", "chargePointVendor": "V", **fields}, 0.0,
                  answer={"status": "Accepted", "interval": 300, "currentTime": "1970-01-01T00:00:00Z"})


def reboot(*observed) -> tuple[Trace, tuple]:
    trace = Trace()
    trace.ok(step("PowerLoss"), down())
    return trace, (step("PowerOn"), up(), *observed, *statuses(*IDLE))


@pytest.mark.parametrize("field", ["chargePointSerialNumber", "firmwareVersion", "meterSerialNumber", "iccid"])
def test_ocppj_4_1_2_an_identifier_with_characters_not_in_us_ascii_is_a_recommendation_not_followed(field):
    trace, steps = reboot(boot_with(**{field: "Nº-1"}))
    assert trace.do(*steps) == ["NonAsciiOutsideNaturalLanguageText"]


def test_ocppj_4_1_2_names_may_be_natural_language_text():
    trace, steps = reboot(boot_with(chargePointVendor="Ladesäulen GmbH", chargePointModel="Wallbox Süd",
                                    firmwareVersion="1.2.3"))
    trace.ok(*steps)


def test_ocppj_4_1_2_the_info_of_a_status_may_be_natural_language_text():
    preparing().ok(step("AdvanceTime", seconds=1), sn(1, "Preparing", info="Câble branché"))


def test_ocppj_4_1_2_a_vendor_error_code_with_characters_not_in_us_ascii_is_a_recommendation_not_followed():
    call = CpCall("StatusNotification", {"connectorId": 1, "errorCode": "OtherError", "status": "Available",
                                         "vendorErrorCode": "Fehler-Nr.ä"}, 0.0, answer={})
    assert Trace().do(step("AdvanceTime", seconds=1), call) == ["NonAsciiOutsideNaturalLanguageText"]


# -- errata 3.49: "RECOMMENDED to set connectors that are not in use to UNAVAILABLE while the Charge Point waits" --


def test_errata_3_49_a_free_connector_available_while_the_installation_waits_is_a_recommendation_not_followed():
    trace = downloaded(charging(with_trigger()))
    assert trace.do(wait(WINDOW * 3)) == ["ConnectorNotInUseNotUnavailable"]


def test_errata_3_49_a_free_connector_unavailable_while_the_installation_waits_follows_the_recommendation():
    trace = downloaded(charging(with_trigger()))
    trace.ok(wait(1), sn(2, "Unavailable"))
    trace.ok(wait(WINDOW * 3))


def test_errata_3_49_before_the_installation_is_due_the_charge_point_may_still_be_about_to_install():
    trace = downloaded(charging(with_trigger()))
    trace.ok(wait(WINDOW - 60))
    trace.ok(wait(1), fw("Installing"), stop_tx(1, "Reboot"), sn(1, "Finishing"))


def test_errata_3_49_without_a_transaction_nothing_waits():
    trace = downloaded(with_trigger())
    assert trace.do(wait(WINDOW * 3)) == ["FirmwareNotInstalled"]


# -- the bundled charge point, through the harness ------------------------------------------------------------------


CHARGING = [{"op": "SetIdTag", "idTag": "TAG1", "status": "Accepted"}, {"op": "PlugIn", "connectorId": 1},
            {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"}]


def test_errata_3_49_the_bundled_charge_point_leaves_free_connectors_available_a_recommendation_not_a_finding():
    from test_recommendations import run_steps

    found, report = run_steps(CHARGING + [
        {"op": "UpdateFirmware", "location": "ftp://127.0.0.1/firmware.bin", "retrieveDate": "2025-01-01T00:00:00Z"},
        {"op": "AdvanceTime", "seconds": 400}])
    assert all(f == () for f in found)
    assert report.recommendations == {"ConnectorNotInUseNotUnavailable": 1}


def test_4_9_the_bundled_charge_point_follows_the_ev_side_and_reconnection_recommendations():
    from test_recommendations import run_steps

    found, report = run_steps(CHARGING + [{"op": "Unplug", "connectorId": 1}, {"op": "NetworkDown"},
                                          {"op": "PlugIn", "connectorId": 2}, {"op": "Unplug", "connectorId": 2},
                                          {"op": "NetworkUp"}])
    assert all(f == () for f in found) and report.recommendations == {}


# -- check-log: a Charge Point's own DataTransfer.req, which the machine cannot make one send ------------------------


@pytest.mark.parametrize("vendor, expected", [("MicroOcpp", {"VendorIdNotReversedDns": 1}),
                                              ("com.example.charger", {})])
def test_4_3_check_log_reports_a_vendor_id_that_is_no_reversed_dns_name_and_exits_0(tmp_path, capsys, vendor, expected):
    import json

    from properties.cli import main
    from test_checklog import Log

    log = Log().boot().cp(5, "DataTransfer", {"vendorId": vendor, "messageId": "m"}, {"status": "UnknownVendorId"})
    assert main(["check-log", str(log.jsonl(tmp_path / "log.jsonl")), "--json"]) == 0
    cp = json.loads(capsys.readouterr().out)["chargePoints"][0]
    assert cp["recommendations"] == expected and cp["accepted"] == {}
