"""A card presented at an Unavailable connector (§4.9 H2, H3; sim-mo s8, MicroOcppSimulator, issue 14).

§4.9's table lets a connector leave Unavailable for Preparing, "H2 Connector is set Available after a user had
interacted with the Charge Point", or for Charging, "H3 Connector is set Available and no user action is required to
start charging": a card presented while a ChangeAvailability kept the connector Unavailable may be authorized and kept
until it is set Available, then wait for its cable or start. MicroOcpp does so: TAG1 at connector 2, a cable and TAG1
at connector 1, all while connector 0 is Inoperative; at Operative connector 2 is Preparing and connector 1 starts
(before: a false StartTransactionWithoutAuthorization and StatusNotReported). Nothing starts while it is still
Unavailable, and a card never authorized starts nothing.
"""

from __future__ import annotations

from test_model_core import OTHER, TAG, Trace, authorize, result, sn, start_tx, statuses, step


def unavailable_with_cards(authorized: bool = True) -> Trace:
    """Connector 0 Inoperative; TAG1 at connector 2 (no cable), a cable and TAG1 at connector 1 (sim-mo s8, steps 7-20)."""
    trace = Trace()
    trace.ok(step("ChangeAvailability", connectorId=0, type="Inoperative"), result(status="Accepted"),
             *statuses((0, "Unavailable"), (1, "Unavailable"), (2, "Unavailable")))
    trace.ok(step("PresentIdTag", connectorId=2, idTag=TAG), *([authorize(TAG)] if authorized else []))
    trace.ok(step("PlugIn", connectorId=1))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), *([authorize(TAG)] if authorized else []))
    return trace


def test_4_9_h2_h3_a_card_kept_while_unavailable_waits_or_starts_when_set_available():
    """§4.9 H2, H3: at Operative connector 2 (TAG1, no cable) is Preparing, connector 1 (TAG1, cable) starts."""
    trace = unavailable_with_cards()
    trace.ok(step("ChangeAvailability", connectorId=0, type="Operative"), result(status="Accepted"),
             *statuses((0, "Available"), (2, "Preparing"), (1, "Charging")), start_tx(1, TAG, 34))
    # the card kept at connector 2 may end (ConnectionTimeOut from its Preparing, §9.1.6, or TAG1 charging elsewhere)
    trace.ok(step("AdvanceTime", seconds=5), sn(2, "Available"))


def test_4_9_h1_a_card_kept_while_unavailable_may_as_well_be_dropped():
    """§4.9 H1: the Charge Point may as well have ignored the cards: Available, and Preparing for the cable."""
    trace = unavailable_with_cards()
    trace.ok(step("ChangeAvailability", connectorId=0, type="Operative"), result(status="Accepted"),
             *statuses((0, "Available"), (1, "Preparing"), (2, "Available")))


def test_4_1_a_card_ignored_while_unavailable_is_no_violation():
    """§4.1 asks for an Authorize (or a local authorization) of a card presented for charging; at an Unavailable
    connector the Charge Point may ignore it (no IdTagNotAuthorized), and then it starts nothing at Operative."""
    trace = unavailable_with_cards(authorized=False)
    rules = trace.do(step("ChangeAvailability", connectorId=0, type="Operative"), result(status="Accepted"),
                     *statuses((0, "Available"), (1, "Charging"), (2, "Available")), start_tx(1, TAG, 34))
    assert "StartTransactionWithoutAuthorization" in rules


def test_4_9_h3_a_card_kept_while_unavailable_starts_nothing_before_it_is_set_available():
    """§4.9 Unavailable, H3: the kept card may start only once the connector is set Available; a StartTransaction
    while it is still Unavailable is StartTransactionWithoutAuthorization, as before."""
    trace = unavailable_with_cards()
    rules = trace.do(step("AdvanceTime", seconds=1), start_tx(1, TAG, 34), sn(1, "Charging"))
    assert "StartTransactionWithoutAuthorization" in rules


def test_4_9_h3_another_card_at_operative_is_still_a_start_without_authorization():
    """§3.5, §4.8: TAG1 kept at connector 1 while Unavailable does not authorize TAG2 there."""
    trace = unavailable_with_cards()
    rules = trace.do(step("ChangeAvailability", connectorId=0, type="Operative"), result(status="Accepted"),
                     *statuses((0, "Available"), (2, "Preparing"), (1, "Charging")), start_tx(1, OTHER, 34))
    assert rules == ["StartTransactionWithoutAuthorization"]


# -- §4.9, §5.2: a connector set Operative while connector 0 is Inoperative (sim-mo s9) -----------------------


def inoperative_charge_point() -> Trace:
    """A cable in at connector 2 (Preparing), then ChangeAvailability 0 Inoperative: all Unavailable."""
    trace = Trace()
    trace.ok(step("PlugIn", connectorId=2), sn(2, "Preparing"))
    return trace.ok(step("ChangeAvailability", connectorId=0, type="Inoperative"), result(status="Accepted"),
                    *statuses((0, "Unavailable"), (1, "Unavailable"), (2, "Unavailable")))


def test_4_9_5_2_a_connector_set_operative_while_the_charge_point_is_inoperative_may_be_available():
    """§4.9 "The status of ConnectorId 0 has no direct connection to the status of the individual Connectors (>0)",
    §5.2 (connector 0 "applies to the Charge Point and all Connectors"; the answer says "whether the Charge Point is able
    to change to the requested availability"): an Accepted ChangeAvailability Operative for connector 2 after it may
    make connector 2 available, its cable in: Preparing (H2; MicroOcpp, sim-mo s9: before, a false StatusNotReported
    "connector 2 last reported Preparing, but it is now Unavailable"); or it may stay Unavailable with the whole."""
    inoperative_charge_point().ok(step("ChangeAvailability", connectorId=2, type="Operative"),
                                  result(status="Accepted"), sn(2, "Preparing"))
    inoperative_charge_point().ok(step("ChangeAvailability", connectorId=2, type="Operative"), result(status="Accepted"))


def test_4_9_5_2_a_connector_set_operative_while_the_charge_point_is_inoperative_still_fits_its_own_state():
    """§4.9: set Operative, connector 2 fits Unavailable or what it would be operative (its cable in: Preparing), not
    Available; connector 1, not set Operative, stays Unavailable with the Charge Point (§5.2)."""
    rules = inoperative_charge_point().do(step("ChangeAvailability", connectorId=2, type="Operative"),
                                          result(status="Accepted"), sn(2, "Available"))
    assert rules == ["StatusNotReported"]
    trace = inoperative_charge_point()
    trace.ok(step("ChangeAvailability", connectorId=2, type="Operative"), result(status="Accepted"))
    assert trace.do(step("AdvanceTime", seconds=1), sn(1, "Available")) == ["StatusNotReported"]
