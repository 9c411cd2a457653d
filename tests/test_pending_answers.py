"""A CALL answered after our timeout (OCPP-J 1.6 §4.1.1): pending, not a violation, until the
description's ``answer_limit`` passes (properties/harness.py, model/worlds.py).

Against a fake charge point over a real WebSocket, with a short ``call_timeout``.
"""

from __future__ import annotations

import asyncio

import attrs

from model import Options, initial_state
from properties.harness import Harness
from test_external import description, external


def slow(seconds: float, payload: dict | None):
    async def answer(unique_id):
        await asyncio.sleep(seconds)
        return payload
    return answer


def run(answer, answer_limit: float, then_wait: float = 0.6) -> list[list[str]]:
    """ClearCache answered by ``answer``, then a real wait: the rules broken at each step."""
    loop = asyncio.new_event_loop()
    context = external(description(timing={"call_timeout": 0.2, "quiet": 0.05, "connect_timeout": 5,
                                           "tolerance": 0.5}))
    sut, fake = loop.run_until_complete(context.__aenter__())
    try:
        fake.answers["ClearCache"] = answer
        harness = Harness(sut, loop, Options(), answer_limit=answer_limit)
        harness.state = attrs.evolve(initial_state(Options()), time=sut.clock.now())
        steps = [{"op": "ClearCache"}, {"op": "AdvanceTime", "seconds": then_wait}]
        return [[v.rule for v in harness.step(s)] for s in steps]
    finally:
        loop.run_until_complete(context.__aexit__(None, None, None))
        loop.close()


def test_a_late_answer_within_the_answer_limit_is_no_violation():
    assert run(slow(0.4, {"status": "Accepted"}), answer_limit=5) == [[], []]


def test_no_answer_within_the_answer_limit_is_no_valid_response():
    assert run(None, answer_limit=0.3) == [[], ["NoValidResponse"]]


def test_without_an_answer_limit_a_timeout_is_no_valid_response_at_once():
    assert run(None, answer_limit=0)[0] == ["NoValidResponse"]
