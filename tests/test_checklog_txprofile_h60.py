"""check-log: the TxProfile of a transaction the Charge Point dropped without a StopTransaction ends with it (OCPP 1.6
§7.10, §3.13.1, §5.5).

SAP simulator fuzz log h60 sap-73 (49c2251), frame 1748: RemoteStartTransaction for connector 1 with a TxProfile,
Accepted; its StartTransaction answered Invalid; SAP reported Available and sent no StopTransaction (its known
StopTransactionOnInvalidId, accepted: check-log gives the owed StopTransaction up at once and takes the transaction as
over). A minute later ClearChargingProfile {} answered 'Unknown' was flagged: the model ended the transaction but kept
its TxProfile as installed. §7.10: a TxProfile applies to its transaction; §3.13.1: "After the transaction is stopped,
the profile SHOULD be deleted", so both Accepted and Unknown are allowed.
"""

from __future__ import annotations

from properties.checklog import CheckOptions, check
from test_checklog import Log, rules, T0
from vocabulary.dates import iso

PROFILES = {"configurationKey": [
    {"key": "SupportedFeatureProfiles", "readonly": True, "value": "Core,SmartCharging,RemoteTrigger"}]}
TX_PROFILE = {"chargingProfileId": 9, "chargingProfileKind": "Absolute", "chargingProfilePurpose": "TxProfile",
              "stackLevel": 2, "chargingSchedule": {"chargingRateUnit": "W", "duration": 260,
                                                    "startSchedule": iso(T0 + 10), "chargingSchedulePeriod": [
                                                        {"limit": 8000.0, "startPeriod": 0},
                                                        {"limit": 16000.0, "startPeriod": 50}]}}
DROPS_INVALID = CheckOptions(accept=frozenset({"StopTransactionOnInvalidId"}))


def _remote_start(start_status: str, cleared: str) -> Log:
    log = Log().boot(connectors=2).cs(2, "GetConfiguration", {"key": ["SupportedFeatureProfiles"]}, PROFILES)
    log.cs(10, "RemoteStartTransaction", {"connectorId": 1, "idTag": "TAG3", "chargingProfile": TX_PROFILE},
           {"status": "Accepted"})
    log.status(10.01, 1, "Preparing")
    log.cp(10.02, "StartTransaction", {"connectorId": 1, "idTag": "TAG3", "meterStart": 0, "timestamp": iso(T0 + 10)},
           {"transactionId": 15, "idTagInfo": {"status": start_status}})
    log.status(10.03, 1, "Available" if start_status != "Accepted" else "Charging")
    for t in range(15, 90, 5):
        log.cp(t, "Heartbeat", {}, {"currentTime": iso(T0 + t)})
    return log.cs(92, "ClearChargingProfile", {}, {"status": cleared})


def test_7_10_the_tx_profile_of_a_transaction_dropped_silently_may_be_gone(tmp_path):
    report = check([_remote_start("Invalid", "Unknown").jsonl(tmp_path / "c.jsonl")], options=DROPS_INVALID)
    assert rules(report) == set()


def test_7_10_the_tx_profile_of_a_transaction_dropped_silently_may_still_be_cleared(tmp_path):
    report = check([_remote_start("Invalid", "Accepted").jsonl(tmp_path / "c.jsonl")], options=DROPS_INVALID)
    assert rules(report) == set()


def test_5_5_the_tx_profile_of_a_running_transaction_answered_unknown_is_still_flagged(tmp_path):
    report = check([_remote_start("Accepted", "Unknown").jsonl(tmp_path / "c.jsonl")], options=DROPS_INVALID)
    assert rules(report) == {"ClearChargingProfileStatus"}
