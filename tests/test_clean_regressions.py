"""Traces that once raised a false alarm on the clean bundled charge point.

Each was a finding of `ocpp-verify fuzz` on the unmutated charge point; each
was traced to a model rule stricter than the spec (or to a bug fixed in the
charge point). They must stay silent.
"""

import json
from pathlib import Path

import pytest

from properties.replay import replay

TRACES = json.loads((Path(__file__).parent / "data" / "clean_traces.json").read_text())


@pytest.mark.parametrize("trace", TRACES, ids=[f"{t['was']}-{i}" for i, t in enumerate(TRACES)])
def test_clean_charge_point_passes(trace):
    violations, steps = replay({"steps": trace["steps"], "settings": {"connectors": 2}})
    assert violations == (), "\n".join(map(str, violations))
