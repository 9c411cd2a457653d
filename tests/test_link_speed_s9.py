"""Issue 16, the bundled charge point's link (session 9).

The bundled SUT keeps the last example's idle WebSocket open for the next example's charge point
(adapters/bundled.py ``_park``): the endpoint records and the model sees what a new connection gives (its
``disconnected`` and ``connected`` events, CALL ids starting again), and a seed records the same frames as with a
new connection for every example."""

from __future__ import annotations

import asyncio
import re
import tempfile
from pathlib import Path

from adapters.bundled import BundledSut
from adapters.chargepoint import wsclient
from properties.runner import FuzzConfig, fuzz


def dials(monkeypatch) -> list:
    """The connections opened by a real WebSocket handshake."""
    opened: list = []
    dial = wsclient.dial

    async def counted(*args, **kwargs):
        ws = await dial(*args, **kwargs)
        opened.append(ws)
        return ws

    monkeypatch.setattr(wsclient, "dial", counted)
    return opened


async def example(sut: BundledSut) -> list:
    """A fresh charge point, booted, then its Heartbeat (§4.6): the example's frames (time, direction, type, action,
    raw text, error, payload)."""
    await sut.fresh()
    await sut.start()
    await sut.advance(300)
    return [(f.time, f.direction, f.message_type, f.action, f.raw, f.error, f.payload)
            for f in sut.csms.frames[sut.example_start:]]


def test_the_next_example_gets_the_idle_connection_and_sees_a_new_one(monkeypatch):
    opened = dials(monkeypatch)

    async def main():
        sut = BundledSut()
        try:
            first = await example(sut)
            second = await example(sut)
            assert len(opened) == 1  # one handshake for both examples
            assert second == first  # the same events, CALL ids ("1" again: no §4.1.4 duplicate) and texts
            assert second[0][1:] == ("event", None, None, "", "connected",
                                     {"chargePointId": "CP001", "subprotocol": "ocpp1.6"})
            assert sut.csms.protocol_errors() == []
        finally:
            await sut.close()
        assert opened[0].state.name == "CLOSED"  # the session's end closes the kept connection

    asyncio.run(main())


def test_a_connection_not_idle_is_closed_and_the_next_example_dials_anew(monkeypatch):
    opened = dials(monkeypatch)

    async def main():
        sut = BundledSut()
        try:
            await example(sut)
            sut.csms._conn.unanswered.append("held")  # an answer of the endpoint still to go
            await example(sut)
            assert len(opened) == 2
            events = [f.error for f in sut.csms.frames if f.direction == "event"]
            assert events[-1] == "connected"
        finally:
            await sut.close()

    asyncio.run(main())


def test_the_memory_link_keeps_nothing(monkeypatch):
    async def main():
        sut = BundledSut(link="memory")
        try:
            await example(sut)
            await example(sut)
            assert sut._parked is None
        finally:
            await sut.close()

    asyncio.run(main())


def recorded(monkeypatch, keep: bool, hostile: bool, seed: int) -> list:
    """Every frame the endpoint recorded in a seeded run, with or without the connection kept."""
    import adapters.csms

    frames: list = []
    record = adapters.csms.CentralSystem._record

    def noted(self, *args, **kwargs):
        frame = record(self, *args, **kwargs)
        hostile_ids = re.compile(r'"h\d+"')  # properties/hostile.py numbers its frames on through the process
        frames.append((frame.seq, frame.time, frame.direction, frame.message_type, frame.action,
                       hostile_ids.sub('"h"', frame.raw), frame.error, hostile_ids.sub('"h"', repr(frame.payload))))
        return frame

    monkeypatch.setattr(adapters.csms.CentralSystem, "_record", noted)
    if not keep:
        monkeypatch.setattr(BundledSut, "_park", lambda self, ws: False)
    with tempfile.TemporaryDirectory() as tmp:
        fuzz(FuzzConfig(max_examples=12, seed=seed, shrink=False, findings_dir=Path(tmp), hostile=hostile))
    monkeypatch.undo()
    return frames


def test_a_seed_records_the_same_frames_with_the_connection_kept(monkeypatch):
    opened = dials(monkeypatch)
    kept = recorded(monkeypatch, True, False, 5)
    assert sum(1 for frame in kept if frame[6] == "connected") > len(opened) > 0  # some examples kept theirs
    assert recorded(monkeypatch, False, False, 5) == kept


def test_a_hostile_seed_records_the_same_frames_with_the_connection_kept(monkeypatch):
    assert recorded(monkeypatch, False, True, 6) == recorded(monkeypatch, True, True, 6)

