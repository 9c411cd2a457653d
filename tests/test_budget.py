"""``fuzz --budget`` is kept per example, not per batch (issue 14: against a real charge point a
Hypothesis batch of 25 examples lasts many minutes, and a 30-minute run went on for 44 before a
signal had to stop it)."""

from __future__ import annotations

import time

from properties.runner import BATCH, FuzzConfig, fuzz

SLOW = 0.5
"""Seconds each example lasts at least, as a real charge point's examples do."""


def test_a_spent_budget_starts_no_new_example_within_a_batch(tmp_path):
    report = fuzz(FuzzConfig(budget=3.0, seed=1, findings_dir=tmp_path), on_progress=lambda _: time.sleep(SLOW))
    assert 1 < report.examples < BATCH
    assert report.seconds < BATCH * SLOW
    assert not report.findings and not report.interrupted


def test_a_run_by_examples_is_not_cut_short_by_the_default_budget(tmp_path):
    report = fuzz(FuzzConfig(max_examples=BATCH + 2, budget=0.1, seed=1, findings_dir=tmp_path))
    assert report.examples >= BATCH + 2
