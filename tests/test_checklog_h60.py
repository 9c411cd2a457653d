"""check-log false alarms on logs of the clean bundled charge point (issue 17, helper-60), with hand-written logs.

Each is shown twice: the short log that was flagged though the Charge Point followed the spec (the fuzz harness, which
knows every stimulus, flagged none of them), and the same log with a real deviation, still flagged.
"""

from __future__ import annotations

import json

from properties.checklog import check
from test_checklog import Log, rules, T0
from vocabulary.dates import iso

CONNECTION_TIMEOUT = {"configurationKey": [{"key": "ConnectionTimeOut", "readonly": False, "value": "60"}]}


def _heartbeat(log: Log, t: float) -> Log:
    return log.cp(t, "Heartbeat", {}, {"currentTime": iso(T0 + t)})


# -- a cable plugged in while the connection was lost, during a short silence (§9.1.6, §4.9) -----------------------


def _cable_then_finishing(finishing: float) -> Log:
    """A frame at 93 s, then (the connection lost, a cable plugged in unseen) Preparing sent on reconnecting at 100 s,
    and Finishing at ``finishing`` (ConnectionTimeOut 60). Walk seed 6, frame 14,456: the cable went in at 95 s,
    offline, the Preparing came with the reconnection at 100 s and the Finishing 60 s after the cable."""
    log = Log().boot(connectors=2).cs(1, "GetConfiguration", {"key": ["ConnectionTimeOut"]}, CONNECTION_TIMEOUT)
    _heartbeat(log, 93).status(100, 1, "Preparing").status(finishing, 1, "Finishing")
    return _heartbeat(log, finishing + 30)


def test_9_1_6_a_cable_may_have_gone_in_offline_at_any_moment_of_a_short_silence(tmp_path):
    """§9.1.6 ConnectionTimeOut runs from the cable; the Preparing reports it only once the connection is back (§4.9:
    statuses of an offline period are sent on reconnecting). Only a silence over 60 s offered the cable as old as the
    silence: after a 7 s one the cable was put at the Preparing, and a Finishing 55 s later was a false
    StatusNotReported (walk seed 6, frame 14,456; walk seed 4, frame 17,760; clean fuzz seed 23 example 6, a Finishing
    60 s after a Preparing with nothing between)."""
    assert rules(check([_cable_then_finishing(155).virtual(tmp_path / "v.jsonl")])) == set()


def test_9_1_6_a_finishing_before_the_timeout_from_the_last_frame_is_still_flagged(tmp_path):
    """The true deviation: Finishing 57 s after the last frame before the Preparing (the cable cannot be older)."""
    assert rules(check([_cable_then_finishing(150).virtual(tmp_path / "v.jsonl")])) == {"StatusNotReported"}
    assert rules(check([_cable_then_finishing(140).jsonl(tmp_path / "j.jsonl")])) == {"StatusNotReported"}


# -- a card authorized locally makes a connector Preparing, with no Authorize.req (§3.5, §4.9 A2) -------------------

LOCAL_AUTH = {"configurationKey": [
    {"key": "SupportedFeatureProfiles", "readonly": True, "value": "Core,LocalAuthListManagement"},
    {"key": "LocalPreAuthorize", "readonly": False, "value": "true"},
    {"key": "LocalAuthListEnabled", "readonly": False, "value": "true"},
    {"key": "AuthorizationCacheEnabled", "readonly": False, "value": "false"}]}


def _keys(configuration: dict) -> dict:
    return {"key": [k["key"] for k in configuration["configurationKey"]]}


def _listed(version: int, status: str) -> dict:
    return {"listVersion": version, "updateType": "Differential",
            "localAuthorizationList": [{"idTag": "TAG1", "idTagInfo": {"status": status}}]}


def _two_cards(late: bool = False) -> Log:
    """TAG1 listed Accepted, LocalPreAuthorize: its card at connector 2 (no cable) is authorized by the list, Preparing
    and no Authorize.req. The list then blocks TAG1; its card at connector 1 (a cable) is asked for (Authorize.conf
    Accepted: a LocalListConflict, §3.5.2) and starts there; a cable at 2 starts the card waiting there. Clean fuzz
    seed 24, example 6 (``list_over_cache``). ``late``: the Preparing at 2 and its start 5 s after the list blocked
    TAG1 and the Authorize.conf came: no card there was authorized."""
    log = Log().boot(connectors=2).cs(1, "GetConfiguration", _keys(LOCAL_AUTH), LOCAL_AUTH)
    log.cs(2, "SendLocalList", _listed(1, "Accepted"), {"status": "Accepted"}).status(3, 1, "Preparing")
    if not late:
        log.status(10, 2, "Preparing")
    log.cs(10, "SendLocalList", _listed(2, "Blocked"), {"status": "Accepted"})
    log.cp(10, "Authorize", {"idTag": "TAG1"}, {"idTagInfo": {"status": "Accepted"}})
    for connector, t in ((1, 10), (2, 15 if late else 10)):
        if late and connector == 2:
            log.status(t, 2, "Preparing")
        log.cp(t, "StartTransaction", {"connectorId": connector, "idTag": "TAG1", "meterStart": 0,
                                       "timestamp": iso(T0 + t)}, {"transactionId": connector,
                                                                   "idTagInfo": {"status": "Accepted"}})
        log.status(t, connector, "Charging")
        log.cp(t, "StatusNotification", {"connectorId": 0, "errorCode": "LocalListConflict", "status": "Available"})
    return _heartbeat(log, 20)


def test_3_5_4_9_a_preparing_may_be_a_card_the_list_authorized_and_the_authorize_another_card(tmp_path):
    """A Preparing at a connector with no cable was explained by a cable only (a card needed an Authorize.req the log
    did not show), and the Authorize.req by the card already waiting at connector 2, never by a second card of the
    idTag: the start at connector 2 was a false StartTransactionWithoutAuthorization."""
    assert rules(check([_two_cards().virtual(tmp_path / "v.jsonl")])) == set()


def test_3_5_a_start_the_list_did_not_authorize_is_still_flagged(tmp_path):
    """The true deviation: the Preparing at connector 2 after the list blocked TAG1 and after the one Authorize.conf
    (the card at 1's): no Authorize.req for a card at 2, nothing authorized TAG1 there."""
    assert rules(check([_two_cards(late=True).virtual(tmp_path / "v.jsonl")])) \
        == {"StartTransactionWithoutAuthorization"}


# -- a card held offline, authorized from the cache (§3.5, §9.1.12) ---------------------------------------------------

CACHE_OFFLINE = {"configurationKey": [
    {"key": "LocalAuthorizeOffline", "readonly": False, "value": "true"},
    {"key": "AuthorizationCacheEnabled", "readonly": False, "value": "true"},
    {"key": "LocalPreAuthorize", "readonly": False, "value": "false"},
    {"key": "AuthorizeRemoteTxRequests", "readonly": False, "value": "true"},
    {"key": "ConnectionTimeOut", "readonly": False, "value": "60"}]}


def _cached(log: Log, t: float) -> Log:
    """TAG2 cached Accepted: a transaction of it, started and stopped at connector 1."""
    log.status(t, 1, "Preparing").cp(t, "Authorize", {"idTag": "TAG2"}, {"idTagInfo": {"status": "Accepted"}})
    log.cp(t, "StartTransaction", {"connectorId": 1, "idTag": "TAG2", "meterStart": 0, "timestamp": iso(T0 + t)},
           {"transactionId": 1, "idTagInfo": {"status": "Accepted"}})
    log.status(t, 1, "Charging").cp(t + 10, "StopTransaction", {"idTag": "TAG2", "meterStop": 5, "reason": "Local",
                                                                 "timestamp": iso(T0 + t + 10), "transactionId": 1},
                                    {"idTagInfo": {"status": "Accepted"}})
    return log.status(t + 10, 1, "Finishing").status(t + 20, 1, "Available")


def _remote_start_rejected(status_after_silence: str = "Preparing", boot: bool = False, remote_at: float = 770) -> Log:
    """12 minutes of silence (the connection lost), Preparing at connector 1 on reconnecting: TAG2 held there offline
    and authorized from the cache. 10 s later RemoteStartTransaction for TAG2 there, Rejected (the connector is taken
    by TAG2's card). Walk seed 8, frame 3,134 (and the 100k walk log, frame 113,402). ``boot``: the Preparing is the
    first status after a BootNotification, the card held while the charge point booted (the 100k walk log, frame
    149,374). ``remote_at`` 760: the RemoteStartTransaction in the burst of the reconnection (walk seed 8, frame
    10,316)."""
    log = Log().boot(connectors=2).cs(1, "GetConfiguration", _keys(CACHE_OFFLINE), CACHE_OFFLINE)
    _cached(log, 5)
    if boot:
        _heartbeat(log, 700).cp(760, "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"},
                                {"status": "Accepted", "currentTime": iso(T0 + 760), "interval": 300})
        log.status(760, 0, "Available").status(760, 2, "Available")
    log.status(760, 1, status_after_silence)
    log.cs(remote_at, "RemoteStartTransaction", {"connectorId": 1, "idTag": "TAG2"}, {"status": "Rejected"})
    return _heartbeat(log, 775)


def test_3_5_9_1_12_a_preparing_after_a_silence_may_be_a_card_held_offline(tmp_path):
    """A Preparing after a silence was explained by a cable plugged in offline, never by a card authorized offline
    from the cache; with a cable and no card the remote start must be Accepted (§5.11): a false
    RemoteStartTransactionStatus."""
    assert rules(check([_remote_start_rejected().virtual(tmp_path / "v.jsonl")])) == set()
    assert rules(check([_remote_start_rejected(boot=True).virtual(tmp_path / "b.jsonl")])) == set()
    assert rules(check([_remote_start_rejected(remote_at=760).virtual(tmp_path / "r.jsonl")])) == set()


def test_5_11_rejected_at_a_free_connector_is_still_flagged(tmp_path):
    """The true deviation: the connector reported Available after the silence, the remote start Rejected."""
    for boot, at in ((False, 770), (True, 770), (False, 760)):
        log = _remote_start_rejected("Available", boot, at)
        assert rules(check([log.virtual(tmp_path / f"{boot}{at}.jsonl")])) == {"RemoteStartTransactionStatus"}


# -- a card held offline keeps a connector Preparing, with no StatusNotification (§4.9 A2, §9.1.6) --------------------


def _authorization_runs_out(online: bool = False) -> Log:
    """A remote start at connector 2 (Authorize, Preparing: waiting for the cable), then 9 minutes of silence (the
    connection lost, ConnectionTimeOut 60 ran out: Available, unsent) during which TAG2 was held there and authorized
    from the cache: Preparing again, the status last sent, so nothing is sent on reconnecting. Then the cable and
    TAG2's StartTransaction. Walk seed 7, frame 9,114. ``online``: a Heartbeat every 30 s, no silence."""
    log = Log().boot(connectors=2).cs(1, "GetConfiguration", _keys(CACHE_OFFLINE), CACHE_OFFLINE)
    _cached(log, 5)
    log.cs(100, "RemoteStartTransaction", {"connectorId": 2, "idTag": "TAG1"}, {"status": "Accepted"})
    log.cp(100, "Authorize", {"idTag": "TAG1"}, {"idTagInfo": {"status": "Accepted"}}).status(100, 2, "Preparing")
    for t in range(130, 620, 30) if online else ():
        _heartbeat(log, t)
    log.cs(620, "GetConfiguration", {"key": ["ConnectionTimeOut"]}, CONNECTION_TIMEOUT)
    log.cp(625, "StartTransaction", {"connectorId": 2, "idTag": "TAG2", "meterStart": 5, "timestamp": iso(T0 + 625)},
           {"transactionId": 2, "idTagInfo": {"status": "Accepted"}})
    log.status(625, 2, "Charging")
    return _heartbeat(log, 700)


def test_4_9_a_card_held_offline_may_keep_a_connector_preparing_unreported(tmp_path):
    """The remote start's authorization ran out in the silence; the end of the burst found connector 2 'now
    Available' and no status said so: a false StatusNotReported. A card held there offline (and authorized from the
    cache) before the reconnection keeps it Preparing, the status it last sent."""
    assert rules(check([_authorization_runs_out().virtual(tmp_path / "v.jsonl")])) == set()


def test_4_9_9_1_6_an_authorization_run_out_online_and_unreported_is_still_flagged(tmp_path):
    """The true deviation: online all along (a Heartbeat every 30 s), the authorization runs out 60 s after the
    Preparing and no Available is sent (§9.1.6, §4.9); a card then would have needed an Authorize.req."""
    assert "StatusNotReported" in rules(check([_authorization_runs_out(online=True).virtual(tmp_path / "v.jsonl")]))


# -- a Central System CALL between the Charge Point's CALL and its answer (OCPP-J §4.1.1) ------------------------------


def _remote_stop_crossing(crossed: bool, answered_first: bool = True) -> Log:
    """StartTransaction.req; the Central System sends RemoteStopTransaction for the transactionId its
    StartTransaction.conf is about to give, the Charge Point answers Rejected (it does not know that id yet), then the
    StartTransaction.conf (fuzz's CrossingCall, --hostile). ``answered_first`` False: the StartTransaction.conf before
    the Rejected, the Charge Point handling the RemoteStopTransaction first all the same (nightly profile, --hostile,
    seed 2200, example 257). ``crossed`` False: the RemoteStopTransaction after the StartTransaction.conf."""
    log = Log().boot(connectors=2).status(5, 1, "Preparing")
    log.cp(5.1, "Authorize", {"idTag": "TAG1"}, {"idTagInfo": {"status": "Accepted"}})
    start = [2, "s", "StartTransaction", {"connectorId": 1, "idTag": "TAG1", "meterStart": 0, "timestamp": iso(T0 + 6)}]
    conf = [3, "s", {"transactionId": 3, "idTagInfo": {"status": "Accepted"}}]
    stop, rejected = [2, "x", "RemoteStopTransaction", {"transactionId": 3}], [3, "x", {"status": "Rejected"}]
    frames = [("cp->cs", start), ("cs->cp", stop), ("cp->cs", rejected), ("cs->cp", conf)] if crossed else \
        [("cp->cs", start), ("cs->cp", conf), ("cs->cp", stop), ("cp->cs", rejected)]
    if crossed and not answered_first:
        frames[2], frames[3] = frames[3], frames[2]
    log.lines += [(T0 + 6 + i * 0.001, direction, json.dumps(frame)) for i, (direction, frame) in enumerate(frames)]
    return _heartbeat(log.status(6.1, 1, "Charging"), 60)


def test_ocppj_4_1_1_a_call_handled_before_the_answer_to_the_charge_point_s_own(tmp_path):
    """OCPP-J §4.1.1: "CALL messages from both sides can always cross each other". The Charge Point handled the
    RemoteStopTransaction before its StartTransaction.conf gave it the transactionId: 'Rejected' (§5.12: no such
    transaction ongoing, as it knew). Judged after the answer, it was a false RemoteStopTransactionStatus."""
    for write in ("virtual", "jsonl"):
        for first in (True, False):
            log = _remote_stop_crossing(True, answered_first=first)
            assert rules(check([getattr(log, write)(tmp_path / f"{write}{first}.jsonl")])) == set()


def test_ocppj_4_1_1_rejected_after_the_answer_is_still_flagged(tmp_path):
    """The true deviation: the RemoteStopTransaction came after the StartTransaction.conf; the transaction ran."""
    assert rules(check([_remote_stop_crossing(False).virtual(tmp_path / "v.jsonl")])) == {"RemoteStopTransactionStatus"}
