"""The in-memory link (adapters/memory.py, ``--link memory``) and the verdicts kept for examples' first
steps (properties/harness.py Prefixes): the two ways a fuzzing run goes faster without going otherwise.

tests/test_determinism.py checks that a seed gives the same run with and without them.
"""

from __future__ import annotations

import asyncio

import pytest
from websockets.exceptions import ConnectionClosed

from adapters.bundled import BundledSut
from adapters.memory import MemoryConnection, Request
from properties.cli import main
from properties.runner import FuzzConfig, Session


def pair() -> tuple[MemoryConnection, MemoryConnection]:
    return MemoryConnection.pair(Request("/CP1", MemoryConnection.headers(["ocpp1.6"])), "ocpp1.6")


def test_messages_arrive_in_order_and_a_close_ends_both_ends_after_what_was_sent():
    async def exchange():
        client, server = pair()
        for text in ("a", "b", "c"):
            await client.send(text)
        await client.close(1000, "bye")
        received = [message async for message in server]
        with pytest.raises(ConnectionClosed):
            await server.send("too late")
        return received, server.close_code, server.close_reason

    assert asyncio.run(exchange()) == (["a", "b", "c"], 1000, "bye")


def test_a_receiver_waiting_for_a_message_is_woken_by_it():
    async def exchange():
        client, server = pair()
        waiting = asyncio.ensure_future(server.recv())
        await asyncio.sleep(0)
        await client.send("hello")
        return await waiting

    assert asyncio.run(exchange()) == "hello"


def test_the_bundled_charge_point_boots_in_memory_without_a_socket():
    async def boot():
        sut = BundledSut(link="memory")
        try:
            await sut.start()
            events = [f.error for f in sut.csms.frames if f.direction == "event"]
            boots = [f for f in sut.csms.frames if f.action == "BootNotification" and f.message_type == 3]
            return sut.csms._server, events, boots[0].payload["status"], sut.cp.online
        finally:
            await sut.close()

    assert asyncio.run(boot()) == (None, ["connected"], "Accepted", True)


def test_the_handshake_checks_hold_in_memory():
    """No charge point identity in the URL: refused, and recorded, as over a WebSocket (OCPP-J §3.1.1)."""
    async def connect():
        sut = BundledSut(link="memory")
        await sut.open()
        with pytest.raises(ConnectionRefusedError):
            await sut.csms.open_in_memory("/", ["ocpp1.6"])
        return [f.error for f in sut.csms.frames]

    errors = asyncio.run(connect())
    assert len(errors) == 1 and "3.1.1" in errors[0]


def test_an_unknown_link_is_refused():
    with pytest.raises(ValueError, match="link must be one of"):
        BundledSut(link="carrier-pigeon")


def test_link_memory_is_for_the_bundled_charge_point_only(capsys, tmp_path):
    description = tmp_path / "cp.toml"
    description.write_text('[charge_point]\nid = "CP1"\nconnectors = 1\n')
    code = main(["fuzz", "--sut", "external", "--description", str(description), "--link", "memory"])
    err = capsys.readouterr().err
    assert code == 2 and "--link memory" in err and "Traceback" not in err


def test_a_boot_that_sees_otherwise_is_judged_again():
    """The verdict on a clean boot is kept; a charge point whose boot differs is not given it."""
    session = Session(FuzzConfig(link="memory"))
    try:
        assert session.fresh_harness().start() == ()
        kept = len(session.prefixes.known)
        assert session.fresh_harness().start() == () and len(session.prefixes.known) == kept
        session.loop.run_until_complete(session.sut.fresh(mutant="ConnectorZeroStatusNotReported"))
        found = session.fresh_harness().start()
        assert "ConnectorZeroStatusNotReported" in {v.rule for v in found}
    finally:
        session.close()
