"""``pytest --run-slow`` also runs the long fuzzing tests (nightly); the default run skips them.

Tests marked ``campaign`` (fuzz campaigns: a mutant killed within its budget, a clean charge point
fuzzed for its budget, shrunk traces pinned; the wheel build) run in the default run; the quick
subset for the edit-test loop leaves them out: ``pytest -m "not campaign"``. A test is a campaign
when it says so (``@pytest.mark.campaign``) or its name is in :data:`CAMPAIGNS`.
"""

import pytest
from hypothesis import settings

settings.register_profile("suite", deadline=None)
settings.load_profile("suite")
"""The suite's own @given tests judge pure functions, but on a loaded 2-core CI machine one example can pass
Hypothesis's 200 ms deadline and fail a correct test (test_optional_key_refused_is_always_silent did under a load of
10): no deadline. Fuzz runs set their own settings (properties/runner.py)."""

CAMPAIGNS = frozenset({"test_mutant_is_killed", "test_clean_charge_point_has_no_findings",
                       "test_shrunk_trace_is_nearly_minimal", "test_pinned_shrunk_trace",
                       "test_fuzzing_kills_the_mutant", "test_an_external_mutant_is_found_as_in_process_and_replays"})
"""The names the kill-budget tables' tests share (test_mutants_killed.py, test_<profile>_profile.py), and
the external-mode campaign of test_external_cli.py."""


def pytest_addoption(parser):
    parser.addoption("--run-slow", action="store_true", help="run long fuzzing tests (nightly)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if getattr(item, "originalname", item.name) in CAMPAIGNS:
            item.add_marker(pytest.mark.campaign)
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="long fuzzing run: opt in with --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
