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



# -- RuleChoice (issue 16): the machine's next rule in one or two draws, swarm testing once per example --


def _choice_machine(log: list, compact: bool = True):
    from properties.preconditions import choose_rules_compactly

    class Machine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.n = 0
            if compact:
                choose_rules_compactly(self)
            log.append(("start", type(self._rules_strategy).__name__))

        @rule(x=st.integers(0, 3))
        def count(self, x):
            self.n += x
            log.append(("count", x))

        @precondition(lambda self: self.n % 2 == 0)
        @rule(y=st.booleans())
        def even(self, y):
            assert self.n % 2 == 0
            log.append(("even", y))

        @precondition(lambda self: self.n > 5)
        @rule()
        def big(self):
            assert self.n > 5
            log.append(("big",))

        @precondition(lambda self: self.n > 1000)
        @rule()
        def never(self):
            raise AssertionError("a rule whose precondition is false ran")

    return Machine


def _run(machine, examples=60, steps=20, the_seed=5):
    from hypothesis import seed

    run_state_machine_as_test(seed(the_seed)(machine), settings=settings(
        max_examples=examples, stateful_step_count=steps, database=None, deadline=None, derandomize=False,
        suppress_health_check=list(HealthCheck)))


def test_rule_choice_runs_only_rules_whose_preconditions_hold_and_every_such_rule():
    log: list = []
    _run(_choice_machine(log))
    assert {entry[1] for entry in log if entry[0] == "start"} == {"RuleChoice"}
    ran = {entry[0] for entry in log}
    assert {"count", "even", "big"} <= ran and "never" not in ran
    assert {entry[1] for entry in log if entry[0] == "count"} == {0, 1, 2, 3}


def test_rule_choice_draws_the_same_steps_for_the_same_seed():
    runs = []
    for _ in range(2):
        log: list = []
        _run(_choice_machine(log), examples=30)
        runs.append(log)
    assert runs[0] == runs[1] and len(runs[0]) > 100


def test_rule_choice_switches_rules_off_in_some_examples_and_none_in_others():
    """Swarm testing (as Hypothesis's FeatureFlags): some examples never run a rule that was always allowed."""
    log: list = []
    _run(_choice_machine(log), examples=100, steps=15)
    examples, current = [], None
    for entry in log:
        if entry[0] == "start":
            current = set()
            examples.append(current)
        else:
            current.add(entry[0])
    long_enough = [ran for ran in examples if ran]
    assert any("count" not in ran for ran in long_enough)  # count: no precondition, switched off
    assert any({"count", "even"} <= ran for ran in long_enough)


def _one_draw(machine_cls, seed: int):
    """A new machine (RuleChoice, swarm off) and the rule it draws first."""
    import random

    from hypothesis.internal.conjecture.data import ConjectureData

    from properties.preconditions import RuleChoice, choose_rules_compactly

    from collections import defaultdict

    from hypothesis.internal.conjecture.data import PredicateCounts

    machine = machine_cls()
    machine._observability_predicates = defaultdict(PredicateCounts)  # as Hypothesis's stateful loop sets it
    choose_rules_compactly(machine)
    assert isinstance(machine._rules_strategy, RuleChoice)
    machine._rules_strategy.on = machine._rules_strategy.rules
    return machine, ConjectureData(random=random.Random(seed)).draw(machine._rules_strategy)[0]


def test_rule_choice_uniform_among_the_allowed_rules():
    """Each allowed rule about as likely (as Hypothesis's filtered sampled_from): at n = 0, count and even."""
    picked = {}
    for i in range(600):
        _, rule = _one_draw(_choice_machine([], compact=False), i)
        picked[rule.function.__name__] = picked.get(rule.function.__name__, 0) + 1
    assert set(picked) == {"count", "even"} and all(230 < n < 370 for n in picked.values()), picked


def test_rule_choice_counts_preconditions_for_observability_as_hypothesis_names_them(monkeypatch):
    import properties.preconditions

    monkeypatch.setattr(properties.preconditions, "observability_enabled", lambda: True)
    machine_cls = _choice_machine([], compact=False)
    counted = set()
    for i in range(30):
        machine, _ = _one_draw(machine_cls, i)
        counted |= {(where, c.unsatisfied > 0) for where, c in machine._observability_predicates.items()}
    where = "_choice_machine.<locals>.Machine, rule"
    assert (f"{where} never, precondition never_precondition", True) in counted
    assert (f"{where} even, precondition even_precondition", False) in counted


def test_the_machine_draws_its_rules_with_rule_choice():
    """No rule of the machine takes a Bundle, so RuleChoice draws every one (and hostile and real-time's)."""
    from hypothesis.stateful import RuleStrategy

    for cls in (OcppMachine, type("Hostile", (HostileRules, OcppMachine), {}),
                type("RealTime", (real_time_rules(60), OcppMachine), {})):
        assert not any(rule.bundles for rule in RuleStrategy._setup_for(cls)[0])
    assert "choose_rules_compactly(self)" in __import__("inspect").getsource(OcppMachine.__init__)
