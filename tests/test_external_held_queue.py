"""A charge point whose CALLs wait behind one that an earlier run's endpoint left unanswered (sim-triage session 4:
MicroOcppSimulator after mo-s3-1), against a fake charge point over a real WebSocket."""

from __future__ import annotations

import asyncio

import pytest

from adapters.external import ExternalSut, PreconditionError
from test_external import FakeChargePoint, description

TIMING = {"quiet": 0.05, "tolerance": 0.3, "call_timeout": 1, "connect_timeout": 3, "settle_limit": 2}


class HeldQueue(FakeChargePoint):
    """Sends no CALL until ``held`` seconds after it connected: its Heartbeat of the connection before was never
    answered, and it waits for that CALL's own timeout (OCPP-J §4.1.1: "implementation-dependent"; MicroOcpp 40 s).
    It answers the Central System's CALLs meanwhile, a TriggerMessage for StatusNotification Accepted."""

    held = 1.5

    async def connect(self, boot: bool | None = None) -> None:
        self.free_at = asyncio.get_running_loop().time() + self.held
        await super().connect(boot=False)

    async def call(self, action: str, payload: dict) -> dict | None:
        await asyncio.sleep(max(0.0, self.free_at - asyncio.get_running_loop().time()))
        return await super().call(action, payload)


async def open_with(fake_class, connect_timeout: float) -> tuple[ExternalSut, FakeChargePoint]:
    sut = ExternalSut(description(timing=TIMING | {"connect_timeout": connect_timeout}))
    opening = asyncio.create_task(sut.open())
    while sut.csms is None or sut.csms._server is None:
        await asyncio.sleep(0.005)
    fake = fake_class(sut.csms.url)
    await fake.connect()
    await opening
    return sut, fake


@pytest.mark.parametrize(("connect_timeout", "reached"), [(3, True), (1, False)])
def test_statuses_held_behind_an_unanswered_call_of_an_earlier_run_are_waited_for_up_to_connect_timeout(
        connect_timeout, reached):
    """The statuses a trigger asked for come 1.5 s after the connection: within connect_timeout (3 s) fresh()
    reaches the preconditions; with connect_timeout 1 s it says that no StatusNotification came."""
    async def main():
        sut, fake = await open_with(HeldQueue, connect_timeout)
        try:
            if reached:
                await sut.fresh()
                assert {1, 2} <= sut.observed.status.keys()
            else:
                with pytest.raises(PreconditionError, match="no StatusNotification seen"):
                    await sut.fresh()
        finally:
            await fake.close()
            await sut.close()

    asyncio.run(main())
