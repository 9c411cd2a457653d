"""§4.9 H2/H3, §5.2: a card held while the Charge Point (connector 0) is Inoperative, at a connector then set Operative
on its own while connector 0 stays Inoperative. The model already lets such a connector report what fits it once
operative (model/phases.py ``_as_operative``: "The status of ConnectorId 0 has no direct connection to the status of
the individual Connectors", §4.9); a Charge Point that takes it as available may also start the held card's
transaction there (MicroOcppSimulator fuzz seed 81 on df94463: StartTransaction for the card it held, a false
StartTransactionWithoutAuthorization). Not owed: it may as well keep the connector Unavailable."""

from test_model_core import TAG, Trace, authorize, result, sn, start_tx, statuses, step


def held() -> Trace:
    trace = Trace(LocalPreAuthorize=True)
    trace.ok(step("ChangeAvailability", connectorId=0, type="Inoperative"), result(status="Accepted"),
             *statuses((0, "Unavailable"), (1, "Unavailable"), (2, "Unavailable")))
    return trace.ok(step("PlugIn", connectorId=1)).ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG))


def test_5_2_the_connector_set_operative_may_start_the_held_card():
    assert held().do(step("ChangeAvailability", connectorId=1, type="Operative"), result(status="Accepted"),
                     start_tx(1, TAG, 5), sn(1, "Charging")) == []


def test_5_2_or_stay_unavailable_with_it():
    assert held().do(step("ChangeAvailability", connectorId=1, type="Operative"), result(status="Accepted")) == []


def test_4_9_while_the_connector_itself_is_inoperative_the_held_card_starts_nothing():
    found = held().do(step("AdvanceTime", seconds=1), start_tx(1, TAG, 5))
    assert found[0] == "StartTransactionWithoutAuthorization"
