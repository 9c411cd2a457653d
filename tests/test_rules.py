"""properties/rules.py: every rule the model raises is known, and counted as judged when it fires."""

import pytest

from adapters.chargepoint.mutants import MUTANTS
from model.violations import RECOMMENDATIONS
from properties.rules import judged, known_rules, rules_of
from properties.runner import FuzzConfig, Session


def run_until_violation(mutant: str):
    """The violations of the first step of the minimal trace that breaks a rule, else the recommendations not followed
    (model/violations.py RECOMMENDATIONS, never findings): LocalListLostAtReboot breaks only §3.5.2's SHOULD."""
    session = Session(FuzzConfig(mutant=mutant))
    try:
        recommended = []
        harness = session.fresh_harness(on_accepted=recommended.extend)
        found = harness.start()
        for step in MUTANTS[mutant].minimal_trace:
            found = found or harness.step(step)
        return found or tuple(v for v in recommended if v.rule in RECOMMENDATIONS), harness.handled
    finally:
        session.close()


@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_the_rule_a_mutant_breaks_is_known_and_was_judged(mutant):
    found, handled = run_until_violation(mutant)
    assert found, f"{mutant}'s minimal trace raised nothing"
    for violation in found:
        assert violation.rule in known_rules()
        assert violation.rule in judged(handled), (violation.rule, sorted(handled))


def test_every_known_rule_cites_a_section_or_is_built_from_one():
    rules = known_rules()
    assert len(rules) > 90
    assert rules["StatusNotReported"].startswith("OCPP 1.6 §4.9")
    assert all(name[0].isupper() and " " not in name for name in rules)


def test_a_handler_judges_the_rules_of_what_it_calls_and_no_others():
    assert "StatusNotReported" in rules_of("settle")
    assert "StatusTransitionNotAllowed" in rules_of("cp_StatusNotification")
    assert "StatusNotReported" not in rules_of("cp_StatusNotification")
    assert judged({"rule:TransactionMessageRetry"}) == {"TransactionMessageRetry"}


def test_an_answer_status_and_an_obligation_count_as_judged_only_when_they_were():
    """A status rule is judged when that CALL was answered; an obligation when it was met or fell due."""
    session = Session(FuzzConfig())
    try:
        harness = session.fresh_harness(on_accepted=lambda violations: None)
        assert harness.start() == ()
        harness.handled.clear()
        assert harness.step({"op": "Reset", "type": "Soft"}) == ()
        rules = judged(harness.handled)
        assert {"ResetStatus", "BootNotificationAtReboot"} <= rules
        assert not {"ResetStopsTransactions", "RemoteStopTransactionStatus"} & rules
    finally:
        session.close()


def test_a_field_judged_by_the_schemas_counts_only_once_its_message_was_seen():
    from properties.requirements import classified, coverage

    entries = [e for e in classified() if (e.get("field") or {}).get("owner") == "Authorize.req"
               and e.get("class") == "judged" and set(e.get("rules", ())) == {"OcppJFraming"}]
    assert entries, "the register has no Authorize.req field judged by the schemas"
    without = coverage({"OcppJFraming"}, entries, seen_messages=set())
    assert without["exercised"] == 0
    assert coverage({"OcppJFraming"}, entries, seen_messages={"Authorize.req"})["exercised"] == len(entries)


@pytest.mark.parametrize("failure, request_, rule", [
    ({"op": "SetFirmwareFailure", "stage": "Download"},
     {"op": "UpdateFirmware", "location": "ftp://127.0.0.1/firmware.bin", "retrieveDate": "2025-01-01T00:00:00Z",
      "retries": 2, "retryInterval": 30}, "FirmwareDownloadRetries"),
    ({"op": "SetUploadFailure", "failing": True},
     {"op": "GetDiagnostics", "location": "ftp://127.0.0.1/diagnostics/", "retries": 1, "retryInterval": 30},
     "DiagnosticsUploadRetries"),
])
def test_a_retry_count_met_by_the_clean_charge_point_counts_as_judged(failure, request_, rule):
    """§6.25, §6.55: the attempts are counted when the transfer fails for good; met, that is a judgement too (the
    requirements register had them reached but never exercised in 1,000 nightly examples)."""
    session = Session(FuzzConfig())
    try:
        harness = session.fresh_harness(on_accepted=lambda violations: None)
        assert harness.start() == ()
        found = harness.step(failure) + harness.step(request_)
        for _ in range(6):
            found += harness.step({"op": "AdvanceTime", "seconds": 60})
        assert found == () and rule in judged(harness.handled)
    finally:
        session.close()
