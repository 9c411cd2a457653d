"""The bundled charge point's WebSocket client (adapters/chargepoint/wsclient.py, issue 16): websockets' own
protocol on an asyncio transport, without the asyncio connection around it. It must meet the endpoint as
``websockets.asyncio.client.connect`` did: the same frames recorded for the same seed, the same handshake
refusals, the same close codes for what RFC 6455 makes it refuse."""

from __future__ import annotations

import asyncio
import re
import tempfile
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed, ConnectionClosedError, InvalidHandshake

import adapters.chargepoint.link as link
from adapters.chargepoint import wsclient
from properties.runner import FuzzConfig, fuzz


async def websockets_connect(url: str, subprotocols: list[str]):
    """What the charge point dialled before: websockets' asyncio client."""
    return await connect(url, subprotocols=subprotocols, proxy=None, ping_interval=None, compression=None,
                         close_timeout=2)


def recorded_frames(monkeypatch, dial) -> list:
    """Every frame the endpoint recorded in a seeded run (time, direction, type, action, raw text, error)."""
    import adapters.csms

    frames: list = []
    record = adapters.csms.CentralSystem._record

    def keep(self, *args, **kwargs):
        frame = record(self, *args, **kwargs)
        hostile_ids = re.compile(r'"h\d+"')  # properties/hostile.py numbers its frames on through the process
        frames.append((frame.time, frame.direction, frame.message_type, frame.action,
                       hostile_ids.sub('"h"', frame.raw), frame.error, hostile_ids.sub('"h"', repr(frame.payload))))
        return frame

    monkeypatch.setattr(adapters.csms.CentralSystem, "_record", keep)
    monkeypatch.setattr(link.wsclient, "dial", dial)
    with tempfile.TemporaryDirectory() as tmp:
        fuzz(FuzzConfig(max_examples=12, seed=3, shrink=False, findings_dir=Path(tmp), hostile=True))
    monkeypatch.undo()
    return frames


def test_a_seed_records_the_same_frames_as_with_websockets_own_client(monkeypatch):
    ours = recorded_frames(monkeypatch, wsclient.dial)
    assert len(ours) > 200
    assert any(direction == "event" and error == "disconnected" for _, direction, _, _, _, error, _ in ours)
    assert recorded_frames(monkeypatch, websockets_connect) == ours


async def _server(handler, **kwargs):
    return await serve(handler, "127.0.0.1", 0, ping_interval=None, **kwargs)


def _url(server, path: str = "/CP1") -> str:
    return f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}{path}"


def test_messages_both_ways_and_a_close_from_the_server_ends_the_iteration_quietly():
    async def main():
        async def handler(ws):
            async for message in ws:
                await ws.send(message.upper())
                if message == "bye":
                    await ws.close(1001, "going")

        server = await _server(handler, select_subprotocol=lambda connection, offered: "ocpp1.6")
        async with server:
            ws = await wsclient.dial(_url(server), ["ocpp1.6"])
            assert ws.subprotocol == "ocpp1.6"
            for text in ("a", "b", "bye"):
                await ws.send(text)
            received = [message async for message in ws]
            with pytest.raises(ConnectionClosed):
                await ws.send("too late")
            return received, ws.close_code, ws.close_reason

    assert asyncio.run(main()) == (["A", "B", "BYE"], 1001, "going")


def test_a_close_from_the_client_is_a_closing_handshake():
    async def main():
        codes = []

        async def handler(ws):
            async for _ in ws:
                pass
            codes.append((ws.close_code, ws.close_reason))

        async with await _server(handler) as server:
            ws = await wsclient.dial(_url(server), ["ocpp1.6"])
            await ws.close(1000, "done")
            await ws.close()  # idempotent
            await asyncio.sleep(0.05)
            return codes, ws.close_code

    assert asyncio.run(main()) == ([(1000, "done")], 1000)


@pytest.mark.parametrize("data, code", [(b'["\xff"]', 1007), ("x" * (2**20 + 1), 1009)], ids=["not-utf8", "too-big"])
def test_what_rfc_6455_makes_the_client_refuse_closes_as_websockets_does(data, code):
    async def main(dial):
        seen = []

        async def handler(ws):
            if isinstance(data, bytes):  # a text frame that is not UTF-8
                await ws.send(data, text=True)
            else:
                await ws.send(data)
            with pytest.raises(ConnectionClosedError):
                async for _ in ws:
                    pass
            seen.append(ws.close_code)

        async with await _server(handler, max_size=None) as server:
            ws = await dial(_url(server), ["ocpp1.6"])
            with pytest.raises(ConnectionClosedError):
                async for _ in ws:
                    pass
            await asyncio.sleep(0.05)
            return seen

    assert asyncio.run(main(wsclient.dial)) == asyncio.run(main(websockets_connect)) == [code]


def test_a_refused_handshake_and_no_server_raise_what_the_charge_point_catches():
    async def main():
        async def refuse(connection, request):
            return connection.respond(404, "no\n")

        async with await _server(lambda ws: None, process_request=refuse) as server:
            with pytest.raises(InvalidHandshake):
                await wsclient.dial(_url(server), ["ocpp1.6"])
            port = server.sockets[0].getsockname()[1]
        with pytest.raises(OSError):
            await wsclient.dial(f"ws://127.0.0.1:{port}/CP1", ["ocpp1.6"])

    asyncio.run(main())


def test_messages_encoded_once_read_as_ocpp_and_the_endpoint_wrote_them():
    """link._ENCODER and csms._ENCODER (made once) give the text of ocpp's to_json and of json.dumps."""
    import json
    from decimal import Decimal

    from ocpp.messages import Call, CallResult

    import adapters.csms

    payloads = [{}, {"connectorId": 1, "idTag": "TAG1", "limit": Decimal("10.1"), "x": [1.5, None, True]},
                {"text": "é \u2028 \"quoted\"", "nested": {"a": [{"b": 2}]}}]
    for payload in payloads:
        assert link._ENCODER.encode([2, "7", "Heartbeat", payload]) == Call("7", "Heartbeat", payload).to_json()
        assert link._ENCODER.encode([3, "7", payload]) == CallResult("7", payload).to_json()
    for message in ([2, "1", "X", payloads[2]], [3, "2", {"v": 1.25, "n": float("nan")}], [4, "x", "E", "d", {}]):
        assert adapters.csms._dumps(message) == json.dumps(message, separators=(",", ":"), ensure_ascii=False)
