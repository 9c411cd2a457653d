"""A seed gives the same run whatever modules the process has loaded (properties/determinism.py).

Before the fix, importing the OCTT catalogue (whose source holds constants such
as 987654) changed what Hypothesis generated for the same seed.
"""

from __future__ import annotations

import subprocess
import sys
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
