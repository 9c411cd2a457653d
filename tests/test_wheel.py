"""The wheel a user installs (`pip install .`, not editable) holds every package and runs.

The wheel is built from a copy of the source (the package folders, pyproject.toml, README.md),
installed into a fresh venv outside the source tree, and run from there: ``--version`` and a
5-example fuzz. The venv sees the test environment's dependencies through a .pth file naming
its site-packages, not through --system-site-packages, whose .pth files would run this
project's editable-install finder and import the source tree instead of the wheel.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOT_SHIPPED = {"tests", "benchmarks", "build", "dist"}

pytestmark = pytest.mark.campaign


def source_packages() -> list[Path]:
    """The top-level package folders of the source tree."""
    return sorted(p for p in ROOT.iterdir() if (p / "__init__.py").is_file() and p.name not in NOT_SHIPPED)


def copy_source(target: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for package in source_packages():
        shutil.copytree(package, target / package.name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, target / name)
    return target


def shipped_files(source: Path) -> set[str]:
    """Every file of every package: modules, and data such as properties/requirements/*.json."""
    return {str(f.relative_to(source)) for package in source_packages() for f in (source / package.name).rglob("*")
            if f.is_file() and "__pycache__" not in f.parts}


def run(*argv, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{argv}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The bin/ folder of a venv with the wheel installed."""
    work = tmp_path_factory.mktemp("wheel")
    source = copy_source(work / "source")
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(work / "dist"), str(source), cwd=work)
    wheel = next((work / "dist").glob("ocpp_verify-*.whl"))
    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    missing = shipped_files(source) - in_wheel
    assert not missing, f"left out of the wheel: {sorted(missing)}"
    venv = work / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", str(venv), cwd=work)
    python = venv / "bin" / "python"
    purelib = run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=work)
    Path(purelib.stdout.strip(), "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index",
        "--no-compile", str(wheel), cwd=work)
    return venv / "bin"


def test_the_wheel_holds_every_package_and_runs_outside_the_source_tree(installed, tmp_path):
    where = run(str(installed / "python"), "-c", "import properties.cli, vocabulary; "
                "print(properties.cli.__file__); print(vocabulary.__file__)", cwd=tmp_path)
    assert all(str(installed.parent) in line for line in where.stdout.split()), where.stdout
    version = run(str(installed / "ocpp-verify"), "--version", cwd=tmp_path)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert version.stdout.strip() == f"ocpp-verify {project['version']}"
    fuzz = run(str(installed / "ocpp-verify"), "fuzz", "--max-examples", "5", "--seed", "1",
               "--findings", str(tmp_path / "findings"), cwd=tmp_path)
    assert "examples: 5" in fuzz.stdout and "findings: none" in fuzz.stdout
