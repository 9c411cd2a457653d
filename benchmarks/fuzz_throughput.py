"""Fuzzing throughput against the bundled charge point, with two baselines.

Measured in one run, so the ratios compare like with like:

1. ocpp-verify fuzz steps/s against the bundled charge point over a real
   loopback WebSocket (virtual time);
2. raw websockets echo round trips/s on the same loopback;
3. Hypothesis's own steps/s on a trivial state machine.

Usage: python benchmarks/fuzz_throughput.py [--examples N]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test
from websockets.asyncio.client import connect
from websockets.asyncio.server import serve

from properties.runner import FuzzConfig, fuzz


def fuzz_steps_per_second(examples: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        report = fuzz(FuzzConfig(max_examples=examples, seed=1, findings_dir=Path(tmp)))
    if report.findings:
        raise SystemExit(f"the clean charge point gave findings: {[f.rule for f in report.findings]}")
    return report.steps_per_second, report.steps


async def _echo_round_trips(count: int) -> float:
    async def echo(ws):
        async for message in ws:
            await ws.send(message)

    async with serve(echo, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        async with connect(f"ws://127.0.0.1:{port}") as ws:
            started = time.perf_counter()
            for _ in range(count):
                await ws.send('[2,"1","Heartbeat",{}]')
                await ws.recv()
            return count / (time.perf_counter() - started)


class Trivial(RuleBasedStateMachine):
    steps = 0

    @rule(x=st.integers(0, 3))
    def step(self, x):
        Trivial.steps += 1


def hypothesis_steps_per_second(examples: int) -> float:
    Trivial.steps = 0
    started = time.perf_counter()
    run_state_machine_as_test(Trivial, settings=settings(
        max_examples=examples, stateful_step_count=25, database=None, deadline=None,
        suppress_health_check=list(HealthCheck)))
    return Trivial.steps / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=200)
    args = parser.parse_args()
    fuzz_rate, steps = fuzz_steps_per_second(args.examples)
    echo_rate = asyncio.run(_echo_round_trips(5000))
    trivial_rate = hypothesis_steps_per_second(args.examples)
    print(f"ocpp-verify fuzz (bundled CP, loopback): {fuzz_rate:10.0f} steps/s  ({steps} steps)")
    print(f"websockets echo round trips:             {echo_rate:10.0f} /s")
    print(f"hypothesis trivial machine:              {trivial_rate:10.0f} steps/s")
    print(f"fuzz / echo:        {fuzz_rate / echo_rate:.3f}")
    print(f"fuzz / hypothesis:  {fuzz_rate / trivial_rate:.3f}")


if __name__ == "__main__":
    main()
