"""check-log: a fault cleared unseen, then what the next status needs (§4.9 G1-G7: Faulted goes to any status).

A connector reported Faulted and then Preparing (NoError): the log shows neither the fault clearing nor the cable.
Either alone leaves the connector Faulted or Available; only both explain the Preparing. Found on the clean bundled
charge point's logs (tests/test_checklog.py seeds 13 and 14 after 8a5418a: a connector booting Faulted, then
Preparing and Finishing: 6 violations each)."""

from __future__ import annotations

import json

from properties.checklog import check
from test_checklog import Log, rules


def faulted(log: Log) -> Log:
    log.cp(5, "StatusNotification", {"connectorId": 1, "errorCode": "GroundFailure", "status": "Faulted"})
    return log


def test_4_9_faulted_then_preparing_is_a_cleared_fault_and_a_cable(tmp_path):
    log = faulted(Log().boot(connectors=2)).status(65, 1, "Preparing").status(130, 2, "Available")
    assert check([log.virtual(tmp_path / "log.jsonl")]).violation_count == 0


def test_4_9_faulted_then_charging_without_a_transaction_is_still_flagged(tmp_path):
    """No hidden event explains Charging without a StartTransaction."""
    log = faulted(Log().boot(connectors=2)).status(65, 1, "Charging").status(130, 2, "Available")
    assert rules(check([log.virtual(tmp_path / "log.jsonl")]))
