"""check-log false alarms on the clean bundled charge point's logs since 8a5418a (tests/test_checklog.py clean logs at
seeds 3 and 7), with hand-written logs: each flagged before, silent after; the same log with a real deviation, still
flagged."""

from __future__ import annotations

from properties.checklog import check
from test_checklog import Log, rules, T0
from vocabulary.dates import iso

# -- a firmware status lost while offline (§3.7, §4.5) ----------------------------------------------------------

FIRMWARE = {"configurationKey": [
    {"key": "SupportedFeatureProfiles", "readonly": True, "value": "Core,FirmwareManagement,RemoteTrigger"}]}
UPDATE = {"location": "ftp://127.0.0.1/firmware.bin", "retrieveDate": iso(T0 + 60), "retries": 2, "retryInterval": 60}


def _update(silence: float, *statuses: str, last: float = 1, apart: float = 1) -> Log:
    """UpdateFirmware at 1 s, its retrieveDate at 60 s, a Heartbeat at ``last`` (if later); ``silence`` seconds after
    ``last`` the first of ``statuses``, then one every ``apart`` seconds."""
    log = Log().boot(connectors=1).cs(0.5, "GetConfiguration", {"key": ["SupportedFeatureProfiles"]}, FIRMWARE)
    log.cs(1, "UpdateFirmware", UPDATE, {})
    if last > 1:
        log.cp(last, "Heartbeat", {}, {"currentTime": iso(T0 + last)})
    for i, status in enumerate(statuses):
        log.cp(last + silence + i * apart, "FirmwareStatusNotification", {"status": status})
    return log


def test_3_7_4_5_a_downloading_sent_offline_may_be_lost(tmp_path):
    """Offline from the last frame on, the Charge Point sent Downloading at the retrieveDate and lost it (not
    transaction-related, it is not queued, §3.7); on reconnecting it reported Downloaded (fuzz seed 3, CP001#4: 61 s
    of silence). Taken as it is, the Downloaded followed the request: a false FirmwareStatusOutOfOrder."""
    log = _update(61, "Downloaded", "Installing")
    assert rules(check([log.virtual(tmp_path / "log.jsonl")])) == set()


def test_4_5_a_stage_skipped_within_a_minute_is_still_flagged(tmp_path):
    """Each stage takes time: a silence shorter than OFFLINE_GAP is not taken for a lost connection, or a skipped
    status would never be seen in a log without connection events (the mutant FirmwareStatusOutOfOrder: Installing 30 s
    after Downloading)."""
    log = _update(0, "Downloading", last=61)
    log.cp(91, "FirmwareStatusNotification", {"status": "Installing"})
    assert rules(check([log.virtual(tmp_path / "log.jsonl")])) == {"FirmwareStatusOutOfOrder"}


def test_4_5_a_status_skipped_online_is_still_flagged(tmp_path):
    """Without a silence that could hide a lost connection (a frame at the same instant after the retrieveDate),
    Downloaded skipped Downloading; after the silence, a status out of order while online is flagged too."""
    log = _update(0, "Downloaded", last=61)
    assert rules(check([log.virtual(tmp_path / "a.jsonl")])) == {"FirmwareStatusOutOfOrder"}
    back = _update(61, "Downloaded", "Downloading", apart=0)
    assert rules(check([back.virtual(tmp_path / "b.jsonl")])) == {"FirmwareStatusOutOfOrder"}


# -- a reservation ended by a fault (§5.13 (3)) ---------------------------------------------------------------------

RESERVATION = {"configurationKey": [
    {"key": "SupportedFeatureProfiles", "readonly": True, "value": "Core,Reservation"}]}


def _faulted_while_reserved(after: str) -> Log:
    """Connector 2 Reserved, Faulted and ``after`` at the same instant (fuzz seed 7, CP001#6, frames 66-70)."""
    log = Log().boot(connectors=2).cs(1, "GetConfiguration", {"key": ["SupportedFeatureProfiles"]}, RESERVATION)
    log.cs(61, "ReserveNow", {"connectorId": 2, "expiryDate": iso(T0 + 91), "idTag": "TAG2", "reservationId": 1},
           {"status": "Accepted"})
    log.status(61, 2, "Reserved")
    log.cp(61, "StatusNotification", {"connectorId": 2, "errorCode": "GroundFailure", "status": "Faulted"})
    return log.status(61, 2, after)


def test_5_13_a_fault_ends_the_reservation_at_once(tmp_path):
    """§5.13: a reservation SHALL be terminated "(3) when the Charge Point or connector are set to Faulted". The fault
    cleared unseen and the connector reported Available; kept until the burst's end, the reservation wanted Reserved
    after the cleared fault, so every world kept the fault: a false StatusNotReported."""
    log = _faulted_while_reserved("Available").cp(121, "Heartbeat", {}, {"currentTime": iso(T0 + 121)})
    assert rules(check([log.virtual(tmp_path / "log.jsonl")])) == set()


def test_5_13_the_reservation_a_fault_ended_is_still_over(tmp_path):
    """The reservation is over: Reserved again, or its CancelReservation answered Accepted (§5.1: Rejected when no
    reservation matches), are still flagged."""
    reserved = _faulted_while_reserved("Reserved").cp(121, "Heartbeat", {}, {"currentTime": iso(T0 + 121)})
    assert rules(check([reserved.virtual(tmp_path / "a.jsonl")])) == {"ReservedAfterReservationEnded"}
    cancelled = _faulted_while_reserved("Available").cs(62, "CancelReservation", {"reservationId": 1},
                                                        {"status": "Accepted"})
    assert rules(check([cancelled.virtual(tmp_path / "b.jsonl")])) == {"CancelReservationStatus"}


# -- a transaction started behind a StopTransaction's retry (§3.7, §3.7.1) -------------------------------------------

STOP = {"meterStop": 10, "timestamp": iso(T0 + 10), "reason": "Remote", "transactionId": 1}


def _start(log: Log, t: float, connector: int, transaction_id: int, stamp: float) -> Log:
    return log.cp(t, "StartTransaction", {"connectorId": connector, "idTag": "TAG1", "meterStart": 0,
                                          "timestamp": iso(T0 + stamp)},
                  {"transactionId": transaction_id, "idTagInfo": {"status": "Accepted"}})


def _charging_at_2(stop_fails: bool) -> Log:
    """TAG1 (cached Accepted, LocalPreAuthorize) charges at connector 1; a RemoteStopTransaction's StopTransaction is
    answered with a CALLERROR (``stop_fails``) or not; connector 2 then reports Preparing and Charging at once."""
    log = Log().boot(connectors=2).cs(0.5, "ChangeConfiguration", {"key": "LocalPreAuthorize", "value": "true"},
                                      {"status": "Accepted"})
    log.cp(1, "Authorize", {"idTag": "TAG1"}, {"idTagInfo": {"status": "Accepted"}})
    _start(log.status(1, 1, "Preparing"), 1, 1, 1, stamp=1).status(1, 1, "Charging")
    log.cs(10, "RemoteStopTransaction", {"transactionId": 1}, {"status": "Accepted"})
    log.cp(10, "StopTransaction", STOP, {} if not stop_fails else None, error="InternalError" if stop_fails else None)
    return log.status(10, 1, "Finishing").status(10, 2, "Preparing").status(10, 2, "Charging")


def _heartbeats(log: Log) -> Log:
    for t in (130, 430):
        log.cp(t, "Heartbeat", {}, {"currentTime": iso(T0 + t)})
    return log


def test_3_7_a_start_queued_behind_a_retry_may_be_reported_charging(tmp_path):
    """§3.7: transaction-related messages are delivered in order, and "new messages that are not transaction-related
    MAY be delivered immediately without waiting for the queue to be emptied". TAG1, cached, started a transaction at
    connector 2 while the StopTransaction waited for its retry: Charging came at once, the StartTransaction (its
    timestamp the start's) after the retry 60 s later (fuzz seeds 16 and 17, 30 examples, CP001#29 and CP001#5
    frame 124). No world had a card at connector 2: a false StatusNotReported."""
    log = _charging_at_2(stop_fails=True).cp(70, "StopTransaction", STOP, {})
    log = _heartbeats(_start(log, 70, 2, 2, stamp=10))
    assert rules(check([log.virtual(tmp_path / "log.jsonl")])) == set()


def test_3_7_charging_with_nothing_queued_and_no_start_is_still_flagged(tmp_path):
    """The StopTransaction answered, nothing waits: a transaction started at connector 2 owes its StartTransaction at
    once, and none ever comes."""
    log = _heartbeats(_charging_at_2(stop_fails=False))
    assert rules(check([log.virtual(tmp_path / "log.jsonl")])) == {"StatusNotReported"}


# -- the retried StopTransaction of a transaction -1 (errata 3.18, §3.7.1) ------------------------------------------


def _given_up_start(retry_at: float | None) -> Log:
    """The StartTransaction fails TransactionMessageAttempts (3) times, so the transaction goes on as -1 (errata 3.18);
    its StopTransaction at 300 s is answered with a CALLERROR and sent again at ``retry_at`` (None: never)."""
    log = Log().boot(connectors=1)
    for key, value in (("TransactionMessageAttempts", "3"), ("TransactionMessageRetryInterval", "60")):
        log.cs(0.5, "ChangeConfiguration", {"key": key, "value": value}, {"status": "Accepted"})
    start = {"connectorId": 1, "idTag": "TAG1", "meterStart": 0, "timestamp": iso(T0 + 1)}
    log.status(1, 1, "Preparing").cp(1, "Authorize", {"idTag": "TAG1"}, {"idTagInfo": {"status": "Accepted"}})
    log.cp(1, "StartTransaction", start, error="InternalError").status(1, 1, "Charging")
    for t in (61, 181):
        log.cp(t, "StartTransaction", start, error="InternalError")
    stop = {"idTag": "TAG1", "meterStop": 10, "timestamp": iso(T0 + 300), "reason": "Local", "transactionId": -1}
    log.cp(300, "StopTransaction", stop, error="InternalError").status(300, 1, "Finishing")
    if retry_at is not None:
        log.cp(retry_at, "StopTransaction", stop, {"idTagInfo": {"status": "Accepted"}})
    return log.cp(420, "Heartbeat", {}, {"currentTime": iso(T0 + 420)})


def test_3_7_1_the_retry_of_a_stop_of_transaction_minus_1_is_judged(tmp_path):
    """Once stopped, no world held transaction -1, so its retried StopTransaction was taken for one of a transaction
    from before the log and left unjudged; the retry it owed then seemed missing, and check-log lost track (fuzz seeds
    18 and 19, 30 examples, CP001#27 and CP001#3 frame 148)."""
    report = check([_given_up_start(360).virtual(tmp_path / "log.jsonl")])
    assert rules(report) == set()
    assert not any(n for cp in report.charge_points.values() for n in cp.not_judged.values())


def test_3_7_1_a_retry_never_sent_is_still_flagged(tmp_path):
    assert rules(check([_given_up_start(None).virtual(tmp_path / "log.jsonl")])) == {"TransactionMessageRetry"}
