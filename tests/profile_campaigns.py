"""Fuzzing campaigns for a feature profile's mutants, shared by tests/test_<profile>_profile.py.

Each campaign fuzzes the bundled charge point (or one of its mutants) with the
profile in SupportedFeatureProfiles and shrinking off; all of a test module's
campaigns run at once in two worker processes.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import multiprocessing
import tempfile
from pathlib import Path

from properties import findings
from properties.replay import replay
from properties.runner import FuzzConfig, fuzz


def campaign(profiles: str, mutant: str | None, seed: int, examples: int, directory: str) -> dict:
    """One fuzz run (in a worker process): what it found, as plain data."""
    report = fuzz(FuzzConfig(mutant=mutant, max_examples=examples, seed=seed, budget=None, shrink=False,
                             feature_profiles=profiles, findings_dir=Path(directory), stop_at_first=True))
    return {"examples_to_find": report.examples_to_find,
            "findings": [{"path": str(f.path), "rules": [v.rule for v in f.violations], "trace": f.trace}
                         for f in report.findings],
            "recommendations": dict(report.recommendations)}


@contextlib.contextmanager
def campaigns(profiles: str, kills: dict, slow: set[str], clean, run_slow: bool):
    """{(mutant or None, seed, examples): result} for every kill in ``kills`` (``slow`` ones only with
    ``run_slow``) and every (seed, examples) of ``clean``."""
    runs = [(name, seed, examples) for name, (seed, examples, _) in kills.items() if run_slow or name not in slow]
    runs += [(None, seed, examples) for seed, examples in clean]
    with tempfile.TemporaryDirectory(prefix="ocpp-verify-profile-") as directory, \
            concurrent.futures.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {run: pool.submit(campaign, profiles, *run, str(Path(directory) / f"{run[0]}-{run[1]}"))
                   for run in runs}
        yield {run: future.result() for run, future in futures.items()}


def assert_findings_replay(found: dict, mutant: str) -> None:
    """Each finding fails again against its mutant and passes against the clean charge point."""
    for finding in found["findings"]:
        data = findings.load(finding["path"])
        assert replay(data, mutant=mutant)[0], f"{finding['path']} does not fail again against {mutant}"
        on_clean, _ = replay(data, mutant=None)
        assert on_clean == (), f"false alarm: {on_clean}\nsteps: {finding['trace']}"
