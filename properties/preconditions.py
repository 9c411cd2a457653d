"""``hypothesis.stateful.precondition`` for the machine's rules, each predicate named after its rule.

Hypothesis describes every precondition it checks (for its observability counts): a lambda by
looking its source up, several times per step; a named function by its name, at no cost.
"""

from __future__ import annotations

from hypothesis.internal.reflection import get_pretty_function_description
from hypothesis.stateful import RuleStrategy
from hypothesis.stateful import precondition as _precondition


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
