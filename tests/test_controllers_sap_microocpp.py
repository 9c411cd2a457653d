"""SapController and MicroOcppController against fakes of the simulators' APIs (tests/fakes/)."""

from __future__ import annotations

import asyncio
import json
from contextlib import asynccontextmanager

import pytest

from adapters.controllers import ControllerError, MicroOcppController, SapController
from fakes.microocpp import FakeMicroOcpp
from fakes.sap import FakeSapSimulator


@asynccontextmanager
async def running(fake):
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


# --------------------------------------------------------------------------
# MicroOcppSimulator


def test_microocpp_capabilities_are_what_its_api_can_do():
    async def main():
        async with running(FakeMicroOcpp()) as fake:
            ops = await MicroOcppController(fake.url).capabilities()
            assert ops == {"PlugIn", "Unplug", "PresentIdTag", "EVSuspend", "EVResume",
                           "NetworkDown", "NetworkUp"}
            assert fake.requests == [("GET", "/api/websocket", "")]

    asyncio.run(main())


def test_microocpp_cable_and_ev_set_the_simulated_inputs():
    async def main():
        async with running(FakeMicroOcpp()) as fake:
            controller = MicroOcppController(fake.url)
            await controller.perform({"op": "PlugIn", "connectorId": 2})
            assert fake.evse[2] == dict.fromkeys(fake.evse[2], True)
            await controller.perform({"op": "EVSuspend", "connectorId": 2})
            assert not fake.evse[2]["evReady"]
            await controller.perform({"op": "EVResume", "connectorId": 2})
            await controller.perform({"op": "Unplug", "connectorId": 2})
            assert fake.evse[2] == {"evPlugged": False, "evsePlugged": False, "evReady": False,
                                    "evseReady": True}
            posted = [(target, json.loads(body)) for method, target, body in fake.requests]
            assert posted[0] == ("/api/connector/2/evse", {
                "evPlugged": True, "evsePlugged": True, "evReady": True, "evseReady": True})

    asyncio.run(main())


def test_microocpp_present_id_tag_and_network():
    async def main():
        async with running(FakeMicroOcpp()) as fake:
            controller = MicroOcppController(fake.url)
            await controller.perform({"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"})
            assert fake.cards == [(1, "TAG1")]
            with pytest.raises(ControllerError, match="NetworkUp before NetworkDown"):
                await controller.perform({"op": "NetworkUp"})
            await controller.perform({"op": "NetworkDown"})
            assert fake.websocket["backendUrl"] == ""
            await controller.perform({"op": "NetworkUp"})
            assert fake.websocket["backendUrl"] == "ws://127.0.0.1:9000"

    asyncio.run(main())


def test_microocpp_refusals_and_errors():
    async def main():
        async with running(FakeMicroOcpp(user="u", password="p")) as fake:
            with pytest.raises(ControllerError, match="HTTP 401: Unauthorized") as denied:
                await MicroOcppController(fake.url).perform({"op": "PlugIn", "connectorId": 1})
            assert denied.value.status == 401
            controller = MicroOcppController(fake.url, basic_auth=("u", "p"))
            await controller.perform({"op": "PlugIn", "connectorId": 1})
            with pytest.raises(ControllerError, match="/api/connector/3/evse: HTTP 404") as missing:
                await controller.perform({"op": "PlugIn", "connectorId": 3})
            assert missing.value.status == 404
            for step, words in (({"op": "Fault", "connectorId": 1}, "unsupported op 'Fault'"),
                                ({"op": "PowerLoss"}, "unsupported op 'PowerLoss'"),
                                ({"op": "PlugIn", "connectorId": 0}, "connectorId must be 1")):
                with pytest.raises(ControllerError, match=words):
                    await controller.perform(step)
        with pytest.raises(ControllerError, match="cannot reach MicroOcppSimulator"):
            await MicroOcppController(fake.url, timeout=2).capabilities()
        with pytest.raises(ValueError, match="http://host:port"):
            MicroOcppController("ws://127.0.0.1:1")

    asyncio.run(main())


# --------------------------------------------------------------------------
# SAP e-mobility charging-stations-simulator


def sap(fake: FakeSapSimulator, **kwargs) -> SapController:
    kwargs.setdefault("basic_auth", ("admin", "secret"))
    return SapController(fake.url, **kwargs)


def station_requests(fake: FakeSapSimulator) -> list[tuple[str, dict]]:
    return [(p, {k: v for k, v in payload.items() if k != "hashIds"})
            for p, payload in fake.requests if p != "listChargingStations"]


def test_sap_capabilities_pick_the_station_and_exclude_the_lock():
    async def main():
        async with running(FakeSapSimulator(stations=("A", "B"))) as fake:
            controller = sap(fake, station="B")
            ops = await controller.capabilities()
            assert "SetUnlockFailure" not in ops and {"PlugIn", "Fault", "PowerLoss"} <= ops
            assert await controller.hash_id() == "hash-B"
            with pytest.raises(ControllerError, match=r"exactly one station expected, the "
                               r"simulator runs \['A', 'B'\]"):
                await sap(fake).capabilities()
            with pytest.raises(ControllerError, match="station 'C' expected"):
                await sap(fake, station="C").capabilities()
            await controller.close()

    asyncio.run(main())


def test_sap_status_steps_send_status_notifications():
    async def main():
        async with running(FakeSapSimulator()) as fake:
            controller = sap(fake)
            await controller.perform({"op": "PlugIn", "connectorId": 1})
            fake.stations["hash-SAP-SIM-1"]["connectors"][1]["transactionStarted"] = True
            await controller.perform({"op": "EVSuspend", "connectorId": 1})
            await controller.perform({"op": "Fault", "connectorId": 2, "errorCode": "GroundFailure"})
            await controller.perform({"op": "ClearFault", "connectorId": 2})
            assert station_requests(fake) == [
                ("statusNotification", {"connectorId": 1, "status": "Preparing", "errorCode": "NoError"}),
                ("statusNotification", {"connectorId": 1, "status": "SuspendedEV", "errorCode": "NoError"}),
                ("statusNotification", {"connectorId": 2, "status": "Faulted",
                                        "errorCode": "GroundFailure"}),
                ("statusNotification", {"connectorId": 2, "status": "Available", "errorCode": "NoError"}),
            ]
            assert all(payload["hashIds"] == ["hash-SAP-SIM-1"] for p, payload in fake.requests
                       if p == "statusNotification")
            await controller.close()

    asyncio.run(main())


def test_sap_present_id_tag_authorizes_starts_and_stops():
    async def main():
        async with running(FakeSapSimulator(accepted=("TAG1",))) as fake:
            controller = sap(fake)
            await controller.perform({"op": "PresentIdTag", "connectorId": 1, "idTag": "BAD"})
            assert station_requests(fake) == [("authorize", {"idTag": "BAD"})]
            await controller.perform({"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"})
            state = await controller.connector(1)
            assert state["transactionStarted"] and state["transactionIdTag"] == "TAG1"
            await controller.perform({"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG2"})
            await controller.perform({"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"})
            assert station_requests(fake)[1:] == [
                ("authorize", {"idTag": "TAG1"}),
                ("startTransaction", {"connectorId": 1, "idTag": "TAG1"}),
                ("authorize", {"idTag": "TAG2"}),
                ("stopTransaction", {"transactionId": 1, "idTag": "TAG1", "reason": "Local"})]
            await controller.close()

    asyncio.run(main())


def test_sap_a_card_on_an_inoperative_connector_is_refused_not_started():
    """The simulator's procedures send Authorize and StartTransaction whatever the connector's availability: a
    card on an Inoperative connector (ChangeAvailability) is refused by the controller (the step is skipped)."""
    async def main():
        async with running(FakeSapSimulator(accepted=("TAG1",))) as fake:
            controller = sap(fake)
            fake.stations["hash-SAP-SIM-1"]["connectors"][1]["availability"] = "Inoperative"
            with pytest.raises(ControllerError, match="Inoperative") as refused:
                await controller.perform({"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"})
            assert refused.value.refused and station_requests(fake) == []
            await controller.close()

    asyncio.run(main())


def test_sap_an_ev_suspend_or_resume_without_a_transaction_is_refused_not_reported():
    """The simulator has no EV: EVSuspend/EVResume only make it report SuspendedEV/Charging. Without a transaction
    that is a status the station is not in (sim-triage session 3, a false StatusNotReported): refused, skipped."""
    async def main():
        async with running(FakeSapSimulator()) as fake:
            controller = sap(fake)
            await controller.perform({"op": "PlugIn", "connectorId": 1})
            del fake.requests[:]
            for op in ("EVSuspend", "EVResume"):
                with pytest.raises(ControllerError, match="no transaction") as refused:
                    await controller.perform({"op": op, "connectorId": 1})
                assert refused.value.refused
            assert station_requests(fake) == []
            await controller.close()

    asyncio.run(main())


def test_sap_a_plug_in_into_a_running_transaction_reports_nothing():
    """A card started a transaction with no cable (the simulator has none); the cable then plugged in changes nothing
    it could report: no Preparing in the middle of Charging (sim-triage session 3, a false StatusNotReported)."""
    async def main():
        async with running(FakeSapSimulator()) as fake:
            controller = sap(fake)
            fake.stations["hash-SAP-SIM-1"]["connectors"][1]["transactionStarted"] = True
            del fake.requests[:]
            assert await controller.perform({"op": "PlugIn", "connectorId": 1}) == []
            assert station_requests(fake) == []
            await controller.close()

    asyncio.run(main())


def test_sap_a_step_while_the_stations_connection_is_closed_is_refused_and_nothing_buffered():
    """Offline the simulator keeps what a procedure sends and sends it after its next boot, in a later example
    (sim-triage G12): a cable, card or unplug while its OCPP connection is closed is refused, nothing is sent."""
    async def main():
        async with running(FakeSapSimulator()) as fake:
            controller = sap(fake)
            for off, on in (("NetworkDown", "NetworkUp"), ("PowerLoss", "PowerOn")):
                await controller.perform({"op": off})
                for step in ({"op": "PlugIn", "connectorId": 1}, {"op": "Unplug", "connectorId": 1},
                             {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"}):
                    with pytest.raises(ControllerError, match="connection is not open") as refused:
                        await controller.perform(step)
                    assert refused.value.refused
                await controller.perform({"op": on})
            assert [p for p, _ in station_requests(fake)] == [
                "closeConnection", "openConnection", "stopChargingStation", "startChargingStation"]
            await controller.perform({"op": "PlugIn", "connectorId": 1})
            assert "buffered" not in fake.stations["hash-SAP-SIM-1"]
            await controller.perform({"op": "NetworkDown"})
            with pytest.raises(ControllerError, match="WebSocket closed for buffered message"):
                await controller.station_request("statusNotification", {  # what the refusal keeps from happening
                    "connectorId": 1, "status": "Preparing", "errorCode": "NoError"})
            assert [p for p, _ in fake.stations["hash-SAP-SIM-1"]["buffered"]] == ["statusNotification"]
            await controller.close()

    asyncio.run(main())


def test_sap_a_cable_into_or_out_of_an_inoperative_connector_reports_nothing():
    """An Inoperative connector stays Unavailable whatever its cable does (§4.9): the controller's PlugIn would report
    Preparing (refused: skipped) and its Unplug Available (nothing sent), statuses the station is not in (sim-triage
    session 4, sap-s4-4: a false StatusNotReported). An Operative one still reports both."""
    async def main():
        async with running(FakeSapSimulator()) as fake:
            controller = sap(fake)
            connector = fake.stations["hash-SAP-SIM-1"]["connectors"][2]
            connector.update(availability="Inoperative", status="Unavailable")
            with pytest.raises(ControllerError, match="Inoperative") as refused:
                await controller.perform({"op": "PlugIn", "connectorId": 2})
            assert refused.value.refused
            assert await controller.perform({"op": "Unplug", "connectorId": 2}) == []
            assert station_requests(fake) == []
            connector.update(availability="Operative")
            await controller.perform({"op": "PlugIn", "connectorId": 2})
            await controller.perform({"op": "Unplug", "connectorId": 2})
            assert [payload["status"] for _, payload in station_requests(fake)] == ["Preparing", "Available"]
            await controller.close()

    asyncio.run(main())


def test_sap_unplug_stops_the_transaction_and_reports_available():
    async def main():
        async with running(FakeSapSimulator()) as fake:
            controller = sap(fake)
            await controller.perform({"op": "PresentIdTag", "connectorId": 2, "idTag": "TAG1"})
            del fake.requests[:]
            await controller.perform({"op": "Unplug", "connectorId": 2})
            assert station_requests(fake) == [
                ("stopTransaction", {"transactionId": 1, "reason": "EVDisconnected"}),
                ("statusNotification", {"connectorId": 2, "errorCode": "NoError",
                                        "status": "Available"})]
            del fake.requests[:]
            await controller.perform({"op": "Unplug", "connectorId": 2})
            assert station_requests(fake) == []  # already Available
            await controller.close()

    asyncio.run(main())


def test_sap_power_and_network_are_station_and_connection_procedures():
    async def main():
        async with running(FakeSapSimulator()) as fake:
            controller = sap(fake)
            for op in ("NetworkDown", "NetworkUp", "PowerLoss", "PowerOn"):
                await controller.perform({"op": op})
            assert [p for p, _ in station_requests(fake)] == [
                "closeConnection", "openConnection", "stopChargingStation", "startChargingStation"]
            await controller.close()

    asyncio.run(main())


def test_sap_authentication_both_ways():
    async def main():
        async with running(FakeSapSimulator(auth="basic-auth")) as fake:
            await sap(fake).capabilities()
            with pytest.raises(ControllerError, match="cannot reach the UI server"):
                await sap(fake, basic_auth=("admin", "wrong")).capabilities()
        async with running(FakeSapSimulator(auth=None)) as fake:
            await sap(fake, basic_auth=None).capabilities()
        async with running(FakeSapSimulator()) as fake:
            with pytest.raises(ControllerError, match="cannot reach the UI server"):
                await sap(fake, basic_auth=None).capabilities()

    asyncio.run(main())


def test_sap_refusals_and_failures():
    async def main():
        async with running(FakeSapSimulator()) as fake:
            controller = sap(fake)
            with pytest.raises(ControllerError, match="unsupported op 'SetUnlockFailure'"):
                await controller.perform({"op": "SetUnlockFailure", "connectorId": 1,
                                          "failing": True})
            with pytest.raises(ControllerError, match="has no connector 3"):
                await controller.perform({"op": "Unplug", "connectorId": 3})
            with pytest.raises(ControllerError, match="lockConnector failed: 'lockConnector' is "
                               "not implemented"):
                await controller.station_request("lockConnector", {"connectorId": 1})
            await controller.close()
        with pytest.raises(ControllerError, match="cannot reach the UI server"):
            await sap(fake).capabilities()
        with pytest.raises(ValueError, match="ws://host:port"):
            SapController("http://127.0.0.1:1")

    asyncio.run(main())


def test_sap_a_cable_into_or_out_of_a_reserved_connector_reports_nothing():
    """§4.9, §5.13 (sim-sap final1): the station puts the reservationId into StartTransaction only while its connector's
    own status is Reserved; a Preparing the controller made it report for a PlugIn overwrote that, and the reserved idTag's
    transaction then came without reservationId (a false ReservationIdMissingInStartTransaction). A cable into or out
    of a Reserved connector reports nothing (§4.9 lets it stay Reserved); into or out of an Available one, as before."""
    async def main():
        async with running(FakeSapSimulator()) as fake:
            controller = sap(fake)
            connector = fake.stations["hash-SAP-SIM-1"]["connectors"][2]
            connector.update(status="Reserved")
            del fake.requests[:]
            assert await controller.perform({"op": "PlugIn", "connectorId": 2}) == []
            assert await controller.perform({"op": "Unplug", "connectorId": 2}) == []
            assert station_requests(fake) == [] and connector["status"] == "Reserved"
            connector.update(status="Available")
            await controller.perform({"op": "PlugIn", "connectorId": 2})
            await controller.perform({"op": "Unplug", "connectorId": 2})
            assert [payload["status"] for _, payload in station_requests(fake)] == ["Preparing", "Available"]
            await controller.close()

    asyncio.run(main())
