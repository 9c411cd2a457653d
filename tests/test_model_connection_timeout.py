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


def offline_plug_at(seconds: int) -> Trace:
    """TAG1 waits at connector 2 from 0 s; offline from 30 s; its cable goes in at ``seconds``."""
    trace = Trace(ConnectionTimeOut=TIMEOUT)
    trace.ok(step("PresentIdTag", connectorId=2, idTag="TAG1"), authorize("TAG1"), sn(2, "Preparing"))
    trace.ok(step("AdvanceTime", seconds=30))
    trace.ok(step("NetworkDown"), down(30.0))
    trace.ok(step("AdvanceTime", seconds=seconds - 30))
    trace.ok(step("PlugIn", connectorId=2))
    return trace


def test_9_1_6_a_cable_plugged_offline_just_as_connection_timeout_runs_out_owes_no_start():
    """§9.1.6, §4.9 B1: at ConnectionTimeOut (within the tolerance, :meth:`may_have_timed_out`) the authorization
    may have ended just before the cable went in: Preparing for the cable then waits for an idTag (A2), Preparing as
    reported before, so nothing is owed on reconnection (walk seed 11: the clean charge point timed out at 60 s, the
    cable in at 60 s offline; the model owed a StartTransaction)."""
    trace = offline_plug_at(TIMEOUT)
    trace.ok(step("NetworkUp"), up(60.0))
    trace.ok(step("AdvanceTime", seconds=30))


def test_9_1_6_a_cable_plugged_offline_before_connection_timeout_still_owes_the_start():
    """The true deviation: the cable in while the authorization still holds (50 s) and no StartTransaction."""
    trace = offline_plug_at(50)
    assert "StartTransactionWhenAuthorizedAndPlugged" in trace.do(step("NetworkUp"), up(50.0))


def test_9_1_6_a_second_card_where_the_connector_was_reported_available_since_begins_preparing_anew():
    """Only a connector still Preparing as last reported keeps the first card's time: one reported Available since
    (check-log's worlds may keep an authorization the Charge Point ended unseen, e.g. by a second presentation, B1)
    begins Preparing anew with the second card (the 100k walk log's check-log: a false StatusNotReported at frame
    78,792 until this guard)."""
    from model.core import CoreRules
    from model.state import Connector

    waiting = Connector(id=2, authorized="TAG1", authorized_at=0.0, reported="Preparing")
    assert CoreRules.preparing_since(waiting, "TAG2", 30.0) == 0.0
    assert CoreRules.preparing_since(Connector(id=2, authorized="TAG1", authorized_at=0.0, reported="Available"),
                                     "TAG2", 30.0) == 30.0
    assert CoreRules.preparing_since(waiting, "TAG1", 30.0) == 30.0  # the same idTag: no second card
