"""§4.9 F1, F2: a card presented at a connector in Finishing, its cable out. The Charge Point may take it for a new
session (F2 "User restart charging session (e.g. reconnects cable, presents idTag again)": Preparing) or end the
session (F1 "All user interaction is complete": Available). Once it reported Available the card is not held, so the
same card presented again is a first presentation (A2: Preparing), not the second that ends an authorization (B1).
Found by nightly seeds 3000 and 3120 on the clean bundled charge point (8 steps each)."""

from __future__ import annotations

from test_model_core import TAG, Trace, authorize, charging, sn, start_tx, step, stop_tx


def finishing() -> Trace:
    """Transaction 1 stopped by the EV's cable leaving (the Authorization Cache holds TAG Accepted)."""
    trace = charging(Trace(LocalPreAuthorize=True, UnlockConnectorOnEVSideDisconnect=False))
    return trace.ok(step("Unplug", connectorId=1), stop_tx(1, reason="EVDisconnected"),
                    sn(1, "Finishing", info="EV side disconnected"))


def present() -> dict:
    return step("PresentIdTag", connectorId=1, idTag=TAG)


def test_4_9_f1_a_card_in_finishing_ended_with_available_is_not_held():
    trace = finishing().ok(present(), sn(1, "Available"))
    assert trace.do(present(), sn(1, "Preparing")) == []


def test_4_9_f1_then_the_card_again_may_be_asked_for_too():
    trace = finishing().ok(present(), sn(1, "Available"))
    assert trace.do(present(), authorize(TAG), sn(1, "Preparing")) == []


def test_4_9_f2_a_card_taken_for_a_new_session_is_ended_by_its_second_presentation():
    """Reported Preparing, the card is held (F2): presented again, it ends the authorization (B1)."""
    trace = finishing().ok(present(), sn(1, "Preparing"))
    assert trace.do(present()) == ["StatusNotReported"]
    assert finishing().ok(present(), sn(1, "Preparing")).do(present(), sn(1, "Available")) == []


def test_4_9_f1_the_cable_after_a_card_ended_with_available_owes_no_start():
    """Nightly seed 3120: the card in Finishing answered Available, then the cable: Preparing, no StartTransaction."""
    trace = finishing().ok(present(), sn(1, "Available"))
    assert trace.do(step("PlugIn", connectorId=1), sn(1, "Preparing")) == []


def test_4_9_f2_the_cable_after_a_card_taken_for_a_new_session_starts_it():
    trace = finishing().ok(present(), sn(1, "Preparing"))
    assert trace.do(step("PlugIn", connectorId=1)) == ["StartTransactionWhenAuthorizedAndPlugged"]
    trace = finishing().ok(present(), sn(1, "Preparing"))
    assert trace.do(step("PlugIn", connectorId=1), start_tx(1, TAG, 2), sn(1, "Charging")) == []


def test_3_7_a_start_queued_behind_a_retry_may_come_after_a_reboot_but_only_for_a_card_authorized_there():
    """§3.7, §4.2 (nightly seed 3120, 13 steps, pinned in tests/data/clean_traces.json): a card authorized at a plugged
    connector while the queue waits for a StopTransaction retry may have begun a transaction unseen; its StartTransaction
    comes after the reboot (CoreRules.kept_at_boot keeps its idTag). An idTag never presented there is still flagged."""
    from test_model_core import OTHER, authorize, boot, down, result, statuses, up
    from test_model_stopped_once import blocked

    def reboot_then_start(tag):
        trace = blocked(OTHER)
        trace.ok(step("Unplug", connectorId=1), sn(1, "Available"))
        trace.ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
        trace.ok(step("PresentIdTag", connectorId=1, idTag="TAG3"), authorize("TAG3"), sn(1, "Charging"))
        t = trace.now
        return trace.do(step("Reset", type="Soft"), result(status="Accepted"), sn(1, "Finishing"), down(t), up(t),
                        boot(t=t), stop_tx(2, reason="Local", tag=OTHER), stop_tx(1, reason="SoftReset", tag=TAG),
                        start_tx(1, tag, 3), stop_tx(3, reason="SoftReset"),
                        *statuses((0, "Available"), (1, "Finishing"), (2, "Finishing"), t=t))
    assert reboot_then_start("TAG3") == []
    assert reboot_then_start("TAG9") == ["StartTransactionWithoutAuthorization"]
