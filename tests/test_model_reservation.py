"""The Reservation-profile judge (model/reservation.py), rule by rule.

Each rule fires on the wrong behaviour and is silent on every behaviour the
spec allows (OCPP 1.6 §5.1, §5.13, §4.9 Reserved; OCTT TC_046–TC_053).
"""

from __future__ import annotations

import datetime

import pytest

from model import CpCall
from test_model_core import (TAG, OTHER, PARENT, Trace, authorize, boot, down, result, sn, start_tx, statuses,
                             step, up)


def iso(t: float) -> str:
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def with_reservation(zero: str | None = "true", **config) -> Trace:
    """Reservation listed in SupportedFeatureProfiles (§9.1.29), the Central System knows TAG and OTHER."""
    keys = [{"key": "SupportedFeatureProfiles", "readonly": True, "value": "Core,Reservation"}]
    if zero is not None:
        keys.append({"key": "ReserveConnectorZeroSupported", "readonly": True, "value": zero})
    trace = Trace(**config)
    trace.ok(step("GetConfiguration", key=[k["key"] for k in keys]), result(configurationKey=keys))
    trace.ok(step("SetIdTag", idTag=TAG, status="Accepted"))
    trace.ok(step("SetIdTag", idTag=OTHER, status="Accepted"))
    return trace


def reserve_now(trace: Trace, connector: int = 1, tag: str = TAG, reservation_id: int = 1, expiry: int = 300,
                parent: str | None = None) -> dict:
    s = step("ReserveNow", connectorId=connector, expiryDate=iso(trace.now + expiry), idTag=tag,
             reservationId=reservation_id)
    if parent:
        s["parentIdTag"] = parent
    return s


def reserved(trace: Trace | None = None, connector: int = 1, tag: str = TAG, reservation_id: int = 1,
             expiry: int = 300, parent: str | None = None) -> Trace:
    """Reusable state Reserved (OCTT TC_051_CS)."""
    trace = trace or with_reservation()
    return trace.ok(reserve_now(trace, connector, tag, reservation_id, expiry, parent), result(status="Accepted"),
                    sn(connector, "Reserved"))


def start_with(connector: int = 1, tag: str = TAG, reservation_id: int | None = 1, tx_id: int = 1,
               parent: str | None = None) -> CpCall:
    call = start_tx(connector, tag, tx_id, parent=parent)
    if reservation_id is not None:
        call.payload["reservationId"] = reservation_id
    return call


def cancel(reservation_id: int = 1) -> dict:
    return step("CancelReservation", reservationId=reservation_id)


# -- ReserveNow.conf (§5.13, §7.40) ------------------------------------------------------


def test_5_13_reserve_now_accepted_goes_reserved():
    trace = reserved()
    assert trace.state.reservations.live[0].connector_id == 1


def test_5_13_reserved_status_must_be_reported():
    trace = with_reservation()
    assert trace.do(reserve_now(trace), result(status="Accepted")) == ["ReservedStatusNotReported"]


@pytest.mark.parametrize("status", ["Occupied", "Faulted", "Unavailable", "Rejected"])
def test_5_13_free_connector_must_accept(status):
    trace = with_reservation()
    assert trace.do(reserve_now(trace), result(status=status)) == ["ReserveNowStatus"]


def test_5_13_an_identifier_the_central_system_refuses_may_be_rejected():
    """§5.13: "RECOMMENDED to validate the Identifier with an authorize.req after reception of a ReserveNow.req";
    for an idTag the Central System answers Invalid, Rejected is the status that fits (issue 14, SAP S6)."""
    trace = with_reservation()
    trace.ok(reserve_now(trace, tag="UNKNOWN"), result(status="Rejected"), authorize("UNKNOWN", "Invalid"))
    assert trace.do(reserve_now(trace, tag=TAG), result(status="Rejected")) == ["ReserveNowStatus"]


def test_octt_tc_048_1_faulted_connector_answers_faulted():
    trace = with_reservation().ok(step("Fault", connectorId=1, errorCode="GroundFailure"),
                                  sn(1, "Faulted", error="GroundFailure"))
    trace.ok(reserve_now(trace), result(status="Faulted"))
    assert trace.do(reserve_now(trace), result(status="Accepted")) == ["ReserveNowNotFaulted"]


def test_octt_tc_048_2_occupied_connector_answers_occupied():
    trace = with_reservation().ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
    trace.ok(reserve_now(trace), result(status="Occupied"))
    assert trace.do(reserve_now(trace), result(status="Accepted")) == ["ReserveNowNotOccupied"]


def test_octt_tc_048_3_unavailable_connector_answers_unavailable():
    trace = with_reservation().ok(step("ChangeAvailability", connectorId=1, type="Inoperative"),
                                  result(status="Accepted"), sn(1, "Unavailable"))
    trace.ok(reserve_now(trace), result(status="Unavailable"))
    assert trace.do(reserve_now(trace), result(status="Occupied")) == ["ReserveNowNotUnavailable"]


def test_5_13_connector_reserved_for_another_reservation_is_occupied():
    trace = reserved()
    trace.ok(reserve_now(trace, tag=OTHER, reservation_id=2), result(status="Occupied"))
    assert trace.do(reserve_now(trace, tag=OTHER, reservation_id=2), result(status="Accepted")) == ["ReserveNowNotOccupied"]


def test_5_13_same_reservation_id_replaces_the_reservation():
    trace = reserved()
    trace.ok(reserve_now(trace, connector=2, reservation_id=1), result(status="Accepted"),
             sn(2, "Reserved"), sn(1, "Available"))
    assert [r.connector_id for r in trace.state.reservations.live] == [2]


def test_5_13_connector_zero_needs_reserve_connector_zero_supported():
    trace = with_reservation(zero="false")
    trace.ok(reserve_now(trace, connector=0), result(status="Rejected"))
    assert trace.do(reserve_now(trace, connector=0), result(status="Accepted")) == ["ReserveNowStatus"]


def test_5_13_connector_zero_unknown_support_may_be_rejected():
    trace = with_reservation(zero=None)
    trace.ok(reserve_now(trace, connector=0), result(status="Rejected"))


def test_octt_tc_049_connector_zero_reserved_may_show_reserved_or_available():
    trace = with_reservation()
    trace.ok(reserve_now(trace, connector=0), result(status="Accepted"), sn(1, "Reserved"))
    trace.ok(step("AdvanceTime", seconds=10), sn(1, "Available"))


def test_octt_tc_050_2_all_connectors_occupied_is_occupied():
    trace = with_reservation().ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
    trace.ok(step("PlugIn", connectorId=2), sn(2, "Preparing"))
    trace.ok(reserve_now(trace, connector=0), result(status="Occupied"))
    assert trace.do(reserve_now(trace, connector=0), result(status="Accepted")) == ["ReserveNowNotOccupied"]


def test_octt_tc_050_1_charge_point_faulted_is_faulted():
    trace = with_reservation().ok(step("Fault", connectorId=0, errorCode="GroundFailure"),
                                  sn(0, "Faulted", error="GroundFailure"))
    trace.ok(reserve_now(trace, connector=0), result(status="Faulted"))
    assert trace.do(reserve_now(trace, connector=0), result(status="Accepted")) == ["ReserveNowNotFaulted"]


def test_5_13_second_connector_zero_reservation_is_occupied():
    trace = with_reservation()
    trace.ok(reserve_now(trace, connector=0), result(status="Accepted"))
    assert trace.do(reserve_now(trace, connector=0, tag=OTHER, reservation_id=2),
                    result(status="Accepted")) == ["ReserveNowNotOccupied"]


# -- CancelReservation (§5.1) -------------------------------------------------------------


def test_octt_tc_051_cancel_makes_the_connector_available():
    trace = reserved().ok(cancel(1), result(status="Accepted"), sn(1, "Available"))
    assert trace.state.reservations.live == ()
    assert trace.do(cancel(1), result(status="Accepted")) == ["CancelReservationStatus"]


def test_octt_tc_052_unknown_reservation_id_is_rejected():
    trace = reserved()
    assert trace.do(cancel(2), result(status="Accepted")) == ["CancelReservationStatus"]
    trace = reserved().ok(cancel(2), result(status="Rejected"))
    assert trace.do(cancel(1), result(status="Rejected")) == ["CancelReservationStatus"]


def test_5_1_cancelled_reservation_must_not_stay_reserved():
    trace = reserved()
    assert trace.do(cancel(1), result(status="Accepted")) == ["ReservedAfterReservationEnded"]


# -- expiry, faults, availability, reboot (§5.13) --------------------------------------------


def test_octt_tc_047_reservation_expires_available():
    trace = reserved(expiry=30)
    trace.ok(step("AdvanceTime", seconds=10))
    trace.ok(step("AdvanceTime", seconds=20), sn(1, "Available", t=30.0))


def test_5_13_reservation_not_released_at_expiry():
    trace = reserved(expiry=30)
    assert trace.do(step("AdvanceTime", seconds=30)) == ["ReservedAfterReservationEnded"]


def test_5_13_fault_ends_the_reservation():
    trace = reserved().ok(step("Fault", connectorId=1, errorCode="GroundFailure"),
                          sn(1, "Faulted", error="GroundFailure"))
    trace.ok(step("ClearFault", connectorId=1), sn(1, "Available"))
    assert trace.state.reservations.live == ()


def test_5_13_inoperative_ends_the_reservation():
    trace = reserved().ok(step("ChangeAvailability", connectorId=1, type="Inoperative"),
                          result(status="Accepted"), sn(1, "Unavailable"))
    trace.ok(step("ChangeAvailability", connectorId=1, type="Operative"), result(status="Accepted"),
             sn(1, "Available"))
    assert trace.do(cancel(1), result(status="Accepted")) == ["CancelReservationStatus"]


@pytest.mark.parametrize("after_boot", ["Reserved", "Available"])
def test_reservation_may_or_may_not_survive_a_reboot(after_boot):
    trace = reserved().ok(step("Reset", type="Soft"), result(status="Accepted"),
                          *[down(), up(), boot()], *statuses((0, "Available"), (1, after_boot), (2, "Available")))
    survived = after_boot == "Reserved"
    assert trace.do(cancel(1), result(status="Accepted" if survived else "Rejected"),
                    *([sn(1, "Available")] if survived else [])) == []


# -- starting on a reserved connector (§5.13, §4.8) ----------------------------------------------


def test_octt_tc_046_1_reserved_idtag_starts_with_the_reservation_id():
    trace = reserved()
    trace.ok(step("PresentIdTag", connectorId=1, idTag=OTHER), authorize(OTHER))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), sn(1, "Preparing"))
    trace.ok(step("PlugIn", connectorId=1), start_with(), sn(1, "Charging"))
    assert trace.state.reservations.live == ()


def test_4_8_reservation_id_missing_in_start_transaction():
    trace = reserved()
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), sn(1, "Preparing"))
    assert trace.do(step("PlugIn", connectorId=1), start_with(reservation_id=None), sn(1, "Charging")) == [
        "ReservationIdMissingInStartTransaction"]


def test_5_13_another_idtag_must_not_start_on_a_reserved_connector():
    """One deviation, found once: the Central System accepted the idTag, only the reservation refuses it
    (issue 14, MicroOcppSimulator: not StartTransactionWithoutAuthorization as well)."""
    trace = reserved().ok(step("PlugIn", connectorId=1))
    assert trace.do(step("PresentIdTag", connectorId=1, idTag=OTHER), authorize(OTHER),
                    start_with(tag=OTHER, reservation_id=None), sn(1, "Preparing"), sn(1, "Charging")) == [
        "ReservedConnectorStartedForAnotherIdTag"]


def test_5_13_an_idtag_refused_by_the_central_system_started_on_a_reserved_connector_is_both():
    trace = reserved().ok(step("PlugIn", connectorId=1))
    assert trace.do(step("PresentIdTag", connectorId=1, idTag=OTHER), authorize(OTHER, status="Invalid"),
                    start_with(tag=OTHER, reservation_id=None), sn(1, "Preparing"), sn(1, "Charging")) == [
        "ReservedConnectorStartedForAnotherIdTag", "StartTransactionWithoutAuthorization"]


def test_5_13_another_idtag_refused_without_authorize():
    trace = reserved().ok(step("PlugIn", connectorId=1))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=OTHER))


def test_octt_tc_053_parent_idtag_may_use_the_reservation():
    trace = with_reservation()
    trace.ok(step("SetIdTag", idTag=OTHER, status="Accepted", parentIdTag=PARENT))
    trace = reserved(trace, parent=PARENT)
    trace.ok(step("PresentIdTag", connectorId=1, idTag=OTHER), authorize(OTHER, parent=PARENT), sn(1, "Preparing"))
    trace.ok(step("PlugIn", connectorId=1), start_with(tag=OTHER, parent=PARENT), sn(1, "Charging"))


def test_octt_tc_053_parent_idtag_must_start_when_plugged():
    trace = with_reservation()
    trace.ok(step("SetIdTag", idTag=OTHER, status="Accepted", parentIdTag=PARENT))
    trace = reserved(trace, parent=PARENT)
    trace.ok(step("PresentIdTag", connectorId=1, idTag=OTHER), authorize(OTHER, parent=PARENT), sn(1, "Preparing"))
    assert trace.do(step("PlugIn", connectorId=1)) == ["StartTransactionWhenAuthorizedAndPlugged"]


def test_4_9_cable_at_a_reserved_connector_may_stay_reserved_or_prepare():
    reserved().ok(step("PlugIn", connectorId=1))
    reserved().ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))


def test_octt_tc_046_2_remote_start_with_the_reserved_idtag():
    trace = reserved(with_reservation(AuthorizeRemoteTxRequests=False)).ok(step("PlugIn", connectorId=1))
    trace.ok(step("RemoteStartTransaction", connectorId=1, idTag=TAG), result(status="Accepted"),
             sn(1, "Preparing"), start_with(), sn(1, "Charging"))


@pytest.mark.parametrize("answer", ["Accepted", "Rejected"])
def test_5_11_remote_start_for_another_idtag_on_a_reserved_connector(answer):
    trace = reserved(with_reservation(AuthorizeRemoteTxRequests=False)).ok(step("PlugIn", connectorId=1))
    trace.ok(step("RemoteStartTransaction", connectorId=1, idTag=OTHER), result(status=answer))


def test_5_13_5_11_a_remote_start_of_another_idtag_started_on_a_reserved_connector_is_one_deviation():
    """sim-mo (MicroOcppSimulator): RemoteStartTransaction of another idTag for a reserved connector Accepted
    (AuthorizeRemoteTxRequests false: the Central System's own word, §5.11), then its StartTransaction with no
    Authorize: ReservedConnectorStartedForAnotherIdTag (§5.13) alone, not StartTransactionWithoutAuthorization too.
    A card the Charge Point never authorized started there is both still."""
    trace = reserved(with_reservation(AuthorizeRemoteTxRequests=False)).ok(step("PlugIn", connectorId=1))
    trace.ok(step("RemoteStartTransaction", connectorId=1, idTag=OTHER), result(status="Accepted"))
    assert trace.do(step("AdvanceTime", seconds=1), start_with(tag=OTHER, reservation_id=None),
                    sn(1, "Charging")) == ["ReservedConnectorStartedForAnotherIdTag"]
    card = reserved(with_reservation(AuthorizeRemoteTxRequests=False)).ok(step("PlugIn", connectorId=1))
    assert card.do(step("PresentIdTag", connectorId=1, idTag=OTHER), start_with(tag=OTHER, reservation_id=None),
                   sn(1, "Charging")) == ["ReservedConnectorStartedForAnotherIdTag",
                                          "StartTransactionWithoutAuthorization"]


def test_5_13_connector_zero_reservation_keeps_one_connector():
    trace = with_reservation().ok(step("ChangeAvailability", connectorId=2, type="Inoperative"),
                                  result(status="Accepted"), sn(2, "Unavailable"))
    trace.ok(reserve_now(trace, connector=0), result(status="Accepted"), sn(1, "Reserved"))
    trace.ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
    assert trace.do(step("PresentIdTag", connectorId=1, idTag=OTHER), authorize(OTHER),
                    start_with(tag=OTHER, reservation_id=None), sn(1, "Charging")) == [
        "ReservedConnectorStartedForAnotherIdTag"]


def test_5_13_connector_zero_reservation_leaves_other_connectors_free():
    trace = with_reservation()
    trace.ok(reserve_now(trace, connector=0), result(status="Accepted"))
    trace.ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=OTHER), authorize(OTHER),
             start_with(tag=OTHER, reservation_id=None), sn(1, "Charging"), sn(2, "Reserved"))
    trace.ok(step("PlugIn", connectorId=2), sn(2, "Preparing"))
    trace.ok(step("PresentIdTag", connectorId=2, idTag=TAG), authorize(TAG),
             start_with(connector=2, tx_id=2), sn(2, "Charging"))


def test_start_transaction_with_an_unknown_reservation_id():
    trace = with_reservation().ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
    assert trace.do(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), start_with(reservation_id=7),
                    sn(1, "Charging")) == ["StartTransactionUnknownReservationId"]


def test_unsupported_profile_must_refuse():
    trace = Trace()
    keys = [{"key": "SupportedFeatureProfiles", "readonly": True, "value": "Core"}]
    trace.ok(step("GetConfiguration", key=["SupportedFeatureProfiles"]), result(configurationKey=keys))
    trace.ok(reserve_now(trace), result(status="Rejected"))
    assert trace.do(reserve_now(trace), result(status="Accepted")) == ["UnsupportedProfileOperation"]


def connector_zero_holds_connector_2(pre_authorize: bool) -> Trace:
    """Reservation 1 of connector 1 for TAG moves to connector 0 (same reservationId: replaced, §5.13)
    while a cable waits at connector 1: connector 2 is the last free connector and stays free for TAG."""
    trace = reserved(with_reservation(LocalPreAuthorize=pre_authorize))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=OTHER), authorize(OTHER))
    trace.ok(step("PlugIn", connectorId=1))
    return trace.ok(reserve_now(trace, connector=0), result(status="Accepted"), sn(1, "Preparing"), sn(2, "Reserved"))


@pytest.mark.parametrize("pre_authorize", [True, False])
def test_5_13_connector_zero_reservation_refuses_another_idtag_on_the_last_free_connector(pre_authorize):
    """The idTag is authorized from the cache (LocalPreAuthorize, §3.5) or by Authorize.conf; either
    way the last free connector refuses it when the cable comes (was a false alarm)."""
    trace = connector_zero_holds_connector_2(pre_authorize)
    trace.ok(step("PresentIdTag", connectorId=2, idTag=OTHER), *([] if pre_authorize else [authorize(OTHER)]))
    trace.ok(step("PlugIn", connectorId=2), sn(2, "Preparing"))


def test_5_13_connector_zero_reservation_refuses_an_idtag_authorized_before_it():
    """OTHER was authorized at connector 2 before the connector-0 reservation; a cable at connector 1
    leaves connector 2 the last free one, so the cable at connector 2 starts nothing."""
    trace = with_reservation()
    trace.ok(step("PresentIdTag", connectorId=2, idTag=OTHER), authorize(OTHER), sn(2, "Preparing"))
    trace.ok(reserve_now(trace, connector=0), result(status="Accepted"))
    trace.ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
    trace.ok(step("PlugIn", connectorId=2))


@pytest.mark.parametrize("admitted", [False, True])
def test_5_13_a_parent_idtag_unknown_to_the_local_entry_may_be_refused_or_asked_for(admitted):
    """§5.13: the Charge Point "MAY look it up in its Local Authorization List or Authorization Cache",
    and asks the Central System only when it finds nothing there. A cache entry without parentIdTag
    lets it refuse an idTag the Central System would put in the reserved group; asking is fine too."""
    trace = with_reservation(LocalPreAuthorize=True, ConnectionTimeOut=60)
    trace.ok(step("PresentIdTag", connectorId=2, idTag=OTHER), authorize(OTHER), sn(2, "Preparing"))
    trace.ok(step("AdvanceTime", seconds=61), sn(2, "Available", trace.now + 61))
    trace.ok(step("SetIdTag", idTag=OTHER, status="Accepted", parentIdTag=PARENT))
    trace = reserved(trace, parent=PARENT)
    seen = [authorize(OTHER, parent=PARENT, t=trace.now), sn(1, "Preparing", trace.now)] if admitted else []
    trace.ok(step("PresentIdTag", connectorId=1, idTag=OTHER), *seen)
    trace.ok(step("ClearCache"), result(status="Accepted"))  # decided at the card, not undone later
    trace.ok(step("PlugIn", connectorId=1), *([start_with(tag=OTHER, parent=PARENT), sn(1, "Charging")]
                                              if admitted else []))


def test_5_13_a_connector_zero_reservation_may_count_out_an_idtag_whose_local_entry_lacks_the_parent():
    """As above, for a reservation of connector 0 (found by ocpp-verify mutants: the cable owed a
    StartTransaction although the Charge Point kept the connector for the reservation)."""
    trace = with_reservation(LocalPreAuthorize=True, ConnectionTimeOut=60)
    trace.ok(step("PresentIdTag", connectorId=2, idTag=OTHER), authorize(OTHER), sn(2, "Preparing"))
    trace.ok(step("AdvanceTime", seconds=61), sn(2, "Available", trace.now + 61))
    trace.ok(step("SetIdTag", idTag=OTHER, status="Accepted", parentIdTag=PARENT))
    trace.ok(reserve_now(trace, connector=0, parent=PARENT), result(status="Accepted"))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=OTHER))
    trace.ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))


def test_5_13_a_connector_whose_refused_transaction_was_reported_over_may_be_reserved():
    """SAP simulator (sim-triage session 2, = S15): StartTransaction.conf Invalid, the Charge Point reports
    Available at once and owes its StopTransaction (DeAuthorized); a ReserveNow before that is due may be
    Accepted: the transaction may be over (one deviation, StopTransactionOnInvalidId, found once)."""
    import attrs

    trace = with_reservation(AuthorizeRemoteTxRequests=False)
    trace.state = attrs.evolve(trace.state, options=attrs.evolve(trace.state.options, tolerance=2.0))
    trace.ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
    trace.ok(step("RemoteStartTransaction", connectorId=1, idTag="TAG9"), result(status="Accepted"),
             start_tx(1, "TAG9", 4, status="Invalid"), sn(1, "Available"))
    trace.ok(reserve_now(trace), result(status="Accepted"), sn(1, "Reserved"))


def test_5_13_a_matching_reservation_id_replaces_even_on_a_connector_in_use():
    """§5.13: "If the reservationId in the request matches a reservation in the Charge Point, then the Charge
    Point SHALL replace that reservation"; Occupied is for one that "does not match any" (MicroOcppSimulator,
    sim-triage session 2: its connector-0 reservation replaced by one for a connector with a cable in)."""
    trace = with_reservation()
    trace.ok(reserve_now(trace, connector=0, reservation_id=2), result(status="Accepted"))
    trace.ok(step("PlugIn", connectorId=2), sn(2, "Preparing"))
    assert trace.do(reserve_now(trace, connector=2, reservation_id=3), result(status="Accepted")) == [
        "ReserveNowNotOccupied"]
    trace.ok(reserve_now(trace, connector=2, reservation_id=2), result(status="Accepted"))


def test_5_13_a_cable_a_charge_point_cannot_sense_may_leave_its_connector_free_to_reserve():
    """SAP simulator (sim-triage session 4, sap-s4-1): the controller "plugged" connector 1, a card started and stopped
    a transaction, the simulator (no cable sensor) reported Available and accepted a ReserveNow. It knows of no cable, so
    the connector may be free (Accepted) or still in use (Occupied); one that senses its cable is Occupied."""
    from model import Options
    from test_model_core import stop_tx

    def after_a_stop(options: Options) -> Trace:
        trace = with_reservation(options=options)
        trace.ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
        trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), start_tx(1, TAG, 1), sn(1, "Charging"))
        return trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), stop_tx(1, tag=TAG),
                        sn(1, "Finishing" if options.cable_sensed else "Available"))

    for options, expected in ((Options(cable_sensed=False), {"Accepted": [], "Occupied": []}),
                              (Options(), {"Accepted": ["ReserveNowNotOccupied"], "Occupied": []})):
        for status, rules in expected.items():
            trace = after_a_stop(options)
            assert trace.do(reserve_now(trace), result(status=status)) == rules


def test_5_13_occupied_for_a_matching_reservation_id_is_reservation_not_replaced():
    """§5.13 "If the reservationId in the request matches a reservation in the Charge Point, then the Charge Point SHALL
    replace that reservation": the SAP simulator answers Occupied to any reservationId it knows (its own rule,
    ReservationNotReplaced, so that accepting it hides no other wrong ReserveNow status); the old reservation stays."""
    trace = reserved()
    assert trace.do(reserve_now(trace, connector=2, reservation_id=1), result(status="Occupied")) == [
        "ReservationNotReplaced"]
    assert [r.connector_id for r in trace.state.reservations.live] == [1]


def test_5_13_occupied_for_a_new_reservation_id_on_a_free_connector_is_still_reserve_now_status():
    """The other way: a reservationId that "does not match any" on a free connector SHALL be Accepted (§5.13)."""
    trace = reserved()
    assert trace.do(reserve_now(trace, connector=2, reservation_id=2, tag=OTHER),
                    result(status="Occupied")) == ["ReserveNowStatus"]


def test_5_13_occupied_for_a_matching_reservation_id_on_an_occupied_connector_is_allowed():
    """A replacement onto a connector that is occupied: 'Occupied' fits the new reservation (§5.13), no finding."""
    trace = reserved().ok(step("PlugIn", connectorId=2), sn(2, "Preparing"))
    trace.ok(reserve_now(trace, connector=2, reservation_id=1), result(status="Occupied"))


@pytest.mark.parametrize("status, rules", [("Unavailable", []), ("Rejected", ["ReserveNowNotUnavailable"]),
                                           ("Accepted", ["ReserveNowNotUnavailable"])])
def test_5_13_each_refusal_is_a_rule_of_its_own_unavailable(status, rules):
    """§5.13 "The Charge Point SHALL return 'Unavailable' if the Charge Point or connector are in the Unavailable
    state": the SAP simulator answers Rejected (sim-sap final6, OCTT TC_048_3_CS). A rule of its own, so that accepting
    it hides no other wrong ReserveNow status (before: ReserveNowStatus, the rule of every ReserveNow answer)."""
    trace = with_reservation().ok(step("ChangeAvailability", connectorId=1, type="Inoperative"),
                                  result(status="Accepted"), sn(1, "Unavailable"))
    assert trace.do(reserve_now(trace), result(status=status)) == rules


@pytest.mark.parametrize("connector, answer, rules", [
    (0, "Accepted", ["ReserveNowNotOccupied"]),  # MicroOcpp (sim-mo): connector 0 with every connector in use
    (1, "Occupied", ["ReserveNowStatus"]),  # a free connector SHALL be Accepted: still the general rule
    (1, "Faulted", ["ReserveNowStatus"])])
def test_5_13_each_refusal_is_a_rule_of_its_own_occupied(connector, answer, rules):
    """§5.13 "SHALL return 'Occupied' if the Charge Point or the specified connector are occupied"; with one refusal
    fitting its sentence names the rule. Where Accepted fits (a free connector), any refusal but Rejected is
    ReserveNowStatus, so accepting ReserveNowNotOccupied does not hide it."""
    trace = with_reservation().ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
    trace.ok(step("PlugIn", connectorId=2), sn(2, "Preparing"))
    if connector == 1:
        trace = with_reservation()
    assert trace.do(reserve_now(trace, connector=connector), result(status=answer)) == rules


def reserved_card_waiting_then_a_cached_card() -> Trace:
    """Connector 1 reserved for TAG; TAG presented there (Authorize, Preparing, waiting for its cable); OTHER, known to
    the cache (an Authorize.conf Accepted at connector 2) and LocalPreAuthorize true, presented at connector 1: the
    reservation refuses it (§5.13) and the Charge Point sends nothing (nightly seed 1480, clean bundled charge
    point)."""
    trace = reserved(with_reservation(LocalPreAuthorize=True, ConnectionTimeOut=60))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), sn(1, "Preparing"))
    trace.ok(step("PlugIn", connectorId=2), sn(2, "Preparing"))
    trace.ok(step("PresentIdTag", connectorId=2, idTag=OTHER), authorize(OTHER), start_tx(2, OTHER, 1),
             sn(2, "Charging"))
    return trace.ok(step("PresentIdTag", connectorId=1, idTag=OTHER))


def test_5_13_a_card_the_reservation_refuses_leaves_the_reserved_card_waiting():
    """§5.13 "the Charge Point SHALL refuse charging for other idTags" with §3.5 LocalPreAuthorize: OTHER, accepted from
    the cache, is refused at the reserved connector; TAG's card may still wait for its cable there, Preparing (before:
    the model dropped TAG's authorization with OTHER's and wanted Reserved, a false ReservedStatusNotReported)."""
    reserved_card_waiting_then_a_cached_card().ok(step("AdvanceTime", seconds=30))


def test_5_13_the_reserved_card_waiting_still_times_out():
    """The other way: TAG's ConnectionTimeOut (§9.1.6) still ends its wait; Preparing after it, the connector still
    reserved, is ReservedStatusNotReported."""
    trace = reserved_card_waiting_then_a_cached_card()
    assert trace.do(step("AdvanceTime", seconds=61)) == ["ReservedStatusNotReported"]
