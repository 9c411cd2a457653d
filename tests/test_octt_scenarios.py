"""Every OCTT scenario of the catalogue, against the bundled charge point, through the fuzzing harness.

A scenario the bundled charge point cannot run (a feature profile it does not
support yet, or an OCTT prerequisite such as a fixed cable) is skipped with the
reason; every other one must pass its OCTT validations and the model.
"""

import pytest

from properties.octt.catalogue import SCENARIOS
from properties.octt.runner import run_scenario
from properties.runner import FuzzConfig, Session


@pytest.fixture(scope="module")
def session():
    session = Session(FuzzConfig())
    yield session
    session.close()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_octt_scenario(scenario, session):
    features = frozenset(session.sut.features)
    result = run_scenario(scenario, session.new_harness(), session.capabilities, features)
    if result.result == "not automatable":
        pytest.skip(result.detail)
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
