"""check-log with ``--graceful-power-loss`` (issue 17; SAP simulator fuzz seed 92 trace, frame 2,088: a false
StartTransactionWithoutAuthorization): a world without power sends only what a graceful stop sends.

A StopTransaction with reason Local may be a card's, or (taken off gracefully, model Options.graceful_power_loss) a
power cut's. The world without power owes nothing, so at the end of a burst it settled cheaper than the worlds with
power, which paid for a deviation accepted at every settle (SAP reports no connector 0: ConnectorZeroStatusNotReported),
and only it was kept. It then went on "sending" a Preparing (_sent_with_power let every StatusNotification of a world
without power through, as the stop's own), an Authorize and a StartTransaction: a Charge Point in use again, not one
without power. Now its statuses are only those of a stop: Unavailable, and Finishing or Available after a transaction.
"""

from __future__ import annotations

from pathlib import Path

from properties.checklog import CheckOptions, check
from test_checklog import ACCEPTED, BOOT, Log, T0, rules
from vocabulary.dates import iso

SAP = CheckOptions(graceful_power_loss=True, accept=frozenset({"ConnectorZeroStatusNotReported"}))


def _stopped_then_a_card_at_the_other_connector(charging_reported: bool) -> Log:
    """A boot that reports connectors 1 and 2 only; TAG1 starts and stops (Local) a transaction on connector 1; 9.5 s
    later a card TAG1 at connector 2 starts one there. ``charging_reported``: its Charging is reported."""
    log = Log()
    log.cp(0, "BootNotification", BOOT, ACCEPTED)
    log.status(0, 1, "Available").status(0, 2, "Available")
    log.cp(10, "Authorize", {"idTag": "TAG1"}, {"idTagInfo": {"status": "Accepted"}})
    log.status(10.01, 1, "Preparing")
    log.cp(10.02, "StartTransaction", {"connectorId": 1, "idTag": "TAG1", "meterStart": 0, "timestamp": iso(T0 + 10)},
           {"transactionId": 1, "idTagInfo": {"status": "Accepted"}})
    log.status(10.03, 1, "Charging")
    log.cp(10.5, "StopTransaction", {"transactionId": 1, "idTag": "TAG1", "meterStop": 5, "timestamp": iso(T0 + 10.5),
                                     "reason": "Local"}, {"idTagInfo": {"status": "Accepted"}})
    log.status(10.51, 1, "Available")
    log.status(20, 2, "Preparing")
    log.cp(20.5, "Authorize", {"idTag": "TAG1"}, {"idTagInfo": {"status": "Accepted"}})
    log.cp(20.52, "StartTransaction", {"connectorId": 2, "idTag": "TAG1", "meterStart": 0, "timestamp": iso(T0 + 20)},
           {"transactionId": 2, "idTagInfo": {"status": "Accepted"}})
    if charging_reported:
        log.status(20.53, 2, "Charging")
    return log.cp(50, "Heartbeat", {}, {"currentTime": iso(T0 + 50)})


def test_4_2_a_world_without_power_reports_no_connector_in_use(tmp_path: Path):
    """Before: StartTransactionWithoutAuthorization at the second StartTransaction."""
    path = _stopped_then_a_card_at_the_other_connector(True).jsonl(tmp_path / "ok.jsonl")
    assert rules(check([path], options=SAP)) == set()


def test_4_9_the_transaction_never_reported_charging_is_still_flagged(tmp_path: Path):
    """Before, this log was the same false StartTransactionWithoutAuthorization; the true deviation is its missing
    Charging."""
    path = _stopped_then_a_card_at_the_other_connector(False).jsonl(tmp_path / "left.jsonl")
    assert rules(check([path], options=SAP)) == {"StatusNotReported"}
