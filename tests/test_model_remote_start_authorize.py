"""RemoteStartTransaction with AuthorizeRemoteTxRequests true for an idTag the Central System refuses (OCPP 1.6 §5.11).

Found on the SAP simulator (notes/sim-h44.md, run h44s2): RemoteStartTransaction for a free connector and TAG3, which
the Central System does not accept; the simulator sent Authorize.req for TAG3 (answered Invalid) before its
RemoteStartTransaction.conf, and answered 'Rejected'. §5.11: with AuthorizeRemoteTxRequests true the Charge Point
"SHALL behave as if in response to a local action ... will first try to authorize the idTag ... A transaction will
only be started after authorization was obtained", and the conf indicates "whether it has accepted the request and
will attempt to start a transaction": one refused authorization will not attempt to start.
"""

from test_model_core import Trace, authorize, result, step

TAG = "TAG3"


def test_5_11_authorize_remote_tx_requests_refused_idtag_may_be_rejected_at_a_free_connector():
    """The false alarm gone: the idTag authorized first, Invalid, the remote start Rejected."""
    trace = Trace(AuthorizeRemoteTxRequests=True)
    trace.ok(step("RemoteStartTransaction", idTag=TAG, connectorId=2), result(status="Rejected"),
             authorize(TAG, "Invalid"))
    trace.ok(step("AdvanceTime", seconds=60))


def test_5_11_authorize_remote_tx_requests_refused_idtag_may_still_be_accepted():
    """Answering first and authorizing after (MicroOcpp) stays allowed."""
    trace = Trace(AuthorizeRemoteTxRequests=True)
    trace.ok(step("RemoteStartTransaction", idTag=TAG, connectorId=2), result(status="Accepted"),
             authorize(TAG, "Invalid"))


def test_5_11_remote_start_rejected_for_an_accepted_idtag_is_still_a_violation():
    """The true deviation still caught: the Central System accepts the idTag, the connector is free: Rejected says the
    Charge Point will not attempt a start it has every reason to attempt."""
    trace = Trace(AuthorizeRemoteTxRequests=True)
    trace.ok(step("SetIdTag", idTag=TAG, status="Accepted"))
    assert trace.do(step("RemoteStartTransaction", idTag=TAG, connectorId=2),
                    result(status="Rejected")) == ["RemoteStartTransactionStatus"]


def test_5_11_without_authorize_remote_tx_requests_a_refused_idtag_is_no_reason_to_reject():
    """AuthorizeRemoteTxRequests false: the Charge Point "SHALL immediately try to start a transaction" and the Central
    System checks the idTag at StartTransaction: Rejected at a free connector is still a violation."""
    trace = Trace(AuthorizeRemoteTxRequests=False)
    assert trace.do(step("RemoteStartTransaction", idTag=TAG, connectorId=2),
                    result(status="Rejected")) == ["RemoteStartTransactionStatus"]
