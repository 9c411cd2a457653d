"""A seed gives the same examples whatever else the process has loaded.

Hypothesis sometimes draws an integer from a pool of constants it collects
from the source of every "local" module in ``sys.modules``. Which modules are
loaded differs between ``ocpp-verify fuzz``, a pytest run and a CI machine, so
the same seed generated different programs there: a kill budget measured in
one place failed in another. While fuzzing, the pool is held empty; the
constants Hypothesis ships with (0, 1, -1, the float and string edge cases)
still apply. Only private Hypothesis names are touched, and
tests/test_determinism.py fails if a Hypothesis release moves them.
"""

from __future__ import annotations

import contextlib

from hypothesis.internal.conjecture import providers

try:
    from hypothesis.internal.constants_ast import Constants
except ImportError:  # pragma: no cover - a Hypothesis release without local constants
    Constants = None


def seam_present() -> bool:
    return Constants is not None and hasattr(providers, "_get_local_constants") and hasattr(providers, "CONSTANTS_CACHE")


@contextlib.contextmanager
def no_local_constants():
    """While the block runs, Hypothesis draws no constants from loaded modules' source."""
    if not seam_present():
        yield
        return
    original = providers._get_local_constants
    empty = Constants()
    providers._get_local_constants = lambda: empty
    providers.CONSTANTS_CACHE.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        providers.CONSTANTS_CACHE.cache.clear()
