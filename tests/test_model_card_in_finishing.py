"""§4.9 F1, F2: a card presented at a connector in Finishing, its cable out. The Charge Point may take it for a new
session (F2 "User restart charging session (e.g. reconnects cable, presents idTag again)": Preparing) or end the
session (F1 "All user interaction is complete": Available). Once it reported Available the card is not held, so the
same card presented again is a first presentation (A2: Preparing), not the second that ends an authorization (B1).
Found by nightly seed 3000 on the clean bundled charge point (8 steps)."""

from __future__ import annotations

from test_model_core import TAG, Trace, authorize, charging, sn, step, stop_tx


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
