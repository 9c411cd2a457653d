"""ConnectionTimeOut (§9.1.6, errata v4.0 3.87) and a card taken as presented offline (§3.5) whose Preparing ended.

check-log, issue 17 (notes/sim-h44.md cause A; MicroOcppSimulator's OCTT logs oc1/oc2, 10 false StatusNotReported
each): a world explained a StopTransaction(Local) by a card presented offline (Connector.offline_last), and a burst
that never ended (HeartbeatInterval 5 s, a frame every few seconds) left that world unsettled while the connector
reported Available. 60 s later a remote start for the same idTag (Preparing, waiting for the cable) was settled with
the old card adopted (adopt_offline_authorization): ConnectionTimeOut counted from the card, so the settle wanted
Available at once. ConnectionTimeOut runs "from beginning of status: 'Preparing'" (§9.1.6 as amended by errata v4.0),
and "The StatusNotification.req messages MUST be sent in the order in which the events that they describe occurred"
(§4.9): an Available reported after the card ends the incipient session the card began (§4.9 B1), so the card no
longer waits for its cable.
"""

import attrs

from test_model_core import TAG, Trace, charging, result, sn, step, stop_tx

TIMEOUT = 60


def stale_card_then_remote_start(available_reported: bool) -> Trace:
    """TAG charges at connector 1 and stops by its card at T (Finishing). A check-log world holds that card as
    presented offline at T (offline_last), unsettled as inside a burst that never ends, and the cable pulled out
    unseen. At T + 70, in one step: a remote start for TAG Accepted, (Available if ``available_reported``), Preparing."""
    trace = charging(Trace(ConnectionTimeOut=TIMEOUT, AuthorizeRemoteTxRequests=False))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), stop_tx(1, reason="Local", tag=TAG), sn(1, "Finishing"))
    card_at = trace.now
    trace.ok(step("AdvanceTime", seconds=70))
    connectors = list(trace.state.connectors)  # the world: cable pulled out unseen, the card unsettled since T
    connectors[1] = attrs.evolve(connectors[1], plugged=False, plugged_at=None, offline_last=(TAG, card_at),
                                 offline_tags=frozenset({TAG}))
    trace.state = attrs.evolve(trace.state, connectors=tuple(connectors))
    statuses = [sn(1, "Available", trace.now)] if available_reported else []
    trace.ok(step("RemoteStartTransaction", idTag=TAG, connectorId=1), result(status="Accepted"),
             *statuses, sn(1, "Preparing", trace.now))
    return trace


def test_9_1_6_errata_4_0_4_9_an_offline_card_followed_by_available_does_not_time_out_a_later_preparing():
    """The false alarm gone: the card's session ended with the Available; the remote start's Preparing waits its own
    ConnectionTimeOut (60 s from T + 70), so Preparing 50 s later is fine and Available at 60 s is too."""
    trace = stale_card_then_remote_start(available_reported=True)
    assert trace.connector(1).authorized == TAG and trace.connector(1).authorized_at == trace.now
    trace.ok(step("AdvanceTime", seconds=50))
    trace.ok(step("AdvanceTime", seconds=10), sn(1, "Available", trace.now + 10))


def test_9_1_6_errata_4_0_preparing_past_the_remote_starts_connection_timeout_still_not_reported():
    """The true deviation of the same shape: still Preparing past ConnectionTimeOut from the remote start's Preparing
    (60 s + the tolerance) is StatusNotReported."""
    trace = stale_card_then_remote_start(available_reported=True)
    trace.ok(step("AdvanceTime", seconds=50))
    assert trace.do(step("AdvanceTime", seconds=16)) == ["StatusNotReported"]


def test_9_1_6_errata_4_0_an_offline_card_with_the_connector_preparing_all_along_is_still_adopted():
    """Without an Available between them the connector may have stayed Preparing since the card (§3.5, §4.9): the card's
    ConnectionTimeOut (from T) may run out at any moment, so the card is adopted with its own time."""
    trace = stale_card_then_remote_start(available_reported=False)
    assert trace.connector(1).authorized == TAG and trace.connector(1).authorized_at < trace.now - 60
