"""The run's machine class keeps Hypothesis's database key (issue 16): its digest is the one inspect's
search of properties/runner.py for the class gave (no source found: the class's name), without the search
(50 ms a batch)."""

import inspect
from types import SimpleNamespace

import pytest
from hypothesis.internal.reflection import function_digest

from properties import runner
from properties.machine import OcppMachine
from properties.profiles.hostile import HostileRules


@pytest.mark.parametrize("hostile", [False, True])
def test_the_machine_class_digest_is_the_one_of_a_class_made_in_runner(hostile):
    session = SimpleNamespace(options=SimpleNamespace(number_of_connectors=2),
                              config=SimpleNamespace(hostile_family=hostile), sut=SimpleNamespace(real_time=False))
    made = runner.machine_class(session)
    bases = (HostileRules, OcppMachine) if hostile else (OcppMachine,)
    before = type("OcppMachineRun", bases, {"session": session, "connectors": 2, "__module__": runner.__name__})
    assert made.__name__ == made.__qualname__ == "OcppMachineRun" and made.__bases__ == bases
    with pytest.raises(OSError):
        inspect.getsource(before)  # what Hypothesis met: the class is not in runner.py's source
    with pytest.raises(TypeError):
        inspect.getsource(made)  # met at once: no module, no source
    assert function_digest(made) == function_digest(before)
