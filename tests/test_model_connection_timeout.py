"""ConnectionTimeOut (§9.1.6, errata v4.0 3.76 and 3.87) when a second card is authorized while the first waits.

Found by benchmarks/checklog.py's long random walk of the clean bundled charge point (notes/walk-triage.md).
"""

from test_model_core import Trace, authorize, down, sn, step, up

TIMEOUT = 60


def second_card_at_30() -> Trace:
    """TAG1 at an empty connector: Preparing, waiting for the cable; 30 s later TAG2 is authorized there too."""
    trace = Trace(ConnectionTimeOut=TIMEOUT)
    trace.ok(step("PresentIdTag", connectorId=2, idTag="TAG1"), authorize("TAG1"), sn(2, "Preparing"))
    trace.ok(step("AdvanceTime", seconds=30))
    trace.ok(step("PresentIdTag", connectorId=2, idTag="TAG2"), authorize("TAG2", t=30.0))
    return trace


def test_9_1_6_errata_3_76_connection_timeout_runs_from_the_beginning_of_preparing_not_a_second_card():
    """§9.1.6 as amended (errata 3.87, 3.76): "Interval from beginning of status: 'Preparing' until incipient
    session is automatically canceled" (it was "from successful authorization"). A second idTag authorized at the
    connector does not begin Preparing again: the Charge Point may go back to Available ConnectionTimeOut after
    the first card (the bundled charge point did, at 60 s; the model wanted Preparing until 90 s)."""
    trace = second_card_at_30()
    trace.ok(step("AdvanceTime", seconds=30), sn(2, "Available", 60.0))


def test_9_1_6_errata_3_76_preparing_long_past_the_timeout_still_not_reported():
    """The true deviation: still Preparing well after ConnectionTimeOut (from either card) is caught."""
    trace = second_card_at_30()
    trace.ok(step("AdvanceTime", seconds=30))
    assert trace.do(step("AdvanceTime", seconds=61)) == ["StatusNotReported"]


def test_9_1_6_errata_3_76_preparing_past_the_timeout_of_the_first_card_is_not_reported():
    """Preparing is the status that began at the first card: past its ConnectionTimeOut (60 s after it, not
    after the second card) the connector SHALL be back to Available."""
    trace = second_card_at_30()
    assert trace.do(step("AdvanceTime", seconds=35)) == ["StatusNotReported"]


def second_card_offline_at_30() -> Trace:
    """TAG1 waits at connector 2 from 0 s; offline at 30 s TAG2 is presented there (local authorization, §3.5),
    back online at once: the connector stayed Preparing, nothing to report."""
    trace = Trace(ConnectionTimeOut=TIMEOUT)
    trace.ok(step("PresentIdTag", connectorId=2, idTag="TAG1"), authorize("TAG1"), sn(2, "Preparing"))
    trace.ok(step("AdvanceTime", seconds=30))
    trace.ok(step("NetworkDown"), down(30.0))
    trace.ok(step("PresentIdTag", connectorId=2, idTag="TAG2"))
    trace.ok(step("NetworkUp"), up(30.0))
    return trace


def test_9_1_6_errata_3_76_a_second_card_authorized_offline_does_not_restart_connection_timeout():
    """The same for a card authorized offline and adopted on reconnection (walk seeds 6 and 7): Available 60 s
    after the first card is allowed."""
    trace = second_card_offline_at_30()
    trace.ok(step("AdvanceTime", seconds=30), sn(2, "Available", 60.0))


def test_9_1_6_errata_3_76_a_second_card_authorized_offline_preparing_past_the_timeout_is_not_reported():
    trace = second_card_offline_at_30()
    assert trace.do(step("AdvanceTime", seconds=35)) == ["StatusNotReported"]
