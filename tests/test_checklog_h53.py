"""check-log false alarms on third-party charge points' logs (issue 17, helper-53), with hand-written logs.

Each false alarm is shown twice: the log that was flagged though the Charge Point followed the spec, and the same
log with a real deviation, still flagged.
"""

from __future__ import annotations

import json

from properties.checklog import CheckOptions, check
from test_checklog import Log, rules, T0
from vocabulary.dates import iso

# -- (B) CALLs that cross on the wire (OCPP-J §4.1.1) ---------------------------------------------------------------


def _crossed(log: Log, t: float, action: str, payload: dict, answer: dict, cp_action: str, cp_payload: dict,
             cp_answer: dict | None = None, gap: float = 0.01) -> Log:
    """The Central System's CALL at ``t``; the Charge Point's CALL ``gap`` later and its answer; then the Charge
    Point's answer to the Central System's CALL. Recorded at the Central System: the Charge Point's CALL may have
    been in flight when the Central System's went out ("CALL messages from both sides can always cross each other",
    OCPP-J §4.1.1)."""
    log.lines.append((T0 + t, "cs->cp", json.dumps([2, f"cs{t}", action, payload])))
    log.lines.append((T0 + t + gap, "cp->cs", json.dumps([2, f"cp{t}", cp_action, cp_payload])))
    log.lines.append((T0 + t + gap + 0.005, "cs->cp", json.dumps([3, f"cp{t}", cp_answer or {}])))
    log.lines.append((T0 + t + gap + 0.01, "cp->cs", json.dumps([3, f"cs{t}", answer])))
    return log


def _after(log: Log, t: float, action: str, payload: dict, answer: dict, cp_action: str, cp_payload: dict,
           cp_answer: dict | None = None) -> Log:
    """The same frames, the Charge Point's CALL after its answer: it acted on the Central System's CALL first."""
    log.cs(t, action, payload, answer)
    return log.cp(t + 0.02, cp_action, cp_payload, cp_answer)


def _status(connector: int, status: str) -> dict:
    return {"connectorId": connector, "errorCode": "NoError", "status": status}


RESERVATION = {"configurationKey": [
    {"key": "SupportedFeatureProfiles", "readonly": True, "value": "Core,Reservation"}]}
RESERVE = {"connectorId": 1, "expiryDate": iso(T0 + 600), "idTag": "TAG1", "reservationId": 1}


def _reserve_occupied(how, preparing_at: int = 1) -> Log:
    """ReserveNow for connector 1 answered 'Occupied', and connector ``preparing_at`` reporting Preparing (a cable)."""
    log = Log().boot(connectors=2).cs(2, "GetConfiguration", {"key": ["SupportedFeatureProfiles"]}, RESERVATION)
    how(log, 10, "ReserveNow", RESERVE, {"status": "Occupied"}, "StatusNotification", _status(preparing_at, "Preparing"))
    return log.cp(60, "Heartbeat", {}, {"currentTime": iso(T0 + 60)})


def test_4_1_1_5_13_a_status_in_flight_when_reserve_now_went_out_explains_occupied(tmp_path):
    """§5.13: "The Charge Point SHALL return 'Occupied' if the Charge Point or the specified connector are occupied".
    The cable's Preparing was sent before the Charge Point received the ReserveNow, and came after it in the log.
    Judged in the log's order, the connector was free: a false ReserveNowStatus."""
    assert rules(check([_reserve_occupied(_crossed).jsonl(tmp_path / "b.jsonl")])) == set()


def test_4_1_1_5_13_occupied_for_a_free_connector_is_still_flagged(tmp_path):
    """The true deviations of the same shape: the Preparing came after the answer (so after the ReserveNow was
    handled), or crossed it but for the other connector: connector 1 was free, 'Occupied' is wrong."""
    assert rules(check([_reserve_occupied(_after).jsonl(tmp_path / "a.jsonl")])) == {"ReserveNowStatus"}
    assert rules(check([_reserve_occupied(_crossed, preparing_at=2).jsonl(tmp_path / "o.jsonl")])) \
        == {"ReserveNowStatus"}


def _started(log: Log, t: float = 5) -> Log:
    log.status(t, 1, "Preparing").cp(t + 0.1, "Authorize", {"idTag": "TAG1"}, {"idTagInfo": {"status": "Accepted"}})
    log.cp(t + 0.2, "StartTransaction", {"connectorId": 1, "idTag": "TAG1", "meterStart": 0,
                                         "timestamp": iso(T0 + t + 0.2)},
           {"transactionId": 3, "idTagInfo": {"status": "Accepted"}})
    return log.status(t + 0.3, 1, "Charging")


STOP = {"idTag": "TAG1", "meterStop": 10, "timestamp": iso(T0 + 30), "transactionId": 3, "reason": "Local"}


def _remote_stop_rejected(how) -> Log:
    """RemoteStopTransaction answered 'Rejected' and the transaction's StopTransaction (a card, reason Local)."""
    log = _started(Log().boot(connectors=2))
    how(log, 30, "RemoteStopTransaction", {"transactionId": 3}, {"status": "Rejected"}, "StopTransaction", STOP,
        {"idTagInfo": {"status": "Accepted"}})
    return log.status(30.1, 1, "Finishing").cp(90, "Heartbeat", {}, {"currentTime": iso(T0 + 90)})


def test_4_1_1_5_12_a_stop_in_flight_when_remote_stop_went_out_explains_rejected(tmp_path):
    """§5.12: the conf tells "whether it has accepted the request and a transaction with the given transactionId is
    ongoing and will be stopped". The card had stopped it and its StopTransaction was on the wire when the
    RemoteStopTransaction went out: none was ongoing. In the log's order a false RemoteStopTransactionStatus."""
    assert rules(check([_remote_stop_rejected(_crossed).jsonl(tmp_path / "b.jsonl")])) == set()


def test_4_1_1_5_12_rejected_while_the_transaction_ran_is_still_flagged(tmp_path):
    """The StopTransaction after the answer: the transaction ran when the request came, 'Rejected' is wrong."""
    assert rules(check([_remote_stop_rejected(_after).jsonl(tmp_path / "a.jsonl")])) == {"RemoteStopTransactionStatus"}


def _inoperative_scheduled(how, gap: float = 0.01) -> Log:
    """ChangeAvailability Inoperative for connector 1 answered 'Scheduled', and a StartTransaction there (a card that
    met a cable, authorized before)."""
    log = Log().boot(connectors=2).status(5, 1, "Preparing")
    log.cp(5.1, "Authorize", {"idTag": "TAG1"}, {"idTagInfo": {"status": "Accepted"}})
    start = {"connectorId": 1, "idTag": "TAG1", "meterStart": 0, "timestamp": iso(T0 + 10)}
    kwargs = {"gap": gap} if how is _crossed else {}
    how(log, 10, "ChangeAvailability", {"connectorId": 1, "type": "Inoperative"}, {"status": "Scheduled"},
        "StartTransaction", start, {"transactionId": 3, "idTagInfo": {"status": "Accepted"}}, **kwargs)
    return log.status(10 + gap + 0.02, 1, "Charging").cp(60, "Heartbeat", {}, {"currentTime": iso(T0 + 60)})


def test_4_1_1_5_9_a_start_in_flight_when_change_availability_went_out_explains_scheduled(tmp_path):
    """§5.9: "When a transaction is in progress Charge Point SHALL respond with availability status 'Scheduled'". The
    transaction started (StartTransaction on the wire) before the ChangeAvailability came: a false
    ChangeAvailabilityStatus in the log's order."""
    assert rules(check([_inoperative_scheduled(_crossed).jsonl(tmp_path / "b.jsonl")])) == set()


def test_4_1_1_5_9_scheduled_with_no_transaction_is_still_flagged(tmp_path):
    """The StartTransaction after the answer ('Scheduled' with no transaction in progress), or a CALL of the Charge
    Point more than the tolerance (5 s) after the Central System's, which cannot have been on the wire when it went
    out: still ChangeAvailabilityStatus."""
    assert rules(check([_inoperative_scheduled(_after).jsonl(tmp_path / "a.jsonl")])) == {"ChangeAvailabilityStatus"}
    assert rules(check([_inoperative_scheduled(_crossed, gap=6).jsonl(tmp_path / "g.jsonl")])) \
        == {"ChangeAvailabilityStatus"}


# -- (F) a Local Authorization List from before the log (§3.5.2) ----------------------------------------------------

LOCAL_LIST = {"configurationKey": [
    {"key": "SupportedFeatureProfiles", "readonly": True, "value": "Core,LocalAuthListManagement"}]}


def _local_list_log() -> Log:
    return Log().boot(connectors=1).cs(2, "GetConfiguration", {"key": ["SupportedFeatureProfiles"]}, LOCAL_LIST)


def _differential(version: int) -> dict:
    return {"listVersion": version, "updateType": "Differential",
            "localAuthorizationList": [{"idTag": "TAG9", "idTagInfo": {"status": "Accepted"}}]}


def test_3_5_2_5_10_a_list_version_at_the_first_boot_may_be_a_list_kept_from_before_the_log(tmp_path):
    """§3.5.2: the list "SHOULD be persisted across reboots and power outages" (MicroOcppSimulator keeps it across
    restarts). Before the log shows it, the list is unknown, not empty: GetLocalListVersion answered 3, asked twice
    (a false LocalListVersion, 'expected 0', before), and a Differential update of version 2 answered VersionMismatch
    (§5.15: a false SendLocalListStatus), then one of version 5 Accepted and reported."""
    log = _local_list_log().cs(5, "GetLocalListVersion", {}, {"listVersion": 3})
    log.cs(6, "GetLocalListVersion", {}, {"listVersion": 3})
    assert rules(check([log.jsonl(tmp_path / "v.jsonl")])) == set()
    log = _local_list_log().cs(5, "SendLocalList", _differential(2), {"status": "VersionMismatch"})
    log.cs(6, "SendLocalList", _differential(5), {"status": "Accepted"})
    log.cs(7, "GetLocalListVersion", {}, {"listVersion": 5})
    assert rules(check([log.jsonl(tmp_path / "m.jsonl")])) == set()


def test_3_5_2_5_10_once_the_log_showed_the_list_a_wrong_version_is_still_flagged(tmp_path):
    """The true deviations: version 3 reported, then 4 with no update between; a Full update of version 2 Accepted,
    then 5 reported; and, in a log of a fresh charge point (the bundled one's: a virtual clock), 3 at its first boot."""
    log = _local_list_log().cs(5, "GetLocalListVersion", {}, {"listVersion": 3})
    log.cs(6, "GetLocalListVersion", {}, {"listVersion": 4})
    assert rules(check([log.jsonl(tmp_path / "v.jsonl")])) == {"LocalListVersion"}
    full = {"listVersion": 2, "updateType": "Full",
            "localAuthorizationList": [{"idTag": "TAG9", "idTagInfo": {"status": "Accepted"}}]}
    log = _local_list_log().cs(5, "SendLocalList", full, {"status": "Accepted"})
    log.cs(6, "GetLocalListVersion", {}, {"listVersion": 5})
    assert rules(check([log.jsonl(tmp_path / "f.jsonl")])) == {"LocalListVersion"}
    log = _local_list_log().cs(5, "GetLocalListVersion", {}, {"listVersion": 3})
    assert rules(check([log.virtual(tmp_path / "fresh.jsonl")])) == {"LocalListVersion"}
    log = _local_list_log().cs(5, "SendLocalList", _differential(5), {"status": "Accepted"})
    log.cs(6, "SendLocalList", _differential(2), {"status": "Accepted"})  # 2 <= 5: VersionMismatch (§5.15)
    assert rules(check([log.jsonl(tmp_path / "d.jsonl")])) == {"SendLocalListStatus"}


# -- (H) a world without power sends nothing (§4.2) ---------------------------------------------------------------

BOOT = {"chargePointVendor": "V", "chargePointModel": "M"}


def _stopped_by_the_power_cut_of_the_boot() -> Log:
    """A boot, then a transaction started offline before the power cut that caused it (its StartTransaction stamped
    before the boot, held in the queue) and its StopTransaction with reason PowerLoss, and the connectors' statuses
    (clean bundled charge point, walk seed 3, frames 5,974-5,992)."""
    log = Log().cp(0, "BootNotification", BOOT, {"status": "Accepted", "currentTime": iso(T0), "interval": 300})
    log.cp(0.1, "StartTransaction", {"connectorId": 1, "idTag": "TAG1", "meterStart": 0, "timestamp": iso(T0 - 120)},
           {"transactionId": 7, "idTagInfo": {"status": "Accepted"}})
    log.cp(0.2, "StopTransaction", {"meterStop": 5, "timestamp": iso(T0 - 100), "reason": "PowerLoss",
                                    "transactionId": 7}, {"idTagInfo": {"status": "Accepted"}})
    for connector in (0, 1, 2):
        log.status(0.3, connector, "Available")
    return log


def test_4_2_no_world_without_power_is_kept_once_the_charge_point_sends_again(tmp_path):
    """A hidden power cut explained the StopTransaction (reason PowerLoss) and left worlds without power that went on
    'sending' the statuses after it: owing nothing, they outlived the worlds with power (walk seed 3: from frame 6,038
    every world kept was unpowered, and at frame 6,482 a cable plugged in while offline was refused at the
    reconnection, a false StatusTransitionNotAllowed). Without power the Charge Point sends nothing; after a hard cut
    it comes back with its BootNotification first (§4.2). The stop is the power cut of the boot (§4.10)."""
    for write in (Log.jsonl, Log.virtual):
        report = check([write(_stopped_by_the_power_cut_of_the_boot(), tmp_path / "h.jsonl")])
        assert rules(report) == set()
        (checker,) = report.charge_points.values()
        assert checker.worlds.worlds and all(w.state.powered for w in checker.worlds.worlds)


def test_4_9_5_9_after_the_power_cut_of_the_boot_a_missing_status_is_still_flagged(tmp_path):
    """The true deviation after the same start: connector 2 made Inoperative (ChangeAvailability Accepted), its
    Unavailable never reported: StatusNotReported (§5.9, §4.9). Before, a world without power (which owes nothing)
    hid it: a missed violation as well as a source of false alarms."""
    log = _stopped_by_the_power_cut_of_the_boot()
    log.cs(30, "ChangeAvailability", {"connectorId": 2, "type": "Inoperative"}, {"status": "Accepted"})
    log.cp(50, "Heartbeat", {}, {"currentTime": iso(T0 + 50)})
    assert rules(check([log.jsonl(tmp_path / "h.jsonl")])) == {"StatusNotReported"}
    log = _stopped_by_the_power_cut_of_the_boot()
    log.cs(30, "ChangeAvailability", {"connectorId": 2, "type": "Inoperative"}, {"status": "Accepted"})
    log.status(30.1, 2, "Unavailable").cp(50, "Heartbeat", {}, {"currentTime": iso(T0 + 50)})
    assert rules(check([log.jsonl(tmp_path / "ok.jsonl")])) == set()


# -- (G) a graceful stop with no StopTransaction (--graceful-power-loss) ------------------------------------------


def _graceful_stop_without_stop(after_boot=(0, 1, 2), transaction: bool = False) -> Log:
    """The SAP simulator taken off gracefully (fuzz's [controller] power_loss = "graceful", its stopChargingStation):
    with no transaction the Central System knows of running, it sends no StopTransaction, reports its connectors
    Unavailable as it goes, and boots 30 s later, reporting ``after_boot`` Available. ``transaction``: one runs on
    connector 1 all the same, and no StopTransaction ever comes."""
    log = Log().boot(connectors=2)
    if transaction:
        log.status(10, 1, "Preparing").cp(10.5, "Authorize", {"idTag": "TAG1"}, {"idTagInfo": {"status": "Accepted"}})
        log.cp(10.6, "StartTransaction", {"connectorId": 1, "idTag": "TAG1", "meterStart": 0,
                                          "timestamp": iso(T0 + 10.6)},
               {"transactionId": 5, "idTagInfo": {"status": "Accepted"}})
        log.status(10.7, 1, "Charging")
    log.status(20.01, 1, "Unavailable").status(20.02, 2, "Unavailable")
    log.cp(50, "BootNotification", BOOT, {"status": "Accepted", "currentTime": iso(T0 + 50), "interval": 300})
    for connector in after_boot:
        log.status(50.01, connector, "Available")
    return log.cp(110, "Heartbeat", {}, {"currentTime": iso(T0 + 110)})


def test_4_9_7_36_a_graceful_stop_with_no_transaction_reports_unavailable_without_a_stop_transaction(tmp_path):
    """With ``--graceful-power-loss`` the connectors "reported Unavailable before it goes" (72a734b) were explained
    only after a StopTransaction had made the power cut assumed: with no transaction to stop (none, or one whose
    StopTransaction got a CALLERROR, §3.7.1) the Unavailables were taken as they are, in a world with power, and the
    end of their burst found the connectors 'now Available' (2 false StatusNotReported). The graceful power cut is now
    also assumed at the first Unavailable nothing else explains. Without the option the log stays flagged."""
    path = _graceful_stop_without_stop().jsonl(tmp_path / "g.jsonl")
    assert rules(check([path], options=CheckOptions(graceful_power_loss=True))) == set()
    assert rules(check([path])) == {"StatusNotReported"}


def test_4_9_4_10_after_a_graceful_stop_a_missing_status_or_stop_is_still_flagged(tmp_path):
    """The true deviations of the same shape, with the option: connector 2 not reported after the boot
    (StatusNotReported); a transaction running at the graceful stop never stopped (PowerLossStopsTransactions, §4.10)."""
    options = CheckOptions(graceful_power_loss=True)
    missing = _graceful_stop_without_stop(after_boot=(0, 1)).jsonl(tmp_path / "m.jsonl")
    assert rules(check([missing], options=options)) == {"StatusNotReported"}
    running = _graceful_stop_without_stop(transaction=True).jsonl(tmp_path / "r.jsonl")
    assert rules(check([running], options=options)) == {"PowerLossStopsTransactions"}


# -- a cable plugged in during the silence that ended the burst's first event (§9.1.6, §4.9) ---------------------


def test_9_1_6_a_cable_after_a_silence_ended_by_queued_messages_is_as_old_as_the_silence():
    """A Preparing after more than 60 s of silence may be a cable plugged in at any moment of it (its ConnectionTimeOut
    may run out soon after the reconnection, e97bf63). When the Charge Point first sent what it had queued (a
    StopTransaction), the Preparing came right after an event, not after the silence, and that cable was not offered:
    the clean bundled charge point, walk seed 6, frame 2,394 (a queued StopTransaction EVDisconnected, Preparing, then
    Finishing 30 s later, ConnectionTimeOut 60: a false StatusNotReported) and the 100k walk log (frames 56,018,
    67,440, 91,450, 91,520 and their repeats). Offered now while the burst that ended the silence goes on, within the
    tolerance of its first event, when it brought messages queued during the silence (the Charge Point was offline);
    not later, and not without them (a Faulted then a Preparing after a quiet 6 minutes, clean fuzz seed 5)."""
    from model.events import CpCall
    from properties.checklog.checker import CpChecker
    from properties.checklog.formats import Record

    checker = CpChecker("CP", CheckOptions())
    log = Log().boot(connectors=2)
    log.cp(900, "Heartbeat", {}, {"currentTime": iso(T0 + 900)})  # ends a silence of 900 s: the first event of a burst
    log.cp(900.5, "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Available",
                                         "timestamp": iso(T0 + 800)})  # queued while offline: stamped in the silence
    for t, direction, raw in log.lines:
        checker.feed(Record(source="h53", line=0, time=t, direction=direction, raw=raw))
    worlds = checker.worlds
    assert worlds.gap == (T0, T0 + 900) and worlds.since == T0 + 900 and worlds.gap_queued

    def preparing(t: float) -> CpCall:
        return CpCall("StatusNotification", {"connectorId": 2, "errorCode": "NoError", "status": "Preparing"}, T0 + t)

    world = worlds.worlds[0]
    plugged = worlds._plugged_in_silence(world, preparing(901))
    assert plugged is not None and plugged.state.connector(2).plugged_at == T0
    assert worlds._plugged_in_silence(world, preparing(910)) is None  # after the burst that ended the silence
    worlds.gap_queued = worlds.gap_statuses = False  # nothing queued, not only statuses (clean fuzz seed 5)
    assert worlds._plugged_in_silence(world, preparing(901)) is None


def test_9_1_6_a_cable_s_finishing_before_its_connection_timeout_with_no_silence_is_still_flagged(tmp_path):
    """The true deviation: no silence before the Preparing (a Heartbeat every 30 s), ConnectionTimeOut 60, Finishing
    30 s after it: StatusNotReported (the cable went in at the Preparing, §9.1.6, §4.9)."""
    log = Log().boot(connectors=2).cs(1, "GetConfiguration", {"key": ["ConnectionTimeOut"]}, {"configurationKey": [
        {"key": "ConnectionTimeOut", "readonly": False, "value": "60"}]})
    for t in range(30, 100, 30):
        log.cp(t, "Heartbeat", {}, {"currentTime": iso(T0 + t)})
    log.status(100, 2, "Preparing").status(130, 2, "Finishing").cp(160, "Heartbeat", {}, {"currentTime": iso(T0 + 160)})
    assert rules(check([log.jsonl(tmp_path / "c.jsonl")])) == {"StatusNotReported"}
    assert rules(check([log.virtual(tmp_path / "v.jsonl")])) == {"StatusNotReported"}


# -- a final firmware status said again (§4.5) ----------------------------------------------------------------------

FIRMWARE = {"configurationKey": [
    {"key": "SupportedFeatureProfiles", "readonly": True, "value": "Core,FirmwareManagement,RemoteTrigger"}]}


def _installed(then) -> Log:
    """An update process followed from its UpdateFirmware.req to Installed after the reboot that installed it, then
    ``then(log)`` 10 s later (SAP simulator, helper-51's sap-51 frames 1,197-1,541)."""
    log = Log().boot(connectors=1).cs(1, "GetConfiguration", {"key": ["SupportedFeatureProfiles"]}, FIRMWARE)
    log.cs(2, "UpdateFirmware", {"location": "ftp://example.com/fw.bin", "retrieveDate": iso(T0 + 2)}, {})
    for t, status in ((3, "Downloading"), (4, "Downloaded"), (5, "Installing")):
        log.cp(t, "FirmwareStatusNotification", {"status": status}, {})
    log.cp(6, "BootNotification", BOOT, {"status": "Accepted", "currentTime": iso(T0 + 6), "interval": 300})
    log.status(6.1, 0, "Available").status(6.2, 1, "Available")
    log.cp(6.3, "FirmwareStatusNotification", {"status": "Installed"}, {})
    then(log)
    return log.cp(60, "Heartbeat", {}, {"currentTime": iso(T0 + 60)})


def test_4_5_the_final_status_of_an_update_process_may_be_said_again(tmp_path):
    """§4.5: the notifications "SHALL be sent to keep the Central System updated with the status of the update
    process, started by the Central System with a FirmwareUpdate.req PDU"; only Idle is restricted (to a
    TriggerMessage). The SAP simulator reports Installed at its boot and again from its update timer: a false
    FirmwareStatusWithoutRequest before (model/firmware.py allows it only for a transfer it could not follow)."""
    log = _installed(lambda log: log.cp(16, "FirmwareStatusNotification", {"status": "Installed"}, {}))
    assert rules(check([log.jsonl(tmp_path / "f.jsonl")])) == set()


def test_4_5_a_status_no_update_asked_for_or_another_than_the_last_is_still_flagged(tmp_path):
    """The true deviations: Installed with no update ever requested, at a fresh charge point (a virtual clock: on a real
    one an update from before the log may be under way) (FirmwareStatusWithoutRequest); after the update,
    InstallationFailed instead of the Installed it reported (FirmwareStatusWithoutRequest); a TriggerMessage for it
    answered Installed, not Idle (TriggeredStatusNotIdle, §4.5, errata)."""
    log = Log().boot(connectors=1).cs(1, "GetConfiguration", {"key": ["SupportedFeatureProfiles"]}, FIRMWARE)
    log.cp(16, "FirmwareStatusNotification", {"status": "Installed"}, {}).cp(60, "Heartbeat", {}, {"currentTime": iso(T0 + 60)})
    assert rules(check([log.virtual(tmp_path / "n.jsonl")])) == {"FirmwareStatusWithoutRequest"}  # a fresh charge point
    other = _installed(lambda log: log.cp(16, "FirmwareStatusNotification", {"status": "InstallationFailed"}, {}))
    assert rules(check([other.jsonl(tmp_path / "o.jsonl")])) == {"FirmwareStatusWithoutRequest"}

    def triggered(log):
        log.cs(16, "TriggerMessage", {"requestedMessage": "FirmwareStatusNotification"}, {"status": "Accepted"})
        log.cp(16.1, "FirmwareStatusNotification", {"status": "Installed"}, {})
    assert rules(check([_installed(triggered).jsonl(tmp_path / "t.jsonl")])) == {"TriggeredStatusNotIdle"}
