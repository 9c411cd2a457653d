"""``ocpp-verify simulate``: the bundled charge point against a Central System, driven over HTTP."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from adapters.clock import RealClock
from adapters.control import PHYSICAL_OPS
from adapters.controllers import ControllerError, HttpController
from adapters.csms import CentralSystem, CsmsPolicy
from properties.simulate import SimulateError, split_csms_url

ROOT = Path(__file__).resolve().parent.parent
WAIT = 10.0  # the longest any bounded wait may take (seconds); never asserted on
POLL = 0.02


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "properties.cli", "simulate", *args]


@asynccontextmanager
async def central_system(**id_tags):
    cs = CentralSystem("127.0.0.1", 0, RealClock(), CsmsPolicy(
        id_tags={tag: {"status": status} for tag, status in id_tags.items()}))
    await cs.start()
    try:
        yield cs
    finally:
        await cs.stop()


@asynccontextmanager
async def simulator(*args: str):
    """The running ``simulate`` subprocess and its control URL; killed if the test fails."""
    proc = await asyncio.create_subprocess_exec(
        *command(*args), cwd=ROOT, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    try:
        line = (await asyncio.wait_for(proc.stdout.readline(), WAIT)).decode()
        assert line.startswith("control API: http://127.0.0.1:"), line
        yield proc, line.split(": ", 1)[1].strip()
    finally:
        if proc.returncode is None:
            try:
                os.kill(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            await proc.wait()


async def stop(proc, signum=signal.SIGTERM) -> tuple[int, str]:
    """Send ``signum`` to the process by its pid; (exit code, stderr)."""
    os.kill(proc.pid, signum)
    _, err = await asyncio.wait_for(proc.communicate(), WAIT)
    return proc.returncode, err.decode()


async def frame(cs: CentralSystem, action: str, start: int = 0):
    """The first CALL ``action`` from the charge point at or after frame ``start``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while True:
        for f in cs.frames[start:]:
            if f.direction == "cp->cs" and f.message_type == 2 and f.action == action:
                return f
        if loop.time() > deadline:
            seen = [(f.direction, f.action, f.error) for f in cs.frames]
            raise AssertionError(f"no {action} within {WAIT} s; frames: {seen}")
        await asyncio.sleep(POLL)


async def transaction_in_state(controller: HttpController, connector_id: int) -> dict:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while True:
        state = await controller.state()
        connector = state["connectors"][connector_id]
        if connector["transactionId"] is not None or loop.time() > deadline:
            return state
        await asyncio.sleep(POLL)


def test_simulate_runs_the_charge_point_against_a_central_system():
    async def main():
        async with central_system(TAG1="Accepted") as cs:
            async with simulator("--csms", f"{cs.url}/CP1", "--control-port", "0") as (proc, url):
                boot = await frame(cs, "BootNotification")
                assert cs.charge_point_id == "CP1"
                assert boot.payload["chargePointVendor"] == "ocpp-verify"
                controller = HttpController(url)
                assert await controller.health()
                assert await controller.capabilities() == frozenset(PHYSICAL_OPS)

                mark = len(cs.frames)
                await controller.perform({"op": "PlugIn", "connectorId": 1})
                await controller.perform({"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"})
                authorize = await frame(cs, "Authorize", mark)
                start = await frame(cs, "StartTransaction", mark)
                assert authorize.payload == {"idTag": "TAG1"}
                assert start.payload["connectorId"] == 1 and start.payload["idTag"] == "TAG1"

                state = await transaction_in_state(controller, 1)
                assert state["chargePointId"] == "CP1" and state["powered"] and state["online"]
                assert state["connectors"][1]["plugged"] is True
                assert state["connectors"][1]["transactionId"] == 1
                assert [(t["connectorId"], t["idTag"]) for t in state["transactions"]] == [(1, "TAG1")]

                with pytest.raises(ControllerError) as refused:  # the charge point's ValueError
                    await controller.perform({"op": "PlugIn", "connectorId": 3})
                assert refused.value.status == 400
                with pytest.raises(ControllerError) as no_clock:  # real time
                    await controller.advance(10)
                assert no_clock.value.status == 404

                code, err = await stop(proc, signal.SIGTERM)
                assert code == 0, err
                assert "Traceback" not in err
                assert cs.frames[-1].error == "disconnected"  # the charge point closed the link

    asyncio.run(main())


def test_simulate_mutant_with_a_store_and_sigint(tmp_path):
    """NoAuthorizeForUnknownIdTag starts for a card the Central System does not know."""
    store = tmp_path / "cp.json"

    async def main():
        async with central_system() as cs:
            async with simulator("--csms", f"{cs.url}/ocpp/CP2", "--mutant",
                                 "NoAuthorizeForUnknownIdTag", "--connectors", "1",
                                 "--fixed-cable", "--store", str(store)) as (proc, url):
                await frame(cs, "BootNotification")
                assert cs.charge_point_id == "CP2"
                controller = HttpController(url)
                mark = len(cs.frames)
                await controller.perform({"op": "PlugIn", "connectorId": 1})
                await controller.perform({"op": "PresentIdTag", "connectorId": 1,
                                          "idTag": "NOBODY"})
                start = await frame(cs, "StartTransaction", mark)
                assert start.payload["idTag"] == "NOBODY"
                assert not any(f.action == "Authorize" for f in cs.frames[mark:])
                state = await controller.state()
                assert state["mutant"] == "NoAuthorizeForUnknownIdTag"
                assert len(state["connectors"]) == 2  # connector 0 and the one connector
                code, err = await stop(proc, signal.SIGINT)
                assert code == 0, err
                assert "Traceback" not in err

    asyncio.run(main())
    saved = json.loads(store.read_text())
    assert saved["configuration"] and saved["next_transaction"] == 2, saved
    assert saved["cache"]["NOBODY"] == {"status": "Invalid"}  # from StartTransaction.conf


def test_unknown_mutant_is_a_usage_error():
    result = subprocess.run(command("--csms", "ws://127.0.0.1:9/CP1", "--mutant", "NoSuchBug"),
                            cwd=ROOT, capture_output=True, text=True, timeout=WAIT)
    assert result.returncode == 2
    assert "unknown mutant 'NoSuchBug'" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize("url, words", [
    ("http://127.0.0.1:9000/CP1", "ws://HOST:PORT/ID"),
    ("ws://127.0.0.1:9000/", "ends without a chargePointId"),
    ("ws://127.0.0.1:notaport/CP1", "not a valid URL"),
])
def test_bad_csms_url_is_a_usage_error(url, words):
    result = subprocess.run(command("--csms", url), cwd=ROOT, capture_output=True, text=True,
                            timeout=WAIT)
    assert result.returncode == 2
    assert words in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_split_csms_url():
    assert split_csms_url("ws://127.0.0.1:9000/CP001") == ("ws://127.0.0.1:9000", "CP001")
    assert split_csms_url("wss://csms.example/ocpp/16/CP%201") == (
        "wss://csms.example/ocpp/16", "CP%201")
    for bad in ("ws://host:9000", "ws://host/CP1?x=1", "tcp://host/CP1", "ws:///CP1"):
        with pytest.raises(SimulateError):
            split_csms_url(bad)


def test_reconnect_interval_is_the_charge_points_and_must_be_positive():
    from properties.simulate import build

    assert build("ws://127.0.0.1:9/CP1", reconnect_interval=0.25).cp.settings.reconnect_interval == 0.25
    assert build("ws://127.0.0.1:9/CP1").cp.settings.reconnect_interval == 10.0
    for bad in (0, -1, float("inf")):
        with pytest.raises(SimulateError, match="--reconnect-interval must be a number of seconds > 0"):
            build("ws://127.0.0.1:9/CP1", reconnect_interval=bad)
