"""The OCTT ConnectionTimeOut cases need a charge point that senses its cable (prerequisite ``cable-sensed``), the
second-card cases one that decides itself what a card does (``card-logic``).

OCPP 1.6 §9.1.6 ConnectionTimeOut, as amended by errata v4.0 3.76/3.87: "Interval from beginning of status:
'Preparing' until incipient session is automatically canceled, due to failure of EV driver to (correctly) insert
the charging cable connector(s) into the appropriate socket(s)"; §3.6: a "Transaction starts at the point that all
conditions for charging are met, for instance, EV is connected to Charge Point and user has been authorized".

The SAP simulator has no cable or EV model (controller kind ``sap``, ``ControllerKind.cable`` False, the model's
``Options.cable_sensed``): a card or a RemoteStartTransaction starts its transaction at once and it never reads its
ConnectionTimeOut key, so there is no incipient session to cancel. TC_004_2_CS and TC_011_2_CS failed on it
(sim-sap octt1-octt4: "missing StatusNotification(status='Available')", a transaction running instead) without a
deviation from those clauses: they are not automatable there. A charge point that senses its cable and does not
time out is still failed by them. The same holds for the EV side disconnect cases TC_005_1_CS..TC_005_3_CS (§4.10,
§9.1.23, §9.1.33: the charge point acts "when the cable is disconnected at the EV"): on a charge point that senses
its cable they still run (the bundled one passes them, tests/test_octt_scenarios.py; the model's judgement of them is
in tests/test_model_core.py).
"""

from __future__ import annotations

import pytest

from adapters.bundled import BundledSut
from adapters.chargepoint.charge_point import ChargePoint
from adapters.control import PHYSICAL_OPS
from adapters.external import ExternalSut
from properties.octt.catalogue import by_id
from properties.octt.runner import blockers, run_scenario
from properties.runner import FuzzConfig, Session
from test_external import description

TIMEOUT_CASES = ("TC_004_2_CS", "TC_011_2_CS")
EV_SIDE_CASES = ("TC_005_1_CS", "TC_005_2_CS", "TC_005_3_CS")
OPS = frozenset(PHYSICAL_OPS) | {"SetIdTag", "AdvanceTime"}
CONTROLLERS = {"sap": {"kind": "sap", "url": "ws://127.0.0.1:1"},
               "http": {"kind": "http", "url": "http://127.0.0.1:1"},
               "microocpp": {"kind": "microocpp", "url": "http://127.0.0.1:1"},
               "none": {"kind": "none"}}


def test_octt_9_1_6_connection_timeout_cases_not_automatable_on_a_charge_point_that_senses_no_cable():
    """§9.1.6 (errata 3.87), §3.6: the false alarm of sim-sap octt1-octt4 (TC_004_2_CS, TC_011_2_CS failed on SAP)."""
    sap = ExternalSut(description(controller=CONTROLLERS["sap"]), None)
    assert "cable-sensed" not in sap.features
    for case in TIMEOUT_CASES:
        assert blockers(by_id(case), OPS, sap.features) == ["prerequisite cable-sensed"]
    assert "prerequisite cable-sensed" in blockers(by_id("TC_061_CS"), OPS, sap.features)
    # §4.10, §9.1.23, §9.1.33: an EV side disconnect needs a charge point that senses the cable (on SAP the controller's
    # Unplug stops the transaction and reports Available whatever StopTransactionOnEVSideDisconnect says)
    for case in EV_SIDE_CASES:
        assert "prerequisite cable-sensed" in blockers(by_id(case), OPS, sap.features)
    # the cases where the cable comes after the card still run on it (their start is carried to the PlugIn step)
    for case in ("TC_004_1_CS", "TC_011_1_CS", "TC_003_CS"):
        assert blockers(by_id(case), OPS, sap.features) == []


@pytest.mark.parametrize("kind", ["http", "microocpp", "none"])
def test_octt_9_1_6_connection_timeout_cases_run_on_a_charge_point_that_senses_its_cable(kind):
    sut = ExternalSut(description(controller=CONTROLLERS[kind]), None)
    assert "cable-sensed" in sut.features
    for case in (*TIMEOUT_CASES, *EV_SIDE_CASES):
        assert blockers(by_id(case), OPS, sut.features) == []
    assert "cable-sensed" in BundledSut().features


@pytest.mark.parametrize("case", TIMEOUT_CASES)
def test_octt_9_1_6_a_charge_point_that_senses_its_cable_and_never_times_out_still_fails(case):
    """The true deviation is still caught: the bundled charge point (it senses its cable) with the mutant that
    leaves the connector Preparing after ConnectionTimeOut fails both cases; without it they pass."""
    for mutant, expected in (("NoAvailableAfterConnectionTimeOut", "failed"), (None, "passed")):
        session = Session(FuzzConfig(mutant=mutant))
        try:
            result = run_scenario(by_id(case), session.new_harness(), session.capabilities,
                                  frozenset(session.sut.features))
        finally:
            session.close()
        assert result.result == expected, (mutant, result.detail)
        if mutant:
            assert "Available" in result.detail


CARD_CASES = ("TC_068_CS", "TC_069_CS")


def test_octt_3_10_second_card_cases_not_automatable_when_the_controller_decides_what_a_card_does():
    """§3.10 (another token of the group may stop the transaction), OCTT TC_068_CS/TC_069_CS: the SAP simulator has no
    card logic (its authorize/startTransaction/stopTransaction procedures are sent as told); our controller's mapping
    made both verdicts on it (sim-sap octt1-octt5r). Not automatable with kind sap; run for the others."""
    sap = ExternalSut(description(controller=CONTROLLERS["sap"]), None)
    assert "card-logic" not in sap.features
    for case in CARD_CASES:
        assert blockers(by_id(case), OPS, sap.features) == ["prerequisite card-logic"]
    for kind in ("http", "microocpp"):
        sut = ExternalSut(description(controller=CONTROLLERS[kind]), None)
        for case in CARD_CASES:
            assert blockers(by_id(case), OPS, sut.features) == []
    assert "card-logic" in BundledSut().features


class SecondCardOnlyAuthorized(ChargePoint):
    """What our SAP controller does with a second card during a transaction: an Authorize, never a stop."""

    async def _present_during_transaction(self, c, id_tag: str) -> None:
        if id_tag == c.transaction.id_tag:
            self._stop_transaction(c, "Local", id_tag)
        else:
            await self._authorize(id_tag)


@pytest.mark.parametrize("case", CARD_CASES)
def test_octt_3_10_second_card_cases_still_judge_a_charge_point_with_its_own_card_logic(case, monkeypatch):
    """Both ways: the bundled charge point (its own card logic, §3.10) runs and passes them; one whose own logic is
    the SAP controller's mapping (a second card only authorized) fails both."""
    import adapters.bundled

    for mutant, expected in ((None, "passed"), ("SecondCardOnlyAuthorized", "failed")):
        monkeypatch.setattr(adapters.bundled, "charge_point_class",
                            lambda name: SecondCardOnlyAuthorized if name else ChargePoint)
        session = Session(FuzzConfig(mutant=mutant))
        try:
            assert "card-logic" in session.sut.features
            result = run_scenario(by_id(case), session.new_harness(), session.capabilities,
                                  frozenset(session.sut.features))
        finally:
            session.close()
        assert result.result == expected, (mutant, result.detail)
