"""``hypothesis.stateful.precondition`` for the machine's rules, each predicate named after its rule.

Hypothesis describes every precondition it checks (for its observability counts): a lambda by
looking its source up, several times per step; a named function by its name, at no cost.
"""

from __future__ import annotations

from hypothesis.stateful import precondition as _precondition


def precondition(predicate):
    """As ``hypothesis.stateful.precondition``; a lambda is named ``<rule>_precondition``."""
    def accept(function):
        if predicate.__name__ == "<lambda>":
            predicate.__name__ = predicate.__qualname__ = f"{function.__name__}_precondition"
        return _precondition(predicate)(function)

    return accept
