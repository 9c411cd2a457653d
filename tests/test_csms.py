"""The Central System endpoint, driven by a raw WebSocket client."""

from __future__ import annotations

import asyncio
import json
import ssl
import subprocess
from contextlib import asynccontextmanager

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from adapters.clock import EPOCH, VirtualClock, iso
from adapters.csms import (
    CentralSystem, CsmsPolicy, Frame, request_violation, schema_violation,
)

BOOT = {"chargePointVendor": "Vendor", "chargePointModel": "Model"}
STATUS = {"connectorId": 1, "errorCode": "NoError", "status": "Available"}


@asynccontextmanager
async def endpoint(**kwargs):
    cs = CentralSystem(clock=kwargs.pop("clock", VirtualClock()), **kwargs)
    await cs.start()
    try:
        yield cs
    finally:
        await cs.stop()


def client(cs: CentralSystem, path: str = "/CP1", subprotocols=("ocpp1.6",), **kwargs):
    return connect(cs.url + path, subprotocols=list(subprotocols) if subprotocols else None,
                   **kwargs)


async def exchange(ws, message) -> list:
    """Send a CALL (a list, or raw text) and return the endpoint's answer."""
    await ws.send(message if isinstance(message, str) else json.dumps(message))
    return json.loads(await ws.recv())


async def roundtrip(ws, unique_id: str = "sync") -> None:
    """A Heartbeat round trip: every frame sent before it has been handled."""
    answer = await exchange(ws, [2, unique_id, "Heartbeat", {}])
    assert answer[0] == 3 and answer[1] == unique_id


async def until(predicate, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.001)


def inbound(cs: CentralSystem, unique_id: str | None = None) -> list[Frame]:
    return [f for f in cs.frames if f.direction == "cp->cs"
            and (unique_id is None or f.unique_id == unique_id)]


# ---- happy path


def test_boot_answered_and_frames_recorded_in_order_with_virtual_times():
    async def main():
        clock = VirtualClock()
        async with endpoint(clock=clock) as cs:
            assert not cs.connected and cs.idle
            async with client(cs) as ws:
                await cs.wait_connected(5)
                assert cs.connected and cs.charge_point_id == "CP1"
                clock.advance_to(EPOCH + 10)
                answer = await exchange(ws, [2, "b1", "BootNotification", BOOT])
                assert answer == [3, "b1", {"status": "Accepted", "interval": 300,
                                            "currentTime": iso(EPOCH + 10)}]
                clock.advance_to(EPOCH + 20)
                await roundtrip(ws)
                assert cs.idle
            await until(lambda: not cs.connected)
        kinds = [(f.direction, f.message_type, f.unique_id, f.action, f.error) for f in cs.frames]
        assert kinds == [
            ("event", None, None, None, "connected"),
            ("cp->cs", 2, "b1", "BootNotification", None),
            ("cs->cp", 3, "b1", "BootNotification", None),
            ("cp->cs", 2, "sync", "Heartbeat", None),
            ("cs->cp", 3, "sync", "Heartbeat", None),
            ("event", None, None, None, "disconnected"),
        ]
        assert [f.seq for f in cs.frames] == list(range(6))
        assert [f.time for f in cs.frames] == [EPOCH, EPOCH + 10, EPOCH + 10,
                                               EPOCH + 20, EPOCH + 20, EPOCH + 20]
        assert cs.frames[0].payload == {"chargePointId": "CP1", "subprotocol": "ocpp1.6"}
        assert cs.frames[1].payload == BOOT
        assert json.loads(cs.frames[2].raw) == [3, "b1", cs.frames[2].payload]
        assert type(cs.frames[-1].payload["code"]) is int and cs.frames[-1].payload["code"] == 1000
        assert cs.protocol_errors() == []

    asyncio.run(main())


def test_policy_answers():
    async def main():
        policy = CsmsPolicy(id_tags={"A": {"status": "Accepted", "parentIdTag": "P"},
                                     "B": {"status": "Blocked"}},
                            boot_status="Pending", heartbeat_interval=60,
                            next_transaction_id=7, data_transfer_status="Accepted")
        async with endpoint(policy=policy) as cs:
            async with client(cs) as ws:
                answers = [await exchange(ws, [2, str(n), action, payload])
                           for n, (action, payload) in enumerate(POLICY_CALLS)]
            assert cs.protocol_errors() == []
        results = [answer[2] for answer in answers]
        assert results == [
            {"status": "Pending", "currentTime": iso(EPOCH), "interval": 60},
            {"idTagInfo": {"status": "Accepted", "parentIdTag": "P"}},
            {"idTagInfo": {"status": "Blocked"}},
            {"idTagInfo": {"status": "Invalid"}},
            {"transactionId": 7, "idTagInfo": {"status": "Accepted", "parentIdTag": "P"}},
            {"transactionId": 8, "idTagInfo": {"status": "Invalid"}},
            {"idTagInfo": {"status": "Accepted", "parentIdTag": "P"}},
            {},
            {"currentTime": iso(EPOCH)},
            {"status": "Accepted"},
            {}, {}, {}, {},
        ]
        assert policy.next_transaction_id == 9
        for (action, _), result in zip(POLICY_CALLS, results):
            assert schema_violation(f"{action}Response", result) is None

    asyncio.run(main())


POLICY_CALLS = [
    ("BootNotification", BOOT),
    ("Authorize", {"idTag": "A"}),
    ("Authorize", {"idTag": "B"}),
    ("Authorize", {"idTag": "nobody"}),
    ("StartTransaction", {"connectorId": 1, "idTag": "A", "meterStart": 0,
                          "timestamp": iso(EPOCH)}),
    ("StartTransaction", {"connectorId": 2, "idTag": "C", "meterStart": 0,
                          "timestamp": iso(EPOCH)}),
    ("StopTransaction", {"transactionId": 7, "idTag": "A", "meterStop": 10,
                         "timestamp": iso(EPOCH)}),
    ("StopTransaction", {"transactionId": 8, "meterStop": 10, "timestamp": iso(EPOCH)}),
    ("Heartbeat", {}),
    ("DataTransfer", {"vendorId": "V"}),
    ("StatusNotification", STATUS),
    ("MeterValues", {"connectorId": 1, "meterValue": [
        {"timestamp": "2025-01-01T01:00:00+01:00", "sampledValue": [{"value": "1.5"}]}]}),
    ("DiagnosticsStatusNotification", {"status": "Idle"}),
    ("FirmwareStatusNotification", {"status": "Idle"}),
]


def test_fail_next_answers_internal_error_then_recovers():
    async def main():
        async with endpoint(policy=CsmsPolicy(fail_next={"Heartbeat": 2})) as cs:
            async with client(cs) as ws:
                first = await exchange(ws, [2, "h1", "Heartbeat", {}])
                boot = await exchange(ws, [2, "b1", "BootNotification", BOOT])
                second = await exchange(ws, [2, "h2", "Heartbeat", {}])
                third = await exchange(ws, [2, "h3", "Heartbeat", {}])
            assert cs.policy.fail_next == {"Heartbeat": 0}
            assert cs.protocol_errors() == []
        assert first[:3] == [4, "h1", "InternalError"] and first[4] == {}
        assert second[:3] == [4, "h2", "InternalError"]
        assert boot[0] == 3 and third[0] == 3
        reply = cs.frames[2]
        assert reply.direction == "cs->cp" and reply.message_type == 4
        assert reply.payload["errorCode"] == "InternalError" and reply.action == "Heartbeat"

    asyncio.run(main())


def test_null_payload_is_an_empty_payload():
    async def main():
        async with endpoint() as cs:
            async with client(cs) as ws:
                answer = await exchange(ws, '[2,"n","Heartbeat",null]')
            assert answer[0] == 3 and cs.protocol_errors() == []

    asyncio.run(main())


def test_a_1mb_valid_frame_is_answered():
    async def main():
        async with endpoint(policy=CsmsPolicy(data_transfer_status="Accepted")) as cs:
            async with client(cs, max_size=None) as ws:
                big = [2, "big", "DataTransfer", {"vendorId": "V", "data": "x" * 2**20}]
                assert await exchange(ws, big) == [3, "big", {"status": "Accepted"}]
            assert cs.protocol_errors() == []

    asyncio.run(main())


# ---- the harness's CALLs


async def answer_next(ws, reply) -> list:
    """Receive the endpoint's CALL and send ``reply(call)`` (a list or text)."""
    call = json.loads(await ws.recv())
    answer = reply(call)
    await ws.send(answer if isinstance(answer, str) else json.dumps(answer))
    return call


def test_call_result_and_error_outcomes_with_deterministic_ids():
    async def main():
        async with endpoint() as cs:
            async with client(cs) as ws:
                await cs.wait_connected(5)
                task = asyncio.create_task(
                    answer_next(ws, lambda c: [3, c[1], {"status": "Accepted"}]))
                outcome = await cs.call("Reset", {"type": "Soft"}, timeout=5)
                assert await task == [2, "1", "Reset", {"type": "Soft"}]
                assert (outcome.kind, outcome.payload) == ("result", {"status": "Accepted"})

                task = asyncio.create_task(answer_next(
                    ws, lambda c: [4, c[1], "NotSupported", "no", {}]))
                outcome = await cs.call("ClearCache", {}, timeout=5)
                assert (await task)[1] == "2"
                assert (outcome.kind, outcome.error_code, outcome.error_description) == (
                    "error", "NotSupported", "no")
            assert cs.protocol_errors() == []
        calls = [f for f in cs.frames if f.direction == "cs->cp"]
        assert [(f.unique_id, f.action, f.payload) for f in calls] == [
            ("1", "Reset", {"type": "Soft"}), ("2", "ClearCache", {})]
        answers = inbound(cs)
        assert [(f.message_type, f.action) for f in answers] == [(3, "Reset"), (4, "ClearCache")]
        assert answers[1].payload == {"errorCode": "NotSupported", "errorDescription": "no",
                                      "errorDetails": {}}

    asyncio.run(main())


def test_call_timeout_then_late_answer_is_recorded_and_a_second_answer_is_a_violation():
    async def main():
        async with endpoint() as cs:
            async with client(cs) as ws:
                await cs.wait_connected(5)
                outcome = await cs.call("Reset", {"type": "Hard"}, timeout=0.05)
                assert outcome.kind == "timeout"
                call = json.loads(await ws.recv())
                await ws.send(json.dumps([3, call[1], {"status": "Accepted"}]))
                await ws.send(json.dumps([3, call[1], {"status": "Accepted"}]))
                await roundtrip(ws)
        late, again = inbound(cs, "1")
        assert (late.action, late.error) == ("Reset", None)
        assert again.action == "Reset" and again.error.startswith("OCPP-J 1.6 §4.1.4: ")
        assert "already answered" in again.error
        assert cs.protocol_errors() == [again]

    asyncio.run(main())


def test_call_offline_without_a_charge_point_and_when_the_connection_drops():
    async def main():
        async with endpoint() as cs:
            assert (await cs.call("ClearCache", {}, timeout=5)).kind == "offline"
            async with client(cs) as ws:
                await cs.wait_connected(5)
                task = asyncio.create_task(cs.call("ClearCache", {}, timeout=30))
                await ws.recv()
                await ws.close()
                assert (await task).kind == "offline"
            assert (await cs.call("ClearCache", {}, timeout=5)).kind == "offline"

    asyncio.run(main())


def test_call_rejects_invalid_requests_from_the_harness():
    async def main():
        async with endpoint() as cs:
            with pytest.raises(ValueError, match="Reset request violates"):
                await cs.call("Reset", {"type": "Sideways"}, timeout=1)
            with pytest.raises(ValueError, match="not a Central System initiated"):
                await cs.call("BootNotification", BOOT, timeout=1)
            assert cs.frames == []

    asyncio.run(main())
    assert request_violation("RemoteStartTransaction", {"idTag": "A", "chargingProfile": {
        "chargingProfileId": 1, "stackLevel": 0, "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Absolute", "chargingSchedule": {
            "chargingRateUnit": "A", "chargingSchedulePeriod": [
                {"startPeriod": 0, "limit": 21.4}]}}}) is None
    assert "date-time" in request_violation("ReserveNow", {
        "connectorId": 1, "expiryDate": "tomorrow", "idTag": "A", "reservationId": 1})


def test_bad_answers_to_our_calls_are_recorded():
    async def main():
        async with endpoint() as cs:
            async with client(cs) as ws:
                await cs.wait_connected(5)
                for reply in BAD_ANSWERS:
                    task = asyncio.create_task(answer_next(ws, reply))
                    await cs.call("Reset", {"type": "Soft"}, timeout=5)
                    await task
                await roundtrip(ws)
        errors = [f.error for f in inbound(cs) if f.message_type in (3, 4)]
        assert all(error and error.startswith("OCPP-J 1.6 §4.2.") for error in errors)
        assert ["ResetResponse.json" in errors[0], "[3, \"<UniqueId>\"" in errors[1],
                "Table 7" in errors[2], "errorDetails must be a JSON object" in errors[3],
                "errorDescription must be a string" in errors[4],
                "a CALLERROR is" in errors[5]] == [True] * 6
        assert len(cs.protocol_errors()) == 6

    asyncio.run(main())


BAD_ANSWERS = [
    lambda c: [3, c[1], {"status": "Maybe"}],
    lambda c: [3, c[1], {"status": "Accepted"}, "extra"],
    lambda c: [4, c[1], "Oops", "", {}],
    lambda c: [4, c[1], "GenericError", "", "details"],
    lambda c: [4, c[1], "GenericError", None, {}],
    lambda c: [4, c[1], "GenericError", ""],
]


# ---- malformed frames from the charge point

MALFORMED = [
    # (raw frame, section, CALLERROR code or None when nothing can be answered)
    ("not json", "4.1.2", None),
    ('{"a": 1}', "4.2", None),
    ("[]", "4.2", None),
    ('[7, "x"]', "4.1.3", None),
    ('["2", "x", "Heartbeat", {}]', "4.1.3", None),
    ('[true, "x", "Heartbeat", {}]', "4.1.3", None),
    ('[2, "x", "Heartbeat"]', "4.2.1", "FormationViolation"),
    ('[2, 5, "Heartbeat", {}]', "4.1.4", None),
    ('[2, "%s", "Heartbeat", {}]' % ("u" * 37), "4.1.4", "FormationViolation"),
    ('[2, "x", 7, {}]', "4.2.1", "FormationViolation"),
    ('[2, "x", "Heartbeat", []]', "4.2.1", "FormationViolation"),
    ('[2, "x", "Fly", {}]', "4.2.3", "NotImplemented"),
    ('[2, "x", "Reset", {"type": "Hard"}]', "4.2.3", "NotSupported"),
    ('[2, "x", "Heartbeat", {"x": 1}]', "4.2.3", "FormationViolation"),
    ('[2, "x", "BootNotification", {"chargePointVendor": "V"}]', "4.2.3", "ProtocolError"),
    ('[2, "x", "StatusNotification", {"connectorId": "1", "errorCode": "NoError", '
     '"status": "Available"}]', "4.2.3", "TypeConstraintViolation"),
    ('[2, "x", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", '
     '"status": "Bogus"}]', "4.2.3", "PropertyConstraintViolation"),
    ('[2, "x", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", '
     '"status": "Available", "timestamp": "yesterday"}]', "4.2.3", "PropertyConstraintViolation"),
    ('[2, "x", "Authorize", {"idTag": "%s"}]' % ("t" * 21), "4.2.3", "TypeConstraintViolation"),
    ('[2, "x", "MeterValues", {"connectorId": 1, "meterValue": []}]', "4.2.3",
     "OccurenceConstraintViolation"),
    ('[3, "nope", {}]', "4.1.4", None),
    ('[4, "nope", "GenericError", "", {}]', "4.1.4", None),
    ('[3, 12, {}]', "4.1.4", None),
    ("x" * 2**20, "4.1.2", None),
]


@pytest.mark.parametrize("raw, section, code", MALFORMED,
                         ids=[f"{n}-{case[1]}" for n, case in enumerate(MALFORMED)])
def test_malformed_frames_are_recorded_and_the_endpoint_keeps_serving(raw, section, code):
    async def main():
        async with endpoint() as cs:
            async with client(cs) as ws:
                await ws.send(raw)
                if code is not None:
                    answer = json.loads(await ws.recv())
                    assert answer[0] == 4 and answer[2] == code and answer[4] == {}
                    assert answer[3].startswith(f"OCPP-J 1.6 §{section}: ")
                await roundtrip(ws)
        [bad] = cs.protocol_errors()
        assert bad.direction == "cp->cs" and bad.raw == raw
        assert bad.error.startswith(f"OCPP-J 1.6 §{section}: ")
        replies = [f for f in cs.frames if f.direction == "cs->cp" and f.message_type == 4]
        assert [f.payload["errorCode"] for f in replies] == ([code] if code else [])

    asyncio.run(main())


def test_binary_frame_is_recorded():
    async def main():
        async with endpoint() as cs:
            async with client(cs) as ws:
                await ws.send(b'[2, "x", "Heartbeat", {}]')
                await roundtrip(ws)
        [bad] = cs.protocol_errors()
        assert bad.error.startswith("OCPP-J 1.6 §4.1.2: binary") and bad.raw.startswith("[2,")

    asyncio.run(main())


def test_deeply_nested_json_is_recorded():
    async def main():
        async with endpoint() as cs:
            async with client(cs) as ws:
                await ws.send("[" * 100_000 + "]" * 100_000)
                await roundtrip(ws)
        [bad] = cs.protocol_errors()
        assert bad.error.startswith("OCPP-J 1.6 §4.1.2: JSON nested too deeply")

    asyncio.run(main())


@pytest.mark.parametrize("data, error, code", [
    (b'[2, "x", "Heartbeat", {"\xff": 1}]',
     "OCPP-J 1.6 §4.1.2: a text frame is not valid UTF-8", 1007),
    (b"[" + b" " * (16 * 2**20) + b"]", "a message is larger than 16777216 bytes", 1009),
])
def test_frames_the_websocket_layer_refuses_are_recorded(data, error, code):
    async def main():
        async with endpoint() as cs:
            async with client(cs, max_size=None) as ws:
                await ws.send(data, text=True)
                with pytest.raises(ConnectionClosed):
                    await ws.recv()
            await until(lambda: cs.frames[-1].error == "disconnected")
        [bad] = cs.protocol_errors()
        assert bad.direction == "cp->cs" and bad.error.startswith(error)
        assert f"({code})" in bad.error

    asyncio.run(main())


def test_duplicate_unique_id_gets_a_callerror():
    async def main():
        async with endpoint() as cs:
            async with client(cs) as ws:
                assert (await exchange(ws, [2, "d", "Heartbeat", {}]))[0] == 3
                answer = await exchange(ws, [2, "d", "Heartbeat", {}])
                assert answer[:3] == [4, "d", "GenericError"]
                await roundtrip(ws)
        [bad] = cs.protocol_errors()
        assert bad.error.startswith("OCPP-J 1.6 §4.1.4: ") and "already used" in bad.error

    asyncio.run(main())


def test_second_call_while_one_is_unanswered_is_recorded_and_both_are_answered():
    async def main():
        async with endpoint() as cs:
            async with client(cs) as ws:
                await ws.send(json.dumps([2, "p1", "Heartbeat", {}]))
                await ws.send(json.dumps([2, "p2", "StatusNotification", STATUS]))
                first, second = json.loads(await ws.recv()), json.loads(await ws.recv())
                assert (first[:2], second) == ([3, "p1"], [3, "p2", {}])
        [bad] = cs.protocol_errors()
        assert bad.unique_id == "p2" and bad.error.startswith("OCPP-J 1.6 §4.1.1: ")
        assert "'p1'" in bad.error

    asyncio.run(main())


class WatchingPolicy(CsmsPolicy):
    """Looks at ``cs.idle`` just after a CALL was taken in, before it is answered."""

    def __init__(self, seen: list, **kwargs):
        super().__init__(**kwargs)
        self.seen = seen
        self.cs = None

    def answer(self, action, payload, now):
        asyncio.get_running_loop().call_soon(lambda: self.seen.append(self.cs.idle))
        return super().answer(action, payload, now)


def test_idle_is_false_while_an_answer_is_pending():
    async def main():
        seen = []
        policy = WatchingPolicy(seen)
        async with endpoint(policy=policy) as cs:
            policy.cs = cs
            async with client(cs) as ws:
                await roundtrip(ws)
                assert cs.idle
        assert seen == [False]

    asyncio.run(main())


# ---- connections


def test_a_new_connection_replaces_the_old_one():
    async def main():
        async with endpoint() as cs:
            async with client(cs, "/CP1") as first:
                await cs.wait_connected(5)
                async with client(cs, "/ocpp/CP%202") as second:
                    with pytest.raises(ConnectionClosed):
                        await first.recv()
                    await roundtrip(second)
                    assert cs.charge_point_id == "CP 2" and cs.connected
        events = [(f.error, f.payload["chargePointId"]) for f in cs.frames if f.is_event]
        assert events == [("connected", "CP1"), ("disconnected", "CP1"),
                          ("connected", "CP 2"), ("disconnected", "CP 2")]
        assert cs.protocol_errors() == []

    asyncio.run(main())


def test_connection_without_ocpp16_subprotocol_is_closed_and_recorded():
    async def main():
        async with endpoint() as cs:
            async with client(cs, subprotocols=None) as ws:
                with pytest.raises(ConnectionClosed):
                    await ws.recv()
                assert ws.subprotocol is None and ws.close_code == 1002
            with pytest.raises(TimeoutError):
                await cs.wait_connected(0.01)
        assert [f.error for f in cs.frames][0::2] == ["connected", "disconnected"]
        [bad] = cs.protocol_errors()
        assert bad.is_event and bad.error.startswith("OCPP-J 1.6 §3.2: ")

    asyncio.run(main())


def test_url_without_identity_is_rejected():
    async def main():
        async with endpoint() as cs:
            with pytest.raises(InvalidStatus) as rejected:
                async with client(cs, "/"):
                    pass
            assert rejected.value.response.status_code == 404
        [bad] = cs.protocol_errors()
        assert bad.error.startswith("OCPP-J 1.6 §3.1.1: ")

    asyncio.run(main())


def test_stop_disconnects_the_charge_point():
    async def main():
        cs = CentralSystem(clock=VirtualClock())
        await cs.start()
        async with client(cs) as ws:
            await cs.wait_connected(5)
            await cs.stop()
            with pytest.raises(ConnectionClosed):
                await ws.recv()
        assert cs.frames[-1].error == "disconnected" and not cs.connected
        assert (await cs.call("ClearCache", {}, timeout=1)).kind == "offline"

    asyncio.run(main())


def test_http_basic_authentication():
    async def main():
        async with endpoint(basic_auth={"CP1": "secret"}) as cs:
            for url in ("/CP1", "/CP2"):
                with pytest.raises(InvalidStatus) as rejected:
                    async with client(cs, url, additional_headers={
                            "Authorization": "Basic Q1AxOndyb25n"}):  # CP1:wrong
                        pass
                assert rejected.value.response.status_code == 401
            host = cs.url.removeprefix("ws://")
            async with connect(f"ws://CP1:secret@{host}/CP1", subprotocols=["ocpp1.6"]) as ws:
                await roundtrip(ws)
        errors = [f.error for f in cs.protocol_errors()]
        assert len(errors) == 2 and all(e.startswith("OCPP-J 1.6 §6.2.2: ") for e in errors)
        assert "wrong password" in errors[0] and "not the charge point identity" in errors[1]

    asyncio.run(main())


def test_tls(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    trusting = ssl.create_default_context(cafile=str(cert))

    async def main():
        async with endpoint(ssl_context=server) as cs:
            assert cs.url.startswith("wss://127.0.0.1:")
            async with client(cs, ssl=trusting) as ws:
                await roundtrip(ws)

    asyncio.run(main())
