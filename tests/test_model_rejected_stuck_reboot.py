"""Errata v4.0 3.22, §4.2 (check-log of the SAP simulator's fuzz seed 91 trace, frame 1,603: two false StatusNotReported,
connectors 1 and 2 'last reported None'): a Charge Point that ignored the Accepted answering its retry while Rejected
(StatusNotReportedAfterRejected, sim-sap final1) and has reported no connector since may ignore the Accepted of its next
boot too, after a reboot as well. The SAP simulator, Rejected at 03:06:58, its retry Accepted at 03:07:11 and ignored,
booted again at 03:07:36 (Accepted, ignored: no status, CALLs unanswered) and reported its connectors only after the
boot of 03:08:10. The model took that boot's reboot (a power cut check-log assumed, or ours) as the end of the
deviation, so its missing statuses were StatusNotReported, a rule of another fault.
"""

from __future__ import annotations

from test_model_core import boot, down, reboot_observations, rejected_trace, sn, step, up


def _stuck() -> object:
    """Rejected, the retry 61 s later Accepted and ignored: no status."""
    trace = rejected_trace()
    trace.do(step("AdvanceTime", seconds=61), boot("Accepted", t=61.0), sn(0, "Available", 61.0))
    return trace


def test_errata_3_22_statuses_still_missing_after_the_next_reboot_are_the_same_deviation():
    """Before: StatusNotReported for connectors 1 and 2 at the reboot's boot (connector 0 has a rule of its own)."""
    trace = _stuck()
    rules = trace.do(step("PowerLoss"), down())
    assert rules == []
    assert trace.do(step("PowerOn"), up(), boot("Accepted")) == \
        ["ConnectorZeroStatusNotReported"] + ["StatusNotReportedAfterRejected"] * 2


def test_4_9_statuses_missing_after_a_reboot_once_the_connectors_reported_are_still_status_not_reported():
    """Once its connectors reported again, the deviation is over: a later reboot without statuses is StatusNotReported."""
    trace = _stuck()
    trace.do(step("Reset", type="Soft"), *reboot_observations((0, "Available"), (1, "Available"), (2, "Available")))
    trace.ok(step("PowerLoss"), down())
    assert trace.do(step("PowerOn"), up(), boot("Accepted")) == ["ConnectorZeroStatusNotReported"] + ["StatusNotReported"] * 2
