"""§3.7, §3.16.1: a periodic sample that names another transaction than the connector's (one queued for an earlier
transaction: the SAP simulator sends those of an earlier example's, sim-triage session 4) is not this transaction's
sample: its timestamp says nothing of this transaction's MeterValueSampleInterval."""

from __future__ import annotations

from model import CpCall
from test_model_core import step
from test_model_core_gaps import sample, sampling


def sample_of(transaction_id: int, seconds: int) -> CpCall:
    call = sample(seconds)
    return CpCall(call.action, {**call.payload, "transactionId": transaction_id}, call.time, answer={})


def test_3_16_1_a_sample_of_an_earlier_transaction_is_not_this_ones():
    assert sampling().do(step("AdvanceTime", seconds=20), sample(10), sample_of(8, 12), sample(20)) == []
    assert set(sampling().do(step("AdvanceTime", seconds=20), sample(10), sample_of(1, 12), sample(20))) == {
        "MeterValuesSampleEarly"}
