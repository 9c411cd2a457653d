"""The Reservation profile end to end: bundled charge point, harness and model.

SupportedFeatureProfiles is "Core" by default, so everything here turns the
profile on. The OCTT cases of the profile pass (OCTT §2.20); every mutant of
adapters/chargepoint/mutants_reservation.py is killed by ``fuzz`` within a
fixed example budget at a fixed seed, through a rule that names its bug, and
the finding replays failing on the mutant and passing on the clean charge
point; the clean charge point gives no finding. Campaigns run in two worker
processes, not shrunk (the replays check the unshrunk traces).
"""

from __future__ import annotations

import pytest

import profile_campaigns
from adapters.chargepoint.mutants_reservation import MUTANTS
from properties.octt.catalogue import by_id
from properties.octt.runner import run_scenario
from properties.replay import replay
from properties.runner import FuzzConfig, Session

PROFILES = "Core,Reservation"
SETTINGS = {"connectors": 2, "featureProfiles": PROFILES}

KILLS = {
    # mutant: (seed, examples allowed: about twice the need, in whole batches of 25; rules that name its
    # bug); examples needed at that seed without shrinking, with every profile's rules in the machine, in
    # the comments. Re-measure after a change of the machine: python benchmarks/kill_budgets.py
    # test_reservation_profile
    # a connector still Reserved after the expiry refuses the next ReserveNow (Occupied, not Accepted)
    "ReservationNotReleasedAtExpiry": (1, 25, {"ReservedAfterReservationEnded", "ReserveNowStatus"}),  # 9
    "ReservedConnectorStartsForAnyIdTag": (1, 75, {"ReservedConnectorStartedForAnotherIdTag",
                                                  "ReservedStatusNotReported"}),  # 33
    # the same first reserved start kills both of these
    "ReservationIdMissingInStartTransaction": (3, 50, {"ReservationIdMissingInStartTransaction"}),  # 25
    # batch seeds are SEED, SEED+1, ... (properties/shards.py)
    "ReservationSurvivesFault": (2, 200, {"ReservedAfterReservationEnded"}),  # 99
    # 36 (reserve_for_a_group; before: 6; 1, 2: 40, 15; 3: none in 75, 4: none in 50)
    "ReservationIgnoresParentIdTag": (0, 75, {"StartTransactionWhenAuthorizedAndPlugged"}),
}
SLOW: set[str] = set()
"""Campaigns of half a minute or more: ``pytest --run-slow``."""
CLEAN = ((0, 150), (1, 150))
OCTT = ("TC_046_1_CS", "TC_046_2_CS", "TC_047_CS", "TC_048_1_CS", "TC_048_2_CS", "TC_048_3_CS", "TC_049_CS",
        "TC_050_1_CS", "TC_050_2_CS", "TC_050_3_CS", "TC_051_CS", "TC_052_CS", "TC_053_CS",
        "DERIVED_ReservationOfAConnectorTransaction", "DERIVED_CancelReservation")

RESERVE = {"op": "ReserveNow", "connectorId": 1, "expiryDate": "2025-01-01T00:00:30Z", "idTag": "TAG1",
           "reservationId": 1}
REGRESSIONS = {
    # traces that once gave a false alarm on the clean charge point
    "detached cable taken away: Finishing is over, the connector may be reserved (§4.9 F1)": [
        {"op": "SetIdTag", "idTag": "TAG1", "status": "Accepted"},
        {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"}, {"op": "PlugIn", "connectorId": 1},
        {"op": "Unplug", "connectorId": 1}, RESERVE],
    "a StopTransaction waiting for its retry hides whether the connector is occupied (§3.7.1)": [
        {"op": "FailNext", "action": "StopTransaction", "count": 1},
        {"op": "SetIdTag", "idTag": "TAG1", "status": "Accepted"},
        {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"}, {"op": "PlugIn", "connectorId": 1},
        {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"},
        {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"}, {"op": "Unplug", "connectorId": 1}, RESERVE],
    "a transaction of the reserved idTag frees the connector a connector-0 reservation held (§5.13)": [
        {**RESERVE, "connectorId": 0}, {"op": "SetIdTag", "idTag": "TAG1", "status": "Accepted"},
        {"op": "RemoteStartTransaction", "connectorId": 2, "idTag": "TAG1"}, {"op": "PlugIn", "connectorId": 2}],
    "a reservation may survive a reboot (the spec does not say)": [
        RESERVE, {"op": "Reset", "type": "Hard"}, {"op": "CancelReservation", "reservationId": 1}],
    "reservation 1 replaced by one of connector 0 holds the last free connector against a cached idTag (§5.13)": [
        {"op": "ChangeConfiguration", "key": "LocalPreAuthorize", "value": "true"}, RESERVE,
        {"op": "SetIdTag", "idTag": "TAG2", "status": "Accepted"},
        {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG2"}, {"op": "PlugIn", "connectorId": 1},
        {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"}, {**RESERVE, "connectorId": 0},
        {"op": "PresentIdTag", "connectorId": 2, "idTag": "TAG2"}, {"op": "PlugIn", "connectorId": 2}],
    "a connector-0 reservation refuses an idTag authorized before it on the last free connector (§5.13)": [
        {"op": "SetIdTag", "idTag": "TAG2", "status": "Accepted"},
        {"op": "PresentIdTag", "connectorId": 2, "idTag": "TAG2"}, {**RESERVE, "connectorId": 0},
        {"op": "PlugIn", "connectorId": 1}, {"op": "PlugIn", "connectorId": 2}],
}


@pytest.fixture(scope="module")
def campaigns(request):
    with profile_campaigns.campaigns(PROFILES, KILLS, SLOW, CLEAN,
                                     request.config.getoption("--run-slow", default=False)) as done:
        yield done


@pytest.fixture(scope="module")
def session():
    s = Session(FuzzConfig(feature_profiles=PROFILES))
    yield s
    s.close()


@pytest.mark.parametrize("case", OCTT)
def test_octt_case_passes(session, case):
    result = run_scenario(by_id(case), session.new_harness(), session.capabilities, session.sut.features)
    assert result.result == "passed", result.detail


def test_octt_tc_048_4_and_tc_050_4_need_the_profile_missing(session):
    for case in ("TC_048_4_CS", "TC_050_4_CS"):
        assert run_scenario(by_id(case), session.new_harness(), session.capabilities,
                            session.sut.features).result == "not automatable"


def test_connector_zero_needs_reserve_connector_zero_supported():
    """§9.3.1: with ReserveConnectorZeroSupported false, ReserveNow of connector 0 is Rejected."""
    from adapters.bundled import BundledSut
    from adapters.chargepoint.settings import Settings

    settings = Settings(configuration={"SupportedFeatureProfiles": PROFILES, "ReserveConnectorZeroSupported": "false"})
    session = Session(FuzzConfig(), sut=BundledSut(settings=settings))
    try:
        assert "reserve-connector-zero" not in session.sut.features
        harness = session.new_harness()
        assert harness.start() == ()
        assert harness.step({**RESERVE, "connectorId": 0}) == ()
        assert harness.last_observed[0].payload == {"status": "Rejected"}
    finally:
        session.close()


@pytest.mark.parametrize("name", REGRESSIONS)
def test_clean_charge_point_regression(name):
    assert replay({"steps": REGRESSIONS[name], "settings": SETTINGS}) == ((), len(REGRESSIONS[name]))


@pytest.mark.parametrize("mutant", [m.__name__ for m in MUTANTS])
def test_minimal_trace_exposes_the_mutant(mutant):
    cls = next(m for m in MUTANTS if m.__name__ == mutant)
    finding = {"steps": cls.minimal_trace, "settings": SETTINGS}
    on_mutant, count = replay(finding, mutant=mutant)
    assert on_mutant and count == len(cls.minimal_trace), on_mutant
    assert {v.rule for v in on_mutant} & KILLS[mutant][2], on_mutant
    assert replay(finding, mutant=None) == ((), len(cls.minimal_trace))


def test_every_mutant_is_accounted_for():
    assert {m.__name__ for m in MUTANTS} == set(KILLS)


@pytest.mark.parametrize("mutant", [pytest.param(m, marks=[pytest.mark.slow] if m in SLOW else [])
                                    for m in sorted(KILLS)])
def test_mutant_is_killed(campaigns, mutant):
    seed, examples, rules = KILLS[mutant]
    found = campaigns[(mutant, seed, examples)]
    assert found["findings"], f"{mutant} survived {examples} examples at seed {seed}"
    assert found["examples_to_find"] <= examples
    assert {rule for f in found["findings"] for rule in f["rules"]} & rules
    profile_campaigns.assert_findings_replay(found, mutant)


@pytest.mark.parametrize("seed,examples", CLEAN)
def test_clean_charge_point_has_no_findings(campaigns, seed, examples):
    found = campaigns[(None, seed, examples)]
    assert not found["findings"], [(f["rules"], f["trace"]) for f in found["findings"]]


def test_connector_zero_reservation_with_one_faulted_and_one_unavailable_connector_may_be_occupied():
    """§5.13 names Faulted/Unavailable for the Charge Point or the connector; with connector 1 Faulted
    and connector 2 Unavailable neither is true of the Charge Point, and no connector is left: Occupied
    is allowed too (found as a false alarm by `ocpp-verify mutants`)."""
    steps = [{"op": "Fault", "connectorId": 1, "errorCode": "GroundFailure"},
             {"op": "ChangeAvailability", "connectorId": 2, "type": "Inoperative"},
             {"op": "ReserveNow", "connectorId": 0, "expiryDate": "2025-01-01T00:00:30Z", "idTag": "TAG1",
              "reservationId": 1}]
    assert replay({"steps": steps, "settings": {"connectors": 2}}, mutant=None) == ((), 3)
