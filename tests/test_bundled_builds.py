"""Builds of the bundled charge point that OCTT prerequisites ask for (properties/octt/suite.py)."""

from __future__ import annotations

import asyncio

from adapters.bundled import BundledSut
from adapters.chargepoint.settings import Settings

ACCEPT = [{"op": "SetIdTag", "idTag": tag, "status": "Accepted"} for tag in ("TAG1", "TAG2")]


def run(settings: Settings, trace: list[dict]):
    async def go():
        sut = BundledSut(settings=settings)
        try:
            await sut.start()
            for step in trace:
                await sut.perform(step)
            return list(sut.csms.frames[sut.example_start:])
        finally:
            await sut.close()
    return asyncio.run(go())


def sent(frames, action: str) -> list[dict]:
    return [f.payload for f in frames if f.direction == "cp->cs" and f.message_type == 2 and f.action == action]


def test_one_reader_gives_a_card_to_the_connector_waiting_for_one():
    """One Reader for Multiple Connectors: the card is read once; the charge point picks connector 2,
    where an EV waits, not the connector the step names (1, busy with TAG1)."""
    frames = run(Settings(one_reader=True), ACCEPT + [
        {"op": "PlugIn", "connectorId": 1}, {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"},
        {"op": "PlugIn", "connectorId": 2}, {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG2"},
        {"op": "PresentIdTag", "connectorId": 2, "idTag": "TAG1"}])
    starts = sent(frames, "StartTransaction")
    assert [(s["connectorId"], s["idTag"]) for s in starts] == [(1, "TAG1"), (2, "TAG2")]
    assert [s.get("idTag") for s in sent(frames, "StopTransaction")] == ["TAG1"]


def test_one_reader_off_uses_the_named_connector():
    frames = run(Settings(), ACCEPT + [
        {"op": "PlugIn", "connectorId": 1}, {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"},
        {"op": "PlugIn", "connectorId": 2}, {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG2"}])
    assert [s["connectorId"] for s in sent(frames, "StartTransaction")] == [1]


def test_backup_power_stops_transactions_before_going_down_octt_tc_032_1():
    frames = run(Settings(power_loss="before-down"), ACCEPT + [
        {"op": "PlugIn", "connectorId": 1}, {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"},
        {"op": "PowerLoss"}])
    stop = next(i for i, f in enumerate(frames) if f.action == "StopTransaction" and f.message_type == 2)
    down = next(i for i, f in enumerate(frames) if f.direction == "event" and f.error == "disconnected")
    assert frames[stop].payload["reason"] == "PowerLoss" and stop < down
