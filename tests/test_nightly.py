"""Long fuzzing of the clean bundled charge point (opt in: pytest --run-slow)."""

import pytest

from properties.runner import FuzzConfig, fuzz


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(10))
def test_clean_charge_point_has_no_findings_over_many_examples(seed, tmp_path):
    report = fuzz(FuzzConfig(max_examples=1000, seed=seed, profile="nightly", findings_dir=tmp_path))
    assert not report.findings, [f"{f.rule}: {f.trace}" for f in report.findings]
