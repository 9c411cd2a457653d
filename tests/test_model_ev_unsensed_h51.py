"""A Charge Point that senses no cable senses no EV either: an EV's pause ends with its transaction there (§4.9).

The SAP simulator has no cable, EV or fault model (docs/external.md §7, Options.cable_sensed False): its controller's
EVSuspend only makes it send SuspendedEV for the running transaction. Once that transaction is over, a new one on the
same connector is reported Charging, as it knows of no EV that could be pausing. The model kept the EV of the earlier
transaction suspended (cleared only by an Unplug) and wanted SuspendedEV/SuspendedEVSE: a false StatusNotReported
(h51 SAP fuzz seed 53, 38 steps: card TAG1 on connector 2, EVSuspend, UnlockConnector 2 stops it, Available, card TAG2
starts transaction 38, Charging). §4.9: SuspendedEV is "When the EV is connected to the EVSE and the EVSE is offering
energy but the EV is not taking any energy"; Charging "When the contactor of a Connector closes, allowing the vehicle
to charge". One that senses its EV still reports the paused EV SuspendedEV on the next transaction.
"""

from __future__ import annotations

import pytest

from model import Options
from test_model_core import OTHER, TAG, Trace, authorize, charging, result, sn, start_tx, step, stop_tx


def paused_then_unlocked(options: Options, after: str) -> Trace:
    trace = charging(Trace(options), connector=2, tag=TAG, tx_id=1)
    trace.ok(step("EVSuspend", connectorId=2), sn(2, "SuspendedEV"))
    trace.ok(step("UnlockConnector", connectorId=2), result(status="Unlocked"), sn(2, "Finishing"),
             stop_tx(1, reason="UnlockCommand", tag=TAG), sn(2, after))
    return trace


def test_4_9_no_ev_sensed_a_new_transaction_after_a_pause_is_charging():
    trace = paused_then_unlocked(Options(cable_sensed=False), "Available")
    assert trace.do(step("PresentIdTag", connectorId=2, idTag=OTHER), authorize(OTHER), sn(2, "Preparing"),
                    start_tx(2, OTHER, 2), sn(2, "Charging")) == []


def test_4_9_no_ev_sensed_the_paused_transaction_itself_stays_suspended():
    """Within the transaction the pause holds: Charging again needs EVResume (the controller's own Charging)."""
    trace = charging(Trace(Options(cable_sensed=False)), connector=2, tag=TAG, tx_id=1)
    trace.ok(step("EVSuspend", connectorId=2), sn(2, "SuspendedEV"))
    assert trace.do(step("AdvanceTime", seconds=1), sn(2, "Charging")) != []


@pytest.mark.parametrize("options", [Options()])
def test_4_9_ev_sensed_the_paused_ev_is_suspended_on_the_next_transaction(options):
    """The other way: a Charge Point that senses its EV (cable still in, EV still paused) reports SuspendedEV."""
    trace = paused_then_unlocked(options, "Finishing")
    assert trace.do(step("PresentIdTag", connectorId=2, idTag=OTHER), authorize(OTHER),
                    start_tx(2, OTHER, 2), sn(2, "Charging")) == ["StatusNotReported"]
