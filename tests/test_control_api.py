"""The control API server (adapters/control.py) and its client (adapters/controllers.py)."""

from __future__ import annotations

import asyncio
import json
from contextlib import asynccontextmanager

import pytest

from adapters.clock import EPOCH, RealClock, VirtualClock
from adapters.control import PHYSICAL_OPS, ControlServer, step_problem
from adapters.controllers import ControllerError, HttpController


class FakeChargePoint:
    """A target with every optional part: capabilities, state, a virtual clock."""

    capabilities = frozenset(PHYSICAL_OPS) | {"SetIdTag"}

    def __init__(self):
        self.clock = VirtualClock()
        self.steps: list[dict] = []

    async def perform(self, step: dict) -> None:
        if step.get("errorCode") == "Bogus":
            raise ValueError("unknown errorCode 'Bogus'")
        if step["op"] == "PowerOn" and any(s["op"] == "PowerOn" for s in self.steps):
            raise RuntimeError("already powered")
        self.steps.append(step)

    def state(self) -> dict:
        return {"steps": len(self.steps), "now": self.clock.now(),
                "plugged": {s["connectorId"] for s in self.steps if s["op"] == "PlugIn"}}

    async def advance(self, seconds: float) -> None:
        self.clock.advance_to(self.clock.now() + seconds)


class BareChargePoint:
    """A target with only ``perform``."""

    def __init__(self):
        self.steps: list[dict] = []

    async def perform(self, step: dict) -> None:
        self.steps.append(step)


class RealTimeChargePoint(FakeChargePoint):
    def __init__(self):
        super().__init__()
        self.clock = RealClock()

    async def state(self) -> dict:
        return {"steps": len(self.steps)}


@asynccontextmanager
async def control(target):
    server = ControlServer(target)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def http(server: ControlServer, method: str, path: str, body: bytes | str | None = None,
               headers: str = "") -> tuple[int, dict, object]:
    """One raw HTTP/1.1 request; (status, headers, JSON body)."""
    reader, writer = await asyncio.open_connection(server.host, server.port)
    data = body.encode() if isinstance(body, str) else (body or b"")
    writer.write(f"{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{headers}"
                 f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
    response = await reader.read()
    writer.close()
    head, _, content = response.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    fields = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), fields, json.loads(content)


# ---- server endpoints


def test_health_capabilities_state():
    async def main():
        target = FakeChargePoint()
        async with control(target) as server:
            assert server.url == f"http://127.0.0.1:{server.port}"
            assert (await http(server, "GET", "/health"))[::2] == (200, {"ok": True})
            status, headers, caps = await http(server, "GET", "/capabilities")
            assert status == 200 and headers["Content-Type"] == "application/json"
            assert caps == {"ops": sorted(target.capabilities), "state": True, "clock": True}
            target.steps.append({"op": "PlugIn", "connectorId": 2})
            assert (await http(server, "GET", "/state?x=1"))[::2] == (
                200, {"steps": 1, "now": EPOCH, "plugged": [2]})

    asyncio.run(main())


def test_actions_are_performed_in_order():
    async def main():
        target = FakeChargePoint()
        async with control(target) as server:
            steps = [{"op": "PlugIn", "connectorId": 1},
                     {"op": "PresentIdTag", "connectorId": 1, "idTag": "ABC"},
                     {"op": "Fault", "connectorId": 1, "errorCode": "GroundFailure"},
                     {"op": "Fault", "connectorId": 1},
                     {"op": "SetUnlockFailure", "connectorId": 1, "failing": True},
                     {"op": "NetworkDown"},
                     {"op": "SetIdTag", "idTag": "A", "status": "Accepted"}]
            for step in steps:
                assert (await http(server, "POST", "/actions", json.dumps(step)))[::2] == (
                    200, {"ok": True})
        assert target.steps == steps

    asyncio.run(main())


BAD_STEPS = [
    ("{not json", "not valid JSON"),
    ("", "not valid JSON"),
    ("[1]", "a step is a JSON object"),
    ('{"connectorId": 1}', "no \"op\" string"),
    ('{"op": "Teleport"}', "unsupported op 'Teleport'"),
    ('{"op": "PlugIn"}', "PlugIn needs 'connectorId'"),
    ('{"op": "PlugIn", "connectorId": "1"}', "'connectorId' must be an integer"),
    ('{"op": "PlugIn", "connectorId": true}', "'connectorId' must be an integer"),
    ('{"op": "PlugIn", "connectorId": 0}', "connectorId must be 1 or more"),
    ('{"op": "PlugIn", "connectorId": 1, "speed": 3}', "PlugIn takes no 'speed'"),
    ('{"op": "PresentIdTag", "connectorId": 1, "idTag": ""}', "1 to 20 characters"),
    ('{"op": "SetUnlockFailure", "connectorId": 1, "failing": 1}', "must be true or false"),
    ('{"op": "Fault", "connectorId": 1, "errorCode": "Bogus"}', "unknown errorCode 'Bogus'"),
]


@pytest.mark.parametrize("body, message", BAD_STEPS)
def test_bad_steps_are_refused_with_400(body, message):
    async def main():
        target = FakeChargePoint()
        async with control(target) as server:
            status, _, answer = await http(server, "POST", "/actions", body)
        assert status == 400 and message in answer["error"]
        assert target.steps == []

    asyncio.run(main())


def test_a_failing_target_answers_500_and_the_server_keeps_serving():
    async def main():
        async with control(FakeChargePoint()) as server:
            assert (await http(server, "POST", "/actions", '{"op": "PowerOn"}'))[0] == 200
            status, _, answer = await http(server, "POST", "/actions", '{"op": "PowerOn"}')
            assert status == 500 and answer == {"error": "RuntimeError: already powered"}
            assert (await http(server, "GET", "/health"))[0] == 200

    asyncio.run(main())


def test_clock_advance():
    async def main():
        target = FakeChargePoint()
        async with control(target) as server:
            assert (await http(server, "POST", "/clock/advance", '{"seconds": 90.5}'))[::2] == (
                200, {"ok": True})
            assert target.clock.now() == EPOCH + 90.5
            for bad in ('{"seconds": -1}', '{"seconds": "5"}', '{}', '[5]', '{"seconds": true}'):
                status, _, answer = await http(server, "POST", "/clock/advance", bad)
                assert status == 400 and "seconds" in answer["error"]
            assert target.clock.now() == EPOCH + 90.5

    asyncio.run(main())


def test_a_bare_target_has_no_state_and_no_clock():
    async def main():
        target = BareChargePoint()
        async with control(target) as server:
            caps = (await http(server, "GET", "/capabilities"))[2]
            assert caps == {"ops": sorted(PHYSICAL_OPS), "state": False, "clock": False}
            assert (await http(server, "GET", "/state"))[0] == 404
            assert (await http(server, "POST", "/clock/advance", '{"seconds": 1}'))[0] == 404
            status, _, answer = await http(server, "POST", "/actions", '{"op": "SetIdTag"}')
            assert status == 400 and "unsupported op" in answer["error"]

    asyncio.run(main())


def test_a_real_time_target_has_no_clock_endpoint_and_may_report_state_asynchronously():
    async def main():
        async with control(RealTimeChargePoint()) as server:
            assert (await http(server, "GET", "/capabilities"))[2]["clock"] is False
            assert (await http(server, "POST", "/clock/advance", '{"seconds": 1}'))[0] == 404
            assert (await http(server, "GET", "/state"))[::2] == (200, {"steps": 0})

    asyncio.run(main())


def test_http_errors():
    async def main():
        async with control(FakeChargePoint()) as server:
            assert (await http(server, "GET", "/nowhere"))[0] == 404
            status, headers, _ = await http(server, "GET", "/actions")
            assert status == 405 and headers["Allow"] == "POST"
            status, _, _ = await http(server, "POST", "/actions", "",
                                      headers="Transfer-Encoding: chunked\r\n")
            assert status == 411
            reader, writer = await asyncio.open_connection(server.host, server.port)
            writer.write(b"POST /actions HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n")
            assert (await reader.read()).startswith(b"HTTP/1.1 413 ")
            writer.close()
            reader, writer = await asyncio.open_connection(server.host, server.port)
            writer.write(b"NONSENSE\r\n\r\n")
            assert (await reader.read()).startswith(b"HTTP/1.1 400 ")
            writer.close()
            reader, writer = await asyncio.open_connection(server.host, server.port)
            writer.write(b"GET /health HTTP/1.1\r\nX: " + b"y" * 20000 + b"\r\n\r\n")
            assert (await reader.read()).startswith(b"HTTP/1.1 413 ")
            writer.close()
            assert (await http(server, "GET", "/health"))[0] == 200

    asyncio.run(main())


def test_keep_alive_serves_several_requests_on_one_connection():
    async def main():
        async with control(FakeChargePoint()) as server:
            reader, writer = await asyncio.open_connection(server.host, server.port)
            for _ in range(3):
                writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
                head = await reader.readuntil(b"\r\n\r\n")
                assert head.startswith(b"HTTP/1.1 200 ") and b"Connection: keep-alive" in head
                assert await reader.readexactly(12) == b'{"ok": true}'
            writer.close()

    asyncio.run(main())


def test_stop_closes_idle_keep_alive_connections():
    async def main():
        server = ControlServer(FakeChargePoint())
        await server.start()
        reader, writer = await asyncio.open_connection(server.host, server.port)
        writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        await reader.readuntil(b"\r\n\r\n")
        await server.stop()
        assert await reader.read() == b'{"ok": true}'
        writer.close()

    asyncio.run(main())


def test_a_target_listing_no_ops_supports_none():
    async def main():
        target = BareChargePoint()
        target.capabilities = frozenset()
        async with control(target) as server:
            assert (await http(server, "GET", "/capabilities"))[2]["ops"] == []
            status, _, answer = await http(server, "POST", "/actions", '{"op": "PowerLoss"}')
            assert status == 400 and "unsupported op" in answer["error"]

    asyncio.run(main())


def test_step_problem_is_none_for_valid_steps():
    assert step_problem({"op": "PowerLoss"}, PHYSICAL_OPS) is None
    assert step_problem({"op": "AdvanceTime", "seconds": 5}, {"AdvanceTime"}) is None


# ---- HttpController


def test_http_controller_round_trip():
    async def main():
        target = FakeChargePoint()
        async with control(target) as server:
            controller = HttpController(server.url + "/")
            assert await controller.health()
            assert await controller.capabilities() == target.capabilities
            await controller.perform({"op": "PlugIn", "connectorId": 1})
            await controller.advance(30)
            assert await controller.state() == {"steps": 1, "now": EPOCH + 30, "plugged": [1]}
            with pytest.raises(ControllerError) as refused:
                await controller.perform({"op": "PlugIn", "connectorId": 0})
            assert refused.value.status == 400
            assert "HTTP 400: PlugIn: connectorId must be 1 or more" in str(refused.value)
        assert target.steps == [{"op": "PlugIn", "connectorId": 1}]

    asyncio.run(main())


def test_http_controller_errors():
    async def main():
        async with control(BareChargePoint()) as server:
            controller = HttpController(server.url)
            with pytest.raises(ControllerError) as missing:
                await controller.advance(1)
            assert missing.value.status == 404
            prefixed = HttpController(server.url + "/vendor/api")
            with pytest.raises(ControllerError, match="HTTP 404: no endpoint /vendor/api/actions"):
                await prefixed.perform({"op": "PowerLoss"})
        down = HttpController(server.url, timeout=5)
        with pytest.raises(ControllerError, match="cannot reach the control API") as unreachable:
            await down.perform({"op": "PowerLoss"})
        assert unreachable.value.status is None
        assert not await down.health()

    asyncio.run(main())


def test_http_controller_rejects_non_http_urls():
    for url in ("https://example.com", "ws://127.0.0.1:1", "127.0.0.1:8080"):
        with pytest.raises(ValueError):
            HttpController(url)


def test_http_controller_reports_bad_answers_and_timeouts():
    answers = {"/junk/state": b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
               "/caps/capabilities": b'HTTP/1.1 200 OK\r\n\r\n{"ops": "PlugIn"}',
               "/garbled/state": b"SMTP ready\r\n\r\n"}

    async def fake_server(reader, writer):
        request_line = (await reader.readuntil(b"\r\n\r\n")).split(b"\r\n")[0]
        answer = answers.get(request_line.split(b" ")[1].decode())
        if answer is None:  # never answers
            await reader.read()
        else:
            writer.write(answer)
        writer.close()

    async def main():
        server = await asyncio.start_server(fake_server, "127.0.0.1", 0)
        base = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        try:
            with pytest.raises(ControllerError, match="answer is not JSON") as junk:
                await HttpController(base + "/junk").state()
            assert junk.value.status == 200
            with pytest.raises(ControllerError, match='no "ops" list'):
                await HttpController(base + "/caps").capabilities()
            with pytest.raises(ControllerError, match="malformed status line"):
                await HttpController(base + "/garbled").state()
            with pytest.raises(ControllerError, match="no answer within 0.05 s"):
                await HttpController(base + "/silent", timeout=0.05).perform({"op": "PowerOn"})
        finally:
            server.close()

    asyncio.run(main())


def test_the_control_api_performs_set_local_list_failure_on_the_bundled_charge_point():
    """OCTT TC_043_3_CS: a Local Authorization List that cannot be stored makes SendLocalList Failed.
    The target is ``ocpp-verify simulate``'s (properties/simulate.py)."""
    from adapters.bundled import BundledSut
    from properties.simulate import SimulatedChargePoint

    send = {"listVersion": 1, "updateType": "Full", "localAuthorizationList": [
        {"idTag": "TAG1", "idTagInfo": {"status": "Accepted"}}]}

    async def main():
        sut = BundledSut()
        await sut.start()
        try:
            async with control(SimulatedChargePoint(sut.cp, sut.csms.url)) as server:
                controller = HttpController(server.url)
                assert "SetLocalListFailure" in await controller.capabilities()
                await controller.perform({"op": "SetLocalListFailure", "failing": True})
                failed = await sut.perform({"op": "SendLocalList", **send})
                await controller.perform({"op": "SetLocalListFailure", "failing": False})
                stored = await sut.perform({"op": "SendLocalList", **send})
        finally:
            await sut.close()
        return failed.payload, stored.payload

    assert asyncio.run(main()) == ({"status": "Failed"}, {"status": "Accepted"})
