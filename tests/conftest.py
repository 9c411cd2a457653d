"""``pytest --run-slow`` also runs the long fuzzing tests (nightly); the default run skips them."""

import pytest


def pytest_addoption(parser):
    parser.addoption("--run-slow", action="store_true", help="run long fuzzing tests (nightly)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="long fuzzing run: opt in with --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
