"""``hypothesis.stateful.precondition`` for the machine's rules, each predicate named after its rule, and
how the machine draws its next rule (issue 16: Hypothesis's own way was most of a step's drawing).

Hypothesis describes every precondition it checks (for its observability counts): a lambda by
looking its source up, several times per step; a named function by its name, at no cost.
"""

from __future__ import annotations

import random

from hypothesis.errors import InvalidDefinition
from hypothesis.internal.conjecture.utils import calc_label_from_name
from hypothesis.internal.observability import observability_enabled
from hypothesis.internal.reflection import get_pretty_function_description
from hypothesis.stateful import RuleStrategy
from hypothesis.stateful import precondition as _precondition
from hypothesis.strategies._internal.strategies import SearchStrategy


def precondition(predicate):
    """As ``hypothesis.stateful.precondition``; a lambda is named ``<rule>_precondition``."""
    def accept(function):
        if predicate.__name__ == "<lambda>":
            predicate.__name__ = predicate.__qualname__ = f"{function.__name__}_precondition"
        return _precondition(predicate)(function)

    return accept


def check_once_described(machine) -> None:
    """Hypothesis's ``RuleStrategy.is_valid`` for ``machine``'s rule strategy, with each precondition's
    description worked out once per machine class instead of at every check (about twelve times a step: an
    f-string and ``get_pretty_function_description`` each). The same preconditions are called in the same
    order with the same results and the same observability counts under the same keys, so Hypothesis draws
    exactly what it drew. Left as it is on a Hypothesis whose ``is_valid`` is not the one this mirrors."""
    strategy = getattr(machine, "_rules_strategy", None)
    if strategy is None or getattr(type(strategy), "is_valid", None) is not _HYPOTHESIS_IS_VALID or not _MIRRORED:
        return
    cls = type(machine)
    described = cls.__dict__.get("_described_preconditions")
    if described is None:
        described = {}
        type.__setattr__(cls, "_described_preconditions", described)

    def is_valid(rule) -> bool:
        for bundle in rule.bundles:
            if not machine.bundle(bundle.name):
                return False
        checks = described.get(rule.function)
        if checks is None:
            where = f"{cls.__qualname__}, rule {rule.function.__name__},"
            checks = described[rule.function] = tuple(
                (predicate, f"{where} precondition {get_pretty_function_description(predicate)}")
                for predicate in rule.preconditions)
        predicates = machine._observability_predicates
        for predicate, where in checks:
            meets = predicate(machine)
            predicates[where].update_count(condition=meets)
            if not meets:
                return False
        return True

    strategy.is_valid = is_valid


def _mirrored() -> bool:
    """Whether Hypothesis's ``is_valid`` is the one :func:`check_once_described` mirrors (by its names)."""
    code = getattr(_HYPOTHESIS_IS_VALID, "__code__", None)
    return code is not None and {"bundles", "bundle", "_observability_predicates", "preconditions",
                                 "get_pretty_function_description", "update_count"} <= set(code.co_names)


_HYPOTHESIS_IS_VALID = getattr(RuleStrategy, "is_valid", None)
_MIRRORED = _mirrored()


class RuleChoice(SearchStrategy):
    """The machine's next rule and its arguments, with less of Hypothesis's work per step (issue 16).

    Hypothesis's ``RuleStrategy`` draws a rule index among all rules and filters it (three tries, then the
    list of allowed rules), asking a swarm flag (a Boolean draw, forced once decided) of every valid rule it
    looks at: about a dozen draws a step for this machine's ~57 rules, each a span and a choice the engine
    records, replays and mutates. Here a step draws one index among the rules switched on; if that rule's
    precondition is false, a second index among the rules switched on whose preconditions hold (if none is
    switched on, among all whose preconditions hold). Each rule allowed is as likely as under Hypothesis
    (uniform among the allowed), and the rule's arguments are drawn by their own strategies as before.

    Swarm testing is kept, decided once per example: ``p`` drawn as FeatureFlags draws it (0, where shrinking
    goes, switches every rule on), then a seed that switches each rule off with probability ``p / 255``.
    The rules are Hypothesis's own, in its order, so steps print as they did."""

    def __init__(self, machine, rules):
        super().__init__()
        self.machine = machine
        self.rules = rules
        self.on: tuple | None = None

    def __repr__(self):
        return f"RuleChoice(machine={type(self.machine).__name__}({{...}}))"

    def calc_label(self) -> int:
        return _CHOICE_LABEL

    def _switched_on(self, data) -> tuple:
        p = data.draw_integer(0, 254)
        if not p:
            return self.rules
        rng = random.Random(data.draw_integer(0, 2**32 - 1))
        return tuple(entry for entry in self.rules if rng.random() * 255 >= p) or self.rules

    def do_draw(self, data):
        machine = self.machine
        if self.on is None:
            self.on = self._switched_on(data)
        on = self.on
        observed = machine._observability_predicates if observability_enabled() else None
        answers: dict = {}

        def holds(entry) -> bool:
            for predicate in entry[2]:
                meets = answers.get(predicate)
                if meets is None:
                    meets = answers[predicate] = bool(predicate(machine))
                if observed is not None:  # counted as Hypothesis counts them, under its names
                    where = f"{type(machine).__qualname__}, rule {entry[0]},"
                    observed[f"{where} precondition {get_pretty_function_description(predicate)}"].update_count(
                        condition=meets)
                if not meets:
                    return False
            return True

        entry = on[data.draw_integer(0, len(on) - 1)] if len(on) > 1 else on[0]
        if not holds(entry):
            allowed = [entry for entry in on if holds(entry)] or [entry for entry in self.rules if holds(entry)]
            if not allowed:
                raise InvalidDefinition(f"No progress can be made from state {machine!r}, because no available "
                                        f"rule had a True precondition. rules: "
                                        f"{', '.join(name for name, _, _ in self.rules)}")
            entry = allowed[data.draw_integer(0, len(allowed) - 1)] if len(allowed) > 1 else allowed[0]
        rule = entry[1]
        return rule, {key: data.draw(strategy) for key, strategy in rule.arguments_strategies.items()}


def _same_test(predicate) -> tuple:
    """What ``predicate`` computes from ``self``: its code, its closure and the objects its global names
    stand for. Two preconditions with the same key give the same answer for the same machine state."""
    code = predicate.__code__
    names = predicate.__globals__
    return (code.co_code, code.co_consts, code.co_names, predicate.__defaults__,
            tuple(id(cell.cell_contents) for cell in predicate.__closure__ or ()),
            tuple(id(names[name]) if name in names else None for name in code.co_names))


_SHARED: dict = {}


def _shared(predicate):
    """One precondition function for every rule whose precondition tests the same thing (24 of the machine's
    57 rules ask only ``self.online()``), so that :class:`RuleChoice` asks it once a step."""
    return _SHARED.setdefault(_same_test(predicate), predicate)


_CHOICE_LABEL = calc_label_from_name("ocpp-verify rule choice")


def choose_rules_compactly(machine) -> None:
    """Draw ``machine``'s steps with :class:`RuleChoice` instead of Hypothesis's ``RuleStrategy``; where a rule
    takes a Bundle (RuleChoice does not fill bundles in), Hypothesis's, with :func:`check_once_described`.
    Initialize rules are drawn by Hypothesis itself, before any rule, as before."""
    cls = type(machine)
    rules = cls.__dict__.get("_compact_rules")
    if rules is None:
        sorted_rules = RuleStrategy._setup_for(cls)[0]
        rules = () if any(rule.bundles for rule in sorted_rules) else tuple(
            (rule.function.__name__, rule, tuple(_shared(p) for p in rule.preconditions)) for rule in sorted_rules)
        type.__setattr__(cls, "_compact_rules", rules)
    if rules:
        machine._rules_strategy = RuleChoice(machine, rules)
    else:
        check_once_described(machine)
