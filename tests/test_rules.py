"""properties/rules.py: every rule the model raises is known, and counted as judged when it fires."""

import pytest

from adapters.chargepoint.mutants import MUTANTS
from properties.rules import judged, known_rules, rules_of
from properties.runner import FuzzConfig, Session


def run_until_violation(mutant: str):
    session = Session(FuzzConfig(mutant=mutant))
    try:
        harness = session.fresh_harness(on_accepted=lambda violations: None)
        found = harness.start()
        for step in MUTANTS[mutant].minimal_trace:
            found = found or harness.step(step)
        return found, harness.handled
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
    assert {"ResetStatus", "ResetStopsTransactions"} <= rules_of("answer_Reset")
    assert "StatusNotReported" in rules_of("settle")
    assert "ResetStatus" not in rules_of("cp_StatusNotification")
    assert judged({"rule:TransactionMessageRetry"}) == {"TransactionMessageRetry"}
