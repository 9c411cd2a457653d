"""Whether Hypothesis runs an example to generate it, or to shrink (or explain) a failure found before.

A run's "examples" are the traces it generated; once a batch fails, Hypothesis re-runs variations
of the failing trace to shrink it, and those runs are not examples. Hypothesis does not tell a
test which phase it is in, so :func:`shrinking` reads the engine's phase from the call stack
(``ConjectureRunner._current_phase``, a private name): when a Hypothesis release moves it,
every run counts as an example again, as before, and tests/test_cli_ux.py notices.
"""

from __future__ import annotations

import sys

NOT_EXAMPLES = frozenset({"shrink", "explain"})


def engine_phase() -> str | None:
    """The phase of the Hypothesis engine running the current test, or None when none is found."""
    frame = sys._getframe(1)
    while frame is not None:
        runner = frame.f_locals.get("self")
        if type(runner).__name__ == "ConjectureRunner":
            return getattr(runner, "_current_phase", None)
        frame = frame.f_back
    return None


def shrinking() -> bool:
    """True while Hypothesis shrinks (or explains) a failure: the run is not a new example."""
    return engine_phase() in NOT_EXAMPLES
