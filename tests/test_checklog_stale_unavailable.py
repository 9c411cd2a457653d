"""check-log with ``--graceful-power-loss``: an Unavailable that a graceful power cut would explain is also judged as
it is (issue 17; the SAP simulator's fuzz seed 81 and 53 traces).

The SAP simulator taken off while offline (NetworkDown, then PowerLoss) queues the Unavailable of its stop and sends it
after the next boot's Available (the accepted StatusNotificationOutOfOrder, §4.9). check-log explained such a stale
Unavailable only as the first sign of a new graceful power cut (``_going_down``): the observation as it is, in the
world with power, was never tried, because that attempt is labelled "as it is" too. The Charge Point then went on
(an Authorize, a Preparing, a StartTransaction), and only worlds without power were left: a false
StartTransactionWithoutAuthorization (sap-81 frame 402, sap-53 frame 446).
"""

from __future__ import annotations

from pathlib import Path

from properties.checklog import CheckOptions, check
from test_checklog import Log, rules, T0
from vocabulary.dates import iso

GRACEFUL = CheckOptions(graceful_power_loss=True)


def _stale_unavailable_then_a_card(corrected: bool) -> Log:
    """Two connectors reported Unavailable 10 s after the boot with nothing to make them so; a card TAG1 then starts a
    transaction on connector 2, all within one burst. ``corrected``: connector 1 is reported Available again before
    the burst ends."""
    log = Log().boot(connectors=2)
    log.status(10, 1, "Unavailable").status(10.01, 2, "Unavailable")
    log.cs(11, "GetLocalListVersion", {}, {"listVersion": 0})
    log.cp(13, "Authorize", {"idTag": "TAG1"}, {"idTagInfo": {"status": "Accepted"}})
    log.status(13.01, 2, "Preparing")
    log.cp(13.02, "StartTransaction", {"connectorId": 2, "idTag": "TAG1", "meterStart": 0, "timestamp": iso(T0 + 13)},
           {"transactionId": 1, "idTagInfo": {"status": "Accepted"}})
    log.status(13.03, 2, "Charging")
    if corrected:
        log.status(14, 1, "Available")
    return log.cp(15, "Heartbeat", {}, {"currentTime": iso(T0 + 15)})


def test_4_9_an_unavailable_a_graceful_cut_would_explain_is_also_taken_as_it_is(tmp_path: Path):
    """Before: StartTransactionWithoutAuthorization at the StartTransaction (every world left was without power)."""
    path = _stale_unavailable_then_a_card(corrected=True).jsonl(tmp_path / "corrected.jsonl")
    assert rules(check([path], options=GRACEFUL)) == set()


def test_4_9_an_unavailable_left_wrong_is_still_flagged(tmp_path: Path):
    """The true deviation: connector 1 left reported Unavailable at the burst's end, while nothing made it so. Before
    the fix this log was reported as the false StartTransactionWithoutAuthorization instead."""
    path = _stale_unavailable_then_a_card(corrected=False).jsonl(tmp_path / "left.jsonl")
    assert rules(check([path], options=GRACEFUL)) == {"StatusNotReported"}
