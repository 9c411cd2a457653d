"""External mode: an example ends judged (properties/external.py ``RealTimeRules.teardown``).

An external example starts where the last one ended, and the model forgives a StopTransaction that the example
before still owed (``start_from``: any reason). So what the charge point owes at the last step must be waited for
before the example ends: an UnlockConnector answered Unlocked as the last step of an example, its transaction never
stopped (OCPP 1.6 §5.18), was never found in external runs (UnlockWithoutStoppingTransaction: none in 30 examples
at seeds 1 and 3, against 4 in process)."""

import attrs
import pytest

from model import Options
from model.core import initial_state
from model.state import Owed
from properties.external import owed_now, real_time_rules
from properties.machine import ModelViolation

TOLERANCE = 1.5


def owing(*dues, action="StopTransaction", **changes):
    state = initial_state(Options(tolerance=TOLERANCE), time=100.0)
    owed = tuple(Owed(action, "UnlockStopsTransaction", "OCPP 1.6 §5.18", "", due, connector=1) for due in dues)
    return attrs.evolve(state, owed=owed, **changes)


def test_what_is_owed_within_tolerance_is_waited_for():
    assert owed_now(owing(101.0, 101.5)) == 1.5
    assert owed_now(owing()) == 0


@pytest.mark.parametrize("state", [
    owing(100.0 + 3600),  # due later: another step's business (a heartbeat, a sample)
    owing(101.0, action="MayStopTransaction"),  # no obligation
    owing(101.0, online=False),  # it cannot send
    owing(101.0, powered=False),
])
def test_nothing_is_waited_for_that_could_not_be_late_now(state):
    assert owed_now(state) == 0


class Recorded:
    """What RealTimeRules calls on: the machine's do() and teardown()."""

    def __init__(self, state, fails=False):
        self.model, self.fails, self.steps, self.torn_down = state, fails, [], False

    def do(self, step):
        self.steps.append(step)
        if self.fails:
            raise ModelViolation((), step)

    def teardown(self):
        self.torn_down = True


Machine = type("Machine", (real_time_rules(10), Recorded), {})


def test_the_example_ends_with_a_real_wait_for_what_is_owed():
    machine = Machine(owing(101.2))
    machine.teardown()
    assert machine.steps == [{"op": "AdvanceTime", "seconds": 2}] and machine.torn_down


def test_a_violation_at_the_end_is_a_finding_and_the_example_still_ends():
    machine = Machine(owing(101.2), fails=True)
    with pytest.raises(ModelViolation):
        machine.teardown()
    assert machine.torn_down


def test_a_failed_example_ends_without_another_step():
    machine = Machine(owing(101.2), fails=True)
    with pytest.raises(ModelViolation):
        machine.do({"op": "UnlockConnector", "connectorId": 1})
    machine.teardown()
    assert len(machine.steps) == 1 and machine.torn_down


def test_nothing_owed_ends_at_once():
    machine = Machine(owing())
    machine.teardown()
    assert machine.steps == [] and machine.torn_down
