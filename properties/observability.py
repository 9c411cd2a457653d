"""``--observability DIR``: Hypothesis's observability output, for the Tyche viewer (docs/nightly.md).

Every example becomes one JSON line in ``DIR/<date>_testcases.jsonl`` (status, how it
was generated, the steps as Hypothesis prints them, timings, and a feature per rule the
model judged); what Hypothesis says about the run goes to ``DIR/<date>_info.jsonl``.
These are the files, and the layout, that Hypothesis writes to ``.hypothesis/observed/``
under ``HYPOTHESIS_EXPERIMENTAL_OBSERVABILITY``, which Tyche reads.

Line coverage of the suite's own code is left out unless ``coverage`` is asked for: on
Python 3.11 tracing it slows a run several times over.
"""

from __future__ import annotations

import contextlib
import datetime
import json
from pathlib import Path


class ObservabilityError(RuntimeError):
    """This Hypothesis cannot deliver observations to a callback."""


@contextlib.contextmanager
def observe(directory: Path | None, coverage: bool = False):
    """While the block runs, append every observation Hypothesis makes to JSON Lines under ``directory``."""
    if directory is None:
        yield
        return
    try:
        from hypothesis.internal import observability
        from hypothesis.internal.observability import add_observability_callback, remove_observability_callback
        from hypothesis.strategies._internal.utils import to_jsonable
    except ImportError:
        raise ObservabilityError("--observability needs a Hypothesis with add_observability_callback "
                                 "(6.136 or later): pip install -U hypothesis") from None
    try:
        Path(directory).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ObservabilityError(f"--observability {directory}: {error}") from None
    today = datetime.date.today().isoformat()

    def deliver(observation) -> None:
        kind = "testcases" if observation.type == "test_case" else "info"
        line = json.dumps(to_jsonable(observation, avoid_realization=False)) + "\n"
        with open(Path(directory) / f"{today}_{kind}.jsonl", "a", encoding="utf-8") as out:
            out.write(line)

    collect = observability.OBSERVABILITY_COLLECT_COVERAGE
    observability.OBSERVABILITY_COLLECT_COVERAGE = coverage
    add_observability_callback(deliver)
    try:
        yield
    finally:
        remove_observability_callback(deliver)
        observability.OBSERVABILITY_COLLECT_COVERAGE = collect
