"""Step-level minimization of shrunk findings (properties/minimize.py)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, strategies as st

from adapters.chargepoint.mutants import MUTANTS
from properties.minimize import minimal_steps, possible
from properties.runner import Finding, FuzzConfig, Session


def needs(*wanted):
    """Fails when the wanted steps appear in this order (other steps in between are fine)."""
    def fails(steps):
        it = iter(steps)
        return all(any(s == w for s in it) for w in wanted)
    return fails


def test_a_step_whose_absence_breaks_the_machines_guards_stays():
    plug, unplug = {"op": "PlugIn", "connectorId": 1}, {"op": "Unplug", "connectorId": 1}
    steps = [plug, unplug, plug, {"op": "Marker"}]  # the failure needs two PlugIn: the Unplug between stays
    assert minimal_steps(steps, needs(plug, plug, {"op": "Marker"})) == steps
    assert not possible([plug, plug]) and not possible([unplug]) and not possible([{"op": "PowerOn"}])
    assert not possible([{"op": "PowerLoss"}, {"op": "PresentIdTag", "connectorId": 1, "idTag": "T"}])
    assert possible([{"op": "PowerLoss"}, {"op": "PowerOn"}, plug, unplug, {"op": "Fault", "connectorId": 2},
                     {"op": "ClearFault", "connectorId": 2}])


def test_superfluous_steps_go_and_the_order_stays():
    steps = ["x", "a", "y", "z", "b", "c", "q"]
    assert minimal_steps(steps, needs("a", "b", "c")) == ["a", "b", "c"]


@given(st.lists(st.sampled_from("abcdxyz"), max_size=20), st.lists(st.sampled_from("abcd"), min_size=1, max_size=3))
def test_the_result_still_fails_and_no_single_step_can_go(noise, wanted):
    fails = needs(*wanted)
    steps = noise + wanted + noise
    result = minimal_steps(steps, fails)
    assert fails(result)
    assert not any(fails(result[:i] + result[i + 1:]) for i in range(len(result)))


def test_the_replay_budget_bounds_the_work():
    calls = []

    def fails(steps):
        calls.append(steps)
        return "a" in steps

    assert len(minimal_steps(list("bcdefghijklmnopqrstuvwxyza"), fails, max_replays=3)) > 1
    assert len(calls) == 3


def test_a_finding_loses_the_steps_its_failure_does_not_need(tmp_path: Path):
    """SoftResetReportsHardReset (OCPP 1.6 §5.14) with steps it does not need around its minimal trace."""
    mutant = "SoftResetReportsHardReset"
    minimal = MUTANTS[mutant].minimal_trace
    padded = [{"op": "ClearCache"}, *minimal[:2], {"op": "GetConfiguration"}, *minimal[2:]]
    session = Session(FuzzConfig(mutant=mutant, findings_dir=tmp_path))
    try:
        violations, count = session.replay_steps(padded)
        assert count == len(padded) and violations
        finding = Finding(tmp_path / "f.json", violations, padded)
        session.minimize(finding)
    finally:
        session.close()
    assert finding.trace == minimal
    assert (tmp_path / "f.json").exists()
