"""A seed gives the same run whatever modules the process has loaded (properties/determinism.py).

Before the fix, importing the OCTT catalogue (whose source holds constants such
as 987654) changed what Hypothesis generated for the same seed.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from properties.determinism import seam_present

ROOT = Path(__file__).resolve().parent.parent
RUN = """
import sys, tempfile
from pathlib import Path
if sys.argv[1] == "catalogue":
    import properties.octt.catalogue
from properties.runner import FuzzConfig, fuzz
report = fuzz(FuzzConfig(feature_profiles="Core,RemoteTrigger,FirmwareManagement", max_examples=25, seed=0,
                         shrink=False, findings_dir=Path(tempfile.mkdtemp())))
print(report.steps, sorted(report.operations.items()))
"""


def run(preload: str) -> str:
    done = subprocess.run([sys.executable, "-c", RUN, preload], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_seam_into_hypothesis_is_still_there():
    assert seam_present(), "Hypothesis moved its local-constants pool: update properties/determinism.py"


def test_importing_another_module_does_not_change_what_a_seed_generates():
    assert run("catalogue") == run("nothing")


def traced_run(monkeypatch, link: str, examples: int = 12, seed: int = 4) -> list:
    """Every step of a short run with what the model saw and the state it led to."""
    import properties.harness
    from properties.runner import FuzzConfig, fuzz

    trace = []
    step = properties.harness.Harness.step

    def traced(self, *args, **kwargs):
        found = step(self, *args, **kwargs)
        trace.append((args[0], repr(self.last_observed), repr(self.worlds), found))
        return found

    monkeypatch.setattr(properties.harness.Harness, "step", traced)
    with tempfile.TemporaryDirectory() as tmp:
        fuzz(FuzzConfig(max_examples=examples, seed=seed, shrink=False, link=link, findings_dir=Path(tmp)))
    monkeypatch.setattr(properties.harness.Harness, "step", step)
    return trace


def test_a_seed_gives_the_same_run_over_the_websocket_and_in_memory(monkeypatch):
    websocket = traced_run(monkeypatch, "websocket")
    assert len(websocket) > 100
    assert traced_run(monkeypatch, "memory") == websocket


def test_the_verdicts_looked_up_for_examples_first_steps_are_those_the_model_gives(monkeypatch):
    import properties.harness

    looked_up = traced_run(monkeypatch, "memory")
    monkeypatch.setattr(properties.harness.Prefixes, "STEPS", 0)
    assert traced_run(monkeypatch, "memory") == looked_up
