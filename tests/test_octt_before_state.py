"""An OCTT case whose "Before" configuration state the charge point refuses (a read-only key) is not automatable,
not failed (sim-triage session 4: TC_005_1_CS on MicroOcppSimulator, whose UnlockConnectorOnEVSideDisconnect is
read-only false, errata 3.83: a fixed cable). Against a fake charge point over a real WebSocket."""

from __future__ import annotations

from properties.octt.catalogue import csms, response, tc
from properties.octt.runner import run_scenario
from test_external import description
from test_external_lifecycle import FAST, judging


def case(key: str, value: str):
    return tc("TC_T_CS", "Before state", "Before state", csms("ClearCache", response(status="Accepted")),
              configuration=[(key, value)])


def test_octt_a_before_configuration_the_charge_point_rejects_makes_the_case_not_automatable():
    with judging(description(timing=FAST)) as (harness, sut, fake, run):
        refused = run_scenario(case("NumberOfConnectors", "3"), harness, frozenset(), sut.features)
        assert (refused.result, refused.detail) == (
            "not automatable", "Before state: ChangeConfiguration NumberOfConnectors = '3' was answered Rejected")
        accepted = run_scenario(case("ConnectionTimeOut", "20"), harness, frozenset(), sut.features)
        assert accepted.result == "passed", accepted.detail
