"""check-log with an accepted StopTransactionOnInvalidId (issue 17; SAP simulator fuzz traces sap-53 frames 738 and
1,990, sap-73 frame 2,382: a false StartTransactionWithoutAuthorization, and a false PowerLossStopsTransactions).

A StartTransaction answered Invalid while StopTransactionOnInvalidId is true owes a StopTransaction (DeAuthorized,
§9.1.24). The SAP simulator ends such a transaction silently: Available, no StopTransaction (accepted in its accept
list). The world in which the message was given up at once was kept, and so was the model's, in which the transaction
still runs and its stop stays owed (queued again at each boot, §3.7, so it never fell due). That world takes the
connector's statuses as those of a transaction that may be over (Available, Unavailable, ...) at no cost, while the
world without it paid for each graceful reboot's Unavailable; after three reboots only the first kind was left, and a
card of the same idTag at that connector was taken as stopping the old transaction, so its start was not authorized.
A StopTransaction still owed under an accepted rule may now be given up at any event, at the cost of the world
that owes it.
"""

from __future__ import annotations

from pathlib import Path

from properties.checklog import CheckOptions, check
from test_checklog import ACCEPTED, BOOT, Log, T0, rules
from vocabulary.dates import iso

SAP = CheckOptions(graceful_power_loss=True,
                   accept=frozenset({"StopTransactionOnInvalidId", "ConnectorZeroStatusNotReported"}))
KEYS = {"configurationKey": [{"key": key, "readonly": False, "value": value} for key, value in (
    ("StopTransactionOnInvalidId", "true"), ("LocalPreAuthorize", "false"), ("LocalAuthorizeOffline", "false"),
    ("AllowOfflineTxForUnknownId", "false"), ("AuthorizationCacheEnabled", "false"), ("LocalAuthListEnabled", "false"))]}


def _start(log: Log, t: float, transaction_id: int, status: str) -> Log:
    return log.cp(t, "StartTransaction", {"connectorId": 1, "idTag": "TAG2", "meterStart": 0, "timestamp": iso(T0 + t)},
                  {"transactionId": transaction_id, "idTagInfo": {"status": status}})


def _ended_silently_then_reboots(authorized: str, reboots: int = 6) -> Log:
    """Connectors 1 and 2. A remote start of TAG2 on connector 1 answered Invalid, connector 1 then Available with no
    StopTransaction; ``reboots`` graceful reboots 20 s apart (Unavailable, Unavailable, BootNotification, Available,
    Available); then TAG2's card at connector 1: Authorize.conf ``authorized``, Preparing, StartTransaction, Charging."""
    log = Log()
    log.cp(0, "BootNotification", BOOT, ACCEPTED)
    log.status(0, 1, "Available").status(0, 2, "Available")
    log.cs(1, "GetConfiguration", {"key": [k["key"] for k in KEYS["configurationKey"]]}, KEYS)
    log.cs(10, "RemoteStartTransaction", {"connectorId": 1, "idTag": "TAG2"}, {"status": "Accepted"})
    _start(log.status(10.01, 1, "Preparing"), 10.02, 1, "Invalid").status(10.03, 1, "Available")
    t = 30.0
    for _ in range(reboots):
        log.status(t, 1, "Unavailable").status(t + 0.01, 2, "Unavailable")
        log.cp(t + 0.02, "BootNotification", BOOT, ACCEPTED)
        log.status(t + 0.03, 1, "Available").status(t + 0.04, 2, "Available")
        t += 20
    log.cp(t, "Authorize", {"idTag": "TAG2"}, {"idTagInfo": {"status": authorized}})
    _start(log.status(t + 0.01, 1, "Preparing"), t + 0.02, 2, "Accepted").status(t + 0.03, 1, "Charging")
    return log.cp(t + 30, "Heartbeat", {}, {"currentTime": iso(T0 + t + 30)})


def test_9_1_24_a_transaction_ended_silently_stays_ended_over_reboots(tmp_path: Path):
    """Before: StartTransactionWithoutAuthorization at the last StartTransaction (from three reboots on)."""
    path = _ended_silently_then_reboots("Accepted").jsonl(tmp_path / "sap.jsonl")
    assert rules(check([path], options=SAP)) == set()


def test_3_5_a_start_after_the_card_was_refused_is_still_flagged(tmp_path: Path):
    """The same log with TAG2's Authorize.conf Invalid (§3.5, §4.8): StartTransactionWithoutAuthorization."""
    path = _ended_silently_then_reboots("Invalid").jsonl(tmp_path / "refused.jsonl")
    assert rules(check([path], options=SAP)) == {"StartTransactionWithoutAuthorization"}


def test_9_1_24_the_missing_stop_is_still_reported_when_not_accepted(tmp_path: Path):
    """The same log judged without accepting the deviation: the StopTransaction never sent is reported."""
    path = _ended_silently_then_reboots("Accepted").jsonl(tmp_path / "strict.jsonl")
    options = CheckOptions(graceful_power_loss=True, accept=frozenset({"ConnectorZeroStatusNotReported"}))
    assert "StopTransactionOnInvalidId" in rules(check([path], options=options))
