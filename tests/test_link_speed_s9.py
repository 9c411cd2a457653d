"""Issue 16, the bundled charge point's link (session 9).

The bundled SUT keeps the last example's idle WebSocket open for the next example's charge point
(adapters/bundled.py ``_park``): the endpoint records and the model sees what a new connection gives (its
``disconnected`` and ``connected`` events, CALL ids starting again), and a seed records the same frames as with a
new connection for every example.

The charge point handles a message as it comes off the WebSocket when its reader waits (adapters/chargepoint/link.py
``_arrived``), by the same coroutine, in the same order: a handling that has to wait holds the next message back."""

from __future__ import annotations

import asyncio
import re
import tempfile
from pathlib import Path

from websockets.asyncio.server import serve

from adapters.bundled import BundledSut
from adapters.chargepoint import Settings, wsclient
from adapters.chargepoint.link import Link
from adapters.clock import VirtualClock
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


class Logged(Link):
    """A link that logs each message's handling and who ran it; "slow" waits for ``gate``."""

    def __init__(self, url: str):
        super().__init__("CP1", url, VirtualClock(), Settings())
        self.log: list = []
        self.gate: asyncio.Future | None = None

    async def route_message(self, raw_msg: str) -> None:
        self.log.append(("start", raw_msg, asyncio.current_task() is None))
        if raw_msg == "slow":
            self.gate = asyncio.get_running_loop().create_future()
            await self.gate
        self.log.append(("end", raw_msg))


def test_a_message_is_handled_as_it_comes_and_one_that_waits_holds_the_next_back():
    async def main():
        async def server(ws):
            await ws.recv()  # the reader waits
            for text in ("fast1", "slow", "fast2"):
                await ws.send(text)
            await ws.wait_closed()

        async with serve(server, "127.0.0.1", 0, ping_interval=None,
                         select_subprotocol=lambda connection, offered: "ocpp1.6") as endpoint:
            url = f"ws://127.0.0.1:{endpoint.sockets[0].getsockname()[1]}/CP1"
            ws = await wsclient.dial(url, ["ocpp1.6"])
            link = Logged(url)
            reader = asyncio.ensure_future(link._receive(ws))
            await asyncio.sleep(0)
            await ws.send("go")
            for _ in range(100):
                await asyncio.sleep(0)
            assert link.log == [("start", "fast1", True), ("end", "fast1"), ("start", "slow", True)]
            link.gate.set_result(None)
            for _ in range(100):
                await asyncio.sleep(0)
            assert link.log[3:] == [("end", "slow"), ("start", "fast2", False), ("end", "fast2")]
            assert link.exchanged[1] == 3
            await ws.close()
            await reader
            assert ws.on_message is None

    asyncio.run(main())
