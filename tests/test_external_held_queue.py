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


class HeldLong(HeldQueue):
    held = 6.0


@pytest.mark.parametrize(("fake_class", "connect_timeout", "reached"), [(HeldQueue, 3, True), (HeldLong, 1, False)])
def test_statuses_held_behind_an_unanswered_call_of_an_earlier_run_are_waited_for_up_to_connect_timeout(
        fake_class, connect_timeout, reached):
    """The statuses a trigger asked for come 1.5 s after the connection: within connect_timeout (3 s) fresh()
    reaches the preconditions; held for 6 s, longer than its waits (1 s each), it says that no StatusNotification
    came."""
    async def main():
        sut, fake = await open_with(fake_class, connect_timeout)
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


class QueuedTransaction(FakeChargePoint):
    """Answers the first TriggerMessage for StatusNotification with statuses and, 30 ms later, the StartTransaction and
    StopTransaction of a transaction it ran while its queue was held (MicroOcppSimulator after a lost answer,
    sim-triage mo-s4-2)."""

    flushed = False

    def on_TriggerMessage(self, payload):
        result, then = super().on_TriggerMessage(payload)
        if self.flushed or payload["requestedMessage"] != "StatusNotification":
            return result, then
        self.flushed = True

        async def statuses_then_transaction():
            await then
            await asyncio.sleep(0.03)
            answer = await self.call("StartTransaction", {"connectorId": 2, "idTag": "TAG2", "meterStart": 0,
                                                          "timestamp": "2026-12-07T07:05:40Z"})
            await self.call("StopTransaction", {"transactionId": answer["transactionId"], "meterStop": 5,
                                                "timestamp": "2026-12-07T07:05:50Z", "reason": "EVDisconnected"})
        return result, statuses_then_transaction()


def test_what_a_charge_point_held_back_comes_before_the_example_starts():
    """fresh() drains the queue (a trigger, then quiet) before it undoes and verifies: the earlier example's
    transaction that comes right behind the statuses is setup, not the next example's first frames."""
    async def main():
        sut, fake = await open_with(QueuedTransaction, 3)
        try:
            await sut.fresh()
            stops = [i for i, f in enumerate(sut.csms.frames) if f.action == "StopTransaction" and f.message_type == 2]
            assert stops and stops[-1] < sut.example_start
        finally:
            await fake.close()
            await sut.close()

    asyncio.run(main())
