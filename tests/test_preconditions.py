"""properties/preconditions.py: the machine's preconditions are named, so Hypothesis describes them for free."""

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.internal.reflection import get_pretty_function_description
from hypothesis.stateful import RULE_MARKER, RuleBasedStateMachine, rule, run_state_machine_as_test

from properties.external import real_time_rules
from properties.machine import OcppMachine
from properties.preconditions import precondition
from properties.profiles.hostile import HostileRules


def machine_rules(cls):
    return {name: getattr(cls, name) for name in dir(cls) if getattr(getattr(cls, name), RULE_MARKER, None)}


def test_every_precondition_of_the_machine_is_named_after_its_rule():
    checked = 0
    for cls in (OcppMachine, HostileRules, real_time_rules(60)):
        for name, function in machine_rules(cls).items():
            for predicate in getattr(function, RULE_MARKER).preconditions:  # a rule may be another's alias
                description = get_pretty_function_description(predicate)
                assert description.endswith("_precondition") and description == predicate.__name__, name
                checked += 1
    assert checked > 40


def test_a_named_precondition_still_decides_whether_its_rule_runs():
    ran = []

    class Machine(RuleBasedStateMachine):
        allowed = False

        @rule()
        def allow(self):
            Machine.allowed = True

        @precondition(lambda self: Machine.allowed)
        @rule(x=st.integers(0, 3))
        def guarded(self, x):
            ran.append(Machine.allowed)

    for _ in range(5):
        Machine.allowed = False
        run_state_machine_as_test(Machine, settings=settings(max_examples=20, stateful_step_count=10, database=None,
                                                             deadline=None, suppress_health_check=list(HealthCheck)))
    assert ran and all(ran)


def test_a_named_function_keeps_its_own_name():
    def powered(self):
        return True

    precondition(powered)(rule()(lambda self: None))
    assert get_pretty_function_description(powered) == "powered"
