"""The Firmware Management profile end to end: the bundled charge point, the harness and the model.

Each mutant of adapters/chargepoint/mutants_firmware.py is killed by fuzzing with
FirmwareManagement in SupportedFeatureProfiles within a fixed example budget; its
finding replays failing against the mutant and passing against the clean charge
point. The clean charge point gives no finding, and passes the OCTT cases of
§2.18 and §2.19 (TC_044_x_CS, TC_045_x_CS).
"""

from __future__ import annotations

import pytest

from adapters.chargepoint.mutants import MUTANTS
from adapters.chargepoint.mutants_firmware import MUTANTS as FIRMWARE_MUTANTS
from properties.octt.catalogue import by_id
from properties.octt.runner import run_scenario
from properties.replay import replay
from properties.runner import FuzzConfig, Session, fuzz
from test_trigger_profile import PROFILES, assert_killed, settings

KILLS = {
    # mutant: (seed, examples allowed: about twice the need, in whole batches of 25; rules that name its
    # bug); the comment: examples needed at that seed (Hypothesis shrinking off). Re-measure after a
    # change of the machine: python benchmarks/kill_budgets.py test_firmware_profile
    # skipping Downloaded: out of order, or, while the installation waits for a transaction, never sent
    "FirmwareStatusOutOfOrder": (0, 25, {"FirmwareStatusOutOfOrder", "FirmwareDownloadNotFinished"}),  # 11
    "NoBootNotificationAfterFirmwareInstall": (5, 25, {"BootNotificationAfterFirmwareInstall"}),  # 3
    # a download failure with retries 2 and waits past the retries: the rule wait_for_timer (retryInterval)
    "FirmwareRetriesIgnored": (1, 50, {"FirmwareDownloadRetries"}),  # 18 (2: 8)
    # without Uploading the model cannot count the attempts: the retries look missing
    "DiagnosticsUploadedWithoutUploading": (1, 50, {"DiagnosticsStatusOutOfOrder", "DiagnosticsUploadRetries"}),  # 18
    "TriggeredFirmwareStatusAlwaysIdle": (1, 100, {"IdleStatusWhileBusy"}),  # 46
    # a Download failure with retries >= 1 and retryInterval 60 or 120 (30 does not tell: an attempt takes 30 s)
    "FirmwareRetryIntervalIgnored": (3, 25, {"FirmwareDownloadRetryInterval"}),  # 3 (0-2: 4, 18, 8)
}
KNOWN: dict[str, str] = {}
"""Mutants not killed within their budget, with the reason (strict xfail: a kill shows the entry is stale)."""
CLEAN_SEEDS = (0, 1)
CLEAN_EXAMPLES = 150
OCTT_CASES = ("TC_044_1_CS", "TC_044_2_CS", "TC_044_3_CS", "TC_045_1_CS", "TC_045_2_CS")
UPDATE = {"op": "UpdateFirmware", "location": "ftp://127.0.0.1/firmware.bin", "retrieveDate": "2025-01-01T00:00:00Z"}


def test_every_mutant_has_a_budget():
    assert set(KILLS) == {m.__name__ for m in FIRMWARE_MUTANTS} and set(KILLS) <= set(MUTANTS)


@pytest.mark.parametrize("mutant", [pytest.param(m, marks=[pytest.mark.xfail(reason=KNOWN[m], strict=True)]
                                                 if m in KNOWN else []) for m in sorted(KILLS)])
def test_mutant_is_killed(mutant, tmp_path):
    seed, examples, rules = KILLS[mutant]
    assert_killed(mutant, seed, examples, rules, tmp_path)


@pytest.mark.parametrize("mutant", sorted(KILLS))
def test_minimal_trace_exposes_the_mutant(mutant):
    steps = MUTANTS[mutant].minimal_trace
    on_mutant, count = replay({"steps": steps, "settings": settings()}, mutant=mutant)
    assert count == len(steps) and {v.rule for v in on_mutant} & KILLS[mutant][2], on_mutant
    assert replay({"steps": steps, "settings": settings()}, mutant=None) == ((), len(steps))


def test_without_the_profile_firmware_operations_are_refused():
    steps = [UPDATE, {"op": "GetDiagnostics", "location": "ftp://127.0.0.1/diagnostics/"}]
    assert replay({"steps": steps, "settings": settings("Core")}, mutant=None) == ((), 2)


@pytest.mark.parametrize("steps", [
    [UPDATE, {"op": "PowerLoss"}, {"op": "AdvanceTime", "seconds": 400}, {"op": "PowerOn"},
     {"op": "AdvanceTime", "seconds": 400}],
    [UPDATE, {"op": "AdvanceTime", "seconds": 40}, {"op": "NetworkDown"}, {"op": "AdvanceTime", "seconds": 400},
     {"op": "NetworkUp"}, {"op": "AdvanceTime", "seconds": 400}],
    [{"op": "SetIdTag", "idTag": "TAG1", "status": "Accepted"}, {"op": "PlugIn", "connectorId": 1},
     {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"}, UPDATE, {"op": "AdvanceTime", "seconds": 400},
     {"op": "AdvanceTime", "seconds": 400}, {"op": "Unplug", "connectorId": 1}, {"op": "AdvanceTime", "seconds": 400}],
    [{"op": "GetDiagnostics", "location": "ftp://127.0.0.1/diagnostics/"}, {"op": "Reset", "type": "Soft"},
     {"op": "TriggerMessage", "requestedMessage": "DiagnosticsStatusNotification"}],
    [UPDATE, {"op": "AdvanceTime", "seconds": 31}, {"op": "NetworkDown"}, {"op": "NetworkUp"},
     {"op": "PlugIn", "connectorId": 1}, {"op": "AdvanceTime", "seconds": 61}],
    # /tmp/fa/DiagnosticsUploadNotFinished-8992c06e, -1f19dd08: the reboot into new firmware ends an upload
    [{**UPDATE, "retries": 0, "retryInterval": 30}, {"op": "SetUploadFailure", "failing": True},
     {"op": "GetDiagnostics", "location": "ftp://127.0.0.1/diagnostics/", "retries": 1, "retryInterval": 30},
     {"op": "AdvanceTime", "seconds": 61}, {"op": "SetFirmwareFailure", "stage": "Download"},
     {**UPDATE, "retrieveDate": "2025-01-01T00:01:01Z", "retries": 0, "retryInterval": 30},
     {"op": "AdvanceTime", "seconds": 400}],
    # /tmp/fa/FirmwareStatusWithoutRequest-955433ba: the update is kept across a reset, Idle until retrieveDate
    [{**UPDATE, "retrieveDate": "2025-01-01T00:01:00Z", "retries": 0, "retryInterval": 30},
     {"op": "Reset", "type": "Soft"}, {"op": "AdvanceTime", "seconds": 10},
     {"op": "GetDiagnostics", "location": "ftp://127.0.0.1/diagnostics/"},
     {"op": "TriggerMessage", "requestedMessage": "FirmwareStatusNotification"}, {"op": "AdvanceTime", "seconds": 61}],
], ids=["power-loss-while-downloading", "offline-while-installing", "install-waits-for-transaction",
        "reset-while-uploading", "network-down-while-installing-is-no-reboot", "firmware-reboot-while-uploading",
        "update-kept-across-reset-idle-until-retrieve-date"])
def test_interrupted_transfers_are_no_finding(steps):
    assert replay({"steps": steps, "settings": settings()}, mutant=None) == ((), len(steps))


@pytest.mark.parametrize("seed", CLEAN_SEEDS)
def test_clean_charge_point_has_no_findings(seed, tmp_path):
    report = fuzz(FuzzConfig(feature_profiles=PROFILES, max_examples=CLEAN_EXAMPLES, seed=seed,
                             findings_dir=tmp_path))
    assert not report.findings, [(f.rule, f.trace) for f in report.findings]


@pytest.fixture(scope="module")
def session():
    session = Session(FuzzConfig(feature_profiles=PROFILES))
    yield session
    session.close()


@pytest.mark.parametrize("case", OCTT_CASES)
def test_octt_case_passes(session, case):
    result = run_scenario(by_id(case), session.new_harness(), session.capabilities, session.sut.features)
    assert result.result == "passed", result.detail


@pytest.mark.parametrize("case", OCTT_CASES)
def test_octt_case_needs_the_profile(case):
    session = Session(FuzzConfig(feature_profiles="Core"))
    try:
        result = run_scenario(by_id(case), session.new_harness(), session.capabilities, session.sut.features)
    finally:
        session.close()
    assert result.result == "not automatable"
