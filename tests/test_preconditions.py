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


def _guarded_machine(quick: bool, log: list):
    """A machine whose rules have preconditions (one false now and then); ``quick``: check_once_described."""
    from properties.preconditions import check_once_described

    class Machine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.n = 0
            if quick:
                check_once_described(self)

        @rule(x=st.integers(0, 3))
        def count(self, x):
            self.n += x
            log.append(("count", x))

        @precondition(lambda self: self.n % 2 == 0)
        @precondition(lambda self: self.n < 20)
        @rule(y=st.booleans())
        def even(self, y):
            log.append(("even", y))

        @precondition(lambda self: self.n > 5)
        @rule()
        def big(self):
            log.append(("big",))

        def teardown(self):
            log.append(("predicates", sorted((where, c.satisfied, c.unsatisfied)
                                             for where, c in self._observability_predicates.items())))

    return Machine


def test_preconditions_described_once_draw_and_count_the_same():
    """check_once_described (issue 16): the same seed gives the same steps, and Hypothesis's observability
    counts of every precondition (satisfied, unsatisfied, under the same description) are the same."""
    from hypothesis import seed

    from properties.preconditions import _MIRRORED

    assert _MIRRORED  # else check_once_described does nothing, and the installed Hypothesis needs a look
    runs = {}
    for quick in (False, True):
        log: list = []
        run_state_machine_as_test(seed(7)(_guarded_machine(quick, log)), settings=settings(
            max_examples=30, stateful_step_count=15, database=None, deadline=None, derandomize=False,
            suppress_health_check=list(HealthCheck)))
        runs[quick] = log
    assert runs[True] == runs[False]
    counted = [entry for entry in runs[True] if entry[0] == "predicates" and entry[1]]
    assert counted and any(unsatisfied for entry in counted for _, _, unsatisfied in entry[1])

