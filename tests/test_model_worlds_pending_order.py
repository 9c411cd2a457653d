"""OCPP-J 1.6 §4.1.1, §4.1.3 (SAP simulator fuzz seed 92 on d96d297: a false StartTransactionWhenAuthorizedAndPlugged,
45 steps, replaying failing): a CALL left unanswered keeps the world in which it had no effect.

model/worlds.py ``judge_worlds`` sorted the viable worlds by their number of violations, accepted ones included,
and kept the first ``MAX_WORLDS``. The worlds in which a timed-out CALL was answered skip that step's settle checks
(what the answer obliges is owed from the next step), so they counted fewer violations than the world in which the
CALL had no effect (there a deviation accepted at every settle, SAP's ConnectorZeroStatusNotReported): with 8 worlds
already, a RemoteStartTransaction SAP never answered (its registration stuck, every CALL unanswered) left only
worlds in which it was Accepted, each owing a StartTransaction on the plugged connector. A pending answer's worlds
now keep their order, the CALL with no effect first in each.
"""

from __future__ import annotations

from model import Answer, Options, Stimulus, initial_state, judge_worlds
from model.worlds import with_same_deviations
from test_model_core import boot, result, sn, start_tx, statuses, step, up

SAP = with_same_deviations(frozenset({"ConnectorZeroStatusNotReported", "NoValidResponse"}))


def _judge(worlds, s: dict, *observed):
    verdict = judge_worlds(worlds, Stimulus.from_step(s), observed, SAP)
    return verdict.worlds, [v.rule for v in verdict.violations if v.rule not in SAP]


def _remote_start_unanswered(answer=Answer("pending")):
    """Booted without a status for connector 0, a cable on connector 1, two ChangeConfigurations unanswered (eight
    worlds), then RemoteStartTransaction for connector 1 with ``answer``, CancelReservation and SendLocalList
    unanswered."""
    worlds = (initial_state(Options(number_of_connectors=2)),)
    worlds, _ = _judge(worlds, step("PowerOn"), up(), boot(), *statuses((1, "Available"), (2, "Available")))
    worlds, _ = _judge(worlds, step("PlugIn", connectorId=1), sn(1, "Preparing"))
    worlds, _ = _judge(worlds, step("ChangeConfiguration", key="MeterValueSampleInterval", value="7"), Answer("pending"))
    worlds, _ = _judge(worlds, step("ChangeConfiguration", key="HeartbeatInterval", value="77"), Answer("pending"))
    worlds, at_remote_start = _judge(worlds, step("RemoteStartTransaction", connectorId=1, idTag="TAG2"), answer)
    worlds, _ = _judge(worlds, step("CancelReservation", reservationId=99), Answer("pending"))
    worlds, _ = _judge(worlds, step("SendLocalList", listVersion=2, updateType="Differential"), Answer("pending"))
    return worlds, at_remote_start


def test_4_1_3_an_unanswered_remote_start_may_have_had_no_effect():
    """Before: StartTransactionWhenAuthorizedAndPlugged."""
    _, rules = _judge(_remote_start_unanswered()[0], step("AdvanceTime", seconds=10))
    assert rules == []


def test_4_1_3_the_start_of_an_unanswered_remote_start_is_still_explained():
    _, rules = _judge(_remote_start_unanswered()[0], step("AdvanceTime", seconds=1), start_tx(1, "TAG2", 5),
                      sn(1, "Charging"))
    assert rules == []


def test_5_11_a_remote_start_answered_accepted_still_owes_its_start():
    """Answered Accepted in the same worlds, with no StartTransaction by the end of its step: still flagged."""
    assert _remote_start_unanswered(result(status="Accepted"))[1] == ["StartTransactionWhenAuthorizedAndPlugged"]
