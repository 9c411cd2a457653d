"""The example findings in findings/ still say what they say.

Each was made by ``ocpp-verify fuzz`` from a mutant of the bundled charge point:
replayed against that mutant (its ``settings.mutant``) it still fails, with the
rule it was saved with; replayed against the unmutated charge point it passes.
"""

from pathlib import Path

import pytest

from adapters.chargepoint.mutants import MUTANTS
from properties import findings
from properties.cli import main
from properties.replay import replay

FINDINGS = Path(__file__).parent.parent / "findings"
PROFILES = ("core", "localauth", "reservation", "smartcharging", "trigger", "firmware")
EXAMPLES = sorted(path for profile in PROFILES for path in FINDINGS.glob(f"{profile}-*.json"))
"""The curated examples, one per feature profile (Remote Trigger and Firmware Management apart); a
user's own findings saved next to them by ``ocpp-verify fuzz`` are not tests."""


def test_there_is_an_example_finding_per_profile():
    assert {path.name.split("-")[0] for path in EXAMPLES} == set(PROFILES), f"missing examples in {FINDINGS}"


@pytest.fixture(params=EXAMPLES, ids=[p.stem for p in EXAMPLES])
def example(request):
    path = request.param
    data = findings.load(path)
    mutant = (data.get("settings") or {}).get("mutant")
    assert mutant in MUTANTS, f"{path.name}: settings.mutant {mutant!r} is not a mutant of the bundled charge point"
    return path, data, mutant


def test_has_a_markdown_twin(example):
    path, data, _ = example
    twin = path.with_suffix(".md")
    assert twin.exists(), f"{twin.name} missing"
    text = twin.read_text(encoding="utf-8")
    for violation in data["violations"]:
        assert violation["rule"] in text
    assert "```mermaid" in text
    assert f"Replay: `{findings.replay_command(data, f'findings/{path.name}')}`" in text, "the twin names another file"


def test_fails_against_its_mutant(example):
    _, data, mutant = example
    violations, steps_run = replay(data, mutant=mutant)
    assert violations, f"the finding no longer fails against {mutant}"
    assert steps_run == len(data["steps"]), "it fails, but earlier than the saved trace ends"
    assert violations[0].rule == data["violations"][0]["rule"]


def test_passes_against_the_clean_charge_point(example):
    _, data, _ = example
    violations, steps_run = replay(data, mutant=None)
    assert violations == (), "\n".join(map(str, violations))
    assert steps_run == len(data["steps"])


def test_replay_command_exit_codes(example, capsys):
    path, _, mutant = example
    assert main(["replay", str(path), "--mutant", mutant]) == 1
    assert main(["replay", str(path)]) == 1  # the mutant recorded in the finding
    assert main(["replay", str(path), "--mutant", "none"]) == 0
