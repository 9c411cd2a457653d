"""Every OCTT scenario of the catalogue, against the bundled charge point, through the fuzzing harness.

Each scenario runs on a bundled charge point built to meet its OCTT prerequisites
(properties/octt/suite.py bundled_build: a fixed cable, back-up power, a feature
profile left out), and must pass its OCTT validations and the model.
"""

import pytest

import attrs

from properties.octt.catalogue import SCENARIOS
from properties.octt.runner import run_scenario
from properties.octt.suite import bundled_build
from properties.runner import FuzzConfig, Session


@pytest.fixture(scope="module")
def sessions():
    built: dict[tuple, Session] = {}
    yield built
    for session in built.values():
        session.close()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_octt_scenario(scenario, sessions):
    build = bundled_build(scenario.id)
    if build not in sessions:
        sessions[build] = Session(attrs.evolve(FuzzConfig(), **dict(build)))
    session = sessions[build]
    features = frozenset(session.sut.features)
    result = run_scenario(scenario, session.new_harness(), session.capabilities, features)
    assert result.result == "passed", result.detail


def test_a_mutant_fails_its_octt_case():
    """TC_016_CS (Soft Reset With Transaction) catches a wrong stop reason."""
    session = Session(FuzzConfig(mutant="SoftResetReportsHardReset"))
    try:
        scenario = next(s for s in SCENARIOS if s.id == "TC_016_CS")
        result = run_scenario(scenario, session.new_harness(), session.capabilities, frozenset(session.sut.features))
    finally:
        session.close()
    assert result.result == "failed" and "SoftReset" in result.detail
