"""Both systems under test satisfy properties/sut.py's Protocol: every member, async where it must be."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from adapters.bundled import BundledSut
from properties.external import ExternalSettings, build_sut
from properties.sut import Sut

ROOT = Path(__file__).resolve().parent.parent


def members() -> dict[str, object]:
    names = set(Sut.__annotations__) | {name for name in vars(Sut) if not name.startswith("_")}
    return {name: inspect.getattr_static(Sut, name, None) for name in sorted(names)}


def external_sut():
    return build_sut(ExternalSettings(ROOT / "examples" / "any-cp-no-controller.toml"))


@pytest.mark.parametrize("make", [BundledSut, external_sut], ids=["bundled", "external"])
def test_the_sut_satisfies_the_protocol(make):
    sut = make()
    assert isinstance(sut, Sut)
    for name, member in members().items():
        assert hasattr(sut, name), name
        if inspect.iscoroutinefunction(member):
            assert inspect.iscoroutinefunction(getattr(sut, name)), f"{name} must be async"
            wanted = list(inspect.signature(member).parameters)[1:]
            assert list(inspect.signature(getattr(sut, name)).parameters)[:len(wanted)] == wanted, name
        elif inspect.isfunction(member):
            assert callable(getattr(sut, name)) and not inspect.iscoroutinefunction(getattr(sut, name)), name


def test_the_runner_reads_the_sut_through_the_protocol_not_getattr():
    source = (ROOT / "properties" / "runner.py").read_text()
    probes = [line.strip() for line in source.splitlines() if "getattr(" in line and "sut" in line]
    assert probes == []
