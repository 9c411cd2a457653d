"""The Firmware Management judge (model/firmware.py), rule by rule.

Each rule fires on the wrong behaviour and is silent on every behaviour the
spec allows (OCPP 1.6 §4.4, §4.5, §5.9, §5.19, §7.24, §7.25, errata 3.31,
3.47-3.50; OCTT TC_044_x_CS, TC_045_x_CS, TC_054_CS).
"""

from __future__ import annotations

import datetime

import pytest

from model import CpCall
from model.firmware import WINDOW
from test_model_core import EV_GONE, TAG, Trace, authorize, boot, charging, down, result, sn, start_tx, statuses, step, stop_tx, up
from test_model_trigger import trigger, with_trigger

ALL_AVAILABLE = ((0, "Available"), (1, "Available"), (2, "Available"))


def iso(t: float) -> str:
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def fw(status: str, t: float = 0.0) -> CpCall:
    return CpCall("FirmwareStatusNotification", {"status": status}, t, answer={})


def diag(status: str, t: float = 0.0) -> CpCall:
    return CpCall("DiagnosticsStatusNotification", {"status": status}, t, answer={})


def update(trace: Trace, later: int = 0, retries: int | None = None, interval: int = 30) -> dict:
    s = step("UpdateFirmware", location="ftp://127.0.0.1/firmware.bin", retrieveDate=iso(trace.now + later))
    if retries is not None:
        s.update(retries=retries, retryInterval=interval)
    return s


def downloaded(trace: Trace | None = None) -> Trace:
    trace = trace or with_trigger()
    trace.ok(update(trace), result(), fw("Downloading"))
    return trace.ok(step("AdvanceTime", seconds=30), fw("Downloaded"))


def wait(seconds: float) -> dict:
    return step("AdvanceTime", seconds=seconds)


# -- UpdateFirmware (§5.19) -------------------------------------------------------------


def test_tc_044_1_download_install_reboot_installed():
    trace = downloaded()
    trace.ok(wait(1), fw("Installing"))
    trace.ok(wait(30), down(), up(), boot(), *statuses(*ALL_AVAILABLE), fw("Installed"))
    assert trace.state.firmware.update is None and trace.state.owed == ()


def test_tc_044_1_installed_may_come_before_the_reboot():
    trace = downloaded()
    trace.ok(wait(1), fw("Installing"), fw("Installed"))
    trace.ok(wait(1), down(), up(), boot(), *statuses(*ALL_AVAILABLE))
    assert trace.state.owed == ()


def test_5_19_no_boot_notification_after_installing():
    trace = downloaded()
    trace.ok(wait(1), fw("Installing"), fw("Installed"))
    assert trace.do(wait(WINDOW + 1)) == ["BootNotificationAfterFirmwareInstall"]


def test_5_19_installing_before_downloaded_is_out_of_order():
    trace = with_trigger()
    trace.ok(update(trace), result(), fw("Downloading"))
    assert trace.do(wait(30), fw("Installing")) == ["FirmwareStatusOutOfOrder"]


def test_tc_044_2_download_may_fail_at_once():
    trace = with_trigger()
    trace.ok(update(trace, retries=0), result(), fw("DownloadFailed"))
    assert trace.state.firmware.update is None


def test_5_19_the_download_must_start_after_retrieve_date():
    trace = with_trigger()
    trace.ok(update(trace), result())
    assert trace.do(wait(WINDOW + 1)) == ["FirmwareDownloadNotStarted"]
    trace = with_trigger()
    assert trace.do(update(trace, later=60), result(), fw("Downloading")) == ["FirmwareDownloadBeforeRetrieveDate"]
    trace = with_trigger()
    trace.ok(update(trace, later=60), result())
    trace.ok(wait(61), fw("Downloading", t=61.0))


def test_6_55_retries_are_used_before_giving_up():
    trace = with_trigger()
    trace.ok(update(trace, retries=2, interval=60), result(), fw("Downloading"))
    trace.ok(wait(30), fw("DownloadFailed"))
    assert trace.do(wait(60 + WINDOW + 1)) == ["FirmwareDownloadRetries"]


@pytest.mark.parametrize("report_failures", [False, True])
def test_6_55_each_retry_may_or_may_not_report_the_failure(report_failures):
    trace = with_trigger()
    trace.ok(update(trace, retries=1, interval=60), result(), fw("Downloading"))
    trace.ok(wait(90), *([fw("DownloadFailed", t=30.0)] if report_failures else []), fw("Downloading", t=90.0))
    trace.ok(wait(30), fw("DownloadFailed", t=120.0))
    trace.ok(wait(WINDOW * 2))
    assert trace.state.firmware.update is None


def test_5_19_stalled_download():
    trace = with_trigger()
    trace.ok(update(trace), result(), fw("Downloading"))
    assert trace.do(wait(WINDOW + 1)) == ["FirmwareDownloadNotFinished"]


def test_errata_3_49_installation_may_wait_for_the_transaction():
    trace = downloaded(charging(with_trigger()))
    assert trace.do(wait(WINDOW * 3)) == ["ConnectorNotInUseNotUnavailable"]  # connector 2: a recommendation
    trace.ok(step("Unplug", connectorId=1), stop_tx(1, "EVDisconnected"), sn(1, "Finishing", info=EV_GONE),
             sn(1, "Available"))
    assert trace.do(wait(WINDOW + 1)) == ["FirmwareNotInstalled"]


def test_errata_3_49_connectors_may_be_unavailable_while_waiting():
    trace = downloaded(with_trigger())
    trace.ok(wait(1), *statuses((1, "Unavailable"), (2, "Unavailable")))


def test_errata_3_49_installing_during_a_transaction_may_stop_it_with_reason_reboot():
    trace = downloaded(charging(with_trigger()))
    trace.ok(wait(1), fw("Installing"), stop_tx(1, "Reboot"), *statuses((1, "Finishing")))


def test_tc_044_3_installation_failed_needs_no_reboot():
    trace = downloaded()
    trace.ok(wait(1), fw("Installing"))
    trace.ok(wait(30), fw("InstallationFailed"))
    trace.ok(wait(WINDOW * 2))
    assert trace.state.owed == ()


def test_4_5_offline_statuses_may_be_lost():
    trace = with_trigger()
    trace.ok(update(trace), result(), fw("Downloading"))
    trace.ok(step("NetworkDown"), down())
    trace.ok(wait(WINDOW * 2))
    trace.ok(step("NetworkUp"), up(), boot(), *statuses(*ALL_AVAILABLE), fw("Installed"))
    assert trace.state.firmware.update is None


def test_5_19_power_loss_may_abandon_the_update():
    trace = with_trigger()
    trace.ok(update(trace), result(), fw("Downloading"))
    trace.ok(step("PowerLoss"), down())
    trace.ok(step("PowerOn"), up(), boot(), *statuses(*ALL_AVAILABLE))
    trace.ok(wait(WINDOW * 2))


def reset(trace: Trace) -> Trace:
    trace.ok(step("Reset", type="Soft"), result(status="Accepted"), down(), up(), boot(), *statuses(*ALL_AVAILABLE))
    return trace


@pytest.mark.parametrize("kept", [False, True])
def test_5_19_an_update_may_be_kept_or_forgotten_across_a_reset_idle_meanwhile(kept):
    """/tmp/fa/FirmwareStatusWithoutRequest-955433ba: Idle says not busy, not that the update is forgotten."""
    trace = with_trigger()
    trace.ok(update(trace, later=60), result())
    reset(trace)
    trace.ok(wait(10))
    trace.ok(trigger("FirmwareStatusNotification"), result(status="Accepted"), fw("Idle", t=10.0))
    trace.ok(wait(50), *([fw("Downloading", t=60.0)] if kept else []))
    trace.ok(wait(30), *([fw("Downloaded", t=90.0)] if kept else []))


def test_4_5_after_idle_a_kept_update_begins_an_attempt():
    trace = with_trigger()
    trace.ok(update(trace, later=60), result())
    reset(trace)
    trace.ok(trigger("FirmwareStatusNotification"), result(status="Accepted"), fw("Idle"))
    assert trace.do(wait(70), fw("Installed", t=70.0)) == ["FirmwareStatusOutOfOrder"]
    trace = with_trigger()
    trace.ok(update(trace, later=60), result())
    reset(trace)
    trace.ok(trigger("FirmwareStatusNotification"), result(status="Accepted"), fw("Idle"))
    assert trace.do(wait(10), fw("Downloading", t=10.0)) == ["FirmwareDownloadBeforeRetrieveDate"]


@pytest.mark.parametrize("kept", [False, True])
def test_5_9_the_reboot_into_new_firmware_may_end_an_upload(kept):
    """/tmp/fa/DiagnosticsUploadNotFinished-8992c06e, -1f19dd08: like any reboot, the one after Installing."""
    trace = downloaded()
    trace.ok(step("GetDiagnostics", location="ftp://127.0.0.1/diagnostics/"), result(fileName="diag.log"),
             diag("Uploading"))
    trace.ok(wait(1), fw("Installing"))
    trace.ok(wait(30), down(), up(), boot(), *statuses(*ALL_AVAILABLE), fw("Installed"),
             *([diag("Uploaded")] if kept else []))
    trace.ok(wait(WINDOW * 2))
    assert trace.state.owed == ()


def test_4_5_status_without_update():
    assert with_trigger().do(wait(1), fw("Downloading")) == ["FirmwareStatusWithoutRequest"]


# -- Idle (§4.4, §4.5, §7.24, §7.25, OCTT TC_054_CS) ------------------------------------------


def test_tc_054_triggered_status_is_idle_when_nothing_happens():
    assert with_trigger().do(trigger("FirmwareStatusNotification"), result(status="Accepted"), fw("Idle")) == []
    assert with_trigger().do(trigger("DiagnosticsStatusNotification"), result(status="Accepted"),
                             diag("Uploaded")) == ["TriggeredStatusNotIdle"]


def test_7_25_idle_only_when_triggered():
    assert with_trigger().do(wait(1), fw("Idle")) == ["IdleStatusNotTriggered"]


def test_4_5_idle_while_downloading_is_wrong_the_current_status_is_right():
    trace = with_trigger()
    trace.ok(update(trace), result(), fw("Downloading"))
    assert trace.do(trigger("FirmwareStatusNotification"), result(status="Accepted"), fw("Idle")) == [
        "IdleStatusWhileBusy"]
    trace = with_trigger()
    trace.ok(update(trace), result(), fw("Downloading"))
    trace.ok(trigger("FirmwareStatusNotification"), result(status="Accepted"), fw("Downloading"))
    trace.ok(wait(30), fw("Downloaded"))


# -- GetDiagnostics (§5.9) ----------------------------------------------------------------------


def get_diagnostics(retries: int | None = None) -> dict:
    s = step("GetDiagnostics", location="ftp://127.0.0.1/diagnostics/")
    if retries is not None:
        s.update(retries=retries, retryInterval=30)
    return s


def test_tc_045_1_uploading_then_uploaded():
    trace = with_trigger()
    trace.ok(get_diagnostics(), result(fileName="diag.log"), diag("Uploading"))
    trace.ok(wait(20), diag("Uploaded"))
    assert trace.state.firmware.upload is None


def test_5_9_no_file_no_upload():
    trace = with_trigger()
    trace.ok(get_diagnostics(), result())
    trace.ok(wait(WINDOW * 2))
    assert trace.do(wait(1), diag("Uploading")) == ["DiagnosticsStatusWithoutRequest"]


def test_5_9_uploaded_without_uploading():
    trace = with_trigger()
    assert trace.do(get_diagnostics(), result(fileName="diag.log"), diag("Uploaded")) == [
        "DiagnosticsStatusOutOfOrder"]


def test_5_9_the_upload_must_start_and_finish():
    trace = with_trigger()
    trace.ok(get_diagnostics(), result(fileName="diag.log"))
    assert trace.do(wait(WINDOW + 1)) == ["DiagnosticsUploadNotStarted"]
    trace = with_trigger()
    trace.ok(get_diagnostics(), result(fileName="diag.log"), diag("Uploading"))
    assert trace.do(wait(WINDOW + 1)) == ["DiagnosticsUploadNotFinished"]


def test_errata_3_50_upload_retries():
    trace = with_trigger()
    trace.ok(get_diagnostics(retries=1), result(fileName="diag.log"), diag("Uploading"))
    trace.ok(wait(20), diag("UploadFailed"))
    assert trace.do(wait(30 + WINDOW + 1)) == ["DiagnosticsUploadRetries"]
    trace = with_trigger()
    trace.ok(get_diagnostics(retries=0), result(fileName="diag.log"), diag("Uploading"))
    trace.ok(wait(20), diag("UploadFailed"))
    trace.ok(wait(WINDOW * 2))


def test_5_19_a_network_outage_while_installing_is_no_reboot():
    trace = downloaded()
    trace.ok(wait(1), fw("Installing"))
    trace.ok(step("NetworkDown"), down())
    trace.ok(step("NetworkUp"), up())
    trace.ok(step("PlugIn", connectorId=1), *statuses((1, "Preparing")))
    trace.ok(wait(30), down(), up(), boot(), *statuses(*ALL_AVAILABLE[:1], (1, "Preparing"), (2, "Available")),
             fw("Installed"))


def test_5_19_a_connection_the_central_system_drops_while_installing_is_no_reboot():
    """Regression (nightly seed 1200, clean bundled charge point): after Installing, the Central System closed the
    connection at a StopTransaction.req it did not answer (FailNext ConnectionLost); the Charge Point reconnected and
    sent the StopTransaction again without a BootNotification, rightly (§4.2 needs one only after a reboot). A
    disconnect of the Charge Point's own after Installing is still the firmware's reboot."""
    dropped = charging(downloaded())
    dropped.ok(wait(1), fw("Installing"))
    unanswered = CpCall("StopTransaction", {"transactionId": 1, "meterStop": 100, "timestamp": "2025-01-01T01:00:00Z",
                                            "reason": "Local", "idTag": TAG}, 0.0, answer=None)
    dropped.ok(step("FailNext", action="StopTransaction", count=1, failure="ConnectionLost"))
    dropped.ok(step("PresentIdTag", connectorId=1, idTag=TAG), unanswered, down(), up(), stop_tx(1, "Local", tag=TAG),
               *statuses((1, "Finishing")))
    own = downloaded()
    own.ok(wait(1), fw("Installing"))
    assert "MessageBeforeAccepted" in own.do(step("PlugIn", connectorId=1), down(), up(), *statuses((1, "Preparing")))


@pytest.mark.parametrize("attempts", [2, 3])
def test_6_55_retries_read_as_tries_or_as_retries(attempts):
    """§6.55 says "how many times Charge Point must try"; errata 3.50 reads it as retries for uploads only."""
    trace = with_trigger()
    trace.ok(update(trace, retries=2, interval=30), result())
    for _ in range(attempts):
        trace.ok(wait(30), fw("Downloading", t=trace.now))
    trace.ok(wait(30), fw("DownloadFailed"))
    trace.ok(wait(WINDOW * 2))


def test_an_external_charge_point_may_go_on_with_an_earlier_examples_transfer():
    """Issue 14: an update asked for in the previous example goes on across the reboot into the next one
    (MicroOcpp); with ``leftovers`` its statuses are not FirmwareStatusWithoutRequest."""
    from model import Options

    carried = Trace(Options(leftovers=True))
    carried.ok(step("AdvanceTime", seconds=5), fw("Installing", 5.0), fw("Installed", 5.0), diag("Uploaded", 5.0))
    assert with_trigger().do(step("AdvanceTime", seconds=5), fw("Installed", 5.0)) == ["FirmwareStatusWithoutRequest"]


def test_an_earlier_examples_update_may_report_installed_twice():
    """SAP simulator (sim-triage session 3): an earlier example's update reports Installed at the boot and again from
    its own timer 5 s later. With ``leftovers`` both are that update's; an update the model follows says it once."""
    from model import Options

    Trace(Options(leftovers=True)).ok(wait(5), fw("Installed", 5.0), fw("Installed", 5.0))
    trace = downloaded()
    trace.ok(wait(1), fw("Installing", 31.0))
    rebooted = [down(32.0), up(32.0), boot(t=32.0), *statuses((0, "Available"), (1, "Available"), (2, "Available"), t=32.0)]
    trace.ok(wait(1), fw("Installed", 32.0), *rebooted)
    assert trace.do(wait(1), fw("Installed", 33.0)) == ["FirmwareStatusWithoutRequest"]


def test_an_earlier_examples_update_may_install_and_reboot_during_a_transaction():
    """SAP simulator (sim-triage session 2): an update of an earlier example, whose statuses were lost in its
    power cycles, reboots the Charge Point after Installed: a transaction stops with reason Reboot. Without
    a leftover update that stop has no cause."""
    from model import Options

    carried = charging(Trace(Options(leftovers=True)))
    carried.ok(wait(1), stop_tx(1, "Reboot"), *statuses((1, "Finishing")))
    assert charging(Trace()).do(wait(1), stop_tx(1, "Reboot"), *statuses((1, "Finishing"))) == [
        "UnexpectedStopTransaction"]


def test_errata_3_49_a_connector_unavailable_for_an_update_may_serve_a_card_or_not():
    """Issue 14 (SAP S22): Unavailable by its own choice while updating, the connector may return to Preparing
    for a card (§4.9 H2) and start, or stay Unavailable; neither is a violation."""
    for served in (True, False):
        trace = downloaded()
        trace.ok(wait(1), fw("Installing"), sn(1, "Unavailable"))
        observed = [authorize(), sn(1, "Preparing")] if served else []
        trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), *observed)
        if served:
            trace.ok(step("PlugIn", connectorId=1), start_tx(1, TAG), sn(1, "Charging"))


def test_errata_3_49_a_remote_start_on_a_connector_unavailable_for_an_update_may_start():
    """SAP simulator (sim-triage session 2): Unavailable by its own choice for an earlier example's update, a
    RemoteStartTransaction for the connector is Accepted and started (§4.9 H2); not starting is allowed too."""
    from model import Options

    for started in (True, False):
        trace = Trace(Options(leftovers=True), AuthorizeRemoteTxRequests=False)
        trace.ok(step("SetIdTag", idTag=TAG, status="Accepted"))
        trace.ok(wait(1), sn(1, "Unavailable"), sn(2, "Unavailable"), fw("Installing"))
        trace.ok(step("PlugIn", connectorId=1))
        observed = [sn(1, "Preparing"), start_tx(1, TAG), sn(1, "Charging")] if started else []
        trace.ok(step("RemoteStartTransaction", connectorId=1, idTag=TAG), result(status="Accepted"), *observed)


def test_5_13_a_connector_unavailable_for_an_update_may_answer_reserve_now_unavailable():
    """SAP simulator (sim-triage session 3): Unavailable by its own choice while an update downloads, a ReserveNow
    for the connector is answered Unavailable: §5.13 "SHALL return 'Unavailable' if the Charge Point or connector
    are in the Unavailable state". It may have come back (§4.9 H2): Accepted fits too. Without the update, a free
    connector's Unavailable is ReserveNowStatus."""
    from test_model_reservation import reserve_now, with_reservation

    keys = [{"key": "SupportedFeatureProfiles", "readonly": True, "value": "Core,FirmwareManagement,Reservation"}]
    for status in ("Unavailable", "Accepted"):
        trace = Trace().ok(step("GetConfiguration", key=["SupportedFeatureProfiles"]), result(configurationKey=keys))
        trace = downloaded(trace.ok(step("SetIdTag", idTag=TAG, status="Accepted")))
        trace.ok(wait(1), sn(1, "Unavailable"))
        back = [sn(1, "Available"), sn(1, "Reserved")] if status == "Accepted" else []  # §4.9 H1, A7
        trace.ok(reserve_now(trace), result(status=status), *back)
    trace = with_reservation()
    assert trace.do(reserve_now(trace), result(status="Unavailable")) == ["ReserveNowStatus"]


def test_errata_3_50_an_attempt_while_offline_may_go_unseen():
    """Nightly seed 3280 (clean bundled charge point, 3 connectors): retries 2, the second attempt's Uploading sent
    while offline and lost (only transaction-related messages are queued, §3.7): two Uploading seen, then
    UploadFailed, is no DiagnosticsUploadRetries. Without the outage the count is still judged (test above)."""
    trace = with_trigger()
    trace.ok(get_diagnostics(retries=2), result(fileName="diag.log"), diag("Uploading"))
    trace.ok(step("NetworkDown"), down())
    trace.ok(wait(61))
    trace.ok(step("NetworkUp"), up())
    trace.ok(wait(40), diag("Uploading"))
    assert trace.do(wait(20), diag("UploadFailed")) == []
    assert trace.do(wait(300)) == []


def test_errata_3_50_two_attempts_seen_online_for_retries_2_are_too_few():
    trace = with_trigger()
    trace.ok(get_diagnostics(retries=2), result(fileName="diag.log"), diag("Uploading"))
    trace.ok(wait(50), diag("Uploading", t=50.0))
    trace.ok(wait(20), diag("UploadFailed", t=70.0))
    assert trace.do(wait(30 + WINDOW + 1)) == ["DiagnosticsUploadRetries"]
