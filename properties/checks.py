"""Checks of the user's input before a run starts: each problem is one line (the CLI exits 2).

A run must not fail after an hour because its output cannot be written, and must not pass
because its budget was nonsense: every option, output path and feature profile is checked
here first. Each function returns why its input is wrong, or None.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

from vocabulary import profiles_problem

DEFAULT_FINDINGS = Path("ocpp-verify-findings")
"""Where a user's findings go unless --findings says otherwise (findings/ holds the curated examples)."""


def positive(option: str, value: float | None) -> str | None:
    """A budget or a count must be a finite number above 0 (0 or less would check nothing)."""
    if value is None or (math.isfinite(value) and value > 0):
        return None
    return f"{option} must be a finite number above 0, got {value}"


def at_least_one(option: str, count: int | None) -> str | None:
    """A count of examples: 0 or less would check nothing."""
    return None if count is None or count >= 1 else f"{option} must be at least 1, got {count}"


def feature_profiles(csl: str | None) -> str | None:
    """A --feature-profiles list: known profile names (§9.1.29), Core among them."""
    if csl is None:
        return None
    problem = profiles_problem([name.strip() for name in csl.split(",")])
    return None if problem is None else f"--feature-profiles {csl}: {problem}"


def output_folder(option: str, path: Path | None) -> str | None:
    """A folder we will write into: it is one, or can be made, and a file can be written there."""
    if path is None:
        return None
    if Path(path).exists() and not Path(path).is_dir():
        return f"{option} {path}: is a file, not a folder"
    return _room(option, Path(path), Path(path))


def output_file(option: str, path: Path | None) -> str | None:
    """A file we will write: not a folder, in a folder that is one or can be made, writable."""
    if path is None:
        return None
    if Path(path).is_dir():
        return f"{option} {path}: is a folder; give a file name"
    return _room(option, Path(path), Path(path).parent)


def _room(option: str, path: Path, folder: Path) -> str | None:
    existing = _existing_ancestor(folder)
    if not existing.is_dir():
        return f"{option} {path}: {existing} is a file, not a folder"
    return _writable(option, path, existing)


def _existing_ancestor(path: Path) -> Path:
    path = path.absolute()
    while not path.exists():
        path = path.parent
    return path


def _writable(option: str, path: Path, existing: Path) -> str | None:
    """Create (and remove) a file in the nearest existing folder: the only sure test (root ignores modes)."""
    try:
        with tempfile.NamedTemporaryFile(dir=existing, prefix=".ocpp-verify-probe-"):
            pass
    except OSError as error:
        return f"{option} {path}: cannot write in {existing} ({error.strerror or error})"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{option} {path}: cannot write in {existing} (permission denied)"
    return None


def first(*problems: str | None) -> str | None:
    """The first problem found, or None."""
    return next((p for p in problems if p is not None), None)
