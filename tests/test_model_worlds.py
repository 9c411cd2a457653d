"""Indeterminate outcomes (model/worlds.py): a CALL whose answer is pending.

OCPP-J 1.6 §4.1.1 sets no limit on how long a Charge Point may take to answer;
on a wall clock the answer may come after our timeout. Until later
observations decide, every outcome the spec allows is kept: the CALL had no
effect, or it was answered with any allowed status.
"""

from __future__ import annotations

from model import Answer, NoAnswer, Stimulus, judge_worlds
from model.worlds import MAX_WORLDS
from test_model_core import TAG, charging, sn, start_tx, step, Trace

PENDING = Answer("pending")


class Worlds:
    """A run of steps through :func:`judge_worlds`, keeping every world."""

    def __init__(self, trace: Trace | None = None):
        self.worlds = ((trace or Trace()).state,)

    def do(self, s: dict, *observed) -> list[str]:
        verdict = judge_worlds(self.worlds, Stimulus.from_step(s), observed)
        self.worlds = verdict.worlds
        return [v.rule for v in verdict.violations]

    def ok(self, s: dict, *observed) -> "Worlds":
        assert self.do(s, *observed) == []
        return self


def test_ocppj_4_1_1_a_pending_answer_is_no_violation_and_opens_worlds():
    worlds = Worlds().ok(step("RemoteStartTransaction", idTag=TAG, connectorId=1), PENDING)
    assert 1 < len(worlds.worlds) <= MAX_WORLDS


def test_5_11_a_remote_start_carried_out_after_a_timeout_is_allowed():
    """The Charge Point was slow to answer but started the transaction: the Accepted world holds."""
    worlds = Worlds().ok(step("RemoteStartTransaction", idTag=TAG, connectorId=1), PENDING)
    worlds.ok(step("AdvanceTime", seconds=1), sn(1, "Preparing", 1.0))
    worlds.ok(step("PlugIn", connectorId=1), start_tx(1, TAG, t=1.0), sn(1, "Charging", 1.0))


def test_5_11_a_remote_start_never_carried_out_is_allowed():
    """The CALL never arrived: nothing happens, and that is allowed too."""
    worlds = Worlds().ok(step("RemoteStartTransaction", idTag=TAG, connectorId=1), PENDING)
    worlds.ok(step("AdvanceTime", seconds=5))
    worlds.ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))


def test_a_violation_in_every_world_is_reported():
    """After a pending RemoteStart, a StartTransaction with no cable plugged in is wrong whatever the
    answer was."""
    worlds = Worlds().ok(step("RemoteStartTransaction", idTag=TAG, connectorId=1), PENDING)
    rules = worlds.do(step("AdvanceTime", seconds=1), start_tx(1, "TAG9"), sn(1, "Charging"))
    assert rules and len(worlds.worlds) == 1


def test_later_observations_decide_between_worlds():
    """A Preparing after a pending RemoteStart leaves only the world in which it was Accepted."""
    worlds = Worlds().ok(step("RemoteStartTransaction", idTag=TAG, connectorId=1), PENDING)
    assert sorted(str(w.connector(1).authorized) for w in worlds.worlds) == ["None", TAG]
    worlds.ok(step("AdvanceTime", seconds=1), sn(1, "Preparing", 1.0))
    assert [w.connector(1).authorized for w in worlds.worlds] == [TAG]


def test_5_12_a_pending_remote_stop_may_have_stopped_the_transaction():
    worlds = Worlds(charging()).ok(step("RemoteStopTransaction", transactionId=1), PENDING)
    from test_model_core import stop_tx
    worlds.ok(step("AdvanceTime", seconds=1), stop_tx(1, "Remote"), sn(1, "Finishing"))


def test_5_12_a_pending_remote_stop_may_have_done_nothing():
    worlds = Worlds(charging()).ok(step("RemoteStopTransaction", transactionId=1), PENDING)
    worlds.ok(step("AdvanceTime", seconds=1))


def test_ocppj_4_1_3_no_answer_at_all_is_no_valid_response():
    worlds = Worlds().ok(step("ClearCache"), PENDING)
    assert worlds.do(step("AdvanceTime", seconds=60), NoAnswer("ClearCache", 60.0)) == ["NoValidResponse"]


def test_one_world_judges_like_judge():
    """Without a pending answer there is one world, judged exactly as model.judge does."""
    worlds = Worlds()
    assert worlds.do(step("RemoteStartTransaction", idTag=TAG, connectorId=0), Answer("result", {"status": "Accepted"})) \
        == ["RemoteStartConnectorZero"]
    assert len(worlds.worlds) == 1


def test_3_7_1_a_charge_point_known_to_discard_a_failed_message_at_once_is_not_flagged_again():
    """Issue 14 (MicroOcpp, sim-triage session 2): with TransactionMessageRetry accepted, a StopTransaction
    answered with a CALLERROR may have been discarded at once, so the next transaction's StartTransaction,
    sent before the retry was due, is no TransactionMessageBeforeQueueEmptied. Not accepted: it is."""
    from test_model_core import preparing
    from test_model_core_gaps import OTHER, failed_stop, start_on_two

    for accepted, expected in ((frozenset({"TransactionMessageRetry"}), []),
                               (frozenset(), ["TransactionMessageBeforeQueueEmptied"])):
        trace = preparing(failed_stop(), connector=2)
        trace.ok(step("SetIdTag", idTag=OTHER, status="Accepted"))
        worlds = judge_worlds((trace.state,), Stimulus.from_step(step("AdvanceTime", seconds=0)), (), accepted).worlds
        verdict = judge_worlds(worlds, Stimulus.from_step(step("PresentIdTag", connectorId=2, idTag=OTHER)),
                               start_on_two(0.0), accepted)
        assert [v.rule for v in verdict.violations] == expected


def test_3_7_1_a_message_sent_in_the_step_its_failed_predecessor_was_discarded_is_the_same_deviation():
    """MicroOcppSimulator (sim-triage session 2): its StopTransaction answered with a CALLERROR is dropped and
    the next transaction's MeterValues follows within the same step. With TransactionMessageRetry accepted,
    TransactionMessageBeforeQueueEmptied is that deviation too (the harness accepts it with it)."""
    import attrs

    from model.worlds import with_same_deviations
    from properties.harness import Harness
    from test_model_core import meter_values, stop_tx

    from model.violations import RECOMMENDATIONS

    accepted = with_same_deviations(frozenset({"TransactionMessageRetry"}))
    assert accepted == {"TransactionMessageRetry", "TransactionMessageBeforeQueueEmptied"} | RECOMMENDATIONS
    assert with_same_deviations(frozenset({"StatusNotReported"})) == {"StatusNotReported"} | RECOMMENDATIONS
    trace = charging(charging(Trace(TransactionMessageAttempts=3, TransactionMessageRetryInterval=60)),
                     connector=2, tag="TAG2", tx_id=2)
    failed = attrs.evolve(stop_tx(1, reason="Remote"), answer=None, error="InternalError")
    verdict = judge_worlds((trace.state,), Stimulus.from_step(step("RemoteStopTransaction", transactionId=1)),
                           (Answer("result", {"status": "Accepted"}), failed, sn(1, "Finishing"),
                            meter_values(2, 2)), accepted)
    assert {v.rule for v in verdict.violations} == {"TransactionMessageBeforeQueueEmptied"}  # all accepted
    assert Harness.__init__.__code__.co_names.count("with_same_deviations") == 1


def test_3_7_1_a_discarded_retry_world_in_which_a_queued_start_would_be_overdue_is_not_kept():
    """Nightly seed 1040 (session 4): with TransactionMessageRetry accepted (found earlier in the run), the world in
    which the failed StopTransaction was discarded at once owes the StartTransaction queued behind it at once. The
    Charge Point did not send it in the step, so that world is ruled out, not kept to break InvariantNothingOwedOverdue."""
    from model.invariants import broken
    from model.worlds import with_same_deviations
    from test_model_core import authorize
    from test_model_core_gaps import OTHER, failed_stop
    from test_model_core import preparing

    trace = preparing(failed_stop(), connector=2)
    trace.ok(step("SetIdTag", idTag=OTHER, status="Accepted"))
    accepted = with_same_deviations(frozenset({"TransactionMessageRetry"}))
    verdict = judge_worlds((trace.state,), Stimulus.from_step(step("PresentIdTag", connectorId=2, idTag=OTHER)),
                           (authorize(OTHER), sn(2, "Charging")), accepted)
    assert verdict.violations == () and broken(verdict.worlds) == ()


def test_errata_3_18_two_given_up_transactions_both_carry_minus_one():
    """Budget 300, seed 1 (clean bundled charge point): the StartTransactions of two connectors' transactions were both
    given up after TransactionMessageAttempts failures, and the messages of each carry transactionId -1 (errata 3.18):
    no invariant is broken by two -1s, nor by a -1 running after another -1 stopped; a real transactionId still
    breaks them."""
    import attrs

    from model import Options, initial_state
    from model.invariants import one_connector_per_transaction, running_transaction_not_stopped
    from model.state import Tx

    state = initial_state(Options())
    def holding(*ids):
        return attrs.evolve(state, connectors=(state.connectors[0], *(
            attrs.evolve(c, tx=Tx(TAG, 0, transaction_id=i)) for c, i in zip(state.connectors[1:], ids))))
    assert one_connector_per_transaction(holding(-1, -1)) is None
    assert one_connector_per_transaction(holding(7, 7)) == "transactionIds [7] are held by more than one connector"
    assert running_transaction_not_stopped(attrs.evolve(holding(-1), stopped=frozenset({-1}))) is None
    assert running_transaction_not_stopped(attrs.evolve(holding(7), stopped=frozenset({7}))) is not None
